//! The node lifecycle controller and its taint manager
//! (`pkg/controller/nodelifecycle`, `pkg/controller/tainteviction`): when a
//! node becomes unreachable its pods are marked not ready, the node is
//! tainted `node.kubernetes.io/unreachable:NoExecute`, and each pod on it is
//! deleted once its toleration of that taint runs out. Also the Eviction
//! API's part of a drain. The world applies what this module decides: when
//! to evict, and what the pod is told.

use crate::api::scheduling::{TAINT_NODE_UNREACHABLE, Taint, TaintEffect, Toleration};
use crate::api::{DISRUPTION_TARGET, PodCondition, PodPhase, Profile, Time};
use crate::cluster::kubelet;
use thin_vec::ThinVec;

/// `tolerationSeconds` of the toleration the `DefaultTolerationSeconds`
/// admission plugin gives a pod for `node.kubernetes.io/unreachable`, in ms.
pub const DEFAULT_UNREACHABLE_TOLERATION_MS: u64 = 300_000;

/// The `DisruptionTarget` condition the taint manager puts on a pod it
/// deletes (with `PodDisruptionConditions`): reason and message.
pub const TAINT_MANAGER_DISRUPTION: (&str, &str) = (
    "DeletionByTaintManager",
    "Taint manager: deleting due to NoExecute taint",
);

/// The `DisruptionTarget` condition the Eviction API puts on a pod it evicts
/// (a drain, a node removal, a spot reclaim's notice): reason and message.
pub const EVICTION_API_DISRUPTION: (&str, &str) = ("EvictionByEvictionAPI", "Eviction API: evicting");

/// How long after its node becomes unreachable a pod with these tolerations
/// is deleted; `None`: never (tolerated for good).
///
/// The taint manager's `processPodOnNode`: `GetMatchingTolerations` takes,
/// for the taint, the first toleration that tolerates it (none: deleted at
/// once), and `getMinTolerationTime` reads its `tolerationSeconds` (none:
/// for good; 0 or less: at once). A pod whose template has no toleration of
/// the taint gets the 300 s one from `DefaultTolerationSeconds` at admission.
pub fn unreachable_eviction_after(tolerations: &[Toleration]) -> Option<u64> {
    let taint = Taint {
        key: TAINT_NODE_UNREACHABLE.into(),
        value: String::new(),
        effect: TaintEffect::NoExecute,
    };
    match tolerations.iter().find(|t| t.tolerates(&taint)) {
        None => Some(DEFAULT_UNREACHABLE_TOLERATION_MS),
        Some(t) => t.toleration_seconds.map(|s| s.max(0) as u64 * 1000),
    }
}

/// Who deletes a pod for a disruption.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Disrupter {
    /// The taint manager, when a pod's toleration of an unreachable node runs out.
    TaintManager,
    /// The Eviction API (a drain, a node removal, a spot reclaim's notice).
    EvictionApi,
}

/// The `DisruptionTarget` condition (reason, message) `by` writes on the pod
/// it deletes on this profile: both write it in their
/// `addConditionAndDeletePod`, and only with `PodDisruptionConditions` on.
#[inline]
pub fn disruption_condition(profile: &Profile, by: Disrupter) -> Option<(&'static str, &'static str)> {
    profile.gates.pod_disruption_conditions.then_some(match by {
        Disrupter::TaintManager => TAINT_MANAGER_DISRUPTION,
        Disrupter::EvictionApi => EVICTION_API_DISRUPTION,
    })
}

/// Adds `DisruptionTarget=True` with the disrupting component's reason and
/// message, or writes it again (moved to the end, with `ts`) if the pod has
/// one. The scheduler's preemption writes the same condition on its victims.
pub fn add_disruption_target(conditions: &mut ThinVec<PodCondition>, reason: &str, message: &str, ts: Time) {
    conditions.retain(|c| c.type_ != DISRUPTION_TARGET);
    conditions.push(PodCondition {
        type_: DISRUPTION_TARGET.into(),
        status: "True".into(),
        last_transition_time: Some(ts),
        reason: reason.into(),
        message: message.into(),
    });
}

/// `MarkPodsNotReady`: the node lifecycle controller sets `Ready=False` on
/// each pod of a node whose kubelet stopped reporting.
#[inline]
pub fn mark_pod_not_ready(conditions: &mut ThinVec<PodCondition>, ts: Time) {
    kubelet::set_ready(conditions, false, ts);
}

