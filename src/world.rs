//! The glue: a closed set of events, the objects they act on (Jobs, pods),
//! and the rules that connect the controller core to the pod model and the
//! work queue. One `World` is one replication.

use crate::api::defaults::prepare_for_create;
use crate::api::*;
use crate::cluster::kubelet::{self, CrashBackoff};
use crate::controller::queue_rules::{error_requeue_delay_ms, job_update_delay_ms, pod_event_delay_ms};
use crate::controller::{ApiError, JobClient, JobState, PodCreate, Profile, SyncEnv, sync_job};
use crate::engine::{EventQueue, Model};
use crate::output::events::{EventKind, EventLog};
use crate::rng::{StreamKey, splitmix64};
use crate::scenario::{ActionKind, JobSelector, Scenario};
use crate::time::{SimDuration, SimTime, format_duration};
use crate::workload::{AttemptId, AttemptPlan, arrival_time, plan_attempt};

/// Every event of the simulation.
#[derive(Clone, Copy, Debug)]
pub enum Ev {
    /// A workload's Job `ordinal` is created.
    Arrive { workload: u32, ordinal: u32 },
    /// A delayed add of a Job key to the work queue comes due.
    QueueAdd { job: u32, epoch: u32 },
    /// A worker syncs a Job.
    Sync { job: u32 },
    /// A step of a pod's life, planned by the kubelet model.
    Pod { pod: u32, epoch: u32, step: PodStep },
    /// A scripted action.
    Action { index: u32 },
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

/// What the template of a workload's pods says, precomputed once.
struct TemplateInfo {
    containers: Vec<String>,
    grace_ms: SimDuration,
    on_failure: bool,
}

/// The per-key state of the controller's work queue.
#[derive(Default)]
struct KeyQueue {
    /// Queued (or running) and not yet synced.
    dirty: bool,
    /// Earliest pending delayed add, and its generation.
    delayed: Option<(SimTime, u32)>,
    epoch: u32,
    /// Consecutive failed syncs (`NumRequeues`).
    failures: u32,
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
    pub completions: Option<i32>,
    pub parallelism: i32,
    pub succeeded: i32,
    pub failed: i32,
    pub pods_created: u32,
    pub restarts: u32,
    pub pod_ms: u64,
    pub failed_pod_ms: u64,
}

struct JobSlot {
    /// The Job object; dropped once the Job is finished and written out.
    job: Option<Box<Job>>,
    state: JobState,
    workload: u32,
    name: String,
    /// Pods the controller still sees: live, or terminal with the tracking finalizer.
    pods: Vec<u32>,
    queue: KeyQueue,
    next_pod_ordinal: u32,
    index_attempts: Vec<u32>,
    result: JobResult,
    finished: bool,
}

struct PodSlot {
    pod: Pod,
    job: u32,
    epoch: u32,
    index: Option<i32>,
    id: AttemptId,
    plan: AttemptPlan,
    /// When the container started its current run.
    running_since: Option<SimTime>,
    /// When the pod first ran (for pod-seconds).
    first_start: Option<SimTime>,
    /// Exit code the pending `Exit` step will report.
    exit_code: i32,
    crash: CrashBackoff,
    restarts: i32,
}

/// What one sync asked the API to do, applied after the sync returns.
enum Write {
    Create(PodCreate),
    Delete(u32),
    RemoveFinalizer(u32),
    Status(Box<JobStatus>),
}

#[derive(Default)]
struct Recorder {
    writes: Vec<Write>,
}

impl JobClient for Recorder {
    fn create_pod(&mut self, _job: &Job, req: &PodCreate) -> Result<(), ApiError> {
        self.writes.push(Write::Create(req.clone()));
        Ok(())
    }
    fn delete_pod(&mut self, _job: &Job, pod: &Pod) -> Result<(), ApiError> {
        self.writes.push(Write::Delete(slot_of(&pod.metadata.uid)));
        Ok(())
    }
    fn remove_tracking_finalizer(&mut self, pod: &Pod) -> Result<(), ApiError> {
        self.writes.push(Write::RemoveFinalizer(slot_of(&pod.metadata.uid)));
        Ok(())
    }
    fn update_status(&mut self, _job: &Job, status: &JobStatus) -> Result<(), ApiError> {
        self.writes.push(Write::Status(Box::new(status.clone())));
        Ok(())
    }
}

/// Pod UIDs carry their slot in the last twelve hex digits.
fn pod_uid(slot: u32, replication: u32) -> String {
    format!(
        "{:08x}-{:04x}-4000-8000-{slot:012x}",
        splitmix64(replication as u64) as u32,
        replication & 0xffff
    )
}

fn slot_of(uid: &str) -> u32 {
    uid.get(uid.len().saturating_sub(12)..)
        .and_then(|h| u32::from_str_radix(h, 16).ok())
        .unwrap_or(u32::MAX)
}

/// Kubernetes' random name suffix alphabet (`utilrand`): no vowels, no lookalikes.
const NAME_ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";

fn name_suffix(seed: u64) -> String {
    let mut x = splitmix64(seed);
    (0..5)
        .map(|_| {
            let c = NAME_ALPHABET[(x % NAME_ALPHABET.len() as u64) as usize] as char;
            x /= NAME_ALPHABET.len() as u64;
            c
        })
        .collect()
}

/// Counters of a run.
#[derive(Clone, Debug, Default)]
pub struct RunStats {
    pub syncs: u64,
    pub pods_created: u64,
    pub api_writes: u64,
}

pub struct World<'a> {
    sc: &'a Scenario,
    key: StreamKey,
    replication: u32,
    profile: Profile,
    log: &'a mut dyn EventLog,
    /// Final Job objects are handed here as they finish (`jobs.yaml`).
    on_finish: Option<&'a mut dyn FnMut(Job, u32)>,
    templates: Vec<TemplateInfo>,
    jobs: Vec<JobSlot>,
    /// Job ids by workload and ordinal, once created.
    by_workload: Vec<Vec<u32>>,
    pods: Vec<Option<Box<PodSlot>>>,
    pub stats: RunStats,
    /// Time of the last event that changed anything (stale timers do not count).
    pub last_activity: SimTime,
}

