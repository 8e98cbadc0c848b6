//! The Job manifests of a calibrated scenario: a Job of the Jobs list
//! cleaned of what the API server and the controller wrote, or a minimal Job
//! rebuilt from its pods; and the scenario's text.

use super::fit::Fitted;
use super::flow::wrap_flow;
use super::parse::PodObs;
use crate::api::keys::*;
use serde_json::{Map, Value, json};

/// Labels the create strategy (`generateSelector`) adds to a Job's pod
/// template, and the defaulting copies onto an unlabelled Job: they carry the
/// old Job's name and UID, so they go (the simulated Job gets its own).
const GENERATED_LABELS: [&str; 4] = [
    CONTROLLER_UID_LABEL,
    LEGACY_CONTROLLER_UID_LABEL,
    JOB_NAME_LABEL,
    LEGACY_JOB_NAME_LABEL,
];

/// Annotations written by kubectl, the Job controller or the CronJob
/// controller, not by whoever wrote the Job.
const SERVER_ANNOTATIONS: [&str; 3] = [
    "kubectl.kubernetes.io/last-applied-configuration",
    "batch.kubernetes.io/job-tracking",
    "batch.kubernetes.io/cronjob-scheduled-timestamp",
];

fn strip_keys(obj: &mut Value, field: &str, keys: &[&str]) {
    let Some(map) = obj.get_mut(field).and_then(Value::as_object_mut) else {
        return;
    };
    for k in keys {
        map.remove(*k);
    }
    if map.is_empty() {
        obj.as_object_mut().expect("an object").remove(field);
    }
}

/// A Job of `kubectl get jobs -o json` as one would write it: without
/// `status`, without the metadata the API server sets (uid, resourceVersion,
/// creationTimestamp, generation, managedFields, owner references,
/// finalizers), without the generated selector and labels (unless
/// `manualSelector: true`, where the selector is the author's), without
/// `suspend` (the Job ran). Returns the Job and whether it was suspended.
pub fn clean_job(job: &Value) -> (Value, bool) {
    let mut job = job.clone();
    let obj = job.as_object_mut().expect("a Job is an object");
    obj.remove("status");
    obj.insert("apiVersion".into(), json!("batch/v1"));
    obj.insert("kind".into(), json!("Job"));
    let meta = obj.entry("metadata").or_insert_with(|| json!({}));
    if let Some(m) = meta.as_object_mut() {
        m.retain(|k, _| matches!(k.as_str(), "name" | "namespace" | "labels" | "annotations"));
    }
    strip_keys(meta, "labels", &GENERATED_LABELS);
    strip_keys(meta, "annotations", &SERVER_ANNOTATIONS);
    let spec = obj.entry("spec").or_insert_with(|| json!({}));
    let manual = spec.get("manualSelector").and_then(Value::as_bool) == Some(true);
    let suspended = spec.get("suspend").and_then(Value::as_bool) == Some(true);
    if let Some(s) = spec.as_object_mut() {
        s.remove("suspend");
        if !manual {
            s.remove("selector");
        }
    }
    if let Some(tmeta) = spec.pointer_mut("/template/metadata") {
        if let Some(m) = tmeta.as_object_mut() {
            m.remove("creationTimestamp");
        }
        if !manual {
            strip_keys(tmeta, "labels", &GENERATED_LABELS);
        }
    }
    (job, suspended)
}

/// Tolerations the DefaultTolerationSeconds admission plugin adds to every pod.
fn admitted_toleration(t: &Value) -> bool {
    let key = t.get("key").and_then(Value::as_str);
    matches!(
        key,
        Some("node.kubernetes.io/not-ready" | "node.kubernetes.io/unreachable")
    ) && t.get("effect").and_then(Value::as_str) == Some("NoExecute")
        && t.get("tolerationSeconds").and_then(Value::as_i64) == Some(300)
}

/// A pod's spec as its Job's template held it, near enough: without the node
/// it was bound to, the service-account token volume and its mounts and the
/// tolerations admission added, `priority` (admission sets it from
/// `priorityClassName`) and the deprecated `serviceAccount` copy.
fn template_spec(pod_spec: &Value) -> Value {
    let mut spec = pod_spec.clone();
    let Some(s) = spec.as_object_mut() else {
        return json!({});
    };
    for k in ["nodeName", "priority", "serviceAccount"] {
        s.remove(k);
    }
    let token = |name: &str| name.starts_with("kube-api-access-");
    if let Some(vols) = s.get_mut("volumes").and_then(Value::as_array_mut) {
        vols.retain(|v| !v.get("name").and_then(Value::as_str).is_some_and(token));
        if vols.is_empty() {
            s.remove("volumes");
        }
    }
    if let Some(tols) = s.get_mut("tolerations").and_then(Value::as_array_mut) {
        tols.retain(|t| !admitted_toleration(t));
        if tols.is_empty() {
            s.remove("tolerations");
        }
    }
    for list in ["containers", "initContainers"] {
        for c in s.get_mut(list).and_then(Value::as_array_mut).into_iter().flatten() {
            let Some(c) = c.as_object_mut() else { continue };
            if let Some(mounts) = c.get_mut("volumeMounts").and_then(Value::as_array_mut) {
                mounts.retain(|m| !m.get("name").and_then(Value::as_str).is_some_and(token));
                if mounts.is_empty() {
                    c.remove("volumeMounts");
                }
            }
        }
    }
    spec
}

