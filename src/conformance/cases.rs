//! One function per vector kind: build the inputs, call the model, compare
//! with what the Kubernetes test asserts.

use super::fixtures::{self as fx, NOW};
use super::outcome::{R, check};
use crate::api::*;
use crate::controller::backoff::{BackoffRecord, finished_time, remaining_for_failures, remaining_per_index};
use crate::controller::conditions::ensure_job_condition_status;
use crate::controller::failure_policy::match_pod_failure_policy;
use crate::controller::indexes::*;
use crate::controller::state::{Expectations, UidSet};
use crate::controller::success_policy::match_success_policy;
use crate::controller::sync::{
    finished_pod_totals, orphan_pod_finalizer_removable, pod_creation_info_for_independent_indexes, track_job_status,
};
use crate::controller::{ApiError, JobClient, JobState, PodCreate, PodLists, Profile, SyncEnv, queue_rules, sync_job};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// `None` when the kind is not known.
pub fn run_kind(kind: &str, input: &Value, expect: &Value) -> Option<R<()>> {
    Some(match kind {
        "syncJob" => sync_job_case(input, expect),
        "controllerLoop" => controller_loop(input, expect),
        "matchPodFailurePolicy" => match_pfp(input, expect),
        "matchSuccessPolicy" => match_sp(input, expect),
        "newBackoffRecord" => new_backoff_record(input, expect),
        "getFinishedTime" => get_finished_time(input, expect),
        "backoffRecordRemainingTime" => backoff_remaining(input, expect),
        "remainingTimePerIndex" => remaining_time_per_index(input, expect),
        "podUpdateRequeueDelay" => pod_update_requeue_delay(input, expect),
        "ensureJobConditionStatus" => ensure_condition(input, expect),
        "finishedCondition" => finished_condition_case(input, expect),
        "isJobSucceeded" => is_job_succeeded_case(input, expect),
        "calculateSucceededIndexes" => calc_succeeded(input, expect),
        "intervalsHave" => intervals_have(input, expect),
        "firstPendingIndexes" => first_pending(input, expect),
        "appendDuplicatedIndexPodsForRemoval" => duplicated_removal(input, expect),
        "podGenerateNameWithIndex" => generate_name(input, expect),
        "getPodCreationInfoForIndependentIndexes" => creation_info(input, expect),
        "isIndexFailed" => index_failed(input, expect),
        "calculateFailedIndexes" => calc_failed(input, expect),
        "getPodsWithDelayedDeletionPerIndex" => delayed_deletion(input, expect),
        "getNewIndexFailureCounts" => new_failure_counts(input, expect),
        "getIndexFailureCount" => index_failure_count(input, expect),
        "getNewFinishedPods" => new_finished(input, expect),
        "trackJobStatusAndRemoveFinalizers" => track_status(input, expect),
        "syncOrphanPod" => sync_orphan(input, expect),
        "orphanPodWatch" => orphan_watch(input, expect),
        "validateJob" => super::validation_cases::validate_job(input, expect),
        "validateJobUpdate" => super::validation_cases::validate_job_update(input, expect),
        _ => return None,
    })
}

/// The vectors come from the v1.31/v1.32 controller; their gates override that base.
fn profile(gates: &Value) -> R<Profile> {
    let mut p = Profile::new(32);
    if let Some(m) = gates.as_object() {
        for (k, v) in m {
            if let Some(on) = v.as_bool() {
                p.gates.set(k, on).map_err(fx::FixtureError::from)?;
            }
        }
    }
    Ok(p)
}

fn env(gates: &Value) -> R<SyncEnv> {
    Ok(SyncEnv {
        now: NOW,
        profile: profile(gates)?,
    })
}

/// The fake pod client and status handler of the Go tests.
#[derive(Default)]
struct FakeClient {
    fail_all: bool,
    create_limit: usize,
    creates: usize,
    deletes: usize,
    patches: usize,
    created_indexes: Vec<i32>,
    status_updates: Vec<JobStatus>,
    status_update_fails: bool,
    patch_fails: bool,
}

