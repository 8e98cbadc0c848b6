//! `jobsim plot`: the charts of an output folder, redrawn from its files.

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
