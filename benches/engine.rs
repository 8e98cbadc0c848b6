//! The event engine alone: a hold model (every event schedules one more at a
//! pseudo-random later time) with 1,000 and 100,000 pending events; and the
//! same model with the delays of `scenarios/bench-1m-pods.yaml`, where most
//! events are due now (a worker's sync) or one second on (the controller's
//! batching of pod events) and the rest are pod steps minutes ahead. That
//! one is the floor of any model run on the engine: the benchmark's ten
//! million events cost at least ten times its time per million.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use jobsim::engine::{EventQueue, Model, run};
use jobsim::time::SimTime;
use std::hint::black_box;

/// The allocator `jobsim` itself runs with, so that the figures match.
#[global_allocator]
static GLOBAL: jobsim::alloc::MiMalloc = jobsim::alloc::MiMalloc;

/// Every event schedules one more, `delay(x)` later for a fresh pseudo-random `x`.
struct Hold<D: Fn(u64) -> SimTime> {
    left: u64,
    x: u64,
    delay: D,
}

impl<D: Fn(u64) -> SimTime> Model for Hold<D> {
    type Event = u32;
    fn handle(&mut self, now: SimTime, e: u32, q: &mut EventQueue<u32>) {
        if self.left > 0 {
            self.left -= 1;
            self.x = jobsim::rng::splitmix64(self.x);
            q.push(now + (self.delay)(self.x), e.wrapping_add(1));
        }
    }
}

const EVENTS: u64 = 1_000_000;

/// Runs `EVENTS` events of the hold model, starting with `pending` events
/// `spacing` apart, and with a FIFO lane for each delay in `lanes`.
fn hold(pending: u64, spacing: SimTime, lanes: &[SimTime], delay: impl Fn(u64) -> SimTime) -> u64 {
    let mut q = EventQueue::new();
    for &d in lanes {
        q.add_lane(d);
    }
    for i in 0..pending {
        q.push(i * spacing, i as u32);
    }
    let mut m = Hold {
        left: EVENTS - pending,
        x: 1,
        delay,
    };
    run(&mut m, &mut q, None, |_| {});
    q.processed()
}

/// `bench-1m-pods`' mix of delays: 40% now, 40% in the one-second lane, 20%
/// spread over ten minutes.
fn bench_mix(x: u64) -> SimTime {
    match x % 5 {
        0 | 1 => 0,
        2 | 3 => 1000,
        _ => 1 + (x >> 8) % 600_000,
    }
}

fn engine(c: &mut Criterion) {
    let mut g = c.benchmark_group("engine");
    g.throughput(Throughput::Elements(EVENTS));
    for pending in [1_000u64, 100_000] {
        g.bench_with_input(BenchmarkId::new("hold", pending), &pending, |b, &pending| {
            b.iter(|| black_box(hold(pending, 1, &[], |x| 1 + x % 10_000)))
        });
    }
    // About as many events pending as the benchmark's busiest hours hold.
    g.bench_function("bench-1m-pods-mix", |b| {
        b.iter(|| black_box(hold(5_000, 100, &[1000], bench_mix)))
    });
    g.finish();
}

criterion_group!(benches, engine);
criterion_main!(benches);
