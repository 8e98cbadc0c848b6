use super::{jobsim, repo};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn tmp(name: &str) -> PathBuf {
    let d = super::scratch(&format!("cluster-{name}"));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn run_file(scenario: &Path, out: &Path) -> (String, String) {
    let o = jobsim()
        .arg("run")
        .arg(scenario)
        .arg("--quiet")
        .arg("--out")
        .arg(out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    (
        std::fs::read_to_string(out.join("events.csv")).unwrap(),
        std::fs::read_to_string(out.join("jobs.csv")).unwrap(),
    )
}

fn run_text(name: &str, text: &str) -> (String, String) {
    let dir = tmp(name);
    let sc = dir.join("scenario.yaml");
    std::fs::write(&sc, text).unwrap();
    run_file(&sc, &dir.join("out"))
}

fn scenario(name: &str) -> String {
    std::fs::read_to_string(repo(&format!("scenarios/{name}.yaml"))).unwrap()
}

fn field(row: &str, i: usize) -> &str {
    row.split(',').nth(i).unwrap_or("")
}

/// The Job's row of jobs.csv, by column name.
fn job_row<'a>(jobs: &'a str, name: &str) -> BTreeMap<&'a str, &'a str> {
    let header = jobs.lines().next().unwrap().split(',');
    let row = jobs
        .lines()
        .find(|l| l.starts_with(&format!("{name},")))
        .unwrap_or_else(|| panic!("no row for {name}"));
    header.zip(row.split(',')).collect()
}

/// The most pods running at once, from PodRunning and terminal rows.
fn max_running(events: &str) -> i32 {
    let (mut now, mut max) = (0, 0);
    for l in events.lines() {
        match field(l, 4) {
            "PodRunning" => now += 1,
            "PodSucceeded" | "PodFailed" => now -= 1,
            _ => {}
        }
        max = max.max(now);
    }
    max
}

#[test]
fn a_node_with_room_for_two_runs_two_pods_at_a_time() {
    let (events, jobs) = run_file(&repo("scenarios/nodes-and-scheduling.yaml"), &tmp("two").join("out"));
    assert_eq!(max_running(&events), 2, "never more than 2 pods on the node");
    assert!(
        events.contains(",PodUnschedulable,reason=0/1 nodes are available: 1 Too many pods."),
        "{events}"
    );
    // The same Jobs on an unlimited cluster finish much sooner.
    let text = scenario("nodes-and-scheduling");
    let start = text.find("  cluster:").unwrap();
    let end = text.find("  workloads:").unwrap();
    let (_, free_jobs) = run_text("two-free", &format!("{}{}", &text[..start], &text[end..]));
    let duration = |csv: &str| job_row(csv, "squeezed")["duration"].parse::<f64>().unwrap();
    assert!(duration(&free_jobs) < 70.0, "unlimited: one wave of 60 s");
    assert!(
        duration(&jobs) >= 180.0,
        "two at a time: three waves, got {}",
        duration(&jobs)
    );
}

/// What the scenario's header says: `heavy` does not wait for `squeezed` to
/// finish. Its pods wait behind squeezed's Pending pods; its first is bound
/// beside squeezed's last pod, its second when its first ends (two would need
/// 6 of the node's 4 cpus), while squeezed's last pod still runs.
#[test]
fn the_second_job_runs_beside_the_first_as_the_header_says() {
    let (events, jobs) = run_file(&repo("scenarios/nodes-and-scheduling.yaml"), &tmp("header").join("out"));
    let times = |job: &str, event: &str| -> Vec<f64> {
        events
            .lines()
            .filter(|l| field(l, 1) == job && field(l, 4) == event)
            .map(|l| field(l, 0).parse().unwrap())
            .collect()
    };
    assert_eq!(times("heavy", "JobCreated"), [10.0]);
    assert_eq!(times("heavy", "PodScheduled"), [122.1, 154.1]);
    assert_eq!(times("heavy", "PodSucceeded"), [154.1, 186.1]);
    assert_eq!(times("squeezed", "PodScheduled").last(), Some(&122.1));
    assert_eq!(times("squeezed", "PodSucceeded").last(), Some(&183.1));
    let finished = |job: &str| job_row(&jobs, job)["finished"].parse::<f64>().unwrap();
    // completionTime as the API stores it: whole seconds.
    assert_eq!((finished("squeezed"), finished("heavy")), (184.0, 187.0));
    // Five pods found no room; all seven were bound after the scheduler's latency.
    assert_eq!(events.matches(",PodUnschedulable,").count(), 5);
}

fn created_times(events: &str) -> Vec<f64> {
    events
        .lines()
        .filter(|l| field(l, 4) == "PodCreated")
        .map(|l| field(l, 0).parse().unwrap())
        .collect()
}

#[test]
fn creations_follow_the_client_rate_limit() {
    let (events, _) = run_file(&repo("scenarios/api-rate-limits.yaml"), &tmp("qps").join("out"));
    let times = created_times(&events);
    assert_eq!(times.len(), 1000);
    let last = times.iter().cloned().fold(0.0, f64::max);
    assert!(
        (95.0..=105.0).contains(&last),
        "1,000 creations at 10/s end near 100 s, got {last}"
    );

    // Upstream defaults: 20 per second with a burst of 30, in slow-start batches.
    let text =
        scenario("api-rate-limits").replace("  controllerManager:\n    kubeAPIQPS: 10\n    kubeAPIBurst: 10\n", "");
    let (events, _) = run_text("qps-default", &text);
    let times = created_times(&events);
    let last = times.iter().cloned().fold(0.0, f64::max);
    assert!((45.0..=55.0).contains(&last), "(1000 - 30) / 20 s ≈ 48.5 s, got {last}");
    let mut batches: BTreeMap<String, usize> = BTreeMap::new();
    for l in events.lines().filter(|l| field(l, 4) == "PodCreated") {
        *batches.entry(field(l, 0).to_string()).or_default() += 1;
    }
    let sizes: Vec<usize> = batches.values().copied().collect();
    for batch in [16, 32, 64, 128] {
        assert!(sizes.contains(&batch), "slow-start batch of {batch} missing: {sizes:?}");
    }
}

#[test]
fn a_drain_is_ignored_by_a_policy_and_counted_without_one() {
    let (events, jobs) = run_file(&repo("scenarios/node-drain.yaml"), &tmp("drain").join("out"));
    assert!(events.contains("\n60.000,,,,NodeDrained,node=workers-0\n"));
    assert!(events.contains(",PodEvicted,reason=EvictionByEvictionAPI"));
    let tolerant = job_row(&jobs, "tolerant");
    assert_eq!(
        (tolerant["status"], tolerant["failed"]),
        ("Complete", "0"),
        "evicted pods are not counted: {tolerant:?}"
    );
    assert!(
        tolerant["pods_created"].parse::<u32>().unwrap() > 6,
        "evicted pods were replaced"
    );
    let plain = job_row(&jobs, "plain");
    assert_eq!(
        (plain["status"], plain["reason"]),
        ("Failed", "BackoffLimitExceeded"),
        "{plain:?}"
    );
    assert!(plain["failed"].parse::<u32>().unwrap() >= 2);
}

#[test]
fn ttl_deletes_the_job_sixty_seconds_after_it_finished() {
    let (events, jobs) = run_file(&repo("scenarios/ttl-after-finished.yaml"), &tmp("ttl").join("out"));
    let time_of = |job: &str, event: &str| -> f64 {
        events
            .lines()
            .find(|l| field(l, 1) == job && field(l, 4) == event)
            .map(|l| field(l, 0).parse().unwrap())
            .unwrap_or_else(|| panic!("{job} {event}"))
    };
    // The TTL counts from the Complete condition's lastTransitionTime, the
    // completionTime (whole seconds), not from when the status reached the API.
    for job in ["report-0", "report-1", "report-2"] {
        let done: f64 = job_row(&jobs, job)["finished"].parse().unwrap();
        let deleted = time_of(job, "JobDeleted");
        assert_eq!(done, done.trunc(), "{job}: completionTime {done} is whole seconds");
        assert!(done <= time_of(job, "JobComplete"));
        assert!(
            (deleted - done - 60.0).abs() < 1e-9,
            "{job}: complete {done}, deleted {deleted}"
        );
    }
}

#[test]
fn lost_nodes_evict_their_pods_after_the_toleration() {
    let (events, jobs) = run_file(&repo("scenarios/node-loss.yaml"), &tmp("loss").join("out"));
    let lost: Vec<f64> = events
        .lines()
        .filter(|l| field(l, 4) == "NodeLost")
        .map(|l| field(l, 0).parse().unwrap())
        .collect();
    assert!(!lost.is_empty());
    let evicted: Vec<f64> = events
        .lines()
        .filter(|l| field(l, 4) == "PodEvicted")
        .map(|l| field(l, 0).parse().unwrap())
        .collect();
    assert!(
        evicted
            .iter()
            .all(|t| lost.iter().any(|l| (t - l - 300.0).abs() < 1e-9)),
        "evictions come 300 s after a loss"
    );
    assert_eq!(job_row(&jobs, "long")["status"], "Complete");
}

#[test]
fn suspend_resume_and_parallelism_actions() {
    let (events, _) = run_file(&repo("scenarios/suspend-resume.yaml"), &tmp("suspend").join("out"));
    assert!(
        events.contains("\n120.000,batch,,,JobSuspended,reason=JobSuspended;message=Job suspended\n"),
        "{events}"
    );
    assert!(
        events.contains("\n300.000,batch,,,JobResumed,reason=JobResumed;message=Job resumed\n"),
        "{events}"
    );
    let deleting = events
        .lines()
        .filter(|l| field(l, 0) == "120.000" && field(l, 4) == "PodDeleting")
        .count();
    assert_eq!(deleting, 2, "suspending deletes the active pods");
}

#[test]
fn actions_naming_unknown_jobs_or_pools_are_rejected() {
    let base = scenario("suspend-resume");
    let cases = [
        (
            base.replace("suspend: {workload: batch}", "suspend: {workload: bacth}"),
            "spec.actions[0].suspend.workload: Not found: \"bacth\" (did you mean \"batch\"?)",
        ),
        (
            base.replace(
                "setParallelism: {workload: batch,",
                "setParallelism: {workload: batch, job: 3,",
            ),
            "spec.actions[2].setParallelism.job: Not found: 3",
        ),
        (
            base.replace(
                "    - {at: 6m, setParallelism",
                "    - {at: 7m, drain: {pool: gpu}}\n    - {at: 6m, setParallelism",
            ),
            "spec.actions[2].drain.pool: Not found: \"gpu\"",
        ),
    ];
    for (i, (text, want)) in cases.into_iter().enumerate() {
        let dir = tmp(&format!("bad-action-{i}"));
        let sc = dir.join("scenario.yaml");
        std::fs::write(&sc, text).unwrap();
        let o = jobsim()
            .arg("run")
            .arg(&sc)
            .arg("--out")
            .arg(dir.join("out"))
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains(want), "want {want:?} in:\n{stderr}");
        assert!(stderr.contains("scenario.yaml:"), "names the file and line: {stderr}");
    }
}

