//! `jobsim explain DIR JOB`: a Job's life in sentences, from `events.csv`
//! and `decisions.csv`; its errors and exit codes; `decisions.csv` the same
//! bytes whatever the threads.

use super::{jobsim, repo};
use std::path::{Path, PathBuf};

fn tmp(name: &str) -> PathBuf {
    super::scratch(&format!("explain-{name}"))
}

/// Runs a scenario of `scenarios/` into `out`, with extra arguments.
fn run(scenario: &str, out: &Path, args: &[&str]) {
    let o = jobsim()
        .arg("run")
        .arg(repo(&format!("scenarios/{scenario}.yaml")))
        .arg("--quiet")
        .args(args)
        .arg("--out")
        .arg(out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

/// `jobsim explain DIR JOB`: exit code, stdout, stderr.
fn explain(dir: &Path, job: &str) -> (i32, String, String) {
    let o = jobsim().arg("explain").arg(dir).arg(job).output().unwrap();
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8(o.stdout).unwrap(),
        String::from_utf8(o.stderr).unwrap(),
    )
}

fn has(text: &str, want: &str) {
    assert!(text.contains(want), "want {want:?} in:\n{text}");
}

/// backoff-limit: the 10 s, 20 s and 40 s back-offs, each from the failure
/// count it follows, and BackoffLimitExceeded with the rule that decided it.
#[test]
fn the_backoffs_and_the_backoff_limit_are_named() {
    let dir = tmp("backoff-limit");
    run("backoff-limit", &dir, &[]);
    let (code, out, err) = explain(&dir, "always-fails");
    assert_eq!(code, 0, "{err}");
    has(&out, "Job default/always-fails, as the controller saw it");
    for (t, backoff, nth, from, until) in [
        ("6.000", "10 s", "1st", "5.000", "15.000"),
        ("21.000", "20 s", "2nd", "20.000", "40.000"),
        ("46.000", "40 s", "3rd", "45.000", "85.000"),
    ] {
        has(
            &out,
            &format!(
                "{t}  No pod created: the pod-failure back-off of {backoff} after the {nth} failure since the last success"
            ),
        );
        has(
            &out,
            &format!("runs from that failure's finish time, {from} s, to {until} s"),
        );
    }
    has(
        &out,
        "once the 40 s back-off after the 3rd failure had run out at 85.000 s",
    );
    has(&out, "it batches a Job's pod events for 1 s");
    has(
        &out,
        "91.000  The controller decides the Job fails (the controller's first sync after",
    );
    has(
        &out,
        "backoffLimit reached: 4 failed pods counted, more than backoffLimit 3; condition FailureTarget (reason BackoffLimitExceeded)",
    );
    has(
        &out,
        "Ended Failed: BackoffLimitExceeded: Job has reached the specified backoff limit. Decided at 91.000 s by the rule: backoffLimit reached",
    );
    // NAMESPACE/NAME reads the same Job.
    let (code, again, _) = explain(&dir, "default/always-fails");
    assert_eq!((code, again), (0, out));
}

/// pod-failure-policy: the FailJob rule by its index ends `bugged`; the
/// Ignore rule is named for the failures of `tolerant`.
#[test]
fn a_pod_failure_policy_rule_is_named_by_its_index() {
    let dir = tmp("pod-failure-policy");
    run("pod-failure-policy", &dir, &[]);
    let (code, out, err) = explain(&dir, "bugged");
    assert_eq!(code, 0, "{err}");
    has(&out, "matches podFailurePolicy rule 0 (FailJob): the Job fails.");
    has(
        &out,
        "The controller deletes pod bugged-6nkp9 because the Job is finishing (its end is decided).",
    );
    has(
        &out,
        "Decided at 71.000 s by the rule: podFailurePolicy rule 0 (FailJob) matched the failure of pod bugged-",
    );
    has(
        &out,
        "Ended Failed: PodFailurePolicy: Container main for pod default/bugged-",
    );
    let (code, out, _) = explain(&dir, "tolerant");
    assert_eq!(code, 0);
    has(
        &out,
        "matches podFailurePolicy rule 0 (Ignore): not counted against backoffLimit",
    );
    has(&out, "Ended Complete: CompletionsReached");
}

/// nodes-and-scheduling: pods Pending for room, with the scheduler's message.
#[test]
fn unschedulable_pods_name_the_schedulers_message() {
    let dir = tmp("nodes-and-scheduling");
    run("nodes-and-scheduling", &dir, &[]);
    let (code, out, err) = explain(&dir, "heavy");
    assert_eq!(code, 0, "{err}");
    has(
        &out,
        "is Pending: the scheduler finds no node for it: \"0/1 nodes are available: 1 Too many pods.\"",
    );
    has(&out, "bound to small-0 after waiting 1m52s for a node.");
}

/// The limits of a rate-limited client, deletions of a suspended Job and an
/// active deadline are said as such.
#[test]
fn rate_limits_suspensions_and_deadlines_are_named() {
    let dir = tmp("api-rate-limits");
    run("api-rate-limits", &dir, &["--outputs", "events,decisions"]);
    let (code, out, _) = explain(&dir, "fanout");
    assert_eq!(code, 0);
    has(
        &out,
        "0.000  The API client's rate limiter (kubeAPIQPS, kubeAPIBurst) holds back this sync's 501 requests (500 pod creations)",
    );
    let dir = tmp("suspend-resume");
    run("suspend-resume", &dir, &[]);
    let (_, out, _) = explain(&dir, "batch");
    has(&out, "because the Job is suspended.");
    let dir = tmp("active-deadline");
    run("active-deadline", &dir, &[]);
    let (_, out, _) = explain(&dir, "slow");
    has(
        &out,
        "by the rule: activeDeadlineSeconds (120 s) passed since status.startTime",
    );
}

/// An unknown Job, a folder without the files explain reads, and a path
/// that is no folder: exit 2 and a message that says what to do.
#[test]
fn bad_input_is_refused_with_exit_2() {
    let dir = tmp("errors");
    run("backoff-limit", &dir, &[]);
    let (code, out, err) = explain(&dir, "always-fail");
    assert_eq!((code, out.as_str()), (2, ""));
    has(&err, "error: no Job \"always-fail\" in ");
    has(&err, "(did you mean \"always-fails\"?); its Job: always-fails");
    let (code, _, err) = explain(&dir, "kube-system/always-fails");
    assert_eq!(code, 2);
    has(&err, "its Job: default/always-fails");

    let events_only = tmp("events-only");
    run("backoff-limit", &events_only, &["--outputs", "events,summary"]);
    let (code, _, err) = explain(&events_only, "always-fails");
    assert_eq!(code, 2);
    has(
        &err,
        "has no decisions.csv: explain reads events.csv and decisions.csv; run the scenario again with --outputs events,decisions",
    );
    let decisions_only = tmp("decisions-only");
    run("backoff-limit", &decisions_only, &["--outputs", "decisions"]);
    let (code, _, err) = explain(&decisions_only, "always-fails");
    assert_eq!(code, 2);
    has(&err, "has no events.csv");

    let (code, _, err) = explain(&dir.join("summary.json"), "always-fails");
    assert_eq!(code, 2);
    has(&err, "summary.json is not a folder");
}

/// decisions.csv is the same bytes on every run and whatever the threads,
/// and whatever else is written beside it.
#[test]
fn decisions_are_deterministic() {
    let (a, b) = (tmp("det-a"), tmp("det-b"));
    run("quickstart", &a, &["--replications", "3", "--threads", "1"]);
    run(
        "quickstart",
        &b,
        &["--replications", "3", "--threads", "3", "--outputs", "decisions"],
    );
    let read = |d: &Path| std::fs::read(d.join("decisions.csv")).unwrap();
    assert!(read(&a) == read(&b), "two runs differ");
    assert!(read(&a).len() > 30);
}
