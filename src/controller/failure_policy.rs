//! Pod failure policy matching (`pod_failure_policy.go`).

use super::gates::Profile;
use crate::api::{
    ACTION_COUNT, ACTION_FAIL_INDEX, ACTION_FAIL_JOB, ACTION_IGNORE, ContainerStatus, PodFailurePolicy,
    PodFailurePolicyOnExitCodesRequirement, PodView,
};

/// The outcome of `matchPodFailurePolicy` for one failed pod.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyMatch {
    /// Set when a `FailJob` rule matched: the Job's failure message.
    pub fail_job_message: Option<String>,
    /// Whether the failure counts towards `backoffLimit` (false for `Ignore`).
    pub count_failed: bool,
    /// The action of the rule that matched, if any.
    pub action: Option<&'static str>,
    /// Index of the matched rule.
    pub rule_index: Option<usize>,
}

impl PolicyMatch {
    const DEFAULT: PolicyMatch = PolicyMatch {
        fail_job_message: None,
        count_failed: true,
        action: None,
        rule_index: None,
    };
}

/// `matchPodFailurePolicy`: rules in order, first match decides; rules with an
/// unknown action (or `FailIndex` with its gate off) are skipped.
pub fn match_pod_failure_policy<P: PodView>(
    policy: Option<&PodFailurePolicy>,
    pod: &P,
    profile: &Profile,
) -> PolicyMatch {
    let Some(policy) = policy else {
        return PolicyMatch::DEFAULT;
    };
    for (index, rule) in policy.rules.iter().enumerate() {
        let matched: Option<String> = if let Some(req) = &rule.on_exit_codes {
            match_on_exit_codes(pod, req).map(|cs| {
                let code = cs.state.terminated.as_ref().map_or(0, |t| t.exit_code);
                format!(
                    "Container {} for pod {}/{} failed with exit code {} matching {} rule at index {}",
                    cs.name,
                    pod.namespace(),
                    pod.name(),
                    code,
                    rule.action,
                    index
                )
            })
        } else if let Some(patterns) = &rule.on_pod_conditions {
            pod.conditions()
                .iter()
                .find(|c| patterns.iter().any(|p| p.type_ == c.type_ && p.status == c.status))
                .map(|c| {
                    format!(
                        "Pod {}/{} has condition {} matching {} rule at index {}",
                        pod.namespace(),
                        pod.name(),
                        c.type_,
                        rule.action,
                        index
                    )
                })
        } else {
            None
        };
        let Some(message) = matched else { continue };
        let hit = |action, count_failed, msg| PolicyMatch {
            fail_job_message: msg,
            count_failed,
            action: Some(action),
            rule_index: Some(index),
        };
        match rule.action.as_str() {
            ACTION_IGNORE => return hit(ACTION_IGNORE, false, None),
            ACTION_COUNT => return hit(ACTION_COUNT, true, None),
            ACTION_FAIL_JOB => return hit(ACTION_FAIL_JOB, true, Some(message)),
            ACTION_FAIL_INDEX if profile.gates.job_backoff_limit_per_index => {
                return hit(ACTION_FAIL_INDEX, true, None);
            }
            _ => {}
        }
    }
    PolicyMatch::DEFAULT
}

/// `matchOnExitCodes`: regular containers first, then init containers; only
/// terminated containers with a non-zero exit code are considered.
fn match_on_exit_codes<'a, P: PodView>(
    pod: &'a P,
    req: &PodFailurePolicyOnExitCodesRequirement,
) -> Option<&'a ContainerStatus> {
    let matching = |cs: &&ContainerStatus| {
        let Some(t) = &cs.state.terminated else {
            return false;
        };
        if req.container_name.as_ref().is_some_and(|n| **n != *cs.name) || t.exit_code == 0 {
            return false;
        }
        match req.operator.as_str() {
            "In" => req.values.contains(&t.exit_code),
            "NotIn" => !req.values.contains(&t.exit_code),
            _ => false,
        }
    };
    pod.container_statuses()
        .iter()
        .find(matching)
        .or_else(|| pod.init_container_statuses().iter().find(matching))
}
