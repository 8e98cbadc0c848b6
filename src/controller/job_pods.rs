//! A Job's pods as a sync reads them (upstream: the pods `getPodsForJob`
//! lists). Most syncs only need the pods that are no longer active
//! (terminal, or being deleted: the ones that can be newly finished, counted
//! or freed of their finalizer) and two numbers about the active ones; only a
//! few paths (Indexed Jobs, `OnFailure`, suspension, deleting excess pods, a
//! finishing Job) walk every pod. A caller that keeps those numbers as its
//! pods change gives a sync that costs what changed, not the Job's size;
//! a plain list of pods computes them by filtering.

use crate::api::PodView;

/// Where a sync gets its pods from. Every list is in the same order (the
/// order of [`JobPods::all`]), so that a sync that reads only the inactive
/// pods visits them in the order a full walk would.
pub trait JobPods<'a, P> {
    /// Every pod of the Job.
    fn all(&self, into: &mut Vec<&'a P>);
    /// The pods that are not active (`controller.IsPodActive` is false).
    fn inactive(&self, into: &mut Vec<&'a P>);
    /// The active pods: (how many, how many of them are ready).
    fn active_counts(&self) -> ActiveCounts;
    /// Whether every sync walks every pod, whatever its Job: the reference
    /// against which tests check that reading less decides alike.
    fn walks_all(&self) -> bool {
        false
    }
}

/// How many of a Job's pods are active, and how many of those are ready.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ActiveCounts {
    pub active: i32,
    pub ready: i32,
}

impl ActiveCounts {
    /// Counted by walking `pods`: the reference the kept counts must equal.
    pub fn of<P: PodView>(pods: &[&P]) -> Self {
        pods.iter()
            .filter(|p| p.is_active())
            .fold(ActiveCounts::default(), |c, p| ActiveCounts {
                active: c.active + 1,
                ready: c.ready + p.is_ready() as i32,
            })
    }
}

/// A plain list: everything is found by filtering it.
impl<'a, P: PodView> JobPods<'a, P> for [&'a P] {
    fn all(&self, into: &mut Vec<&'a P>) {
        into.extend_from_slice(self);
    }

    fn inactive(&self, into: &mut Vec<&'a P>) {
        into.extend(self.iter().copied().filter(|p| !p.is_active()));
    }

    fn active_counts(&self) -> ActiveCounts {
        ActiveCounts::of(self)
    }
}

/// A plain list that every sync walks whole ([`JobPods::walks_all`]).
pub struct WalkAll<'s, 'a, P>(pub &'s [&'a P]);

impl<'a, P: PodView> JobPods<'a, P> for WalkAll<'_, 'a, P> {
    fn all(&self, into: &mut Vec<&'a P>) {
        self.0.all(into);
    }

    fn inactive(&self, into: &mut Vec<&'a P>) {
        self.0.inactive(into);
    }

    fn active_counts(&self) -> ActiveCounts {
        self.0.active_counts()
    }

    fn walks_all(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::{Pod, PodCondition, PodPhase, Time};

    fn pod(phase: PodPhase, deleting: bool, ready: bool) -> Pod {
        let mut p = Pod::default();
        p.status.phase = phase;
        p.metadata.deletion_timestamp = deleting.then_some(Time(1_000));
        if ready {
            p.status.conditions.push(PodCondition {
                type_: "Ready".into(),
                status: "True".into(),
                ..Default::default()
            });
        }
        p
    }

    #[test]
    fn a_list_splits_into_active_counts_and_the_inactive_pods_in_order() {
        let pods = [
            pod(PodPhase::Running, false, true),
            pod(PodPhase::Succeeded, false, false),
            pod(PodPhase::Pending, false, false),
            pod(PodPhase::Running, true, true),
            pod(PodPhase::Failed, false, false),
        ];
        let refs: Vec<&Pod> = pods.iter().collect();
        let list: &[&Pod] = &refs;
        assert_eq!(list.active_counts(), ActiveCounts { active: 2, ready: 1 });
        let mut inactive = Vec::new();
        list.inactive(&mut inactive);
        let want: Vec<*const Pod> = [1, 3, 4].iter().map(|&i| &pods[i] as *const Pod).collect();
        let got: Vec<*const Pod> = inactive.iter().map(|p| *p as *const Pod).collect();
        assert_eq!(
            got, want,
            "a pod being deleted is inactive, and the order is the list's"
        );
        let mut all = Vec::new();
        list.all(&mut all);
        assert_eq!(all.len(), 5);
    }
}
