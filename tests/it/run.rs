use super::{jobsim, repo};
use std::path::{Path, PathBuf};

fn tmp(name: &str) -> PathBuf {
    super::scratch(&format!("run-{name}"))
}

fn run(args: &[&str], out: &Path) -> std::process::Output {
    let out = jobsim().arg("run").args(args).arg("--out").arg(out).output().unwrap();
    assert!(
        out.status.success(),
        "run {args:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn read(dir: &Path, f: &str) -> String {
    std::fs::read_to_string(dir.join(f)).unwrap_or_else(|e| panic!("{}: {e}", dir.join(f).display()))
}

const FILES: [&str; 4] = ["events.csv", "jobs.csv", "jobs.yaml", "summary.json"];

#[test]
fn default_run_prints_the_table_and_writes_four_files() {
    let dir = tmp("default");
    let out = run(&[], &dir);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.starts_with("NAME "), "{stdout}");
    assert!(
        stdout.contains("STATUS")
            && stdout.contains("COMPLETIONS")
            && stdout.contains("DURATION")
            && stdout.contains("AGE")
    );
    assert!(stdout.contains("quickstart: 7 Jobs"), "{stdout}");
    assert!(stdout.contains("events/s"), "{stdout}");
    for f in FILES {
        assert!(dir.join(f).exists(), "{f} missing");
    }
    assert!(read(&dir, "events.csv").starts_with("time,job,pod,index,event,detail\n"));
    assert!(read(&dir, "jobs.csv").starts_with("job,workload,status,reason,created,start_time,first_pod_running,finished,turnaround,duration,completions,succeeded,failed,pods_created,restarts,pod_seconds,failed_pod_seconds\n"));
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| n.to_string_lossy().starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left behind: {leftovers:?}");
}

#[test]
fn runs_are_byte_identical_across_repeats_and_thread_counts() {
    let (a, b, c) = (tmp("det-a"), tmp("det-b"), tmp("det-c"));
    run(&["--replications", "3", "--threads", "1", "--quiet"], &a);
    run(&["--replications", "3", "--threads", "1", "--quiet"], &b);
    run(&["--replications", "3", "--threads", "3", "--quiet"], &c);
    // Every output: the tables, the time series and its bands, and the charts.
    let mut names: Vec<String> = std::fs::read_dir(&a)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    for f in FILES.iter().chain(&[
        "timeseries.csv",
        "timeseries-bands.csv",
        "gantt.svg",
        "job-durations.svg",
    ]) {
        assert!(names.iter().any(|n| n == f), "{f} missing from {names:?}");
    }
    for f in &names {
        let bytes = |d: &Path| std::fs::read(d.join(f)).unwrap();
        assert!(bytes(&a) == bytes(&b), "{f} differs between two runs");
        assert!(bytes(&a) == bytes(&c), "{f} differs between --threads 1 and 3");
    }
    assert!(
        read(&a, "jobs.csv").starts_with("replication,job,"),
        "several replications add a column"
    );
    assert!(read(&a, "summary.json").contains("\"ci95\""));
}

fn created_times(events: &str) -> Vec<String> {
    events
        .lines()
        .filter(|l| l.contains(",PodCreated,"))
        .map(|l| l.split(',').next().unwrap().to_string())
        .collect()
}

#[test]
fn backoff_limit_timeline_matches_the_controller() {
    let dir = tmp("backoff");
    run(
        &[repo("scenarios/backoff-limit.yaml").to_str().unwrap(), "--quiet"],
        &dir,
    );
    let events = read(&dir, "events.csv");
    assert_eq!(created_times(&events), vec!["0.000", "15.000", "40.000", "85.000"]);
    assert!(events.contains("\n90.000,always-fails,"), "fourth failure at 90 s");
    assert!(events.contains("\n91.000,always-fails,,,JobFailed,reason=BackoffLimitExceeded;message=Job has reached the specified backoff limit\n"), "{events}");
    let yaml = read(&dir, "jobs.yaml");
    let conditions = "    conditions:\n    - lastProbeTime: \"2026-01-01T00:01:31Z\"\n      lastTransitionTime: \"2026-01-01T00:01:31Z\"\n      message: Job has reached the specified backoff limit\n      reason: BackoffLimitExceeded\n      status: \"True\"\n      type: FailureTarget\n    - lastProbeTime: \"2026-01-01T00:01:31Z\"\n      lastTransitionTime: \"2026-01-01T00:01:31Z\"\n      message: Job has reached the specified backoff limit\n      reason: BackoffLimitExceeded\n      status: \"True\"\n      type: Failed\n    failed: 4\n";
    assert!(yaml.contains(conditions), "{yaml}");
}