/// The controller reads times back from API objects, which hold whole
/// seconds: a pod that fails 4.8 s after it started has `finishedAt` 4 s, so
/// its replacement comes 10 s later, at 14 s, not at 14.8 s.
#[test]
fn backoff_counts_from_finish_times_in_whole_seconds() {
    let (events, _) = run_text(
        "whole-seconds",
        r#"
apiVersion: jobsim/v1alpha1
kind: Scenario
metadata: {name: whole-seconds}
spec:
  workloads:
    - name: flaky
      job:
        apiVersion: batch/v1
        kind: Job
        metadata: {name: flaky}
        spec:
          backoffLimit: 1
          template:
            spec:
              restartPolicy: Never
              containers: [{name: main, image: busybox}]
      pods:
        runtime: {constant: 1m}
        outcomes:
          - {probability: 1.0, exitCode: 1, at: {constant: 4800ms}}
"#,
    );
    let times = |event: &str| -> Vec<f64> {
        events
            .lines()
            .filter(|l| field(l, 4) == event)
            .map(|l| field(l, 0).parse().unwrap())
            .collect()
    };
    assert_eq!(times("PodFailed")[0], 4.8);
    assert_eq!(times("PodCreated"), [0.0, 14.0]);
}

/// A Job suspended past its activeDeadlineSeconds and resumed: up to 1.35
/// the resume finds the first start's deadline passed and fails the Job;
/// 1.36 (MutableSchedulingDirectivesForSuspendedJobs) cleared its startTime
/// while suspended, so the clock restarts and the Job completes.
#[test]
fn resume_after_the_deadline_depends_on_the_release() {
    let text = |version: &str| {
        format!(
            r#"
apiVersion: jobsim/v1alpha1
kind: Scenario
metadata: {{name: late-resume}}
spec:
  kubernetesVersion: "{version}"
  workloads:
    - name: nightly
      job:
        apiVersion: batch/v1
        kind: Job
        metadata: {{name: nightly}}
        spec:
          activeDeadlineSeconds: 120
          template:
            spec:
              restartPolicy: Never
              containers: [{{name: main, image: busybox}}]
      pods:
        runtime: {{constant: 60s}}
  actions:
    - {{at: 10s, suspend: {{workload: nightly}}}}
    - {{at: 5m, resume: {{workload: nightly}}}}
"#
        )
    };
    let (_, jobs) = run_text("resume-135", &text("1.35"));
    let row = job_row(&jobs, "nightly");
    assert_eq!((row["status"], row["reason"]), ("Failed", "DeadlineExceeded"));
    let (_, jobs) = run_text("resume-136", &text("1.36"));
    let row = job_row(&jobs, "nightly");
    assert_eq!((row["status"], row["reason"]), ("Complete", "CompletionsReached"));
    assert_eq!(row["start_time"], "300.000", "the clock restarted at the resume");
}

