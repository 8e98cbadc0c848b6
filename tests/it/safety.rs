//! Input that must be refused safely and said plainly, runs that must end,
//! and output folders that must never be left half-written.

use super::jobsim;
use std::path::{Path, PathBuf};

/// A fresh folder for one test.
fn tmp(name: &str) -> PathBuf {
    let d = super::scratch(&format!("safety-{name}"));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A small valid scenario; `edit` replaces a line's text to make it otherwise.
const BASE: &str = "apiVersion: jobsim/v1alpha1
kind: Scenario
metadata: {name: base}
spec:
  seed: 1
  workloads:
    - name: w
      count: 2
      job:
        apiVersion: batch/v1
        kind: Job
        metadata: {name: w}
        spec:
          template:
            spec:
              restartPolicy: Never
              containers: [{name: main, image: x}]
      pods:
        runtime: {constant: 10s}
";

fn scenario(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn edit(from: &str, to: &str) -> String {
    assert!(BASE.contains(from), "{from}");
    BASE.replacen(from, to, 1)
}

/// Exit code, stdout and stderr of `jobsim ARGS`.
fn jobsim_out(args: &[&std::ffi::OsStr]) -> (Option<i32>, String, String) {
    let out = jobsim().args(args).output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `jobsim validate FILE`.
fn validate(file: &Path) -> (Option<i32>, String, String) {
    jobsim_out(&["validate".as_ref(), file.as_os_str()])
}

/// `jobsim run FILE --out OUT --quiet`, plus whether OUT holds anything afterwards.
fn run(file: &Path, out: &Path, extra: &[&str]) -> (Option<i32>, String, String) {
    let mut args: Vec<&std::ffi::OsStr> = vec!["run".as_ref(), file.as_os_str(), "--out".as_ref(), out.as_os_str()];
    args.extend(extra.iter().map(|a| std::ffi::OsStr::new(*a)));
    jobsim_out(&args)
}

/// Both `validate` and `run` refuse the file with exit 2, write nothing, and
/// say `expected` on stderr; returns `validate`'s stderr.
fn refused(dir: &Path, name: &str, text: &str, expected: &str) -> String {
    let file = scenario(dir, name, text);
    let (code, stdout, stderr) = validate(&file);
    assert_eq!(code, Some(2), "validate {name}: {stdout}{stderr}");
    assert!(
        stderr.contains(expected),
        "validate {name}: wanted {expected:?} in:\n{stderr}"
    );
    let out = dir.join(format!("out-{name}"));
    let (code, _, run_err) = run(&file, &out, &["--quiet"]);
    assert_eq!(code, Some(2), "run {name}: {run_err}");
    assert!(
        run_err.contains(expected),
        "run {name}: wanted {expected:?} in:\n{run_err}"
    );
    assert!(!out.exists(), "run {name} wrote {}", out.display());
    stderr
}

#[test]
fn library_wording_becomes_plain_sentences() {
    let dir = tmp("wording");
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "dup.yaml",
            edit("  seed: 1\n", "  seed: 1\n  seed: 2\n"),
            "dup.yaml:6:3: duplicate key \"seed\"",
        ),
        (
            "deep.yaml",
            format!("{BASE}x: {}{}\n", "[".repeat(70), "]".repeat(70)),
            "the document nests deeper than 64 levels",
        ),
        (
            "until.yaml",
            edit("  seed: 1\n", "  until: {hours: 1}\n"),
            "spec.until: expected a Go duration such as \"30s\" or \"1h30m\", got a mapping",
        ),
        (
            "list.yaml",
            "apiVersion: jobsim/v1alpha1\nkind: Scenario\nspec: []\n".to_string(),
            "list.yaml:3:1: spec: expected a mapping of fields, got a list",
        ),
        (
            "name.yaml",
            edit("{name: base}", "{name: 0123}"),
            "name.yaml:3:12: metadata.name: expected a string, got the number 0123",
        ),
        (
            "bare.yaml",
            edit("{constant: 10s}", "10s"),
            "spec.workloads[0].pods.runtime: expected a distribution such as {constant: 10s}, got the string \"10s\"",
        ),
        (
            "two.yaml",
            edit("{constant: 10s}", "{constant: 1s, uniform: {min: 1s, max: 2s}}"),
            "spec.workloads[0].pods.runtime: expected a distribution such as {constant: 10s}",
        ),
        (
            "empty-kind.yaml",
            edit("{constant: 10s}", "{\"\": 1}"),
            "spec.workloads[0].pods.runtime: unknown distribution \"\"",
        ),
        (
            "quantity.yaml",
            edit("image: x}", "image: x, resources: {requests: {cpu: [1]}}}"),
            "expected a quantity such as \"2\", \"500m\" or \"4Gi\", got a list",
        ),
        (
            "missing.yaml",
            "apiVersion: jobsim/v1alpha1\nkind: Scenario\n".to_string(),
            "spec: Required value",
        ),
    ];
    for (name, text, expected) in &cases {
        let stderr = refused(&dir, name, text, expected);
        for leak in [
            "DuplicateKeyPolicy",
            "budget breached",
            "untagged enum",
            "struct ",
            "floating point",
            "runtime.:",
            "invalid type",
            "Options",
        ] {
            assert!(!stderr.contains(leak), "{name}: {leak:?} in:\n{stderr}");
        }
    }
    // Invalid UTF-8 is reported at its line.
    let mut bytes = BASE.as_bytes().to_vec();
    bytes.splice(
        BASE.find("  seed").unwrap()..BASE.find("  seed").unwrap(),
        *b"  # \xff\n",
    );
    let file = dir.join("utf8.yaml");
    std::fs::write(&file, bytes).unwrap();
    let (code, _, stderr) = validate(&file);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("utf8.yaml:5:5: the file is not UTF-8 text"), "{stderr}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn validate_and_run_agree_on_every_file() {
    let dir = tmp("agree");
    let cases: Vec<(&str, String, Option<&str>)> = vec![
        ("valid.yaml", BASE.to_string(), None),
        (
            "kind.yaml",
            edit("kind: Scenario", "kind: Senario"),
            Some("kind.yaml:2:1: kind: Unsupported value: \"Senario\""),
        ),
        ("empty.yaml", String::new(), Some("empty file: expected a Scenario")),
        (
            "comment.yaml",
            "# nothing here yet\n".to_string(),
            Some("empty file: expected a Scenario"),
        ),
        ("list.yaml", "[1, 2]\n".to_string(), Some("expected a Scenario")),
    ];
    for (name, text, refusal) in &cases {
        match refusal {
            Some(expected) => {
                refused(&dir, name, text, expected);
            }
            None => {
                let file = scenario(&dir, name, text);
                let (code, stdout, stderr) = validate(&file);
                assert_eq!(code, Some(0), "validate {name}: {stdout}{stderr}");
                let (code, _, stderr) = run(&file, &dir.join("out"), &["--quiet"]);
                assert_eq!(code, Some(0), "run {name}: {stderr}");
            }
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A reader that closed the pipe (`jobsim run --json | head -1`) ends each
/// command quietly, with SIGPIPE's status, and no panic.
#[test]
fn a_closed_pipe_ends_every_command_quietly() {
    let dir = tmp("pipe");
    let base = scenario(&dir, "base.yaml", BASE);
    let out = dir.join("out");
    let commands: Vec<Vec<&std::ffi::OsStr>> = vec![
        vec![
            "run".as_ref(),
            base.as_os_str(),
            "--json".as_ref(),
            "--out".as_ref(),
            out.as_os_str(),
        ],
        vec!["run".as_ref(), base.as_os_str(), "--out".as_ref(), out.as_os_str()],
        vec!["validate".as_ref(), base.as_os_str()],
        vec!["plot".as_ref(), out.as_os_str()],
    ];
    for args in commands {
        let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("jobsim"))
            .args(&args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take()); // the reader is gone before anything is written
        let done = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&done.stderr);
        assert_eq!(done.status.code(), Some(141), "{args:?}: {stderr}");
        assert!(stderr.is_empty(), "{args:?} said: {stderr}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Counts past their limits are refused by `validate` and `run` alike, with
/// the field, the value and the limit, before anything is simulated.
#[test]
fn limits_name_the_field_and_the_limit() {
    let dir = tmp("limits");
    let two_workloads = BASE.replace("count: 2", "count: 60000")
        + &BASE[BASE.find("    - name: w").unwrap()..]
            .replace("name: w\n", "name: v\n")
            .replace("count: 2", "count: 60000");
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "count.yaml",
            edit("count: 2", "count: 10000000"),
            "count.yaml:8:7: spec.workloads[0].count: Invalid value: 10000000: must be no more than 100000",
        ),
        (
            "count-float.yaml",
            edit("count: 2", "count: 1e12"),
            "spec.workloads[0].count: Invalid value: 1000000000000: must be no more than 100000",
        ),
        (
            "replications.yaml",
            edit("  seed: 1\n", "  replications: 1000000\n"),
            "replications.yaml:5:3: spec.replications: Invalid value: 1000000: must be no more than 10000",
        ),
        (
            "completions.yaml",
            edit(
                "          template:",
                "          completions: 1000000000\n          template:",
            ),
            "spec.workloads[0].job.spec.completions: Invalid value: 2 Jobs × 1000000000 completions = 2000000000 pods: must be no more than 10000000 pods",
        ),
        (
            "parallelism.yaml",
            edit(
                "          template:",
                "          parallelism: 100000000\n          template:",
            ),
            "spec.workloads[0].job.spec.parallelism: Invalid value: 2 Jobs × 100000000 parallelism",
        ),
        (
            "workloads.yaml",
            two_workloads,
            "spec.workloads: Invalid value: 120000 Jobs in all: must be no more than 100000 Jobs",
        ),
        (
            "nodes.yaml",
            edit(
                "  workloads:",
                "  cluster:\n    nodePools: [{name: p, count: 1e9, allocatable: {cpu: \"1\"}}]\n  workloads:",
            ),
            "spec.cluster.nodePools[0].count: Invalid value: 1000000000: must be no more than 100000",
        ),
    ];
    for (name, text, expected) in &cases {
        refused(&dir, name, text, expected);
    }
    // The flags, checked as the fields are.
    let base = scenario(&dir, "base.yaml", BASE);
    let out = dir.join("out-flags");
    for (flag, value, expected) in [
        (
            "--replications",
            "1000000",
            "error: --replications: Invalid value: 1000000: must be no more than 10000",
        ),
        (
            "--threads",
            "100000",
            "error: --threads: Invalid value: 100000: must be no more than 256",
        ),
    ] {
        let (code, _, stderr) = run(&base, &out, &[flag, value]);
        assert_eq!(code, Some(2), "{flag}: {stderr}");
        assert!(stderr.contains(expected), "{flag}: {stderr}");
        assert!(!out.exists());
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// An `empirical: {file:}` is read through a bound: an endless device is
/// refused at once, too many values are refused, and a bad line is named by
/// its number without echoing what it holds.
#[test]
fn empirical_files_are_read_through_a_bound() {
    let dir = tmp("empirical");
    let with_file = |f: &str| edit("{constant: 10s}", &format!("{{empirical: {{file: {f}}}}}"));
    for device in ["/dev/zero", "/dev/urandom"] {
        let file = scenario(&dir, "device.yaml", &with_file(device));
        let out = jobsim()
            .arg("validate")
            .arg(&file)
            .timeout(std::time::Duration::from_secs(60))
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{device}: {stderr}");
        assert!(
            stderr.contains(&format!(
                "spec.workloads[0].pods.runtime.empirical.file: Invalid value: \"{device}\": must be no more than 4 MiB"
            )),
            "{device}: {stderr}"
        );
    }
    let many: String = (0..100_001).map(|i| format!("{i}\n")).collect();
    std::fs::write(dir.join("many.csv"), many).unwrap();
    refused(
        &dir,
        "many.yaml",
        &with_file("many.csv"),
        "Invalid value: \"many.csv\": must be no more than 100000 values",
    );
    std::fs::write(dir.join("secret.csv"), "seconds\n1.5\nhunter2\n2s\ntop-secret\n").unwrap();
    let stderr = refused(
        &dir,
        "secret.yaml",
        &with_file("secret.csv"),
        "Invalid value: \"secret.csv\": line 3 (and 1 more line): the first column must be a duration",
    );
    assert!(
        !stderr.contains("hunter2") && !stderr.contains("top-secret"),
        "{stderr}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A run that would never end (every API request fails, no `until`) stops at
/// the default horizon and says so, with the Jobs it left running.
#[test]
fn a_run_without_end_stops_at_the_default_horizon() {
    let dir = tmp("horizon");
    let file = scenario(
        &dir,
        "forever.yaml",
        &edit("  seed: 1\n", "  seed: 1\n  controllerManager: {apiErrorRate: 1.0}\n"),
    );
    let out = dir.join("out");
    let done = jobsim()
        .args(["run".as_ref(), file.as_os_str(), "--out".as_ref(), out.as_os_str()])
        .timeout(std::time::Duration::from_secs(120))
        .output()
        .unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&done.stdout),
        String::from_utf8_lossy(&done.stderr),
    );
    assert_eq!(done.status.code(), Some(0), "{stderr}");
    let note = "stopped at the default horizon, 720h0m0s (30 days) of simulated time, with 2 of 2 Jobs still running or suspended";
    assert!(stderr.contains(&format!("warning: {note}")), "{stderr}");
    assert!(stdout.contains(&format!("Horizon reached: {note}")), "{stdout}");
    assert!(stdout.contains("w-0    Running"), "{stdout}");
    assert!(out.join("summary.json").exists());
    // With an `until`, the horizon is the user's and nothing is said.
    let done = jobsim()
        .args([
            "run".as_ref(),
            file.as_os_str(),
            "--out".as_ref(),
            out.as_os_str(),
            "--until".as_ref(),
            "1h".as_ref(),
        ])
        .output()
        .unwrap();
    assert!(done.status.success());
    assert!(!String::from_utf8_lossy(&done.stderr).contains("horizon"));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The names in a folder, sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut n: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    n.sort();
    n
}

fn contents(dir: &Path) -> Vec<(String, Vec<u8>)> {
    names(dir)
        .into_iter()
        .filter(|n| !dir.join(n).is_dir())
        .map(|n| (n.clone(), std::fs::read(dir.join(&n)).unwrap()))
        .collect()
}

/// Ctrl-C or SIGTERM during a rerun leaves no temporary file, and the folder
/// holds the earlier run's files exactly.
#[test]
fn an_interrupted_rerun_leaves_the_earlier_run_whole() {
    let dir = tmp("interrupt");
    let base = scenario(&dir, "base.yaml", BASE);
    // Runs for seconds: every API request fails until the default horizon.
    let slow = scenario(
        &dir,
        "slow.yaml",
        &edit("  seed: 1\n", "  seed: 1\n  controllerManager: {apiErrorRate: 1.0}\n"),
    );
    let out = dir.join("out");
    assert_eq!(run(&base, &out, &["--quiet"]).0, Some(0));
    let before = contents(&out);
    for signal in ["-INT", "-TERM"] {
        let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("jobsim"))
            .args([
                "run".as_ref(),
                slow.as_os_str(),
                "--out".as_ref(),
                out.as_os_str(),
                "--quiet".as_ref(),
            ])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        // Wait until it is writing (a hidden entry appears), then interrupt it.
        for _ in 0..200 {
            if names(&out).iter().any(|n| n.starts_with('.')) {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(25));
        }
        assert!(child.try_wait().unwrap().is_none(), "the run ended before the signal");
        let killed = std::process::Command::new("kill")
            .args([signal, &child.id().to_string()])
            .status()
            .unwrap();
        assert!(killed.success());
        let status = child.wait().unwrap();
        assert_eq!(status.code(), Some(130), "{signal}: {status:?}");
        let left: Vec<String> = names(&out).into_iter().filter(|n| n.starts_with('.')).collect();
        assert!(left.is_empty(), "{signal} left {left:?}");
        assert!(contents(&out) == before, "{signal}: the earlier run's files changed");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A rerun removes what killed runs left (jobsim's own temporary files and
/// staging folders) and the files of an earlier run that it does not write,
/// and nothing else.
#[test]
fn a_rerun_removes_jobsims_stale_files_and_nothing_else() {
    let dir = tmp("stale");
    let base = scenario(&dir, "base.yaml", BASE);
    let out = dir.join("out");
    std::fs::create_dir_all(out.join(".jobsim-run-999999999")).unwrap();
    std::fs::write(out.join(".jobsim-run-999999999/events.csv"), "x").unwrap();
    for f in [
        ".events.csv.tmp-999999999",
        ".gantt.tmp-999999999.png",
        "notes.txt",
        ".notes.txt.tmp-999999999",
    ] {
        std::fs::write(out.join(f), "x").unwrap();
    }
    assert_eq!(
        run(&base, &out, &["--quiet", "--replications", "3", "--png"]).0,
        Some(0)
    );
    let all = names(&out);
    assert!(
        !all.iter()
            .any(|n| n.starts_with(".jobsim-run-") || n.starts_with(".events") || n.starts_with(".gantt")),
        "{all:?}"
    );
    for f in [
        "timeseries-bands.csv",
        "gantt.png",
        "gantt.svg",
        "notes.txt",
        ".notes.txt.tmp-999999999",
    ] {
        assert!(all.iter().any(|n| n == f), "{f} missing from {all:?}");
    }
    // One replication, no --png: no bands, no PNGs.
    assert_eq!(run(&base, &out, &["--quiet"]).0, Some(0));
    let all = names(&out);
    assert!(
        !all.iter().any(|n| n == "timeseries-bands.csv" || n.ends_with(".png")),
        "{all:?}"
    );
    assert!(all.iter().any(|n| n == "gantt.svg"), "{all:?}");
    // Only the summary: every other file of jobsim's goes, the user's stay.
    assert_eq!(run(&base, &out, &["--quiet", "--outputs", "summary"]).0, Some(0));
    assert_eq!(names(&out), [".notes.txt.tmp-999999999", "notes.txt", "summary.json"]);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A distribution whose draws could pass 100 years (a lognormal with a huge
/// sigma once ended pods at 18446744073709551.615 s, with completionTime
/// before creationTimestamp) is refused at its line, naming it; a wide but
/// sane one runs.
#[test]
fn distributions_that_could_draw_past_a_century_are_refused() {
    let dir = tmp("huge-draws");
    refused(
        &dir,
        "lognormal.yaml",
        &edit(
            "runtime: {constant: 10s}",
            "runtime: {lognormal: {median: 1h, sigma: 80}}",
        ),
        "19:19: spec.workloads[0].pods.runtime.lognormal: Invalid value: its draws reach 3.300e204 years",
    );
    refused(
        &dir,
        "exponential.yaml",
        &edit("runtime: {constant: 10s}", "runtime: {exponential: {mean: 100000h}}"),
        "spec.workloads[0].pods.runtime.exponential: Invalid value: its draws reach",
    );
    let ok = scenario(
        &dir,
        "wide.yaml",
        &edit(
            "runtime: {constant: 10s}",
            "runtime: {lognormal: {median: 10s, sigma: 2}}",
        ),
    );
    assert_eq!(validate(&ok).0, Some(0));
}
