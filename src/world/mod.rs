//! The glue: a closed set of events, the objects they act on (Jobs, pods,
//! nodes), and the rules that connect the controller core to the work queue,
//! the API client, the scheduler and the kubelet model. One `World` is one
//! replication.
//!
//! - `mod.rs`: events, syncs (through `cluster::workqueue` and `cluster::apiclient`) and their API writes.
//! - `jobs.rs`: arrivals, status updates, finishing, TTL (when: `cluster::ttl`), scripted Job actions.
//! - `ids.rs`: `JobId` and `PodId`, the world's typed ids.
//! - `slab.rs`: Jobs and pods by id, an entry emptied when its Job or pod leaves the world.
//! - `pod_record.rs`: a pod as the controller and the kubelet model read it.
//! - `pods.rs`: pod creation, scheduling, and the events of the kubelet's
//!   lifecycle and of graceful deletion (what the kubelet decides is `cluster::kubelet`'s).
//! - `nodes.rs`: node loss and recovery, drains, adding and removing nodes, spot reclaims
//!   (what the node lifecycle controller, its taint manager and the Eviction API
//!   decide is `cluster::nodelifecycle`'s).
//! - `autoscaler.rs`: the cluster autoscaler's scans, scale-ups and scale-downs.
//! - `preemption.rs`: pod priority, nominations and the scheduler's preemption.
//! - `decisions.rs`: a sync's causes turned into the decisions handed to the log.
//! - `quiet.rs`: syncs that provably change nothing, skipped, or only the ready count, shortened.

mod autoscaler;
mod decisions;
mod ids;
mod job_pods;
mod jobs;
pub use jobs::JobPrototype;
mod nodes;
mod pod_record;
mod pods;
mod preemption;
mod quiet;
#[cfg(test)]
pub(crate) use quiet::skip_quiet_syncs;
mod slab;

use crate::api::*;
use crate::cluster::apiclient::{ApiClient, Call, Endpoint, TokenBucket};
use crate::cluster::kubelet::{self, CrashBackoff};
use crate::cluster::nodes::{Nodes, PodFit, Request, UnfitCounts, pod_request, pod_scalar_request};
use crate::cluster::workqueue::WorkQueue;
use crate::controller::queue_rules::{error_requeue_delay_ms, job_update_delay_ms, pod_event_delay_ms};
use crate::controller::{
    ApiError, JobClient, JobState, PodCreate, PodLists, Profile, SyncEnv, sync_job, sync_ready_changed,
};
use crate::dist::Dist;
use crate::engine::{EventQueue, Model};
use crate::record::{EventKind, EventLog, ResultSink};
pub use crate::record::{JobResult, RunStats};
use crate::rng::{Purpose, StreamKey, splitmix64};
use crate::scenario::Scenario;
use crate::time::SimTime;
use crate::workload::{AttemptId, AttemptPlan, plan_attempt};
pub use ids::{JobId, PodId};
use job_pods::PodClass;
use pod_record::PodRecord;
use quiet::SyncPath;
use slab::{JobTable, PodSlab};
use std::collections::VecDeque;
use thin_vec::ThinVec;

#[cfg(test)]
thread_local! {
    /// Tests turn syncing at once off on their thread, to compare.
    static SYNC_AT_ONCE: std::cell::Cell<bool> = const { std::cell::Cell::new(true) };
}

/// Whether this thread's worlds start a lone key's sync at once when its
/// `Sync` would be the next event (tests compare both ways).
#[cfg(test)]
pub(crate) fn sync_at_once(on: bool) {
    SYNC_AT_ONCE.with(|s| s.set(on));
}

/// Every event of the simulation.
#[derive(Clone, Copy, Debug)]
pub enum Ev {
    /// A workload's Job `ordinal` is created.
    Arrive { workload: u32, ordinal: u32 },
    /// A delayed add of a Job key to the work queue comes due.
    QueueAdd { job: JobId, epoch: u32 },
    /// A worker starts syncing a Job.
    Sync { job: JobId },
    /// The sync's last API call returned: the worker is free.
    SyncDone { job: JobId },
    /// The next group of a sync's API calls completes.
    ApplyWrites { job: JobId },
    /// The controller's informer delivers a change.
    Observe { job: JobId, what: Observed },
    /// A pod's scheduling latency has passed: the scheduler tries to bind it.
    Schedule { pod: PodId, epoch: u32 },
    /// A step of a pod's life, planned by the kubelet model.
    Pod { pod: PodId, epoch: u32, step: PodStep },
    /// The taint manager evicts a pod of a lost node.
    Evict { pod: PodId, epoch: u32 },
    /// A node of a pool is lost (disruption `index`, which of its losses).
    NodeLoss { disruption: u32, loss: LossNumber },
    /// A lost node comes back.
    NodeRecover { node: u32 },
    /// A finished Job's TTL expires.
    TtlExpire { job: JobId },
    /// A scripted action.
    Action { index: u32 },
    /// The cluster autoscaler's periodic scan.
    AutoscalerScan,
    /// A node the autoscaler asked for joins its pool.
    NodeProvisioned { pool: u32 },
    /// A spot node gets its reclaim notice (`removal`: false) or goes (true).
    SpotReclaim { node: u32, removal: bool },
}

/// Which loss of a node-loss disruption: one at a scripted time (by its
/// place in `at`), or one of the drawn series (from 0).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LossNumber {
    Scripted(u32),
    Drawn(u32),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PodStep {
    /// Containers started: Running.
    Start,
    /// Readiness reached: Ready=True.
    Ready,
    /// The container exits (or is killed).
    Exit,
    /// A crashed container restarts in place (`restartPolicy: OnFailure`).
    Restart,
}