#[test]
fn release_127_writes_only_the_failed_condition() {
    let dir = tmp("backoff-127");
    let text = std::fs::read_to_string(repo("scenarios/backoff-limit.yaml"))
        .unwrap()
        .replace("  seed: 1\n", "  seed: 1\n  kubernetesVersion: \"1.27\"\n");
    std::fs::create_dir_all(&dir).unwrap();
    let sc = dir.join("scenario.yaml");
    std::fs::write(&sc, text).unwrap();
    run(&[sc.to_str().unwrap(), "--quiet"], &dir.join("out"));
    let events = read(&dir.join("out"), "events.csv");
    assert_eq!(created_times(&events), vec!["0.000", "15.000", "40.000", "85.000"]);
    assert!(!events.contains("JobFailureTarget"));
    let yaml = read(&dir.join("out"), "jobs.yaml");
    assert!(yaml.contains("    conditions:\n    - lastProbeTime: \"2026-01-01T00:01:31Z\"\n      lastTransitionTime: \"2026-01-01T00:01:31Z\"\n      message: Job has reached the specified backoff limit\n      reason: BackoffLimitExceeded\n      status: \"True\"\n      type: Failed\n    failed: 4\n"), "{yaml}");
    assert!(!yaml.contains("terminating:"), "1.27 has no status.terminating");
}

fn rows_of(csv: &str, workload: &str) -> Vec<String> {
    csv.lines()
        .filter(|l| l.split(',').nth(1) == Some(workload))
        .map(str::to_string)
        .collect()
}

#[test]
fn another_workload_does_not_change_the_first_ones_results() {
    let dir = tmp("crn");
    std::fs::create_dir_all(&dir).unwrap();
    let quick = std::fs::read_to_string(repo("scenarios/quickstart.yaml")).unwrap();
    // Scenario A: only the etl workload; B: an unrelated workload before it.
    let start = quick.find("    - name: etl").unwrap();
    let end = quick.find("    - name: render").unwrap();
    let etl = &quick[start..end];
    let head = &quick[..quick.find("    - name: pi").unwrap()];
    let other = "    - name: other\n      count: 3\n      job:\n        apiVersion: batch/v1\n        kind: Job\n        metadata: {name: other}\n        spec:\n          completions: 5\n          parallelism: 5\n          template:\n            spec:\n              restartPolicy: Never\n              containers: [{name: main, image: busybox}]\n      pods:\n        runtime: {exponential: {mean: 30s}}\n        outcomes: [{probability: 0.5, exitCode: 1}]\n";
    std::fs::write(dir.join("a.yaml"), format!("{head}{etl}")).unwrap();
    std::fs::write(dir.join("b.yaml"), format!("{head}{other}{etl}")).unwrap();
    run(&[dir.join("a.yaml").to_str().unwrap(), "--quiet"], &dir.join("a"));
    run(&[dir.join("b.yaml").to_str().unwrap(), "--quiet"], &dir.join("b"));
    let (a, b) = (read(&dir.join("a"), "jobs.csv"), read(&dir.join("b"), "jobs.csv"));
    let (ra, rb) = (rows_of(&a, "etl"), rows_of(&b, "etl"));
    assert_eq!(ra.len(), 4);
    assert_eq!(ra, rb, "etl's results changed when an unrelated workload was added");
    assert_eq!(rows_of(&b, "other").len(), 3);
}

