//! Syncs that provably change nothing, skipped; and syncs whose only new
//! input is the ready count, shortened to the status write they make.
//!
//! A sync that decided nothing (no error, requeue, event or cause) and wrote
//! only its status, pod creations and finalizer removals has settled its
//! Job: once its writes have landed and been observed, a sync of what it
//! left behind decides the same and writes nothing. About half the syncs of
//! a large run are such: the informer's update for the status the
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
        let Some(job) = self.job.as_deref() else { return };
        if decided(outcome) || walks_all_pods(job) || job.spec.active_deadline_seconds.is_some() {
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

    /// The Job's spec changed.
    pub(super) fn forget_quiet(&mut self) {
        self.quiet = None;
    }
}

/// Whether a sync decided anything beyond its writes: an error, a requeue,
/// an event or a cause.
fn decided(outcome: &SyncOutcome) -> bool {
    outcome.error.is_some()
        || outcome.requeue_after_ms.is_some()
        || !outcome.events.is_empty()
        || outcome.causes.is_some()
}

/// Debug builds: the full sync a skipped or shortened one stands for.
#[cfg(debug_assertions)]
pub(super) mod check {
    use super::super::job_pods::LivePods;
    use super::super::pod_record::PodRecord;
    use super::SyncPath;
    use crate::api::{Job, JobStatus};
    use crate::controller::{
        ApiError, JobClient, JobState, PodCreate, PodLists, SyncEnv, sync_job, sync_ready_changed,
    };

    /// Records a sync's calls, to compare two syncs by them.
    #[derive(Default)]
    struct Recorder(Vec<String>);

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

    /// Runs the full sync on copies of the controller's memory, beside what
    /// `path` does instead (nothing, or `sync_ready_changed`): the full sync
    /// must decide nothing, make the same calls and leave the same memory.
    pub(in crate::world) fn full_sync_agrees(
        path: SyncPath,
        job: &Job,
        live: &LivePods<'_>,
        state: &JobState,
        env: &SyncEnv,
        lists: &mut PodLists<PodRecord>,
        ready: i32,
    ) {
        let name = &job.metadata.name;
        let (mut full_state, mut short_state) = (state.clone(), state.clone());
        let (mut full, mut short) = (Recorder::default(), Recorder::default());
        let outcome = sync_job(job, live, &mut full_state, env, &mut full, lists);
        assert!(
            !super::decided(&outcome),
            "{path:?} sync of {name}: the full sync decides {outcome:?}"
        );
        if path == SyncPath::ReadyChanged {
            sync_ready_changed(job, ready, &mut short_state, &mut short);
        }
        assert_eq!(full.0, short.0, "{path:?} sync of {name}: the full sync's calls differ");
        assert_eq!(
            full_state, short_state,
            "{path:?} sync of {name}: the full sync's memory differs"
        );
    }
}
