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
pub enum DetailOf<S> {
    None,
    /// `node=NAME`: a node lost, recovered, drained or removed.
    Node {
        node: S,
    },
    /// `node=NAME;cpu=MILLI;memory=BYTES;pods=N[;RESOURCE=N...]`: a node
    /// joins (0: unlimited), with its extended resources (`nvidia.com/gpu=4`).
    NodeAdded {
        node: S,
        cpu_milli: i64,
        memory: i64,
        pods: i64,
        /// `RESOURCE=N` fields joined by `;`, or empty.
        extended: S,
    },
    /// `node=NAME[;cpu=MILLI;memory=BYTES[;RESOURCE=N...]]`: a pod bound,
    /// with the room it holds there (none on an unlimited cluster or for a
    /// pod that asks for nothing), extended resources included.
    Bound {
        node: S,
        request: Option<(i64, i64)>,
        /// `RESOURCE=N` fields joined by `;`, or empty.
        extended: S,
    },
    /// `exitCode=N;container=NAME`: a pod ended after its container ran.
    Exited {
        exit_code: i32,
        container: S,
    },
    /// `exitCode=N;container=NAME;restartCount=N;backoff=DURATION`.
    Restarted {
        exit_code: i32,
        container: S,
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
        reason: S,
        message: S,
    },
}

/// A detail whose names are borrowed text: what the world hands the sinks
/// and what [`Detail::parse`] reads back.
pub type Detail<'a> = DetailOf<&'a str>;

impl<S> DetailOf<S> {
    /// The same detail with each name turned by `f` (kept in a buffer, say).
    pub fn map<T>(self, mut f: impl FnMut(S) -> T) -> DetailOf<T> {
        match self {
            DetailOf::None => DetailOf::None,
            DetailOf::Node { node } => DetailOf::Node { node: f(node) },
            DetailOf::NodeAdded {
                node,
                cpu_milli,
                memory,
                pods,
                extended,
            } => DetailOf::NodeAdded {
                node: f(node),
                cpu_milli,
                memory,
                pods,
                extended: f(extended),
            },
            DetailOf::Bound {
                node,
                request,
                extended,
            } => DetailOf::Bound {
                node: f(node),
                request,
                extended: f(extended),
            },
            DetailOf::Exited { exit_code, container } => DetailOf::Exited {
                exit_code,
                container: f(container),
            },
            DetailOf::Restarted {
                exit_code,
                container,
                restart_count,
                backoff_ms,
            } => DetailOf::Restarted {
                exit_code,
                container: f(container),
                restart_count,
                backoff_ms,
            },
            DetailOf::Grace { grace_ms } => DetailOf::Grace { grace_ms },
            DetailOf::Reason { reason, message } => DetailOf::Reason {
                reason: f(reason),
                message: f(message),
            },
        }
    }
}