impl JobClient<Pod> for FakeClient {
    fn create_pod(&mut self, _job: &Job, req: PodCreate) -> Result<(), ApiError> {
        if self.create_limit > 0 && self.creates >= self.create_limit {
            return Err(ApiError::Other("pod create limit reached".into()));
        }
        self.creates += 1;
        if self.fail_all {
            return Err(ApiError::Other("fake error".into()));
        }
        if let Some(ix) = req.index {
            self.created_indexes.push(ix);
        }
        Ok(())
    }
    fn delete_pod(&mut self, _job: &Job, _pod: &Pod) -> Result<(), ApiError> {
        self.deletes += 1;
        if self.fail_all {
            Err(ApiError::Other("fake error".into()))
        } else {
            Ok(())
        }
    }
    fn remove_tracking_finalizer(&mut self, _pod: &Pod) -> Result<(), ApiError> {
        self.patches += 1;
        if self.fail_all || self.patch_fails {
            Err(ApiError::Other("fake error".into()))
        } else {
            Ok(())
        }
    }
    fn update_status(&mut self, _job: &Job, status: JobStatus) -> Result<(), ApiError> {
        self.status_updates.push(status);
        if self.status_update_fails {
            Err(ApiError::Other("fake status update error".into()))
        } else {
            Ok(())
        }
    }
}

fn backoff_record(v: &Value) -> R<Option<BackoffRecord>> {
    if v.is_null() {
        return Ok(None);
    }
    Ok(Some(BackoffRecord {
        failures_after_last_success: fx::opt_i32(&v["failuresAfterLastSuccess"]).unwrap_or(0),
        last_failure_time: fx::time(&v["lastFailureTime"])?,
    }))
}

fn conditions_json(c: &[JobCondition]) -> Vec<(String, String, String, String)> {
    c.iter()
        .map(|c| {
            (
                c.type_.to_string(),
                c.status.to_string(),
                c.reason.to_string(),
                c.message.to_string(),
            )
        })
        .collect()
}

fn expected_conditions(v: &Value) -> R<Vec<(String, String, String, String)>> {
    Ok(conditions_json(&fx::conditions(v)?))
}

/// Compares the status fields listed in `want`, skipping `ignored`.
fn compare_status(want: &Value, got: &JobStatus, ignored: &[String]) -> R<()> {
    let Some(fields) = want.as_object() else {
        return Ok(());
    };
    let mut errs = Vec::new();
    for (k, w) in fields {
        if ignored.iter().any(|i| i == k) {
            continue;
        }
        let res = match k.as_str() {
            "active" => check(k, got.active as i64, w.as_i64().unwrap_or(-1)),
            "succeeded" => check(k, got.succeeded as i64, w.as_i64().unwrap_or(-1)),
            "failed" => check(k, got.failed as i64, w.as_i64().unwrap_or(-1)),
            "ready" => check(k, got.ready.map(i64::from), w.as_i64()),
            "terminating" => check(k, got.terminating.map(i64::from), w.as_i64()),
            "terminatingOrZero" => check(k, got.terminating.unwrap_or(0) as i64, w.as_i64().unwrap_or(-1)),
            "completedIndexes" => check(k, got.completed_indexes.as_str(), w.as_str().unwrap_or("")),
            "failedIndexes" => check(k, got.failed_indexes.as_deref(), w.as_str()),
            "conditions" => expected_conditions(w).and_then(|want| check(k, conditions_json(&got.conditions), want)),
            "startTimeSet" => check(k, got.start_time.is_some(), w.as_bool().unwrap_or(false)),
            "startTime" => fx::time(w)
                .map_err(String::from)
                .and_then(|t| check(k, got.start_time, t)),
            "completionTime" => fx::time(w)
                .map_err(String::from)
                .and_then(|t| check(k, got.completion_time, t)),
            "uncountedTerminatedPods" => {
                let u = got.uncounted_terminated_pods.clone().unwrap_or_default();
                let sorted = |mut v: Vec<String>| {
                    v.sort();
                    v
                };
                let strings = |v: Vec<Uid>| v.iter().map(Uid::to_string).collect();
                check(
                    k,
                    (sorted(strings(u.succeeded)), sorted(strings(u.failed))),
                    (
                        sorted(fx::str_list(&w["succeeded"])),
                        sorted(fx::str_list(&w["failed"])),
                    ),
                )
            }
            _ => Err(format!("unknown status field {k} in vector")),
        };
        if let Err(e) = res {
            errs.push(format!("status.{e}"));
        }
    }
    if errs.is_empty() { Ok(()) } else { Err(errs.join("; ")) }
}

