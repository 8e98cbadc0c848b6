//! Builds API objects from the conformance vectors' language-neutral JSON
//! (schema: `tests/conformance/README.md`).

use crate::api::profile::UnknownGate;
use crate::api::time::InvalidTime;
use crate::api::*;
use crate::controller::intervals::{Interval, OrderedIntervals};
use serde_json::Value;
use thiserror::Error;

/// The harness's "now": a whole second, so "now truncated to the second" is "now".
pub const NOW: Time = Time::from_secs(1_767_225_600); // 2026-01-01T00:00:00Z

/// A vector's input that cannot be built into API objects.
#[derive(Debug, Error)]
pub enum FixtureError {
    #[error("bad time {0}")]
    BadTime(Value),
    #[error("bad time offset {0}")]
    BadTimeOffset(String),
    #[error("unknown phase {0}")]
    UnknownPhase(String),
    #[error(transparent)]
    Time(#[from] InvalidTime),
    #[error(transparent)]
    Gate(#[from] UnknownGate),
}

pub type R<T> = Result<T, FixtureError>;

/// A case whose vector cannot be read fails with what was wrong with it.
impl From<FixtureError> for String {
    fn from(e: FixtureError) -> String {
        e.to_string()
    }
}

pub fn time(v: &Value) -> R<Option<Time>> {
    let Some(s) = v.as_str() else {
        return if v.is_null() {
            Ok(None)
        } else {
            Err(FixtureError::BadTime(v.clone()))
        };
    };
    if s == "now" {
        return Ok(Some(NOW));
    }
    if let Some(off) = s.strip_prefix("now") {
        let secs: f64 = off
            .trim_end_matches('s')
            .parse()
            .map_err(|_| FixtureError::BadTimeOffset(s.to_string()))?;
        return Ok(Some(NOW.add_millis((secs * 1000.0).round() as i64)));
    }
    Ok(Some(Time::parse_rfc3339(s)?))
}

pub fn opt_i32(v: &Value) -> Option<i32> {
    v.as_i64().map(|x| x as i32)
}

pub fn opt_i64(v: &Value) -> Option<i64> {
    v.as_i64()
}

pub fn opt_str(v: &Value) -> Option<String> {
    v.as_str().map(str::to_string)
}

/// A JSON object of strings as a map: a `BTreeMap`, or the `Labels` of a
/// Job, a pod or a selector.
pub fn str_map<M: FromIterator<(String, String)> + Default>(v: &Value) -> M {
    v.as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                .collect()
        })
        .unwrap_or_default()
}

pub fn str_list(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| a.iter().filter_map(|x| x.as_str().map(str::to_string)).collect())
        .unwrap_or_default()
}

/// A list of UIDs; not a list: empty.
pub fn uid_list(v: &Value) -> Vec<Uid> {
    str_list(v).into_iter().map(Uid::from).collect()
}

fn phase(v: &Value) -> R<PodPhase> {
    Ok(match v.as_str().unwrap_or("") {
        "" => PodPhase::Unset,
        "Pending" => PodPhase::Pending,
        "Running" => PodPhase::Running,
        "Succeeded" => PodPhase::Succeeded,
        "Failed" => PodPhase::Failed,
        "Unknown" => PodPhase::Unknown,
        other => return Err(FixtureError::UnknownPhase(other.to_string())),
    })
}

fn container_statuses(v: &Value) -> R<Vec<ContainerStatus>> {
    let mut out = Vec::new();
    for c in v.as_array().into_iter().flatten() {
        let mut cs = ContainerStatus {
            name: opt_str(&c["name"]).unwrap_or_default().into(),
            restart_count: opt_i32(&c["restartCount"]).unwrap_or(0),
            ..Default::default()
        };
        match c["state"].as_str() {
            Some("terminated") => {
                cs.state.terminated = Some(ContainerStateTerminated {
                    exit_code: opt_i32(&c["exitCode"]).unwrap_or(0),
                    finished_at: time(&c["finishedAt"])?,
                    ..Default::default()
                })
            }
            Some("running") => cs.state.running = Some(ContainerStateRunning::default()),
            _ => {}
        }
        out.push(cs);
    }
    Ok(out)
}

