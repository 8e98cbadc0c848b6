//! Reads what `kubectl get pods -o json` and `kubectl get jobs -o json` print
//! (a `List`, or the API's `PodList` / `JobList`; `kubectl get pods,jobs`
//! mixes both in one List) into observations: per pod, its Job, its times and
//! the runs of its containers; per Job, its creation time and the object.

use super::Problem;
use crate::api::keys::*;
use crate::api::time::{InvalidTime, Time};
use serde_json::Value;
use std::collections::BTreeMap;

/// One run of a pod's container that ended, as far as the pod shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct Run {
    /// 0 for success.
    pub exit_code: i32,
    /// The container that decided the outcome (the one that failed, or the first).
    pub container: String,
    /// From the container's start to its finish, in milliseconds, when both show.
    pub millis: Option<u64>,
}

/// Which Job a pod belongs to: its namespace, name and UID (empty when the
/// pod does not say).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct JobKey {
    pub namespace: String,
    pub name: String,
    pub uid: String,
}

/// A pod of a Job, as calibration reads it.
#[derive(Clone, Debug)]
pub struct PodObs {
    pub name: String,
    pub job: JobKey,
    pub labels: BTreeMap<String, String>,
    pub created: Time,
    /// `PodScheduled=True`'s lastTransitionTime.
    pub scheduled: Option<Time>,
    /// When the pod's first run started (unknown after two or more restarts).
    pub first_start: Option<Time>,
    /// When it finished (its last container's finishedAt), for finished pods.
    pub finished: Option<Time>,
    /// Its runs, oldest first; empty for a pod that has not finished.
    pub runs: Vec<Run>,
    /// Why a finished pod is left out of the fit, if it is.
    pub skipped: Option<&'static str>,
    /// `metadata` and `spec`, to rebuild a Job from when no Job object is given.
    pub value: Value,
    /// The completion index, for a pod of an Indexed Job.
    pub index: Option<i32>,
}

/// A Job of the Jobs list.
#[derive(Clone, Debug)]
pub struct JobObs {
    pub key: JobKey,
    pub created: Option<Time>,
    pub value: Value,
}

/// What the input files hold.
#[derive(Debug, Default)]
pub struct Observed {
    pub pods: Vec<PodObs>,
    pub jobs: Vec<JobObs>,
    /// Items of other kinds, and pods of no Job, counted by what they are.
    pub ignored: BTreeMap<String, usize>,
    /// Whether some file held a list of Jobs.
    pub jobs_list: bool,
}

