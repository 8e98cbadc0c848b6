//! The Job controller core: a pure function of (Job, its pods, controller
//! memory, clock) that issues API calls through [`JobClient`]. No queue, no
//! randomness, no I/O: the simulator and the conformance harness both drive it.

pub mod backoff;
pub mod causes;
pub mod client;
pub mod conditions;
pub mod failure_policy;
pub mod indexes;
pub mod intervals;
pub mod job_pods;
pub mod pod_lists;
pub mod pods;
pub mod queue_rules;
pub mod state;
pub mod success_policy;
pub mod sync;
pub mod sync_error;

/// The version profile and feature gates live in `api/` (validation and
/// defaulting depend on them too); `controller::gates` is kept as their path here.
pub use crate::api::profile as gates;
pub use client::{ApiError, JobClient, PodCreate};
pub use gates::{FeatureGates, Profile};
pub use job_pods::{ActiveCounts, JobPods, WalkAll};
pub use pod_lists::PodLists;
pub use state::JobState;
pub use sync::{JobEvent, SyncEnv, SyncOutcome, sync_job, sync_ready_changed};
pub use sync_error::{SyncError, TrackError};
#[cfg(test)]
mod sync_tests;