impl<'a> World<'a> {
    pub fn new(
        sc: &'a Scenario,
        replication: u32,
        log: &'a mut dyn EventLog,
        on_finish: Option<&'a mut dyn FnMut(Job, u32)>,
    ) -> Self {
        let templates = sc
            .workloads
            .iter()
            .map(|w| {
                let spec = &w.manifest.spec.template.spec;
                TemplateInfo {
                    containers: spec.containers.iter().map(|c| c.name.clone()).collect(),
                    grace_ms: spec
                        .termination_grace_period_seconds
                        .unwrap_or(kubelet::DEFAULT_GRACE_SECONDS)
                        .max(0) as u64
                        * 1000,
                    on_failure: spec.restart_policy == "OnFailure",
                }
            })
            .collect();
        World {
            sc,
            key: StreamKey::new(sc.seed, replication as u64),
            replication,
            profile: sc.profile,
            log,
            on_finish,
            templates,
            jobs: Vec::new(),
            by_workload: vec![Vec::new(); sc.workloads.len()],
            pods: Vec::new(),
            stats: RunStats::default(),
            last_activity: 0,
        }
    }

    /// Schedules the first arrivals and the scripted actions.
    pub fn start(&mut self, q: &mut EventQueue<Ev>) {
        for (w, wl) in self.sc.workloads.iter().enumerate() {
            let t = arrival_time(&self.key, wl, 0, 0);
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
    }

    fn time(&self, now: SimTime) -> Time {
        self.sc.epoch.add_millis(now as i64)
    }

    /// Results of every Job created, in (workload, ordinal) order; Jobs still
    /// running are reported as of `now`.
    pub fn results(&self) -> Vec<JobResult> {
        let mut out: Vec<JobResult> = self
            .jobs
            .iter()
            .map(|js| {
                let mut r = js.result.clone();
                if !js.finished
                    && let Some(job) = &js.job
                {
                    fill_counts(&mut r, job);
                    r.status = if job.is_suspended() { "Suspended" } else { "Running" };
                }
                r
            })
            .collect();
        out.sort_by_key(|r| (r.workload, r.ordinal));
        out
    }

    /// Jobs not finished at the end, for `jobs.yaml`.
    pub fn unfinished_jobs(&self) -> impl Iterator<Item = (&Job, u32)> {
        self.jobs
            .iter()
            .filter(|js| !js.finished)
            .filter_map(|js| js.job.as_deref().map(|j| (j, js.workload)))
    }

    // ----- Work queue ------------------------------------------------------

    /// `queue.Add`: the key becomes due now.
    fn enqueue_now(&mut self, jid: u32, now: SimTime, q: &mut EventQueue<Ev>) {
        let js = &mut self.jobs[jid as usize];
        if js.finished || js.queue.dirty {
            return;
        }
        js.queue.dirty = true;
        q.push(now, Ev::Sync { job: jid });
    }

    /// `queue.AddAfter`: the earliest pending ready time wins.
    fn enqueue_after(&mut self, jid: u32, delay: i64, now: SimTime, q: &mut EventQueue<Ev>) {
        if delay <= 0 {
            return self.enqueue_now(jid, now, q);
        }
        let js = &mut self.jobs[jid as usize];
        if js.finished {
            return;
        }
        let ready = now + delay as u64;
        if js.queue.delayed.is_some_and(|(t, _)| t <= ready) {
            return;
        }
        js.queue.epoch = js.queue.epoch.wrapping_add(1);
        js.queue.delayed = Some((ready, js.queue.epoch));
        q.push(
            ready,
            Ev::QueueAdd {
                job: jid,
                epoch: js.queue.epoch,
            },
        );
    }

    /// The informer saw a pod change of this Job.
    fn pod_event(&mut self, jid: u32, old: PodPhase, new: PodPhase, now: SimTime, q: &mut EventQueue<Ev>) {
        let failures = self.jobs[jid as usize].queue.failures;
        let delay = pod_event_delay_ms(&self.profile, old, new, failures);
        self.enqueue_after(jid, delay, now, q);
    }

    // ----- Jobs ------------------------------------------------------------

    fn arrive(&mut self, workload: u32, ordinal: u32, now: SimTime, q: &mut EventQueue<Ev>) {
        self.last_activity = now;
        let wl = &self.sc.workloads[workload as usize];
        if ordinal + 1 < wl.count {
            let next = arrival_time(&self.key, wl, ordinal + 1, now);
            q.push(
                next,
                Ev::Arrive {
                    workload,
                    ordinal: ordinal + 1,
                },
            );
        }
        let mut job = wl.manifest.clone();
        job.metadata.name = wl.job_name(ordinal);
        let h = splitmix64(wl.id ^ ((ordinal as u64) << 20) ^ self.replication as u64);
        let uid = format!(
            "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
            h >> 32,
            (h >> 16) & 0xffff,
            h & 0xfff,
            (h >> 12) & 0xfff,
            (splitmix64(h) & 0xffff_ffff_ffff)
        );
        let ts = self.time(now);
        prepare_for_create(&mut job, &uid, ts, &self.profile);
        let jid = self.jobs.len() as u32;
        let completions = job.spec.completions;
        let index_attempts = if job.is_indexed() {
            vec![0; completions.unwrap_or(0).max(0) as usize]
        } else {
            Vec::new()
        };
        let result = JobResult {
            name: job.metadata.name.clone(),
            workload,
            ordinal,
            status: "Running",
            created: now,
            completions,
            parallelism: job.spec.parallelism.unwrap_or(1),
            ..Default::default()
        };
        self.log
            .row(now, &job.metadata.name, "", None, EventKind::JobCreated, "");
        self.jobs.push(JobSlot {
            name: job.metadata.name.clone(),
            job: Some(Box::new(job)),
            state: JobState::default(),
            workload,
            pods: Vec::new(),
            queue: KeyQueue::default(),
            next_pod_ordinal: 0,
            index_attempts,
            result,
            finished: false,
        });
        let list = &mut self.by_workload[workload as usize];
        if list.len() <= ordinal as usize {
            list.resize(ordinal as usize + 1, u32::MAX);
        }
        list[ordinal as usize] = jid;
        // Job added: synced immediately.
        self.enqueue_now(jid, now, q);
    }

    fn sync(&mut self, jid: u32, now: SimTime, q: &mut EventQueue<Ev>) {
        let env = SyncEnv {
            now: self.time(now),
            profile: self.profile,
        };
        let World { jobs, pods, stats, .. } = self;
        let js = &mut jobs[jid as usize];
        js.queue.dirty = false;
        if js.finished {
            return;
        }
        let Some(job) = js.job.as_deref() else { return };
        let refs: Vec<&Pod> = js
            .pods
            .iter()
            .filter_map(|&p| pods[p as usize].as_deref().map(|s| &s.pod))
            .collect();
        let mut rec = Recorder::default();
        let outcome = sync_job(job, &refs, &mut js.state, &env, &mut rec);
        drop(refs);
        stats.syncs += 1;
        stats.api_writes += rec.writes.len() as u64;
        let wrote_status = rec.writes.iter().any(|w| matches!(w, Write::Status(_)));
        if !rec.writes.is_empty() {
            self.last_activity = now;
        }
        for w in rec.writes {
            match w {
                Write::Status(st) => self.apply_status(jid, *st, now),
                Write::Create(req) => self.create_pod(jid, &req, now, q),
                Write::Delete(slot) => self.delete_pod(slot, now, q),
                Write::RemoveFinalizer(slot) => self.remove_finalizer(slot, now, q),
            }
        }
        let js = &mut self.jobs[jid as usize];
        if js.finished {
            return;
        }
        match outcome.error {
            Some(_) => {
                js.queue.failures += 1;
                let d = error_requeue_delay_ms(&self.profile, js.queue.failures);
                self.enqueue_after(jid, d, now, q);
            }
            None => js.queue.failures = 0,
        }
        if let Some(ms) = outcome.requeue_after_ms {
            self.enqueue_after(jid, ms, now, q);
        }
        if wrote_status {
            // The informer delivers our own status update: a Job update without a spec change.
            let d = job_update_delay_ms(&self.profile, false);
            self.enqueue_after(jid, d, now, q);
        }
    }

    fn apply_status(&mut self, jid: u32, status: JobStatus, now: SimTime) {
        let js = &mut self.jobs[jid as usize];
        let Some(job) = js.job.as_deref_mut() else { return };
        if job.status.start_time.is_none() && status.start_time.is_some() {
            js.result.started = Some(now);
            self.log.row(now, &js.name, "", None, EventKind::JobStarted, "");
        } else if status.start_time != job.status.start_time
            && status.start_time.is_some()
            && js.result.started.is_none()
        {
            js.result.started = Some(now);
        }
        for c in &status.conditions {
            let before = job.status.conditions.iter().find(|o| o.type_ == c.type_);
            if before.is_some_and(|b| b.status == c.status && b.reason == c.reason) {
                continue;
            }
            let kind = match (c.type_.as_str(), c.status.as_str()) {
                (COND_SUSPENDED, "True") => EventKind::JobSuspended,
                (COND_SUSPENDED, "False") => EventKind::JobResumed,
                (COND_FAILURE_TARGET, "True") => EventKind::JobFailureTarget,
                (COND_SUCCESS_CRITERIA_MET, "True") => EventKind::JobSuccessCriteriaMet,
                (COND_COMPLETE, "True") => EventKind::JobComplete,
                (COND_FAILED, "True") => EventKind::JobFailed,
                _ => continue,
            };
            let detail = condition_detail(c);
            self.log.row(now, &js.name, "", None, kind, &detail);
        }
        job.status = status;
        if job.is_finished() && !js.finished {
            self.finish_job(jid, now);
        }
    }

    /// A Job got its terminal condition: record its result, hand the final
    /// object to the output, and let the orphan worker remove the finalizers
    /// of any pods that still hold one.
    fn finish_job(&mut self, jid: u32, now: SimTime) {
        let js = &mut self.jobs[jid as usize];
        js.finished = true;
        let job = js.job.take().expect("finished Job still held");
        js.result.finished = Some(now);
        fill_counts(&mut js.result, &job);
        let fc = job.finished_condition().cloned().unwrap_or_default();
        js.result.status = if fc.type_ == COND_COMPLETE {
            "Complete"
        } else {
            "Failed"
        };
        js.result.reason = fc.reason.clone();
        let workload = js.workload;
        if let Some(f) = self.on_finish.as_mut() {
            f(*job, workload);
        }
        let pods = std::mem::take(&mut self.jobs[jid as usize].pods);
        for slot in pods {
            let Some(p) = self.pods[slot as usize].as_deref_mut() else {
                continue;
            };
            p.pod.metadata.finalizers.clear();
            if p.pod.status.phase.is_terminal() {
                self.release_pod(slot, now);
            }
        }
    }

    // ----- Pods ------------------------------------------------------------

    fn create_pod(&mut self, jid: u32, req: &PodCreate, now: SimTime, q: &mut EventQueue<Ev>) {
        let slot = self.pods.len() as u32;
        let ts = self.time(now);
        let js = &mut self.jobs[jid as usize];
        let Some(job) = js.job.as_deref() else { return };
        let ordinal = js.next_pod_ordinal;
        js.next_pod_ordinal += 1;
        let (slot_id, pod_attempt) = match req.index {
            Some(ix) => {
                let a = js.index_attempts.get_mut(ix as usize).map(|a| {
                    *a += 1;
                    *a - 1
                });
                (ix as u32, a.unwrap_or(0))
            }
            None => (ordinal, 0),
        };
        let id = AttemptId {
            job_ordinal: js.result.ordinal,
            slot: slot_id,
            pod_attempt,
            container_attempt: 0,
        };
        let wl = &self.sc.workloads[js.workload as usize];
        let plan = plan_attempt(&self.key, wl, req.index, id);
        let mut pod = Pod::default();
        pod.metadata.name = format!(
            "{}{}",
            req.generate_name,
            name_suffix(
                wl.id
                    ^ ((js.result.ordinal as u64) << 24)
                    ^ ((ordinal as u64) << 1)
                    ^ ((self.replication as u64) << 48)
            )
        );
        pod.metadata.namespace = job.metadata.namespace.clone();
        pod.metadata.uid = pod_uid(slot, self.replication);
        pod.metadata.creation_timestamp = Some(ts);
        pod.metadata.finalizers.push(JOB_TRACKING_FINALIZER.into());
        if let Some(ix) = req.index {
            pod.metadata
                .annotations
                .insert(JOB_COMPLETION_INDEX_ANNOTATION.to_string(), ix.to_string());
            if let Some(n) = req.index_failure_count {
                pod.metadata
                    .annotations
                    .insert(JOB_INDEX_FAILURE_COUNT_ANNOTATION.to_string(), n.to_string());
            }
            if let Some(n) = req.index_ignored_failure_count {
                pod.metadata
                    .annotations
                    .insert(JOB_INDEX_IGNORED_FAILURE_COUNT_ANNOTATION.to_string(), n.to_string());
            }
        }
        pod.status.phase = PodPhase::Pending;
        // Unlimited cluster: bound at once.
        pod.spec.node_name = "node-0".to_string();
        js.pods.push(slot);
        js.result.pods_created += 1;
        self.stats.pods_created += 1;
        let name = &self.jobs[jid as usize].name;
        self.log
            .row(now, name, &pod.metadata.name, req.index, EventKind::PodCreated, "");
        self.log.row(
            now,
            name,
            &pod.metadata.name,
            req.index,
            EventKind::PodScheduled,
            "node=node-0",
        );
        let start_at = now + plan.startup;
        let exit_code = plan.exit_code;
        self.pods.push(Some(Box::new(PodSlot {
            pod,
            job: jid,
            epoch: 0,
            index: req.index,
            id,
            plan,
            running_since: None,
            first_start: None,
            exit_code,
            crash: CrashBackoff::default(),
            restarts: 0,
        })));
        q.push(
            start_at,
            Ev::Pod {
                pod: slot,
                epoch: 0,
                step: PodStep::Start,
            },
        );
        // The informer sees the new pod: an expected creation, and a batched sync.
        self.jobs[jid as usize].state.creation_observed();
        self.pod_event(jid, PodPhase::Unset, PodPhase::Pending, now, q);
    }

    fn pod_step(&mut self, slot: u32, epoch: u32, step: PodStep, now: SimTime, q: &mut EventQueue<Ev>) {
        let Some(p) = self.pods.get(slot as usize).and_then(|p| p.as_deref()) else {
            return;
        };
        if p.epoch != epoch || p.pod.status.phase.is_terminal() {
            return;
        }
        self.last_activity = now;
        match step {
            PodStep::Start => self.start_pod(slot, now, q),
            PodStep::Ready => self.ready_pod(slot, now, q),
            PodStep::Exit => self.exit_pod(slot, now, q),
            PodStep::Restart => self.restart_container(slot, now, q),
        }
    }

    fn container_statuses(&self, p: &PodSlot, running: bool, now: SimTime, code: i32) -> Vec<ContainerStatus> {
        let tpl = &self.templates[self.jobs[p.job as usize].workload as usize];
        let ts = self.time(now);
        let started = p.running_since.map(|t| self.time(t));
        tpl.containers
            .iter()
            .enumerate()
            .map(|(i, name)| {
                let mut cs = ContainerStatus {
                    name: name.clone(),
                    ready: running,
                    ..Default::default()
                };
                if i == p.plan.container {
                    cs.restart_count = p.restarts;
                }
                if running {
                    cs.state.running = Some(ContainerStateRunning { started_at: started });
                } else {
                    let exit_code = if i == p.plan.container { code } else { 0 };
                    let reason = match exit_code {
                        0 => "Completed",
                        kubelet::EXIT_SIGKILL => "OOMKilled",
                        _ => "Error",
                    };
                    let reason = if exit_code == kubelet::EXIT_SIGKILL && p.pod.metadata.deletion_timestamp.is_some() {
                        "Error"
                    } else {
                        reason
                    };
                    cs.state.terminated = Some(ContainerStateTerminated {
                        exit_code,
                        reason: reason.into(),
                        started_at: started,
                        finished_at: Some(ts),
                    });
                }
                cs
            })
            .collect()
    }

    fn start_pod(&mut self, slot: u32, now: SimTime, q: &mut EventQueue<Ev>) {
        let mut p = self.pods[slot as usize].take().expect("checked");
        p.running_since = Some(now);
        p.first_start.get_or_insert(now);
        p.pod.status.phase = PodPhase::Running;
        p.pod.status.start_time = Some(self.time(now));
        p.pod.status.container_statuses = self.container_statuses(&p, true, now, 0);
        self.log.row(
            now,
            &self.jobs[p.job as usize].name,
            &p.pod.metadata.name,
            p.index,
            EventKind::PodRunning,
            "",
        );
        let exit_at = now + p.plan.run_for;
        let ready_at = now + p.plan.readiness;
        q.push(
            exit_at,
            Ev::Pod {
                pod: slot,
                epoch: p.epoch,
                step: PodStep::Exit,
            },
        );
        let jid = p.job;
        let epoch = p.epoch;
        let readiness_zero = p.plan.readiness == 0;
        self.pods[slot as usize] = Some(p);
        if readiness_zero && exit_at > now {
            self.ready_pod(slot, now, q);
        } else if ready_at < exit_at {
            q.push(
                ready_at,
                Ev::Pod {
                    pod: slot,
                    epoch,
                    step: PodStep::Ready,
                },
            );
        }
        self.pod_event(jid, PodPhase::Pending, PodPhase::Running, now, q);
    }

    fn ready_pod(&mut self, slot: u32, now: SimTime, q: &mut EventQueue<Ev>) {
        let ts = self.time(now);
        let p = self.pods[slot as usize].as_deref_mut().expect("checked");
        if p.pod.metadata.deletion_timestamp.is_some() || p.running_since.is_none() {
            return;
        }
        set_ready(&mut p.pod, true, ts);
        let (jid, index) = (p.job, p.index);
        self.log.row(
            now,
            &self.jobs[jid as usize].name,
            &p.pod.metadata.name,
            index,
            EventKind::PodReady,
            "",
        );
        self.pod_event(jid, PodPhase::Running, PodPhase::Running, now, q);
    }

    /// The container exits with `exit_code`: restart in place (OnFailure,
    /// not being deleted) or end the pod.
    fn exit_pod(&mut self, slot: u32, now: SimTime, q: &mut EventQueue<Ev>) {
        let mut p = self.pods[slot as usize].take().expect("checked");
        let jid = p.job;
        let tpl_on_failure = self.templates[self.jobs[jid as usize].workload as usize].on_failure;
        let code = p.exit_code;
        let deleting = p.pod.metadata.deletion_timestamp.is_some();
        let workload = self.jobs[jid as usize].workload as usize;
        let ts = self.time(now);
        if code != 0 && tpl_on_failure && !deleting {
            // CrashLoopBackOff: the container restarts in place after the back-off.
            let wait = p.crash.next_delay(now);
            let ran = now - p.running_since.unwrap_or(now);
            let js = &mut self.jobs[jid as usize];
            js.result.pod_ms += ran;
            js.result.failed_pod_ms += ran;
            p.running_since = None;
            p.pod.status.container_statuses = self.container_statuses(&p, false, now, code);
            set_ready(&mut p.pod, false, ts);
            if self.log.enabled() {
                let container = self.templates[workload]
                    .containers
                    .get(p.plan.container)
                    .map_or("", String::as_str);
                let detail = format!(
                    "exitCode={code};container={container};restartCount={};backoff={}",
                    p.restarts + 1,
                    format_duration(wait)
                );
                self.log.row(
                    now,
                    &self.jobs[jid as usize].name,
                    &p.pod.metadata.name,
                    p.index,
                    EventKind::ContainerRestarted,
                    &detail,
                );
            }
            q.push(
                now + wait,
                Ev::Pod {
                    pod: slot,
                    epoch: p.epoch,
                    step: PodStep::Restart,
                },
            );
            self.pods[slot as usize] = Some(p);
            self.pod_event(jid, PodPhase::Running, PodPhase::Running, now, q);
            return;
        }
        let old_phase = p.pod.status.phase;
        let phase = if code == 0 && p.running_since.is_some() {
            PodPhase::Succeeded
        } else {
            PodPhase::Failed
        };
        let ran = p.running_since.map_or(0, |s| now - s);
        {
            let js = &mut self.jobs[jid as usize];
            js.result.pod_ms += ran;
            if phase == PodPhase::Failed {
                js.result.failed_pod_ms += ran;
            }
        }
        p.pod.status.container_statuses = if p.running_since.is_some() {
            self.container_statuses(&p, false, now, code)
        } else {
            Vec::new()
        };
        p.running_since = None;
        p.pod.status.phase = phase;
        set_ready(&mut p.pod, false, ts);
        if phase == PodPhase::Failed
            && let Some(o) = p.plan.outcome
            && p.exit_code == p.plan.exit_code
        {
            let wl = &self.sc.workloads[self.jobs[jid as usize].workload as usize];
            for c in &wl.behavior(p.index).outcomes[o].conditions {
                p.pod.status.conditions.push(PodCondition {
                    type_: c.clone(),
                    status: "True".into(),
                    last_transition_time: Some(ts),
                    ..Default::default()
                });
            }
        }
        if self.log.enabled() {
            let container = self.templates[workload]
                .containers
                .get(p.plan.container)
                .map_or("", String::as_str);
            let (kind, detail) = if phase == PodPhase::Succeeded {
                (EventKind::PodSucceeded, format!("exitCode=0;container={container}"))
            } else if p.pod.status.container_statuses.is_empty() {
                (EventKind::PodFailed, "reason=DeletedBeforeStart".to_string())
            } else {
                (EventKind::PodFailed, format!("exitCode={code};container={container}"))
            };
            self.log.row(
                now,
                &self.jobs[jid as usize].name,
                &p.pod.metadata.name,
                p.index,
                kind,
                &detail,
            );
        }
        let finished_job = self.jobs[jid as usize].finished;
        let gone = (deleting || finished_job) && !p.pod.has_tracking_finalizer();
        let keep_for_controller = p.pod.has_tracking_finalizer();
        self.pods[slot as usize] = Some(p);
        if gone {
            self.release_pod(slot, now);
        } else if !keep_for_controller {
            self.forget_pod(slot);
        }
        self.pod_event(jid, old_phase, phase, now, q);
    }

    fn restart_container(&mut self, slot: u32, now: SimTime, q: &mut EventQueue<Ev>) {
        let mut p = self.pods[slot as usize].take().expect("checked");
        p.restarts += 1;
        p.id.container_attempt += 1;
        let js = &mut self.jobs[p.job as usize];
        js.result.restarts += 1;
        let wl = &self.sc.workloads[js.workload as usize];
        let next = plan_attempt(&self.key, wl, p.index, p.id);
        // A restart re-runs the container only: no new scheduling or image pull.
        p.plan = AttemptPlan { startup: 0, ..next };
        p.exit_code = p.plan.exit_code;
        p.running_since = Some(now);
        p.pod.status.container_statuses = self.container_statuses(&p, true, now, 0);
        let exit_at = now + p.plan.run_for;
        q.push(
            exit_at,
            Ev::Pod {
                pod: slot,
                epoch: p.epoch,
                step: PodStep::Exit,
            },
        );
        if p.plan.readiness == 0 {
            set_ready(&mut p.pod, true, self.time(now));
        } else if now + p.plan.readiness < exit_at {
            q.push(
                now + p.plan.readiness,
                Ev::Pod {
                    pod: slot,
                    epoch: p.epoch,
                    step: PodStep::Ready,
                },
            );
        }
        let jid = p.job;
        self.pods[slot as usize] = Some(p);
        self.pod_event(jid, PodPhase::Running, PodPhase::Running, now, q);
    }

    /// A graceful DELETE: the pod gets its deletion timestamp; the kubelet
    /// sends SIGTERM and the container ends within the grace period.
    fn delete_pod(&mut self, slot: u32, now: SimTime, q: &mut EventQueue<Ev>) {
        let Some(mut p) = self.pods.get_mut(slot as usize).and_then(Option::take) else {
            return;
        };
        if p.pod.metadata.deletion_timestamp.is_some() {
            self.pods[slot as usize] = Some(p);
            return;
        }
        let jid = p.job;
        let grace = self.templates[self.jobs[jid as usize].workload as usize].grace_ms;
        p.pod.metadata.deletion_timestamp = Some(self.time(now + grace));
        p.pod.metadata.deletion_grace_period_seconds = Some((grace / 1000) as i64);
        let name = self.jobs[jid as usize].name.clone();
        self.log.row(
            now,
            &name,
            &p.pod.metadata.name,
            p.index,
            EventKind::PodDeleting,
            &format!("grace={}", format_duration(grace)),
        );
        let phase = p.pod.status.phase;
        if !phase.is_terminal() {
            p.epoch = p.epoch.wrapping_add(1);
            let (end, code) = match p.running_since {
                Some(_) => {
                    let natural = p.running_since.unwrap_or(now) + p.plan.run_for;
                    kubelet::termination(now, natural.max(now), p.plan.exit_code, p.plan.shutdown, grace)
                }
                // Not started (or waiting to restart): stopped at once.
                None => (now, kubelet::EXIT_SIGKILL),
            };
            p.exit_code = code;
            q.push(
                end,
                Ev::Pod {
                    pod: slot,
                    epoch: p.epoch,
                    step: PodStep::Exit,
                },
            );
        }
        let gone = phase.is_terminal() && !p.pod.has_tracking_finalizer();
        self.pods[slot as usize] = Some(p);
        // The informer sees the deletion timestamp.
        self.jobs[jid as usize].state.deletion_observed();
        if gone {
            self.release_pod(slot, now);
        }
        self.pod_event(jid, phase, phase, now, q);
    }

    fn remove_finalizer(&mut self, slot: u32, now: SimTime, q: &mut EventQueue<Ev>) {
        let Some(p) = self.pods.get_mut(slot as usize).and_then(|p| p.as_deref_mut()) else {
            return;
        };
        p.pod.metadata.finalizers.retain(|f| f != JOB_TRACKING_FINALIZER);
        let (jid, phase, deleting) = (p.job, p.pod.status.phase, p.pod.metadata.deletion_timestamp.is_some());
        let uid = p.pod.metadata.uid.clone();
        self.jobs[jid as usize].state.finalizer_removal_observed(&uid);
        if phase.is_terminal() {
            if deleting {
                self.release_pod(slot, now);
            } else {
                // Finished and counted: the object stays in the API, the controller ignores it.
                self.forget_pod(slot);
            }
        }
        self.pod_event(jid, phase, phase, now, q);
    }

    /// The pod object is deleted from the API.
    fn release_pod(&mut self, slot: u32, now: SimTime) {
        let Some(p) = self.pods.get_mut(slot as usize).and_then(Option::take) else {
            return;
        };
        let js = &mut self.jobs[p.job as usize];
        if let Some(i) = js.pods.iter().position(|&s| s == slot) {
            js.pods.swap_remove(i);
        }
        if p.pod.metadata.deletion_timestamp.is_some() {
            js.state.deletion_observed();
            let name = js.name.clone();
            self.log
                .row(now, &name, &p.pod.metadata.name, p.index, EventKind::PodDeleted, "");
        }
    }

    /// A terminal, counted pod: kept out of the controller's view and memory.
    fn forget_pod(&mut self, slot: u32) {
        let Some(p) = self.pods.get_mut(slot as usize).and_then(Option::take) else {
            return;
        };
        let js = &mut self.jobs[p.job as usize];
        if let Some(i) = js.pods.iter().position(|&s| s == slot) {
            js.pods.swap_remove(i);
        }
    }

    // ----- Actions ---------------------------------------------------------

    fn action(&mut self, index: u32, now: SimTime, q: &mut EventQueue<Ev>) {
        self.last_activity = now;
        let action = self.sc.actions[index as usize].clone();
        match action.kind {
            ActionKind::Suspend(sel) => self.update_jobs(sel, now, q, |j| j.spec.suspend = Some(true)),
            ActionKind::Resume(sel) => self.update_jobs(sel, now, q, |j| j.spec.suspend = Some(false)),
            ActionKind::SetParallelism(sel, n) => self.update_jobs(sel, now, q, |j| j.spec.parallelism = Some(n)),
            ActionKind::Delete(_)
            | ActionKind::Drain { .. }
            | ActionKind::LoseNodes { .. }
            | ActionKind::AddNodes { .. }
            | ActionKind::RemoveNodes { .. } => {}
        }
    }

    /// A spec change by a user: generation bumps, the key is synced at once.
    fn update_jobs(&mut self, sel: JobSelector, now: SimTime, q: &mut EventQueue<Ev>, f: impl Fn(&mut Job)) {
        let ids: Vec<u32> = match sel.ordinal {
            Some(o) => self.by_workload[sel.workload]
                .get(o as usize)
                .copied()
                .into_iter()
                .collect(),
            None => self.by_workload[sel.workload].clone(),
        };
        for jid in ids.into_iter().filter(|&j| j != u32::MAX) {
            let js = &mut self.jobs[jid as usize];
            let Some(job) = js.job.as_deref_mut() else { continue };
            if js.finished {
                continue;
            }
            let before = job.spec.clone();
            f(job);
            if job.spec != before {
                job.metadata.generation = Some(job.metadata.generation.unwrap_or(1) + 1);
                let d = job_update_delay_ms(&self.profile, true);
                self.enqueue_after(jid, d, now, q);
            }
        }
    }
}

fn set_ready(pod: &mut Pod, ready: bool, ts: Time) {
    let status = if ready { "True" } else { "False" };
    match pod.status.conditions.iter_mut().find(|c| c.type_ == POD_READY) {
        Some(c) if c.status == status => {}
        Some(c) => {
            c.status = status.into();
            c.last_transition_time = Some(ts);
        }
        None if ready => pod.status.conditions.push(PodCondition {
            type_: POD_READY.into(),
            status: status.into(),
            last_transition_time: Some(ts),
            ..Default::default()
        }),
        None => pod.status.conditions.push(PodCondition {
            type_: POD_READY.into(),
            status: status.into(),
            last_transition_time: Some(ts),
            ..Default::default()
        }),
    }
}

fn condition_detail(c: &JobCondition) -> String {
    match (c.reason.is_empty(), c.message.is_empty()) {
        (true, _) => String::new(),
        (false, true) => format!("reason={}", c.reason),
        (false, false) => format!("reason={};message={}", c.reason, c.message),
    }
}

fn fill_counts(r: &mut JobResult, job: &Job) {
    r.succeeded = job.status.succeeded;
    r.failed = job.status.failed;
    r.completions = job.spec.completions;
    r.parallelism = job.spec.parallelism.unwrap_or(1);
}

impl Model for World<'_> {
    type Event = Ev;

    fn handle(&mut self, now: SimTime, ev: Ev, q: &mut EventQueue<Ev>) {
        match ev {
            Ev::Arrive { workload, ordinal } => self.arrive(workload, ordinal, now, q),
            Ev::QueueAdd { job, epoch } => {
                let js = &mut self.jobs[job as usize];
                if js.queue.delayed.is_some_and(|(_, g)| g == epoch) {
                    js.queue.delayed = None;
                    self.enqueue_now(job, now, q);
                }
            }
            Ev::Sync { job } => self.sync(job, now, q),
            Ev::Pod { pod, epoch, step } => self.pod_step(pod, epoch, step, now, q),
            Ev::Action { index } => self.action(index, now, q),
        }
    }
}
