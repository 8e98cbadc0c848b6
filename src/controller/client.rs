//! The controller's writes, as a trait: the simulator routes them through its
//! API model (latency, rate limits, injected errors), the conformance harness
//! through a fake that fails on request. Results come back as inputs to the sync.

use super::indexes::push_generate_name_with_index;
use crate::api::{Job, JobStatus};
use std::fmt;

/// An API error as the controller distinguishes them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ApiError {
    /// The object is gone; deletes and finalizer patches treat this as success.
    NotFound,
    /// Creation refused because the namespace is terminating; ignored silently.
    NamespaceTerminating,
    /// Any other failure (conflict, throttling, server error...).
    Other(String),
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiError::NotFound => f.write_str("not found"),
            ApiError::NamespaceTerminating => f.write_str("namespace is being terminated"),
            ApiError::Other(m) => f.write_str(m),
        }
    }
}

/// What a pod creation asks for; the caller builds the pod from the Job's
/// template (the world's `create_pod`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PodCreate {
    /// Completion index, for Indexed Jobs.
    pub index: Option<i32>,
    /// `job-index-failure-count` (with backoffLimitPerIndex).
    pub index_failure_count: Option<i32>,
    /// `job-index-ignored-failure-count`, only when positive.
    pub index_ignored_failure_count: Option<i32>,
}

impl PodCreate {
    /// Appends the pod's `generateName` for a Job named `job_name`:
    /// `podGenerateNameWithIndex` for Indexed Jobs, the `<job>-` prefix of
    /// `getPodsPrefix` otherwise. Written into the caller's buffer, so that a
    /// pod's name costs one allocation, not two.
    pub fn push_generate_name(&self, job_name: &str, out: &mut String) {
        match self.index {
            Some(ix) => push_generate_name_with_index(job_name, ix, out),
            None => {
                out.push_str(job_name);
                out.push('-');
            }
        }
    }

    /// The pod's `generateName`, as [`PodCreate::push_generate_name`] writes it.
    pub fn generate_name(&self, job_name: &str) -> String {
        let mut out = String::new();
        self.push_generate_name(job_name, &mut out);
        out
    }
}

/// The Job controller's API client (`podControl` plus `updateStatusHandler`),
/// for pods read as `P`.
pub trait JobClient<P> {
    /// The request is handed over: the client keeps it, if anything.
    fn create_pod(&mut self, job: &Job, req: PodCreate) -> Result<(), ApiError>;
    /// Graceful DELETE; the pod keeps its finalizers.
    fn delete_pod(&mut self, job: &Job, pod: &P) -> Result<(), ApiError>;
    /// Strategic-merge PATCH removing `batch.kubernetes.io/job-tracking`.
    fn remove_tracking_finalizer(&mut self, pod: &P) -> Result<(), ApiError>;
    /// `UpdateStatus`: `job` with `status` as its new status. The status is
    /// handed over: a sync's last write of it moves it, no copy.
    fn update_status(&mut self, job: &Job, status: JobStatus) -> Result<(), ApiError>;
}
