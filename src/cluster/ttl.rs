//! The TTL-after-finished controller (`pkg/controller/ttlafterfinished`): a
//! finished Job with `ttlSecondsAfterFinished` is deleted (foreground: its
//! pods first) once the TTL has passed since it finished.

use crate::time::SimTime;

/// When a Job that finished at `finished_at` (its `Complete` or `Failed`
/// condition's `lastTransitionTime`) with `ttl_seconds` is deleted, seen at
/// `now`: `timeLeft`'s expiry, `finishAt + ttl`, or at once if that is past
/// (a status write that waited for the rate limiter, a TTL of 0). A negative
/// TTL, which validation refuses, counts as 0.
pub fn deletion_time(finished_at: SimTime, ttl_seconds: i32, now: SimTime) -> SimTime {
    (finished_at + ttl_seconds.max(0) as u64 * 1000).max(now)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_job_goes_its_ttl_after_it_finished_or_at_once_when_that_is_past() {
        assert_eq!(deletion_time(10_000, 60, 10_500), 70_000);
        // The terminal status was stored late: the TTL counts from the condition's time.
        assert_eq!(deletion_time(10_000, 60, 65_000), 70_000);
        assert_eq!(deletion_time(10_000, 5, 65_000), 65_000);
        assert_eq!(deletion_time(10_000, 0, 10_000), 10_000);
        assert_eq!(deletion_time(10_000, -3, 12_000), 12_000);
    }
}
