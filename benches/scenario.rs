//! Whole simulations: the quick-start scenario, and a 10,000-Job slice of
//! `scenarios/bench-1m-pods.yaml` (about 108,000 pods). Throughput is in
//! simulation events. The full million-pod scenario takes tens of seconds per
//! run; time it with `cargo run --release -- run scenarios/bench-1m-pods.yaml`.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use jobsim::scenario;
use jobsim::study::{Timeline, run_replication};
use std::hint::black_box;
use std::path::Path;

/// The allocator `jobsim` itself runs with, so that the figures match.
#[global_allocator]
static GLOBAL: jobsim::alloc::MiMalloc = jobsim::alloc::MiMalloc;

fn load(name: &str) -> scenario::Scenario {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios").join(name);
    scenario::load(&path).unwrap_or_else(|d| panic!("{name}: {d:?}"))
}

/// Runs replication 0 without writing files; the number of events it processed.
fn events_of(sc: &scenario::Scenario) -> u64 {
    run_replication(
        sc,
        0,
        &mut Timeline {
            events: None,
            jobs_yaml: None,
            trace: None,
            decisions: None,
            step: Some(1000),
            spill: None,
            series: true,
            digest: false,
            pipe: false,
        },
        &mut jobsim::output::summary::JobTally::default(),
        &mut |_, _| {},
    )
    .expect("runs")
    .events
}

fn scenarios(c: &mut Criterion) {
    let mut g = c.benchmark_group("scenario");
    g.sample_size(10);
    let quick = load("quickstart.yaml");
    let mut big = load("bench-1m-pods.yaml");
    big.workloads[0].count = 10_000;
    for (name, sc) in [("quickstart", &quick), ("bench-1m-pods-10k-jobs", &big)] {
        g.throughput(Throughput::Elements(events_of(sc)));
        g.bench_function(name, |b| b.iter(|| black_box(events_of(sc))));
    }
    g.finish();
}

criterion_group!(benches, scenarios);
criterion_main!(benches);
