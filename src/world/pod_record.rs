//! A pod as the simulation keeps it: the fields of the API object that the
//! Job controller and the kubelet model read, in a compact record, instead of
//! a `Pod` object with maps and strings the simulation never fills. The
//! controller reads it through [`PodView`], as it reads the conformance
//! vectors' `Pod` objects.

use super::PodId;
use crate::api::{ContainerStatus, PodCondition, PodPhase, PodView, Time, Uid};
use compact_str::CompactString;
use std::rc::Rc;
use thin_vec::ThinVec;

pub(crate) struct PodRecord {
    /// The pod's place in the world's pod slab: how a controller call names it.
    pub slot: PodId,
    pub uid: Uid,
    /// Inline up to 24 bytes (generateName's prefix and five characters):
    /// no allocation for all but long Job names.
    pub name: CompactString,
    /// The Job's namespace, shared by its workload's pods.
    pub namespace: Rc<str>,
    pub phase: PodPhase,
    pub bound: bool,
    pub tracking_finalizer: bool,
    /// The `batch.kubernetes.io/job-completion-index` annotation.
    pub completion_index: Option<i32>,
    /// The per-index failure-count annotations (0 when absent).
    pub index_failure_count: i32,
    pub index_ignored_failure_count: i32,
    pub creation_timestamp: Time,
    pub deletion_timestamp: Option<Time>,
    pub deletion_grace_period_seconds: Option<i64>,
    pub start_time: Option<Time>,
    /// `ThinVec`s (a pointer, not three words): most pods in a big run are
    /// pending, with neither.
    pub conditions: ThinVec<PodCondition>,
    pub container_statuses: ThinVec<ContainerStatus>,
}

impl PodView for PodRecord {
    fn uid(&self) -> &Uid {
        &self.uid
    }

    fn name(&self) -> &str {
        &self.name
    }

    fn namespace(&self) -> &str {
        &self.namespace
    }

    fn phase(&self) -> PodPhase {
        self.phase
    }

    fn creation_timestamp(&self) -> Option<Time> {
        Some(self.creation_timestamp)
    }

    fn deletion_timestamp(&self) -> Option<Time> {
        self.deletion_timestamp
    }

    fn deletion_grace_period_seconds(&self) -> Option<i64> {
        self.deletion_grace_period_seconds
    }

    fn is_bound(&self) -> bool {
        self.bound
    }

    fn has_tracking_finalizer(&self) -> bool {
        self.tracking_finalizer
    }

    fn completion_index(&self) -> Option<i32> {
        self.completion_index
    }

    fn index_failure_count(&self) -> i32 {
        self.index_failure_count
    }

    fn index_ignored_failure_count(&self) -> i32 {
        self.index_ignored_failure_count
    }

    fn conditions(&self) -> &[PodCondition] {
        &self.conditions
    }

    fn container_statuses(&self) -> &[ContainerStatus] {
        &self.container_statuses
    }

    /// The simulation runs no init containers.
    fn init_container_statuses(&self) -> &[ContainerStatus] {
        &[]
    }

    fn is_sidecar(&self, _container: &str) -> bool {
        false
    }
}