/// A `patch` action is an update through `ValidateJobUpdate`: an Indexed
/// Job may scale completions with parallelism (elastic Indexed Jobs), but
/// not completions alone, nor its pod template while it runs; a refused
/// update leaves the Job as it was and says why.
#[test]
fn patch_actions_are_updates_the_api_server_validates() {
    let (events, jobs) = run_text(
        "elastic",
        r#"
apiVersion: jobsim/v1alpha1
kind: Scenario
metadata: {name: elastic}
spec:
  workloads:
    - name: shards
      job:
        apiVersion: batch/v1
        kind: Job
        metadata: {name: shards}
        spec:
          completionMode: Indexed
          completions: 4
          parallelism: 4
          template:
            spec:
              restartPolicy: Never
              containers: [{name: main, image: busybox}]
      pods:
        runtime: {constant: 60s}
  actions:
    - {at: 10s, patch: {workload: shards, spec: {completions: 6}}}
    - {at: 20s, patch: {workload: shards, spec: {template: {spec: {dnsPolicy: Default}}}}}
    - {at: 30s, patch: {workload: shards, spec: {completions: 8, parallelism: 8}}}
"#,
    );
    let rejected: Vec<&str> = events.lines().filter(|l| field(l, 4) == "JobUpdateRejected").collect();
    assert_eq!(rejected.len(), 2, "{events}");
    assert!(
        rejected[0]
            .contains("spec.completions: Invalid value: 6: can only be modified in tandem with spec.parallelism"),
        "{}",
        rejected[0]
    );
    assert!(rejected[1].contains("spec.template: Invalid value"), "{}", rejected[1]);
    assert!(rejected[1].contains("field is immutable"), "{}", rejected[1]);
    let row = job_row(&jobs, "shards");
    assert_eq!(
        (row["status"], row["completions"], row["succeeded"]),
        ("Complete", "8", "8")
    );
    let created = events.lines().filter(|l| field(l, 4) == "PodCreated").count();
    assert_eq!(created, 8, "indexes 4 to 7 were added at 30 s");
}

/// The pods' node (`PodScheduled`) and waiting reasons (`PodUnschedulable`), per workload.
fn placements(events: &str) -> (BTreeMap<String, Vec<String>>, BTreeMap<String, Vec<String>>) {
    let (mut nodes, mut reasons) = (BTreeMap::new(), BTreeMap::new());
    for l in events.lines() {
        // The workload: the Job's name without its ordinal.
        let job = field(l, 1);
        let workload = match job.rsplit_once('-') {
            Some((w, n)) if n.parse::<u32>().is_ok() => w,
            _ => job,
        }
        .to_string();
        match field(l, 4) {
            "PodScheduled" => {
                let node = field(l, 5).split(';').next().unwrap().trim_start_matches("node=");
                nodes.entry(workload).or_insert_with(Vec::new).push(node.to_string());
            }
            "PodUnschedulable" => {
                let reason = l.split_once(",PodUnschedulable,").unwrap().1;
                let reason = reason.trim_matches('"').trim_start_matches("reason=");
                reasons
                    .entry(workload)
                    .or_insert_with(Vec::new)
                    .push(reason.to_string());
            }
            _ => {}
        }
    }
    (nodes, reasons)
}