fn state_from(ctrl: &Value) -> R<JobState> {
    let mut state = JobState {
        backoff: backoff_record(&ctrl["backoffRecord"])?,
        ..Default::default()
    };
    let (c, d) = (
        ctrl["pendingExpectations"]["creations"].as_i64().unwrap_or(0),
        ctrl["pendingExpectations"]["deletions"].as_i64().unwrap_or(0),
    );
    if c != 0 || d != 0 {
        state.expectations = Some(Expectations {
            add: c,
            del: d,
            timestamp: NOW,
        });
    }
    Ok(state)
}

fn sync_job_case(input: &Value, expect: &Value) -> R<()> {
    let env = env(&input["featureGates"])?;
    let job = fx::job(&input["job"])?;
    let pods = fx::pods(&input["pods"])?;
    let pod_refs: Vec<&Pod> = pods.iter().collect();
    let ctrl = &input["controller"];
    let mut state = state_from(ctrl)?;
    let mut client = FakeClient {
        fail_all: ctrl["podControlError"].as_bool().unwrap_or(false),
        create_limit: ctrl["podCreateLimit"].as_u64().unwrap_or(0) as usize,
        ..Default::default()
    };
    let outcome = if input["job"]["absentFromStore"].as_bool() == Some(true) {
        // Job not in the informer cache: the sync only forgets what it knew.
        drop(std::mem::take(&mut state));
        Default::default()
    } else {
        sync_job(
            &job,
            &pod_refs[..],
            &mut state,
            &env,
            &mut client,
            &mut PodLists::default(),
        )
    };
    let mut errs = Vec::new();
    let mut push = |r: R<()>| {
        if let Err(e) = r {
            errs.push(e)
        }
    };
    if let Some(w) = expect["syncError"].as_bool() {
        push(check("syncError", outcome.error.is_some(), w).map_err(|e| format!("{e} ({:?})", outcome.error)));
    }
    for (key, got) in [
        ("podCreations", client.creates),
        ("podDeletions", client.deletes),
        ("podPatches", client.patches),
    ] {
        if let Some(w) = expect[key].as_u64() {
            push(check(key, got as u64, w));
        }
    }
    if let Some(max) = expect["maxCreateCalls"].as_u64() {
        push(if (client.creates as u64) <= max {
            Ok(())
        } else {
            Err(format!("create calls {} > {max}", client.creates))
        });
    }
    if let Some(w) = expect["createdIndexes"].as_array() {
        let mut got = client.created_indexes.clone();
        got.sort();
        push(check(
            "createdIndexes",
            got,
            w.iter().filter_map(|x| x.as_i64().map(|x| x as i32)).collect(),
        ));
    }
    if let Some(n) = expect["storedJobConditionCount"].as_u64() {
        push(check("storedJobConditionCount", job.status.conditions.len() as u64, n));
    }
    if !expect["status"].is_null() {
        let got = client
            .status_updates
            .last()
            .cloned()
            .unwrap_or_else(|| job.status.clone());
        let ignored: Vec<String> = fx::str_list(&expect["statusIgnoredFields"]);
        push(compare_status(&expect["status"], &got, &ignored));
    }
    if errs.is_empty() { Ok(()) } else { Err(errs.join("; ")) }
}

