use super::{jobsim, repo};
use jobsim::api::time::Time;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn tmp(name: &str) -> PathBuf {
    super::scratch(&format!("jobs-csv-{name}"))
}

fn read(dir: &Path, f: &str) -> String {
    std::fs::read_to_string(dir.join(f)).unwrap_or_else(|e| panic!("{}: {e}", dir.join(f).display()))
}

/// The files of a run of `scenarios/NAME.yaml`.
struct Run {
    /// Replication 0's rows of `jobs.csv`, column name → field.
    rows: Vec<BTreeMap<String, String>>,
    /// The Job objects of `jobs.yaml`, by name.
    jobs: BTreeMap<String, Value>,
    events: String,
    /// `simulation.virtualSeconds`: when the run ended (with one replication).
    end: Option<f64>,
}

/// Runs `scenarios/NAME.yaml` into a folder of the test's own (`test`).
fn run(name: &str, test: &str) -> Run {
    let dir = tmp(&format!("{test}-{name}"));
    let o = jobsim()
        .arg("run")
        .arg(repo(&format!("scenarios/{name}.yaml")))
        .args(["--quiet", "--out"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let csv = read(&dir, "jobs.csv");
    let mut lines = csv.lines();
    let header: Vec<String> = lines.next().unwrap().split(',').map(str::to_string).collect();
    let rows: Vec<BTreeMap<String, String>> = lines
        .map(|l| header.iter().cloned().zip(l.split(',').map(str::to_string)).collect())
        .filter(|r: &BTreeMap<String, String>| r.get("replication").is_none_or(|r| r == "0"))
        .collect();
    let list: Value = serde_saphyr::from_str(&read(&dir, "jobs.yaml")).unwrap();
    let jobs = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| (j["metadata"]["name"].as_str().unwrap().to_string(), j.clone()))
        .collect();
    let summary: Value = serde_json::from_str(&read(&dir, "summary.json")).unwrap();
    Run {
        rows,
        jobs,
        events: read(&dir, "events.csv"),
        end: summary["simulation"]["virtualSeconds"].as_f64(),
    }
}

/// Seconds since t=0 (every scenario here keeps the default epoch) of an
/// RFC 3339 timestamp of `jobs.yaml`.
fn since_start(v: &Value) -> Option<i64> {
    let epoch = Time::parse_rfc3339("2026-01-01T00:00:00Z").unwrap().unix_seconds();
    Some(Time::parse_rfc3339(v.as_str()?).unwrap().unix_seconds() - epoch)
}

fn seconds(row: &BTreeMap<String, String>, col: &str) -> Option<f64> {
    let f = row.get(col).unwrap_or_else(|| panic!("no column {col}"));
    (!f.is_empty()).then(|| f.parse().unwrap())
}

/// The time a row of events.csv gives for the Job's `event`, if any.
fn event_time(events: &str, job: &str, event: &str) -> Option<f64> {
    events.lines().find_map(|l| {
        let f: Vec<&str> = l.split(',').collect();
        (f.get(1) == Some(&job) && f.get(4) == Some(&event)).then(|| f[0].parse().unwrap())
    })
}

/// Holds every row of `jobs.csv` to the Job object `jobs.yaml` shows: its
/// times, to the second (jobs.yaml has whole seconds, jobs.csv milliseconds),
/// and the columns computed from them, to the millisecond; and
/// `first_pod_running` to the Job's first PodRunning row of events.csv.
fn agrees_with_jobs_yaml(name: &str, run: &Run) {
    assert!(!run.rows.is_empty(), "{name}: no Jobs");
    for row in &run.rows {
        let job = &row["job"];
        let at = |what: &str| format!("{name}: {job}: {what}");
        let Some(obj) = run.jobs.get(job) else {
            // A Job deleted before it finished is not in jobs.yaml.
            assert!(
                event_time(&run.events, job, "JobDeleted").is_some(),
                "{}",
                at("missing from jobs.yaml")
            );
            continue;
        };
        // first_pod_running comes from the timeline, as README says.
        assert_eq!(
            seconds(row, "first_pod_running"),
            event_time(&run.events, job, "PodRunning"),
            "{}",
            at("first_pod_running")
        );
        let status = &obj["status"];
        let whole = |col: &str| seconds(row, col).map(|s| s.floor() as i64);
        assert_eq!(
            whole("created"),
            since_start(&obj["metadata"]["creationTimestamp"]),
            "{}",
            at("created")
        );
        assert_eq!(
            whole("start_time"),
            since_start(&status["startTime"]),
            "{}",
            at("start_time")
        );
        let condition = |t: &str| {
            status["conditions"]
                .as_array()
                .and_then(|cs| cs.iter().find(|c| c["type"] == t && c["status"] == "True"))
                .map(|c| since_start(&c["lastTransitionTime"]).unwrap())
        };
        let finished = match row["status"].as_str() {
            "Complete" => {
                assert!(condition("Complete").is_some(), "{}", at("no Complete condition"));
                since_start(&status["completionTime"])
            }
            "Failed" => {
                assert!(
                    status["completionTime"].is_null(),
                    "{}",
                    at("a Failed Job has no completionTime")
                );
                condition("Failed")
            }
            _ => None,
        };
        assert_eq!(whole("finished"), finished, "{}", at("finished"));
        let ms = |s: Option<f64>| s.map(|s| (s * 1000.0).round() as i64);
        let (created, start, end) = (
            seconds(row, "created"),
            seconds(row, "start_time"),
            seconds(row, "finished"),
        );
        assert_eq!(
            ms(seconds(row, "turnaround")),
            ms(end).zip(ms(created)).map(|(f, c)| f - c),
            "{}",
            at("turnaround = finished − created")
        );
        // kubectl's DURATION: to completionTime, or else to the end of the run
        // (or the Job's deletion).
        let until = if row["status"] == "Complete" {
            end
        } else {
            let end = || run.end.expect("the end of replication 0");
            Some(event_time(&run.events, job, "JobDeleted").unwrap_or_else(end))
        };
        assert_eq!(
            ms(seconds(row, "duration")),
            ms(until).zip(ms(start)).map(|(u, s)| u - s),
            "{}",
            at("duration = kubectl's DURATION")
        );
    }
}

/// api-rate-limits: the controller's status writes wait for its rate limiter,
/// so the API stores them later than the times they carry. jobs.csv once gave
/// the storing times (started 49.1 s, duration 676.9 s) where jobs.yaml shows
/// startTime 0 s and completionTime 701 s; it now gives the Job's own.
#[test]
fn api_rate_limits_jobs_csv_gives_the_jobs_start_time_and_completion_time() {
    let run = run("api-rate-limits", "rate");
    agrees_with_jobs_yaml("api-rate-limits", &run);
    let row = &run.rows[0];
    assert_eq!(seconds(row, "start_time"), Some(0.0));
    assert_eq!(seconds(row, "finished").map(f64::floor), Some(701.0));
    assert_eq!(seconds(row, "turnaround"), seconds(row, "finished"));
    assert_eq!(seconds(row, "duration"), seconds(row, "finished"));
    // The timeline has the times the API stored them: later.
    assert_eq!(event_time(&run.events, "fanout", "JobStarted"), Some(49.1));
    assert_eq!(event_time(&run.events, "fanout", "JobComplete"), Some(726.0));
}

/// suspend-resume: resuming the Job resets its startTime (to 300 s), which
/// jobs.csv's start_time and kubectl's duration follow; turnaround still
/// counts from creation.
#[test]
fn suspend_resume_jobs_csv_gives_the_start_time_reset_on_resume() {
    let run = run("suspend-resume", "suspend");
    agrees_with_jobs_yaml("suspend-resume", &run);
    let row = &run.rows[0];
    assert_eq!(seconds(row, "start_time"), Some(300.0));
    assert_eq!(seconds(row, "first_pod_running"), Some(2.0));
    assert_eq!(seconds(row, "finished"), Some(579.0));
    assert_eq!(seconds(row, "turnaround"), Some(579.0));
    assert_eq!(seconds(row, "duration"), Some(279.0));
}

/// Every example scenario (but the benchmark): Complete, Failed, deleted and
/// unfinished Jobs, several replications.
#[test]
fn jobs_csv_agrees_with_jobs_yaml_in_every_scenario() {
    let mut names: Vec<String> = std::fs::read_dir(repo("scenarios"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter_map(|f| f.strip_suffix(".yaml").map(str::to_string))
        .filter(|n| n != "bench-1m-pods")
        .collect();
    names.sort();
    for name in names {
        agrees_with_jobs_yaml(&name, &run(&name, "all"));
    }
}
