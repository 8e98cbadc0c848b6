//! How the controller classifies pods (`isPodFailed`, `onlyReplaceFailedPods`,
//! `trackTerminatingPods`) and which active pods it deletes first
//! (`controller.ActivePods`).

use super::gates::Profile;
use crate::api::{FAILED, GO_ZERO_TIME, Job, PodPhase, PodView, Time};
use std::cmp::Ordering;

/// `onlyReplaceFailedPods`: replacements wait for the Failed phase.
pub fn only_replace_failed_pods(job: &Job, profile: &Profile) -> bool {
    if profile.gates.job_pod_replacement_policy && job.spec.pod_replacement_policy.as_deref() == Some(FAILED) {
        return true;
    }
    job.spec.pod_failure_policy.is_some()
}

/// `trackTerminatingPods`: whether the sync counts terminating pods.
pub fn track_terminating_pods(job: &Job, profile: &Profile) -> bool {
    if !profile.has_terminating_tracking() {
        return false;
    }
    profile.gates.job_pod_replacement_policy || profile.gates.job_managed_by || job.spec.pod_failure_policy.is_some()
}

/// `isPodFailed`: Failed phase, or (unless only failed pods are replaced) being
/// deleted before succeeding.
pub fn is_pod_failed<P: PodView>(pod: &P, job: &Job, profile: &Profile) -> bool {
    if pod.phase() == PodPhase::Failed {
        return true;
    }
    if only_replace_failed_pods(job, profile) {
        return false;
    }
    pod.deletion_timestamp().is_some() && pod.phase() != PodPhase::Succeeded
}

fn phase_ordinal(phase: PodPhase) -> u8 {
    match phase {
        PodPhase::Unknown => 1,
        PodPhase::Running => 2,
        _ => 0,
    }
}

fn ready_time<P: PodView>(pod: &P) -> Time {
    pod.condition(crate::api::POD_READY)
        .and_then(|c| c.last_transition_time)
        .unwrap_or(GO_ZERO_TIME)
}

/// `afterOrZero`: zero times sort first, then later times first.
fn after_or_zero(t1: Time, t2: Time) -> bool {
    if t1.is_zero() || t2.is_zero() {
        return t1.is_zero();
    }
    t1 > t2
}

/// `controller.ActivePods.Less`: the pod to delete first sorts first.
pub fn active_pods_less<P: PodView>(a: &P, b: &P) -> bool {
    let (ba, bb) = (a.is_bound(), b.is_bound());
    if ba != bb {
        return !ba;
    }
    let (pa, pb) = (phase_ordinal(a.phase()), phase_ordinal(b.phase()));
    if pa != pb {
        return pa < pb;
    }
    let (ra, rb) = (a.is_ready(), b.is_ready());
    if ra != rb {
        return !ra;
    }
    if ra && rb {
        let (ta, tb) = (ready_time(a), ready_time(b));
        if ta != tb {
            return after_or_zero(ta, tb);
        }
    }
    let (ca, cb) = (a.max_container_restarts(), b.max_container_restarts());
    if ca != cb {
        return ca > cb;
    }
    let (ta, tb) = (
        a.creation_timestamp().unwrap_or(GO_ZERO_TIME),
        b.creation_timestamp().unwrap_or(GO_ZERO_TIME),
    );
    if ta != tb {
        return after_or_zero(ta, tb);
    }
    false
}

/// Sorts pods so that the ones to delete first come first (stable).
pub fn sort_active_pods<P: PodView>(pods: &mut [&P]) {
    pods.sort_by(|a, b| {
        if active_pods_less(*a, *b) {
            Ordering::Less
        } else if active_pods_less(*b, *a) {
            Ordering::Greater
        } else {
            Ordering::Equal
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::{Pod, PodCondition};

    fn pod(node: &str, phase: PodPhase, ready: Option<i64>, created: i64) -> Pod {
        let mut p = Pod::default();
        p.spec.node_name = node.to_string().into();
        p.status.phase = phase;
        if let Some(t) = ready {
            p.status.conditions.push(PodCondition {
                type_: "Ready".into(),
                status: "True".into(),
                last_transition_time: Some(Time(t)),
                ..Default::default()
            });
        }
        p.metadata.creation_timestamp = Some(Time(created));
        p
    }

    #[test]
    fn deletion_order_follows_active_pods() {
        let unscheduled = pod("", PodPhase::Pending, None, 5);
        let pending = pod("n", PodPhase::Pending, None, 5);
        let running = pod("n", PodPhase::Running, None, 5);
        let ready_recent = pod("n", PodPhase::Running, Some(200), 5);
        let ready_old = pod("n", PodPhase::Running, Some(100), 5);
        let mut v = vec![&ready_old, &ready_recent, &running, &pending, &unscheduled];
        sort_active_pods(&mut v);
        let order: Vec<*const Pod> = v.iter().map(|p| *p as *const Pod).collect();
        let want: Vec<*const Pod> = [&unscheduled, &pending, &running, &ready_recent, &ready_old]
            .iter()
            .map(|p| *p as *const Pod)
            .collect();
        assert_eq!(order, want);
    }

    #[test]
    fn newer_pods_are_deleted_first() {
        let old = pod("n", PodPhase::Running, None, 1);
        let new = pod("n", PodPhase::Running, None, 2);
        assert!(active_pods_less(&new, &old));
        assert!(!active_pods_less(&old, &new));
    }

    #[test]
    fn terminating_pods_count_as_failed_unless_only_failed_pods_are_replaced() {
        let profile = Profile::newest();
        let mut job = Job::default();
        let mut p = pod("n", PodPhase::Running, None, 1);
        p.metadata.deletion_timestamp = Some(Time(10));
        assert!(is_pod_failed(&p, &job, &profile));
        job.spec.pod_replacement_policy = Some("Failed".into());
        assert!(!is_pod_failed(&p, &job, &profile));
        p.status.phase = PodPhase::Failed;
        assert!(is_pod_failed(&p, &job, &profile));
    }
}
