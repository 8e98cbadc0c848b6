//! `jobsim validate`: scenario files and Job manifests, checked as the API server would.

use super::stdout::outln;
use super::{EXIT_BAD_INPUT, EXIT_OK};
use crate::api::Time;
use crate::api::defaults::prepare_for_create;
use crate::api::validation::{ValidationOptions, validate_job};
use crate::controller::Profile;
use crate::manifest::{self, Diagnostic};
use crate::scenario;
use std::path::{Path, PathBuf};

/// `jobsim validate`: every problem of every file, then exit 2 if any.
pub fn validate(files: &[PathBuf], kubernetes_version: Option<&str>) -> u8 {
    let profile = match kubernetes_version.map(Profile::parse_version).transpose() {
        Ok(minor) => minor.map(Profile::new).unwrap_or_else(Profile::newest),
        Err(e) => {
            eprintln!("error: --kubernetes-version: {e}");
            return EXIT_BAD_INPUT;
        }
    };
    let mut bad = false;
    for given in files {
        // A folder: its *.yaml and *.yml files; those that hold neither a Job nor a
        // scenario (a PersistentVolumeClaim beside a Job manifest) are skipped.
        let (paths, from_dir) = if given.is_dir() {
            match super::yaml_files(given) {
                Ok(found) if found.is_empty() => {
                    eprintln!("{}: no *.yaml or *.yml file in the folder", given.display());
                    bad = true;
                    continue;
                }
                Ok(found) => (found, true),
                Err(e) => {
                    eprintln!("{}: cannot read the folder: {e}", given.display());
                    bad = true;
                    continue;
                }
            }
        } else {
            (vec![given.clone()], false)
        };
        for path in &paths {
            if from_dir && let Some(others) = without_jobs(path) {
                outln!("{}: skipped: no batch/v1 Job or scenario ({others})", path.display());
                continue;
            }
            let (diagnostics, summary) = validate_file(path, &profile);
            for d in &diagnostics {
                eprintln!("{d}");
            }
            bad |= diagnostics.iter().any(|d| !d.warning);
            outln!("{summary}");
        }
    }
    if bad { EXIT_BAD_INPUT } else { EXIT_OK }
}

/// The objects of a file that reads as Kubernetes objects of which none is a
/// batch/v1 Job (`PersistentVolumeClaim/results`), or `None` when it holds a
/// Job, reads as a scenario or does not read at all: `validate_file` says which.
fn without_jobs(path: &Path) -> Option<String> {
    let (name, text) = manifest::read_source(path).ok()?;
    let docs = manifest::parse_documents(&name, &text).ok()?;
    if docs.iter().all(|d| d.is_null()) || docs.first().is_some_and(scenario::is_scenario) {
        return None;
    }
    let file = manifest::load_str(&name, &text).ok()?;
    (file.jobs.is_empty() && !file.others.is_empty()).then(|| file.others.join(", "))
}

/// Checks one file: a scenario exactly as `jobsim run` loads it, or manifests
/// as the API server would check a create of each Job.
pub fn validate_file(path: &Path, profile: &Profile) -> (Vec<Diagnostic>, String) {
    match manifest::read_source(path) {
        Ok((name, text)) => validate_text(&name, &text, path.parent(), profile),
        Err(diags) => (diags, format!("{}: invalid", path.display())),
    }
}

/// Checks the text of a file named `name` (for messages) as `validate_file`
/// does; `dir` resolves the scenario's `jobFile` and `empirical.file` paths.
/// The diagnostics, then the line `validate` prints for the file.
pub fn validate_text(name: &str, text: &str, dir: Option<&Path>, profile: &Profile) -> (Vec<Diagnostic>, String) {
    // What is not plainly a set of Kubernetes objects is read as a scenario, by
    // the loader `jobsim run` uses: an empty file, a misspelt kind, a list.
    let scenario = match manifest::parse_documents(name, text) {
        Ok(docs) => docs.iter().all(|d| d.is_null()) || docs.first().is_some_and(scenario::is_scenario),
        Err(d) => return (vec![d], format!("{name}: invalid")),
    };
    if scenario {
        return match scenario::load_str(name, text, dir) {
            Ok(sc) => {
                let jobs: u64 = sc.workloads.iter().map(|w| u64::from(w.count)).sum();
                let summary = format!(
                    "{name}: valid scenario {:?} ({} workloads, {jobs} Jobs, Kubernetes {})",
                    sc.name,
                    sc.workloads.len(),
                    sc.profile
                );
                (Vec::new(), summary)
            }
            Err(diags) => {
                let errors = diags.iter().filter(|d| !d.warning).count();
                (
                    diags,
                    format!(
                        "{name}: invalid scenario ({errors} error{})",
                        if errors == 1 { "" } else { "s" }
                    ),
                )
            }
        };
    }
    let file = match manifest::load_str(name, text) {
        Ok(f) => f,
        Err(diags) => return (diags, format!("{name}: invalid")),
    };
    let mut diags = Vec::new();
    for found in &file.jobs {
        let mut job = found.job.clone();
        let job_name = if job.metadata.name.is_empty() {
            "<unnamed>".to_string()
        } else {
            job.metadata.name.clone()
        };
        for u in crate::api::strict::unknown_fields(&job) {
            let hint = crate::suggest::did_you_mean(&u.name, u.known)
                .map(|s| format!(" (did you mean \"{s}\"?)"))
                .unwrap_or_default();
            diags.push(file.diagnostic(
                found,
                &u.path,
                format!("Job {job_name:?}: unknown field \"{}\"{hint}", u.path),
                false,
            ));
        }
        let uid = format!("{:08x}-0000-4000-8000-000000000000", found.document);
        for dropped in prepare_for_create(&mut job, &uid, Time::from_secs(0), profile) {
            diags.push(file.diagnostic(found, dropped, format!("Job {job_name:?}: {dropped} is not part of Kubernetes {profile} (or its feature gate is off) and is dropped"), true));
        }
        let opts = ValidationOptions {
            require_prefixed_labels: true,
            ..Default::default()
        };
        for e in validate_job(&job, &opts) {
            diags.push(file.diagnostic(found, &e.field, format!("The Job {job_name:?} is invalid: {e}"), false));
        }
    }
    let n = file.jobs.len();
    if n == 0 {
        // Nothing to simulate or check: `run` refuses such a file, and so does `validate`.
        diags.push(Diagnostic {
            file: name.to_string(),
            position: file.maps.first().and_then(|m| m.start),
            message: "holds no batch/v1 Job and no jobsim Scenario (apiVersion: jobsim/v1alpha1, kind: Scenario)"
                .to_string(),
            warning: false,
        });
    }
    let errors = diags.iter().filter(|d| !d.warning).count();
    let mut summary = if errors == 0 {
        format!("{name}: {n} Job{} valid", if n == 1 { "" } else { "s" })
    } else {
        format!("{name}: invalid ({errors} error{})", if errors == 1 { "" } else { "s" })
    };
    if !file.others.is_empty() {
        summary.push_str(&format!("; skipped {} (not batch/v1 Jobs)", file.others.join(", ")));
    }
    (diags, summary)
}
