//! What a sync needs of a Job's pods, kept as the pods change instead of
//! recounted by every sync (controller/job_pods.rs): the pods no longer
//! active and how many active pods are ready. Each pod remembers what it is
//! counted as; [`World::reclass`] runs after every change to a pod's phase,
//! deletion timestamp or readiness, and [`World::uncount`] when it leaves
//! its Job's list. Debug builds recount every sync from the list.

use super::pod_record::PodRecord;
use super::slab::PodSlab;
use super::{JobSlot, PodId, World};
use crate::api::PodView;
use crate::controller::{ActiveCounts, JobPods};

/// What a pod counts as in its Job's kept counts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) enum PodClass {
    /// Active (`controller.IsPodActive`), not ready.
    #[default]
    Active,
    /// Active and ready.
    ActiveReady,
    /// Terminal, or being deleted: for good, as neither can be undone.
    Inactive,
}

impl PodClass {
    pub(super) fn of(pod: &PodRecord) -> Self {
        match (pod.is_active(), pod.is_ready()) {
            (false, _) => PodClass::Inactive,
            (true, true) => PodClass::ActiveReady,
            (true, false) => PodClass::Active,
        }
    }
}

impl JobSlot {
    /// Adds (`sign` 1) or takes away (-1) a pod of this class. A new pod is
    /// pending, so `Active`, which counts as nothing: no call when it joins.
    pub(super) fn count(&mut self, class: PodClass, slot: PodId, sign: i32) {
        match class {
            PodClass::Active => {}
            PodClass::ActiveReady => self.active_ready += sign,
            PodClass::Inactive if sign > 0 => self.inactive.push(slot),
            PodClass::Inactive => {
                let at = self
                    .inactive
                    .iter()
                    .position(|&s| s == slot)
                    .expect("an inactive pod is listed");
                self.inactive.swap_remove(at);
            }
        }
    }

    /// The Job's list went to the orphan worker: nothing left to count.
    pub(super) fn clear_counts(&mut self) {
        self.inactive.clear();
        self.active_ready = 0;
    }
}

impl World<'_> {
    /// A pod's phase, deletion timestamp or readiness may have changed: its
    /// Job's counts follow. Pods no longer in their Job's list (a finished
    /// Job's, handed to the orphan worker) count for nothing.
    pub(super) fn reclass(&mut self, slot: PodId) {
        let Some(p) = self.pods.get_mut(slot) else { return };
        let class = PodClass::of(&p.pod);
        if class == p.class {
            return;
        }
        let old = std::mem::replace(&mut p.class, class);
        let (job, pos) = (p.job, p.job_pos as usize);
        let js = &mut self.jobs[job];
        if js.pods.get(pos) == Some(&slot) {
            js.count(old, slot, -1);
            js.count(class, slot, 1);
        }
    }

    /// The pods of a Job as its sync reads them, the inactive ones in list
    /// order; in debug builds checked against a recount of the whole list.
    pub(super) fn live_pods<'w>(
        ids: &'w [PodId],
        inactive: &'w mut [PodId],
        active_ready: i32,
        slab: &'w PodSlab,
    ) -> LivePods<'w> {
        inactive.sort_unstable_by_key(|&s| slab[s].job_pos);
        let live = LivePods {
            ids,
            inactive,
            active_ready,
            slab,
        };
        #[cfg(debug_assertions)]
        live.check();
        live
    }
}

/// A Job's pods in the world's slab, with its kept counts.
pub(super) struct LivePods<'w> {
    ids: &'w [PodId],
    inactive: &'w [PodId],
    active_ready: i32,
    slab: &'w PodSlab,
}

impl<'w> JobPods<'w, PodRecord> for LivePods<'w> {
    fn all(&self, into: &mut Vec<&'w PodRecord>) {
        into.extend(self.ids.iter().filter_map(|&s| self.slab.get(s).map(|p| &p.pod)));
    }

    fn inactive(&self, into: &mut Vec<&'w PodRecord>) {
        into.extend(self.inactive.iter().map(|&s| &self.slab[s].pod));
    }

    fn active_counts(&self) -> ActiveCounts {
        ActiveCounts {
            active: (self.ids.len() - self.inactive.len()) as i32,
            ready: self.active_ready,
        }
    }
}

#[cfg(debug_assertions)]
impl LivePods<'_> {
    /// The kept counts against a recount of the list, and every pod's class.
    fn check(&self) {
        let mut all = Vec::new();
        self.all(&mut all);
        assert_eq!(all.len(), self.ids.len(), "a Job lists a pod the slab does not hold");
        assert_eq!(self.active_counts(), ActiveCounts::of(&all), "kept counts drifted");
        let mut inactive = Vec::new();
        self.inactive(&mut inactive);
        let want: Vec<&PodRecord> = all.iter().copied().filter(|p| !p.is_active()).collect();
        assert!(
            inactive.len() == want.len() && inactive.iter().zip(&want).all(|(a, b)| std::ptr::eq(*a, *b)),
            "kept inactive pods drifted"
        );
        for &s in self.ids {
            assert_eq!(
                self.slab[s].class,
                PodClass::of(&self.slab[s].pod),
                "a pod changed without reclass"
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::{PodPhase, Time};
    use crate::cluster::kubelet;

    fn pending() -> PodRecord {
        PodRecord {
            slot: PodId(0),
            uid: "u".into(),
            name: "p".into(),
            namespace: "default".into(),
            phase: PodPhase::Pending,
            bound: false,
            tracking_finalizer: true,
            completion_index: None,
            index_failure_count: 0,
            index_ignored_failure_count: 0,
            creation_timestamp: Time(0),
            deletion_timestamp: None,
            deletion_grace_period_seconds: None,
            start_time: None,
            conditions: Default::default(),
            container_statuses: Default::default(),
        }
    }

    /// A pod counts as the controller classes it: active unless terminal or
    /// being deleted, and ready only while active.
    #[test]
    fn a_pod_counts_as_the_controller_classes_it() {
        let mut p = pending();
        assert_eq!(PodClass::of(&p), PodClass::Active);
        p.phase = PodPhase::Running;
        kubelet::set_ready(&mut p.conditions, true, Time(1_000));
        assert_eq!(PodClass::of(&p), PodClass::ActiveReady);
        p.deletion_timestamp = Some(Time(2_000));
        assert_eq!(PodClass::of(&p), PodClass::Inactive, "being deleted, ready or not");
        let mut done = pending();
        done.phase = PodPhase::Succeeded;
        assert_eq!(PodClass::of(&done), PodClass::Inactive);
    }
}