/// A change the Job controller's informers deliver.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Observed {
    /// A pod of the Job appeared (`CreationObserved`).
    PodAdded,
    /// A pod got a deletion timestamp or was deleted (`DeletionObserved`).
    PodDeleted,
    /// A pod's tracking finalizer is gone (pod slot).
    FinalizerRemoved(PodId),
    /// A pod's status changed.
    PodChanged { old: PodPhase, new: PodPhase },
    /// The Job's status changed (its own write, echoed).
    JobUpdated,
}

/// What the template of a workload's pods says, precomputed once.
pub(crate) struct TemplateInfo {
    /// The Jobs' namespace, which their pods share.
    namespace: std::rc::Rc<str>,
    containers: Vec<std::sync::Arc<str>>,
    grace_ms: u64,
    on_failure: bool,
    /// The pods' request, and the pools their scheduling directives admit.
    fit: PodFit,
    /// Its extended resources as the timeline writes them (`nvidia.com/gpu=1`).
    extended_request: String,
    /// Pod-level `activeDeadlineSeconds`, in ms.
    active_deadline_ms: Option<u64>,
    /// The pods' priority (from their PriorityClass), and whether they may preempt.
    priority: i32,
    preempts: bool,
    /// `cluster-autoscaler.kubernetes.io/safe-to-evict: "false"`: the
    /// autoscaler does not drain a node that runs one of these pods.
    not_safe_to_evict: bool,
    /// The workload's Job as created, defaulted once.
    prototype: JobPrototype,
}

/// The scheduler's message for a pod that fits nowhere, kept while the nodes
/// and the workload stay the same (pods created in a burst ask for room on the
/// same full cluster), and reused while the counts it names do not change.
struct UnfitDetail {
    /// `Nodes::version` and the workload the counts were made for.
    version: u64,
    workload: usize,
    counts: UnfitCounts,
    could_ever_fit: bool,
    reason: String,
}

/// A Job of the world, within the allocator's 512-byte size class (its
/// name is its result's).
struct JobSlot {
    /// The Job object; dropped once the Job is finished and written out.
    job: Option<Box<Job>>,
    state: JobState,
    workload: u32,
    /// Pods the controller still sees: live, or terminal with the tracking finalizer.
    pods: Vec<PodId>,
    /// Those of `pods` no longer active, in no order (job_pods.rs).
    inactive: Vec<PodId>,
    /// How many of `pods` are active and ready.
    active_ready: i32,
    next_pod_ordinal: u32,
    /// Pods created so far for each completion index (Indexed Jobs).
    index_attempts: ThinVec<u32>,
    /// API calls of the running sync that have not completed yet, by group.
    /// A `ThinVec` (one word; a sync's groups are few): a Job's slot stays
    /// within its size class.
    inflight: ThinVec<(SimTime, Vec<Write>)>,
    /// API requests made for this Job (for its latency and error streams).
    requests: u64,
    result: JobResult,
    finished: bool,
    deleted: bool,
    /// Pods of this Job still in the world (the orphan worker's too).
    live_pods: u32,
    /// A finished Job whose TTL-after-finished deletion is still to come.
    ttl_pending: bool,
    /// Bumped by every status the API stores for the Job: with `quiet`, what
    /// tells a sync that would change nothing (quiet.rs).
    status_gen: u32,
    quiet: Option<quiet::QuietInputs>,
    /// With decisions wanted: when the informer delivered the first change
    /// since the Job's last sync (`SimTime::MAX`: none), and the delay it
    /// queued the Job with.
    first_delivery: (SimTime, u32),
}

/// Lanes for constant start-up delays at most (each lane costs every event a
/// look at its front).
const MAX_STARTUP_LANES: usize = 4;

/// A pod of the world. Its size is kept within 256 bytes, an allocator size
/// class (the next is 320): a run may hold a hundred thousand pending pods.
struct PodSlot {
    pod: PodRecord,
    /// What the pod counts as in its Job's kept counts.
    class: PodClass,
    job: JobId,
    epoch: u32,
    id: AttemptId,
    /// The attempt's plan and restart back-off, from the moment the pod is
    /// bound or deleted ([`PodSlot::draw_plan`]): most pods of a big run wait
    /// pending without them.
    run: Option<Box<Run>>,
    created: SimTime,
    /// Bound node (index into `Nodes`), when the cluster has nodes.
    node: Option<u32>,
    /// Holds its request on `node`.
    allocated: bool,
    /// When the container started its current run.
    running_since: Option<SimTime>,
    /// When the current run ends on its own.
    exit_at: SimTime,
    /// Exit code the pending `Exit` step will report.
    exit_code: i32,
    restarts: i32,
    reported_unschedulable: bool,
    /// Killed by the pod-level `activeDeadlineSeconds`: no restart.
    deadline_exceeded: bool,
    /// Where the pod is in its Job's `pods` and, while it holds room, in its node's list.
    job_pos: u32,
    node_pos: u32,
}

impl JobSlot {
    fn name(&self) -> &str {
        &self.result.name
    }
}

/// What the kubelet model keeps of a pod's current attempt.
struct Run {
    plan: AttemptPlan,
    crash: CrashBackoff,
    /// Remaining run time while its node is unreachable.
    frozen: Option<u64>,
}

impl PodSlot {
    /// The pod's completion index (Indexed Jobs).
    fn index(&self) -> Option<i32> {
        self.pod.completion_index
    }

    fn run(&mut self) -> &mut Run {
        self.run
            .as_mut()
            .expect("a pod's plan is drawn when it is bound or deleted")
    }

    fn plan(&self) -> &AttemptPlan {
        &self
            .run
            .as_ref()
            .expect("a pod's plan is drawn when it is bound or deleted")
            .plan
    }

    /// Draws the attempt's plan unless drawn: the same plan whenever it is
    /// drawn, as it comes from the attempt's own random stream.
    fn draw_plan(&mut self, key: &StreamKey, workload: &crate::scenario::Workload) {
        if self.run.is_none() {
            let plan = plan_attempt(key, workload, self.index(), self.id);
            self.exit_code = plan.exit_code;
            self.run = Some(Box::new(Run {
                plan,
                crash: CrashBackoff::default(),
                frozen: None,
            }));
        }
    }
}

