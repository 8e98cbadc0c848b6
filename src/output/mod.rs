//! Everything a run writes: the event timeline, per-Job results, final Job
//! objects, the summary, and the terminal report. Files are written to
//! temporary names and renamed into place when the run succeeds.

pub mod charts;
pub mod decisions;
pub mod events;
pub mod explain;
pub mod files;
pub mod job_rows;
pub mod jobs;
mod names;
pub mod report;
pub mod sample_codec;
pub mod spool;
pub mod stats;
pub mod summary;
pub mod svg;
pub mod sweep_charts;
pub mod table;
pub mod timeseries;
pub mod trace;
pub mod yaml;