/// The real controller loop against a fake clock advancing 100 ms per poll;
/// expectations always satisfied, created pods never observed.
fn controller_loop(input: &Value, expect: &Value) -> R<()> {
    let mut env = env(&input["featureGates"])?;
    let mut job = fx::job(&input["job"])?;
    let mut state = JobState::default();
    let want = &expect["eventually"];
    let want_type = want["conditionPresent"]["type"].as_str().unwrap_or("");
    let want_reason = want["conditionPresent"]["reason"].as_str().unwrap_or("");
    for _ in 0..600 {
        state.expectations = None;
        let mut client = FakeClient::default();
        sync_job(&job, &[][..], &mut state, &env, &mut client, &mut PodLists::default());
        if let Some(st) = client.status_updates.pop() {
            job.status = st;
        }
        if job
            .status
            .conditions
            .iter()
            .any(|c| c.type_ == want_type && c.reason == want_reason && c.is_true())
        {
            let start = job.status.start_time.ok_or("startTime not set")?;
            let min = want["notBeforeSecondsAfterStartTime"].as_i64().unwrap_or(0) * 1000;
            let elapsed = env.now.millis() - start.millis();
            return if elapsed >= min {
                Ok(())
            } else {
                Err(format!("{want_type} after {elapsed} ms, before {min} ms"))
            };
        }
        env.now = env.now.add_millis(100);
    }
    Err(format!("no {want_type}/{want_reason} condition after 60 s of polling"))
}

fn match_pfp(input: &Value, expect: &Value) -> R<()> {
    let profile = profile(&input["featureGates"])?;
    let policy = fx::pod_failure_policy(&input["podFailurePolicy"]);
    let pod = fx::pod(&input["failedPod"], "mypod")?;
    let m = match_pod_failure_policy(policy.as_ref(), &pod, &profile);
    check(
        "jobFailureMessage",
        m.fail_job_message.as_deref(),
        expect["jobFailureMessage"].as_str(),
    )?;
    check(
        "countFailed",
        m.count_failed,
        expect["countFailed"].as_bool().unwrap_or(true),
    )?;
    if expect.get("matchedRuleAction").is_some() {
        check("matchedRuleAction", m.action, expect["matchedRuleAction"].as_str())?;
    }
    if let Some(w) = expect.get("matchedRuleName") {
        let name = m.rule_index.map(|i| {
            policy
                .as_ref()
                .and_then(|p| p.rules[i].name.clone())
                .unwrap_or_else(|| i.to_string())
        });
        check("matchedRuleName", name.as_deref(), w.as_str())?;
    }
    Ok(())
}

fn match_sp(input: &Value, expect: &Value) -> R<()> {
    let profile = profile(&input["featureGates"])?;
    let policy = fx::success_policy(&input["successPolicy"]);
    let succeeded = fx::intervals(&input["succeededIndexes"]);
    let completions = fx::opt_i32(&input["completions"]).unwrap_or(0);
    let got = match_success_policy(policy.as_ref(), completions, &succeeded, &profile);
    check(
        "metSuccessPolicy",
        got.is_some(),
        expect["metSuccessPolicy"].as_bool().unwrap_or(false),
    )?;
    check(
        "message",
        got.unwrap_or_default().as_str(),
        expect["message"].as_str().unwrap_or(""),
    )
}

fn times(v: &Value) -> R<Vec<Time>> {
    v.as_array()
        .into_iter()
        .flatten()
        .map(|t| fx::time(t).map(|t| t.unwrap_or(GO_ZERO_TIME)))
        .collect::<fx::R<_>>()
        .map_err(String::from)
}

fn new_backoff_record(input: &Value, expect: &Value) -> R<()> {
    let stored = backoff_record(&input["storedRecord"])?;
    let got = BackoffRecord::next(
        stored,
        &times(&input["newSucceededPodFinishTimes"])?,
        &times(&input["newFailedPodFinishTimes"])?,
    );
    let want = backoff_record(&expect["record"])?.unwrap_or_default();
    check("record", got, want)
}

fn get_finished_time(input: &Value, expect: &Value) -> R<()> {
    let pod = fx::pod(&input["pod"], "pod")?;
    let got = finished_time(&pod, &Profile::new(32), NOW);
    check("finishedTime", Some(got), fx::time(&expect["finishedTime"])?)
}

