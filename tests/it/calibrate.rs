//! `jobsim calibrate`: a scenario fitted to pods as `kubectl get pods -o json`
//! prints them validates, and runs to the distributions it was fitted to.

use super::{jobsim, repo};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::Path;

/// SplitMix64: the fixture's own random numbers, fixed forever.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn unit(&mut self) -> f64 {
        ((self.next() >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }
    /// Log-normal, median and result in milliseconds.
    fn lognormal(&mut self, median: f64, sigma: f64) -> i64 {
        let (u, v) = (self.unit(), self.unit());
        let z = libm::sqrt(-2.0 * libm::log(u)) * libm::cos(2.0 * std::f64::consts::PI * v);
        (median * libm::exp(sigma * z)) as i64
    }
    fn between(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.unit() * (hi - lo) as f64) as i64
    }
}

/// An instant `ms` after 2026-03-02T01:00:00Z, as the API server stores it:
/// whole seconds.
fn ts(ms: i64) -> String {
    jobsim::api::Time::from_millis(1_772_413_200_000 + ms).to_rfc3339()
}

const TOKEN: &str = "kube-api-access-9wq4z";

fn container() -> Value {
    json!({
        "command": ["python", "/app/etl.py"],
        "image": "registry.example.com/etl:1.8.2",
        "imagePullPolicy": "IfNotPresent",
        "name": "etl",
        "resources": {"limits": {"memory": "2Gi"}, "requests": {"cpu": "500m", "memory": "1Gi"}},
        "terminationMessagePath": "/dev/termination-log",
        "terminationMessagePolicy": "File",
    })
}

fn template_labels(name: &str, uid: &str) -> Value {
    json!({
        "app": "etl", "team": "data",
        "batch.kubernetes.io/controller-uid": uid, "batch.kubernetes.io/job-name": name,
        "controller-uid": uid, "job-name": name,
    })
}

/// A Job as `kubectl get jobs -o json` prints it once it completed.
fn job_object(name: &str, uid: &str, created: i64, done: i64, succeeded: usize, failed: usize) -> Value {
    let when = ts(done);
    json!({
        "apiVersion": "batch/v1", "kind": "Job",
        "metadata": {
            "annotations": {"batch.kubernetes.io/job-tracking": ""},
            "creationTimestamp": ts(created), "generation": 1,
            "labels": template_labels(name, uid),
            "managedFields": [{"apiVersion": "batch/v1", "fieldsType": "FieldsV1", "fieldsV1": {"f:spec": {}},
                "manager": "kube-controller-manager", "operation": "Update", "time": ts(created)}],
            "name": name, "namespace": "etl", "resourceVersion": format!("{}", 90_000 + created / 1000), "uid": uid,
        },
        "spec": {
            "backoffLimit": 10, "completionMode": "NonIndexed", "completions": 5, "manualSelector": false,
            "parallelism": 5, "podReplacementPolicy": "TerminatingOrFailed",
            "selector": {"matchLabels": {"batch.kubernetes.io/controller-uid": uid}}, "suspend": false,
            "template": {
                "metadata": {"creationTimestamp": null, "labels": template_labels(name, uid)},
                "spec": {"containers": [container()], "dnsPolicy": "ClusterFirst", "restartPolicy": "Never",
                    "schedulerName": "default-scheduler", "securityContext": {}, "terminationGracePeriodSeconds": 30},
            },
        },
        "status": {
            "completionTime": when,
            "conditions": [
                {"lastProbeTime": when, "lastTransitionTime": when, "message": "Reached expected number of succeeded pods",
                 "reason": "CompletionsReached", "status": "True", "type": "SuccessCriteriaMet"},
                {"lastProbeTime": when, "lastTransitionTime": when, "message": "Reached expected number of succeeded pods",
                 "reason": "CompletionsReached", "status": "True", "type": "Complete"},
            ],
            "failed": failed, "ready": 0, "startTime": ts(created), "succeeded": succeeded, "terminating": 0,
            "uncountedTerminatedPods": {},
        },
    })
}