#[test]
fn gpu_pods_use_the_gpu_pool_alone_and_cpu_pods_never_do() {
    let out = tmp("gpu").join("out");
    let (events, jobs) = run_file(&repo("scenarios/gpu-pool.yaml"), &out);
    let (nodes, reasons) = placements(&events);
    assert_eq!(nodes["train"].len(), 12);
    assert!(
        nodes["train"].iter().all(|n| n.starts_with("gpu-")),
        "{:?}",
        nodes["train"]
    );
    assert_eq!(nodes["etl"].len(), 48);
    assert!(nodes["etl"].iter().all(|n| n.starts_with("cpu-")), "{:?}", nodes["etl"]);
    // Training pods beyond the 8 GPUs wait, with the scheduler's message.
    let gpu_wait =
        "0/6 nodes are available: 2 Insufficient nvidia.com/gpu, 4 node(s) didn't match Pod's node affinity/selector.";
    assert_eq!(reasons["train"], vec![gpu_wait; 4]);
    // ETL pods wait for cpus while the GPU nodes' cpus stay theirs.
    let cpu_wait = "0/6 nodes are available: 2 node(s) had untolerated taint(s), 4 Insufficient cpu.";
    assert!(
        !reasons["etl"].is_empty() && reasons["etl"].iter().all(|r| r == cpu_wait),
        "{:?}",
        reasons["etl"]
    );
    for job in ["train-0", "train-1", "train-2", "etl-0", "etl-3"] {
        assert_eq!(job_row(&jobs, job)["status"], "Complete", "{job}");
    }
    // Cost: node-hours are the pools' nodes over the whole run, at their prices.
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let c = &summary["cluster"];
    let hours = summary["simulation"]["virtualSeconds"].as_f64().unwrap() / 3600.0;
    let stat = |pool: &str, s: &str| c["pools"][pool][s].as_f64().unwrap();
    assert!((stat("gpu", "nodeHours") - 2.0 * hours).abs() < 1e-3);
    assert!((stat("cpu", "nodeHours") - 4.0 * hours).abs() < 1e-3);
    // (summary.json rounds to three decimals: node-hours by up to 0.0005)
    assert!((stat("gpu", "cost") - 12.0 * stat("gpu", "nodeHours")).abs() < 1e-2);
    assert!((stat("cpu", "cost") - 0.8 * stat("cpu", "nodeHours")).abs() < 1e-3);
    let cost = c["cost"].as_f64().unwrap();
    assert!((cost - stat("gpu", "cost") - stat("cpu", "cost")).abs() < 2e-3, "{c}");
    let idle = c["idleCostShare"].as_f64().unwrap();
    let weighted =
        (stat("gpu", "cost") * stat("gpu", "idleShare") + stat("cpu", "cost") * stat("cpu", "idleShare")) / cost;
    assert!((idle - weighted).abs() < 2e-3, "{idle} vs {weighted}");
    assert!(0.0 < idle && idle < 1.0);
}

#[test]
fn the_gpu_scenario_is_the_same_on_every_run() {
    let (a, b) = (tmp("gpu-a").join("out"), tmp("gpu-b").join("out"));
    run_file(&repo("scenarios/gpu-pool.yaml"), &a);
    run_file(&repo("scenarios/gpu-pool.yaml"), &b);
    let mut names: Vec<_> = std::fs::read_dir(&a).unwrap().map(|e| e.unwrap().file_name()).collect();
    names.sort();
    assert!(names.len() >= 5, "{names:?}");
    for name in names {
        assert_eq!(
            std::fs::read(a.join(&name)).unwrap(),
            std::fs::read(b.join(&name)).unwrap(),
            "{name:?} differs between two runs"
        );
    }
}

#[test]
fn up_to_1_33_the_scheduler_names_the_untolerated_taint() {
    let text = scenario("gpu-pool").replace("  seed: 7\n", "  seed: 7\n  kubernetesVersion: \"1.33\"\n");
    let (events, _) = run_text("gpu-133", &text);
    let (_, reasons) = placements(&events);
    assert!(
        reasons["etl"].iter().all(|r| r
            == "0/6 nodes are available: 2 node(s) had untolerated taint {nvidia.com/gpu: true}, 4 Insufficient cpu."),
        "{:?}",
        reasons["etl"]
    );
}

#[test]
fn a_pod_no_pool_admits_waits_with_the_reason() {
    // Without the toleration, the training pods match the GPU pool's labels
    // but not its taint, and the CPU pool's taint-free nodes not their selector.
    let text = scenario("gpu-pool").replace(
        "              tolerations:\n                - {key: nvidia.com/gpu, operator: Exists, effect: NoSchedule}\n",
        "",
    );
    assert_ne!(text, scenario("gpu-pool"));
    let text = text.replace("  expect:", "  until: 10m\n  expect:");
    let (events, jobs) = run_text("gpu-untolerated", &text);
    let (nodes, reasons) = placements(&events);
    assert!(!nodes.contains_key("train"));
    assert_eq!(
        reasons["train"][0],
        "0/6 nodes are available: 2 node(s) had untolerated taint(s), 4 node(s) didn't match Pod's node affinity/selector. The pod fits on no node of any pool."
    );
    assert_eq!(job_row(&jobs, "train-0")["status"], "Running");
}