fn backoff_remaining(input: &Value, expect: &Value) -> R<()> {
    let rec = backoff_record(&input["record"])?.unwrap_or_default();
    let now = fx::time(&input["now"])?.unwrap_or(GO_ZERO_TIME);
    let (base, max) = (
        input["defaultBackoffSeconds"].as_i64().unwrap_or(10) * 1000,
        input["maxBackoffSeconds"].as_i64().unwrap_or(600) * 1000,
    );
    let got = remaining_for_failures(
        now,
        base,
        max,
        rec.failures_after_last_success,
        rec.last_failure_time.unwrap_or(GO_ZERO_TIME),
    );
    check(
        "remainingSeconds",
        got / 1000,
        expect["remainingSeconds"].as_f64().unwrap_or(-1.0) as i64,
    )
}

fn remaining_time_per_index(input: &Value, expect: &Value) -> R<()> {
    let pod = if input["lastFailedPod"].is_null() {
        None
    } else {
        Some(fx::pod(&input["lastFailedPod"], "pod")?)
    };
    let now = fx::time(&input["now"])?.unwrap_or(GO_ZERO_TIME);
    let (base, max) = (
        input["defaultBackoffSeconds"].as_i64().unwrap_or(10) * 1000,
        input["maxBackoffSeconds"].as_i64().unwrap_or(600) * 1000,
    );
    let got = remaining_per_index(now, base, max, pod.as_ref(), &Profile::new(32));
    check(
        "remainingSeconds",
        got / 1000,
        expect["remainingSeconds"].as_f64().unwrap_or(-1.0) as i64,
    )
}

fn phase_of(v: &Value) -> PodPhase {
    serde_json::from_value(v.clone()).unwrap_or_default()
}

fn pod_update_requeue_delay(input: &Value, expect: &Value) -> R<()> {
    let got = queue_rules::pod_event_delay_ms(
        &Profile::new(32),
        phase_of(&input["oldPodPhase"]),
        phase_of(&input["newPodPhase"]),
        input["queueRequeuesForKey"].as_u64().unwrap_or(0) as u32,
    );
    check(
        "enqueueAfterSeconds",
        got,
        expect["enqueueAfterSeconds"].as_i64().unwrap_or(-1) * 1000,
    )
}

fn ensure_condition(input: &Value, expect: &Value) -> R<()> {
    let mut list = fx::conditions(&input["conditions"])?;
    let s = |k: &str| input[k].as_str().unwrap_or("").to_string();
    let updated = ensure_job_condition_status(&mut list, s("type"), s("status"), s("reason"), s("message"), NOW);
    check("updated", updated, expect["updated"].as_bool().unwrap_or(false))?;
    check(
        "conditions",
        conditions_json(&list),
        expected_conditions(&expect["conditions"])?,
    )
}

fn finished_condition_case(input: &Value, expect: &Value) -> R<()> {
    let list = fx::conditions(&input["conditions"])?;
    let got = finished_condition(&list);
    check("finished", got.is_some(), expect["finished"].as_bool().unwrap_or(false))?;
    check(
        "conditionType",
        got.map(|c| &*c.type_).unwrap_or(""),
        expect["conditionType"].as_str().unwrap_or(""),
    )
}

fn is_job_succeeded_case(input: &Value, expect: &Value) -> R<()> {
    check(
        "succeeded",
        is_job_succeeded(&fx::conditions(&input["conditions"])?),
        expect["succeeded"].as_bool().unwrap_or(false),
    )
}

fn indexed_job(completions: i32) -> Job {
    let mut j = Job::default();
    j.metadata.name = "job".into();
    j.spec.completion_mode = Some(INDEXED.into());
    j.spec.completions = Some(completions);
    j
}

fn calc_succeeded(input: &Value, expect: &Value) -> R<()> {
    let mut job = indexed_job(fx::opt_i32(&input["completions"]).unwrap_or(0));
    job.status.completed_indexes = input["statusCompletedIndexes"].as_str().unwrap_or("").to_string();
    let pods = fx::pods(&input["pods"])?;
    let refs: Vec<&Pod> = pods.iter().collect();
    let (prev, all) = calculate_succeeded_indexes(&job, &refs);
    check(
        "parsedStatusIntervals",
        fx::intervals_json(&prev),
        expect["parsedStatusIntervals"].clone(),
    )?;
    check(
        "succeededIntervals",
        fx::intervals_json(&all),
        expect["succeededIntervals"].clone(),
    )
}

