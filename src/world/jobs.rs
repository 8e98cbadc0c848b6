//! Jobs: arrivals (the API server's create), status updates written by the
//! controller, finishing, the TTL-after-finished controller, and the scripted
//! actions that change or delete Jobs.

use super::*;
use crate::api::validation::{ValidationOptions, validate_job_update};
use crate::controller::sync::{ControllerRef, orphan_finalizer_removable};
use crate::record::{Detail, Row};
use crate::scenario::{ActionKind, JobSelector};
use crate::workload::arrival_time;

impl World<'_> {
    pub(super) fn arrive(&mut self, workload: u32, ordinal: u32, now: SimTime, q: &mut EventQueue<Ev>) {
        self.last_activity = now;
        self.arrivals_left -= 1;
        self.open_jobs += 1;
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
        let h = splitmix64(wl.id ^ ((ordinal as u64) << 20) ^ self.replication as u64);
        let job = self.templates[workload as usize].prototype.instantiate(
            wl.job_name(ordinal),
            &job_uid(h),
            self.stored_time(now),
        );
        let jid = self.jobs.next_id();
        let completions = job.spec.completions;
        let index_attempts = if job.is_indexed() {
            thin_vec::thin_vec![0; completions.unwrap_or(0).max(0) as usize]
        } else {
            ThinVec::new()
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
            .record(&Row::job(now, &job.metadata.name, EventKind::JobCreated, Detail::None));
        self.jobs.push(JobSlot {
            job: Some(Box::new(job)),
            state: JobState::default(),
            workload,
            pods: Vec::new(),
            next_pod_ordinal: 0,
            index_attempts,
            inactive: Vec::new(),
            active_ready: 0,
            inflight: ThinVec::new(),
            requests: 0,
            result,
            finished: false,
            deleted: false,
            live_pods: 0,
            ttl_pending: false,
            status_gen: 0,
            quiet: None,
            first_delivery: (SimTime::MAX, 0),
        });
        let list = &mut self.by_workload[workload as usize];
        if list.len() <= ordinal as usize {
            list.resize(ordinal as usize + 1, None);
        }
        list[ordinal as usize] = Some(jid);
        // Job added: synced immediately.
        self.enqueue_now(jid, now, q);
    }

    /// The API stores a status the controller wrote.
    pub(super) fn apply_status(&mut self, jid: JobId, status: JobStatus, now: SimTime, q: &mut EventQueue<Ev>) {
        let js = &mut self.jobs[jid];
        if js.deleted {
            return;
        }
        let Some(job) = js.job.as_deref_mut() else { return };
        if status.start_time.is_some() && js.result.started.is_none() {
            js.result.started = Some(now);
            self.log
                .record(&Row::job(now, &js.result.name, EventKind::JobStarted, Detail::None));
        }
        for c in &status.conditions {
            let before = job.status.conditions.iter().find(|o| o.type_ == c.type_);
            if before.is_some_and(|b| b.status == c.status && b.reason == c.reason) {
                continue;
            }
            let kind = match (&*c.type_, &*c.status) {
                (COND_SUSPENDED, "True") => EventKind::JobSuspended,
                (COND_SUSPENDED, "False") => EventKind::JobResumed,
                (COND_FAILURE_TARGET, "True") => EventKind::JobFailureTarget,
                (COND_SUCCESS_CRITERIA_MET, "True") => EventKind::JobSuccessCriteriaMet,
                (COND_COMPLETE, "True") => EventKind::JobComplete,
                (COND_FAILED, "True") => EventKind::JobFailed,
                _ => continue,
            };
            let detail = Detail::Reason {
                reason: &c.reason,
                message: &c.message,
            };
            self.log.record(&Row::job(now, &js.result.name, kind, detail));
        }
        job.status = status.stored();
        js.status_gen = js.status_gen.wrapping_add(1);
        if job.is_finished() && !js.finished {
            self.finish_job(jid, now, q);
        } else {
            self.observe(jid, Observed::JobUpdated, now, q);
        }
    }

    /// A Job got its terminal condition: record its result, hand the final
    /// object to the output, start its TTL, and let the orphan worker remove
    /// the finalizers of any pods that still hold one.
    fn finish_job(&mut self, jid: JobId, now: SimTime, q: &mut EventQueue<Ev>) {
        self.open_jobs -= 1;
        let js = &mut self.jobs[jid];
        js.finished = true;
        self.queue.close(jid.0);
        let job = js.job.take().expect("finished Job still held");
        js.result.finished = Some(now);
        fill_counts(&mut js.result, &job, self.sc.epoch);
        let fc = job.finished_condition().cloned().unwrap_or_default();
        js.result.status = if fc.type_ == COND_COMPLETE {
            "Complete"
        } else {
            "Failed"
        };
        js.result.reason = fc.reason.to_string();
        if let Some(ttl) = job.spec.ttl_seconds_after_finished {
            let finished_at = fc
                .last_transition_time
                .map_or(now, |t| (t.millis() - self.sc.epoch.millis()).max(0) as SimTime);
            let at = crate::cluster::ttl::deletion_time(finished_at, ttl, now);
            q.push(at, Ev::TtlExpire { job: jid });
            js.ttl_pending = true;
        }
        let workload = js.workload;
        self.orphan_pods(jid, Some(&job), now, q);
        if self.log.jobs() {
            self.log.take_job_final(job, workload);
        }
        self.try_retire(jid);
    }

    /// The orphan worker (`syncOrphanPod`) for the pods of a finished Job, or
    /// of a deleted one (`owner` then `None`): each pod's controller is that
    /// batch/v1 Job; those the decision frees lose the tracking finalizer.
    fn orphan_pods(&mut self, jid: JobId, owner: Option<&Job>, now: SimTime, q: &mut EventQueue<Ev>) {
        let controller = ControllerRef {
            api_version: "batch/v1",
            kind: "Job",
            uid: owner.map_or(&Uid::EMPTY, |j| &j.metadata.uid),
        };
        if !orphan_finalizer_removable(Some(controller), owner, &self.profile) {
            return;
        }
        let pods = std::mem::take(&mut self.jobs[jid].pods);
        self.jobs[jid].clear_counts();
        for slot in pods {
            let Some(p) = self.pods.get_mut(slot) else {
                continue;
            };
            p.pod.tracking_finalizer = false;
            if p.pod.phase.is_terminal() {
                self.release_pod(slot, now, q);
            }
        }
    }

    /// The TTL-after-finished controller deletes the Job (foreground: its pods go first).
    #[cold]
    pub(super) fn ttl_expire(&mut self, jid: JobId, now: SimTime, q: &mut EventQueue<Ev>) {
        let js = &mut self.jobs[jid];
        js.ttl_pending = false;
        if !js.deleted {
            self.delete_job(jid, "TTLAfterFinished", now, q);
        }
        self.try_retire(jid);
    }

    fn delete_job(&mut self, jid: JobId, reason: &str, now: SimTime, q: &mut EventQueue<Ev>) {
        self.last_activity = now;
        let js = &mut self.jobs[jid];
        if !js.finished {
            self.open_jobs -= 1;
        }
        let js = &mut self.jobs[jid];
        js.deleted = true;
        self.queue.close(jid.0);
        js.result.deleted = Some(now);
        if !js.finished
            && let Some(job) = js.job.as_deref()
        {
            let mut r = js.result.clone();
            fill_counts(&mut r, job, self.sc.epoch);
            r.status = if job.is_suspended() { "Suspended" } else { "Running" };
            js.result = r;
        }
        // The garbage collector deletes the pods; the orphan worker removes finalizers.
        let live: Vec<PodId> = js.pods.clone();
        for slot in live {
            self.delete_pod(slot, now, q);
        }
        // Gone from the informer cache: its pods are orphans.
        self.orphan_pods(jid, None, now, q);
        let name = self.jobs[jid].name().to_string();
        let detail = Detail::Reason { reason, message: "" };
        self.log.record(&Row::job(now, &name, EventKind::JobDeleted, detail));
        self.try_retire(jid);
    }

    #[cold]
    pub(super) fn action(&mut self, index: u32, now: SimTime, q: &mut EventQueue<Ev>) {
        self.last_activity = now;
        let action = self.sc.actions[index as usize].clone();
        if action.kind.selects_jobs() {
            self.job_actions_left -= 1;
        }
        let retire_all = action.kind.selects_jobs() && self.job_actions_left == 0;
        match action.kind {
            ActionKind::Suspend(sel) => self.update_jobs(sel, now, q, |j| {
                j.spec.suspend = Some(true);
                Ok(())
            }),
            ActionKind::Resume(sel) => self.update_jobs(sel, now, q, |j| {
                j.spec.suspend = Some(false);
                Ok(())
            }),
            ActionKind::SetParallelism(sel, n) => self.update_jobs(sel, now, q, |j| {
                j.spec.parallelism = Some(n);
                Ok(())
            }),
            ActionKind::Patch(sel, patch) => self.update_jobs(sel, now, q, |j| merge_patch_spec(j, &patch)),
            ActionKind::Delete(sel) => {
                for jid in self.selected(sel) {
                    if !self.jobs[jid].deleted {
                        self.delete_job(jid, "Action", now, q);
                    }
                }
            }
            ActionKind::Drain { pool, nodes } => self.drain_nodes(pool, nodes, false, now, q),
            ActionKind::LoseNodes { pool, nodes, recovery } => self.lose_nodes(pool, nodes, recovery, now, q),
            ActionKind::AddNodes { pool, nodes } => self.add_nodes(pool, nodes, now, q),
            ActionKind::RemoveNodes { pool, nodes } => self.drain_nodes(pool, nodes, true, now, q),
        }
        // The last action on Jobs is past: the finished Jobs it kept may leave.
        if retire_all {
            let ids: Vec<JobId> = self.jobs.iter().map(|(id, _)| id).collect();
            for jid in ids {
                self.try_retire(jid);
            }
        }
    }

    fn selected(&self, sel: JobSelector) -> Vec<JobId> {
        let jobs = &self.by_workload[sel.workload];
        match sel.ordinal {
            Some(o) => jobs.get(o as usize).copied().flatten().into_iter().collect(),
            None => jobs.iter().copied().flatten().collect(),
        }
    }

    /// A spec change by a user: generation bumps, the key is synced at once.
    /// An update of the Jobs' spec, as the API server takes it: checked by
    /// `ValidateJobUpdate` against the stored Job, and refused whole (a
    /// `JobUpdateRejected` row with the first error) when invalid.
    fn update_jobs(
        &mut self,
        sel: JobSelector,
        now: SimTime,
        q: &mut EventQueue<Ev>,
        f: impl Fn(&mut Job) -> Result<(), String>,
    ) {
        for jid in self.selected(sel) {
            let js = &mut self.jobs[jid];
            if js.finished || js.deleted {
                continue;
            }
            let Some(job) = js.job.as_deref_mut() else { continue };
            let mut updated = job.clone();
            let applied = f(&mut updated);
            if applied.is_ok() && updated.spec == job.spec {
                continue;
            }
            let opts = ValidationOptions::for_update(job, &self.profile);
            let refused = match applied {
                Err(e) => Some(e),
                Ok(()) => validate_job_update(&updated, job, &opts).first().map(|e| e.to_string()),
            };
            if let Some(e) = refused {
                let message = format!("Job.batch {:?} is invalid: {e}", job.metadata.name);
                let detail = Detail::Reason {
                    reason: "Invalid",
                    message: &message,
                };
                self.log
                    .record(&Row::job(now, js.name(), EventKind::JobUpdateRejected, detail));
                continue;
            }
            job.spec = updated.spec;
            job.metadata.generation = Some(job.metadata.generation.unwrap_or(1) + 1);
            js.forget_quiet();
            let d = job_update_delay_ms(&self.profile, true);
            self.enqueue_after(jid, d, now, q);
        }
    }
}