/// The most of `intervals` (start, end; `None`: not ended) open at once.
fn most_at_once(intervals: &[(i64, Option<i64>)]) -> i32 {
    let mut edges: Vec<(i64, i32)> = Vec::with_capacity(intervals.len() * 2);
    for &(start, end) in intervals {
        edges.push((start, 1));
        if let Some(end) = end {
            edges.push((end, -1));
        }
    }
    // Ends before starts at the same instant: a replacement is not concurrent.
    edges.sort_unstable();
    let (mut now, mut most) = (0, 0);
    for (_, d) in edges {
        now += d;
        most = most.max(now);
    }
    most
}

/// A minimal Job rebuilt from its pods (no Jobs list given): the first pod's
/// spec as the template (see `template_spec`) and its labels but the
/// generated ones (annotations are left out: a pod's carry what the
/// controller, admission and the network plugin added); `completionMode:
/// Indexed` when the pods carry a completion index, with `completions` the
/// highest index + 1, else `completions` the pods that succeeded;
/// `parallelism` the most pods that existed at once; `backoffLimit` the
/// failed pods when more than the default 6 failed (the real limit was at
/// least that).
pub fn job_from_pods(name: &str, namespace: &str, pods: &[&PodObs]) -> Value {
    let first = pods[0];
    let mut labels: Map<String, Value> = first
        .labels
        .iter()
        .filter(|(k, _)| !GENERATED_LABELS.contains(&k.as_str()) && k.as_str() != JOB_COMPLETION_INDEX_ANNOTATION)
        .map(|(k, v)| (k.clone(), json!(v)))
        .collect();
    let mut spec = Map::new();
    let indexed = pods.iter().filter_map(|p| p.index).max();
    let succeeded = pods
        .iter()
        .filter(|p| p.runs.last().is_some_and(|r| r.exit_code == 0))
        .count();
    let failed = pods.iter().filter(|p| p.finished.is_some()).count() - succeeded;
    let completions = match indexed {
        Some(top) => {
            spec.insert("completionMode".into(), json!("Indexed"));
            top + 1
        }
        None => i32::try_from(succeeded.max(1)).unwrap_or(i32::MAX),
    };
    let spans: Vec<(i64, Option<i64>)> = pods
        .iter()
        .map(|p| (p.created.millis(), p.finished.map(|f| f.millis())))
        .collect();
    spec.insert("completions".into(), json!(completions));
    spec.insert("parallelism".into(), json!(most_at_once(&spans).clamp(1, completions)));
    if failed > 6 {
        spec.insert("backoffLimit".into(), json!(failed));
    }
    let mut template = json!({"spec": template_spec(&first.value["spec"])});
    if !labels.is_empty() {
        template["metadata"] = json!({"labels": Value::Object(std::mem::take(&mut labels))});
    }
    spec.insert("template".into(), template);
    let mut meta = json!({"name": name});
    if namespace != DEFAULT_NAMESPACE {
        meta["namespace"] = json!(namespace);
    }
    json!({"apiVersion": "batch/v1", "kind": "Job", "metadata": meta, "spec": spec})
}

/// One failure outcome of a workload.
pub struct OutcomeOut {
    pub exit_code: i32,
    /// Named when the pods have more than one container.
    pub container: Option<String>,
    pub runs: usize,
    pub probability: String,
    pub at: Option<Fitted>,
}

