//! Pods: creation by the API, scheduling onto nodes, the kubelet's lifecycle
//! (start, ready, exit, CrashLoopBackOff restarts), graceful deletion, and the
//! object's removal once its finalizers are gone. What the kubelet decides
//! (statuses, restarts, phases, exit codes) is `cluster::kubelet`'s; this file
//! schedules the steps, keeps the books and writes the rows.

use super::*;
use crate::record::{Detail, Row};
use compact_str::CompactString;
use thin_vec::ThinVec;

/// Kubernetes' random name suffix alphabet (`utilrand`): no vowels, no lookalikes.
const NAME_ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";

/// The name the API server gives a pod created with `generateName`: the
/// prefix plus five random characters (written into `scratch` first).
fn generated_name(req: &PodCreate, job_name: &str, seed: u64, scratch: &mut String) -> CompactString {
    scratch.clear();
    req.push_generate_name(job_name, scratch);
    let mut x = splitmix64(seed);
    for _ in 0..5 {
        scratch.push(NAME_ALPHABET[(x % NAME_ALPHABET.len() as u64) as usize] as char);
        x /= NAME_ALPHABET.len() as u64;
    }
    CompactString::from(scratch.as_str())
}

/// Name of the single node of an unlimited cluster.
const UNLIMITED_NODE: &str = "node-0";

