//! What `plan` and `compare` share: the overrides every point gets (as
//! `sweep` applies them), loading a point, the thread pool.

use super::{EXIT_BAD_INPUT, EXIT_FAILURE};
use crate::scenario::{self, Scenario, Setting};
use std::path::Path;

/// Prints `error: MESSAGE` and gives the exit code of bad input.
pub(super) fn bad(message: impl std::fmt::Display) -> u8 {
    eprintln!("error: {message}");
    EXIT_BAD_INPUT
}

/// `--seed`, `--replications` and `--until`, checked.
pub(super) struct Overrides {
    seed: Option<u64>,
    replications: Option<u32>,
    until: Option<u64>,
}

impl Overrides {
    pub(super) fn parse(seed: Option<u64>, replications: Option<u32>, until: Option<&str>) -> Result<Self, u8> {
        let until = match until.map(crate::time::parse_duration) {
            None => None,
            Some(Ok(ms)) => Some(ms),
            Some(Err(e)) => return Err(bad(format!("--until: {e}"))),
        };
        if let Some(n) = replications
            && (n == 0 || u64::from(n) > scenario::limits::REPLICATIONS)
        {
            return Err(bad(format!(
                "--replications: Invalid value: {n}: must be from 1 to {}",
                scenario::limits::REPLICATIONS
            )));
        }
        Ok(Overrides {
            seed,
            replications,
            until,
        })
    }

    /// The scenario at `path` with `settings`, then the overrides, as a
    /// sweep's point is made. `at` names the point in the message when the
    /// scenario is invalid there (its diagnostics are printed first).
    pub(super) fn load(&self, path: &Path, settings: &[Setting], at: &str) -> Result<Scenario, u8> {
        let mut sc = match scenario::load_with(path, settings) {
            Ok(sc) => sc,
            Err(diags) => {
                for d in &diags {
                    eprintln!("{d}");
                }
                return Err(bad(format!("the scenario is invalid {at}")));
            }
        };
        if let Some(seed) = self.seed {
            sc.seed = seed;
        }
        if let Some(n) = self.replications {
            sc.replications = n;
        }
        if self.until.is_some() {
            sc.until = self.until;
        }
        Ok(sc)
    }
}

/// A study needs intervals: at least two replications.
pub(super) fn need_intervals(sc: &Scenario, path: &Path) -> Result<(), u8> {
    if sc.replications < 2 {
        return Err(bad(format!(
            "{}: {} replication gives no confidence interval; give --replications 2 or more (30 is usual)",
            path.display(),
            sc.replications
        )));
    }
    Ok(())
}

/// The pool the runs go on: `--threads`, or every core.
pub(super) fn thread_pool(threads: Option<usize>) -> Result<rayon::ThreadPool, u8> {
    if threads == Some(0) {
        return Err(bad("--threads must be at least 1"));
    }
    if let Some(n) = threads.filter(|n| *n > scenario::limits::THREADS) {
        return Err(bad(format!(
            "--threads: Invalid value: {n}: must be no more than {}",
            scenario::limits::THREADS
        )));
    }
    let n = threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .min(scenario::limits::THREADS);
    rayon::ThreadPoolBuilder::new().num_threads(n).build().map_err(|e| {
        eprintln!("error: cannot start {n} threads: {e}");
        EXIT_FAILURE
    })
}

/// A bar of `len` runs on stderr (hidden when stderr is not a terminal),
/// saying what runs.
pub(super) fn progress_bar(len: usize, what: String) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(len as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{spinner} {bar:30} {pos}/{len} runs {msg} [{elapsed}, ETA {eta}]")
            .expect("template"),
    );
    bar.set_message(what);
    bar.enable_steady_tick(std::time::Duration::from_millis(200));
    bar
}

/// `--confidence`: strictly between 0 and 1.
pub(super) fn check_confidence(c: f64) -> Result<(), u8> {
    if c > 0.0 && c < 1.0 {
        Ok(())
    } else {
        Err(bad(format!(
            "--confidence: Invalid value: {c}: give a level between 0 and 1, e.g. 0.95 or 0.9"
        )))
    }
}
