//! Syncs that provably change nothing, skipped; and syncs whose only new
//! input is the ready count, shortened to the status write they make.
//!
//! A sync that decided nothing (no error, requeue, event or cause) and wrote
//! only its status, pod creations and finalizer removals has settled its
//! Job: once its writes have landed and been observed, a sync of what it
//! left behind decides the same and writes nothing. About a third of the
//! syncs of a large run are such: the informer's update for the status the
//! last sync wrote, the pods it created arriving, the pods whose finalizer it
//! removed leaving, or a pod going from pending to running. When the ready
//! count is all that changed besides, the sync decides the same and writes
//! the status with the new count (`controller::sync_ready_changed`).
//!
//! A sync of a Job with no inactive pod that reads only counts
//! (`walks_all_pods` is false: not Indexed, not `OnFailure`, not suspended,
//! not being deleted) reads, besides the spec: the status, how many pods are
//! active and ready, whether the expectations are satisfied, and the back-off
//! record (none of a pod's fields, and no finalizer expectation, as those
//! concern inactive pods). [`JobSlot::after_sync`] remembers what the settling
//! sync left: the status generation after its writes (bumped by every status
//! the API stores), the pod count after its creations join and the pods whose
//! finalizer it removed leave, and the ready count. [`JobSlot::sync_path`]
//! compares, with no inactive pod and the expectations satisfied by their
//! counts; the back-off record changes only in syncs, and a spec change
//! forgets what was remembered. Time enters such a sync only through the
//! active deadline (such Jobs are left out), expiring expectations (not
//! relied on) and back-off delays (a requeue: left out); a sync capped at
//! `MaxPodCreateDeletePerSync` creations has not settled. Debug builds run
//! the full sync beside every skipped or shortened one and check that it
//! does the same.

use super::{JobSlot, Write};
use crate::controller::SyncOutcome;
use crate::controller::sync::{MAX_POD_CREATE_DELETE_PER_SYNC, walks_all_pods};

#[cfg(test)]
thread_local! {
    /// Tests turn skipping off on their thread, to compare with full syncs.
    static SKIP: std::cell::Cell<bool> = const { std::cell::Cell::new(true) };
}

/// Whether this thread's worlds skip quiet syncs (tests compare both ways).
#[cfg(test)]
pub(crate) fn skip_quiet_syncs(on: bool) {
    SKIP.with(|s| s.set(on));
}

/// What a settled Job's next sync reads, besides the spec, the expectations
/// and the back-off record: equal inputs, equal decisions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct QuietInputs {
    status_gen: u32,
    pods: u32,
    active_ready: i32,
}

impl QuietInputs {
    /// The Job's inputs once `status_writes` more statuses are stored, and
    /// `joining` pods have joined its list and `leaving` left it.
    fn of(js: &JobSlot, status_writes: u32, joining: u32, leaving: u32) -> Self {
        QuietInputs {
            status_gen: js.status_gen.wrapping_add(status_writes),
            pods: (js.pods.len() as u32 + joining).wrapping_sub(leaving),
            active_ready: js.active_ready,
        }
    }
}

/// How a sync of a Job runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum SyncPath {
    /// `syncJob` in full.
    Full,
    /// It would find what the last sync left behind: it changes nothing.
    Quiet,
    /// Only the ready count changed since: it writes the status with the
    /// new count (`controller::sync_ready_changed`).
    ReadyChanged,
}

impl JobSlot {
    /// How a sync now runs, given what the Job's last sync left behind.
    pub(super) fn sync_path(&self) -> SyncPath {
        #[cfg(test)]
        if !SKIP.with(|s| s.get()) {
            return SyncPath::Full;
        }
        let observed = self.state.expectations.is_none_or(|e| e.add <= 0 && e.del <= 0);
        let Some(last) = self.quiet.filter(|_| observed && self.inactive.is_empty()) else {
            return SyncPath::Full;
        };
        let now = QuietInputs::of(self, 0, 0, 0);
        if now == last {
            SyncPath::Quiet
        } else if now
            == (QuietInputs {
                active_ready: now.active_ready,
                ..last
            })
        {
            SyncPath::ReadyChanged
        } else {
            SyncPath::Full
        }
    }