/// One API call of a sync, applied when its group completes.
enum Write {
    Create(PodCreate),
    Delete(PodId),
    RemoveFinalizer(PodId),
    Status(JobStatus),
}

/// The controller's calls, filed as the world's writes.
impl JobClient<PodRecord> for ApiClient<'_, Write> {
    fn create_pod(&mut self, _job: &Job, req: PodCreate) -> Result<(), ApiError> {
        self.call(Call::Create, Write::Create(req))
    }
    fn delete_pod(&mut self, _job: &Job, pod: &PodRecord) -> Result<(), ApiError> {
        self.call(Call::Delete, Write::Delete(pod.slot))
    }
    fn remove_tracking_finalizer(&mut self, pod: &PodRecord) -> Result<(), ApiError> {
        self.call(Call::RemoveFinalizer, Write::RemoveFinalizer(pod.slot))
    }
    fn update_status(&mut self, _job: &Job, status: JobStatus) -> Result<(), ApiError> {
        self.call(Call::UpdateStatus, Write::Status(status))
    }
}

/// A pod's UID, unique in a run: its slot in the last twelve hex digits,
/// `{replication hash:08x}-{replication:04x}-4000-8000-{slot:012x}`. Only
/// written: the world names pods by slot, never by reading a UID back.
fn pod_uid(slot: PodId, replication: u32) -> Uid {
    let hash = splitmix64(replication as u64) as u32 as u128;
    Uid::from_bits(hash << 96 | ((replication & 0xffff) as u128) << 80 | 0x4000_8000 << 48 | slot.0 as u128)
}

/// A Job's UID from its hash: `{h>>32:08x}-{(h>>16)&0xffff:04x}-4{h&0xfff:03x}-8{(h>>12)&0xfff:03x}-{..:012x}`.
fn job_uid(h: u64) -> Uid {
    let field = |v: u64, bits: u32, at: u32| ((v & ((1 << bits) - 1)) as u128) << at;
    Uid::from_bits(
        field(h >> 32, 32, 96)
            | field(h >> 16, 16, 80)
            | 0x4 << 76
            | field(h, 12, 64)
            | 0x8 << 60
            | field(h >> 12, 12, 48)
            | field(splitmix64(h), 48, 0),
    )
}

pub struct World<'a> {
    sc: &'a Scenario,
    key: StreamKey,
    replication: u32,
    profile: Profile,
    log: &'a mut dyn EventLog,
    /// Each Job's result as it leaves the world, and the rest's at the end.
    results: &'a mut dyn ResultSink,
    templates: Vec<TemplateInfo>,
    jobs: JobTable,
    /// Scripted actions that select Jobs, still to come: while there are
    /// some, a finished Job stays (an action may still delete it).
    job_actions_left: usize,
    /// Job ids by workload and ordinal, once created.
    /// Each workload's Jobs by ordinal, once created.
    by_workload: Vec<Vec<Option<JobId>>>,
    pods: PodSlab,
    nodes: Nodes,
    /// Pods bound to each node.
    node_pods: Vec<Vec<PodId>>,
    /// Pods waiting for room, by workload (all pods of a workload ask the same), in creation order,
    /// with their Jobs (whose slots are loaded ahead of a bind, as the pods are).
    pending: Vec<VecDeque<(PodId, JobId)>>,
    bucket: TokenBucket,
    /// The controller's work queue of Job keys, and its workers.
    queue: WorkQueue,
    /// Jobs created and not yet finished or deleted, and Jobs still to arrive:
    /// when both are zero the cluster is idle and drawn node losses stop.
    open_jobs: u64,
    arrivals_left: u64,
    pub stats: RunStats,
    /// Time of the last event that changed anything (stale timers do not count).
    pub last_activity: SimTime,
    /// A sync's API writes and their groups, reused from sync to sync.
    write_buf: Vec<Write>,
    /// The syncs' pod lists, kept between syncs for their allocations.
    pod_lists: PodLists<PodRecord>,
    /// Where a new pod's name is put together before its one allocation.
    name_buf: String,
    write_groups: Vec<(SimTime, usize)>,
    /// The last unschedulable pod's reason, with what it was worked out from.
    unfit_detail: Option<UnfitDetail>,
    /// The cluster autoscaler's state, when some pool is autoscaled.
    scaler: Option<autoscaler::ScalerState>,
    /// Workloads differ in priority: the scheduling queue orders by it and
    /// pods may preempt. Otherwise none of that runs.
    prioritized: bool,
    /// The lowest priority of any workload: its pods have no one to preempt.
    lowest_priority: i32,
    /// Pods that preempted and wait for their victims to go (`nominatedNodeName`).
    nominations: Vec<preemption::Nomination>,
    /// Whether the log wants the controller's decisions (`decisions.csv`).
    decide: bool,
    /// The informer delivers changes at once (`informerDelay` zero).
    instant_informer: bool,
}

