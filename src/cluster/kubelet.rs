//! Kubelet facts the pod model needs: container restart backoff
//! (CrashLoopBackOff) and termination exit codes.

use crate::time::{SimDuration, SimTime};

/// `backOffPeriod`: the first back-off after the first restart.
pub const CRASH_BACKOFF_INITIAL: SimDuration = 10_000;
/// `MaxContainerBackOff`.
pub const CRASH_BACKOFF_MAX: SimDuration = 300_000;
/// Exit code of a process that ends on SIGTERM.
pub const EXIT_SIGTERM: i32 = 143;
/// Exit code of a process killed by SIGKILL at the end of the grace period.
pub const EXIT_SIGKILL: i32 = 137;
/// Default `terminationGracePeriodSeconds`.
pub const DEFAULT_GRACE_SECONDS: i64 = 30;

/// Per-container CrashLoopBackOff state (`flowcontrol.Backoff` entry).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CrashBackoff {
    /// Current back-off, 0 when there is no entry yet.
    delay: SimDuration,
    last_update: SimTime,
}

impl CrashBackoff {
    /// The delay before restarting a container that crashed at `now`:
    /// immediate on the first crash, then 10 s doubling to 300 s; an entry
    /// untouched for twice the cap (10 min) starts over (`hasExpired`).
    pub fn next_delay(&mut self, now: SimTime) -> SimDuration {
        if self.delay != 0 && now.saturating_sub(self.last_update) > 2 * CRASH_BACKOFF_MAX {
            self.delay = 0;
        }
        let wait = self.delay;
        self.delay = if self.delay == 0 {
            CRASH_BACKOFF_INITIAL
        } else {
            (self.delay * 2).min(CRASH_BACKOFF_MAX)
        };
        self.last_update = now + wait;
        wait
    }
}

/// When and how a running container ends after SIGTERM at `now`: it exits on
/// its own at `natural_exit` if that comes first, else after its shutdown time
/// (exit 143) if within the grace period, else it is killed at the end of the
/// grace period (exit 137).
pub fn termination(
    now: SimTime,
    natural_exit: SimTime,
    natural_code: i32,
    shutdown: SimDuration,
    grace: SimDuration,
) -> (SimTime, i32) {
    let (end, code) = if shutdown < grace {
        (now + shutdown, EXIT_SIGTERM)
    } else {
        (now + grace, EXIT_SIGKILL)
    };
    if natural_exit <= end {
        (natural_exit.max(now), natural_code)
    } else {
        (end, code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crash_loop_backoff_doubles_to_five_minutes() {
        let mut b = CrashBackoff::default();
        let mut t = 0;
        let mut delays = vec![];
        for _ in 0..8 {
            let d = b.next_delay(t);
            delays.push(d / 1000);
            t += d + 1000; // crashes one second after each restart
        }
        assert_eq!(delays, vec![0, 10, 20, 40, 80, 160, 300, 300]);
    }

    #[test]
    fn ten_minutes_of_running_resets_the_backoff() {
        let mut b = CrashBackoff::default();
        assert_eq!(b.next_delay(0), 0);
        assert_eq!(b.next_delay(5_000), 10_000);
        assert_eq!(
            b.next_delay(15_000 + 600_001),
            0,
            "more than 10 min after the last restart"
        );
        assert_eq!(b.next_delay(700_000), 10_000);
    }

    #[test]
    fn termination_codes() {
        assert_eq!(termination(100, 10_000, 0, 3_000, 30_000), (3_100, EXIT_SIGTERM));
        assert_eq!(
            termination(100, 10_000, 0, 60_000, 30_000),
            (10_000, 0),
            "finished on its own first"
        );
        assert_eq!(termination(100, 90_000, 0, 60_000, 30_000), (30_100, EXIT_SIGKILL));
    }
}