    /// After a full sync that returned `outcome` and wrote `writes` (not yet
    /// applied): remembers what it leaves behind if it settled the Job and
    /// read only counts; forgets it otherwise.
    pub(super) fn after_sync(&mut self, outcome: &SyncOutcome, writes: &[Write]) {
        self.quiet = None;
        let decided = outcome.error.is_some()
            || outcome.requeue_after_ms.is_some()
            || !outcome.events.is_empty()
            || outcome.causes.is_some();
        let Some(job) = self.job.as_deref() else { return };
        if decided || walks_all_pods(job) || job.spec.active_deadline_seconds.is_some() {
            return;
        }
        let (mut statuses, mut creations, mut removals) = (0, 0, 0);
        for w in writes {
            match w {
                Write::Status(_) => statuses += 1,
                Write::Create(_) => creations += 1,
                Write::RemoveFinalizer(_) => removals += 1,
                Write::Delete(_) => return,
            }
        }
        if creations >= MAX_POD_CREATE_DELETE_PER_SYNC as u32 {
            return;
        }
        self.quiet = Some(QuietInputs::of(self, statuses, creations, removals));
    }

    /// The Job's spec changed, or its pods went to the orphan worker.
    pub(super) fn forget_quiet(&mut self) {
        self.quiet = None;
    }
}

/// Debug builds: the full sync a skipped one stands for, against a client
/// that fails on any call; it must change nothing.
#[cfg(debug_assertions)]
pub(super) mod check {
    use super::super::pod_record::PodRecord;
    use crate::api::{Job, JobStatus};
    use crate::controller::{ApiError, JobClient, PodCreate, SyncOutcome};

    pub(in crate::world) struct NoCalls;

    impl JobClient<PodRecord> for NoCalls {
        fn create_pod(&mut self, job: &Job, _: PodCreate) -> Result<(), ApiError> {
            panic!("a skipped sync of {} would create a pod", job.metadata.name)
        }
        fn delete_pod(&mut self, job: &Job, _: &PodRecord) -> Result<(), ApiError> {
            panic!("a skipped sync of {} would delete a pod", job.metadata.name)
        }
        fn remove_tracking_finalizer(&mut self, pod: &PodRecord) -> Result<(), ApiError> {
            panic!("a skipped sync would remove the finalizer of {}", pod.name)
        }
        fn update_status(&mut self, job: &Job, status: JobStatus) -> Result<(), ApiError> {
            panic!(
                "a skipped sync of {} would write its status:\n{:?}\nover\n{:?}",
                job.metadata.name, status, job.status
            )
        }
    }

    /// Records the calls of the full sync a ready-changed one stands for.
    #[derive(Default)]
    pub(in crate::world) struct Recorder(pub Vec<String>);

    impl JobClient<PodRecord> for Recorder {
        fn create_pod(&mut self, _: &Job, req: PodCreate) -> Result<(), ApiError> {
            self.0.push(format!("create {req:?}"));
            Ok(())
        }
        fn delete_pod(&mut self, _: &Job, pod: &PodRecord) -> Result<(), ApiError> {
            self.0.push(format!("delete {}", pod.name));
            Ok(())
        }
        fn remove_tracking_finalizer(&mut self, pod: &PodRecord) -> Result<(), ApiError> {
            self.0.push(format!("finalizer {}", pod.name));
            Ok(())
        }
        fn update_status(&mut self, _: &Job, status: JobStatus) -> Result<(), ApiError> {
            self.0.push(format!("status {status:?}"));
            Ok(())
        }
    }

    pub(in crate::world) fn decided_nothing(outcome: &SyncOutcome) {
        assert!(
            outcome.error.is_none()
                && outcome.requeue_after_ms.is_none()
                && outcome.events.is_empty()
                && outcome.causes.is_none(),
            "a skipped sync would decide something: {outcome:?}"
        );
    }
}