/// The pod's side of a taint-manager deletion, as the model takes it: a pod
/// of an unreachable node gets its `DisruptionTarget` (`condition`, from
/// [`disruption_condition`]) and a deletion timestamp with no grace period
/// (one already being deleted keeps its own), and ends `Failed` at once, as
/// no kubelet is left to run a grace period (upstream, pod garbage
/// collection fails it later, once the node is gone).
pub fn delete_unreachable_pod(
    conditions: &mut ThinVec<PodCondition>,
    deletion_timestamp: &mut Option<Time>,
    deletion_grace_period_seconds: &mut Option<i64>,
    phase: &mut PodPhase,
    condition: Option<(&str, &str)>,
    ts: Time,
) {
    if let Some((reason, message)) = condition {
        add_disruption_target(conditions, reason, message, ts);
    }
    if deletion_timestamp.is_none() {
        *deletion_timestamp = Some(ts);
        *deletion_grace_period_seconds = Some(0);
    }
    *phase = PodPhase::Failed;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toleration(key: &str, operator: &str, effect: &str, seconds: Option<i64>) -> Toleration {
        Toleration {
            key: key.into(),
            operator: operator.into(),
            value: String::new(),
            effect: effect.into(),
            toleration_seconds: seconds,
        }
    }

    #[test]
    fn the_first_matching_toleration_decides_when_a_pod_of_an_unreachable_node_goes() {
        let unreachable = |s| toleration(TAINT_NODE_UNREACHABLE, "Exists", "NoExecute", s);
        let everything = toleration("", "Exists", "", None);
        let not_ready = toleration("node.kubernetes.io/not-ready", "Exists", "NoExecute", Some(10));
        // DefaultTolerationSeconds: none of the template's tolerations match.
        assert_eq!(unreachable_eviction_after(&[]), Some(300_000));
        assert_eq!(
            unreachable_eviction_after(std::slice::from_ref(&not_ready)),
            Some(300_000)
        );
        assert_eq!(unreachable_eviction_after(&[unreachable(Some(60))]), Some(60_000));
        assert_eq!(unreachable_eviction_after(&[unreachable(None)]), None);
        // 0 or less: at once.
        assert_eq!(unreachable_eviction_after(&[unreachable(Some(0))]), Some(0));
        assert_eq!(unreachable_eviction_after(&[unreachable(Some(-5))]), Some(0));
        // Only the first toleration that matches counts, not the smallest.
        assert_eq!(
            unreachable_eviction_after(&[not_ready, unreachable(Some(60)), everything.clone()]),
            Some(60_000)
        );
        assert_eq!(unreachable_eviction_after(&[everything, unreachable(Some(60))]), None);
        // A NoSchedule toleration does not tolerate a NoExecute taint.
        let no_schedule = toleration(TAINT_NODE_UNREACHABLE, "Exists", "NoSchedule", None);
        assert_eq!(unreachable_eviction_after(&[no_schedule]), Some(300_000));
    }

    fn gate_off(minor: u32) -> Profile {
        let off = [("PodDisruptionConditions".to_string(), false)].into_iter().collect();
        Profile::new(minor).with_gates(&off).expect("known gate")
    }

    #[test]
    fn disrupted_pods_get_their_disrupter_s_condition_only_with_the_gate() {
        use crate::api::profile::{NEWEST_MINOR, OLDEST_MINOR};
        for minor in [OLDEST_MINOR, NEWEST_MINOR] {
            let p = Profile::new(minor);
            assert_eq!(
                disruption_condition(&p, Disrupter::TaintManager),
                Some((
                    "DeletionByTaintManager",
                    "Taint manager: deleting due to NoExecute taint"
                ))
            );
            assert_eq!(
                disruption_condition(&p, Disrupter::EvictionApi),
                Some(("EvictionByEvictionAPI", "Eviction API: evicting"))
            );
            assert_eq!(disruption_condition(&gate_off(minor), Disrupter::TaintManager), None);
            assert_eq!(disruption_condition(&gate_off(minor), Disrupter::EvictionApi), None);
        }
    }

    #[test]
    fn a_pod_has_one_disruption_target_the_last_written() {
        let mut c = ThinVec::new();
        kubelet::set_ready(&mut c, true, Time(1_000));
        add_disruption_target(&mut c, "EvictionByEvictionAPI", "Eviction API: evicting", Time(2_000));
        add_disruption_target(&mut c, "PreemptionByScheduler", "preempted", Time(3_000));
        let targets: Vec<_> = c.iter().filter(|c| c.type_ == DISRUPTION_TARGET).collect();
        assert_eq!(targets.len(), 1);
        let t = targets[0];
        assert_eq!(
            (t.status.as_ref(), t.reason.as_str(), t.message.as_str()),
            ("True", "PreemptionByScheduler", "preempted")
        );
        assert_eq!(t.last_transition_time, Some(Time(3_000)));
        assert_eq!(c[0].type_, crate::api::POD_READY, "the Ready condition stays");
    }

    #[test]
    fn a_lost_node_s_pods_are_marked_not_ready() {
        let mut c = ThinVec::new();
        kubelet::set_ready(&mut c, true, Time(1_000));
        mark_pod_not_ready(&mut c, Time(5_000));
        assert_eq!(
            (c[0].status.as_ref(), c[0].last_transition_time),
            ("False", Some(Time(5_000)))
        );
    }

    #[test]
    fn the_taint_manager_fails_a_pod_at_once_keeping_a_deletion_under_way() {
        let cond = disruption_condition(&Profile::new(30), Disrupter::TaintManager);
        // A running pod: deleted now with no grace period, Failed, with the condition.
        let (mut c, mut ts, mut grace, mut phase) = (ThinVec::new(), None, None, PodPhase::Running);
        delete_unreachable_pod(&mut c, &mut ts, &mut grace, &mut phase, cond, Time(9_000));
        assert_eq!((ts, grace, phase), (Some(Time(9_000)), Some(0), PodPhase::Failed));
        assert_eq!((c.len(), c[0].reason.as_str()), (1, "DeletionByTaintManager"));
        // Already being deleted (the Job controller's 30 s one): that deletion stays.
        let (mut c, mut ts, mut grace, mut phase) = (ThinVec::new(), Some(Time(40_000)), Some(30), PodPhase::Pending);
        delete_unreachable_pod(&mut c, &mut ts, &mut grace, &mut phase, None, Time(20_000));
        assert_eq!((ts, grace, phase), (Some(Time(40_000)), Some(30), PodPhase::Failed));
        assert!(c.is_empty(), "no condition with the gate off");
    }
}
