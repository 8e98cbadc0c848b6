//! Success policy matching (`success_policy.go`).

use super::gates::Profile;
use super::intervals::OrderedIntervals;
use crate::api::SuccessPolicy;

/// `matchSuccessPolicy`: the message `Matched rules at index <i>` of the first
/// rule met by the succeeded indexes, or `None`.
pub fn match_success_policy(
    policy: Option<&SuccessPolicy>,
    completions: i32,
    succeeded: &OrderedIntervals,
    profile: &Profile,
) -> Option<String> {
    let policy = policy.filter(|_| profile.gates.job_success_policy && !succeeded.is_empty())?;
    for (index, rule) in policy.rules.iter().enumerate() {
        if let Some(s) = &rule.succeeded_indexes {
            let required = OrderedIntervals::parse(s, completions);
            if required.is_empty() {
                continue;
            }
            if match_succeeded_indexes_rule(&required, succeeded, rule.succeeded_count) {
                return Some(format!("Matched rules at index {index}"));
            }
        } else if let Some(count) = rule.succeeded_count
            && succeeded.total() >= count as i64
        {
            return Some(format!("Matched rules at index {index}"));
        }
    }
    None
}

/// `matchSucceededIndexesRule`: all listed indexes succeeded, or at least `count` of them.
fn match_succeeded_indexes_rule(rule: &OrderedIntervals, succeeded: &OrderedIntervals, count: Option<i32>) -> bool {
    let (r, s) = (&rule.0, &succeeded.0);
    let (mut i, mut j, mut contains) = (0, 0, 0i64);
    while i < r.len() && j < s.len() {
        let overlap = r[i].last.min(s[j].last) - r[i].first.max(s[j].first) + 1;
        if overlap > 0 {
            contains += overlap as i64;
        }
        match s[j].last.cmp(&r[i].last) {
            std::cmp::Ordering::Less => j += 1,
            std::cmp::Ordering::Greater => i += 1,
            std::cmp::Ordering::Equal => {
                i += 1;
                j += 1;
            }
        }
    }
    contains == rule.total() || count.is_some_and(|c| contains >= c as i64)
}
