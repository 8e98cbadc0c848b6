//! The world's ids: a Job's place in the Job table and a pod's in the pod
//! slab, each dense from 0 in creation order and never reused within a run.
//! Typed, so that one cannot be passed where the other is meant; the records
//! the outputs read carry them as plain numbers (`Row::pod_id`, `Decision::job_id`).

/// A Job of the run: its entry in `slab::JobTable`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct JobId(pub u32);

/// A pod of the run: its entry in `slab::PodSlab`. Pod
/// names and UIDs are made from it, so it is never reused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PodId(pub u32);

impl JobId {
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

impl PodId {
    pub fn index(self) -> usize {
        self.0 as usize
    }
}