impl std::fmt::Display for DetailOf<&str> {
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

impl<'a> DetailOf<&'a str> {
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
    /// Whether [`Decision`]s are wanted (`decisions.csv`); the simulator skips
    /// composing them if not.
    fn decisions(&self) -> bool {
        false
    }
    /// A decision of the controller, with its cause.
    fn decide(&mut self, _: &Decision) {}
    /// The Job `job_id` has left the world: nothing more is decided of it,
    /// so what was kept about its decisions can go.
    fn job_left(&mut self, _job_id: u32) {}
    /// Whether final Job objects are wanted (`jobs.yaml`); the simulator
    /// skips handing them over if not.
    fn jobs(&self) -> bool {
        false
    }
    /// A Job's final object, with the index of its workload: as the Job
    /// finishes, or at the end of the run for those that did not.
    fn job_final(&mut self, _job: &crate::api::Job, _workload: u32) {}
    /// The log takes a Job's final object: by default [`EventLog::job_final`],
    /// then the object is dropped here; a log that carries it to another
    /// thread (`study::pipe`) keeps it. Not [`EventLog::job_left`], which
    /// tells the decisions' log that a Job left the world.
    fn take_job_final(&mut self, job: Box<crate::api::Job>, workload: u32) {
        self.job_final(&job, workload);
    }
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

/// Feeds a log rows written as `events.csv` holds them, for tests of the
/// sinks: each read back through [`Detail::parse`], as `jobsim plot` does.
#[cfg(test)]
pub trait Feed {
    fn row(&mut self, t: SimTime, job: &str, pod: &str, index: Option<i32>, kind: EventKind, detail: &str);
}

#[cfg(test)]
impl<L: EventLog> Feed for L {
    fn row(&mut self, t: SimTime, job: &str, pod: &str, index: Option<i32>, kind: EventKind, detail: &str) {
        record_text(self, t, job, pod, index, kind, detail).expect("a test row's detail parses");
    }
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
    /// Of `syncs`, those skipped as provably changing nothing, and those
    /// that only wrote a new ready count (world/quiet.rs); not reported, as
    /// they decide exactly what a full sync decides.
    pub quiet_syncs: u64,
    pub ready_syncs: u64,
    /// Of `syncs`, those a worker started as soon as a delayed add came due
    /// (world/mod.rs, `take_keys_after_timer`); not reported either.
    pub syncs_at_once: u64,
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
/// weighted by how busy each node was (the cluster's `Nodes::busy_share`).
#[derive(Clone, Debug, Default)]
pub struct PoolUsage {
    pub name: String,
    pub price_per_hour: Option<f64>,
    /// Integral over time of the pool's nodes not removed (node·ms).
    pub node_ms: f64,
    /// Integral over time of the sum of their busy shares (node·ms).
    pub busy_ms: f64,
}

/// Why the controller did what it did, recorded by the model as it decides
/// (not read back from the timeline): `decisions.csv`, which `jobsim explain`
/// reads beside `events.csv`. The world hands these to [`EventLog::decide`].
/// Generic over its strings as [`DetailOf`] is, so that a decision can cross
/// to the writer thread with them packed ([`CauseOf::map`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum CauseOf<S> {
    /// A sync created no pod: the pod-failure back-off runs. `failures` is the
    /// count of failures since the last success it comes from, `last_failure`
    /// the finish time of the latest (as the controller read it), `backoff_ms`
    /// the whole delay (`10 s · 2^(failures−1)`, capped) and `requeue_ms` when
    /// the controller syncs the Job again (at least the 1 s batch period from 1.28).
    Backoff {
        failures: i32,
        last_failure: SimTime,
        backoff_ms: u64,
        remaining_ms: u64,
        requeue_ms: u64,
    },
    /// A sync created no pod: every index that needs one is in its per-index
    /// back-off (`backoffLimitPerIndex`).
    IndexBackoff { remaining_ms: u64, requeue_ms: u64 },
    /// A sync created and deleted nothing: pod creations or deletions it
    /// expects are not yet observed (`SatisfiedExpectations`).
    Expectations { creations: i64, deletions: i64 },
    /// The API client's rate limiter held a sync's requests back by `delay_ms`
    /// (`kubeAPIQPS`, `kubeAPIBurst`); `creates` of them created pods.
    Throttled { requests: u32, creates: u32, delay_ms: u64 },
    /// The controller deleted the row's pod, and why.
    Delete { why: DeleteWhy },
    /// The sync ran `delay_ms` after the first change the controller's
    /// informer delivered since its previous sync, at `since`: pod events
    /// wait for the batch period (`syncJobBatchPeriod`) before the Job syncs.
    /// Recorded for a sync that decided something else worth a row.
    Batched { since: SimTime, delay_ms: u64 },
    /// A failed pod (the row's) matched rule `index` of the pod failure policy.
    PolicyRule { index: u32, action: S },
    /// The sync decided the condition that ends the Job (`condition`, `reason`),
    /// by `rule`.
    Finish { condition: S, reason: S, rule: RuleOf<S> },
}

/// A decision's cause, its strings borrowed.
pub type Cause<'a> = CauseOf<&'a str>;

impl<S> CauseOf<S> {
    /// The same cause with each string passed through `f`.
    pub fn map<T>(self, mut f: impl FnMut(S) -> T) -> CauseOf<T> {
        match self {
            CauseOf::Backoff {
                failures,
                last_failure,
                backoff_ms,
                remaining_ms,
                requeue_ms,
            } => CauseOf::Backoff {
                failures,
                last_failure,
                backoff_ms,
                remaining_ms,
                requeue_ms,
            },
            CauseOf::IndexBackoff {
                remaining_ms,
                requeue_ms,
            } => CauseOf::IndexBackoff {
                remaining_ms,
                requeue_ms,
            },
            CauseOf::Expectations { creations, deletions } => CauseOf::Expectations { creations, deletions },
            CauseOf::Throttled {
                requests,
                creates,
                delay_ms,
            } => CauseOf::Throttled {
                requests,
                creates,
                delay_ms,
            },
            CauseOf::Delete { why } => CauseOf::Delete { why },
            CauseOf::Batched { since, delay_ms } => CauseOf::Batched { since, delay_ms },
            CauseOf::PolicyRule { index, action } => CauseOf::PolicyRule {
                index,
                action: f(action),
            },
            CauseOf::Finish {
                condition,
                reason,
                rule,
            } => {
                let (condition, reason) = (f(condition), f(reason));
                CauseOf::Finish {
                    condition,
                    reason,
                    rule: rule.map(f),
                }
            }
        }
    }
}

/// Why the controller deleted a pod.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeleteWhy {
    /// The Job is finishing (failed or met its success criteria): its active pods go.
    JobFinishing,
    /// The Job is suspended.
    Suspended,
    /// More pods were active than the Job wants (`active`, `wanted`), or an
    /// index had a duplicate.
    Excess { active: i32, wanted: i32 },
}

/// The rule that decided a Job's end.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum RuleOf<S> {
    /// More failed pods than `backoffLimit`.
    BackoffLimit { failed: i32, limit: i32 },
    /// `restartPolicy: OnFailure`: container restarts reached `backoffLimit`.
    RestartLimit { restarts: i64, limit: i32 },
    /// A `FailJob` rule of the pod failure policy (by index) matched the pod.
    PodFailurePolicy { index: u32, pod: S },
    /// `activeDeadlineSeconds` passed since `startTime`.
    ActiveDeadline { seconds: i64 },
    /// `maxFailedIndexes` exceeded.
    MaxFailedIndexes { failed: i64, max: i32 },
    /// Every index succeeded or failed, some failed (`backoffLimitPerIndex`).
    FailedIndexes { failed: i64 },
    /// A success policy rule (by index) matched.
    SuccessPolicy { index: u32 },
    /// Enough pods succeeded: `completions` (none: a work queue's first
    /// success with no pod active).
    Completions { succeeded: i32, completions: Option<i32> },
    /// A condition already set (`FailureTarget`, `SuccessCriteriaMet`) carried to its end.
    Carried,
}

