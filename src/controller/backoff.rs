//! The pod-failure backoff record and delay (`backoff_utils.go`): after
//! failures, replacement pods wait `min(10 s · 2^(n−1), cap)` from the last
//! failure's finish time.

use super::gates::Profile;
use crate::api::{ContainerStatus, GO_ZERO_TIME, POD_READY, PodView, Time};

/// `DefaultJobPodFailureBackOff`.
pub const POD_FAILURE_BACKOFF_BASE_MS: i64 = 10_000;

/// `backoffRecord`: consecutive failures since the last success.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BackoffRecord {
    pub failures_after_last_success: i32,
    pub last_failure_time: Option<Time>,
}

impl BackoffRecord {
    /// `newBackoffRecord`: the record after this sync's newly finished pods.
    pub fn next(stored: Option<BackoffRecord>, new_succeeded: &[Time], new_failed: &[Time]) -> BackoffRecord {
        Self::next_of(stored, new_succeeded.iter().copied(), new_failed.iter().copied())
    }

    /// [`BackoffRecord::next`] over the finish times as they are computed:
    /// a sync needs no list of them.
    pub fn next_of(
        stored: Option<BackoffRecord>,
        new_succeeded: impl Iterator<Item = Time>,
        new_failed: impl Iterator<Item = Time> + Clone,
    ) -> BackoffRecord {
        // Upstream sorts both lists; only the latest success, the latest
        // failure and the failures after that success matter, so this takes
        // them without copying or sorting.
        let rec = stored.unwrap_or_default();
        match (new_succeeded.max(), new_failed.clone().max()) {
            (None, None) => rec,
            (None, Some(last_failed)) => BackoffRecord {
                failures_after_last_success: rec.failures_after_last_success + new_failed.count() as i32,
                last_failure_time: Some(last_failed),
            },
            (Some(_), None) => BackoffRecord::default(),
            (Some(last_success), Some(last_failed)) => {
                let after = new_failed.filter(|&t| t > last_success).count() as i32;
                BackoffRecord {
                    failures_after_last_success: after,
                    last_failure_time: (after > 0).then_some(last_failed),
                }
            }
        }
    }

    /// `getRemainingTime`, in milliseconds.
    pub fn remaining_ms(&self, now: Time, base_ms: i64, max_ms: i64) -> i64 {
        remaining_for_failures(
            now,
            base_ms,
            max_ms,
            self.failures_after_last_success,
            self.last_failure_time.unwrap_or(GO_ZERO_TIME),
        )
    }
}

/// `getRemainingTimeForFailuresCount`.
pub fn remaining_for_failures(now: Time, base_ms: i64, max_ms: i64, failures: i32, last_failure: Time) -> i64 {
    if failures <= 0 {
        return 0;
    }
    let mut backoff = base_ms;
    for _ in 1..failures {
        backoff *= 2;
        if backoff >= max_ms {
            backoff = max_ms;
            break;
        }
    }
    let elapsed = now.millis() - last_failure.millis();
    if backoff < elapsed { 0 } else { backoff - elapsed }
}

/// `getRemainingTimePerIndex`: the delay before an index whose last failed pod
/// is `last_failed` may get a replacement.
pub fn remaining_per_index<P: PodView>(
    now: Time,
    base_ms: i64,
    max_ms: i64,
    last_failed: Option<&P>,
    profile: &Profile,
) -> i64 {
    let Some(pod) = last_failed else { return 0 };
    let failures = pod
        .index_failure_count()
        .saturating_add(pod.index_ignored_failure_count())
        .saturating_add(1);
    remaining_for_failures(now, base_ms, max_ms, failures, finished_time(pod, profile, now))
}

/// `getFinishedTime`: when a pod finished, from (1) its containers' `finishedAt`,
/// (2) its `Ready=False` transition, (3) deletion time minus grace, (4) creation.
/// 1.27 used "now" when not every container had terminated.
pub fn finished_time<P: PodView>(pod: &P, profile: &Profile, now: Time) -> Time {
    if let Some(t) = finish_time_from_containers(pod, profile) {
        return t;
    }
    if !profile.finish_time_fallback_chain() {
        return now;
    }
    if let Some(c) = pod.condition(POD_READY)
        && c.status == "False"
        && let Some(t) = c.last_transition_time.filter(|t| !t.is_zero())
    {
        return t;
    }
    if let Some(del) = pod.deletion_timestamp() {
        return del.add_millis(-pod.deletion_grace_period_seconds().unwrap_or(0) * 1000);
    }
    pod.creation_timestamp().unwrap_or(GO_ZERO_TIME)
}