impl<'a> World<'a> {
    pub fn new(sc: &'a Scenario, replication: u32, log: &'a mut dyn EventLog, results: &'a mut dyn ResultSink) -> Self {
        let scalar: Vec<_> = (sc.workloads.iter())
            .map(|w| pod_scalar_request(&w.manifest.spec.template.spec))
            .collect();
        let demanded: Vec<&str> = scalar.iter().flat_map(|s| s.keys().map(String::as_str)).collect();
        let mut nodes = Nodes::with(
            &sc.cluster.pools,
            sc.cluster.placement,
            &demanded,
            sc.profile.scheduler_names_taints(),
        );
        let templates = (sc.workloads.iter().zip(&scalar))
            .map(|(w, scalar)| {
                let spec = &w.manifest.spec.template.spec;
                let directives = crate::api::scheduling::Directives::of(spec);
                let fit = nodes.pod_fit(pod_request(spec), scalar, &directives);
                // The reasons of unschedulable pods go only to the timeline.
                nodes.index_fit(&fit, log.enabled());
                let prototype = JobPrototype::new(&w.manifest, &sc.profile);
                TemplateInfo {
                    namespace: prototype.job().metadata.namespace.as_str().into(),
                    extended_request: nodes.extended_request(&fit),
                    containers: spec.containers.iter().map(|c| c.name.as_str().into()).collect(),
                    grace_ms: spec
                        .termination_grace_period_seconds
                        .unwrap_or(kubelet::DEFAULT_GRACE_SECONDS)
                        .max(0) as u64
                        * 1000,
                    on_failure: spec.restart_policy == "OnFailure",
                    fit,
                    active_deadline_ms: spec.active_deadline_seconds.map(|s| s.max(0) as u64 * 1000),
                    priority: w.priority,
                    preempts: w.preempts,
                    not_safe_to_evict: (w.manifest.spec.template.metadata.annotations)
                        .get(crate::cluster::autoscaler::SAFE_TO_EVICT)
                        .is_some_and(|v| v == "false"),
                    prototype,
                }
            })
            .collect();
        let cp = &sc.control_plane;
        let prioritized =
            !sc.cluster.pools.is_empty() && sc.workloads.windows(2).any(|w| w[0].priority != w[1].priority);
        let decide = log.decisions();
        World {
            sc,
            key: StreamKey::new(sc.seed, replication as u64),
            replication,
            profile: sc.profile,
            log,
            results,
            templates,
            jobs: JobTable::default(),
            job_actions_left: sc.actions.iter().filter(|a| a.kind.selects_jobs()).count(),
            by_workload: vec![Vec::new(); sc.workloads.len()],
            pods: PodSlab::default(),
            node_pods: vec![Vec::new(); nodes.nodes.len()],
            nodes,
            pending: vec![VecDeque::new(); sc.workloads.len()],
            bucket: TokenBucket::new(cp.kube_api_qps, cp.kube_api_burst),
            queue: WorkQueue::new(cp.concurrent_job_syncs),
            open_jobs: 0,
            arrivals_left: sc.workloads.iter().map(|w| w.count as u64).sum(),
            stats: RunStats {
                // Node-hours and cost are kept when some pool has a price.
                pools: if sc.cluster.pools.iter().any(|p| p.price_per_hour.is_some()) {
                    (sc.cluster.pools.iter())
                        .map(|p| crate::record::PoolUsage {
                            name: p.name.clone(),
                            price_per_hour: p.price_per_hour,
                            ..Default::default()
                        })
                        .collect()
                } else {
                    Vec::new()
                },
                preemptions: prioritized.then_some(0),
                ..RunStats::default()
            },
            last_activity: 0,
            write_buf: Vec::new(),
            pod_lists: PodLists::default(),
            name_buf: String::new(),
            write_groups: Vec::new(),
            unfit_detail: None,
            prioritized,
            lowest_priority: sc.workloads.iter().map(|w| w.priority).min().unwrap_or(0),
            nominations: Vec::new(),
            scaler: sc
                .cluster
                .autoscaler
                .as_ref()
                .map(|_| autoscaler::ScalerState::new(sc.cluster.pools.len())),
            decide,
            instant_informer: matches!(sc.control_plane.informer_delay, Dist::Constant(c) if c == 0.0),
        }
    }

    /// Schedules the first arrivals, node losses and the scripted actions.
    pub fn start(&mut self, q: &mut EventQueue<Ev>) {
        // Most delayed work-queue adds are the one-second batching of pod events.
        q.add_lane(crate::controller::queue_rules::BATCH_PERIOD_MS as SimTime);
        // A constant start-up puts every pod's start that long after its bind.
        let startups = (self.sc.workloads.iter())
            .flat_map(|w| std::iter::once(&w.pods).chain(w.index_overrides.iter().map(|(_, b)| b)))
            .filter_map(|b| b.startup.constant())
            .filter(|&d| d > 0);
        let mut delays: Vec<SimTime> = startups.collect();
        delays.sort_unstable();
        delays.dedup();
        for delay in delays.into_iter().take(MAX_STARTUP_LANES) {
            q.add_lane(delay);
        }
        for i in 0..self.nodes.nodes.len() {
            self.log_node_added(i, 0);
            self.schedule_spot_reclaim(i, 0, q);
        }
        for (w, wl) in self.sc.workloads.iter().enumerate() {
            let t = crate::workload::arrival_time(&self.key, wl, 0, 0);
            q.push(
                t,
                Ev::Arrive {
                    workload: w as u32,
                    ordinal: 0,
                },
            );
        }
        for (i, a) in self.sc.actions.iter().enumerate() {
            q.push(a.at, Ev::Action { index: i as u32 });
        }
        self.schedule_node_losses(q);
        self.arm_autoscaler(0, q);
    }

    fn time(&self, now: SimTime) -> Time {
        self.sc.epoch.add_millis(now as i64)
    }

    /// A time written into an API object: whole seconds, as the API server
    /// stores it and as the controller reads it back (a pod that finishes at
    /// 4.8 s has `finishedAt` 4 s). The controller's own clock keeps milliseconds.
    fn stored_time(&self, now: SimTime) -> Time {
        self.time(now).whole_seconds()
    }

    /// Hands the results of the Jobs still in the world to the sink, in
    /// (workload, ordinal) order; those still running as of now.
    pub fn flush_results(&mut self) {
        let mut open: Vec<(JobId, &JobSlot)> = self.jobs.iter().collect();
        open.sort_by_key(|(_, js)| (js.result.workload, js.result.ordinal));
        for (_, js) in open {
            let mut r = js.result.clone();
            if !js.finished
                && let Some(job) = &js.job
            {
                jobs::fill_counts(&mut r, job, self.sc.epoch);
                r.status = if job.is_suspended() { "Suspended" } else { "Running" };
                if !js.deleted {
                    r.unfinished_why = Some(self.why_unfinished(js, job));
                }
            }
            self.results.job(r);
        }
    }