/// Parses one file's text into `into`.
pub fn read_list(file: &str, text: &str, into: &mut Observed) -> Result<(), Problem> {
    let bad = |message: String| Problem {
        file: file.to_string(),
        message,
    };
    if text.trim().is_empty() {
        return Err(bad("empty file: expected the output of kubectl get pods -o json".into()));
    }
    let doc: Value = if text.trim_start().starts_with(['{', '[']) {
        serde_json::from_str(text).map_err(|e| {
            Problem {
                file: format!("{file}:{}:{}", e.line(), e.column()),
                message: format!("not valid JSON: {e}"),
            }
            .without_position_suffix()
        })?
    } else {
        // `kubectl get -o yaml` prints the same List as YAML.
        let docs = crate::manifest::parse_documents(file, text).map_err(|d| Problem {
            file: d
                .position
                .map_or(file.to_string(), |p| format!("{file}:{}:{}", p.line, p.col)),
            message: format!("neither JSON nor YAML: {}", d.message),
        })?;
        match docs.into_iter().filter(|d| !d.is_null()).collect::<Vec<_>>().as_slice() {
            [one] => one.clone(),
            [] => return Err(bad("empty file: expected the output of kubectl get pods -o json".into())),
            _ => {
                return Err(bad(
                    "several YAML documents: expected one List, the output of kubectl get pods -o json".into(),
                ));
            }
        }
    };
    let kind = doc.get("kind").and_then(Value::as_str).unwrap_or("");
    let Some(items) = doc.get("items").and_then(Value::as_array) else {
        let what = match (&doc, kind) {
            (Value::Object(_), "Pod" | "Job") => {
                return Err(bad(format!(
                    "a single {kind}, not a List: give the whole output of kubectl get {}s -o json",
                    kind.to_lowercase()
                )));
            }
            (Value::Object(_), "") => "not a Kubernetes List (no kind and no items)".to_string(),
            (Value::Object(_), k) => format!("a {k}, not a List of pods or Jobs (no items)"),
            (Value::Array(_), _) => "a JSON array, not a Kubernetes List (kind: List, items: [...])".to_string(),
            _ => "not a Kubernetes List: expected an object with kind: List and items".to_string(),
        };
        return Err(bad(format!(
            "{what}; calibrate reads what kubectl get pods -o json (and kubectl get jobs -o json) print"
        )));
    };
    // The List's own kind says what an item without one is (the API's PodList).
    let default_kind = kind.strip_suffix("List").filter(|k| !k.is_empty()).unwrap_or("");
    for (i, item) in items.iter().enumerate() {
        let item_kind = item.get("kind").and_then(Value::as_str).unwrap_or(default_kind);
        let api_version = item.get("apiVersion").and_then(Value::as_str).unwrap_or("");
        let at = |m: ItemError| bad(format!("items[{i}]: {m}"));
        match (item_kind, api_version) {
            ("Pod", "v1" | "") => match pod(item).map_err(at)? {
                Some(p) => into.pods.push(p),
                None => *into.ignored.entry("pods of no Job".into()).or_default() += 1,
            },
            ("Job", "batch/v1" | "") => {
                into.jobs_list = true;
                into.jobs.push(job(item).map_err(at)?);
            }
            (k, v) => {
                let what = if k.is_empty() {
                    "items of no kind".to_string()
                } else {
                    format!("{k} ({v})")
                };
                *into.ignored.entry(what).or_default() += 1;
            }
        }
    }
    if kind == "JobList" {
        into.jobs_list = true;
    }
    Ok(())
}

impl Problem {
    /// A JSON error's position is given in the file part already; serde_json
    /// repeats it at the end of its message.
    fn without_position_suffix(mut self) -> Self {
        if let Some(cut) = self.message.rfind(" at line ") {
            self.message.truncate(cut);
        }
        self
    }
}

/// What is wrong with an item of a List (a pod or a Job).
#[derive(Debug, thiserror::Error)]
enum ItemError {
    /// `Pod` or `Job`.
    #[error("a {0} with no metadata.name")]
    NoName(&'static str),
    #[error("metadata.creationTimestamp: missing")]
    NoCreation,
    /// A timestamp that does not parse, at its path (`metadata.creationTimestamp`).
    #[error("{field}: {error}")]
    Time { field: String, error: InvalidTime },
    /// A container's state, at its path (`status.containerStatuses[0].state`).
    #[error("{0}.terminated.exitCode: missing or not a whole number")]
    ExitCode(String),
    /// What is wrong with a pod that has a name.
    #[error("pod {name:?}: {error}")]
    Pod { name: String, error: Box<ItemError> },
}

fn str_at<'a>(v: &'a Value, path: &[&str]) -> Option<&'a str> {
    path.iter().try_fold(v, |v, k| v.get(k))?.as_str()
}

fn time_at(v: &Value, path: &[&str], what: &str) -> Result<Option<Time>, ItemError> {
    match str_at(v, path) {
        None => Ok(None),
        Some(s) => Time::parse_rfc3339(s).map(Some).map_err(|error| ItemError::Time {
            field: what_path(path, what),
            error,
        }),
    }
}

fn what_path(path: &[&str], what: &str) -> String {
    if what.is_empty() {
        path.join(".")
    } else {
        format!("{what}.{}", path.join("."))
    }
}