fn finish_time_from_containers<P: PodView>(pod: &P, profile: &Profile) -> Option<Time> {
    let mut latest = latest_finish_time(None, pod.container_statuses().iter())?;
    if profile.gates.sidecar_containers {
        let is_sidecar = |s: &&ContainerStatus| pod.is_sidecar(&s.name);
        latest = latest_finish_time(latest, pod.init_container_statuses().iter().filter(is_sidecar))?;
    }
    latest
}

/// `latestFinishTime`: `None` (outer) when some container has no finish time.
fn latest_finish_time<'a>(
    prev: Option<Time>,
    statuses: impl Iterator<Item = &'a ContainerStatus>,
) -> Option<Option<Time>> {
    let mut latest = prev;
    for s in statuses {
        let t = s
            .state
            .terminated
            .as_ref()
            .and_then(|t| t.finished_at)
            .filter(|t| !t.is_zero())?;
        if latest.is_none_or(|l| l < t) {
            latest = Some(t);
        }
    }
    Some(latest)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// `newBackoffRecord` as upstream writes it: both lists sorted, then the
    /// failures after the last success counted from the end.
    fn upstream_next(stored: Option<BackoffRecord>, succeeded: &[Time], failed: &[Time]) -> BackoffRecord {
        let mut rec = stored.unwrap_or_default();
        let (mut succeeded, mut failed) = (succeeded.to_vec(), failed.to_vec());
        succeeded.sort();
        failed.sort();
        let Some(&last_success) = succeeded.last() else {
            if let Some(&last_failed) = failed.last() {
                rec.failures_after_last_success += failed.len() as i32;
                rec.last_failure_time = Some(last_failed);
            }
            return rec;
        };
        rec = BackoffRecord::default();
        for &t in failed.iter().rev() {
            if t <= last_success {
                break;
            }
            rec.last_failure_time.get_or_insert(t);
            rec.failures_after_last_success += 1;
        }
        rec
    }

    proptest! {
        /// Unsorted lists with ties, with or without a stored record.
        #[test]
        fn next_record_is_upstreams(
            succeeded in proptest::collection::vec(0i64..20, 0..5),
            failed in proptest::collection::vec(0i64..20, 0..6),
            stored in proptest::option::of((0i32..4, proptest::option::of(0i64..20))),
        ) {
            let times = |v: &[i64]| v.iter().map(|&s| Time(s * 1000)).collect::<Vec<_>>();
            let (succeeded, failed) = (times(&succeeded), times(&failed));
            let stored = stored.map(|(n, t)| BackoffRecord {
                failures_after_last_success: n,
                last_failure_time: t.map(|s| Time(s * 1000)),
            });
            prop_assert_eq!(
                BackoffRecord::next(stored, &succeeded, &failed),
                upstream_next(stored, &succeeded, &failed)
            );
        }
    }

    #[test]
    fn delay_doubles_from_ten_seconds_up_to_the_cap() {
        let now = Time(1_000_000);
        let d = |n| remaining_for_failures(now, 10_000, 600_000, n, now);
        assert_eq!(
            [d(0), d(1), d(2), d(3), d(6), d(7), d(20)],
            [0, 10_000, 20_000, 40_000, 320_000, 600_000, 600_000]
        );
        assert_eq!(remaining_for_failures(now, 10_000, 360_000, 7, now), 360_000);
        assert_eq!(remaining_for_failures(now, 10_000, 600_000, 1, Time(995_000)), 5_000);
        assert_eq!(remaining_for_failures(now, 10_000, 600_000, 1, Time(0)), 0);
    }

    #[test]
    fn record_counts_failures_after_the_last_success() {
        let rec = BackoffRecord::next(None, &[], &[Time(5), Time(3)]);
        assert_eq!(
            rec,
            BackoffRecord {
                failures_after_last_success: 2,
                last_failure_time: Some(Time(5))
            }
        );
        let rec = BackoffRecord::next(Some(rec), &[Time(4)], &[Time(2), Time(6), Time(7)]);
        assert_eq!(
            rec,
            BackoffRecord {
                failures_after_last_success: 2,
                last_failure_time: Some(Time(7))
            }
        );
        assert_eq!(
            BackoffRecord::next(Some(rec), &[Time(9)], &[]),
            BackoffRecord::default()
        );
        assert_eq!(BackoffRecord::next(Some(rec), &[], &[]), rec);
    }
}