#[test]
fn every_scenario_in_the_folder_runs() {
    for entry in std::fs::read_dir(repo("scenarios")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "yaml") {
            continue;
        }
        let name = path.file_stem().unwrap().to_string_lossy().to_string();
        let dir = tmp(&format!("scenario-{name}"));
        // The benchmark is cut short: all of it runs in `cargo bench`.
        let until: &[&str] = if name.starts_with("bench") {
            &["--until", "3m"]
        } else {
            &[]
        };
        let mut args = vec![path.to_str().unwrap(), "--quiet"];
        args.extend_from_slice(until);
        let out = run(&args, &dir);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(stdout.contains(" Jobs"), "{name}: {stdout}");
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.starts_with('#'),
            "{name} must open with a comment saying what it demonstrates"
        );
        assert_eq!(
            series_rebuilt_from_events(&dir, 1000),
            read(&dir, "timeseries.csv"),
            "{name}: timeseries.csv must follow from events.csv alone"
        );
        let summary: serde_json::Value = serde_json::from_str(&read(&dir, "summary.json")).unwrap();
        // One replication reports plain numbers; several report a mean and an interval.
        let total = &summary["jobs"]["total"];
        let total = total.as_f64().or_else(|| total["mean"].as_f64()).unwrap();
        assert!(total > 0.0, "{name}");
    }
}

#[test]
fn feature_scenarios_show_what_their_comments_promise() {
    let check = |name: &str, want: &[&str]| {
        let dir = tmp(&format!("promise-{name}"));
        run(
            &[repo(&format!("scenarios/{name}.yaml")).to_str().unwrap(), "--quiet"],
            &dir,
        );
        let all = format!("{}{}", read(&dir, "events.csv"), read(&dir, "jobs.yaml"));
        for w in want {
            assert!(all.contains(w), "{name}: expected {w:?} in its outputs");
        }
    };
    check(
        "pod-failure-policy",
        &[
            "reason: PodFailurePolicy",
            "failed with exit code 42 matching FailJob rule at index 0",
        ],
    );
    check(
        "success-policy",
        &[
            "JobSuccessCriteriaMet,reason=SuccessPolicy;message=Matched rules at index 0",
            "PodDeleting",
        ],
    );
    check(
        "active-deadline",
        &[
            "\n120.000,slow,,,JobFailureTarget,reason=DeadlineExceeded",
            "exitCode=143",
        ],
    );
    check("on-failure-restarts", &["ContainerRestarted", "restartCount=4"]);
    check(
        "indexed-backoff-per-index",
        &[
            "completedIndexes: 0-2,4,6-9",
            "failedIndexes: 3,5",
            "reason: FailedIndexes",
        ],
    );
    check("work-queue", &["JobComplete"]);
}

#[test]
fn json_flag_prints_the_summary() {
    let dir = tmp("json");
    let out = run(&["--json"], &dir);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("stdout is JSON");
    assert_eq!(v["scenario"], "quickstart");
    assert_eq!(v["jobs"]["total"], 7);
}

#[test]
fn bad_scenarios_get_one_clear_error_and_no_outputs() {
    let cases = [
        (
            "bad-typo.yaml",
            ":5:3: spec.seeed: unknown field \"seeed\" (did you mean \"seed\"?)",
        ),
        (
            "bad-negative-duration.yaml",
            ":17:19: spec.workloads[0].pods.runtime.constant: invalid duration \"-10s\": must not be negative",
        ),
        (
            "bad-unknown-distribution.yaml",
            ":17:19: spec.workloads[0].pods.runtime.poisson: unknown distribution \"poisson\"",
        ),
        (
            "bad-probability.yaml",
            ":19:14: spec.workloads[0].pods.outcomes[0].probability: Invalid value: 1.5: must be between 0 and 1",
        ),
        (
            "bad-quantity.yaml",
            ":9:23: spec.cluster.nodePools[0].allocatable.cpu: quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$' (got \"4GB\")",
        ),
        (
            "bad-manifest.yaml",
            ":14:15: spec.workloads[0].job: The Job \"w\" is invalid: spec.template.spec.restartPolicy: Required value",
        ),
    ];
    for (file, want) in cases {
        let dir = tmp(&format!("bad-{file}"));
        let path = repo(&format!("tests/scenarios/{file}"));
        let out = jobsim().arg("run").arg(&path).arg("--out").arg(&dir).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{file}: {stderr}");
        assert!(
            stderr.contains(&format!("{}{want}", path.display())),
            "{file}: {stderr}"
        );
        assert_eq!(
            stderr.lines().filter(|l| l.contains(".yaml:")).count(),
            1,
            "{file}: exactly one error:\n{stderr}"
        );
        assert!(!dir.exists(), "{file}: nothing may be written");
        let v = jobsim().arg("validate").arg(&path).output().unwrap();
        assert_eq!(v.status.code(), Some(2), "validate {file}");
    }
}

