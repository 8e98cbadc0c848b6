//! `batch/v1` Job: every field of the 1.27 API plus the newer ones
//! (backoffLimitPerIndex, maxFailedIndexes, podReplacementPolicy,
//! successPolicy, managedBy, status.terminating, status.failedIndexes).
//! Field names and optionality follow `k8s.io/api/batch/v1/types.go`.

use super::meta::{Extra, LabelSelector, ObjectMeta, Uid};
use super::pod::PodTemplateSpec;
use super::time::Time;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

/// `spec.managedBy` value that leaves a Job to the built-in controller.
pub const JOB_CONTROLLER_NAME: &str = "kubernetes.io/job-controller";

// Completion modes, pod replacement policies and condition types, as strings
// because manifests may carry values the API does not know (validation rejects them).
pub const NON_INDEXED: &str = "NonIndexed";
pub const INDEXED: &str = "Indexed";
pub const TERMINATING_OR_FAILED: &str = "TerminatingOrFailed";
pub const FAILED: &str = "Failed";

pub const COND_SUSPENDED: &str = "Suspended";
pub const COND_COMPLETE: &str = "Complete";
pub const COND_FAILED: &str = "Failed";
pub const COND_FAILURE_TARGET: &str = "FailureTarget";
pub const COND_SUCCESS_CRITERIA_MET: &str = "SuccessCriteriaMet";

pub const REASON_BACKOFF_LIMIT_EXCEEDED: &str = "BackoffLimitExceeded";
pub const REASON_DEADLINE_EXCEEDED: &str = "DeadlineExceeded";
pub const REASON_POD_FAILURE_POLICY: &str = "PodFailurePolicy";
pub const REASON_MAX_FAILED_INDEXES_EXCEEDED: &str = "MaxFailedIndexesExceeded";
pub const REASON_FAILED_INDEXES: &str = "FailedIndexes";
pub const REASON_SUCCESS_POLICY: &str = "SuccessPolicy";
pub const REASON_COMPLETIONS_REACHED: &str = "CompletionsReached";

