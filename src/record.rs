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
    JobUpdateRejected,
    PodPreempted,
);

/// What a timeline row says besides its kind, typed. `events.csv` writes it
/// as `key=value` pairs separated by `;` ([`Detail`]'s `Display`), and
/// [`Detail::parse`] reads that text back: the one place that knows the format.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Detail<'a> {
    None,
    /// `node=NAME`: a node lost, recovered, drained or removed.
    Node {
        node: &'a str,
    },
    /// `node=NAME;cpu=MILLI;memory=BYTES;pods=N[;RESOURCE=N...]`: a node
    /// joins (0: unlimited), with its extended resources (`nvidia.com/gpu=4`).
    NodeAdded {
        node: &'a str,
        cpu_milli: i64,
        memory: i64,
        pods: i64,
        /// `RESOURCE=N` fields joined by `;`, or empty.
        extended: &'a str,
    },
    /// `node=NAME[;cpu=MILLI;memory=BYTES[;RESOURCE=N...]]`: a pod bound,
    /// with the room it holds there (none on an unlimited cluster or for a
    /// pod that asks for nothing), extended resources included.
    Bound {
        node: &'a str,
        request: Option<(i64, i64)>,
        /// `RESOURCE=N` fields joined by `;`, or empty.
        extended: &'a str,
    },
    /// `exitCode=N;container=NAME`: a pod ended after its container ran.
    Exited {
        exit_code: i32,
        container: &'a str,
    },
    /// `exitCode=N;container=NAME;restartCount=N;backoff=DURATION`.
    Restarted {
        exit_code: i32,
        container: &'a str,
        restart_count: i32,
        backoff_ms: u64,
    },
    /// `grace=DURATION`: a graceful deletion.
    Grace {
        grace_ms: u64,
    },
    /// `reason=R[;message=M]`: why (a condition, an eviction, a deletion, a
    /// pod the scheduler could not place); empty when there is no reason.
    Reason {
        reason: &'a str,
        message: &'a str,
    },
}

impl std::fmt::Display for Detail<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use crate::time::format_duration;
        match *self {
            Detail::None => Ok(()),
            Detail::Node { node } => write!(f, "node={node}"),
            Detail::NodeAdded {
                node,
                cpu_milli,
                memory,
                pods,
                extended,
            } => {
                write!(f, "node={node};cpu={cpu_milli};memory={memory};pods={pods}")?;
                extended_fields(f, extended)
            }
            Detail::Bound {
                node, request: None, ..
            } => write!(f, "node={node}"),
            Detail::Bound {
                node,
                request: Some((cpu, memory)),
                extended,
            } => {
                write!(f, "node={node};cpu={cpu};memory={memory}")?;
                extended_fields(f, extended)
            }
            Detail::Exited { exit_code, container } => write!(f, "exitCode={exit_code};container={container}"),
            Detail::Restarted {
                exit_code,
                container,
                restart_count,
                backoff_ms,
            } => write!(
                f,
                "exitCode={exit_code};container={container};restartCount={restart_count};backoff={}",
                format_duration(backoff_ms)
            ),
            Detail::Grace { grace_ms } => write!(f, "grace={}", format_duration(grace_ms)),
            Detail::Reason { reason: "", .. } => Ok(()),
            Detail::Reason { reason, message: "" } => write!(f, "reason={reason}"),
            Detail::Reason { reason, message } => write!(f, "reason={reason};message={message}"),
        }
    }
}

fn extended_fields(f: &mut std::fmt::Formatter<'_>, extended: &str) -> std::fmt::Result {
    if extended.is_empty() {
        Ok(())
    } else {
        write!(f, ";{extended}")
    }
}

/// The `RESOURCE=N` fields of a [`Detail::NodeAdded`] or [`Detail::Bound`]'s
/// `extended`, as (resource, amount); fields that do not read are skipped.
pub fn extended_resources(extended: &str) -> impl Iterator<Item = (&str, i64)> {
    (extended.split(';'))
        .filter_map(|kv| kv.split_once('='))
        .filter_map(|(k, v)| Some((k, v.parse().ok()?)))
}

/// What follows the field `key` of `text` (`key=VALUE;REST`): REST, or empty.
fn after_field<'a>(text: &'a str, key: &str) -> &'a str {
    let start = if text.starts_with(key) {
        Some(0)
    } else {
        text.find(&format!(";{key}")).map(|i| i + 1)
    };
    start
        .and_then(|i| text[i..].find(';').map(|j| &text[i + j + 1..]))
        .unwrap_or("")
}

/// A detail that does not read as its kind's.
#[derive(Debug, thiserror::Error, PartialEq)]
#[error("{kind} detail {text:?}: {why}")]
pub struct DetailError {
    kind: &'static str,
    text: String,
    why: &'static str,
}

