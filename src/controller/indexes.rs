//! Indexed Jobs: succeeded and failed indexes, the next indexes to create,
//! duplicate-index removal and per-index failure counts (`indexed_job_utils.go`).

use super::backoff::finished_time;
use super::failure_policy::match_pod_failure_policy;
use super::gates::Profile;
use super::intervals::OrderedIntervals;
use super::pods::{is_pod_failed, only_replace_failed_pods, sort_active_pods};
use super::state::UidSet;
use crate::api::{ACTION_FAIL_INDEX, Job, PodPhase, PodView, Time};
use std::collections::{BTreeMap, BTreeSet};

/// `names.MaxGeneratedNameLength`.
const MAX_GENERATED_NAME_LENGTH: usize = 58;

/// `calculateSucceededIndexes`: the indexes in `status.completedIndexes`, and
/// those plus the indexes of succeeded pods that still carry the finalizer.
pub fn calculate_succeeded_indexes<P: PodView>(job: &Job, pods: &[&P]) -> (OrderedIntervals, OrderedIntervals) {
    let completions = job.spec.completions.unwrap_or(0);
    let prev = OrderedIntervals::parse(&job.status.completed_indexes, completions);
    let new: BTreeSet<i32> = pods
        .iter()
        .filter(|p| p.phase() == PodPhase::Succeeded && p.has_tracking_finalizer())
        .filter_map(|p| p.completion_index())
        .filter(|ix| *ix < completions)
        .collect();
    let all = prev.with_ordered_indexes(&new.into_iter().collect::<Vec<_>>());
    (prev, all)
}

/// `calculateFailedIndexes`: `status.failedIndexes` plus indexes whose pods failed for good.
pub fn calculate_failed_indexes<P: PodView>(job: &Job, pods: &[&P], profile: &Profile) -> OrderedIntervals {
    let completions = job.spec.completions.unwrap_or(0);
    let prev = job
        .status
        .failed_indexes
        .as_deref()
        .map(|s| OrderedIntervals::parse(s, completions))
        .unwrap_or_default();
    let new: BTreeSet<i32> = pods
        .iter()
        .filter(|p| p.has_tracking_finalizer())
        .filter_map(|p| {
            p.completion_index()
                .filter(|ix| *ix < completions)
                .filter(|_| is_index_failed(job, *p, profile))
        })
        .collect();
    prev.with_ordered_indexes(&new.into_iter().collect::<Vec<_>>())
}

/// `isIndexFailed`: the pod matched `FailIndex`, or its failure counts and the
/// index already used up `backoffLimitPerIndex`.
pub fn is_index_failed<P: PodView>(job: &Job, pod: &P, profile: &Profile) -> bool {
    let mut counted = false;
    if is_pod_failed(pod, job, profile) {
        if job.spec.pod_failure_policy.is_some() {
            let m = match_pod_failure_policy(job.spec.pod_failure_policy.as_ref(), pod, profile);
            if m.action == Some(ACTION_FAIL_INDEX) {
                return true;
            }
            counted = m.count_failed;
        } else {
            counted = true;
        }
    }
    counted && pod.index_failure_count() >= job.spec.backoff_limit_per_index.unwrap_or(0)
}

/// `firstPendingIndexes`: up to `count` lowest indexes below `completions` with
/// no active pod, not succeeded, not failed and (when only failed pods are
/// replaced) without a terminating pod.
pub fn first_pending_indexes<P: PodView>(
    job: &Job,
    profile: &Profile,
    pods: &[&P],
    active: &[&P],
    succeeded: &OrderedIntervals,
    failed: Option<&OrderedIntervals>,
    count: usize,
) -> Vec<i32> {
    let completions = job.spec.completions.unwrap_or(0);
    if count == 0 {
        return Vec::new();
    }
    let mut non_pending = succeeded.with_ordered_indexes(&indexes_of(active.iter().copied()));
    if only_replace_failed_pods(job, profile) {
        non_pending =
            non_pending.with_ordered_indexes(&indexes_of(pods.iter().copied().filter(|p| p.is_terminating())));
    }
    if let Some(f) = failed {
        non_pending = non_pending.merge(f);
    }
    pending_indexes(&non_pending, completions, count)
}

/// The pending-index scan shared by `firstPendingIndexes`.
pub fn pending_indexes(non_pending: &OrderedIntervals, completions: i32, count: usize) -> Vec<i32> {
    let mut result = Vec::with_capacity(count.min(completions.max(0) as usize));
    let mut candidate = 0;
    for iv in &non_pending.0 {
        while candidate < completions && result.len() < count && candidate < iv.first {
            result.push(candidate);
            candidate += 1;
        }
        candidate = candidate.max(iv.last + 1);
    }
    while candidate < completions && result.len() < count {
        result.push(candidate);
        candidate += 1;
    }
    result
}

/// Sorted, distinct indexes of the pods that have one.
fn indexes_of<'a, P: PodView>(pods: impl Iterator<Item = &'a P>) -> Vec<i32> {
    pods.filter_map(|p| p.completion_index())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect()
}

