//! `jobsim explain DIR JOB`: a Job's life as the controller saw it, from a run
//! folder's `events.csv` and `decisions.csv` (`output::explain`).

use super::stdout::outln;
use super::{EXIT_BAD_INPUT, EXIT_FAILURE, EXIT_OK};
use crate::output::explain::{narrate, read};
use std::path::Path;

/// `jobsim explain`.
pub fn explain(dir: &Path, job: &str) -> u8 {
    let (name, records) = match read(dir, job) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return if e.bad_input() { EXIT_BAD_INPUT } else { EXIT_FAILURE };
        }
    };
    let ns = records
        .namespace
        .as_deref()
        .map(|n| format!("{n}/"))
        .unwrap_or_default();
    outln!(
        "Job {ns}{name}, as the controller saw it (replication 0 of {}; times in seconds since t=0):",
        dir.display()
    );
    outln!();
    for line in narrate(&name, &records) {
        outln!("{line}");
    }
    EXIT_OK
}