pub const ACTION_FAIL_JOB: &str = "FailJob";
pub const ACTION_FAIL_INDEX: &str = "FailIndex";
pub const ACTION_IGNORE: &str = "Ignore";
pub const ACTION_COUNT: &str = "Count";

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Job {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub api_version: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub kind: String,
    #[serde(default)]
    pub metadata: ObjectMeta,
    #[serde(default)]
    pub spec: JobSpec,
    #[serde(default)]
    pub status: JobStatus,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JobSpec {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active_deadline_seconds: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backoff_limit: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backoff_limit_per_index: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completion_mode: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completions: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub managed_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manual_selector: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_failed_indexes: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parallelism: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pod_failure_policy: Option<PodFailurePolicy>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pod_replacement_policy: Option<String>,
    /// Boxed: every Job has one (generated if not given), but inline its 48
    /// bytes took `Job` past 1,024 bytes, into the allocator's 1,280-byte
    /// class (ARCHITECTURE.md, Performance).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selector: Option<Box<LabelSelector>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub success_policy: Option<SuccessPolicy>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suspend: Option<bool>,
    #[serde(default)]
    pub template: PodTemplateSpec,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ttl_seconds_after_finished: Option<i32>,
    /// Fields this model does not know; `jobsim validate` warns about them.
    #[serde(flatten)]
    pub extra: Extra,
}

/// The field names of `JobSpec`, for "did you mean" hints.
pub const JOB_SPEC_FIELDS: &[&str] = &[
    "activeDeadlineSeconds",
    "backoffLimit",
    "backoffLimitPerIndex",
    "completionMode",
    "completions",
    "managedBy",
    "manualSelector",
    "maxFailedIndexes",
    "parallelism",
    "podFailurePolicy",
    "podReplacementPolicy",
    "selector",
    "successPolicy",
    "suspend",
    "template",
    "ttlSecondsAfterFinished",
];

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PodFailurePolicy {
    #[serde(default)]
    pub rules: Vec<PodFailurePolicyRule>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PodFailurePolicyRule {
    #[serde(default)]
    pub action: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_exit_codes: Option<PodFailurePolicyOnExitCodesRequirement>,
    /// `None` and `Some(vec![])` differ: the real matcher tests for nil.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_pod_conditions: Option<Vec<PodFailurePolicyOnPodConditionsPattern>>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PodFailurePolicyOnExitCodesRequirement {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container_name: Option<String>,
    #[serde(default)]
    pub operator: String,
    #[serde(default)]
    pub values: Vec<i32>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PodFailurePolicyOnPodConditionsPattern {
    /// Defaulted to `True` by `SetDefaults_Job`.
    #[serde(default)]
    pub status: String,
    #[serde(rename = "type")]
    pub type_: String,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SuccessPolicy {
    #[serde(default)]
    pub rules: Vec<SuccessPolicyRule>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SuccessPolicyRule {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub succeeded_count: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub succeeded_indexes: Option<String>,
}

fn is_zero(v: &i32) -> bool {
    *v == 0
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JobStatus {
    #[serde(default, skip_serializing_if = "is_zero")]
    pub active: i32,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub completed_indexes: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completion_time: Option<Time>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<JobCondition>,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub failed: i32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failed_indexes: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ready: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_time: Option<Time>,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub succeeded: i32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub terminating: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uncounted_terminated_pods: Option<UncountedTerminatedPods>,
}

impl JobStatus {
    /// The status as the API server stores it: every time in whole seconds.
    pub fn stored(mut self) -> JobStatus {
        let cut = |t: &mut Option<Time>| *t = t.map(Time::whole_seconds);
        cut(&mut self.start_time);
        cut(&mut self.completion_time);
        for c in &mut self.conditions {
            cut(&mut c.last_probe_time);
            cut(&mut c.last_transition_time);
        }
        self
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UncountedTerminatedPods {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub failed: Vec<Uid>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub succeeded: Vec<Uid>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JobCondition {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_probe_time: Option<Time>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_transition_time: Option<Time>,
    /// `Cow`, as the pod conditions' strings: the controller writes constant
    /// types, statuses, reasons and most messages, which then need no heap
    /// copy per Job, nor per copy of its status.
    #[serde(default, skip_serializing_if = "str::is_empty")]
    pub message: Cow<'static, str>,
    #[serde(default, skip_serializing_if = "str::is_empty")]
    pub reason: Cow<'static, str>,
    pub status: Cow<'static, str>,
    #[serde(rename = "type")]
    pub type_: Cow<'static, str>,
}

impl JobCondition {
    /// `newCondition`: both timestamps are `now`.
    pub fn new(
        type_: impl Into<Cow<'static, str>>,
        status: impl Into<Cow<'static, str>>,
        reason: impl Into<Cow<'static, str>>,
        message: impl Into<Cow<'static, str>>,
        now: Time,
    ) -> Self {
        JobCondition {
            type_: type_.into(),
            status: status.into(),
            last_probe_time: Some(now),
            last_transition_time: Some(now),
            reason: reason.into(),
            message: message.into(),
        }
    }

    pub fn is_true(&self) -> bool {
        self.status == "True"
    }
}

impl Job {
    pub fn is_indexed(&self) -> bool {
        self.spec.completion_mode.as_deref() == Some(INDEXED)
    }

    pub fn is_suspended(&self) -> bool {
        self.spec.suspend == Some(true)
    }

    /// `namespace/name`, the work-queue key.
    pub fn key(&self) -> String {
        format!("{}/{}", self.metadata.namespace, self.metadata.name)
    }

    pub fn find_condition(&self, type_: &str) -> Option<&JobCondition> {
        self.status.conditions.iter().find(|c| c.type_ == type_)
    }

    /// `util.FinishedCondition`: the first `Complete=True` or `Failed=True` condition.
    pub fn finished_condition(&self) -> Option<&JobCondition> {
        finished_condition(&self.status.conditions)
    }

    /// `util.IsJobFinished`.
    pub fn is_finished(&self) -> bool {
        self.finished_condition().is_some()
    }
}

/// `util.FinishedCondition` over a condition list.
pub fn finished_condition(conditions: &[JobCondition]) -> Option<&JobCondition> {
    conditions
        .iter()
        .find(|c| (c.type_ == COND_COMPLETE || c.type_ == COND_FAILED) && c.is_true())
}

/// `util.IsJobSucceeded`.
pub fn is_job_succeeded(conditions: &[JobCondition]) -> bool {
    conditions.iter().any(|c| c.type_ == COND_COMPLETE && c.is_true())
}