/// `getPodsWithDelayedDeletionPerIndex`: for each index that is neither
/// succeeded, failed nor active, the failed pod whose finalizer is kept so its
/// replacement can inherit its failure counts.
#[allow(clippy::too_many_arguments)] // mirrors the fields of `syncJobCtx` it reads
pub fn pods_with_delayed_deletion_per_index<'a, P: PodView>(
    job: &Job,
    profile: &Profile,
    now: Time,
    pods: &[&'a P],
    active: &[&P],
    succeeded: &OrderedIntervals,
    failed: &OrderedIntervals,
    expected_rm_finalizers: &UidSet,
) -> BTreeMap<i32, &'a P> {
    let completions = job.spec.completions.unwrap_or(0);
    let active_indexes: BTreeSet<i32> = active.iter().filter_map(|p| p.completion_index()).collect();
    let mut result: BTreeMap<i32, &'a P> = BTreeMap::new();
    for &p in pods {
        if !p.has_tracking_finalizer() || expected_rm_finalizers.contains(p.uid()) {
            continue;
        }
        let Some(ix) = p.completion_index().filter(|ix| *ix < completions) else {
            continue;
        };
        if !is_pod_failed(p, job, profile) || succeeded.has(ix) || failed.has(ix) || active_indexes.contains(&ix) {
            continue;
        }
        match result.get(&ix) {
            Some(last) => {
                if absolute_failure_count(*last) <= absolute_failure_count(p)
                    && finished_time(p, profile, now) >= finished_time(*last, profile, now)
                {
                    result.insert(ix, p);
                }
            }
            None => {
                result.insert(ix, p);
            }
        }
    }
    result
}

fn absolute_failure_count<P: PodView>(p: &P) -> i32 {
    p.index_failure_count().saturating_add(p.index_ignored_failure_count())
}

/// `getNewIndexFailureCounts`: the failure and ignored-failure counts a
/// replacement for `replaced` starts with.
pub fn new_index_failure_counts<P: PodView>(job: &Job, replaced: Option<&P>, profile: &Profile) -> (i32, i32) {
    let Some(p) = replaced else { return (0, 0) };
    let (mut failures, mut ignored) = (p.index_failure_count(), p.index_ignored_failure_count());
    if job.spec.pod_failure_policy.is_some()
        && !match_pod_failure_policy(job.spec.pod_failure_policy.as_ref(), p, profile).count_failed
    {
        ignored += 1;
    } else {
        failures += 1;
    }
    (failures, ignored)
}

/// `appendDuplicatedIndexPodsForRemoval`: index-less pods, out-of-range pods and
/// all but the most valuable pod of each repeated index go to `rm`.
pub fn append_duplicated_index_pods_for_removal<'a, P: PodView>(
    rm: &mut Vec<&'a P>,
    left: &mut Vec<&'a P>,
    pods: &[&'a P],
    completions: i32,
) {
    let mut sorted: Vec<&'a P> = pods.to_vec();
    // Index-less pods (-1) sort first, as in `byCompletionIndex`.
    sorted.sort_by_key(|p| p.completion_index().unwrap_or(-1));
    let mut start = 0;
    while start < sorted.len() {
        let ix = sorted[start].completion_index();
        if ix.is_some_and(|ix| ix >= completions) {
            rm.extend_from_slice(&sorted[start..]);
            return;
        }
        let end = start
            + sorted[start..]
                .iter()
                .take_while(|p| p.completion_index() == ix)
                .count();
        let group = &mut sorted[start..end];
        if ix.is_none() {
            rm.extend_from_slice(group);
        } else if group.len() == 1 {
            left.push(group[0]);
        } else {
            sort_active_pods(group);
            rm.extend_from_slice(&group[..group.len() - 1]);
            left.push(group[group.len() - 1]);
        }
        start = end;
    }
}

/// `podGenerateNameWithIndex`: `<job>-<index>-`, with the job name cut so the
/// prefix stays within 58 characters.
pub fn pod_generate_name_with_index(job_name: &str, index: i32) -> String {
    let mut out = String::new();
    push_generate_name_with_index(job_name, index, &mut out);
    out
}

/// [`pod_generate_name_with_index`], appended to `out`.
pub fn push_generate_name_with_index(job_name: &str, index: i32, out: &mut String) {
    let mut digits = itoa::Buffer::new();
    let digits = digits.format(index);
    // The suffix is `-<index>-`; the job name is cut where the whole would pass the limit.
    let suffix_len = digits.len() + 2;
    let keep = if job_name.len() + suffix_len > MAX_GENERATED_NAME_LENGTH {
        MAX_GENERATED_NAME_LENGTH - suffix_len
    } else {
        job_name.len()
    };
    out.push_str(&job_name[..keep]);
    out.push('-');
    out.push_str(digits);
    out.push('-');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pending_indexes_skip_non_pending_runs() {
        let non_pending = OrderedIntervals::parse("1,3-4", 10);
        assert_eq!(pending_indexes(&non_pending, 10, 3), vec![0, 2, 5]);
        assert_eq!(pending_indexes(&non_pending, 5, 10), vec![0, 2]);
    }

    #[test]
    fn generate_name_is_truncated_to_58_chars() {
        assert_eq!(pod_generate_name_with_index("pi", 3), "pi-3-");
        let long = "x".repeat(60);
        let name = pod_generate_name_with_index(&long, 12);
        assert_eq!(name.len(), 58);
        assert!(name.ends_with("-12-"));
        assert_eq!(name, format!("{}-12-", "x".repeat(54)));
        let fits = "y".repeat(54);
        assert_eq!(
            pod_generate_name_with_index(&fits, 7),
            format!("{fits}-7-"),
            "58 characters: not cut"
        );
        let mut out = String::from("already:");
        push_generate_name_with_index("pi", 10, &mut out);
        assert_eq!(out, "already:pi-10-", "appended");
    }
}
