//! Integration tests: one binary, one module per area.

mod calibrate; // `jobsim calibrate`: fitted scenarios validate and run to the fixture's distributions; bad input.
mod charts; // SVG and PNG charts: labels, bounds, `jobsim plot`.
mod check; // `jobsim check`: spec.expect, held or not, and exit codes.
mod cluster; // Nodes, scheduling, rate limits, drains, node loss, TTL and actions.
mod conformance; // `jobsim conformance` over the shipped vectors.
mod deploy; // deploy/: valid Job manifests; the Indexed Job's command lines shard and merge into the whole sweep.
mod explain; // `jobsim explain`: back-offs, policy rules, the scheduler's message, the rule that ended a Job; errors.
mod invariants; // Property tests of controller invariants over random Jobs and pods.
mod jobs_csv; // jobs.csv against jobs.yaml: every time column agrees with the Job objects.
mod layout; // src/: no file or folder imports one that imports it back.
mod mutations; // Every scenario, edited line by line: refused or run, never a panic or a hang.
mod outputs; // `--outputs` and `spec.outputs`: which files a run writes, and that they are a full run's.
mod report; // report.html: self-contained, every chart inlined, user text escaped, expectations.
mod run; // `jobsim run`: outputs, determinism, timelines, common random numbers, bad input.
mod safety; // Limits, plain messages, runs that end, interrupted runs, closed pipes.
mod study; // `jobsim plan` and `compare`: a plan's points are a sweep's, a scenario against itself differs by zero.
mod sweep; // `jobsim sweep`, `merge` and `run --set`: points equal run --set, shards merge byte for byte.
mod trace; // trace.json: valid, one slice per pod attempt, nested, deterministic.
mod validate; // `jobsim validate` messages, positions and exit codes.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// A path inside the repository.
pub fn repo(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// The test run's own folder under the temporary directory
/// (`jobsim-tests-<pid>`). The first call removes the folders of earlier runs
/// whose process has ended (where `/proc` tells), so that running the tests
/// again and again does not fill the temporary directory; the last run's
/// folder stays, for a look at what a failing test wrote.
pub fn scratch_root() -> &'static Path {
    static ROOT: OnceLock<PathBuf> = OnceLock::new();
    ROOT.get_or_init(|| {
        let tmp = std::env::temp_dir();
        remove_ended_runs(&tmp);
        let root = tmp.join(format!("jobsim-tests-{}", std::process::id()));
        std::fs::create_dir_all(&root).expect("the test run's scratch folder");
        root
    })
}

fn remove_ended_runs(tmp: &Path) {
    if !Path::new("/proc/self").exists() {
        return;
    }
    let Ok(entries) = std::fs::read_dir(tmp) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let pid = (name.to_str())
            .and_then(|n| n.strip_prefix("jobsim-tests-"))
            .and_then(|p| p.parse::<u32>().ok());
        if let Some(pid) = pid
            && pid != std::process::id()
            && !Path::new(&format!("/proc/{pid}")).exists()
        {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// `name` in the test run's scratch folder, with nothing there yet.
pub fn scratch(name: &str) -> PathBuf {
    let path = scratch_root().join(name);
    let _ = std::fs::remove_dir_all(&path);
    let _ = std::fs::remove_file(&path);
    path
}

pub fn jobsim() -> assert_cmd::Command {
    assert_cmd::Command::cargo_bin("jobsim").expect("binary built")
}

/// Every file under `dir`, relative, with its bytes: two output folders
/// compared whole.
pub fn tree(dir: &std::path::Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push((p.strip_prefix(dir).unwrap().to_path_buf(), std::fs::read(&p).unwrap()));
            }
        }
    }
    out.sort();
    out
}