fn labels(meta: &Value) -> BTreeMap<String, String> {
    meta.get("labels")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_string())))
                .collect()
        })
        .unwrap_or_default()
}

/// The Job that controls a pod: its `batch.kubernetes.io/job-name` (or
/// legacy `job-name`) label, else its controller owner reference of kind Job.
fn owner_job(meta: &Value, labels: &BTreeMap<String, String>) -> Option<(String, String)> {
    let owner = meta
        .get("ownerReferences")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find(|o| o.get("kind").and_then(Value::as_str) == Some("Job"));
    let owner_name = owner.and_then(|o| o.get("name")).and_then(Value::as_str);
    let owner_uid = owner.and_then(|o| o.get("uid")).and_then(Value::as_str);
    let name = labels
        .get(JOB_NAME_LABEL)
        .or_else(|| labels.get(LEGACY_JOB_NAME_LABEL))
        .map(String::as_str)
        .or(owner_name)?;
    let uid = labels
        .get(CONTROLLER_UID_LABEL)
        .or_else(|| labels.get(LEGACY_CONTROLLER_UID_LABEL))
        .map(String::as_str)
        .or(owner_uid)
        .unwrap_or("");
    Some((name.to_string(), uid.to_string()))
}

fn job(item: &Value) -> Result<JobObs, ItemError> {
    let meta = item.get("metadata").cloned().unwrap_or(Value::Null);
    let name = str_at(&meta, &["name"]).ok_or(ItemError::NoName("Job"))?;
    Ok(JobObs {
        key: JobKey {
            namespace: str_at(&meta, &["namespace"]).unwrap_or(DEFAULT_NAMESPACE).to_string(),
            name: name.to_string(),
            uid: str_at(&meta, &["uid"]).unwrap_or("").to_string(),
        },
        created: time_at(&meta, &["creationTimestamp"], "metadata")?,
        value: item.clone(),
    })
}

/// A container's `state.terminated` or `lastState.terminated` as a run.
struct Terminated {
    exit_code: i32,
    started: Option<Time>,
    finished: Option<Time>,
}

fn terminated(state: Option<&Value>, at: &str) -> Result<Option<Terminated>, ItemError> {
    let Some(t) = state.and_then(|s| s.get("terminated")) else {
        return Ok(None);
    };
    let exit_code = t
        .get("exitCode")
        .and_then(Value::as_i64)
        .and_then(|c| i32::try_from(c).ok())
        .ok_or_else(|| ItemError::ExitCode(at.to_string()))?;
    // A container that never started shows no startedAt (or Go's zero time).
    let when = |k: &str| -> Result<Option<Time>, ItemError> {
        Ok(time_at(t, &[k], &format!("{at}.terminated"))?.filter(|t| t.millis() > 0))
    };
    Ok(Some(Terminated {
        exit_code,
        started: when("startedAt")?,
        finished: when("finishedAt")?,
    }))
}

fn span(started: Option<Time>, finished: Option<Time>) -> Option<u64> {
    match (started, finished) {
        (Some(s), Some(f)) => Some(u64::try_from(f.millis() - s.millis()).unwrap_or(0)),
        _ => None,
    }
}

