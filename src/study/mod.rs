//! Studies across many runs: one replication (`replication.rs`), the points
//! of a study (`grid.rs`), and sweeps with their shards (`sweep.rs`).

pub mod grid;
pub mod replication;
pub mod sweep;

pub use replication::{DEFAULT_HORIZON, Replication, Timeline, replication_stats_only, run_replication};