fn intervals_have(input: &Value, expect: &Value) -> R<()> {
    let iv = fx::intervals(&input["intervals"]);
    check(
        "has",
        iv.has(fx::opt_i32(&input["index"]).unwrap_or(0)),
        expect["has"].as_bool().unwrap_or(false),
    )
}

fn first_pending(input: &Value, expect: &Value) -> R<()> {
    let job = indexed_job(fx::opt_i32(&input["completions"]).unwrap_or(0));
    let active = fx::pods(&input["activePods"])?;
    let refs: Vec<&Pod> = active.iter().collect();
    let succeeded = fx::intervals(&input["succeededIntervals"]);
    let failed = if input["failedIntervals"].is_null() {
        None
    } else {
        Some(fx::intervals(&input["failedIntervals"]))
    };
    let got = first_pending_indexes(
        &job,
        &Profile::new(32),
        &refs,
        &refs,
        &succeeded,
        failed.as_ref(),
        input["count"].as_u64().unwrap_or(0) as usize,
    );
    let want: Vec<i32> = expect["indexes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|x| x.as_i64().map(|x| x as i32))
        .collect();
    check("indexes", got, want)
}

fn pod_summary(p: &Pod) -> Value {
    let ix = p.metadata.annotations.get(JOB_COMPLETION_INDEX_ANNOTATION).cloned();
    json!({"completionIndex": ix, "phase": p.status.phase})
}

fn duplicated_removal(input: &Value, expect: &Value) -> R<()> {
    let pods = fx::pods(&input["pods"])?;
    let refs: Vec<&Pod> = pods.iter().collect();
    let (mut rm, mut left) = (Vec::new(), Vec::new());
    append_duplicated_index_pods_for_removal(
        &mut rm,
        &mut left,
        &refs,
        fx::opt_i32(&input["completions"]).unwrap_or(0),
    );
    let summarize = |v: &Vec<&Pod>| Value::Array(v.iter().map(|p| pod_summary(p)).collect());
    let strip = |v: &Value| {
        Value::Array(
            v.as_array()
                .into_iter()
                .flatten()
                .map(|p| json!({"completionIndex": p["completionIndex"], "phase": p["phase"]}))
                .collect(),
        )
    };
    check("remove", summarize(&rm), strip(&expect["remove"]))?;
    check("keep", summarize(&left), strip(&expect["keep"]))
}

fn generate_name(input: &Value, expect: &Value) -> R<()> {
    let got = pod_generate_name_with_index(
        input["jobName"].as_str().unwrap_or(""),
        fx::opt_i32(&input["index"]).unwrap_or(0),
    );
    check(
        "generateName",
        got.as_str(),
        expect["generateName"].as_str().unwrap_or(""),
    )
}

fn creation_info(input: &Value, expect: &Value) -> R<()> {
    let now = fx::time(&input["now"])?.unwrap_or(NOW);
    let indexes: Vec<i32> = input["indexesToAdd"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|x| x.as_i64().map(|x| x as i32))
        .collect();
    let mut pods = BTreeMap::new();
    for (k, v) in input["lastFailedPodPerIndex"].as_object().into_iter().flatten() {
        pods.insert(
            k.parse::<i32>().map_err(|e| e.to_string())?,
            fx::pod(v, &format!("pod-{k}"))?,
        );
    }
    let refs: BTreeMap<i32, &Pod> = pods.iter().map(|(k, v)| (*k, v)).collect();
    let max = input["maxPodFailureBackoffSeconds"].as_i64().unwrap_or(600) * 1000;
    let (ready, remaining) = pod_creation_info_for_independent_indexes(&indexes, &refs, now, max, &Profile::new(32));
    let want: Option<Vec<i32>> = expect["indexesToAdd"]
        .as_array()
        .map(|a| a.iter().filter_map(|x| x.as_i64().map(|x| x as i32)).collect());
    check("indexesToAdd", if ready.is_empty() { None } else { Some(ready) }, want)?;
    check(
        "remainingSeconds",
        remaining / 1000,
        expect["remainingSeconds"].as_f64().unwrap_or(-1.0) as i64,
    )
}

fn bli_job(j: &Value) -> Job {
    let mut job = indexed_job(fx::opt_i32(&j["completions"]).unwrap_or(0));
    job.spec.backoff_limit_per_index = fx::opt_i32(&j["backoffLimitPerIndex"]);
    job.spec.pod_failure_policy = fx::pod_failure_policy(&j["podFailurePolicy"]);
    job.status.failed_indexes = fx::opt_str(&j["statusFailedIndexes"]);
    job
}

fn index_failed(input: &Value, expect: &Value) -> R<()> {
    let job = bli_job(&input["job"]);
    let pod = fx::pod(&input["pod"], "pod")?;
    check(
        "indexFailed",
        is_index_failed(&job, &pod, &profile(&input["featureGates"])?),
        expect["indexFailed"].as_bool().unwrap_or(false),
    )
}

fn calc_failed(input: &Value, expect: &Value) -> R<()> {
    let job = bli_job(&input["job"]);
    let pods = fx::pods(&input["pods"])?;
    let refs: Vec<&Pod> = pods.iter().collect();
    let got = calculate_failed_indexes(&job, &refs, &profile(&input["featureGates"])?);
    check(
        "failedIndexes",
        fx::intervals_json(&got),
        expect["failedIndexes"].clone(),
    )
}

fn delayed_deletion(input: &Value, expect: &Value) -> R<()> {
    let profile = profile(&input["featureGates"])?;
    let job = bli_job(&input["job"]);
    let pods = fx::pods(&input["pods"])?;
    let refs: Vec<&Pod> = pods.iter().collect();
    let active: Vec<&Pod> = refs.iter().copied().filter(|p| p.is_active()).collect();
    let (_, succeeded) = calculate_succeeded_indexes(&job, &refs);
    let failed = calculate_failed_indexes(&job, &refs, &profile);
    let expected_rm: UidSet = fx::uid_list(&input["expectedFinalizerRemovals"]).into_iter().collect();
    let got =
        pods_with_delayed_deletion_per_index(&job, &profile, NOW, &refs, &active, &succeeded, &failed, &expected_rm);
    let mut uids: Vec<String> = got.values().map(|p| p.metadata.uid.to_string()).collect();
    uids.sort();
    check(
        "podUIDsWithDelayedDeletion",
        uids,
        fx::str_list(&expect["podUIDsWithDelayedDeletion"]),
    )
}

fn new_failure_counts(input: &Value, expect: &Value) -> R<()> {
    let job = bli_job(&input["job"]);
    let pod = if input["lastFailedPod"].is_null() {
        None
    } else {
        Some(fx::pod(&input["lastFailedPod"], "pod")?)
    };
    let got = new_index_failure_counts(&job, pod.as_ref(), &profile(&input["featureGates"])?);
    check(
        "counts",
        got,
        (
            fx::opt_i32(&expect["indexFailureCount"]).unwrap_or(-1),
            fx::opt_i32(&expect["indexIgnoredFailureCount"]).unwrap_or(-1),
        ),
    )
}

fn index_failure_count(input: &Value, expect: &Value) -> R<()> {
    let mut pod = Pod::default();
    if let Some(s) = input["indexFailureCountAnnotation"].as_str() {
        pod.metadata
            .annotations
            .insert(JOB_INDEX_FAILURE_COUNT_ANNOTATION.into(), s.into());
    }
    check(
        "indexFailureCount",
        pod.index_failure_count(),
        fx::opt_i32(&expect["indexFailureCount"]).unwrap_or(-1),
    )
}

fn new_finished(input: &Value, expect: &Value) -> R<()> {
    let job = Job {
        status: fx::job_status(&input["jobStatus"])?,
        ..Default::default()
    };
    let pods = fx::pods(&input["pods"])?;
    let refs: Vec<&Pod> = pods.iter().collect();
    let state = JobState {
        finalizer_removals: fx::uid_list(&input["expectedFinalizerRemovals"]).into_iter().collect(),
        ..Default::default()
    };
    let (s, f) = finished_pod_totals(&job, &refs, &state, &Profile::new(32));
    check(
        "totals",
        (s as i64, f as i64),
        (
            expect["succeededTotal"].as_i64().unwrap_or(-1),
            expect["failedTotal"].as_i64().unwrap_or(-1),
        ),
    )
}

fn track_status(input: &Value, expect: &Value) -> R<()> {
    let env = env(&input["featureGates"])?;
    let mut jv = input["job"].clone();
    jv["name"] = json!("foobar");
    let mut job = fx::job(&jv)?;
    job.spec.parallelism = fx::opt_i32(&input["job"]["spec"]["parallelism"]);
    let pods = fx::pods(&input["pods"])?;
    let refs: Vec<&Pod> = pods.iter().collect();
    let finished = fx::conditions(
        &Value::Array(vec![input["finishedCondition"].clone()])
            .as_array()
            .filter(|_| !input["finishedCondition"].is_null())
            .map(|a| Value::Array(a.clone()))
            .unwrap_or(json!([])),
    )?;
    let mut state = JobState {
        finalizer_removals: fx::uid_list(&input["expectedFinalizerRemovals"]).into_iter().collect(),
        ..Default::default()
    };
    let mut client = FakeClient {
        status_update_fails: input["statusUpdateFails"].as_bool().unwrap_or(false),
        patch_fails: input["podPatchFails"].as_bool().unwrap_or(false),
        ..Default::default()
    };
    let res = track_job_status(
        &job,
        &refs,
        finished.into_iter().next(),
        input["needsFlush"].as_bool().unwrap_or(false),
        &mut state,
        &env,
        &mut client,
    );
    check("error", res.is_err(), expect["error"].as_bool().unwrap_or(false)).map_err(|e| format!("{e} ({res:?})"))?;
    if let Some(n) = expect["finalizerRemovalPatches"].as_u64() {
        check("finalizerRemovalPatches", client.patches as u64, n)?;
    }
    if let Some(updates) = expect["statusUpdates"].as_array() {
        check("number of status updates", client.status_updates.len(), updates.len())?;
        for (i, (w, g)) in updates.iter().zip(&client.status_updates).enumerate() {
            compare_status(w, g, &[]).map_err(|e| format!("update {i}: {e}"))?;
        }
    }
    Ok(())
}

fn cache_job(v: &Value) -> R<Option<Job>> {
    if v.is_null() || v.as_bool() == Some(false) {
        return Ok(None);
    }
    let mut j = Job::default();
    j.metadata.name = fx::opt_str(&v["name"]).unwrap_or_default();
    j.metadata.namespace = "default".into();
    j.metadata.uid = fx::opt_str(&v["uid"]).unwrap_or_default().into();
    j.spec.parallelism = fx::opt_i32(&v["parallelism"]);
    j.spec.completions = fx::opt_i32(&v["completions"]);
    j.status.conditions = fx::conditions(&v["conditions"])?;
    Ok(Some(j))
}

fn sync_orphan(input: &Value, expect: &Value) -> R<()> {
    let pod = fx::pod(&input["pod"], "pod")?;
    let job = cache_job(&input["jobInCache"])?;
    check(
        "finalizerRemoved",
        orphan_pod_finalizer_removable(&pod, job.as_ref(), &Profile::new(32)),
        expect["finalizerRemoved"].as_bool().unwrap_or(false),
    )
}

fn orphan_watch(input: &Value, expect: &Value) -> R<()> {
    let mut pod = fx::pod(&input["pod"], "pod")?;
    let mut job = cache_job(&input["job"])?.ok_or("vector has no job")?;
    job.metadata.uid = "job-uid".into();
    pod.metadata.owner_references.push(OwnerReference {
        api_version: "batch/v1".into(),
        kind: "Job".into(),
        name: job.metadata.name.clone(),
        uid: job.metadata.uid.clone(),
        controller: Some(true),
        block_owner_deletion: Some(true),
    });
    let in_cache = input["jobInCache"].as_bool() == Some(true);
    let got = orphan_pod_finalizer_removable(&pod, in_cache.then_some(&job), &Profile::new(32));
    check(
        "eventuallyFinalizerRemoved",
        got,
        expect["eventuallyFinalizerRemoved"].as_bool().unwrap_or(false),
    )
}
