//! `jobsim conformance`: the Kubernetes test vectors against the controller core.

use super::stdout::outln;
use super::{EXIT_BAD_INPUT, EXIT_FAILURE, EXIT_OK};
use std::path::{Path, PathBuf};

/// The vectors shipped with the project, found from the working directory or the crate.
fn default_vectors() -> PathBuf {
    let local = Path::new("tests/conformance");
    if local.is_dir() {
        local.to_path_buf()
    } else {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/conformance")
    }
}

/// `jobsim conformance`.
pub fn conformance(paths: &[PathBuf], verbose: bool) -> u8 {
    let paths = if paths.is_empty() {
        vec![default_vectors()]
    } else {
        paths.to_vec()
    };
    match crate::conformance::run(&paths) {
        Ok(report) => {
            for line in &report.failures {
                outln!("FAIL {line}");
            }
            if verbose {
                for line in &report.skips {
                    outln!("SKIP {line}");
                }
            }
            outln!("{}", report.summary());
            if report.failed > 0 { EXIT_FAILURE } else { EXIT_OK }
        }
        Err(e) => {
            eprintln!("error: {e}");
            EXIT_BAD_INPUT
        }
    }
}
