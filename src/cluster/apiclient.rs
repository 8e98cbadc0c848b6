//! The Job controller's API client: a token bucket on the virtual clock
//! (client-go's `flowcontrol` rate limiter, `--kube-api-qps` / `--kube-api-burst`),
//! request latency and injected errors, and the grouping of a sync's calls into
//! the rounds in which the controller issues them.

use crate::controller::ApiError;
use crate::dist::Dist;
use crate::record::RunStats;
use crate::rng::{Purpose, StreamKey};
use crate::time::SimTime;

/// The kinds of call a sync makes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Call {
    Create,
    Delete,
    RemoveFinalizer,
    UpdateStatus,
}

/// What every call of every sync goes through: the controller's shared rate
/// limiter, the API server's latency and error rate, and the run's counters.
pub struct Endpoint<'w> {
    pub bucket: &'w mut TokenBucket,
    pub key: &'w StreamKey,
    pub latency: &'w Dist,
    pub error_rate: f64,
    pub stats: &'w mut RunStats,
}

/// The API client of one sync: every call passes the token bucket, takes its
/// latency and may fail; calls are grouped as the controller issues them
/// (slow-start batches of creations, parallel deletes and finalizer patches,
/// each status update on its own). A call that succeeds files its write `W`
/// in its group, to be applied when the group's last call returns.
pub struct ApiClient<'w, W> {
    endpoint: Endpoint<'w>,
    /// The Job's id in the latency and error streams, and its request count.
    job_id: u64,
    requests: &'w mut u64,
    /// Start of the current group.
    group_start: SimTime,
    /// Per group: when its last call completes, and the end of its writes in `writes`.
    groups: Vec<(SimTime, usize)>,
    /// The writes of every group, in order.
    writes: Vec<W>,
    creates: u32,
    last: Option<Call>,
    /// The Job's request count when the sync started; how long the rate
    /// limiter held the current group's latest call back (its longest wait:
    /// a group's calls get their tokens in order), and the groups' before it.
    requests_before: u64,
    group_wait: SimTime,
    throttled: SimTime,
}

impl<'w, W> ApiClient<'w, W> {
    /// A client for a sync starting at `now`. `groups` and `writes` are
    /// empty buffers, reused from sync to sync for their allocations.
    pub fn new(
        endpoint: Endpoint<'w>,
        job_id: u64,
        requests: &'w mut u64,
        now: SimTime,
        groups: Vec<(SimTime, usize)>,
        writes: Vec<W>,
    ) -> Self {
        ApiClient {
            endpoint,
            job_id,
            requests_before: *requests,
            requests,
            group_start: now,
            groups,
            writes,
            creates: 0,
            last: None,
            group_wait: 0,
            throttled: 0,
        }
    }

    /// Sends one request; returns its result, and files the write in a group.
    pub fn call(&mut self, kind: Call, write: W) -> Result<(), ApiError> {
        // A new group: the first call, a status update, a new slow-start batch,
        // or a change between creating and the rest.
        let creating = kind == Call::Create;
        let new_group = self.groups.is_empty()
            || kind == Call::UpdateStatus
            || self.last == Some(Call::UpdateStatus)
            || (creating && (self.creates + 1).is_power_of_two())
            || creating != (self.last == Some(Call::Create));
        if new_group && let Some((done, _)) = self.groups.last() {
            self.group_start = *done;
        }
        if new_group {
            self.groups.push((self.group_start, self.writes.len()));
            self.throttled += self.group_wait;
            self.group_wait = 0;
        }
        if creating {
            self.creates += 1;
        }
        self.last = Some(kind);
        let n = *self.requests;
        *self.requests += 1;
        let ep = &mut self.endpoint;
        ep.stats.api_requests += 1;
        let send = ep.bucket.reserve(self.group_start);
        let wait = send - self.group_start;
        ep.stats.rate_limit_wait_ms += wait;
        self.group_wait = wait;
        let latency = if matches!(ep.latency, Dist::Constant(c) if *c == 0.0) {
            0
        } else {
            ep.latency
                .sample(&mut ep.key.stream(Purpose::ApiLatency, &[self.job_id, n]))
        };
        let group = self.groups.last_mut().expect("pushed");
        group.0 = group.0.max(send + latency);
        if ep.error_rate > 0.0 && ep.key.stream(Purpose::ApiError, &[self.job_id, n]).unit() < ep.error_rate {
            ep.stats.api_errors += 1;
            return Err(ApiError::Other(
                "the server is currently unable to handle the request".into(),
            ));
        }
        self.writes.push(write);
        group.1 = self.writes.len();
        Ok(())
    }

