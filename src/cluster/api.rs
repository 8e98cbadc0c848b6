//! The Job controller's API client: a token bucket on the virtual clock
//! (client-go's `flowcontrol` rate limiter, `--kube-api-qps` / `--kube-api-burst`),
//! request latency and injected errors.

use crate::time::SimTime;

/// Tokens refill at `qps` per second up to `burst`; a request waits for a token.
#[derive(Clone, Debug)]
pub struct TokenBucket {
    qps: f64,
    burst: f64,
    tokens: f64,
    last: SimTime,
}

impl TokenBucket {
    pub fn new(qps: f64, burst: u32) -> Self {
        TokenBucket {
            qps,
            burst: burst as f64,
            tokens: burst as f64,
            last: 0,
        }
    }

    /// Reserves a token for a request ready at `now`; returns when it may be sent.
    pub fn reserve(&mut self, now: SimTime) -> SimTime {
        if now > self.last {
            self.tokens = (self.tokens + (now - self.last) as f64 * self.qps / 1000.0).min(self.burst);
            self.last = now;
        }
        self.tokens -= 1.0;
        if self.tokens >= 0.0 {
            return self.last;
        }
        // Wait until the deficit is refilled.
        let wait_ms = (-self.tokens * 1000.0 / self.qps).ceil() as SimTime;
        self.last + wait_ms
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn burst_then_qps() {
        let mut b = TokenBucket::new(10.0, 10);
        let times: Vec<SimTime> = (0..12).map(|_| b.reserve(0)).collect();
        assert_eq!(&times[..10], &[0; 10]);
        assert_eq!(times[10], 100);
        assert_eq!(times[11], 200);
        // After a quiet second the bucket has refilled ten tokens (minus the debt).
        let mut b = TokenBucket::new(20.0, 30);
        for _ in 0..30 {
            assert_eq!(b.reserve(0), 0);
        }
        assert_eq!(b.reserve(0), 50);
        assert_eq!(b.reserve(10_000), 10_000);
    }

    #[test]
    fn a_thousand_requests_at_ten_per_second_take_about_a_hundred_seconds() {
        let mut b = TokenBucket::new(10.0, 10);
        let last = (0..1000).map(|_| b.reserve(0)).max().unwrap();
        assert_eq!(last, 99_000);
    }
}