/// A finished pod as `kubectl get pods -o json` prints it.
#[allow(clippy::too_many_arguments)]
fn pod_object(
    job: &str,
    uid: &str,
    n: usize,
    created: i64,
    scheduled: i64,
    started: i64,
    finished: i64,
    exit_code: i32,
) -> Value {
    let name = format!("{job}-{:05x}", (n * 7919) % 0xfffff);
    let node = n % 4;
    let host = format!("10.0.3.{}", 20 + node);
    let ip = format!("10.244.{node}.{}", n % 250 + 2);
    let id = format!("containerd://{:064x}", n as u128 * 0x9e37_79b9_7f4a_7c15);
    let mut c = container();
    c["volumeMounts"] =
        json!([{"mountPath": "/var/run/secrets/kubernetes.io/serviceaccount", "name": TOKEN, "readOnly": true}]);
    let phase = if exit_code == 0 { "Succeeded" } else { "Failed" };
    let reason = if exit_code == 0 { "Completed" } else { "Error" };
    let cond = |t: &str, status: &str, at: i64, reason: Option<&str>| {
        let mut c = json!({"lastProbeTime": null, "lastTransitionTime": ts(at), "status": status, "type": t});
        if let Some(r) = reason {
            c["reason"] = json!(r);
        }
        c
    };
    json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {
            "creationTimestamp": ts(created),
            "generateName": format!("{job}-"),
            "labels": template_labels(job, uid),
            "name": name, "namespace": "etl",
            "ownerReferences": [{"apiVersion": "batch/v1", "blockOwnerDeletion": true, "controller": true,
                "kind": "Job", "name": job, "uid": uid}],
            "resourceVersion": format!("{}", 100_000 + n * 3),
            "uid": format!("{:08x}-51e2-4c1a-9d7e-{:012x}", n, n * 31),
        },
        "spec": {
            "containers": [c], "dnsPolicy": "ClusterFirst", "enableServiceLinks": true,
            "nodeName": format!("pool-a-{node}"), "preemptionPolicy": "PreemptLowerPriority", "priority": 0,
            "restartPolicy": "Never", "schedulerName": "default-scheduler", "securityContext": {},
            "serviceAccount": "default", "serviceAccountName": "default", "terminationGracePeriodSeconds": 30,
            "tolerations": [
                {"effect": "NoExecute", "key": "node.kubernetes.io/not-ready", "operator": "Exists", "tolerationSeconds": 300},
                {"effect": "NoExecute", "key": "node.kubernetes.io/unreachable", "operator": "Exists", "tolerationSeconds": 300},
            ],
            "volumes": [{"name": TOKEN, "projected": {"defaultMode": 420, "sources": [
                {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
                {"configMap": {"items": [{"key": "ca.crt", "path": "ca.crt"}], "name": "kube-root-ca.crt"}},
                {"downwardAPI": {"items": [{"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"}, "path": "namespace"}]}},
            ]}}],
        },
        "status": {
            "conditions": [
                cond("PodReadyToStartContainers", "False", finished, None),
                cond("Initialized", "True", scheduled, None),
                cond("Ready", "False", finished, Some("PodCompleted")),
                cond("ContainersReady", "False", finished, Some("PodCompleted")),
                cond("PodScheduled", "True", scheduled, None),
            ],
            "containerStatuses": [{
                "containerID": id, "image": "registry.example.com/etl:1.8.2",
                "imageID": "registry.example.com/etl@sha256:5c0b8a6e1f2d3c4b5a69788796a5b4c3d2e1f00112233445566778899aabbccd",
                "lastState": {}, "name": "etl", "ready": false, "restartCount": 0, "started": false,
                "state": {"terminated": {"containerID": id, "exitCode": exit_code, "finishedAt": ts(finished),
                    "reason": reason, "startedAt": ts(started)}},
            }],
            "hostIP": host, "hostIPs": [{"ip": host}], "phase": phase, "podIP": ip, "podIPs": [{"ip": ip}],
            "qosClass": "Burstable", "startTime": ts(scheduled),
        },
    })
}