/// `kubectl patch --type=merge` of a Job's spec (RFC 7386: objects merge,
/// `null` removes, anything else replaces). A patch that leaves no spec of
/// the right shape is refused as the API server refuses it to decode.
fn merge_patch_spec(job: &mut Job, patch: &serde_json::Value) -> Result<(), String> {
    fn merge(target: &mut serde_json::Value, patch: &serde_json::Value) {
        match (target.as_object_mut(), patch.as_object()) {
            (Some(t), Some(p)) => {
                for (k, v) in p {
                    if v.is_null() {
                        t.remove(k);
                    } else {
                        merge(t.entry(k.clone()).or_insert(serde_json::Value::Null), v);
                    }
                }
            }
            _ => *target = patch.clone(),
        }
    }
    let mut spec = serde_json::to_value(&job.spec).map_err(|e| e.to_string())?;
    merge(&mut spec, patch);
    job.spec = serde_json::from_value(spec).map_err(|e| format!("spec: {e}"))?;
    Ok(())
}

/// A workload's Job as created, defaulted once; each arrival stamps its own
/// name, UID and creation time on a copy. `jobs.yaml` stamps the same
/// prototype's text.
pub use crate::api::defaults::JobPrototype;

pub(super) fn fill_counts(r: &mut JobResult, job: &Job, epoch: Time) {
    r.succeeded = job.status.succeeded;
    r.failed = job.status.failed;
    r.completions = job.spec.completions;
    r.parallelism = job.spec.parallelism.unwrap_or(1);
    let since_epoch = |t: Option<Time>| t.map(|t| (t.millis() - epoch.millis()).max(0) as SimTime);
    r.start_time = since_epoch(job.status.start_time);
    r.completion_time = since_epoch(job.status.completion_time);
    // A finished Job's own time (not when the API stored it): completionTime,
    // or the Failed condition's transition.
    if let Some(c) = job.finished_condition() {
        let at = if c.type_ == COND_COMPLETE {
            job.status.completion_time.or(c.last_transition_time)
        } else {
            c.last_transition_time
        };
        r.finished = since_epoch(at).or(r.finished);
    }
    r.printed_status = printed_status(job);
}

/// STATUS of `kubectl get jobs` (`printJob` in kubectl's printers).
fn printed_status(job: &Job) -> &'static str {
    let has = |t: &str| job.status.conditions.iter().any(|c| c.type_ == t && c.status == "True");
    if has(COND_COMPLETE) {
        "Complete"
    } else if has(COND_FAILED) {
        "Failed"
    } else if job.metadata.deletion_timestamp.is_some() {
        "Terminating"
    } else if has(COND_SUSPENDED) {
        "Suspended"
    } else if has(COND_FAILURE_TARGET) {
        "FailureTarget"
    } else {
        "Running"
    }
}
