//! The node lifecycle controller's taint manager
//! (`pkg/controller/tainteviction`): when a node becomes unreachable it is
//! tainted `node.kubernetes.io/unreachable:NoExecute`, and each pod on it is
//! deleted once its toleration of that taint runs out. The world applies
//! what this module decides: when to evict, and what the pod is told.

use crate::api::scheduling::{TAINT_NODE_UNREACHABLE, Taint, TaintEffect, Toleration};

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
}