/// What the fixture's pods show, in whole seconds as a cluster shows them.
#[derive(Default)]
struct Truth {
    success_runs: Vec<i64>,
    startups: Vec<i64>,
    runs: usize,
    failures: usize,
}

/// `jobs` Jobs of an ETL workload (5 completions, 5 at once), one every ten
/// minutes: each pod waits 0 to 2 s for the scheduler, starts in a
/// log-normal time (median 8 s), and fails with exit code 1 one time in five
/// (after 10 to 60 s; the controller replaces it), else runs a log-normal
/// time (median 2 min, sigma 0.5). Returns the pods and Jobs Lists.
fn cluster(jobs: usize) -> (Value, Value, Truth) {
    let mut rng = Rng(2026);
    let (mut pods, mut job_items, mut truth) = (Vec::new(), Vec::new(), Truth::default());
    let secs = |ms: i64| ms / 1000;
    for j in 0..jobs {
        let name = format!("etl-2958{j:04}");
        let uid = format!("{:08x}-8c4e-4f7a-b5d9-{:012x}", j + 1, (j + 1) * 977);
        let created = j as i64 * 600_000 + rng.between(0, 999);
        let (mut succeeded, mut failed, mut done) = (0, 0, created);
        // Five slots; a failed pod is replaced a second after it fails.
        let mut ready_at = [created + 1_000; 5];
        while succeeded < 5 {
            let slot = (0..5).min_by_key(|&s| ready_at[s]).unwrap();
            let made = ready_at[slot];
            let scheduled = made + rng.between(0, 2_000);
            let started = scheduled + rng.lognormal(8_000.0, 0.4);
            let fails = rng.unit() < 0.2;
            let finished = started
                + if fails {
                    rng.between(10_000, 60_000)
                } else {
                    rng.lognormal(120_000.0, 0.5)
                };
            truth.runs += 1;
            truth.startups.push(secs(started) - secs(scheduled));
            if fails {
                truth.failures += 1;
                failed += 1;
                ready_at[slot] = finished + 1_000;
            } else {
                truth.success_runs.push(secs(finished) - secs(started));
                succeeded += 1;
                ready_at[slot] = i64::MAX;
            }
            done = done.max(finished + 1_000);
            let n = pods.len();
            pods.push(pod_object(
                &name,
                &uid,
                n,
                made,
                scheduled,
                started,
                finished,
                if fails { 1 } else { 0 },
            ));
        }
        job_items.push(job_object(&name, &uid, created, done, succeeded, failed));
    }
    let list = |items| json!({"apiVersion": "v1", "items": items, "kind": "List", "metadata": {"resourceVersion": ""}});
    (list(pods), list(job_items), truth)
}

fn write_fixture(dir: &Path, jobs: usize) -> Truth {
    let (pods, job_list, truth) = cluster(jobs);
    std::fs::write(dir.join("pods.json"), serde_json::to_string_pretty(&pods).unwrap()).unwrap();
    std::fs::write(dir.join("jobs.json"), serde_json::to_string_pretty(&job_list).unwrap()).unwrap();
    truth
}

/// What the simulated pods did, from events.csv (times in milliseconds).
#[derive(Default)]
struct Simulated {
    success_runs: Vec<u64>,
    startups: Vec<u64>,
    /// Runs that ended with exit code 0 or 1 (a pod the controller deleted
    /// would end otherwise; none is expected).
    runs: usize,
    failures: usize,
    other_exits: usize,
}

fn millis(t: &str) -> u64 {
    let (s, ms) = t.split_once('.').unwrap();
    s.parse::<u64>().unwrap() * 1000 + ms.parse::<u64>().unwrap()
}