/// Flags that take a duration say which flag and why, and nothing is simulated or written.
#[test]
fn bad_durations_in_flags_are_refused() {
    let cases: [(&[&str], &str); 3] = [
        (
            &["--until", "5 minutes"],
            "error: --until: invalid duration \"5 minutes\": use a Go duration such as \"500ms\", \"30s\" or \"1h30m\"\n",
        ),
        (
            &["--until=-1h"],
            "error: --until: invalid duration \"-1h\": must not be negative\n",
        ),
        (
            &["--until", "9999999999h"],
            "error: --until: invalid duration \"9999999999h\": too large\n",
        ),
    ];
    for (args, want) in cases {
        let dir = tmp("bad-until");
        let out = jobsim().arg("run").args(args).arg("--out").arg(&dir).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert_eq!(String::from_utf8_lossy(&out.stderr), want, "{args:?}");
        assert!(!dir.exists(), "{args:?}: nothing may be written");
    }
}

/// `timeseries.csv` computed again from `events.csv`, pods known by name only
/// (the run follows them by id), with samples every `step` ms up to the
/// file's last sample.
fn series_rebuilt_from_events(dir: &Path, step: u64) -> String {
    use jobsim::output::timeseries::{TimeSeries, write_csv};
    use jobsim::record::{EventKind, record_text};
    let millis = |t: &str| -> u64 { t.replace('.', "").parse().unwrap() };
    let mut series = TimeSeries::new(step);
    let mut events = csv::Reader::from_path(dir.join("events.csv")).unwrap();
    for row in events.records() {
        let r = row.unwrap();
        let kind = EventKind::from_name(&r[4]).unwrap_or_else(|| panic!("kind {}", &r[4]));
        let index = (!r[3].is_empty()).then(|| r[3].parse().unwrap());
        record_text(&mut series, millis(&r[0]), &r[1], &r[2], index, kind, &r[5]).unwrap();
    }
    let written = read(dir, "timeseries.csv");
    let last = written.lines().last().unwrap().split(',').next().unwrap();
    series.finish(millis(last)).unwrap();
    let mut out = Vec::new();
    write_csv(&mut out, &series.samples).unwrap();
    String::from_utf8(out).unwrap()
}

/// A scenario's name becomes `output/<name>`: a name that is not an object name (`..`, a path,
/// an absolute path) is refused by `validate` and `run`, and `run` writes nothing anywhere.
#[test]
fn scenario_names_that_would_leave_the_output_folder_are_refused() {
    for name in ["..", ".", "../../escaped", "/tmp/jobsim-escaped", "a/b", "Upper"] {
        let cwd = tmp(&format!("name-{}", name.replace(['/', '.'], "_")));
        std::fs::create_dir_all(&cwd).unwrap();
        let file = cwd.join("s.yaml");
        std::fs::write(
            &file,
            format!(
                "apiVersion: jobsim/v1alpha1\nkind: Scenario\nmetadata:\n  name: {name:?}\nspec:\n  workloads:\n    - name: w\n      job:\n        apiVersion: batch/v1\n        kind: Job\n        metadata: {{name: w}}\n        spec:\n          template:\n            spec:\n              restartPolicy: Never\n              containers: [{{name: c, image: busybox}}]\n"
            ),
        )
        .unwrap();
        let want = format!(":4:3: metadata.name: Invalid value: {name:?}: a lowercase RFC 1123 subdomain");
        let v = jobsim().current_dir(&cwd).arg("validate").arg(&file).output().unwrap();
        let stderr = String::from_utf8_lossy(&v.stderr);
        assert_eq!(v.status.code(), Some(2), "validate {name}: {stderr}");
        assert!(stderr.contains(&want), "validate {name}: {stderr}");
        let r = jobsim().current_dir(&cwd).arg("run").arg(&file).output().unwrap();
        let stderr = String::from_utf8_lossy(&r.stderr);
        assert_eq!(r.status.code(), Some(2), "run {name}: {stderr}");
        assert!(stderr.contains(&want), "run {name}: {stderr}");
        let left: Vec<_> = std::fs::read_dir(&cwd)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(left, ["s.yaml"], "run {name} wrote beside the scenario");
        assert!(!cwd.parent().unwrap().join("events.csv").exists());
        assert!(!Path::new("/tmp/jobsim-escaped").exists());
    }
}

