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

struct Hold {
    left: u64,
    x: u64,
}

impl Model for Hold {
    type Event = u32;
    fn handle(&mut self, now: SimTime, e: u32, q: &mut EventQueue<u32>) {
        if self.left > 0 {
            self.left -= 1;
            self.x = jobsim::rng::splitmix64(self.x);
            q.push(now + 1 + self.x % 10_000, e.wrapping_add(1));
        }
    }
}

/// The hold model with `bench-1m-pods`' mix of delays: 40% now, 40% in the
/// one-second lane, 20% spread over ten minutes.
struct Mix {
    left: u64,
    x: u64,
}

impl Model for Mix {
    type Event = u32;
    fn handle(&mut self, now: SimTime, e: u32, q: &mut EventQueue<u32>) {
        if self.left > 0 {
            self.left -= 1;
            self.x = jobsim::rng::splitmix64(self.x);
            let delay = match self.x % 5 {
                0 | 1 => 0,
                2 | 3 => 1000,
                _ => 1 + (self.x >> 8) % 600_000,
            };
            q.push(now + delay, e.wrapping_add(1));
        }
    }
}

fn engine(c: &mut Criterion) {
    let mut g = c.benchmark_group("engine");
    const EVENTS: u64 = 1_000_000;
    g.throughput(Throughput::Elements(EVENTS));
    for pending in [1_000u64, 100_000] {
        g.bench_with_input(BenchmarkId::new("hold", pending), &pending, |b, &pending| {
            b.iter(|| {
                let mut q = EventQueue::new();
                for i in 0..pending {
                    q.push(i, i as u32);
                }
                let mut m = Hold {
                    left: EVENTS - pending,
                    x: 1,
                };
                run(&mut m, &mut q, None, |_| {});
                black_box(q.processed())
            })
        });
    }
    // About as many events pending as the benchmark's busiest hours hold.
    g.bench_function("bench-1m-pods-mix", |b| {
        b.iter(|| {
            let mut q = EventQueue::new();
            q.add_lane(1000);
            const PENDING: u64 = 5_000;
            for i in 0..PENDING {
                q.push(i * 100, i as u32);
            }
            let mut m = Mix {
                left: EVENTS - PENDING,
                x: 1,
            };
            run(&mut m, &mut q, None, |_| {});
            black_box(q.processed())
        })
    });
    g.finish();
}

criterion_group!(benches, engine);
criterion_main!(benches);