#[test]
fn a_lost_node_takes_only_pods_that_tolerate_it() {
    let job = |name: &str, tolerations: &str| {
        format!(
            "    - name: {name}\n      arrival: {{at: [20s]}}\n      pods: {{runtime: {{constant: 30s}}}}\n      job:\n        metadata: {{name: {name}}}\n        spec:\n          template:\n            spec:\n              restartPolicy: Never\n              tolerations: {tolerations}\n              containers: [{{name: c, image: i}}]\n"
        )
    };
    let text = format!(
        "apiVersion: jobsim/v1alpha1\nkind: Scenario\nmetadata: {{name: lost}}\nspec:\n  cluster:\n    nodePools:\n      - {{name: p, count: 1, allocatable: {{cpu: \"4\"}}}}\n  actions:\n    - {{at: 10s, loseNodes: {{pool: p, nodes: 1, recovery: 10m}}}}\n  workloads:\n{}{}{}",
        job("plain", "[]"),
        job("all", "[{operator: Exists}]"),
        job(
            "brief",
            "[{key: node.kubernetes.io/unreachable, operator: Exists, effect: NoSchedule}, {key: node.kubernetes.io/unreachable, operator: Exists, effect: NoExecute, tolerationSeconds: 60}]"
        ),
    );
    let (events, jobs) = run_text("lost-tolerated", &text);
    let rows = |job: &str, kind: &str| -> Vec<f64> {
        events
            .lines()
            .filter(|l| field(l, 1) == job && field(l, 4) == kind)
            .map(|l| field(l, 0).parse().unwrap())
            .collect()
    };
    // Without a toleration the pod waits for the node's return, then runs.
    let (_, reasons) = placements(&events);
    assert_eq!(
        reasons["plain"],
        ["0/1 nodes are available: 1 node(s) had untolerated taint(s)."]
    );
    assert_eq!(rows("plain", "PodScheduled"), [610.0]);
    // Tolerating everything, it binds to the lost node at once and starts
    // when the node is back; the taint manager leaves it alone.
    assert_eq!(rows("all", "PodScheduled"), [20.0]);
    assert_eq!(rows("all", "PodRunning"), [610.0]);
    assert!(rows("all", "PodEvicted").is_empty());
    // Tolerated for 60 s, it is evicted 60 s after binding, and so is each
    // replacement bound to the node before it is back.
    let bound = rows("brief", "PodScheduled");
    let evicted = rows("brief", "PodEvicted");
    assert_eq!((bound[0], evicted[0]), (20.0, 80.0));
    assert!(
        evicted.len() > 1 && evicted.iter().zip(&bound).all(|(e, b)| e - b == 60.0),
        "{bound:?} {evicted:?}"
    );
    for job in ["plain", "all", "brief"] {
        assert_eq!(job_row(&jobs, job)["status"], "Complete", "{job}");
    }
}

/// A pool of 4-cpu nodes autoscaled within `[min, max]` from `count`, with
/// nodes ready 30 s after the autoscaler asks, and one Job of `pods` pods
/// of 2 cpus (2 a node) running 5 minutes, arriving at `at`.
fn autoscaled(count: u32, min: u32, max: u32, pods: u32, at: &str) -> String {
    format!(
        "apiVersion: jobsim/v1alpha1\nkind: Scenario\nmetadata: {{name: scale}}\nspec:\n  cluster:\n    nodePools:\n      - {{name: p, count: {count}, autoscaling: {{min: {min}, max: {max}}}, allocatable: {{cpu: \"4\"}}, pricePerHour: 1}}\n    autoscaler: {{provisioning: {{constant: 30s}}}}\n  workloads:\n    - name: w\n      arrival: {{at: [{at}]}}\n      pods: {{startup: {{constant: 0s}}, runtime: {{constant: 5m}}}}\n      job:\n        metadata: {{name: w}}\n        spec:\n          completions: {pods}\n          parallelism: {pods}\n          template:\n            spec:\n              restartPolicy: Never\n              containers: [{{name: c, image: i, resources: {{requests: {{cpu: \"2\"}}}}}}]\n"
    )
}

/// `(time, node)` of the rows of `kind` (`NodeAdded`, `NodeRemoved`).
fn node_rows(events: &str, kind: &str) -> Vec<(f64, String)> {
    events
        .lines()
        .filter(|l| field(l, 4) == kind)
        .map(|l| {
            let detail = field(l, 5);
            let node = detail
                .split(';')
                .find_map(|kv| kv.strip_prefix("node="))
                .unwrap_or(detail);
            (field(l, 0).parse().unwrap(), node.to_string())
        })
        .collect()
}

/// The pool's size after each row that changes it.
fn pool_sizes(events: &str) -> Vec<(f64, i32)> {
    let mut size = 0;
    let mut out = Vec::new();
    for l in events.lines() {
        match field(l, 4) {
            "NodeAdded" => size += 1,
            "NodeRemoved" => size -= 1,
            _ => continue,
        }
        out.push((field(l, 0).parse().unwrap(), size));
    }
    out
}

#[test]
fn autoscaled_nodes_join_after_the_provisioning_time_and_leave_when_unneeded() {
    let (events, jobs) = run_text("scale-basic", &autoscaled(1, 1, 10, 8, "1s"));
    let added = node_rows(&events, "NodeAdded");
    // p-0 from the start; the scan at 10 s sees 6 pods waiting, 2 a node:
    // 3 nodes, ready 30 s later.
    assert_eq!(
        added,
        [
            (0.0, "p-0".into()),
            (40.0, "p-1".into()),
            (40.0, "p-2".into()),
            (40.0, "p-3".into())
        ]
    );
    // Their pods bind when they join.
    let bound: Vec<f64> = (events.lines())
        .filter(|l| field(l, 4) == "PodScheduled")
        .map(|l| field(l, 0).parse().unwrap())
        .collect();
    assert_eq!(bound.iter().filter(|&&t| t == 40.0).count(), 6, "{bound:?}");
    // Empty from 340 s (their pods end 5 min after 40 s), they are
    // unneeded from the scan at 340 s and leave 10 minutes later, newest
    // first; p-0, idle from 301 s, is unneeded from the scan at 310 s and
    // leaves first; one node (the pool's min) stays.
    let removed = node_rows(&events, "NodeRemoved");
    assert_eq!(
        removed,
        [(910.0, "p-0".into()), (940.0, "p-3".into()), (940.0, "p-2".into())]
    );
    assert_eq!(job_row(&jobs, "w")["status"], "Complete");
}