    /// The requests this sync sent, the pod creations among them, and how
    /// much later its last group completes because of the rate limiter (each
    /// group's longest wait for a token, summed over the groups).
    pub fn throttled(&self) -> (u32, u32, SimTime) {
        let sent = (*self.requests - self.requests_before) as u32;
        (sent, self.creates, self.throttled + self.group_wait)
    }

    /// The groups (when each completes, and where its writes end) and the writes.
    pub fn into_parts(self) -> (Vec<(SimTime, usize)>, Vec<W>) {
        (self.groups, self.writes)
    }
}

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

    /// Groups as the controller issues its calls: slow-start batches of 1, 2,
    /// 4… creations, then the deletes together, each status update alone;
    /// a group starts when the one before it completed.
    #[test]
    fn calls_are_grouped_as_the_controller_issues_them() {
        let (mut bucket, key, mut stats, mut requests) = (
            TokenBucket::new(1e9, 1 << 30),
            StreamKey::new(1, 0),
            RunStats::default(),
            0,
        );
        let latency = Dist::Constant(10.0);
        let endpoint = Endpoint {
            bucket: &mut bucket,
            key: &key,
            latency: &latency,
            error_rate: 0.0,
            stats: &mut stats,
        };
        let mut c = ApiClient::new(endpoint, 7, &mut requests, 1000, Vec::new(), Vec::new());
        let calls = [
            (Call::Create, 'a'),
            (Call::Create, 'b'),
            (Call::Create, 'c'),
            (Call::Create, 'd'),
            (Call::Delete, 'e'),
            (Call::RemoveFinalizer, 'f'),
            (Call::UpdateStatus, 'g'),
            (Call::UpdateStatus, 'h'),
        ];
        for (kind, w) in calls {
            c.call(kind, w).unwrap();
        }
        let (groups, writes) = c.into_parts();
        assert_eq!(writes, ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h']);
        let ends: Vec<usize> = groups.iter().map(|g| g.1).collect();
        assert_eq!(
            ends,
            [1, 3, 4, 6, 7, 8],
            "creations 1, 2, then 1 more; delete and patch; two updates"
        );
        let done: Vec<SimTime> = groups.iter().map(|g| g.0).collect();
        assert_eq!(done, [1010, 1020, 1030, 1040, 1050, 1060]);
        assert_eq!((requests, stats.api_requests), (8, 8));
    }

    #[test]
    fn failed_calls_file_no_write() {
        let (mut bucket, key, mut stats, mut requests) = (
            TokenBucket::new(1e9, 1 << 30),
            StreamKey::new(1, 0),
            RunStats::default(),
            0,
        );
        let latency = Dist::Constant(0.0);
        let endpoint = Endpoint {
            bucket: &mut bucket,
            key: &key,
            latency: &latency,
            error_rate: 1.0,
            stats: &mut stats,
        };
        let mut c = ApiClient::new(endpoint, 7, &mut requests, 0, Vec::new(), Vec::new());
        assert!(c.call(Call::Create, ()).is_err());
        assert!(c.into_parts().1.is_empty());
        assert_eq!(stats.api_errors, 1);
    }

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