/// A pod object of the vectors. `uid` is used when the vector gives none.
pub fn pod(v: &Value, default_uid: &str) -> R<Pod> {
    let mut p = Pod::default();
    p.metadata.name = opt_str(&v["name"]).unwrap_or_else(|| default_uid.to_string());
    p.metadata.namespace = opt_str(&v["namespace"]).unwrap_or_else(|| "default".into());
    p.metadata.uid = opt_str(&v["uid"]).unwrap_or_else(|| default_uid.to_string()).into();
    p.metadata.labels = str_map(&v["labels"]);
    p.status.phase = phase(&v["phase"])?;
    p.metadata.deletion_timestamp = time(&v["deletionTimestamp"])?;
    p.metadata.deletion_grace_period_seconds = opt_i64(&v["deletionGracePeriodSeconds"]);
    p.metadata.creation_timestamp = time(&v["creationTimestamp"])?;
    if v["trackingFinalizer"].as_bool() == Some(true) {
        p.metadata.finalizers.push(JOB_TRACKING_FINALIZER.into());
    }
    for (key, ann) in [
        ("completionIndex", JOB_COMPLETION_INDEX_ANNOTATION),
        ("indexFailureCount", JOB_INDEX_FAILURE_COUNT_ANNOTATION),
        ("indexIgnoredFailureCount", JOB_INDEX_IGNORED_FAILURE_COUNT_ANNOTATION),
    ] {
        if let Some(s) = v[key].as_str() {
            p.metadata.annotations.insert(ann.into(), s.into());
        }
    }
    if v["ready"].as_bool() == Some(true) {
        p.status.conditions.push(PodCondition {
            type_: POD_READY.into(),
            status: "True".into(),
            ..Default::default()
        });
    }
    for c in v["conditions"].as_array().into_iter().flatten() {
        p.status.conditions.push(PodCondition {
            type_: opt_str(&c["type"]).unwrap_or_default().into(),
            status: opt_str(&c["status"]).unwrap_or_default().into(),
            last_transition_time: time(&c["lastTransitionTime"])?,
            ..Default::default()
        });
    }
    p.status.container_statuses = container_statuses(&v["containerStatuses"])?;
    p.status.init_container_statuses = container_statuses(&v["initContainerStatuses"])?;
    for c in v["specInitContainers"].as_array().into_iter().flatten() {
        p.spec.init_containers.push(Container {
            name: opt_str(&c["name"]).unwrap_or_default(),
            restart_policy: opt_str(&c["restartPolicy"]),
            ..Default::default()
        });
    }
    for r in v["ownerReferences"].as_array().into_iter().flatten() {
        p.metadata.owner_references.push(OwnerReference {
            api_version: opt_str(&r["apiVersion"]).unwrap_or_default(),
            kind: opt_str(&r["kind"]).unwrap_or_default(),
            name: opt_str(&r["name"]).unwrap_or_default(),
            uid: opt_str(&r["uid"]).unwrap_or_default().into(),
            controller: r["controller"].as_bool(),
            block_owner_deletion: r["blockOwnerDeletion"].as_bool(),
        });
    }
    Ok(p)
}

/// Expands a pod list (with `count`) into pods with unique UIDs.
pub fn pods(v: &Value) -> R<Vec<Pod>> {
    let mut out = Vec::new();
    for p in v.as_array().into_iter().flatten() {
        let n = p["count"].as_u64().unwrap_or(1);
        // The one `uidPattern` of the vectors: uid and completion index are `i`.
        let numbered = p.get("uidPattern").is_some();
        for i in 0..n {
            let uid = if numbered {
                i.to_string()
            } else {
                format!("pod-{}", out.len())
            };
            let mut pd = pod(p, &uid)?;
            if numbered {
                pd.metadata.uid = uid.as_str().into();
                pd.metadata
                    .annotations
                    .insert(JOB_COMPLETION_INDEX_ANNOTATION.into(), uid);
            }
            out.push(pd);
        }
    }
    Ok(out)
}