#[test]
fn autoscaling_never_passes_max_or_min() {
    // 20 pods want 10 nodes; the pool may have 4.
    let (events, jobs) = run_text("scale-bounds", &autoscaled(2, 2, 4, 20, "0s"));
    let sizes = pool_sizes(&events);
    assert!(sizes.iter().all(|&(t, s)| s <= 4 && (t == 0.0 || s >= 2)), "{sizes:?}");
    assert_eq!(sizes.iter().map(|&(_, s)| s).max(), Some(4), "{sizes:?}");
    assert_eq!(sizes.last().map(|&(_, s)| s), Some(2), "back to min: {sizes:?}");
    assert_eq!(job_row(&jobs, "w")["status"], "Complete");
    // No scale-down within 10 minutes of a scale-up: the nodes added at
    // 10 s leave no earlier than 610 s.
    assert!(node_rows(&events, "NodeRemoved").iter().all(|(t, _)| *t >= 610.0));
}

/// Pods below `--expendable-pods-priority-cutoff` (-10) bring no node.
#[test]
fn expendable_pods_bring_no_node() {
    let text = autoscaled(1, 1, 10, 8, "0s").replace(
        "  cluster:\n",
        "  cluster:\n    priorityClasses: [{name: spare, value: -11, globalDefault: true}]\n",
    ) + "  until: 5m\n";
    let (events, _) = run_text("scale-expendable", &text);
    assert_eq!(node_rows(&events, "NodeAdded").len(), 1);
    let (events, _) = run_text("scale-not-expendable", &text.replace("value: -11", "value: -10"));
    assert_eq!(node_rows(&events, "NodeAdded").len(), 4);
}

#[test]
fn pods_no_new_node_could_hold_bring_no_node() {
    // 6 cpus asked of 4-cpu nodes: the autoscaler adds nothing.
    let text = autoscaled(1, 1, 10, 2, "0s").replace("cpu: \"2\"", "cpu: \"6\"") + "  until: 5m\n";
    let (events, _) = run_text("scale-toobig", &text);
    assert_eq!(node_rows(&events, "NodeAdded").len(), 1);
}

#[test]
fn an_autoscaled_run_is_the_same_on_every_run_and_thread_count() {
    same_on_every_run_and_thread_count("autoscaling");
}

/// Preemption (and the queue's priority order) draws nothing at random: the
/// same victims and nodes every time.
#[test]
fn a_preempting_run_is_the_same_on_every_run_and_thread_count() {
    same_on_every_run_and_thread_count("preemption");
}

fn same_on_every_run_and_thread_count(scenario: &str) {
    let dirs: Vec<PathBuf> = ["sa", "sb", "sc"]
        .iter()
        .map(|n| tmp(&format!("{scenario}-{n}")).join("out"))
        .collect();
    for (d, threads) in dirs.iter().zip(["1", "1", "3"]) {
        let o = jobsim()
            .arg("run")
            .arg(repo(&format!("scenarios/{scenario}.yaml")))
            .args(["--quiet", "--replications", "3", "--threads", threads, "--out"])
            .arg(d)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    let mut names: Vec<_> = std::fs::read_dir(&dirs[0])
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    names.sort();
    assert!(names.len() >= 5, "{names:?}");
    for name in names {
        let bytes = |d: &Path| std::fs::read(d.join(&name)).unwrap();
        assert!(bytes(&dirs[0]) == bytes(&dirs[1]), "{name:?} differs between two runs");
        assert!(
            bytes(&dirs[0]) == bytes(&dirs[2]),
            "{name:?} differs between --threads 1 and 3"
        );
    }
}

#[test]
fn autoscaling_pays_for_fewer_node_hours_than_the_largest_fixed_pool() {
    let node_hours = |name: &str, text: &str| {
        let dir = tmp(name);
        let sc = dir.join("scenario.yaml");
        std::fs::write(&sc, text).unwrap();
        run_file(&sc, &dir.join("out"));
        let summary: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("out/summary.json")).unwrap()).unwrap();
        (
            summary["cluster"]["pools"]["cpu"]["nodeHours"].as_f64().unwrap(),
            summary["jobs"]["byStatus"]["Complete"].as_f64().unwrap(),
        )
    };
    let text = scenario("autoscaling");
    let fixed = text
        .replace("        count: 1\n        autoscaling: {min: 1, max: 10}\n", "        count: 10\n")
        .replace(
            "    autoscaler:\n      scanInterval: 10s\n      provisioning: {uniform: {min: 45s, max: 90s}}\n      scaleDownUnneededTime: 10m\n      scaleDownDelayAfterAdd: 10m\n",
            "",
        );
    assert!(
        !fixed.contains("autoscaling: {") && !fixed.contains("  autoscaler:"),
        "{fixed}"
    );
    let (scaled, done) = node_hours("scale-cost", &text);
    let (all, done_fixed) = node_hours("fixed-cost", &fixed);
    assert_eq!((done, done_fixed), (3.0, 3.0));
    assert!(scaled < 0.7 * all, "{scaled} node-hours autoscaled, {all} fixed");
}

