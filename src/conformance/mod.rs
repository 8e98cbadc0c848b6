//! `jobsim conformance`: runs the Kubernetes Job controller's own unit-test
//! tables (restated as JSON vectors) against the controller core and the
//! API validation, and reports every difference.

mod cases;
pub mod fixtures;
mod outcome;
mod validation_cases;

use serde_json::Value;
use std::path::{Path, PathBuf};
use thiserror::Error;

/// Vector files that cannot be found or read. The message names the file and
/// includes the cause.
#[derive(Debug, Error)]
pub enum ConformanceError {
    #[error("{path}: {error}")]
    Io { path: PathBuf, error: std::io::Error },
    #[error("{path}: not a vector file: {error}")]
    NotVectors { path: PathBuf, error: serde_json::Error },
}

/// Kinds that name internal helpers without a counterpart in the model; the
/// only cases that may be skipped.
const SKIPPABLE_KINDS: &[&str] = &[];

/// The result of one case.
#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    Pass,
    Fail(String),
    Skip(String),
}

#[derive(Debug, Default)]
pub struct Report {
    pub passed: usize,
    pub failed: usize,
    pub skipped: usize,
    /// One line per failing case: `file: name: what differed`.
    pub failures: Vec<String>,
    pub skips: Vec<String>,
}

impl Report {
    pub fn summary(&self) -> String {
        format!(
            "{} passed, {} failed, {} skipped",
            self.passed, self.failed, self.skipped
        )
    }
}

/// Every `*.json` file under the paths, sorted for a stable report.
pub fn vector_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, ConformanceError> {
    let mut files = Vec::new();
    for p in paths {
        collect(p, &mut files).map_err(|error| ConformanceError::Io { path: p.clone(), error })?;
    }
    files.sort();
    Ok(files)
}

fn collect(p: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    if p.is_dir() {
        for entry in std::fs::read_dir(p)? {
            collect(&entry?.path(), out)?;
        }
    } else if p.extension().is_some_and(|e| e == "json") {
        out.push(p.to_path_buf());
    } else if !p.exists() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::NotFound,
            "no such file or directory",
        ));
    }
    Ok(())
}

/// Runs every case of every vector file under `paths`.
pub fn run(paths: &[PathBuf]) -> Result<Report, ConformanceError> {
    let mut report = Report::default();
    for file in vector_files(paths)? {
        let text = std::fs::read_to_string(&file).map_err(|error| ConformanceError::Io {
            path: file.clone(),
            error,
        })?;
        let cases: Vec<Value> = serde_json::from_str(&text).map_err(|error| ConformanceError::NotVectors {
            path: file.clone(),
            error,
        })?;
        let fname = file
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default();
        for case in &cases {
            let name = case["name"].as_str().unwrap_or("<unnamed>");
            match run_case(case) {
                Verdict::Pass => report.passed += 1,
                Verdict::Fail(why) => {
                    report.failed += 1;
                    report.failures.push(format!("{fname}: {name}: {why}"));
                }
                Verdict::Skip(why) => {
                    report.skipped += 1;
                    report.skips.push(format!("{fname}: {name}: {why}"));
                }
            }
        }
    }
    Ok(report)
}

/// Runs one case; a malformed case is a failure, not a skip.
pub fn run_case(case: &Value) -> Verdict {
    let kind = case["kind"].as_str().unwrap_or("");
    match cases::run_kind(kind, &case["input"], &case["expect"]) {
        Some(Ok(())) => Verdict::Pass,
        Some(Err(why)) => Verdict::Fail(why),
        None if SKIPPABLE_KINDS.contains(&kind) => {
            Verdict::Skip(format!("kind {kind} has no counterpart in the model"))
        }
        None => Verdict::Fail(format!("unknown kind {kind:?}")),
    }
}
