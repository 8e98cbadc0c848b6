//! Studies across many runs: one replication (`replication.rs`), and the
//! sweeps, target searches and comparisons built from replications.

pub mod replication;

pub use replication::{DEFAULT_HORIZON, Replication, Timeline, replication_stats_only, run_replication};