#[test]
fn a_spot_node_is_drained_at_its_notice_removed_after_it_and_replaced() {
    // Spot nodes live 15 minutes; 4 pods of 10 minutes, 2 at a time.
    let text = autoscaled(1, 1, 3, 4, "0s")
        .replace(
            "pricePerHour: 1}",
            "pricePerHour: 1, spot: {lifetime: {constant: 15m}}}",
        )
        .replace(
            "completions: 4\n          parallelism: 4",
            "completions: 4\n          parallelism: 2",
        )
        .replace("runtime: {constant: 5m}", "runtime: {constant: 10m}");
    assert!(
        text.contains("spot:") && text.contains("parallelism: 2") && text.contains("10m"),
        "{text}"
    );
    let (events, jobs) = run_text("spot", &text);
    let rows = |kind: &str| -> Vec<(f64, String)> {
        (events.lines())
            .filter(|l| field(l, 4) == kind)
            .map(|l| (field(l, 0).parse().unwrap(), field(l, 5).to_string()))
            .collect()
    };
    // The notice at 15 minutes drains p-0: its two running pods are evicted.
    assert_eq!(rows("NodeDrained"), [(900.0, "node=p-0".to_string())]);
    let evicted = rows("PodEvicted");
    assert_eq!(evicted.len(), 2, "{evicted:?}");
    assert!(
        evicted
            .iter()
            .all(|(t, d)| *t == 900.0 && d == "reason=EvictionByEvictionAPI")
    );
    // The node goes at the end of the two-minute notice; the autoscaler's
    // replacement for the evicted pods' replacements joins before that.
    assert_eq!(node_rows(&events, "NodeRemoved"), [(1020.0, "p-0".into())]);
    let added = node_rows(&events, "NodeAdded");
    assert_eq!(added.len(), 2, "{added:?}");
    assert!(
        added[1].1 == "p-1" && added[1].0 > 900.0 && added[1].0 < 1020.0,
        "{added:?}"
    );
    // p-1's notice comes after the Job is done: ignored.
    assert_eq!(job_row(&jobs, "w")["status"], "Complete");
    assert_eq!(rows("NodeDrained").len(), 1);
}

