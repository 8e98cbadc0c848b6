//! Orchestration behind each command, one file per command: load, check, run,
//! report. Each command returns the process exit code (0 success, 1 run error,
//! 2 bad input).

mod calibrate;
mod check;
mod compare;
mod conformance;
mod explain;
mod plan;
mod plot;
mod run;
pub mod stdout;
mod study;
mod sweep;
mod validate;

pub use calibrate::calibrate;
pub use check::{Outcome, Verdict, check, simulate, verdicts};
pub use compare::compare;
pub use conformance::conformance;
pub use explain::explain;
pub use plan::plan;
pub use plot::plot;
pub use run::run;
pub use sweep::{merge, sweep};
pub use validate::{validate, validate_file, validate_text};

/// The `*.yaml` and `*.yml` files of a folder (not of its subfolders), sorted.
fn yaml_files(dir: &std::path::Path) -> std::io::Result<Vec<std::path::PathBuf>> {
    let mut found: Vec<std::path::PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|f| f.is_file() && f.extension().is_some_and(|x| x == "yaml" || x == "yml"))
        .collect();
    found.sort();
    Ok(found)
}

pub const EXIT_OK: u8 = 0;
pub const EXIT_FAILURE: u8 = 1;
pub const EXIT_BAD_INPUT: u8 = 2;