pub fn conditions(v: &Value) -> R<Vec<JobCondition>> {
    let mut out = Vec::new();
    for c in v.as_array().into_iter().flatten() {
        out.push(JobCondition {
            type_: opt_str(&c["type"]).unwrap_or_default().into(),
            status: opt_str(&c["status"]).unwrap_or_default().into(),
            reason: opt_str(&c["reason"]).unwrap_or_default().into(),
            message: opt_str(&c["message"]).unwrap_or_default().into(),
            last_probe_time: Some(NOW),
            last_transition_time: Some(NOW),
        });
    }
    Ok(out)
}

pub fn pod_failure_policy(v: &Value) -> Option<PodFailurePolicy> {
    let rules = v.get("rules")?.as_array()?;
    Some(PodFailurePolicy {
        rules: rules
            .iter()
            .map(|r| PodFailurePolicyRule {
                name: opt_str(&r["name"]),
                action: opt_str(&r["action"]).unwrap_or_default(),
                on_exit_codes: r["onExitCodes"]
                    .as_object()
                    .map(|o| PodFailurePolicyOnExitCodesRequirement {
                        container_name: o.get("containerName").and_then(opt_str_ref),
                        operator: o.get("operator").and_then(opt_str_ref).unwrap_or_default(),
                        values: o
                            .get("values")
                            .and_then(Value::as_array)
                            .map(|a| a.iter().filter_map(|x| x.as_i64().map(|x| x as i32)).collect())
                            .unwrap_or_default(),
                    }),
                on_pod_conditions: r["onPodConditions"].as_array().map(|a| {
                    a.iter()
                        .map(|p| PodFailurePolicyOnPodConditionsPattern {
                            type_: opt_str(&p["type"]).unwrap_or_default(),
                            status: opt_str(&p["status"]).unwrap_or_default(),
                        })
                        .collect()
                }),
            })
            .collect(),
    })
}

fn opt_str_ref(v: &Value) -> Option<String> {
    v.as_str().map(str::to_string)
}

pub fn success_policy(v: &Value) -> Option<SuccessPolicy> {
    v.as_object()?;
    let rules = v.get("rules").and_then(Value::as_array).cloned().unwrap_or_default();
    Some(SuccessPolicy {
        rules: rules
            .iter()
            .map(|r| SuccessPolicyRule {
                succeeded_indexes: opt_str(&r["succeededIndexes"]),
                succeeded_count: opt_i32(&r["succeededCount"]),
            })
            .collect(),
    })
}

