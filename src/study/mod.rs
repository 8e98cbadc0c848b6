//! Studies across many runs: one replication (`replication.rs`), the points
//! of a study (`grid.rs`), sweeps with their shards (`sweep.rs`), plans that
//! bisect a field for a target (`plan.rs`), and paired comparisons of two
//! variants (`compare.rs`).

pub mod compare;
pub mod grid;
mod pipe;
pub mod plan;
pub mod replication;
pub mod sweep;

pub use replication::{Replication, Timeline, replication_stats_only, run_replication};