/// The rule that decided a Job's end, its strings borrowed.
pub type Rule<'a> = RuleOf<&'a str>;

impl<S> RuleOf<S> {
    /// The same rule with its string passed through `f`.
    pub fn map<T>(self, mut f: impl FnMut(S) -> T) -> RuleOf<T> {
        match self {
            RuleOf::BackoffLimit { failed, limit } => RuleOf::BackoffLimit { failed, limit },
            RuleOf::RestartLimit { restarts, limit } => RuleOf::RestartLimit { restarts, limit },
            RuleOf::PodFailurePolicy { index, pod } => RuleOf::PodFailurePolicy { index, pod: f(pod) },
            RuleOf::ActiveDeadline { seconds } => RuleOf::ActiveDeadline { seconds },
            RuleOf::MaxFailedIndexes { failed, max } => RuleOf::MaxFailedIndexes { failed, max },
            RuleOf::FailedIndexes { failed } => RuleOf::FailedIndexes { failed },
            RuleOf::SuccessPolicy { index } => RuleOf::SuccessPolicy { index },
            RuleOf::Completions { succeeded, completions } => RuleOf::Completions { succeeded, completions },
            RuleOf::Carried => RuleOf::Carried,
        }
    }
}

impl std::fmt::Display for Cause<'_> {
    /// The `detail` column of `decisions.csv`: `key=value` pairs separated by `;`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match *self {
            Cause::Backoff {
                failures,
                last_failure,
                backoff_ms,
                remaining_ms,
                requeue_ms,
            } => write!(
                f,
                "failures={failures};lastFailure={};backoff={};remaining={};requeue={}",
                crate::time::format_seconds(last_failure),
                crate::time::format_duration(backoff_ms),
                crate::time::format_duration(remaining_ms),
                crate::time::format_duration(requeue_ms)
            ),
            Cause::IndexBackoff {
                remaining_ms,
                requeue_ms,
            } => write!(
                f,
                "remaining={};requeue={}",
                crate::time::format_duration(remaining_ms),
                crate::time::format_duration(requeue_ms)
            ),
            Cause::Expectations { creations, deletions } => write!(f, "creations={creations};deletions={deletions}"),
            Cause::Throttled {
                requests,
                creates,
                delay_ms,
            } => write!(
                f,
                "requests={requests};creates={creates};delay={}",
                crate::time::format_duration(delay_ms)
            ),
            Cause::Delete { why } => match why {
                DeleteWhy::JobFinishing => f.write_str("why=JobFinishing"),
                DeleteWhy::Suspended => f.write_str("why=Suspended"),
                DeleteWhy::Excess { active, wanted } => write!(f, "why=Excess;active={active};wanted={wanted}"),
            },
            Cause::PolicyRule { index, action } => write!(f, "index={index};action={action}"),
            Cause::Batched { since, delay_ms } => write!(
                f,
                "since={};delay={}",
                crate::time::format_seconds(since),
                crate::time::format_duration(delay_ms)
            ),
            Cause::Finish {
                condition,
                reason,
                rule,
            } => {
                write!(f, "condition={condition};reason={reason};")?;
                match rule {
                    Rule::BackoffLimit { failed, limit } => {
                        write!(f, "rule=backoffLimit;failed={failed};limit={limit}")
                    }
                    Rule::RestartLimit { restarts, limit } => {
                        write!(f, "rule=restartsOnFailure;restarts={restarts};limit={limit}")
                    }
                    Rule::PodFailurePolicy { index, pod } => write!(f, "rule=podFailurePolicy;index={index};pod={pod}"),
                    Rule::ActiveDeadline { seconds } => write!(f, "rule=activeDeadlineSeconds;seconds={seconds}"),
                    Rule::MaxFailedIndexes { failed, max } => {
                        write!(f, "rule=maxFailedIndexes;failed={failed};max={max}")
                    }
                    Rule::FailedIndexes { failed } => write!(f, "rule=failedIndexes;failed={failed}"),
                    Rule::SuccessPolicy { index } => write!(f, "rule=successPolicy;index={index}"),
                    Rule::Completions {
                        succeeded,
                        completions: Some(c),
                    } => write!(f, "rule=completions;succeeded={succeeded};completions={c}"),
                    Rule::Completions {
                        succeeded,
                        completions: None,
                    } => write!(f, "rule=completions;succeeded={succeeded}"),
                    Rule::Carried => f.write_str("rule=carried"),
                }
            }
        }
    }
}