    /// A Job leaves the world once nothing can refer to it any more: it is
    /// finished or deleted, its pods are gone, the controller's worker and
    /// its API calls are done with it, and no TTL or scripted action is to
    /// come. Its result goes to the sink.
    pub(super) fn try_retire(&mut self, jid: JobId) {
        let Some(js) = self.jobs.get(jid) else { return };
        let done = (js.finished || js.deleted)
            && js.live_pods == 0
            && !js.ttl_pending
            && js.inflight.is_empty()
            && self.job_actions_left == 0
            && !self.queue.is_processing(jid.0);
        if done && let Some(js) = self.jobs.remove(jid) {
            self.queue.drop_key(jid.0);
            self.results.job(js.result);
            if self.decide {
                self.log.job_left(jid.0);
            }
        }
    }

    /// Why a Job is still open at the end, as a user would ask it: suspended,
    /// its pods waiting for room (with the scheduler's message as it stands at
    /// the end), still running, or none active while the controller waits.
    fn why_unfinished(&self, js: &JobSlot, job: &Job) -> String {
        if job.is_suspended() {
            return "suspended".into();
        }
        let (mut unbound, mut active, mut terminating) = (0, 0, 0);
        for p in js.pods.iter().filter_map(|&s| self.pods.get(s)) {
            if p.pod.phase.is_terminal() {
                continue;
            }
            if p.pod.deletion_timestamp.is_some() {
                terminating += 1;
            } else if !p.pod.bound {
                unbound += 1;
            } else {
                active += 1;
            }
        }
        let pods = |n: u32| {
            if n == 1 {
                "1 pod".to_string()
            } else {
                format!("{n} pods")
            }
        };
        if unbound > 0 && !self.nodes.unlimited() {
            let fit = &self.templates[js.workload as usize].fit;
            return format!("{} Pending: {}", pods(unbound), self.nodes.unschedulable_reason(fit));
        }
        match (active + unbound, terminating) {
            (0, 0) => {
                "no pod active: the controller waits (pod-failure back-off, API rate limit or requests in flight)"
                    .into()
            }
            (0, t) => format!("{} terminating", pods(t)),
            (a, _) => format!("{} running or starting", pods(a)),
        }
    }

    /// Hands the Jobs not finished at the end to the log (`jobs.yaml`), in
    /// creation order. The run is over: the world gives their objects away.
    pub fn report_unfinished(&mut self) {
        if !self.log.jobs() {
            return;
        }
        for (_, js) in self.jobs.iter_mut().filter(|(_, js)| !js.finished && !js.deleted) {
            if let Some(job) = js.job.take() {
                self.log.take_job_final(job, js.workload);
            }
        }
    }

    /// Closes the utilisation integrals at `end`.
    pub fn finish_stats(&mut self, end: SimTime) {
        self.account_usage(end);
    }

    /// Adds the area under allocated and allocatable resources since the last change.
    fn account_usage(&mut self, now: SimTime) {
        let dt = now.saturating_sub(self.stats.usage_since) as f64;
        if dt > 0.0 && !self.nodes.unlimited() {
            let u = self.nodes.usage();
            self.stats.cpu_used_area += u.cpu as f64 * dt;
            self.stats.cpu_capacity_area += u.cpu_capacity as f64 * dt;
            self.stats.pods_used_area += u.pods as f64 * dt;
            self.stats.pods_capacity_area += u.pod_capacity as f64 * dt;
            for (p, pool) in self.stats.pools.iter_mut().enumerate() {
                pool.node_ms += self.nodes.pool_live[p] as f64 * dt;
                pool.busy_ms += self.nodes.pool_busy[p] * dt;
            }
        }
        self.stats.usage_since = self.stats.usage_since.max(now);
    }

    // ----- Work queue and workers -------------------------------------------

    /// `queue.Add`, and idle workers take what is ready.
    fn enqueue_now(&mut self, jid: JobId, now: SimTime, q: &mut EventQueue<Ev>) {
        self.queue.add(jid.0);
        self.start_workers(now, q);
    }

    /// `queue.AddAfter`.
    fn enqueue_after(&mut self, jid: JobId, delay: i64, now: SimTime, q: &mut EventQueue<Ev>) {
        if let Some((at, epoch)) = self.queue.add_after(jid.0, delay, now) {
            q.push(at, Ev::QueueAdd { job: jid, epoch });
        }
        if delay <= 0 {
            self.start_workers(now, q);
        }
    }

    /// Idle workers take ready keys in order (`concurrentJobSyncs`). Most
    /// calls find no key ready: they cost a test, not a call.
    #[inline]
    fn start_workers(&mut self, now: SimTime, q: &mut EventQueue<Ev>) {
        if self.queue.has_work() {
            self.take_ready_keys(now, q);
        }
    }

    /// [`World::start_workers`] as a delayed add's last step. A lone key
    /// whose `Sync` would be the next event is synced at once: the same
    /// order of everything, without the round trip through the queue.
    fn take_keys_after_timer(&mut self, now: SimTime, q: &mut EventQueue<Ev>) {
        if !self.queue.has_work() {
            return;
        }
        let Some(first) = self.queue.next_for_worker() else {
            return;
        };
        let at_once = !self.queue.has_work() && q.nothing_due_now();
        #[cfg(test)]
        let at_once = at_once && SYNC_AT_ONCE.with(|s| s.get());
        if at_once {
            q.handled_at_once();
            self.stats.syncs_at_once += 1;
            return self.sync(JobId(first), now, q);
        }
        q.push(now, Ev::Sync { job: JobId(first) });
        self.take_ready_keys(now, q);
    }