/// scenarios/preemption.yaml: the production Job's pods preempt backfill
/// pods (victims with DisruptionTarget, deleted, replaced), bind to the
/// nodes they were nominated to once their victims are gone, and the
/// backfill Jobs count the victims as their podFailurePolicy says: not at
/// all with the Ignore rule, as failures past backoffLimit 0 without it.
#[test]
fn a_high_priority_job_preempts_and_victims_count_as_the_policy_says() {
    let (events, jobs) = run_file(&repo("scenarios/preemption.yaml"), &tmp("preempt").join("out"));
    let preempted: Vec<&str> = events.lines().filter(|l| field(l, 4) == "PodPreempted").collect();
    assert_eq!(preempted.len(), 8, "{preempted:?}");
    assert!(preempted.iter().all(|l| l.starts_with("300.000,backfill-")));
    assert!(
        preempted[0].contains(",reason=PreemptionByScheduler;message=Preempted by production-"),
        "{}",
        preempted[0]
    );
    // Each victim is deleted with its grace period and ends before any
    // production pod binds to its node.
    let victims: Vec<&str> = preempted.iter().map(|l| field(l, 2)).collect();
    let ended = |pod: &str| -> f64 {
        (events.lines())
            .find(|l| field(l, 2) == pod && field(l, 4) == "PodFailed")
            .map(|l| field(l, 0).parse().unwrap())
            .unwrap_or_else(|| panic!("{pod} never ended"))
    };
    let first_bound = (events.lines())
        .filter(|l| field(l, 1) == "production" && field(l, 4) == "PodScheduled")
        .map(|l| field(l, 0).parse::<f64>().unwrap())
        .fold(f64::INFINITY, f64::min);
    for v in &victims {
        assert!(events.contains(&format!(",{v},,PodDeleting,grace=30s")), "{v}");
    }
    assert!(victims.iter().map(|v| ended(v)).fold(f64::INFINITY, f64::min) <= first_bound);
    // Two victims a node: one per backfill Job (LeastAllocated spread them).
    for node in ["cpu-0", "cpu-1", "cpu-2", "cpu-3"] {
        let n = preempted
            .iter()
            .filter(|l| l.ends_with(&format!("on node {node}")))
            .count();
        assert_eq!(n, 2, "{node}: {preempted:?}");
    }
    // Each production pod binds to the node it was nominated to.
    for l in events
        .lines()
        .filter(|l| field(l, 1) == "production" && field(l, 4) == "PodScheduled")
    {
        let pod = field(l, 2);
        let node = field(l, 5).split(';').next().unwrap().strip_prefix("node=").unwrap();
        let nominated = format!("Preempted by {pod} on node {node}");
        assert!(preempted.iter().any(|p| p.ends_with(&nominated)), "{l}");
    }
    for name in ["backfill-0", "backfill-1", "production"] {
        let row = job_row(&jobs, name);
        assert_eq!((row["status"], row["failed"]), ("Complete", "0"), "{name}: {row:?}");
    }
    assert_eq!(job_row(&jobs, "backfill-0")["pods_created"], "28", "4 victims replaced");
    // Without the Ignore rule the victims count: backoffLimit 0 is passed.
    let dir = tmp("preempt-counted");
    let o = jobsim()
        .arg("run")
        .arg(repo("scenarios/preemption.yaml"))
        .args([
            "--quiet",
            "--set",
            "spec.workloads[0].job.spec.podFailurePolicy=~",
            "--out",
        ])
        .arg(dir.join("out"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let jobs = std::fs::read_to_string(dir.join("out/jobs.csv")).unwrap();
    for name in ["backfill-0", "backfill-1"] {
        let row = job_row(&jobs, name);
        // The first victim fails the Job; its other pods are deleted and counted too.
        assert_eq!(
            (row["status"], row["reason"], row["pods_created"]),
            ("Failed", "BackoffLimitExceeded", "8"),
            "{name}: no replacement: {row:?}"
        );
        assert_eq!(row["failed"], "8", "{name}: {row:?}");
    }
    assert_eq!(job_row(&jobs, "production")["status"], "Complete");
}

/// Without PriorityClasses, or with one priority for every workload, pods
/// never preempt: the production Job waits for room.
#[test]
fn pods_of_one_priority_never_preempt() {
    let text = scenario("preemption").replace("              priorityClassName: production\n", "");
    let (events, jobs) = run_text("no-preempt", &text.replace("globalDefault: true, ", ""));
    assert!(!events.contains("PodPreempted"));
    assert_eq!(job_row(&jobs, "production")["status"], "Complete");
    let first_bound = (events.lines())
        .find(|l| field(l, 1) == "production" && field(l, 4) == "PodScheduled")
        .map(|l| field(l, 0).parse::<f64>().unwrap())
        .unwrap();
    assert!(first_bound > 900.0, "waited for a backfill pod to end: {first_bound}");
}

/// cluster-autoscaler's scale-down of under-used nodes: three 4-cpu nodes
/// with one 1-cpu pod each (a quarter used, below the 0.5 threshold) are
/// unneeded from the first scan; ten minutes later one is drained (its pod
/// evicted through the Eviction API) and removed, one a scan (at most one
/// node with pods drained at once), while the pods still fit on the nodes
/// that stay. With one pod slot a node, the pods fit nowhere else: nodes go
/// only once empty.
#[test]
fn under_used_nodes_are_drained_when_their_pods_fit_elsewhere() {
    let text = autoscaled(3, 1, 10, 3, "0s")
        .replace("cpu: \"2\"", "cpu: \"1\"")
        .replace("constant: 5m", "constant: 30m");
    let (events, jobs) = run_text("scale-under", &text);
    assert_eq!(
        node_rows(&events, "NodeRemoved"),
        [(610.0, "p-2".into()), (620.0, "p-0".into())]
    );
    let evicted: Vec<&str> = events.lines().filter(|l| field(l, 4) == "PodEvicted").collect();
    assert_eq!(evicted.len(), 2, "{evicted:?}");
    assert!(evicted.iter().all(|l| l.ends_with(",reason=EvictionByEvictionAPI")));
    // The replacements bind to the node that stays.
    let bound_late: Vec<&str> = (events.lines())
        .filter(|l| field(l, 4) == "PodScheduled" && field(l, 0) != "0.000")
        .collect();
    assert!(bound_late.iter().all(|l| l.contains("node=p-1;")), "{bound_late:?}");
    assert_eq!(job_row(&jobs, "w")["status"], "Complete");
    let one_slot = text.replace("allocatable: {cpu: \"4\"}", "allocatable: {cpu: \"4\", pods: \"1\"}");
    let (events, _) = run_text("scale-under-full", &one_slot);
    let removed = node_rows(&events, "NodeRemoved");
    assert!(!events.contains("PodEvicted"), "no node drained");
    assert!(removed.iter().all(|(t, _)| *t >= 1800.0 + 600.0), "{removed:?}");
    // The threshold is a setting: at 0.2 a quarter-used node is needed.
    let low = text.replace("autoscaler: {", "autoscaler: {scaleDownUtilizationThreshold: 0.2, ");
    let (events, _) = run_text("scale-under-threshold", &low);
    assert!(!events.contains("PodEvicted"));
    // Pods annotated safe-to-evict: "false" keep their nodes.
    let kept = text.replace(
        "          template:\n",
        "          template:\n            metadata: {annotations: {cluster-autoscaler.kubernetes.io/safe-to-evict: \"false\"}}\n",
    );
    assert_ne!(kept, text);
    let (events, _) = run_text("scale-under-safe", &kept);
    assert!(!events.contains("PodEvicted"));
}

/// kube-scheduler's PrioritySort: a pod of higher priority created later
/// binds before older pods of lower priority when room frees; with
/// `preemptionPolicy: Never` it waits for that room instead of preempting.
#[test]
fn waiting_pods_bind_in_priority_order() {
    let job = |name: &str, pods: u32, class: &str| {
        format!(
            "      job:\n        metadata: {{name: {name}}}\n        spec:\n          completions: {pods}\n          parallelism: {pods}\n          template:\n            spec:\n              {class}restartPolicy: Never\n              containers: [{{name: c, image: i, resources: {{requests: {{cpu: \"1\"}}}}}}]\n"
        )
    };
    let text = format!(
        "apiVersion: jobsim/v1alpha1\nkind: Scenario\nmetadata: {{name: order}}\nspec:\n  cluster:\n    priorityClasses: [{{name: urgent, value: 10, preemptionPolicy: Never}}]\n    nodePools: [{{name: p, count: 1, allocatable: {{cpu: \"2\"}}}}]\n  workloads:\n    - name: low\n      pods: {{startup: {{constant: 0s}}, runtime: {{constant: 10m}}}}\n{}    - name: high\n      arrival: {{at: [1m]}}\n      pods: {{startup: {{constant: 0s}}, runtime: {{constant: 10m}}}}\n{}",
        job("low", 3, ""),
        job("high", 1, "priorityClassName: urgent\n              ")
    );
    let (events, jobs) = run_text("priority-order", &text);
    assert!(!events.contains("PodPreempted"), "Never does not preempt");
    let bound: Vec<(&str, &str)> = (events.lines())
        .filter(|l| field(l, 4) == "PodScheduled")
        .map(|l| (field(l, 0), field(l, 1)))
        .collect();
    assert_eq!(
        bound,
        [
            ("0.000", "low"),
            ("0.000", "low"),
            ("600.000", "high"),
            ("600.000", "low")
        ],
        "the high pod takes the first room, the older low pod the second"
    );
    assert_eq!(job_row(&jobs, "high")["status"], "Complete");
}
