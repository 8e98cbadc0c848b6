//! The `events.csv` writer alone: a million rows in the mix and shape of
//! `scenarios/bench-1m-pods.yaml`'s timeline (5.8 million rows there), into a
//! sink. With the engine's `bench-1m-pods-mix`, this bounds from below what
//! any model costs on that benchmark with its timeline written.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use jobsim::output::events::{CsvLog, Detail, EventKind, EventLog, Row};
use std::hint::black_box;

/// The allocator `jobsim` itself runs with, so that the figures match.
#[global_allocator]
static GLOBAL: jobsim::alloc::MiMalloc = jobsim::alloc::MiMalloc;

/// A pod's rows: as the benchmark writes them, with its typical details.
const POD_ROWS: [(EventKind, Detail); 5] = [
    (EventKind::PodCreated, Detail::None),
    (
        EventKind::PodScheduled,
        Detail::Bound {
            node: "node-0",
            request: None,
            extended: "",
        },
    ),
    (EventKind::PodRunning, Detail::None),
    (EventKind::PodReady, Detail::None),
    (
        EventKind::PodSucceeded,
        Detail::Exited {
            exit_code: 0,
            container: "main",
        },
    ),
];

fn timeline(c: &mut Criterion) {
    let mut g = c.benchmark_group("timeline");
    const ROWS: u64 = 1_000_000;
    g.throughput(Throughput::Elements(ROWS));
    let names: Vec<(String, String)> = (0..1000)
        .map(|i| {
            (
                format!("batch-{}", 40_000 + i),
                format!("batch-{}-6dhb{}", 40_000 + i, i % 10),
            )
        })
        .collect();
    g.bench_function("events-csv-rows", |b| {
        b.iter(|| {
            let mut log = CsvLog::new(std::io::sink());
            for n in 0..ROWS {
                let (job, pod) = &names[(n / 5) as usize % names.len()];
                let (kind, detail) = POD_ROWS[(n % 5) as usize];
                // Times advance by a few milliseconds a row, as in the benchmark.
                log.record(&Row::pod(n * 17, job, pod, n as u32, None, kind, detail));
            }
            black_box(log.into_inner().1.is_none())
        })
    });
    g.finish();
}

criterion_group!(benches, timeline);
criterion_main!(benches);