    fn take_ready_keys(&mut self, now: SimTime, q: &mut EventQueue<Ev>) {
        while let Some(jid) = self.queue.next_for_worker() {
            q.push(now, Ev::Sync { job: JobId(jid) });
        }
    }

    /// The informer delivers a change to the controller, after the informer delay.
    #[inline]
    fn observe(&mut self, jid: JobId, what: Observed, now: SimTime, q: &mut EventQueue<Ev>) {
        if self.instant_informer {
            self.deliver(jid, what, now, q)
        } else {
            self.observe_later(jid, what, now, q)
        }
    }

    fn observe_later(&mut self, jid: JobId, what: Observed, now: SimTime, q: &mut EventQueue<Ev>) {
        let delay = &self.sc.control_plane.informer_delay;
        let n = self.jobs[jid].requests;
        let d = delay.sample(&mut self.key.stream(Purpose::ApiLatency, &[u64::MAX - jid.0 as u64, n, now]));
        q.push(now + d, Ev::Observe { job: jid, what });
    }

    /// A pod of the Job moved from phase `old` to `new` (or changed within one).
    fn pod_changed(&mut self, jid: JobId, old: PodPhase, new: PodPhase, now: SimTime, q: &mut EventQueue<Ev>) {
        self.observe(jid, Observed::PodChanged { old, new }, now, q);
    }

    /// The controller's event handlers (`addPod`, `updatePod`, `deletePod`, `updateJob`).
    /// A change delivered after its Job left the world only reaches the work
    /// queue, where the Job's key is closed.
    fn deliver(&mut self, jid: JobId, what: Observed, now: SimTime, q: &mut EventQueue<Ev>) {
        // A pod event's delay depends on the phases it moved between; the
        // frequent kinds (status updates, pod changes) touch no expectations.
        let (old, new) = match what {
            Observed::JobUpdated => return self.queue_delivery(jid, job_update_delay_ms(&self.profile, false), now, q),
            Observed::PodChanged { old, new } => (old, new),
            Observed::PodAdded => {
                if let Some(js) = self.jobs.get_mut(jid) {
                    js.state.creation_observed();
                }
                (PodPhase::Unset, PodPhase::Pending)
            }
            Observed::PodDeleted => {
                if let Some(js) = self.jobs.get_mut(jid) {
                    js.state.deletion_observed();
                }
                (PodPhase::Running, PodPhase::Running)
            }
            Observed::FinalizerRemoved(slot) => {
                if let Some(js) = self.jobs.get_mut(jid) {
                    match self.pods.get(slot) {
                        Some(p) => js.state.finalizer_removal_observed(&p.pod.uid),
                        None => (js.state).finalizer_removal_observed(&pod_uid(slot, self.replication)),
                    }
                }
                (PodPhase::Running, PodPhase::Running)
            }
        };
        let delay = pod_event_delay_ms(&self.profile, old, new, self.queue.num_requeues(jid.0));
        self.queue_delivery(jid, delay, now, q);
    }

    /// The handler's `queue.AddAfter` of the Job's key.
    fn queue_delivery(&mut self, jid: JobId, delay: i64, now: SimTime, q: &mut EventQueue<Ev>) {
        if self.decide {
            self.note_delivery(jid, now, delay);
        }
        self.enqueue_after(jid, delay, now, q);
    }

    fn sync(&mut self, jid: JobId, now: SimTime, q: &mut EventQueue<Ev>) {
        let env = SyncEnv {
            now: self.time(now),
            profile: self.profile,
        };
        let World {
            jobs,
            pods,
            stats,
            bucket,
            key,
            sc,
            write_groups,
            write_buf,
            pod_lists,
            ..
        } = self;
        let js = &mut jobs[jid];
        let Some(job) = js.job.as_deref().filter(|_| !js.finished && !js.deleted) else {
            return self.sync_done(jid, now, q);
        };
        let path = js.sync_path();
        #[cfg(debug_assertions)]
        if path != SyncPath::Full {
            let live = World::live_pods(&js.pods, &mut js.inactive, js.active_ready, pods);
            quiet::check::full_sync_agrees(path, job, &live, &js.state, &env, pod_lists, js.active_ready);
        }
        if path == SyncPath::Quiet {
            // What the steps below do for a sync that writes and decides
            // nothing: no calls, no requeue, the worker free at once.
            stats.quiet_syncs += 1;
            stats.syncs += 1;
            debug_assert!(
                js.inflight.is_empty(),
                "a sync starts once its Job's writes are all back"
            );
            if self.decide {
                self.take_delivery(jid, now);
            }
            self.queue.set_failed(jid.0, false);
            return self.sync_done(jid, now, q);
        }
        let (outcome, throttled, mut groups, mut writes) = {
            if path == SyncPath::ReadyChanged {
                stats.ready_syncs += 1;
            }
            let job_id = splitmix64(sc.workloads[js.workload as usize].id ^ js.result.ordinal as u64);
            let mut client = ApiClient::new(
                Endpoint {
                    bucket,
                    key,
                    latency: &sc.control_plane.api_latency,
                    error_rate: sc.control_plane.api_error_rate,
                    stats,
                },
                job_id,
                &mut js.requests,
                now,
                std::mem::take(write_groups),
                std::mem::take(write_buf),
            );
            let outcome = if path == SyncPath::ReadyChanged {
                sync_ready_changed(job, js.active_ready, &mut js.state, &mut client)
            } else {
                let live = World::live_pods(&js.pods, &mut js.inactive, js.active_ready, pods);
                sync_job(job, &live, &mut js.state, &env, &mut client, pod_lists)
            };
            let throttled = client.throttled();
            let (groups, writes) = client.into_parts();
            js.after_sync(&outcome, &writes);
            (outcome, throttled, groups, writes)
        };
        self.stats.syncs += 1;
        if self.decide {
            let batched = self.take_delivery(jid, now);
            if decisions::decided(&outcome, throttled) {
                self.record_decisions(jid, now, &outcome, &writes, throttled, batched);
            }
        }
        let js = &mut self.jobs[jid];
        self.queue.set_failed(jid.0, outcome.error.is_some());
        let end = groups.last().map_or(now, |(t, _)| *t);
        // Groups already complete are applied now; the rest when their calls return.
        let due = groups.iter().position(|(t, _)| *t > now).unwrap_or(groups.len());
        let due_writes = if due == 0 { 0 } else { groups[due - 1].1 };
        // Usually every write is due now (no API latency): then the Job's
        // queue of writes in flight is only emptied, not rebuilt.
        js.inflight.clear();
        if due < groups.len() {
            let mut later = writes.split_off(due_writes).into_iter();
            let mut prev = due_writes;
            for &(t, stop) in &groups[due..] {
                q.push(t, Ev::ApplyWrites { job: jid });
                js.inflight.push((t, later.by_ref().take(stop - prev).collect()));
                prev = stop;
            }
        }
        if !writes.is_empty() {
            self.last_activity = now;
        }
        self.apply_writes(jid, writes.drain(..), now, q);
        groups.clear();
        self.write_groups = groups;
        self.write_buf = writes;
        if let Some(ms) = outcome.requeue_after_ms {
            self.enqueue_after(jid, ms, now, q);
        }
        if end > now {
            q.push(end, Ev::SyncDone { job: jid });
        } else {
            self.sync_done(jid, now, q);
        }
    }

