use super::{jobsim, repo};
use std::path::PathBuf;

fn tmp(name: &str) -> PathBuf {
    let d = super::scratch(&format!("check-{name}"));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// scenarios/backoff-limit.yaml with its own `spec.expect` replaced by `expect`
/// (YAML lines under `spec`), and `extra` spec lines added.
fn backoff_limit_with(dir: &std::path::Path, name: &str, extra: &str, expect: &str) -> PathBuf {
    let text = std::fs::read_to_string(repo("scenarios/backoff-limit.yaml")).unwrap();
    let cut = text.find("\n  expect:\n").expect("backoff-limit has expectations");
    let body = text[..cut].replace("  seed: 1\n", &format!("  seed: 1\n{extra}"));
    let path = dir.join(name);
    std::fs::write(&path, format!("{body}\n  expect:\n{expect}")).unwrap();
    path
}

fn check(args: &[&std::ffi::OsStr]) -> (Option<i32>, String, String) {
    let out = jobsim().arg("check").args(args).output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// CI's check: every scenario but the benchmark states its header's claims, and they hold.
#[test]
fn every_scenario_holds_its_expectations() {
    let mut files: Vec<PathBuf> = std::fs::read_dir(repo("scenarios"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml") && !p.ends_with("bench-1m-pods.yaml"))
        .collect();
    files.sort();
    assert!(files.len() >= 15, "{files:?}");
    let args: Vec<&std::ffi::OsStr> = files.iter().map(|f| f.as_os_str()).collect();
    let (code, stdout, stderr) = check(&args);
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    assert!(!stdout.contains("NOT HELD"), "{stdout}");
    for f in &files {
        let line = stdout
            .lines()
            .find(|l| l.starts_with(&format!("{}: ", f.display())))
            .unwrap_or_else(|| panic!("no line for {}:\n{stdout}", f.display()));
        assert!(line.contains("expectations held"), "{line}");
    }
    assert!(
        stdout.ends_with(&format!(
            "checked {} scenarios: {} held, 0 not held\n",
            files.len(),
            files.len()
        )),
        "{stdout}"
    );
}

#[test]
fn a_folder_skips_other_kinds_and_notes_scenarios_without_expectations() {
    let dir = tmp("folder");
    std::fs::copy(repo("tests/manifests/pi.yaml"), dir.join("a-job.yaml")).unwrap();
    let text = std::fs::read_to_string(repo("scenarios/backoff-limit.yaml")).unwrap();
    let cut = text.find("\n  expect:\n").unwrap();
    std::fs::write(dir.join("b-none.yaml"), &text[..=cut]).unwrap();
    backoff_limit_with(&dir, "c.yaml", "", "    - {stat: pods.created, min: 4, max: 4}\n");
    let (code, stdout, stderr) = check(&[dir.as_os_str()]);
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    assert!(
        stdout.contains("a-job.yaml: skipped: not a scenario (kind Job)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("b-none.yaml: no expectations (spec.expect); not run"),
        "{stdout}"
    );
    assert!(stdout.contains("c.yaml: 1 expectation held"), "{stdout}");
    assert!(
        stdout.ends_with("checked 2 scenarios: 1 held, 0 not held, 1 without expectations\n"),
        "{stdout}"
    );
    // Named on its own, a file that is not a scenario is bad input.
    let (code, _, stderr) = check(&[dir.join("a-job.yaml").as_os_str()]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("not a scenario (kind Job)"), "{stderr}");
    // Nothing is written, not even an output folder.
    assert!(!repo("output/backoff-limit-never").exists());
}

#[test]
fn an_expectation_that_does_not_hold_names_the_stat_its_value_and_the_bound() {
    let dir = tmp("not-held");
    let f = backoff_limit_with(
        &dir,
        "s.yaml",
        "",
        "    - {stat: pods.created, max: 3}\n    - {stat: pods.failed, min: 4}\n",
    );
    let (code, stdout, stderr) = check(&[f.as_os_str()]);
    assert_eq!(code, Some(1), "{stdout}{stderr}");
    assert!(stdout.contains("  NOT HELD  pods.created = 4 (max 3)\n"), "{stdout}");
    assert!(stdout.contains("  held      pods.failed = 4 (min 4)\n"), "{stdout}");
    assert!(stdout.contains("s.yaml: 1 of 2 expectations NOT HELD\n"), "{stdout}");
    // A statistic the run has no value for is not held.
    let f = backoff_limit_with(
        &dir,
        "t.yaml",
        "",
        "    - {stat: podPendingSeconds.p95, max: 1m}\n    - {stat: cluster.cpuUtilisation, max: 1}\n",
    );
    let (code, stdout, _) = check(&[f.as_os_str()]);
    assert_eq!(code, Some(1), "{stdout}");
    assert!(
        stdout.contains("NOT HELD  podPendingSeconds.p95: not reported (the run had no value for it"),
        "{stdout}"
    );
    assert!(
        stdout.contains("NOT HELD  cluster.cpuUtilisation: not reported (only reported for a cluster with node pools)"),
        "{stdout}"
    );
}

#[test]
fn durations_are_bounds_in_seconds() {
    let dir = tmp("durations");
    let f = backoff_limit_with(
        &dir,
        "s.yaml",
        "",
        "    - {stat: makespanSeconds, min: 1m30s, max: 1m31s}\n    - {stat: turnaroundSeconds.p50, max: \"1m30s\"}\n    - {stat: makespanSeconds, min: 90.5, max: \"91.5\"}\n    - {stat: jobDurationSeconds.p50, max: 1m}\n",
    );
    let (code, stdout, stderr) = check(&[f.as_os_str()]);
    assert_eq!(code, Some(1), "{stdout}{stderr}");
    assert!(
        stdout.contains("  held      makespanSeconds = 91 (min 1m30s (90s), max 1m31s (91s))\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("  NOT HELD  turnaroundSeconds.p50 = 91 (max 1m30s (90s))\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("  held      makespanSeconds = 91 (min 90.5, max 91.5)\n"),
        "{stdout}"
    );
    // The Job failed: it has a turnaround but no completionTime, so no
    // kubectl DURATION that says anything.
    assert!(
        stdout.contains(
            "  NOT HELD  jobDurationSeconds.p50: not reported (kubectl's DURATION of Complete Jobs, and no Job completed) (max 1m (60s))\n"
        ),
        "{stdout}"
    );
}

#[test]
fn job_expectations_hold_in_every_replication() {
    let dir = tmp("jobs");
    let f = backoff_limit_with(
        &dir,
        "s.yaml",
        "  replications: 3\n",
        "    - {job: always-fails, status: Failed, reason: BackoffLimitExceeded}\n    - {job: always-fails, status: Failed}\n    - {job: always-fails, status: Complete}\n    - {stat: pods.created, min: 4, max: 4}\n",
    );
    let (code, stdout, stderr) = check(&[f.as_os_str(), "--threads".as_ref(), "2".as_ref()]);
    assert_eq!(code, Some(1), "{stdout}{stderr}");
    assert!(
        stdout.contains("  held      job always-fails: Failed, BackoffLimitExceeded in 3 of 3 replications\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("  held      job always-fails: Failed in 3 of 3 replications\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains(
            "  NOT HELD  job always-fails: Complete in 0 of 3 replications (replication 0: Failed, BackoffLimitExceeded)\n"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains("  held      pods.created = 4, mean of 3 replications (min 4, max 4)\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("s.yaml: 1 of 4 expectations NOT HELD over 3 replications"),
        "{stdout}"
    );
    // One replication: the Job's state, and what was expected when it differs.
    let f = backoff_limit_with(&dir, "one.yaml", "", "    - {job: always-fails, status: Complete}\n");
    let (code, stdout, _) = check(&[f.as_os_str()]);
    assert_eq!(code, Some(1));
    assert!(
        stdout.contains("  NOT HELD  job always-fails: Failed, BackoffLimitExceeded (expected Complete)\n"),
        "{stdout}"
    );
}

#[test]
fn invalid_expectations_are_reported_at_their_line_and_the_others_still_run() {
    let dir = tmp("invalid");
    let bad = backoff_limit_with(
        &dir,
        "bad.yaml",
        "",
        concat!(
            "    - {stat: jobDurationSecond.p95, max: 1m}\n",
            "    - {stat: pods.created, min: 5, max: 4}\n",
            "    - {job: always-fail, status: Failed}\n",
            "    - {job: always-fails, status: Succeeded}\n",
            "    - {stat: jobs.byStatus.Completed, min: 1}\n",
            "    - {stat: pods.created}\n",
        ),
    );
    let good = backoff_limit_with(&dir, "good.yaml", "", "    - {stat: pods.created, min: 4}\n");
    let (code, stdout, stderr) = check(&[bad.as_os_str(), good.as_os_str()]);
    assert_eq!(code, Some(2), "{stdout}{stderr}");
    let b = bad.display();
    for want in [
        format!(
            "{b}:42:8: spec.expect[0].stat: Invalid value: unknown statistic \"jobDurationSecond\" (did you mean \"jobDurationSeconds\"?)"
        ),
        format!("{b}:43:28: spec.expect[1].min: Invalid value: 5: must be less than or equal to max (4)"),
        format!("{b}:44:8: spec.expect[2].job: Not found: \"always-fail\" (did you mean \"always-fails\"?)"),
        format!("{b}:45:27: spec.expect[3].status: Unsupported value: \"Succeeded\""),
        format!(
            "{b}:46:8: spec.expect[4].stat: Invalid value: unknown Job status \"Completed\" (did you mean \"Complete\"?)"
        ),
        format!("{b}:47:7: spec.expect[5]: Required value: give min, max or both"),
    ] {
        assert!(stderr.contains(&want), "missing {want:?} in:\n{stderr}");
    }
    assert!(
        stdout.contains(&format!("{b}: invalid scenario (6 errors); not run")),
        "{stdout}"
    );
    assert!(stdout.contains("good.yaml: 1 expectation held"), "{stdout}");
    // A bound that is neither a number nor a duration.
    let f = backoff_limit_with(&dir, "bound.yaml", "", "    - {stat: pods.created, max: lots}\n");
    let (code, _, stderr) = check(&[f.as_os_str()]);
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains(":42:28: spec.expect[0].max: invalid bound \"lots\": give a number or a Go duration"),
        "{stderr}"
    );
    // `run` checks expectations as it checks the rest, and writes nothing.
    let out = dir.join("out");
    let run = jobsim().arg("run").arg(&bad).arg("--out").arg(&out).output().unwrap();
    assert_eq!(run.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&run.stderr).contains("spec.expect[0].stat"));
    assert!(!out.exists());
}