impl World<'_> {
    pub(super) fn create_pod(&mut self, jid: JobId, req: &PodCreate, now: SimTime, q: &mut EventQueue<Ev>) {
        let slot = self.pods.next_id();
        let ts = self.stored_time(now);
        let js = &mut self.jobs[jid];
        if js.deleted {
            return;
        }
        if js.job.is_none() {
            return;
        }
        // The controller asks only for indexes from 0: a pod's index is its
        // completion index (`PodSlot::index`).
        debug_assert!(req.index.is_none_or(|ix| ix >= 0));
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
        let seed =
            wl.id ^ ((js.result.ordinal as u64) << 24) ^ ((ordinal as u64) << 1) ^ ((self.replication as u64) << 48);
        // The annotations the API server would store, as the controller parses them back.
        let pod = PodRecord {
            slot,
            uid: pod_uid(slot, self.replication),
            name: generated_name(req, &js.result.name, seed, &mut self.name_buf),
            namespace: self.templates[js.workload as usize].namespace.clone(),
            phase: PodPhase::Pending,
            bound: false,
            tracking_finalizer: true,
            completion_index: req.index.filter(|ix| *ix >= 0),
            index_failure_count: req.index.and(req.index_failure_count).unwrap_or(0).max(0),
            index_ignored_failure_count: req.index.and(req.index_ignored_failure_count).unwrap_or(0).max(0),
            creation_timestamp: ts,
            deletion_timestamp: None,
            deletion_grace_period_seconds: None,
            start_time: None,
            conditions: ThinVec::new(),
            container_statuses: ThinVec::new(),
        };
        let job_pos = js.pods.len() as u32;
        js.pods.push(slot);
        js.live_pods += 1;
        js.result.pods_created += 1;
        self.stats.pods_created += 1;
        self.log.record(&Row::pod(
            now,
            self.jobs[jid].name(),
            &pod.name,
            slot.0,
            req.index,
            EventKind::PodCreated,
            Detail::None,
        ));
        let latency = if matches!(self.sc.cluster.scheduling_latency, Dist::Constant(c) if c == 0.0) {
            0
        } else {
            let wl_id = self.sc.workloads[self.jobs[jid].workload as usize].id;
            let ids = [wl_id, id.job_ordinal as u64, id.slot as u64, id.pod_attempt as u64];
            self.sc
                .cluster
                .scheduling_latency
                .sample(&mut self.key.stream(Purpose::Scheduling, &ids))
        };
        self.pods.push(PodSlot {
            pod,
            class: PodClass::Active,
            job: jid,
            epoch: 0,
            id,
            run: None,
            created: now,
            node: None,
            allocated: false,
            running_since: None,
            exit_at: 0,
            // Set with the plan (`PodSlot::draw_plan`).
            exit_code: 0,
            restarts: 0,
            reported_unschedulable: false,
            deadline_exceeded: false,
            job_pos,
            node_pos: 0,
        });
        if latency == 0 {
            self.schedule_pod(slot, 0, now, q);
        } else {
            q.push(now + latency, Ev::Schedule { pod: slot, epoch: 0 });
        }
        // The informer sees the new pod: an expected creation, and a batched sync.
        self.observe(jid, Observed::PodAdded, now, q);
    }

    /// The scheduler tries to bind a pod; without room it waits in the queue.
    pub(super) fn schedule_pod(&mut self, slot: PodId, epoch: u32, now: SimTime, q: &mut EventQueue<Ev>) {
        let Some(p) = self.pods.get(slot) else {
            return;
        };
        if p.epoch != epoch || p.pod.phase != PodPhase::Pending || p.pod.deletion_timestamp.is_some() || p.pod.bound {
            return;
        }
        self.last_activity = now;
        if self.nodes.unlimited() {
            return self.bind(slot, None, now, q);
        }
        let (jid, workload) = (p.job, self.jobs[p.job].workload as usize);
        let queue_empty = self.pending[workload].is_empty();
        let placed = self.place_pod(slot, workload);
        match placed.filter(|_| queue_empty) {
            Some(node) => self.bind(slot, Some(node as u32), now, q),
            None => {
                self.pending[workload].push_back((slot, jid));
                self.arm_autoscaler(now, q);
                let p = &mut self.pods[slot];
                if !p.reported_unschedulable {
                    p.reported_unschedulable = true;
                    if self.log.enabled() {
                        // Pods that queue together mostly see the same nodes: the
                        // message is written again only when the counts change.
                        let fit = &self.templates[workload].fit;
                        let version = self.nodes.version();
                        let fresh = (self.unfit_detail.as_ref())
                            .is_some_and(|d| d.version == version && d.workload == workload);
                        if fresh {
                            let d = self.unfit_detail.as_ref().expect("fresh");
                            debug_assert_eq!(
                                d.counts,
                                self.nodes.unfit_counts(fit),
                                "nodes changed without a new version"
                            );
                        } else {
                            let (counts, ever) = (self.nodes.unfit_counts(fit), self.nodes.could_ever_fit(fit));
                            match self.unfit_detail.as_mut() {
                                Some(d) if d.counts == counts && d.could_ever_fit == ever => {
                                    (d.version, d.workload) = (version, workload);
                                }
                                _ => {
                                    self.unfit_detail = Some(UnfitDetail {
                                        version,
                                        workload,
                                        reason: self.nodes.reason(&counts, ever),
                                        counts,
                                        could_ever_fit: ever,
                                    })
                                }
                            }
                        }
                        let reason = &self.unfit_detail.as_ref().expect("set").reason;
                        let detail = Detail::Reason { reason, message: "" };
                        self.log.record(&Row::pod(
                            now,
                            self.jobs[p.job].name(),
                            &p.pod.name,
                            slot.0,
                            p.index(),
                            EventKind::PodUnschedulable,
                            detail,
                        ));
                    }
                }
                if self.prioritized && placed.is_none() {
                    // PostFilter: the default preemption.
                    self.preempt(slot, now, q);
                }
            }
        }
    }

    /// Binds waiting pods, oldest first, while any fits somewhere (with
    /// priorities, as kube-scheduler's `PrioritySort` orders its queue: the
    /// highest priority first, then the oldest); then, with priorities,
    /// the pods that still wait may preempt.
    pub(super) fn schedule_pending(&mut self, now: SimTime, q: &mut EventQueue<Ev>) {
        if self.nodes.unlimited() {
            return;
        }
        if self.prioritized {
            self.schedule_pending_by_priority(now, q);
            return self.preempt_waiting(now, q);
        }
        loop {
            let mut best: Option<(PodId, usize, usize)> = None;
            for (w, dq) in self.pending.iter_mut().enumerate() {
                // Drop pods that were deleted or bound meanwhile.
                while let Some(&(s, _)) = dq.front() {
                    let live = self.pods.get(s).is_some_and(|p| {
                        p.pod.phase == PodPhase::Pending && p.pod.deletion_timestamp.is_none() && !p.pod.bound
                    });
                    if live {
                        break;
                    }
                    dq.pop_front();
                }
                let Some(&(s, _)) = dq.front() else { continue };
                if best.is_some_and(|(b, _, _)| b < s) {
                    continue;
                }
                if let Some(node) = self.nodes.place(&self.templates[w].fit) {
                    best = Some((s, w, node));
                }
            }
            let Some((slot, w, node)) = best else {
                self.prefetch_pending();
                return;
            };
            self.pending[w].pop_front();
            self.bind(slot, Some(node as u32), now, q);
        }
    }

    /// Starts loading the two pods at the head of each queue and their
    /// Jobs' slots: the next call reads them, the first pod to bind it and
    /// the second to check it. The first pod's Job slot was asked for by
    /// the call before, so its Job object can be asked for too (its sync
    /// follows the bind).
    fn prefetch_pending(&self) {
        for dq in &self.pending {
            for &(pod, job) in dq.iter().take(2) {
                self.pods.prefetch(pod);
                self.jobs.prefetch(job);
            }
            if let Some(job) = dq.front().and_then(|&(_, job)| self.jobs.get(job)?.job.as_deref()) {
                crate::prefetch::prefetch(&job.spec);
                crate::prefetch::prefetch(&job.status);
            }
        }
    }

    /// [`World::schedule_pending`] in `PrioritySort`'s order, nominated
    /// pods' room held from pods of lower priority.
    fn schedule_pending_by_priority(&mut self, now: SimTime, q: &mut EventQueue<Ev>) {
        loop {
            let mut best: Option<((std::cmp::Reverse<i32>, PodId), usize, usize)> = None;
            for w in 0..self.pending.len() {
                while let Some(&(s, _)) = self.pending[w].front() {
                    let live = self.pods.get(s).is_some_and(|p| {
                        p.pod.phase == PodPhase::Pending && p.pod.deletion_timestamp.is_none() && !p.pod.bound
                    });
                    if live {
                        break;
                    }
                    self.pending[w].pop_front();
                    self.drop_nomination(s);
                }
                let Some(&(s, _)) = self.pending[w].front() else {
                    continue;
                };
                let key = (std::cmp::Reverse(self.templates[w].priority), s);
                if best.is_some_and(|(b, _, _)| b < key) {
                    continue;
                }
                if let Some(node) = self.place_pod(s, w) {
                    best = Some((key, w, node));
                }
            }
            let Some(((_, slot), w, node)) = best else { return };
            self.pending[w].pop_front();
            self.bind(slot, Some(node as u32), now, q);
        }
    }

    fn bind(&mut self, slot: PodId, node: Option<u32>, now: SimTime, q: &mut EventQueue<Ev>) {
        self.drop_nomination(slot);
        let workload = self.jobs[self.pods[slot].job].workload as usize;
        self.pods[slot].draw_plan(&self.key, &self.sc.workloads[workload]);
        if let Some(n) = node {
            self.account_usage(now);
            self.nodes.allocate(n as usize, &self.templates[workload].fit);
            self.node_pods[n as usize].push(slot);
        }
        let p = &mut self.pods[slot];
        if let Some(n) = node {
            p.node_pos = self.node_pods[n as usize].len() as u32 - 1;
        }
        p.node = node;
        p.allocated = node.is_some();
        p.pod.bound = true;
        let waited = now - p.created;
        if waited > 0 && node.is_some() {
            self.stats.pending_ms.push(waited);
        }
        let (jid, index, epoch, startup) = (p.job, p.index(), p.epoch, p.plan().startup);
        if self.log.enabled() {
            let tpl = &self.templates[self.jobs[p.job].workload as usize];
            let (r, extended) = (tpl.fit.request, tpl.extended_request.as_str());
            let asks = r != Request::default() || !extended.is_empty();
            let detail = Detail::Bound {
                node: node.map_or(UNLIMITED_NODE, |n| self.nodes.nodes[n as usize].name.as_str()),
                request: (asks && node.is_some()).then_some((r.cpu_milli, r.memory)),
                extended,
            };
            self.log.record(&Row::pod(
                now,
                self.jobs[jid].name(),
                &p.pod.name,
                slot.0,
                index,
                EventKind::PodScheduled,
                detail,
            ));
        }
        if node.is_some_and(|n| !self.nodes.nodes[n as usize].ready) {
            // A pod that tolerates a lost node's unreachable taint: nothing
            // starts until the kubelet is back, and the taint manager evicts
            // it when its NoExecute toleration runs out.
            let p = &mut self.pods[slot];
            p.run().frozen = Some(startup);
            let workload = self.jobs[jid].workload as usize;
            if let Some(after) = self.templates[workload].fit.evict_unreachable_after {
                q.push(now + after, Ev::Evict { pod: slot, epoch });
            }
        } else {
            q.push(
                now + startup,
                Ev::Pod {
                    pod: slot,
                    epoch,
                    step: PodStep::Start,
                },
            );
        }
        self.pod_changed(jid, PodPhase::Pending, PodPhase::Pending, now, q);
    }

    pub(super) fn pod_step(&mut self, slot: PodId, epoch: u32, step: PodStep, now: SimTime, q: &mut EventQueue<Ev>) {
        let Some(p) = self.pods.get(slot) else {
            return;
        };
        if p.epoch != epoch || p.pod.phase.is_terminal() {
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

    /// The kubelet reports the pod's container statuses
    /// ([`kubelet::set_container_statuses`]): all running, or all ended with
    /// `code` for the planned container.
    fn set_container_statuses(&self, p: &mut PodSlot, running: bool, now: SimTime, code: i32) {
        let tpl = &self.templates[self.jobs[p.job].workload as usize];
        let started = p.running_since.map(|t| self.stored_time(t));
        let state = if running {
            kubelet::Containers::Running
        } else {
            kubelet::Containers::Terminated {
                exit_code: code,
                finished: self.stored_time(now),
                killed_by_kubelet: p.pod.deletion_timestamp.is_some() || p.deadline_exceeded,
            }
        };
        let deciding = p.plan().container as usize;
        let statuses = &mut p.pod.container_statuses;
        kubelet::set_container_statuses(statuses, &tpl.containers, deciding, p.restarts, started, state);
    }

    /// Plans the end of the current run (and a pod-level deadline, if any).
    fn plan_exit(&mut self, slot: PodId, now: SimTime, run_for: u64, q: &mut EventQueue<Ev>) {
        let p = &mut self.pods[slot];
        let tpl = &self.templates[self.jobs[p.job].workload as usize];
        let mut exit_at = now + run_for;
        if let (Some(deadline), Some(first)) = (tpl.active_deadline_ms, p.pod.start_time) {
            // Pod-level activeDeadlineSeconds: the kubelet kills the pod.
            let started = (first.millis() - self.sc.epoch.millis()).max(0) as u64;
            if let Some(kill_at) = kubelet::deadline_kill(started, deadline, exit_at, now) {
                exit_at = kill_at;
                p.exit_code = kubelet::EXIT_SIGKILL;
                p.deadline_exceeded = true;
            }
        }
        p.exit_at = exit_at;
        q.push(
            exit_at,
            Ev::Pod {
                pod: slot,
                epoch: p.epoch,
                step: PodStep::Exit,
            },
        );
    }

    /// Containers are running (first start or restart in place): plan the exit,
    /// and readiness if it comes before the exit.
    fn plan_run(&mut self, slot: PodId, now: SimTime, q: &mut EventQueue<Ev>) {
        let p = &self.pods[slot];
        let (epoch, run_for, readiness) = (p.epoch, p.plan().run_for, p.plan().readiness);
        self.plan_exit(slot, now, run_for, q);
        let exit_at = self.pods[slot].exit_at;
        match kubelet::ready_at(now, readiness, exit_at) {
            Some(at) if at == now => self.ready_pod(slot, now, q),
            Some(at) => q.push(
                at,
                Ev::Pod {
                    pod: slot,
                    epoch,
                    step: PodStep::Ready,
                },
            ),
            None => {}
        }
    }

    fn start_pod(&mut self, slot: PodId, now: SimTime, q: &mut EventQueue<Ev>) {
        let ts = self.stored_time(now);
        let mut p = self.pods.take(slot).expect("checked");
        p.running_since = Some(now);
        kubelet::containers_started(&mut p.pod.phase, &mut p.pod.start_time, ts);
        self.jobs[p.job].result.first_running.get_or_insert(now);
        self.set_container_statuses(&mut p, true, now, 0);
        self.log.record(&Row::pod(
            now,
            self.jobs[p.job].name(),
            &p.pod.name,
            slot.0,
            p.index(),
            EventKind::PodRunning,
            Detail::None,
        ));
        let jid = p.job;
        self.pods.put(slot, p);
        self.plan_run(slot, now, q);
        self.pod_changed(jid, PodPhase::Pending, PodPhase::Running, now, q);
    }

    pub(super) fn ready_pod(&mut self, slot: PodId, now: SimTime, q: &mut EventQueue<Ev>) {
        let ts = self.stored_time(now);
        let p = &mut self.pods[slot];
        if p.pod.deletion_timestamp.is_some() || p.running_since.is_none() || p.pod.is_ready() {
            return;
        }
        kubelet::set_ready(&mut p.pod.conditions, true, ts);
        let (jid, index) = (p.job, p.index());
        self.reclass(slot);
        let p = &self.pods[slot];
        self.log.record(&Row::pod(
            now,
            self.jobs[jid].name(),
            &p.pod.name,
            slot.0,
            index,
            EventKind::PodReady,
            Detail::None,
        ));
        self.pod_changed(jid, PodPhase::Running, PodPhase::Running, now, q);
    }

    /// The container exits with the planned code: restart in place
    /// (OnFailure, not being deleted) or end the pod.
    fn exit_pod(&mut self, slot: PodId, now: SimTime, q: &mut EventQueue<Ev>) {
        let mut p = self.pods.take(slot).expect("checked");
        let jid = p.job;
        let workload = self.jobs[jid].workload as usize;
        let code = p.exit_code;
        let deleting = p.pod.deletion_timestamp.is_some();
        let ts = self.stored_time(now);
        if kubelet::restarts_in_place(code, self.templates[workload].on_failure, deleting, p.deadline_exceeded) {
            // CrashLoopBackOff: the container restarts in place after the back-off.
            let wait = p.run().crash.next_delay(now);
            let ran = now - p.running_since.unwrap_or(now);
            let js = &mut self.jobs[jid];
            js.result.pod_ms += ran;
            js.result.failed_pod_ms += ran;
            self.set_container_statuses(&mut p, false, now, code);
            p.running_since = None;
            kubelet::set_ready(&mut p.pod.conditions, false, ts);
            if self.log.enabled() {
                let container = self.templates[workload]
                    .containers
                    .get(p.plan().container as usize)
                    .map_or("", |name| name);
                let detail = Detail::Restarted {
                    exit_code: code,
                    container,
                    restart_count: p.restarts + 1,
                    backoff_ms: wait,
                };
                self.log.record(&Row::pod(
                    now,
                    self.jobs[jid].name(),
                    &p.pod.name,
                    slot.0,
                    p.index(),
                    EventKind::ContainerRestarted,
                    detail,
                ));
            }
            q.push(
                now + wait,
                Ev::Pod {
                    pod: slot,
                    epoch: p.epoch,
                    step: PodStep::Restart,
                },
            );
            self.pods.put(slot, p);
            self.reclass(slot);
            self.pod_changed(jid, PodPhase::Running, PodPhase::Running, now, q);
            return;
        }
        let old_phase = p.pod.phase;
        let phase = kubelet::terminal_phase(code, p.running_since.is_some());
        let ran = p.running_since.map_or(0, |s| now - s);
        let js = &mut self.jobs[jid];
        js.result.pod_ms += ran;
        if phase == PodPhase::Failed && deleting {
            js.result.pods_deleted += 1;
            js.result.deleted_pod_ms += ran;
        } else if phase == PodPhase::Failed {
            js.result.pods_failed += 1;
            js.result.failed_pod_ms += ran;
        }
        if p.running_since.is_some() {
            self.set_container_statuses(&mut p, false, now, code);
        } else {
            p.pod.container_statuses.clear();
        }
        p.running_since = None;
        p.pod.phase = phase;
        kubelet::set_ready(&mut p.pod.conditions, false, ts);
        if phase == PodPhase::Failed
            && let Some(o) = p.plan().outcome
            && p.exit_code == p.plan().exit_code
        {
            for c in &self.sc.workloads[workload].behavior(p.index()).outcomes[o as usize].conditions {
                p.pod.conditions.push(PodCondition {
                    type_: c.clone().into(),
                    status: "True".into(),
                    last_transition_time: Some(ts),
                    ..Default::default()
                });
            }
        }
        if self.log.enabled() {
            let container = self.templates[workload]
                .containers
                .get(p.plan().container as usize)
                .map_or("", |name| name);
            let (kind, detail) = if phase != PodPhase::Succeeded && p.pod.container_statuses.is_empty() {
                let reason = Detail::Reason {
                    reason: "DeletedBeforeStart",
                    message: "",
                };
                (EventKind::PodFailed, reason)
            } else if phase == PodPhase::Succeeded {
                let exit = Detail::Exited {
                    exit_code: 0,
                    container,
                };
                (EventKind::PodSucceeded, exit)
            } else {
                let exit = Detail::Exited {
                    exit_code: code,
                    container,
                };
                (EventKind::PodFailed, exit)
            };
            self.log.record(&Row::pod(
                now,
                self.jobs[jid].name(),
                &p.pod.name,
                slot.0,
                p.index(),
                kind,
                detail,
            ));
        }
        self.pods.put(slot, p);
        self.reclass(slot);
        self.pod_terminal(slot, old_phase, phase, now, q);
    }

    /// A pod reached a terminal phase: its node frees the room, and the
    /// object goes (or leaves the controller's view) when no finalizer holds it.
    pub(super) fn pod_terminal(
        &mut self,
        slot: PodId,
        old: PodPhase,
        new: PodPhase,
        now: SimTime,
        q: &mut EventQueue<Ev>,
    ) {
        self.free_node(slot, now, q);
        let p = &self.pods[slot];
        let jid = p.job;
        let js = &self.jobs[jid];
        let deleting = p.pod.deletion_timestamp.is_some();
        let gone = (deleting || js.finished || js.deleted) && !p.pod.has_tracking_finalizer();
        let keep_for_controller = p.pod.has_tracking_finalizer();
        if gone {
            self.release_pod(slot, now, q);
        } else if !keep_for_controller {
            self.forget_pod(slot);
        }
        self.pod_changed(jid, old, new, now, q);
    }

    /// The kubelet releases the pod's room on its node.
    pub(super) fn free_node(&mut self, slot: PodId, now: SimTime, q: &mut EventQueue<Ev>) {
        let Some(p) = self.pods.get_mut(slot) else {
            return;
        };
        if !p.allocated {
            return;
        }
        p.allocated = false;
        let node = p.node.expect("allocated pods are bound") as usize;
        let pos = p.node_pos as usize;
        let workload = self.jobs[p.job].workload as usize;
        self.account_usage(now);
        self.nodes.release(node, &self.templates[workload].fit);
        let list = &mut self.node_pods[node];
        debug_assert_eq!(list[pos], slot);
        list.swap_remove(pos);
        if let Some(&moved) = list.get(pos) {
            self.pods[moved].node_pos = pos as u32;
        }
        if self.pending.iter().any(|d| !d.is_empty()) {
            self.schedule_pending(now, q);
        }
    }

    fn restart_container(&mut self, slot: PodId, now: SimTime, q: &mut EventQueue<Ev>) {
        let mut p = self.pods.take(slot).expect("checked");
        p.restarts += 1;
        p.id.container_attempt += 1;
        let js = &mut self.jobs[p.job];
        js.result.restarts += 1;
        let wl = &self.sc.workloads[js.workload as usize];
        let next = plan_attempt(&self.key, wl, p.index(), p.id);
        // A restart re-runs the container only: no new scheduling or image pull.
        p.run().plan = AttemptPlan { startup: 0, ..next };
        p.exit_code = next.exit_code;
        p.running_since = Some(now);
        self.set_container_statuses(&mut p, true, now, 0);
        let jid = p.job;
        self.pods.put(slot, p);
        self.plan_run(slot, now, q);
        self.pod_changed(jid, PodPhase::Running, PodPhase::Running, now, q);
    }

    /// A graceful DELETE: the pod gets its deletion timestamp; the kubelet
    /// sends SIGTERM and the container ends within the grace period.
    pub(super) fn delete_pod(&mut self, slot: PodId, now: SimTime, q: &mut EventQueue<Ev>) {
        let Some(mut p) = self.pods.take(slot) else {
            return;
        };
        if p.pod.deletion_timestamp.is_some() {
            self.pods.put(slot, p);
            return;
        }
        let jid = p.job;
        let workload = self.jobs[jid].workload as usize;
        p.draw_plan(&self.key, &self.sc.workloads[workload]);
        let grace = self.templates[workload].grace_ms;
        p.pod.deletion_timestamp = Some(self.stored_time(now + grace));
        p.pod.deletion_grace_period_seconds = Some((grace / 1000) as i64);
        if self.log.enabled() {
            self.log.record(&Row::pod(
                now,
                self.jobs[jid].name(),
                &p.pod.name,
                slot.0,
                p.index(),
                EventKind::PodDeleting,
                Detail::Grace { grace_ms: grace },
            ));
        }
        let phase = p.pod.phase;
        let node_down = p.node.is_some_and(|n| !self.nodes.nodes[n as usize].ready);
        if !phase.is_terminal() && !node_down {
            p.epoch = p.epoch.wrapping_add(1);
            let natural = p.running_since.map(|_| (p.exit_at, p.exit_code));
            let (end, code) = kubelet::stop_on_delete(now, natural, p.plan().shutdown, grace);
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
        self.pods.put(slot, p);
        self.reclass(slot);
        // The informer sees the deletion timestamp.
        self.observe(jid, Observed::PodDeleted, now, q);
        if gone {
            self.release_pod(slot, now, q);
        }
    }

    pub(super) fn remove_finalizer(&mut self, slot: PodId, now: SimTime, q: &mut EventQueue<Ev>) {
        let Some(p) = self.pods.get_mut(slot) else {
            return;
        };
        p.pod.tracking_finalizer = false;
        let (jid, phase, deleting) = (p.job, p.pod.phase, p.pod.deletion_timestamp.is_some());
        if phase.is_terminal() && deleting {
            self.release_pod(slot, now, q);
            self.observe(jid, Observed::FinalizerRemoved(slot), now, q);
        } else {
            // Observed while the pod is still at hand (its UID need not be rebuilt).
            self.observe(jid, Observed::FinalizerRemoved(slot), now, q);
            if phase.is_terminal() {
                // Finished and counted: the object stays in the API, the controller ignores it.
                self.forget_pod(slot);
            }
        }
    }

    /// The pod object is deleted from the API.
    pub(super) fn release_pod(&mut self, slot: PodId, now: SimTime, q: &mut EventQueue<Ev>) {
        self.free_node(slot, now, q);
        let Some(p) = self.pods.remove(slot) else {
            return;
        };
        let jid = p.job;
        self.detach_from_job(&p, slot);
        if p.pod.deletion_timestamp.is_some() {
            self.log.record(&Row::pod(
                now,
                self.jobs[jid].name(),
                &p.pod.name,
                slot.0,
                p.index(),
                EventKind::PodDeleted,
                Detail::None,
            ));
            self.observe(jid, Observed::PodDeleted, now, q);
        }
        self.try_retire(jid);
    }

    /// A terminal, counted pod: kept out of the controller's view and memory.
    pub(super) fn forget_pod(&mut self, slot: PodId) {
        let Some(p) = self.pods.remove(slot) else {
            return;
        };
        self.detach_from_job(&p, slot);
        self.try_retire(p.job);
    }

    /// Takes the pod out of its Job's list, in place: the last pod takes its
    /// position. A finished or deleted Job's list was handed to the orphan
    /// worker whole, and its pods are no longer in it.
    fn detach_from_job(&mut self, p: &PodSlot, slot: PodId) {
        let pos = p.job_pos as usize;
        let js = &mut self.jobs[p.job];
        js.live_pods -= 1;
        let pods = &mut js.pods;
        if pods.get(pos) != Some(&slot) {
            debug_assert!(!pods.contains(&slot), "pod {slot:?} misplaced in its Job's list");
            return;
        }
        pods.swap_remove(pos);
        js.count(p.class, slot, -1);
        if let Some(&moved) = js.pods.get(pos) {
            self.pods[moved].job_pos = pos as u32;
        }
    }
}
