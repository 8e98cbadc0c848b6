//! Why a sync did what it did, as it decides: what kept it from creating pods,
//! why it deleted them, which pod-failure-policy rule a failed pod matched and
//! which rule ended the Job. Not upstream (the controller only logs such
//! things); the simulator records them for `jobsim explain`. Filled in on the
//! paths where the decision is taken, so that nothing is guessed afterwards.

use crate::api::Time;

/// What a sync decided, with why (`SyncOutcome::causes`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Causes {
    /// Why it created no pod although the Job wants more.
    pub wait: Option<Wait>,
    /// Why it deleted the pods it deleted.
    pub deleting: Option<Deleting>,
    /// The condition it decided ends the Job, and the rule that decided it.
    pub finish: Option<Finish>,
    /// Failed pods it found matching a pod-failure-policy rule.
    pub policy_hits: Vec<PolicyHit>,
}

/// Why a sync created no pod although the Job wants more.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wait {
    /// The pod-failure back-off: `failures` since the last success, the
    /// latest finished at `last_failure`; the whole delay `backoff_ms`, of
    /// which `remaining_ms` is left; the sync is requeued after `requeue_ms`.
    Backoff {
        failures: i32,
        last_failure: Time,
        backoff_ms: i64,
        remaining_ms: i64,
        requeue_ms: i64,
    },
    /// `backoffLimitPerIndex`: every index that needs a pod is backing off.
    IndexBackoff { remaining_ms: i64, requeue_ms: i64 },
    /// Expectations not satisfied: creations (`add`) or deletions (`del`)
    /// still to be observed; the sync neither created nor deleted pods.
    Expectations { add: i64, del: i64 },
}

/// Why a sync deleted the pods it deleted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Deleting {
    /// The Job is finishing: its active pods go.
    JobFinishing,
    /// The Job is suspended.
    Suspended,
    /// More pods were active than wanted (or an index was duplicated).
    Excess { active: i32, wanted: i32 },
}

/// The rule by which a sync decided the Job's end.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FinishRule {
    BackoffLimit {
        failed: i32,
        limit: i32,
    },
    RestartLimit {
        restarts: i64,
        limit: i32,
    },
    PodFailurePolicy {
        index: u32,
        pod: String,
    },
    ActiveDeadline {
        seconds: i64,
    },
    MaxFailedIndexes {
        failed: i64,
        max: i32,
    },
    FailedIndexes {
        failed: i64,
    },
    SuccessPolicy {
        index: u32,
    },
    Completions {
        succeeded: i32,
        completions: Option<i32>,
    },
    /// A `FailureTarget` or `SuccessCriteriaMet` already in the status.
    Carried,
}

/// The condition a sync decided (type and reason) and its rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finish {
    pub condition: String,
    pub reason: String,
    pub rule: FinishRule,
}

/// A failed pod that matched a pod-failure-policy rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyHit {
    pub pod: String,
    pub index: u32,
    pub action: &'static str,
}
