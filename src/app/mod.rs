//! Orchestration behind each command, one file per command: load, check, run,
//! report. Each command returns the process exit code (0 success, 1 run error,
//! 2 bad input).

mod check;
mod compare;
mod conformance;
mod plan;
mod plot;
mod run;
pub mod stdout;
mod study;
mod sweep;
mod validate;

pub use check::{Outcome, Verdict, check, simulate, verdicts};
pub use compare::compare;
pub use conformance::conformance;
pub use plan::plan;
pub use plot::plot;
pub use run::run;
pub use sweep::{merge, sweep};
pub use validate::{validate, validate_file, validate_text};

pub const EXIT_OK: u8 = 0;
pub const EXIT_FAILURE: u8 = 1;
pub const EXIT_BAD_INPUT: u8 = 2;