fn simulate(scenario: &Path, seeds: std::ops::RangeInclusive<u64>, into: &mut Simulated) {
    for seed in seeds {
        let out = scenario.with_file_name(format!("run-{seed}"));
        let run = jobsim()
            .args([
                "run",
                "--quiet",
                "--outputs",
                "events",
                "--seed",
                &seed.to_string(),
                "--out",
            ])
            .arg(&out)
            .arg(scenario)
            .output()
            .unwrap();
        assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
        let events = std::fs::read_to_string(out.join("events.csv")).unwrap();
        let (mut scheduled, mut running) = (BTreeMap::new(), BTreeMap::new());
        for line in events.lines().skip(1) {
            let f: Vec<&str> = line.splitn(6, ',').collect();
            let (t, pod, event, detail) = (millis(f[0]), f[2], f[4], f[5]);
            match event {
                "PodScheduled" => {
                    scheduled.insert(pod.to_string(), t);
                }
                "PodRunning" => {
                    into.startups.push(t - scheduled[pod]);
                    running.insert(pod.to_string(), t);
                }
                "PodSucceeded" | "PodFailed" => match detail.split(';').next() {
                    Some("exitCode=0") => {
                        into.runs += 1;
                        into.success_runs.push(t - running[pod]);
                    }
                    Some("exitCode=1") => {
                        into.runs += 1;
                        into.failures += 1;
                    }
                    _ => into.other_exits += 1,
                },
                _ => {}
            }
        }
    }
}

/// Whether `value` lies at the median of `observed` (sorted) within `tol`
/// in probability: at most half + tol of the observed lie below it, and at
/// least half - tol at or below it (observed times are whole seconds, so
/// ties are many).
fn at_median(observed: &[i64], value: u64, tol: f64) -> (bool, f64, f64) {
    let n = observed.len() as f64;
    let below = observed.iter().filter(|&&o| (o as u64) * 1000 < value).count() as f64 / n;
    let at_or_below = observed.iter().filter(|&&o| (o as u64) * 1000 <= value).count() as f64 / n;
    (below <= 0.5 + tol && at_or_below >= 0.5 - tol, below, at_or_below)
}

fn median(v: &mut [u64]) -> u64 {
    v.sort_unstable();
    v[(v.len() - 1) / 2]
}

