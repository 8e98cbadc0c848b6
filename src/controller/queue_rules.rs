//! When the controller's event handlers put a Job key back on the work queue
//! (`enqueueSyncJobBatched`, `enqueueSyncJobImmediately`, the 1.27 pod-update
//! rule). The engine applies these delays; the sync itself never sleeps.

use super::gates::Profile;
use crate::api::PodPhase;

/// `syncJobBatchPeriod` (`podUpdateBatchPeriod` in 1.27).
pub const BATCH_PERIOD_MS: i64 = 1000;
/// 1.27's `DefaultJobBackOff` / `MaxJobBackOff`, also its work-queue error backoff.
const LEGACY_BACKOFF_BASE_MS: i64 = 10_000;
const LEGACY_BACKOFF_MAX_MS: i64 = 360_000;
/// `DefaultJobApiBackOff` / `MaxJobApiBackOff` (1.28+): per-key error backoff.
const API_BACKOFF_BASE_MS: i64 = 1_000;
const API_BACKOFF_MAX_MS: i64 = 60_000;

/// Delay for a pod add, update or delete event. In 1.27 a pod update into
/// `Failed` waited `10 s · 2^(n−1)` (cap 360 s) where n is the key's error
/// requeue count, and the plain batch period when n is 0.
pub fn pod_event_delay_ms(profile: &Profile, old_phase: PodPhase, new_phase: PodPhase, key_requeues: u32) -> i64 {
    if profile.minor < 28 && old_phase != PodPhase::Failed && new_phase == PodPhase::Failed && key_requeues > 0 {
        return exponential(LEGACY_BACKOFF_BASE_MS, LEGACY_BACKOFF_MAX_MS, key_requeues);
    }
    BATCH_PERIOD_MS
}

/// Delay for a Job update: immediate when the spec changed (`generation`
/// moved), batched for status-only updates (1.28+; 1.27 was always immediate).
pub fn job_update_delay_ms(profile: &Profile, spec_changed: bool) -> i64 {
    if spec_changed || profile.minor < 28 {
        0
    } else {
        BATCH_PERIOD_MS
    }
}

/// `AddRateLimited` after a failed sync: the `n`-th consecutive failure (n ≥ 1).
pub fn error_requeue_delay_ms(profile: &Profile, failures: u32) -> i64 {
    if profile.minor < 28 {
        exponential(LEGACY_BACKOFF_BASE_MS, LEGACY_BACKOFF_MAX_MS, failures)
    } else {
        exponential(API_BACKOFF_BASE_MS, API_BACKOFF_MAX_MS, failures)
    }
}

fn exponential(base: i64, max: i64, n: u32) -> i64 {
    let shift = n.saturating_sub(1).min(32);
    base.saturating_mul(1i64 << shift).min(max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pod_events_are_batched_by_one_second() {
        let p = Profile::newest();
        assert_eq!(pod_event_delay_ms(&p, PodPhase::Running, PodPhase::Failed, 3), 1000);
        let old = Profile::new(27);
        assert_eq!(pod_event_delay_ms(&old, PodPhase::Running, PodPhase::Failed, 0), 1000);
        assert_eq!(pod_event_delay_ms(&old, PodPhase::Running, PodPhase::Failed, 2), 20_000);
        assert_eq!(
            pod_event_delay_ms(&old, PodPhase::Running, PodPhase::Failed, 9),
            360_000
        );
    }

    #[test]
    fn error_backoff_depends_on_release() {
        assert_eq!(error_requeue_delay_ms(&Profile::newest(), 1), 1000);
        assert_eq!(error_requeue_delay_ms(&Profile::newest(), 10), 60_000);
        assert_eq!(error_requeue_delay_ms(&Profile::new(27), 1), 10_000);
        assert_eq!(job_update_delay_ms(&Profile::newest(), false), 1000);
        assert_eq!(job_update_delay_ms(&Profile::newest(), true), 0);
    }
}