/// A pod that runs for a simulated year: without `--step`, the series' step
/// doubles from 1 s until at most 10,000 samples remain (a year at 1 s would
/// be 31.5 million), on one grid, from t=0 to the end.
#[test]
fn a_year_long_run_keeps_a_readable_time_series() {
    let dir = tmp("year");
    run(
        &[repo("tests/scenarios/year-long-pod.yaml").to_str().unwrap(), "--quiet"],
        &dir,
    );
    let series = read(&dir, "timeseries.csv");
    let times: Vec<f64> = series
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap().parse().unwrap())
        .collect();
    assert!(times.len() <= 10_000 && times.len() > 5_000, "{} samples", times.len());
    let step = times[1] - times[0];
    assert_eq!(step, 4096.0);
    assert!(times.windows(2).all(|w| w[1] - w[0] == step));
    assert_eq!(times[0], 0.0);
    assert!(*times.last().unwrap() > 365.0 * 86400.0 - step);
}

/// A pod that fits no node ends the run at t=0: the report says which Job
/// never finished and why, in the scheduler's words, and prints no
/// statistics of finished Jobs as if they were zeros.
#[test]
fn jobs_that_never_finish_are_reported_with_why() {
    let dir = tmp("no-fit");
    let out = run(&[repo("tests/scenarios/pod-fits-no-node.yaml").to_str().unwrap()], &dir);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("warning: 1 of 1 Jobs never finished: the run ran out of events at 0s"),
        "{stderr}"
    );
    assert!(
        stdout.contains(
            "Not finished at 0s:\n  big: 1 pod Pending: 0/3 nodes are available: 3 Insufficient cpu. The pod fits on no node of any pool.\n"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains("turnaround (created → finished) p50 –, p95 –; makespan –"),
        "{stdout}"
    );
    assert!(!stdout.contains("p50 0.0s"), "{stdout}");
}

/// A Job manifest handed to `run` is named as one, with the smallest scenario
/// that simulates it; and that scenario, saved beside the manifest, runs.
#[test]
fn a_job_manifest_given_to_run_gets_the_scenario_that_wraps_it() {
    let dir = tmp("job-manifest");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(repo("tests/manifests/pi.yaml"), dir.join("pi.yaml")).unwrap();
    let out = jobsim().current_dir(&dir).args(["run", "pi.yaml"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("pi.yaml:2:1: this is a Job manifest (kind: Job), not a scenario."),
        "{stderr}"
    );
    assert!(!stderr.contains("expected one of"), "{stderr}");
    let scenario: String = stderr
        .lines()
        .skip_while(|l| !l.starts_with("apiVersion:"))
        .take_while(|l| !l.is_empty())
        .map(|l| format!("{l}\n"))
        .collect();
    assert!(scenario.contains("      jobFile: pi.yaml\n"), "{stderr}");
    std::fs::write(dir.join("pi-scenario.yaml"), scenario).unwrap();
    let ran = jobsim()
        .current_dir(&dir)
        .args(["run", "pi-scenario.yaml", "--quiet", "--outputs", "summary"])
        .output()
        .unwrap();
    assert_eq!(ran.status.code(), Some(0), "{}", String::from_utf8_lossy(&ran.stderr));
}

/// An invalid Job in a `jobFile:` is reported at its line in that file, in the
/// API server's words, without an empty field path in front.
#[test]
fn job_file_errors_name_the_manifest_line_and_no_empty_path() {
    let path = repo("tests/scenarios/job-file/scenario.yaml");
    let out = jobsim().arg("run").arg(&path).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr
            .contains("bad-job.yaml:8:7: The Job \"bad\" is invalid: spec.template.spec.restartPolicy: Required value"),
        "{stderr}"
    );
    assert!(!stderr.contains(": : "), "{stderr}");
}

