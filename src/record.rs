//! The records the simulation hands to its outputs: timeline events by kind,
//! each Job's result, a replication's counters, and the sink trait rows go
//! through. Both `world/` (which makes them) and `output/` (which writes
//! them) depend on this module; neither depends on the other.

use crate::time::SimTime;

/// Declares [`EventKind`] from one list: each variant's name is its name in
/// `events.csv` (both ways), and [`EventKind::ALL`] holds them all, so they cannot drift.
macro_rules! event_kinds {
    ($($kind:ident),* $(,)?) => {
        /// Event names as they appear in `events.csv`.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum EventKind {
            $($kind),*
        }

        impl EventKind {
            /// Every kind, in declaration order.
            pub const ALL: &[EventKind] = &[$(EventKind::$kind),*];

            pub fn name(self) -> &'static str {
                match self {
                    $(EventKind::$kind => stringify!($kind)),*
                }
            }

            /// The kind an `events.csv` name stands for (reading a timeline back).
            pub fn from_name(name: &str) -> Option<EventKind> {
                match name {
                    $(stringify!($kind) => Some(EventKind::$kind),)*
                    _ => None,
                }
            }
        }
    };
}

event_kinds!(
    JobCreated,
    JobStarted,
    JobSuspended,
    JobResumed,
    PodCreated,
    PodScheduled,
    PodRunning,
    PodReady,
    PodSucceeded,
    PodFailed,
    ContainerRestarted,
    PodDeleting,
    PodDeleted,
    JobFailureTarget,
    JobSuccessCriteriaMet,
    JobComplete,
    JobFailed,
    JobDeleted,
    NodeLost,
    NodeRecovered,
    PodEvicted,
    PodUnschedulable,
    NodeDrained,
    NodeAdded,
    NodeRemoved,
);

/// Where timeline rows go. The simulator calls it for every event; a
/// replication whose timeline is not kept uses [`NullLog`].
pub trait EventLog {
    fn enabled(&self) -> bool {
        true
    }
    fn row(&mut self, t: SimTime, job: &str, pod: &str, index: Option<i32>, kind: EventKind, detail: &str);

    /// A row about a pod, with an id unique to it within the run (the
    /// simulator's pod slot): consumers that follow pods key them by `id`
    /// instead of hashing names. The others take it as a [`EventLog::row`].
    /// A timeline gives every pod row one way or the other, not both.
    #[allow(clippy::too_many_arguments)]
    fn pod_row(
        &mut self,
        t: SimTime,
        job: &str,
        pod: &str,
        _id: u32,
        index: Option<i32>,
        kind: EventKind,
        detail: &str,
    ) {
        self.row(t, job, pod, index, kind, detail);
    }
}

pub struct NullLog;

impl EventLog for NullLog {
    fn enabled(&self) -> bool {
        false
    }
    fn row(&mut self, _: SimTime, _: &str, _: &str, _: Option<i32>, _: EventKind, _: &str) {}
}

/// Per-Job results, filled as the run goes.
#[derive(Clone, Debug, Default)]
pub struct JobResult {
    pub name: String,
    pub workload: u32,
    pub ordinal: u32,
    pub status: &'static str,
    pub reason: String,
    pub created: SimTime,
    pub started: Option<SimTime>,
    pub finished: Option<SimTime>,
    pub deleted: Option<SimTime>,
    pub completions: Option<i32>,
    pub parallelism: i32,
    pub succeeded: i32,
    pub failed: i32,
    pub pods_created: u32,
    /// When the Job's first pod started running.
    pub first_running: Option<SimTime>,
    /// Pods that ended Failed.
    pub pods_failed: u32,
    pub restarts: u32,
    pub pod_ms: u64,
    pub failed_pod_ms: u64,
}

/// Counters of a run.
#[derive(Clone, Debug, Default)]
pub struct RunStats {
    pub syncs: u64,
    pub pods_created: u64,
    pub api_requests: u64,
    pub api_errors: u64,
    /// Time requests waited for the client's rate limiter.
    pub rate_limit_wait_ms: u64,
    /// Time pods waited for room on a node, per pod that waited.
    pub pending_ms: Vec<u64>,
    pub evictions: u64,
    pub node_losses: u64,
    /// Integrals over time of allocated and allocatable cpu (millicore·ms) and pod slots.
    pub cpu_used_area: f64,
    pub cpu_capacity_area: f64,
    pub pods_used_area: f64,
    pub pods_capacity_area: f64,
    /// Since when the integrals above are current.
    pub(crate) usage_since: SimTime,
}