/// A job spec in the vectors' shape (shared by syncJob, helpers and validation).
pub fn job_spec(s: &Value) -> JobSpec {
    let mut spec = JobSpec {
        parallelism: opt_i32(&s["parallelism"]),
        completions: opt_i32(&s["completions"]),
        backoff_limit: opt_i32(&s["backoffLimit"]),
        backoff_limit_per_index: opt_i32(&s["backoffLimitPerIndex"]),
        max_failed_indexes: opt_i32(&s["maxFailedIndexes"]),
        completion_mode: opt_str(&s["completionMode"]),
        suspend: s["suspend"].as_bool(),
        active_deadline_seconds: opt_i64(&s["activeDeadlineSeconds"]),
        ttl_seconds_after_finished: opt_i32(&s["ttlSecondsAfterFinished"]),
        pod_replacement_policy: opt_str(&s["podReplacementPolicy"]),
        pod_failure_policy: pod_failure_policy(&s["podFailurePolicy"]),
        success_policy: success_policy(&s["successPolicy"]),
        managed_by: opt_str(&s["managedBy"]),
        manual_selector: s["manualSelector"].as_bool(),
        selector: s["selector"].as_object().map(|o| {
            Box::new(LabelSelector {
                match_labels: str_map(o.get("matchLabels").unwrap_or(&Value::Null)),
                ..Default::default()
            })
        }),
        ..Default::default()
    };
    let t = &s["template"];
    spec.template.metadata.labels = str_map(&t["labels"]);
    spec.template.metadata.annotations = str_map(&t["annotations"]);
    let pod = std::sync::Arc::make_mut(&mut spec.template.spec);
    pod.restart_policy = opt_str(&t["restartPolicy"]).unwrap_or_default();
    let container = |name: &Value| Container {
        name: name.as_str().unwrap_or_default().to_string(),
        image: Some("image".into()),
        ..Default::default()
    };
    pod.containers = t["containers"]
        .as_array()
        .map(|a| a.iter().map(container).collect())
        .unwrap_or_default();
    pod.init_containers = t["initContainers"]
        .as_array()
        .map(|a| a.iter().map(container).collect())
        .unwrap_or_default();
    // Every other field of the template's pod spec is kept, as the API
    // server keeps it, so that a change to any of them (dnsPolicy, say) is
    // seen by ValidateJobUpdate.
    const READ_ABOVE: [&str; 5] = ["labels", "annotations", "restartPolicy", "containers", "initContainers"];
    for (key, v) in t.as_object().into_iter().flatten() {
        if !READ_ABOVE.contains(&key.as_str()) && !v.is_null() {
            std::sync::Arc::make_mut(&mut pod.extra).insert(key.clone(), v.clone());
        }
    }
    spec
}

pub fn job_status(st: &Value) -> R<JobStatus> {
    Ok(JobStatus {
        active: opt_i32(&st["active"]).unwrap_or(0),
        succeeded: opt_i32(&st["succeeded"]).unwrap_or(0),
        failed: opt_i32(&st["failed"]).unwrap_or(0),
        ready: opt_i32(&st["ready"]),
        terminating: opt_i32(&st["terminating"]),
        start_time: time(&st["startTime"])?,
        completion_time: time(&st["completionTime"])?,
        completed_indexes: opt_str(&st["completedIndexes"]).unwrap_or_default(),
        failed_indexes: opt_str(&st["failedIndexes"]),
        uncounted_terminated_pods: st["uncountedTerminatedPods"]
            .as_object()
            .map(|u| UncountedTerminatedPods {
                succeeded: uid_list(u.get("succeeded").unwrap_or(&Value::Null)),
                failed: uid_list(u.get("failed").unwrap_or(&Value::Null)),
            }),
        conditions: conditions(&st["conditions"])?,
    })
}

pub fn job(v: &Value) -> R<Job> {
    let mut j = Job::default();
    j.metadata.name = opt_str(&v["name"]).unwrap_or_else(|| "foobar".into());
    j.metadata.namespace = opt_str(&v["namespace"]).unwrap_or_else(|| "default".into());
    j.metadata.uid = opt_str(&v["uid"]).unwrap_or_else(|| "job-uid".into()).into();
    j.metadata.deletion_timestamp = time(&v["deletionTimestamp"])?;
    j.spec = job_spec(&v["spec"]);
    j.status = job_status(&v["status"])?;
    Ok(j)
}

/// `[[first, last], ...]` to intervals.
pub fn intervals(v: &Value) -> OrderedIntervals {
    OrderedIntervals(
        v.as_array()
            .into_iter()
            .flatten()
            .map(|p| Interval {
                first: p[0].as_i64().unwrap_or(0) as i32,
                last: p[1].as_i64().unwrap_or(0) as i32,
            })
            .collect(),
    )
}

pub fn intervals_json(iv: &OrderedIntervals) -> Value {
    Value::Array(iv.0.iter().map(|i| serde_json::json!([i.first, i.last])).collect())
}

pub fn profile_with_gates(gates: &Value) -> R<crate::controller::Profile> {
    let mut p = crate::controller::Profile::newest();
    if let Some(m) = gates.as_object() {
        for (k, v) in m {
            if let Some(on) = v.as_bool() {
                p.gates.set(k, on)?;
            }
        }
    }
    Ok(p)
}