impl<'a> Detail<'a> {
    /// Reads the detail of a row of `kind` back from its `events.csv` text.
    pub fn parse(kind: EventKind, text: &'a str) -> Result<Detail<'a>, DetailError> {
        use EventKind::*;
        let fail = |why| DetailError {
            kind: kind.name(),
            text: text.to_string(),
            why,
        };
        let fields = Fields(text);
        let num = |key: &str| -> Result<i64, DetailError> {
            let v = fields.get(key).ok_or_else(|| fail("a field is missing"))?;
            v.parse().map_err(|_| fail("a number does not read"))
        };
        let duration = |key: &str| -> Result<u64, DetailError> {
            let v = fields.get(key).ok_or_else(|| fail("a field is missing"))?;
            crate::time::parse_duration(v).map_err(|_| fail("a duration does not read"))
        };
        let node = || fields.get("node").ok_or_else(|| fail("no node"));
        Ok(match kind {
            NodeLost | NodeRecovered | NodeDrained | NodeRemoved => Detail::Node { node: node()? },
            NodeAdded => Detail::NodeAdded {
                node: node()?,
                cpu_milli: num("cpu")?,
                memory: num("memory")?,
                pods: num("pods")?,
                extended: after_field(text, "pods="),
            },
            PodScheduled => match fields.get("cpu") {
                None => Detail::Bound {
                    node: node()?,
                    request: None,
                    extended: "",
                },
                Some(_) => Detail::Bound {
                    node: node()?,
                    request: Some((num("cpu")?, num("memory")?)),
                    extended: after_field(text, "memory="),
                },
            },
            PodSucceeded | PodFailed if fields.get("exitCode").is_some() => Detail::Exited {
                exit_code: num("exitCode")? as i32,
                container: fields.get("container").unwrap_or(""),
            },
            ContainerRestarted => Detail::Restarted {
                exit_code: num("exitCode")? as i32,
                container: fields.get("container").unwrap_or(""),
                restart_count: num("restartCount")? as i32,
                backoff_ms: duration("backoff")?,
            },
            PodDeleting => Detail::Grace {
                grace_ms: duration("grace")?,
            },
            _ if text.is_empty() => Detail::None,
            // A reason may hold anything but `;message=`, a message anything at all.
            _ => match text.strip_prefix("reason=") {
                Some(rest) => match rest.split_once(";message=") {
                    Some((reason, message)) => Detail::Reason { reason, message },
                    None => Detail::Reason {
                        reason: rest,
                        message: "",
                    },
                },
                None => return Err(fail("expected reason=…")),
            },
        })
    }
}

/// `key=value` pairs separated by `;`.
struct Fields<'a>(&'a str);

impl<'a> Fields<'a> {
    fn get(&self, key: &str) -> Option<&'a str> {
        self.0
            .split(';')
            .find_map(|kv| kv.strip_prefix(key).and_then(|v| v.strip_prefix('=')))
    }
}

/// One timeline row.
#[derive(Clone, Copy, Debug)]
pub struct Row<'a> {
    pub t: SimTime,
    /// The Job's name; empty for rows about nodes.
    pub job: &'a str,
    /// The pod's name; empty for rows about Jobs and nodes.
    pub pod: &'a str,
    /// An id of the pod unique within the replication (the simulator's pod
    /// slot): consumers that follow pods key them by it instead of hashing
    /// names. `None` when the row is about no pod, or comes from a file.
    pub pod_id: Option<u32>,
    /// The completion index of an Indexed Job's pod.
    pub index: Option<i32>,
    pub kind: EventKind,
    pub detail: Detail<'a>,
}

impl<'a> Row<'a> {
    /// A row about a Job.
    pub fn job(t: SimTime, job: &'a str, kind: EventKind, detail: Detail<'a>) -> Self {
        Row {
            t,
            job,
            pod: "",
            pod_id: None,
            index: None,
            kind,
            detail,
        }
    }

    /// A row about a node.
    pub fn node(t: SimTime, kind: EventKind, detail: Detail<'a>) -> Self {
        Row::job(t, "", kind, detail)
    }

    /// A row about pod `id` of a Job.
    pub fn pod(
        t: SimTime,
        job: &'a str,
        pod: &'a str,
        id: u32,
        index: Option<i32>,
        kind: EventKind,
        detail: Detail<'a>,
    ) -> Self {
        Row {
            t,
            job,
            pod,
            pod_id: Some(id),
            index,
            kind,
            detail,
        }
    }
}

/// Where timeline rows go. The simulator hands it every event; a
/// replication whose timeline is not kept uses [`NullLog`].
pub trait EventLog {
    /// Whether rows are wanted at all (the simulator skips composing them if not).
    fn enabled(&self) -> bool {
        true
    }
    fn record(&mut self, row: &Row);
}

/// Hands `log` a row read back from the fields of an `events.csv` line (the
/// detail unquoted): pods known by name only.
#[allow(clippy::too_many_arguments)]
pub fn record_text(
    log: &mut dyn EventLog,
    t: SimTime,
    job: &str,
    pod: &str,
    index: Option<i32>,
    kind: EventKind,
    detail: &str,
) -> Result<(), DetailError> {
    let detail = Detail::parse(kind, detail)?;
    log.record(&Row {
        t,
        job,
        pod,
        pod_id: None,
        index,
        kind,
        detail,
    });
    Ok(())
}