/// One workload of the scenario.
pub struct WorkloadOut {
    pub name: String,
    pub arrivals: Vec<u64>,
    pub jobs_from: String,
    pub startup: Option<(Fitted, usize, &'static str)>,
    pub runtime: Option<(Fitted, usize)>,
    pub runs: usize,
    pub outcomes: Vec<OutcomeOut>,
    pub job: Value,
}

/// `count / total` floored to millionths, as text: outcome probabilities that
/// never add up to more than 1.
pub fn probability(count: usize, total: usize) -> String {
    let millionths = (count as u128 * 1_000_000 / total.max(1) as u128) as u64;
    match millionths {
        1_000_000 => "1".into(),
        0 => "0".into(),
        m => format!("0.{m:06}").trim_end_matches('0').to_string(),
    }
}

/// The scenario text.
pub fn scenario_text(
    name: &str,
    header: &[String],
    epoch: &str,
    scheduling: Option<(Fitted, usize)>,
    workloads: &[WorkloadOut],
) -> String {
    let mut out = String::new();
    for h in header {
        out.push_str(&format!("# {h}\n"));
    }
    out.push_str(&format!(
        "apiVersion: jobsim/v1alpha1\nkind: Scenario\nmetadata:\n  name: {name}\nspec:\n  epoch: \"{epoch}\"\n"
    ));
    if let Some((d, n)) = scheduling {
        out.push_str(&format!(
            "  cluster:\n    scheduling:\n      # from pod creation to PodScheduled, {n} pods\n      latency: {}\n",
            d.to_yaml(6)
        ));
    }
    out.push_str("  workloads:\n");
    for w in workloads {
        out.push_str(&format!("    - name: {}\n", yaml_str(&w.name)));
        out.push_str(&format!("      count: {}\n", w.arrivals.len()));
        let at: Vec<String> = w.arrivals.iter().map(|a| crate::time::format_duration(*a)).collect();
        out.push_str(&format!(
            "      arrival: {}\n",
            wrap_flow("{at: [", &at, "]}", 6, 6 + "{at: [".len() + 10)
        ));
        out.push_str("      pods:\n");
        if let Some((d, n, from)) = &w.startup {
            out.push_str(&format!(
                "        # from {from} to the container's start, {n} pods\n        startup: {}\n",
                d.to_yaml(8)
            ));
        }
        if let Some((d, n)) = &w.runtime {
            out.push_str(&format!(
                "        # successful runs, {n} of {}\n        runtime: {}\n",
                w.runs,
                d.to_yaml(8)
            ));
        }
        if !w.outcomes.is_empty() {
            out.push_str("        outcomes:\n");
            for o in &w.outcomes {
                out.push_str(&format!("          # {} of {} runs\n", o.runs, w.runs));
                out.push_str(&format!("          - probability: {}\n", o.probability));
                out.push_str(&format!("            exitCode: {}\n", o.exit_code));
                if let Some(c) = &o.container {
                    out.push_str(&format!("            container: {}\n", yaml_str(c)));
                }
                if let Some(at) = &o.at {
                    out.push_str(&format!("            at: {}\n", at.to_yaml(12)));
                }
            }
        }
        out.push_str(&format!("      # {}\n      job:\n", w.jobs_from));
        for line in crate::output::yaml::to_yaml(&w.job).lines() {
            out.push_str("        ");
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// A string as a YAML scalar, quoted as `kubectl` would quote it.
fn yaml_str(s: &str) -> String {
    crate::output::yaml::to_yaml(&s).trim_end().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probabilities_are_floored_to_millionths() {
        assert_eq!(probability(1, 3), "0.333333");
        assert_eq!(probability(2, 3), "0.666666");
        assert_eq!(probability(1, 5), "0.2");
        assert_eq!(probability(4, 4), "1");
        assert_eq!(probability(1, 10_000_000), "0");
    }

    #[test]
    fn most_at_once_counts_overlaps_and_not_replacements() {
        assert_eq!(most_at_once(&[(0, Some(10)), (10, Some(20)), (5, None)]), 2);
        assert_eq!(most_at_once(&[(0, Some(10)), (1, Some(9)), (2, Some(8))]), 3);
    }

    #[test]
    fn a_listed_job_loses_status_server_metadata_and_generated_selector() {
        let job = json!({
            "apiVersion": "batch/v1", "kind": "Job",
            "metadata": {"name": "pi", "namespace": "batch", "uid": "u1", "resourceVersion": "9",
                "generation": 1, "creationTimestamp": "2026-01-01T00:00:00Z", "managedFields": [],
                "labels": {"batch.kubernetes.io/controller-uid": "u1", "job-name": "pi", "team": "a"},
                "annotations": {"batch.kubernetes.io/job-tracking": ""}},
            "spec": {"selector": {"matchLabels": {"batch.kubernetes.io/controller-uid": "u1"}},
                "suspend": false, "completions": 2,
                "template": {"metadata": {"creationTimestamp": null,
                    "labels": {"controller-uid": "u1", "batch.kubernetes.io/job-name": "pi"}},
                    "spec": {"restartPolicy": "Never"}}},
            "status": {"succeeded": 2}
        });
        let (clean, suspended) = clean_job(&job);
        assert!(!suspended);
        assert_eq!(
            clean,
            json!({
                "apiVersion": "batch/v1", "kind": "Job",
                "metadata": {"name": "pi", "namespace": "batch", "labels": {"team": "a"}},
                "spec": {"completions": 2, "template": {"metadata": {}, "spec": {"restartPolicy": "Never"}}}
            })
        );
        // A manual selector is the author's: it and the template's labels stay.
        let mut manual = job.clone();
        manual["spec"]["manualSelector"] = json!(true);
        let (clean, _) = clean_job(&manual);
        assert_eq!(clean["spec"]["selector"], job["spec"]["selector"]);
        assert_eq!(clean["spec"]["template"]["metadata"]["labels"]["controller-uid"], "u1");
    }
}