fn calibrate(dir: &Path, args: &[&str]) -> (Option<i32>, String, String) {
    let out = jobsim().current_dir(dir).arg("calibrate").args(args).output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The acceptance test. 40 Jobs (about 250 pods) are calibrated into one
/// workload (`--by app`); six runs with other seeds simulate about 1,500 pod
/// runs. Tolerances are four standard errors of what the runs estimate, so a
/// correct fit fails about once in 15,000:
/// - the simulated median run time of successes must sit at the fixture's
///   median: the share of the fixture's run times below it within
///   0.5 ± 4·0.5/√M (M simulated successes: the sample median's share of
///   the distribution it is drawn from has standard deviation 0.5/√M,
///   whatever the distribution; about ±0.058 here);
/// - so must the median start-up time;
/// - the simulated failure fraction must be the fixture's within
///   4·√(p(1−p)/N) (N simulated runs, a binomial share; about ±0.041).
#[test]
fn a_calibrated_scenario_reproduces_run_times_and_failures() {
    let dir = tempfile::tempdir().unwrap();
    let truth = write_fixture(dir.path(), 40);
    let (code, _, stderr) = calibrate(dir.path(), &["pods.json", "jobs.json", "--by", "app", "-o", "etl.yaml"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stderr.contains(&format!("{} finished pods of 40 Jobs in 1 workload", truth.runs)),
        "{stderr}"
    );
    let scenario = dir.path().join("etl.yaml");
    let validate = jobsim().arg("validate").arg(&scenario).output().unwrap();
    assert!(
        validate.status.success(),
        "{}{}",
        String::from_utf8_lossy(&validate.stdout),
        String::from_utf8_lossy(&validate.stderr)
    );
    let text = std::fs::read_to_string(&scenario).unwrap();
    let doc: Value = serde_saphyr::from_str(&text).unwrap();
    let w = &doc["spec"]["workloads"][0];
    assert_eq!(
        (w["name"].as_str(), w["count"].as_u64()),
        (Some("etl"), Some(40)),
        "{text}"
    );
    assert_eq!(w["arrival"]["at"][1], "10m0s");
    assert_eq!(w["job"]["metadata"]["name"], "etl");
    assert_eq!(w["job"]["spec"]["backoffLimit"], 10);
    assert!(w["job"]["spec"].get("selector").is_none(), "{text}");

    let mut sim = Simulated::default();
    simulate(&scenario, 1..=6, &mut sim);
    assert_eq!(sim.other_exits, 0);
    let mut observed = truth.success_runs.clone();
    observed.sort_unstable();
    let m = sim.success_runs.len();
    let tol = 4.0 * 0.5 / (m as f64).sqrt();
    let got = median(&mut sim.success_runs);
    let (ok, below, at) = at_median(&observed, got, tol);
    assert!(
        ok,
        "simulated median run {got} ms over {m} runs: {below:.3} of the fixture's below it, {at:.3} at or below (±{tol:.3})"
    );
    let mut startups = truth.startups.clone();
    startups.sort_unstable();
    let tol_s = 4.0 * 0.5 / (sim.startups.len() as f64).sqrt();
    let got_s = median(&mut sim.startups);
    let (ok, below, at) = at_median(&startups, got_s, tol_s);
    assert!(
        ok,
        "simulated median start-up {got_s} ms: {below:.3} below, {at:.3} at or below (±{tol_s:.3})"
    );
    let p = truth.failures as f64 / truth.runs as f64;
    let p_sim = sim.failures as f64 / sim.runs as f64;
    let tol_p = 4.0 * (p * (1.0 - p) / sim.runs as f64).sqrt();
    eprintln!(
        "fixture: {} runs, median success {} s, failures {p:.4}; simulated: {} runs, median success {got} ms \
         (±{tol:.3} in probability), median start-up {got_s} ms (fixture {} s), failures {p_sim:.4} (±{tol_p:.4})",
        truth.runs,
        observed[(observed.len() - 1) / 2],
        sim.runs,
        startups[(startups.len() - 1) / 2],
    );
    assert!(
        (p_sim - p).abs() <= tol_p,
        "failure fraction: simulated {p_sim:.4} over {} runs, fixture {p:.4} (±{tol_p:.4})",
        sim.runs
    );
}

/// `--fit lognormal` writes the maximum-likelihood fit of the logs, and the
/// simulated median run time sits at its median (as above: the fitted
/// distribution's CDF at the simulated median within 0.5 ± 4·0.5/√M).
#[test]
fn lognormal_fit_is_the_mle_and_runs_to_its_median() {
    let dir = tempfile::tempdir().unwrap();
    let truth = write_fixture(dir.path(), 20);
    let (code, _, stderr) = calibrate(
        dir.path(),
        &[
            "pods.json",
            "jobs.json",
            "--by",
            "team",
            "--fit",
            "lognormal",
            "-o",
            "ln.yaml",
        ],
    );
    assert_eq!(code, Some(0), "{stderr}");
    let text = std::fs::read_to_string(dir.path().join("ln.yaml")).unwrap();
    let doc: Value = serde_saphyr::from_str(&text).unwrap();
    let ln = &doc["spec"]["workloads"][0]["pods"]["runtime"]["lognormal"];
    let logs: Vec<f64> = truth
        .success_runs
        .iter()
        .map(|&s| libm::log(s as f64 * 1000.0))
        .collect();
    let mu = logs.iter().sum::<f64>() / logs.len() as f64;
    let sigma = (logs.iter().map(|l| (l - mu) * (l - mu)).sum::<f64>() / logs.len() as f64).sqrt();
    let median = jobsim::time::parse_duration(ln["median"].as_str().unwrap()).unwrap();
    assert_eq!(median, libm::round(libm::exp(mu)) as u64, "{text}");
    assert!((ln["sigma"].as_f64().unwrap() - sigma).abs() < 5e-5, "{text}");
    assert_eq!(doc["spec"]["workloads"][0]["name"], "data");

    let mut sim = Simulated::default();
    simulate(&dir.path().join("ln.yaml"), 1..=6, &mut sim);
    let m = sim.success_runs.len();
    let got = self::median(&mut sim.success_runs) as f64;
    let z = (libm::log(got) - mu) / sigma;
    let cdf = 0.5 * libm::erfc(-z / std::f64::consts::SQRT_2);
    let tol = 4.0 * 0.5 / (m as f64).sqrt();
    eprintln!("lognormal median {median} ms, sigma {sigma:.4}; simulated median {got} ms over {m} runs, CDF {cdf:.3}");
    assert!(
        (cdf - 0.5).abs() <= tol,
        "simulated median {got} ms over {m} runs: CDF {cdf:.3} (±{tol:.3})"
    );
}

fn fixture(name: &str) -> String {
    repo(&format!("tests/fixtures/calibrate/{name}")).display().to_string()
}

/// The committed fixture (two Jobs, an Indexed one with two containers, a
/// running pod of a third Job and a Deployment's pod) gives the committed
/// scenario, byte for byte: the listed Jobs cleaned of status, server
/// metadata and generated selector and labels. To update it on purpose:
/// `jobsim calibrate pods.json jobs.json -o expected.yaml` in that folder.
#[test]
fn the_fixture_calibrates_to_the_committed_scenario() {
    let dir = repo("tests/fixtures/calibrate");
    let (code, stdout, stderr) = calibrate(&dir, &["pods.json", "jobs.json"]);
    assert_eq!(code, Some(0), "{stderr}");
    let expected = std::fs::read_to_string(dir.join("expected.yaml")).unwrap();
    assert_eq!(stdout, expected);
    for note in [
        "calibrate: 7 finished pods of 2 Jobs in 2 workloads",
        "calibrate: pods left out of the fit: 1 not finished",
        "calibrate: ignored (pods of no Job): 1",
    ] {
        assert!(stderr.contains(note), "{note}\n{stderr}");
    }
    // Deterministic: the same bytes again.
    assert_eq!(calibrate(&dir, &["pods.json", "jobs.json"]).1, stdout);
}

/// Without the Jobs list, each Job is rebuilt from its first pod: Indexed
/// from the pods' completion index, `parallelism` the most pods at once, the
/// pod's server-set fields gone; the scenario still validates and runs.
#[test]
fn without_the_jobs_list_jobs_are_rebuilt_from_their_pods() {
    let dir = tempfile::tempdir().unwrap();
    let (code, stdout, stderr) = calibrate(dir.path(), &[&fixture("pods.json"), "-o", "rebuilt.yaml"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stdout.is_empty() && stderr.contains("no Jobs list"), "{stderr}");
    let text = std::fs::read_to_string(dir.path().join("rebuilt.yaml")).unwrap();
    let doc: Value = serde_saphyr::from_str(&text).unwrap();
    let render = &doc["spec"]["workloads"][1];
    assert_eq!(render["name"], "render");
    let spec = &render["job"]["spec"];
    assert_eq!(
        (&spec["completionMode"], &spec["completions"], &spec["parallelism"]),
        (&json!("Indexed"), &json!(2), &json!(2)),
        "{text}"
    );
    let pod = &spec["template"]["spec"];
    for gone in ["nodeName", "volumes", "tolerations", "priority", "serviceAccount"] {
        assert!(pod.get(gone).is_none(), "{gone} left in {text}");
    }
    assert!(pod["containers"][0].get("volumeMounts").is_none(), "{text}");
    let labels = &spec["template"]["metadata"]["labels"];
    assert_eq!(labels, &json!({"app": "render", "team": "media"}));
    let etl = &doc["spec"]["workloads"][0]["job"]["spec"];
    assert_eq!(
        (&etl["completions"], &etl["parallelism"]),
        (&json!(3), &json!(3)),
        "{text}"
    );
    let run = jobsim()
        .args(["run", "--quiet", "--outputs", "summary", "--out"])
        .arg(dir.path().join("out"))
        .arg(dir.path().join("rebuilt.yaml"))
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
}

/// Bad input: exit 2 and a message that names the file and what is wrong.
#[test]
fn bad_input_is_named_and_refused() {
    let dir = tempfile::tempdir().unwrap();
    let pods: Value = serde_json::from_str(&std::fs::read_to_string(fixture("pods.json")).unwrap()).unwrap();
    let items = pods["items"].as_array().unwrap();
    let write = |name: &str, text: String| {
        std::fs::write(dir.path().join(name), text).unwrap();
        name.to_string()
    };
    let with = |items: &[Value]| json!({"apiVersion": "v1", "kind": "List", "items": items}).to_string();
    let cases = [
        (
            write("pod.json", items[0].to_string()),
            "pod.json: a single Pod, not a List",
        ),
        (
            write(
                "garbage.json",
                "{\n  \"kind\": \"List\",\n  \"items\": [{\"kind\": \"Pod\",,}]\n}\n".into(),
            ),
            "garbage.json:3:28: not valid JSON: key must be a string",
        ),
        (
            write("running.json", with(&items[7..8])),
            "running.json: no finished pod to fit (1 not finished)",
        ),
        (
            write("web.json", with(&items[8..9])),
            "web.json: holds 1 pod but none of a Job",
        ),
        (write("empty.json", with(&[])), "empty.json: no pods"),
        (write("blank.json", "\n".into()), "blank.json: empty file"),
        (
            write("array.json", "[]".into()),
            "array.json: a JSON array, not a Kubernetes List",
        ),
        ("missing.json".to_string(), "missing.json: cannot read"),
    ];
    for (file, message) in &cases {
        let (code, stdout, stderr) = calibrate(dir.path(), &[file]);
        assert_eq!(code, Some(2), "{file}: {stderr}");
        assert!(stdout.is_empty(), "{file}: {stdout}");
        assert!(stderr.contains(message), "{file}: want {message:?}, got {stderr}");
    }
    // A Job with a field the API does not define: refused at its line of the
    // scenario, which is shown; nothing is written.
    let mut jobs: Value = serde_json::from_str(&std::fs::read_to_string(fixture("jobs.json")).unwrap()).unwrap();
    jobs["items"][0]["spec"]["template"]["spec"]["containers"][0]["futureField"] = json!(true);
    let bad_jobs = write("future.json", jobs.to_string());
    let (code, stdout, stderr) = calibrate(dir.path(), &[&fixture("pods.json"), &bad_jobs]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stdout.is_empty(), "{stdout}");
    assert!(
        stderr.contains("<calibrated scenario>:56:17: spec.workloads[0].job.spec.template.spec.containers[0].futureField: unknown field \"futureField\"\n                    futureField: true\n")
            && stderr.contains("future.json: the Jobs they hold do not make a valid scenario; nothing written"),
        "{stderr}"
    );
    let (code, _, stderr) = calibrate(dir.path(), &[&fixture("pods.json"), "--name", "Nightly ETL"]);
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("invalid value 'Nightly ETL' for '--name <NAME>'"),
        "{stderr}"
    );
    let (code, _, stderr) = calibrate(dir.path(), &[&fixture("pods.json"), "--by", "nosuchlabel"]);
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("no pod of a Job has the label \"nosuchlabel\""),
        "{stderr}"
    );
}

/// `--startup-from created`: start-up from the pod's creation, so each
/// workload keeps its own wait for the scheduler, and no scheduling latency.
#[test]
fn startup_from_creation_folds_scheduling_into_each_workload() {
    let dir = repo("tests/fixtures/calibrate");
    let (code, stdout, stderr) = calibrate(&dir, &["pods.json", "jobs.json", "--startup-from", "created"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(!stdout.contains("cluster:"), "{stdout}");
    // etl-nightly's pods: created at 0, 0, 0 and 48 s, started at 4, 5, 6 and 51 s.
    assert!(
        stdout.contains(
            "        # from pod creation to the container's start, 4 pods\n        startup: {empirical: {values: [3s, 4s, 5s, 6s]}}"
        ),
        "{stdout}"
    );
}
