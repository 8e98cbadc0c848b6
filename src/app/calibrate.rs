//! `jobsim calibrate`: reads the files, fits the scenario (`crate::calibrate`),
//! checks that it loads as `jobsim run` would load it, and prints or writes it.

use super::stdout::out;
use super::{EXIT_BAD_INPUT, EXIT_FAILURE, EXIT_OK};
use crate::calibrate::{self, Options};
use crate::cli::CalibrateArgs;
use std::path::Path;

/// The most an input file may hold: `kubectl get pods -o json` of a large
/// namespace runs to a few hundred MiB; the bound keeps `/dev/zero` out.
const MAX_INPUT_BYTES: u64 = 1 << 30;

/// Why an input file cannot be read, with the file's name.
#[derive(Debug, thiserror::Error)]
enum ReadError {
    #[error("{0}: larger than {gib} GiB", gib = MAX_INPUT_BYTES >> 30)]
    TooLarge(String),
    #[error("{name}: cannot read: {error}")]
    Unreadable { name: String, error: std::io::Error },
    #[error("{name}:{line}:{col}: not UTF-8 text (byte 0x{byte:02x})")]
    NotUtf8 {
        name: String,
        line: usize,
        col: usize,
        byte: u8,
    },
}

/// A file's name, as messages give it, and its text.
fn read(path: &Path) -> Result<(String, String), ReadError> {
    let name = path.display().to_string();
    let bytes = match crate::manifest::read_bounded(path, MAX_INPUT_BYTES) {
        Ok(Some(b)) => b,
        Ok(None) => return Err(ReadError::TooLarge(name)),
        Err(error) => return Err(ReadError::Unreadable { name, error }),
    };
    match String::from_utf8(bytes) {
        Ok(text) => Ok((name, text)),
        Err(e) => {
            let (at, byte) = crate::manifest::invalid_utf8(e.as_bytes(), e.utf8_error().valid_up_to());
            Err(ReadError::NotUtf8 {
                name,
                line: at.line,
                col: at.col,
                byte,
            })
        }
    }
}

/// `jobsim calibrate FILE...`: exit 0 with the scenario, 2 on bad input, 1
/// when the output file cannot be written.
pub fn calibrate(args: &CalibrateArgs) -> u8 {
    let mut files = Vec::new();
    for f in &args.files {
        match read(f) {
            Ok(file) => files.push(file),
            Err(e) => {
                eprintln!("error: {e}");
                return EXIT_BAD_INPUT;
            }
        }
    }
    let opts = Options {
        by: args.by.clone(),
        fit: args.fit,
        startup_from: args.startup_from,
        name: args.name.clone(),
    };
    let fitted = match calibrate::calibrate(&files, &opts) {
        Ok(c) => c,
        Err(p) => {
            eprintln!("error: {p}");
            return EXIT_BAD_INPUT;
        }
    };
    // The scenario must load as `run` loads it: a Job of the input that the
    // API server of this release would refuse (a field jobsim does not know)
    // shows here, with its line of the scenario, which is not written.
    let shown = "<calibrated scenario>";
    if let Err(diags) = crate::scenario::load_str(shown, &fitted.scenario, None) {
        let errors: Vec<_> = diags.iter().filter(|d| !d.warning).collect();
        if !errors.is_empty() {
            let lines: Vec<&str> = fitted.scenario.lines().collect();
            for d in errors.iter().take(20) {
                eprintln!("{d}");
                if let Some(line) = d.position.and_then(|p| lines.get(p.line.wrapping_sub(1))) {
                    eprintln!("    {line}");
                }
            }
            if errors.len() > 20 {
                eprintln!("... and {} more", errors.len() - 20);
            }
            let inputs: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
            eprintln!(
                "error: {}: the Jobs they hold do not make a valid scenario; nothing written",
                inputs.join(", ")
            );
            for n in fitted.notes.iter().filter(|n| n.contains("--by")) {
                eprintln!("calibrate: {n}");
            }
            return EXIT_BAD_INPUT;
        }
    }
    for n in &fitted.notes {
        eprintln!("calibrate: {n}");
    }
    match &args.out {
        None => {
            out!("{}", fitted.scenario);
            EXIT_OK
        }
        Some(path) => {
            let dir = path
                .parent()
                .filter(|d| !d.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
                eprintln!("error: -o {}: not a file name", path.display());
                return EXIT_BAD_INPUT;
            };
            match crate::output::files::write_atomic(dir, name, fitted.scenario.as_bytes()) {
                Ok(p) => {
                    eprintln!("calibrate: wrote {}", p.display());
                    EXIT_OK
                }
                Err(e) => {
                    eprintln!("error: writing {}: {e}", path.display());
                    EXIT_FAILURE
                }
            }
        }
    }
}