fn pod(item: &Value) -> Result<Option<PodObs>, ItemError> {
    let meta = item.get("metadata").cloned().unwrap_or(Value::Null);
    let name = str_at(&meta, &["name"]).ok_or(ItemError::NoName("Pod"))?.to_string();
    let labels = labels(&meta);
    let Some((job_name, uid)) = owner_job(&meta, &labels) else {
        return Ok(None);
    };
    let err = |error: ItemError| ItemError::Pod {
        name: name.clone(),
        error: Box::new(error),
    };
    let created = time_at(&meta, &["creationTimestamp"], "metadata")
        .map_err(err)?
        .ok_or_else(|| err(ItemError::NoCreation))?;
    let status = item.get("status").cloned().unwrap_or(Value::Null);
    let conditions = status
        .get("conditions")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let condition = |t: &str| {
        conditions.iter().find(|c| {
            c.get("type").and_then(Value::as_str) == Some(t) && c.get("status").and_then(Value::as_str) == Some("True")
        })
    };
    let scheduled = match condition("PodScheduled") {
        Some(c) => time_at(c, &["lastTransitionTime"], "status.conditions[PodScheduled]").map_err(err)?,
        None => None,
    };
    let index = str_at(&meta, &["annotations", JOB_COMPLETION_INDEX_ANNOTATION])
        .or_else(|| labels.get(JOB_COMPLETION_INDEX_ANNOTATION).map(String::as_str))
        .and_then(|s| s.parse().ok());
    let phase = str_at(&status, &["phase"]).unwrap_or("");
    let mut obs = PodObs {
        name: name.clone(),
        job: JobKey {
            namespace: str_at(&meta, &["namespace"]).unwrap_or(DEFAULT_NAMESPACE).to_string(),
            name: job_name,
            uid,
        },
        labels,
        created,
        scheduled,
        first_start: None,
        finished: None,
        runs: Vec::new(),
        skipped: None,
        value: serde_json::json!({"metadata": meta, "spec": item.get("spec").cloned().unwrap_or(Value::Null)}),
        index,
    };
    if phase != "Succeeded" && phase != "Failed" {
        obs.skipped = Some("not finished");
        return Ok(Some(obs));
    }
    if condition("DisruptionTarget").is_some() {
        // Evicted, preempted or its node lost: the cluster's doing, not the workload's.
        obs.skipped = Some("disrupted (DisruptionTarget)");
        return Ok(Some(obs));
    }
    let statuses = status
        .get("containerStatuses")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut last = Vec::new();
    for (i, cs) in statuses.iter().enumerate() {
        let at = format!("status.containerStatuses[{i}]");
        let cname = str_at(cs, &["name"]).unwrap_or("").to_string();
        let restarts = cs.get("restartCount").and_then(Value::as_u64).unwrap_or(0);
        let now = terminated(cs.get("state"), &format!("{at}.state")).map_err(err)?;
        let before = terminated(cs.get("lastState"), &format!("{at}.lastState")).map_err(err)?;
        last.push((cname, restarts, now, before));
    }
    let ended: Vec<_> = last.iter().filter(|(_, _, now, _)| now.is_some()).collect();
    if ended.is_empty() {
        obs.skipped = Some("no container terminated");
        return Ok(Some(obs));
    }
    // The failed container that finished first decides the pod's outcome;
    // with none, the pod succeeded, from its first start to its last finish.
    let failed = ended
        .iter()
        .filter(|(_, _, now, _)| now.as_ref().is_some_and(|t| t.exit_code != 0))
        .min_by_key(|(_, _, now, _)| now.as_ref().and_then(|t| t.finished));
    let run = match failed {
        Some((cname, _, now, _)) => {
            let t = now.as_ref().expect("ended");
            Run {
                exit_code: t.exit_code,
                container: cname.clone(),
                millis: span(t.started, t.finished),
            }
        }
        None => {
            // The last run: of the containers that restarted, if any did
            // (the others' runs began with the pod's first).
            let restarted = ended.iter().any(|(_, r, _, _)| *r > 0);
            let last_run = || ended.iter().filter(|(_, r, _, _)| !restarted || *r > 0);
            let first = last_run().filter_map(|(_, _, now, _)| now.as_ref()?.started).min();
            let finish = ended.iter().filter_map(|(_, _, now, _)| now.as_ref()?.finished).max();
            Run {
                exit_code: 0,
                container: ended[0].0.clone(),
                millis: span(first, finish),
            }
        }
    };
    // Restarts in place (restartPolicy: OnFailure): each was a failed run. The
    // pod shows the last of them (lastState); the earlier ones are counted with
    // its exit code, without a run time.
    for (cname, restarts, _, before) in &last {
        if *restarts == 0 {
            continue;
        }
        let Some(b) = before.as_ref().filter(|b| b.exit_code != 0) else {
            continue;
        };
        for k in 0..*restarts {
            obs.runs.push(Run {
                exit_code: b.exit_code,
                container: cname.clone(),
                millis: if k + 1 == *restarts {
                    span(b.started, b.finished)
                } else {
                    None
                },
            });
        }
    }
    obs.runs.push(run);
    // The pod's first start: a container's current run if it never
    // restarted, the run before (lastState) if it restarted once; unknown
    // after more. Its containers start together, so the earliest known.
    obs.first_start = last
        .iter()
        .filter_map(|(_, restarts, now, before)| match restarts {
            0 => now.as_ref()?.started,
            1 => before.as_ref()?.started,
            _ => None,
        })
        .min();
    obs.finished = ended.iter().filter_map(|(_, _, now, _)| now.as_ref()?.finished).max();
    Ok(Some(obs))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn t(s: u32) -> String {
        Time::from_secs(1_800_000_000 + i64::from(s)).to_rfc3339()
    }

    fn term(code: i32, started: u32, finished: u32) -> Value {
        json!({"terminated": {"exitCode": code, "startedAt": t(started), "finishedAt": t(finished),
            "reason": if code == 0 { "Completed" } else { "Error" }}})
    }

    fn pod_with(phase: &str, statuses: Value, conditions: Value) -> Value {
        json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "p", "namespace": "ns", "creationTimestamp": t(0),
                "labels": {"controller-uid": "u", "job-name": "j"}},
            "spec": {"containers": [{"name": "a"}, {"name": "b"}], "restartPolicy": "OnFailure"},
            "status": {"phase": phase, "conditions": conditions, "containerStatuses": statuses}})
    }

    fn scheduled_at(s: u32) -> Value {
        json!([{"type": "PodScheduled", "status": "True", "lastTransitionTime": t(s)}])
    }

    #[test]
    fn restarts_in_place_count_as_failed_runs_and_hide_the_first_start() {
        // Container b failed twice (the last run shown in lastState), then succeeded.
        let statuses = json!([
            {"name": "a", "restartCount": 0, "state": term(0, 5, 100), "lastState": {}},
            {"name": "b", "restartCount": 2, "state": term(0, 60, 90), "lastState": term(3, 30, 50)},
        ]);
        let p = pod(&pod_with("Succeeded", statuses, scheduled_at(1))).unwrap().unwrap();
        assert_eq!(
            (p.job.name.as_str(), p.job.uid.as_str(), p.job.namespace.as_str()),
            ("j", "u", "ns")
        );
        let failed = |millis| Run {
            exit_code: 3,
            container: "b".into(),
            millis,
        };
        assert_eq!(
            p.runs,
            vec![
                failed(None),
                failed(Some(20_000)),
                // The last run: b's, from its start to the pod's last finish.
                Run {
                    exit_code: 0,
                    container: "a".into(),
                    millis: Some(40_000)
                }
            ]
        );
        assert_eq!(
            p.scheduled.map(Time::millis),
            Some(Time::parse_rfc3339(&t(1)).unwrap().millis())
        );
        // The succeeding pod's first container restarted 0 times: its start is the first.
        assert_eq!(p.first_start, Some(Time::parse_rfc3339(&t(5)).unwrap()));

        // Every container restarted twice: the first start is not known.
        let statuses =
            json!([{"name": "a", "restartCount": 2, "state": term(0, 60, 90), "lastState": term(3, 30, 50)}]);
        let p = pod(&pod_with("Succeeded", statuses, scheduled_at(1))).unwrap().unwrap();
        assert_eq!((p.first_start, p.runs.len()), (None, 3));

        // One restart: the first start is lastState's.
        let statuses = json!([{"name": "a", "restartCount": 1, "state": term(2, 40, 45), "lastState": term(2, 8, 20)}]);
        let p = pod(&pod_with("Failed", statuses, scheduled_at(1))).unwrap().unwrap();
        assert_eq!(p.first_start, Some(Time::parse_rfc3339(&t(8)).unwrap()));
        assert_eq!(p.runs.len(), 2);
        assert!(p.runs.iter().all(|r| r.exit_code == 2));
    }

    #[test]
    fn the_container_that_failed_first_decides() {
        let statuses = json!([
            {"name": "a", "restartCount": 0, "state": term(137, 5, 70)},
            {"name": "b", "restartCount": 0, "state": term(42, 5, 30)},
        ]);
        let p = pod(&pod_with("Failed", statuses, scheduled_at(1))).unwrap().unwrap();
        assert_eq!(
            p.runs,
            vec![Run {
                exit_code: 42,
                container: "b".into(),
                millis: Some(25_000)
            }]
        );
        assert_eq!(p.skipped, None);
    }

    #[test]
    fn unfinished_disrupted_and_never_started_pods_are_left_out() {
        let running = json!([{"name": "a", "state": {"running": {"startedAt": t(3)}}}]);
        let p = pod(&pod_with("Running", running, scheduled_at(1))).unwrap().unwrap();
        assert_eq!(p.skipped, Some("not finished"));
        let evicted = json!([{"type": "DisruptionTarget", "status": "True", "lastTransitionTime": t(9)}]);
        let p = pod(&pod_with(
            "Failed",
            json!([{"name": "a", "state": term(143, 2, 9)}]),
            evicted,
        ))
        .unwrap()
        .unwrap();
        assert_eq!(p.skipped, Some("disrupted (DisruptionTarget)"));
        let waiting = json!([{"name": "a", "state": {"waiting": {"reason": "ImagePullBackOff"}}}]);
        let p = pod(&pod_with("Failed", waiting, scheduled_at(1))).unwrap().unwrap();
        assert_eq!(p.skipped, Some("no container terminated"));
        // A pod of no Job is no observation; a bad time is an error that names the field.
        let mut web = pod_with("Succeeded", json!([]), json!([]));
        web["metadata"]["labels"] = json!({"app": "web"});
        assert!(pod(&web).unwrap().is_none());
        let mut bad = pod_with("Succeeded", json!([]), json!([]));
        bad["metadata"]["creationTimestamp"] = json!("yesterday");
        assert_eq!(
            pod(&bad).unwrap_err().to_string(),
            "pod \"p\": metadata.creationTimestamp: \"yesterday\" is not an RFC 3339 time (for example \"2026-01-01T00:00:00Z\")"
        );
    }

    #[test]
    fn lists_are_told_apart_by_their_items() {
        let mut seen = Observed::default();
        let pods = json!({"kind": "PodList", "apiVersion": "v1", "items": [
            {"metadata": {"name": "p", "creationTimestamp": t(0), "ownerReferences": [{"kind": "Job", "name": "j", "uid": "u"}]},
             "status": {"phase": "Pending"}}]});
        read_list("a.json", &pods.to_string(), &mut seen).unwrap();
        assert_eq!((seen.pods.len(), seen.jobs_list), (1, false));
        assert_eq!(seen.pods[0].job.uid, "u");
        let mixed = json!({"kind": "List", "items": [
            {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "j", "uid": "u"}},
            {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}}]});
        read_list("b.yaml", &crate::output::yaml::to_yaml(&mixed), &mut seen).unwrap();
        assert_eq!((seen.jobs.len(), seen.jobs_list), (1, true));
        assert_eq!(seen.ignored.get("ConfigMap (v1)"), Some(&1));
        let e = read_list("c.json", "{\"kind\": \"Job\", \"metadata\": {}}", &mut seen).unwrap_err();
        assert_eq!(
            e.to_string(),
            "c.json: a single Job, not a List: give the whole output of kubectl get jobs -o json"
        );
    }
}
