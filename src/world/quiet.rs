//! Syncs that provably change nothing, skipped; and syncs whose only new
//! input is the ready count, shortened to the status write they make.
//!
//! `syncJob` is idempotent on its own result: a sync that wrote nothing but
//! the Job's status, decided nothing (no error, requeue, event or cause) and
//! read only its Job's counts, run again on what it left behind (the status
//! it wrote, the same pods, the same controller memory), decides the same
//! and writes nothing. About a quarter of the syncs of a large run are such a
//! rerun: the informer's update for the status the last sync wrote, or a pod
//! that went from pending to running. When the ready count is all that
//! changed, the rerun decides the same and writes the status with the new
//! count (`controller::sync_ready_changed`). [`JobSlot::after_sync`]
//! remembers the inputs a rerun would find; [`JobSlot::sync_path`] compares.
//!
//! The inputs, for a Job whose sync reads only counts (`walks_all_pods` is
//! false: not Indexed, not `OnFailure`, not suspended, not being deleted)
//! and has no inactive pod (so none of a pod's fields is read, only the
//! counts): the status (a generation bumped by every status the API stores,
//! at the value after the sync's own writes); the pods (the next pod ordinal
//! and the list's length, which together change whenever a pod joins or
//! leaves the list; the ready count; and no inactive pod: a pod going
//! terminal or being deleted shows there); and the controller's memory of
//! the Job (a generation bumped by the observations that change it between
//! syncs). A spec change forgets them. Time enters a sync only
//! through the active deadline (such Jobs are left out), unsatisfied or
//! expiring expectations (a cause: left out) and back-off delays (a requeue:
//! left out). Debug builds run the full sync beside every skipped one and
//! check that it would have changed nothing.

use super::{JobSlot, Write};
use crate::controller::SyncOutcome;
use crate::controller::sync::walks_all_pods;

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

/// What a sync of a Job that reads only its counts depends on, besides the
/// Job's spec: equal inputs, equal decisions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct QuietInputs {
    status_gen: u32,
    state_gen: u32,
    next_pod_ordinal: u32,
    pods: u32,
    active_ready: i32,
}

impl QuietInputs {
    /// The Job's inputs now, with `status_writes` more statuses to be stored.
    fn of(js: &JobSlot, status_writes: u32) -> Self {
        QuietInputs {
            status_gen: js.status_gen.wrapping_add(status_writes),
            state_gen: js.state_gen,
            next_pod_ordinal: js.next_pod_ordinal,
            pods: js.pods.len() as u32,
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
        let Some(last) = self.quiet.filter(|_| self.inactive.is_empty()) else {
            return SyncPath::Full;
        };
        let now = QuietInputs::of(self, 0);
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
    /// applied): remembers the inputs a rerun would find, if the sync decided
    /// nothing and read only counts; forgets them otherwise.
    pub(super) fn after_sync(&mut self, outcome: &SyncOutcome, writes: &[Write]) {
        self.quiet = None;
        let decided = outcome.error.is_some()
            || outcome.requeue_after_ms.is_some()
            || !outcome.events.is_empty()
            || outcome.causes.is_some();
        let Some(job) = self.job.as_deref() else { return };
        if decided || !self.inactive.is_empty() || walks_all_pods(job) || job.spec.active_deadline_seconds.is_some() {
            return;
        }
        let mut status_writes = 0;
        for w in writes {
            match w {
                Write::Status(_) => status_writes += 1,
                _ => return,
            }
        }
        self.quiet = Some(QuietInputs::of(self, status_writes));
    }

    /// The Job's spec or pods changed in a way the generations do not follow.
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