pub struct NullLog;

impl EventLog for NullLog {
    fn enabled(&self) -> bool {
        false
    }
    fn record(&mut self, _: &Row) {}
}

/// Where a replication's Job results go: each as its Job leaves the world
/// (finished or deleted, its pods gone), the rest at the end of the run, so
/// that no one has to hold every Job's result.
pub trait ResultSink {
    fn job(&mut self, result: JobResult);
}

/// Every result, in the order they came (tests, and small runs).
impl ResultSink for Vec<JobResult> {
    fn job(&mut self, result: JobResult) {
        self.push(result);
    }
}

/// Per-Job results, filled as the run goes.
#[derive(Clone, Debug, Default)]
pub struct JobResult {
    pub name: String,
    pub workload: u32,
    pub ordinal: u32,
    pub status: &'static str,
    pub reason: String,
    /// `metadata.creationTimestamp` (simulated time): `created` in `jobs.csv`.
    pub created: SimTime,
    /// When the API first stored a status with `startTime` (the `JobStarted`
    /// row of `events.csv`); the world's flag for that row, not an output:
    /// `jobs.csv` gives the final `status.startTime` ([`JobResult::start_time`]).
    pub started: Option<SimTime>,
    /// When the Job finished, by its own timestamps as `jobs.yaml` shows them:
    /// `status.completionTime` of a Complete Job, the `Failed` condition's
    /// `lastTransitionTime` of a Failed one; `None` while it runs. The API can
    /// store that status later (`events.csv`'s `JobComplete` and `JobFailed`
    /// rows), when the controller's writes wait for its rate limiter.
    pub finished: Option<SimTime>,
    pub deleted: Option<SimTime>,
    pub completions: Option<i32>,
    pub parallelism: i32,
    pub succeeded: i32,
    pub failed: i32,
    pub pods_created: u32,
    /// When the Job's first pod started running (`first_pod_running`).
    pub first_running: Option<SimTime>,
    /// Pods that failed on their own (a non-zero exit, a deadline, a lost node).
    pub pods_failed: u32,
    pub restarts: u32,
    pub pod_ms: u64,
    /// Run time of the failed pods, and of containers that crashed and restarted in place.
    pub failed_pod_ms: u64,
    /// Pods that ended because they were deleted (by the controller, a drain's
    /// eviction or the garbage collector), and their run time.
    pub pods_deleted: u32,
    pub deleted_pod_ms: u64,
    /// The final Job object's `status.startTime` (`start_time` in `jobs.csv`)
    /// and `status.completionTime` (simulated time), which kubectl's DURATION
    /// reads.
    pub start_time: Option<SimTime>,
    pub completion_time: Option<SimTime>,
    /// STATUS as `kubectl get jobs` prints it for the final Job object.
    pub printed_status: &'static str,
    /// Why a Job that did not finish was still open when the run ended (for
    /// the report; not written to `jobs.csv`).
    pub unfinished_why: Option<String>,
}

impl JobResult {
    /// Created to finished: what the Job's submitter waited (`turnaround` in
    /// `jobs.csv`, `turnaroundSeconds` in `summary.json`); `None` while it runs.
    pub fn turnaround(&self) -> Option<SimTime> {
        Some(self.finished?.saturating_sub(self.created))
    }

    /// kubectl's DURATION (`printJob`): `completionTime − startTime`, or,
    /// without a completionTime (a Failed or running Job), the time since
    /// `startTime` at `end`, or at the Job's deletion if it was deleted
    /// earlier (the last moment kubectl could show it); `None` without a
    /// `startTime`. The terminal's table and `jobs.csv`'s `duration`.
    pub fn kubectl_duration(&self, end: SimTime) -> Option<SimTime> {
        let start = self.start_time?;
        let until = self.completion_time.unwrap_or(self.deleted.unwrap_or(end).min(end));
        Some(until.saturating_sub(start))
    }
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
    /// Pods the scheduler preempted; kept when workloads differ in priority.
    pub preemptions: Option<u64>,
    pub node_losses: u64,
    /// Integrals over time of allocated and allocatable cpu (millicore·ms) and pod slots.
    pub cpu_used_area: f64,
    pub cpu_capacity_area: f64,
    pub pods_used_area: f64,
    pub pods_capacity_area: f64,
    /// Since when the integrals above are current.
    pub(crate) usage_since: SimTime,
    /// Per node pool, when some pool has a price: what was paid for and how
    /// much of it was requested.
    pub pools: Vec<PoolUsage>,
}

/// A node pool's nodes over a run: node-time paid for, and that time
/// weighted by how busy each node was ([`crate::cluster::nodes::Nodes::busy_share`]).
#[derive(Clone, Debug, Default)]
pub struct PoolUsage {
    pub name: String,
    pub price_per_hour: Option<f64>,
    /// Integral over time of the pool's nodes not removed (node·ms).
    pub node_ms: f64,
    /// Integral over time of the sum of their busy shares (node·ms).
    pub busy_ms: f64,
}
