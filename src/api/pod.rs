//! The parts of `core/v1` Pod that the Job controller, the kubelet model and
//! the scheduler read. Unknown fields of a pod template are kept in `extra`.

use super::keys::{
    JOB_COMPLETION_INDEX_ANNOTATION, JOB_INDEX_FAILURE_COUNT_ANNOTATION, JOB_INDEX_IGNORED_FAILURE_COUNT_ANNOTATION,
    JOB_TRACKING_FINALIZER,
};
use super::meta::{Extra, ObjectMeta, Uid};
use super::time::Time;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::collections::BTreeMap;

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PodTemplateSpec {
    #[serde(default)]
    pub metadata: ObjectMeta,
    /// Shared: the Jobs a workload stamps from its prototype share one pod
    /// spec (its containers, their resources and images) instead of each
    /// copying it, and dropping it, on another thread; writers go through
    /// `Arc::make_mut`.
    #[serde(default)]
    pub spec: std::sync::Arc<PodSpec>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PodSpec {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active_deadline_seconds: Option<i64>,
    #[serde(default)]
    pub containers: Vec<Container>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub hostname: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub init_containers: Vec<Container>,
    /// `Cow`: the unlimited cluster's node name is a constant, bound to every
    /// pod without a heap copy.
    #[serde(default, skip_serializing_if = "str::is_empty")]
    pub node_name: Cow<'static, str>,
    /// `Never` or `OnFailure` for Jobs; empty when unset.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub restart_policy: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub termination_grace_period_seconds: Option<i64>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Container {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    #[serde(default)]
    pub name: String,
    #[serde(default, skip_serializing_if = "ResourceRequirements::is_empty")]
    pub resources: ResourceRequirements,
    /// Only `Always`, on init containers: a sidecar (`SidecarContainers`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restart_policy: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceRequirements {
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub limits: BTreeMap<String, super::quantity::Quantity>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub requests: BTreeMap<String, super::quantity::Quantity>,
}

impl ResourceRequirements {
    pub fn is_empty(&self) -> bool {
        self.requests.is_empty() && self.limits.is_empty()
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Pod {
    #[serde(default)]
    pub metadata: ObjectMeta,
    #[serde(default)]
    pub spec: PodSpec,
    #[serde(default)]
    pub status: PodStatus,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum PodPhase {
    /// Phase not set (`""`).
    #[default]
    #[serde(rename = "")]
    Unset,
    Pending,
    Running,
    Succeeded,
    Failed,
    Unknown,
}

impl PodPhase {
    pub fn is_terminal(self) -> bool {
        matches!(self, PodPhase::Succeeded | PodPhase::Failed)
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PodStatus {
    #[serde(default)]
    pub phase: PodPhase,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<PodCondition>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub init_container_statuses: Vec<ContainerStatus>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub container_statuses: Vec<ContainerStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_time: Option<Time>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PodCondition {
    /// `Cow`: the kubelet model writes constant types and statuses, which
    /// then need no heap copy per pod.
    #[serde(rename = "type")]
    pub type_: Cow<'static, str>,
    pub status: Cow<'static, str>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_transition_time: Option<Time>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reason: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub message: String,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContainerStatus {
    /// Shared with the template's container name: a pod's statuses copy no string.
    pub name: std::sync::Arc<str>,
    #[serde(default)]
    pub restart_count: i32,
    #[serde(default)]
    pub ready: bool,
    #[serde(default)]
    pub state: ContainerState,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContainerState {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waiting: Option<ContainerStateWaiting>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub running: Option<ContainerStateRunning>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub terminated: Option<ContainerStateTerminated>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContainerStateWaiting {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reason: String,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContainerStateRunning {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at: Option<Time>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContainerStateTerminated {
    pub exit_code: i32,
    #[serde(default, skip_serializing_if = "str::is_empty")]
    pub reason: Cow<'static, str>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at: Option<Time>,
    /// `None` is Go's zero time: "no finish time".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<Time>,
}

/// Pod condition types and the `DisruptionTarget` reasons (`core/v1`).
pub const POD_READY: &str = "Ready";
pub const DISRUPTION_TARGET: &str = "DisruptionTarget";

/// What the Job controller reads of a pod. The conformance vectors hand it
/// `Pod` objects; the simulation hands it its compact pod records, so one
/// source of `syncJob` serves both.
pub trait PodView: 'static {
    fn uid(&self) -> &Uid;
    fn name(&self) -> &str;
    fn namespace(&self) -> &str;
    fn phase(&self) -> PodPhase;
    fn creation_timestamp(&self) -> Option<Time>;
    fn deletion_timestamp(&self) -> Option<Time>;
    fn deletion_grace_period_seconds(&self) -> Option<i64>;
    /// Bound to a node (`spec.nodeName` set).
    fn is_bound(&self) -> bool;
    /// Carries `batch.kubernetes.io/job-tracking`.
    fn has_tracking_finalizer(&self) -> bool;
    /// `getCompletionIndex`: the index annotation as a non-negative integer, or `None`.
    fn completion_index(&self) -> Option<i32>;
    /// `parseIndexFailureCountAnnotation`: invalid, negative or too large values read as 0.
    fn index_failure_count(&self) -> i32;
    /// `parseIndexFailureIgnoreCountAnnotation`.
    fn index_ignored_failure_count(&self) -> i32;
    fn conditions(&self) -> &[PodCondition];
    fn container_statuses(&self) -> &[ContainerStatus];
    fn init_container_statuses(&self) -> &[ContainerStatus];
    /// An init container of this name restarts `Always`: a sidecar (`SidecarContainers`).
    fn is_sidecar(&self, container: &str) -> bool;

    /// `podutil.IsPodReady`: a `Ready` condition with status `True`.
    fn is_ready(&self) -> bool {
        self.condition(POD_READY).is_some_and(|c| c.status == "True")
    }

    fn condition(&self, type_: &str) -> Option<&PodCondition> {
        self.conditions().iter().find(|c| c.type_ == type_)
    }

    /// `controller.IsPodActive`: not terminal and not being deleted.
    fn is_active(&self) -> bool {
        !self.phase().is_terminal() && self.deletion_timestamp().is_none()
    }

    /// `controller.IsPodTerminating`: being deleted but not yet terminal.
    fn is_terminating(&self) -> bool {
        !self.phase().is_terminal() && self.deletion_timestamp().is_some()
    }

    /// `maxContainerRestarts`: the highest restart count of the regular containers.
    fn max_container_restarts(&self) -> i32 {
        self.container_statuses()
            .iter()
            .map(|c| c.restart_count)
            .max()
            .unwrap_or(0)
    }
}

impl PodView for Pod {
    fn uid(&self) -> &Uid {
        &self.metadata.uid
    }

    fn name(&self) -> &str {
        &self.metadata.name
    }

    fn namespace(&self) -> &str {
        &self.metadata.namespace
    }

    fn phase(&self) -> PodPhase {
        self.status.phase
    }

    fn creation_timestamp(&self) -> Option<Time> {
        self.metadata.creation_timestamp
    }

    fn deletion_timestamp(&self) -> Option<Time> {
        self.metadata.deletion_timestamp
    }

    fn deletion_grace_period_seconds(&self) -> Option<i64> {
        self.metadata.deletion_grace_period_seconds
    }

    fn is_bound(&self) -> bool {
        !self.spec.node_name.is_empty()
    }

    fn has_tracking_finalizer(&self) -> bool {
        self.metadata.finalizers.iter().any(|f| f == JOB_TRACKING_FINALIZER)
    }

    fn completion_index(&self) -> Option<i32> {
        let v = self.metadata.annotations.get(JOB_COMPLETION_INDEX_ANNOTATION)?;
        parse_go_int(v).and_then(|i| i32::try_from(i).ok()).filter(|i| *i >= 0)
    }

    fn index_failure_count(&self) -> i32 {
        parse_count_annotation(self.metadata.annotations.get(JOB_INDEX_FAILURE_COUNT_ANNOTATION))
    }

    fn index_ignored_failure_count(&self) -> i32 {
        parse_count_annotation(
            self.metadata
                .annotations
                .get(JOB_INDEX_IGNORED_FAILURE_COUNT_ANNOTATION),
        )
    }

    fn conditions(&self) -> &[PodCondition] {
        &self.status.conditions
    }

    fn container_statuses(&self) -> &[ContainerStatus] {
        &self.status.container_statuses
    }

    fn init_container_statuses(&self) -> &[ContainerStatus] {
        &self.status.init_container_statuses
    }

    fn is_sidecar(&self, container: &str) -> bool {
        self.spec
            .init_containers
            .iter()
            .any(|c| c.name == container && c.restart_policy.as_deref() == Some("Always"))
    }
}

/// `strconv.Atoi`: an optional sign followed by decimal digits.
pub fn parse_go_int(s: &str) -> Option<i64> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse::<i64>().ok()
}

fn parse_count_annotation(v: Option<&String>) -> i32 {
    match v.and_then(|v| parse_go_int(v)) {
        Some(n) if (0..=i32::MAX as i64).contains(&n) => n as i32,
        _ => 0,
    }
}
