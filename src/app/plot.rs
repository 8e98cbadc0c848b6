//! `jobsim plot`: the charts of an output folder, redrawn from its files.
//!
//! `report.html` is not rewritten: it holds what the output files do not (the
//! scenario's text, the `--set` changes, the expectations and the Jobs table
//! of the run), and the charts it inlines are the bytes `plot` redraws.

use super::stdout::outln;
use super::{EXIT_BAD_INPUT, EXIT_OK};
use std::path::Path;

/// `jobsim plot`: redraws the charts of an output folder from its files.
pub fn plot(dir: &Path, png: bool) -> u8 {
    let _guard = crate::output::files::guard_temp_files(dir);
    match crate::output::charts::draw_all(dir, png, None) {
        Ok(files) => {
            for f in files {
                outln!("wrote {}", f.display());
            }
            EXIT_OK
        }
        Err(e) => {
            eprintln!("error: {e}");
            EXIT_BAD_INPUT
        }
    }
}