    /// `processNextWorkItem` after `syncHandler`: forget or rate-limit the key,
    /// re-queue it if it was added meanwhile, free the worker.
    fn sync_done(&mut self, jid: JobId, now: SimTime, q: &mut EventQueue<Ev>) {
        if let Some(failures) = self.queue.done(jid.0) {
            let d = error_requeue_delay_ms(&self.profile, failures);
            self.enqueue_after(jid, d, now, q);
        }
        self.start_workers(now, q);
        // Most syncs are of Jobs still running: nothing to retire.
        if self.jobs.get(jid).is_some_and(|js| js.finished || js.deleted) {
            self.try_retire(jid);
        }
    }

    fn apply_writes(
        &mut self,
        jid: JobId,
        writes: impl IntoIterator<Item = Write>,
        now: SimTime,
        q: &mut EventQueue<Ev>,
    ) {
        for w in writes {
            match w {
                Write::Status(st) => self.apply_status(jid, st, now, q),
                Write::Create(req) => self.create_pod(jid, &req, now, q),
                Write::Delete(slot) => self.delete_pod(slot, now, q),
                Write::RemoveFinalizer(slot) => self.remove_finalizer(slot, now, q),
            }
        }
    }
}

impl Model for World<'_> {
    type Event = Ev;

    fn handle(&mut self, now: SimTime, ev: Ev, q: &mut EventQueue<Ev>) {
        match ev {
            Ev::Arrive { workload, ordinal } => self.arrive(workload, ordinal, now, q),
            Ev::QueueAdd { job, epoch } => {
                self.queue.timer_fired(job.0, epoch);
                self.take_keys_after_timer(now, q);
            }
            Ev::Sync { job } => self.sync(job, now, q),
            Ev::SyncDone { job } => self.sync_done(job, now, q),
            Ev::ApplyWrites { job } => {
                let inflight = &mut self.jobs[job].inflight;
                if !inflight.is_empty() {
                    let (_, writes) = inflight.remove(0);
                    if !writes.is_empty() {
                        self.last_activity = now;
                    }
                    self.apply_writes(job, writes, now, q);
                }
            }
            Ev::Observe { job, what } => self.deliver(job, what, now, q),
            Ev::Schedule { pod, epoch } => self.schedule_pod(pod, epoch, now, q),
            Ev::Pod { pod, epoch, step } => self.pod_step(pod, epoch, step, now, q),
            Ev::Evict { pod, epoch } => self.evict_lost_pod(pod, epoch, now, q),
            Ev::NodeLoss { disruption, loss } => self.node_loss(disruption, loss, now, q),
            Ev::NodeRecover { node } => self.recover_node(node, now, q),
            Ev::TtlExpire { job } => self.ttl_expire(job, now, q),
            Ev::Action { index } => self.action(index, now, q),
            Ev::AutoscalerScan => self.autoscaler_scan(now, q),
            Ev::NodeProvisioned { pool } => self.node_provisioned(pool as usize, now, q),
            Ev::SpotReclaim { node, removal } => self.spot_reclaim(node as usize, removal, now, q),
        }
    }

    fn prefetch(&self, ev: &Ev) {
        match *ev {
            Ev::Pod { pod, .. } | Ev::Schedule { pod, .. } | Ev::Evict { pod, .. } => self.pods.prefetch(pod),
            Ev::QueueAdd { job, .. }
            | Ev::Sync { job }
            | Ev::SyncDone { job }
            | Ev::ApplyWrites { job }
            | Ev::Observe { job, .. }
            | Ev::TtlExpire { job } => self.jobs.prefetch(job),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::defaults::new_job;

    /// A pod within the allocator's 256-byte size class (the next is 320), a
    /// Job's slot within the 512-byte one (the next is 640), its object within
    /// the 1,024-byte one (the next is 1,280): every pending pod and live Job
    /// of a big run pays for each byte above them.
    #[test]
    fn pod_and_job_slots_fit_their_size_classes() {
        let (pod, job) = (std::mem::size_of::<PodSlot>(), std::mem::size_of::<JobSlot>());
        assert!(pod <= 256, "PodSlot is {pod} bytes");
        assert!(job <= 512, "JobSlot is {job} bytes");
        let object = std::mem::size_of::<Job>();
        assert!(object <= 1024, "Job is {object} bytes");
    }

    #[test]
    fn pod_uids_are_the_hand_written_hex_of_their_slot_and_replication() {
        let mut seen = std::collections::BTreeSet::new();
        for (slot, rep) in [(0, 0), (1, 0), (0xabcdef, 3), (u32::MAX, 0x1_2345), (1, 1)] {
            let uid = pod_uid(PodId(slot), rep);
            let want = format!(
                "{:08x}-{:04x}-4000-8000-{slot:012x}",
                splitmix64(rep as u64) as u32,
                rep & 0xffff
            );
            assert_eq!(*uid.text(), want);
            assert!(seen.insert(want), "two pods share a UID");
        }
    }

    /// Every workload of every scenario, and a manifest with user-set labels
    /// and a manual selector: the prototype gives the Job `new_job` builds.
    #[test]
    fn job_prototypes_instantiate_the_job_new_job_builds() {
        let custom: Job = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "custom", "labels": {"team": "ml", "job-name": "fixed"}},
            "spec": {
                "manualSelector": true,
                "selector": {"matchLabels": {"app": "x"}},
                "template": {
                    "metadata": {"labels": {"app": "x", "batch.kubernetes.io/job-name": "mine"}},
                    "spec": {"restartPolicy": "Never", "containers": [{"name": "c", "image": "i:1"}]}
                }
            }
        }))
        .unwrap();
        let unlabelled: Job = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "plain"},
            "spec": {"template": {"spec": {"restartPolicy": "Never", "containers": [{"name": "c", "image": "i"}]}}}
        }))
        .unwrap();
        let mut manifests: Vec<(Job, Profile)> = vec![
            (custom, Profile::newest()),
            (unlabelled.clone(), Profile::newest()),
            (unlabelled, Profile::new(27)),
        ];
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
        for entry in std::fs::read_dir(&dir).unwrap() {
            let sc = crate::scenario::load(&entry.unwrap().path()).unwrap();
            manifests.extend(sc.workloads.iter().map(|w| (w.manifest.clone(), sc.profile)));
        }
        assert!(manifests.len() > 10);
        for (manifest, profile) in &manifests {
            let prototype = JobPrototype::new(manifest, profile);
            for (name, h, ms) in [("a-0", 1, 0), ("batch-12345", 0xdead_beef, 1_767_225_600_123)] {
                let (uid, created) = (job_uid(h), Time::from_millis(ms));
                let want = new_job(manifest, name.to_string(), &uid.text(), created, profile);
                assert_eq!(prototype.instantiate(name.to_string(), &uid, created), want);
            }
        }
    }

    #[test]
    fn job_uids_are_the_hash_in_uuid_form() {
        for h in [0, 1, 0xdead_beef_0123_4567, u64::MAX] {
            let want = format!(
                "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
                h >> 32,
                (h >> 16) & 0xffff,
                h & 0xfff,
                (h >> 12) & 0xfff,
                splitmix64(h) & 0xffff_ffff_ffff
            );
            assert_eq!(*job_uid(h).text(), want);
        }
    }

    /// A run of short Jobs: each Job's result reaches the sink while the run
    /// goes on, so the world holds only the Jobs alive (and, for a Job with a
    /// TTL, until its deletion; while an action on Jobs is still to come, the
    /// finished ones stay, as the action may delete them).
    #[test]
    fn finished_jobs_leave_the_world_once_nothing_refers_to_them() {
        let scenario = |ttl: &str, action: &str| {
            format!(
                "apiVersion: jobsim/v1alpha1
kind: Scenario
metadata: {{name: leave}}
spec:
  seed: 3
  workloads:
    - name: w
      count: 40
      arrival: {{every: {{constant: 1m}}}}
      job:
        apiVersion: batch/v1
        kind: Job
        metadata: {{name: w}}
        spec:
          {ttl}
          template:
            spec:
              restartPolicy: Never
              containers: [{{name: c, image: i}}]
      pods:
        startup: {{constant: 1s}}
        runtime: {{constant: 20s}}
{action}"
            )
        };
        let run = |text: &str| {
            let sc = crate::scenario::load_str("leave.yaml", text, None).expect("valid");
            let mut log = crate::record::NullLog;
            let mut results: Vec<JobResult> = Vec::new();
            let mut world = World::new(&sc, 0, &mut log, &mut results);
            let mut q = EventQueue::new();
            world.start(&mut q);
            crate::engine::run(&mut world, &mut q, Some(24 * 3600 * 1000), |_| {});
            let live = world.jobs.iter().count();
            world.flush_results();
            drop(world);
            let mut ordinals: Vec<u32> = results.iter().map(|r| r.ordinal).collect();
            ordinals.sort();
            assert_eq!(ordinals, (0..40).collect::<Vec<_>>(), "every Job's result, once");
            (live, results)
        };
        let (live, results) = run(&scenario("", ""));
        assert_eq!(live, 0);
        assert!(
            results
                .iter()
                .all(|r| r.status == "Complete" && r.pods_created == 1 && r.pod_ms > 0)
        );
        // A TTL far past the run's end keeps every Job to the end.
        let (live, _) = run(&scenario("ttlSecondsAfterFinished: 999999", ""));
        assert_eq!(live, 40);
        let (live, results) = run(&scenario("ttlSecondsAfterFinished: 30", ""));
        assert_eq!(live, 0);
        assert!(results.iter().all(|r| r.deleted.is_some()));
        // An action on Jobs to come keeps them; once it has run they go.
        let late = "  actions:\n    - {at: 100h, suspend: {workload: w}}";
        let (live, _) = run(&scenario("", late));
        assert_eq!(live, 40);
        let early = "  actions:\n    - {at: 1800.5s, suspend: {workload: w, job: 30}}";
        let (live, results) = run(&scenario("", early));
        assert_eq!(live, 1, "the suspended Job stays open");
        assert_eq!(results.iter().filter(|r| r.status == "Suspended").count(), 1);
    }
}