impl Cause<'_> {
    /// The `cause` column of `decisions.csv`.
    pub fn name(&self) -> &'static str {
        match self {
            Cause::Backoff { .. } => "Backoff",
            Cause::IndexBackoff { .. } => "IndexBackoff",
            Cause::Expectations { .. } => "Expectations",
            Cause::Throttled { .. } => "Throttled",
            Cause::Delete { .. } => "Delete",
            Cause::PolicyRule { .. } => "PolicyRule",
            Cause::Batched { .. } => "Batched",
            Cause::Finish { .. } => "Finish",
        }
    }
}

/// One record of a decision: when, about which Job (and pod), and its cause.
#[derive(Clone, Copy, Debug)]
pub struct Decision<'a> {
    pub t: SimTime,
    pub job: &'a str,
    /// An id of the Job unique within the replication, dense from 0 (the
    /// simulator's Job slot): a sink that remembers something per Job keys
    /// it by this instead of the name.
    pub job_id: u32,
    /// The pod's name, for causes about one pod; empty otherwise.
    pub pod: &'a str,
    pub cause: Cause<'a>,
}

/// A `decisions.csv` cause that does not read back.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CauseError {
    #[error("unknown cause {0:?}")]
    UnknownCause(String),
    /// A field of the detail is missing.
    #[error("no {0}")]
    Missing(&'static str),
    #[error("{key}={value:?} is not a number")]
    NotNumber { key: &'static str, value: String },
    #[error("{key}={value:?} is not a duration")]
    NotDuration { key: &'static str, value: String },
    #[error("{0} is not a time")]
    NotTime(&'static str),
    #[error("unknown why={0:?}")]
    UnknownWhy(String),
    #[error("unknown rule={0:?}")]
    UnknownRule(String),
}

/// A number of a `decisions.csv` detail.
fn field_num<T: std::str::FromStr>(fields: &Fields, key: &'static str) -> Result<T, CauseError> {
    let v = fields.get(key).ok_or(CauseError::Missing(key))?;
    v.parse().map_err(|_| CauseError::NotNumber {
        key,
        value: v.to_string(),
    })
}

fn field_duration(fields: &Fields, key: &'static str) -> Result<u64, CauseError> {
    let v = fields.get(key).ok_or(CauseError::Missing(key))?;
    crate::time::parse_duration(v).map_err(|_| CauseError::NotDuration {
        key,
        value: v.to_string(),
    })
}

/// Seconds with decimals (`12.345`) as milliseconds.
pub fn parse_seconds(v: &str) -> Option<SimTime> {
    let (whole, frac) = v.split_once('.').unwrap_or((v, ""));
    if frac.len() > 3 || whole.is_empty() || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let whole: u64 = whole.parse().ok()?;
    let frac: u64 = if frac.is_empty() {
        0
    } else {
        format!("{frac:0<3}").parse().ok()?
    };
    whole.checked_mul(1000)?.checked_add(frac)
}

impl<'a> Cause<'a> {
    /// Reads a cause back from its `decisions.csv` name and detail.
    pub fn parse(name: &str, text: &'a str) -> Result<Cause<'a>, CauseError> {
        let f = Fields(text);
        let get = |key: &'static str| f.get(key).ok_or(CauseError::Missing(key));
        Ok(match name {
            "Backoff" => Cause::Backoff {
                failures: field_num(&f, "failures")?,
                last_failure: parse_seconds(get("lastFailure")?).ok_or(CauseError::NotTime("lastFailure"))?,
                backoff_ms: field_duration(&f, "backoff")?,
                remaining_ms: field_duration(&f, "remaining")?,
                requeue_ms: field_duration(&f, "requeue")?,
            },
            "IndexBackoff" => Cause::IndexBackoff {
                remaining_ms: field_duration(&f, "remaining")?,
                requeue_ms: field_duration(&f, "requeue")?,
            },
            "Expectations" => Cause::Expectations {
                creations: field_num(&f, "creations")?,
                deletions: field_num(&f, "deletions")?,
            },
            "Throttled" => Cause::Throttled {
                requests: field_num(&f, "requests")?,
                creates: field_num(&f, "creates")?,
                delay_ms: field_duration(&f, "delay")?,
            },
            "Delete" => Cause::Delete {
                why: match get("why")? {
                    "JobFinishing" => DeleteWhy::JobFinishing,
                    "Suspended" => DeleteWhy::Suspended,
                    "Excess" => DeleteWhy::Excess {
                        active: field_num(&f, "active")?,
                        wanted: field_num(&f, "wanted")?,
                    },
                    other => return Err(CauseError::UnknownWhy(other.to_string())),
                },
            },
            "PolicyRule" => Cause::PolicyRule {
                index: field_num(&f, "index")?,
                action: get("action")?,
            },
            "Batched" => Cause::Batched {
                since: parse_seconds(get("since")?).ok_or(CauseError::NotTime("since"))?,
                delay_ms: field_duration(&f, "delay")?,
            },
            "Finish" => Cause::Finish {
                condition: get("condition")?,
                reason: get("reason")?,
                rule: match get("rule")? {
                    "backoffLimit" => Rule::BackoffLimit {
                        failed: field_num(&f, "failed")?,
                        limit: field_num(&f, "limit")?,
                    },
                    "restartsOnFailure" => Rule::RestartLimit {
                        restarts: field_num(&f, "restarts")?,
                        limit: field_num(&f, "limit")?,
                    },
                    "podFailurePolicy" => Rule::PodFailurePolicy {
                        index: field_num(&f, "index")?,
                        pod: get("pod")?,
                    },
                    "activeDeadlineSeconds" => Rule::ActiveDeadline {
                        seconds: field_num(&f, "seconds")?,
                    },
                    "maxFailedIndexes" => Rule::MaxFailedIndexes {
                        failed: field_num(&f, "failed")?,
                        max: field_num(&f, "max")?,
                    },
                    "failedIndexes" => Rule::FailedIndexes {
                        failed: field_num(&f, "failed")?,
                    },
                    "successPolicy" => Rule::SuccessPolicy {
                        index: field_num(&f, "index")?,
                    },
                    "completions" => Rule::Completions {
                        succeeded: field_num(&f, "succeeded")?,
                        completions: match f.get("completions") {
                            None => None,
                            Some(_) => Some(field_num(&f, "completions")?),
                        },
                    },
                    "carried" => Rule::Carried,
                    other => return Err(CauseError::UnknownRule(other.to_string())),
                },
            },
            other => return Err(CauseError::UnknownCause(other.to_string())),
        })
    }
}

#[cfg(test)]
mod cause_tests {
    use super::*;

    /// Every shape of cause reads back from its name and detail as written.
    #[test]
    fn causes_read_back_as_written() {
        let causes = [
            Cause::Backoff {
                failures: 2,
                last_failure: 20_000,
                backoff_ms: 20_000,
                remaining_ms: 19_000,
                requeue_ms: 19_000,
            },
            Cause::IndexBackoff {
                remaining_ms: 9_500,
                requeue_ms: 9_500,
            },
            Cause::Expectations {
                creations: 2,
                deletions: 0,
            },
            Cause::Throttled {
                requests: 40,
                creates: 39,
                delay_ms: 1_450,
            },
            Cause::Delete {
                why: DeleteWhy::JobFinishing,
            },
            Cause::Delete {
                why: DeleteWhy::Suspended,
            },
            Cause::Delete {
                why: DeleteWhy::Excess { active: 5, wanted: 3 },
            },
            Cause::PolicyRule {
                index: 1,
                action: "Ignore",
            },
            Cause::Batched {
                since: 5_000,
                delay_ms: 1_000,
            },
            Cause::Finish {
                condition: "FailureTarget",
                reason: "BackoffLimitExceeded",
                rule: Rule::BackoffLimit { failed: 4, limit: 3 },
            },
            Cause::Finish {
                condition: "Failed",
                reason: "BackoffLimitExceeded",
                rule: Rule::RestartLimit { restarts: 6, limit: 6 },
            },
            Cause::Finish {
                condition: "FailureTarget",
                reason: "PodFailurePolicy",
                rule: Rule::PodFailurePolicy {
                    index: 0,
                    pod: "bugged-x7k2p",
                },
            },
            Cause::Finish {
                condition: "Failed",
                reason: "DeadlineExceeded",
                rule: Rule::ActiveDeadline { seconds: 30 },
            },
            Cause::Finish {
                condition: "Failed",
                reason: "MaxFailedIndexesExceeded",
                rule: Rule::MaxFailedIndexes { failed: 3, max: 2 },
            },
            Cause::Finish {
                condition: "Failed",
                reason: "FailedIndexes",
                rule: Rule::FailedIndexes { failed: 1 },
            },
            Cause::Finish {
                condition: "SuccessCriteriaMet",
                reason: "SuccessPolicy",
                rule: Rule::SuccessPolicy { index: 0 },
            },
            Cause::Finish {
                condition: "Complete",
                reason: "",
                rule: Rule::Completions {
                    succeeded: 6,
                    completions: Some(6),
                },
            },
            Cause::Finish {
                condition: "Complete",
                reason: "CompletionsReached",
                rule: Rule::Completions {
                    succeeded: 1,
                    completions: None,
                },
            },
            Cause::Finish {
                condition: "Failed",
                reason: "PodFailurePolicy",
                rule: Rule::Carried,
            },
        ];
        for c in causes {
            let text = c.to_string();
            assert_eq!(Cause::parse(c.name(), &text), Ok(c), "{text}");
        }
        assert!(Cause::parse("Backoff", "failures=x").is_err());
        assert!(Cause::parse("Nonsense", "").is_err());
        assert_eq!(parse_seconds("12.345"), Some(12_345));
        assert_eq!(parse_seconds("12.3"), Some(12_300));
        assert_eq!(parse_seconds("7"), Some(7_000));
        assert_eq!(parse_seconds("1.2345"), None);
        assert_eq!(parse_seconds("x"), None);
    }
}