/// A typo in a scenario's Job (`backofLimit`) is refused at its line with a
/// "did you mean", as kubectl's default strict validation does, instead of
/// running with the default backoffLimit of 6.
#[test]
fn unknown_fields_of_a_job_spec_are_refused_in_run_and_validate() {
    let dir = tmp("job-typo");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("s.yaml");
    std::fs::write(
        &file,
        "apiVersion: jobsim/v1alpha1\nkind: Scenario\nmetadata: {name: typo}\nspec:\n  workloads:\n    - name: w\n      job:\n        apiVersion: batch/v1\n        kind: Job\n        metadata: {name: w}\n        spec:\n          backofLimit: 3\n          template:\n            spec:\n              restartPolicy: Never\n              containers: [{name: c, image: busybox}]\n",
    )
    .unwrap();
    let want = "s.yaml:12:11: spec.workloads[0].job.spec.backofLimit: unknown field \"backofLimit\" (did you mean \"backoffLimit\"?)";
    for cmd in ["run", "validate"] {
        let out = jobsim().arg(cmd).arg(&file).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{cmd}: {stderr}");
        assert!(stderr.contains(want), "{cmd}: {stderr}");
    }
}

/// The table is kubectl's at the simulated end: DURATION is completionTime −
/// startTime, or the time since startTime when there is no completionTime (a
/// Failed Job), startTime as the resume reset it; Jobs deleted by their TTL
/// are not listed.
#[test]
fn the_table_is_kubectls_printer_at_the_end() {
    let table = |scenario: &str| {
        let dir = tmp(&format!("table-{scenario}"));
        let out = run(&[repo(&format!("scenarios/{scenario}.yaml")).to_str().unwrap()], &dir);
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let failed = table("backoff-limit");
    assert!(
        failed.contains("always-fails   Failed   0/1           91s        91s\n"),
        "{failed}"
    );
    let resumed = table("suspend-resume");
    assert!(
        resumed.contains("batch   Complete   12/12         4m39s      9m39s\n"),
        "{resumed}"
    );
    let ttl = table("ttl-after-finished");
    assert!(ttl.starts_with("No resources found in default namespace.\n"), "{ttl}");
    let quick = table("quickstart");
    assert!(
        quick.contains("render         Failed     7/8           5m29s      5m29s\n"),
        "{quick}"
    );
}

/// With PodDisruptionConditions off (1.29 allows it), a drain's evictions add
/// no DisruptionTarget condition, so `tolerant`'s Ignore rule cannot match
/// and its evicted pods count towards backoffLimit; with the gate on (1.29's
/// default), the same drain is ignored and the Job completes. Also the run
/// where a Job fails while its pods are still terminating (1.29 does not wait
/// for them), which once crashed when those pods ended.
#[test]
fn without_pod_disruption_conditions_evictions_count_as_failures() {
    let path = repo("tests/scenarios/drain-without-disruption-conditions.yaml");
    let status = |file: &Path, name: &str| {
        let dir = tmp(name);
        run(&[file.to_str().unwrap(), "--quiet"], &dir);
        let csv = read(&dir, "jobs.csv");
        csv.lines()
            .find(|l| l.starts_with("tolerant,"))
            .unwrap()
            .split(',')
            .take(4)
            .collect::<Vec<_>>()
            .join(",")
    };
    assert_eq!(
        status(&path, "pdc-off"),
        "tolerant,tolerant,Failed,BackoffLimitExceeded"
    );
    let on = tmp("pdc-on-file");
    std::fs::create_dir_all(&on).unwrap();
    let text = std::fs::read_to_string(&path)
        .unwrap()
        .replace("  featureGates: {PodDisruptionConditions: false}\n", "");
    let file = on.join("s.yaml");
    std::fs::write(&file, text).unwrap();
    // 1.29 writes the Complete condition without a reason.
    assert_eq!(status(&file, "pdc-on"), "tolerant,tolerant,Complete,");
}

/// summary.json gives, next to the mean and its interval, the 5th, 50th and
/// 95th percentiles across replications: here held to the makespans that
/// jobs.csv's rows give replication by replication.
#[test]
fn replicated_summary_reports_percentiles_across_replications() {
    let dir = tmp("percentiles");
    run(
        &[
            repo("scenarios/capacity-nightly.yaml").to_str().unwrap(),
            "--replications",
            "7",
            "--outputs",
            "jobs,summary",
            "--quiet",
        ],
        &dir,
    );
    let csv = read(&dir, "jobs.csv");
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (rep, finished) = (col("replication"), col("finished"));
    let mut makespans = vec![0.0f64; 7];
    for l in lines {
        let f: Vec<&str> = l.split(',').collect();
        let r: usize = f[rep].parse().unwrap();
        makespans[r] = makespans[r].max(f[finished].parse().unwrap());
    }
    makespans.sort_by(f64::total_cmp);
    let summary: serde_json::Value = serde_json::from_str(&read(&dir, "summary.json")).unwrap();
    let m = &summary["makespanSeconds"];
    let close = |a: f64, b: f64| (a - b).abs() < 2e-3;
    // Type 7: p50 of 7 sorted values is the 4th; p05 lies 30% of the way from the 1st to the 2nd.
    assert!(close(m["p50"].as_f64().unwrap(), makespans[3]), "{m} vs {makespans:?}");
    let p05 = makespans[0] + 0.3 * (makespans[1] - makespans[0]);
    let p95 = makespans[5] + 0.7 * (makespans[6] - makespans[5]);
    assert!(close(m["p05"].as_f64().unwrap(), p05), "{m} vs {p05}");
    assert!(close(m["p95"].as_f64().unwrap(), p95), "{m} vs {p95}");
    let mean = makespans.iter().sum::<f64>() / 7.0;
    assert!(close(m["mean"].as_f64().unwrap(), mean));
    let ci = m["ci95"].as_array().unwrap();
    assert!(ci[0].as_f64().unwrap() < mean && mean < ci[1].as_f64().unwrap());
    assert_eq!(m["n"], 7);
}

/// Strict validation reaches into the pod template: a misspelled field of
/// the pod spec or of a container is refused at its line, with a hint,
/// where it used to be kept and ignored (`containers[0].comand` ran the
/// image's default command).
#[test]
fn unknown_fields_of_a_pod_template_are_refused_in_run_and_validate() {
    let dir = tmp("template-typo");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("s.yaml");
    std::fs::write(
        &file,
        "apiVersion: jobsim/v1alpha1\nkind: Scenario\nmetadata: {name: typo}\nspec:\n  workloads:\n    - name: w\n      job:\n        apiVersion: batch/v1\n        kind: Job\n        metadata: {name: w}\n        spec:\n          template:\n            spec:\n              restartPolicy: Never\n              nodeSelecter: {pool: gpu}\n              containers:\n                - name: c\n                  image: busybox\n                  comand: [sleep, \"1\"]\n",
    )
    .unwrap();
    let wants = [
        "s.yaml:15:15: spec.workloads[0].job.spec.template.spec.nodeSelecter: unknown field \"nodeSelecter\" (did you mean \"nodeSelector\"?)",
        "s.yaml:19:19: spec.workloads[0].job.spec.template.spec.containers[0].comand: unknown field \"comand\" (did you mean \"command\"?)",
    ];
    let out = jobsim().arg("run").arg(&file).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    for want in wants {
        assert!(stderr.contains(want), "run: {want}\n{stderr}");
    }
    let out = jobsim().arg("validate").arg(&file).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("nodeSelecter") && stderr.contains("comand"),
        "validate: {stderr}"
    );
}
