//! `jobsim run`: simulate a scenario's replications, write the outputs, report.

use super::{EXIT_BAD_INPUT, EXIT_FAILURE, EXIT_OK};
use crate::cli::RunArgs;
use crate::engine::{self, EventQueue};
use crate::manifest::Diagnostic;
use crate::output::events::{CsvLog, EventLog};
use crate::output::files::{PendingFile, write_atomic};
use crate::output::jobs::{JobsYaml, job_templates, write_jobs_csv};
use crate::output::summary::{Stats, replication_stats, summary_json};
use crate::output::table::jobs_table;
use crate::output::timeseries::{Tee, TimeSeries};
use crate::scenario::{self, Scenario};
use crate::world::{JobResult, RunStats, World};
use rayon::prelude::*;
use std::path::{Path, PathBuf};

/// What one replication produced.
pub struct Replication {
    pub samples: crate::output::timeseries::Samples,
    pub results: Vec<JobResult>,
    pub stats: RunStats,
    pub events: u64,
    pub end: u64,
    /// What the charts need from the timeline, when it was written.
    pub digest: Option<crate::output::charts::TimelineDigest>,
}

/// Files of replication 0, written while it runs, and the time-series step.
pub struct Timeline {
    pub events: Option<PendingFile>,
    pub jobs_yaml: Option<PendingFile>,
    pub step: u64,
}

/// Runs one replication. Replication 0 may stream its timeline and final Jobs.
pub fn run_replication(
    sc: &Scenario,
    replication: u32,
    timeline: &mut Timeline,
    mut progress: impl FnMut(u64, u64),
) -> std::io::Result<Replication> {
    let mut csv_log = timeline.events.as_mut().map(|f| CsvLog::new(f.writer()));
    let mut tee = Tee {
        digest: csv_log.as_ref().map(|_| Default::default()),
        first: csv_log.as_mut(),
        series: TimeSeries::new(timeline.step),
    };
    let log: &mut dyn EventLog = &mut tee;
    let mut yaml = timeline
        .jobs_yaml
        .as_mut()
        .map(|f| JobsYaml::new(f.writer(), job_templates(sc)));
    let keep_yaml = yaml.is_some();
    let mut on_finish = |job: &crate::api::Job, workload: u32| {
        if let Some(y) = yaml.as_mut() {
            y.add(job, Some(workload));
        }
    };
    let finish_ref: Option<&mut crate::world::OnFinish> = if keep_yaml { Some(&mut on_finish) } else { None };
    let mut world = World::new(sc, replication, log, finish_ref);
    let mut queue = EventQueue::new();
    world.start(&mut queue);
    let stop = engine::run(&mut world, &mut queue, sc.until, |now| progress(now, 0));
    // The end of the run: the horizon, or the last event that changed anything
    // (timers left over from cancelled plans do not count).
    let end = match stop {
        engine::Stop::Horizon => sc.until.unwrap_or(queue.now()),
        engine::Stop::Drained => world.last_activity,
    };
    world.finish_stats(end);
    let results = world.results();
    world.report_unfinished();
    let stats = world.stats.clone();
    drop(world);
    tee.series.finish(end)?;
    let samples = std::mem::take(&mut tee.series.samples);
    let digest = tee.digest.take();
    drop(tee);
    if let Some(y) = yaml {
        y.finish()?;
    }
    if let Some(l) = csv_log
        && let (_, Some(e)) = l.into_inner()
    {
        return Err(e);
    }
    progress(end, queue.processed());
    Ok(Replication {
        samples,
        results,
        stats,
        events: queue.processed(),
        end,
        digest,
    })
}

fn load_scenario(path: Option<&Path>) -> Result<Scenario, Vec<Diagnostic>> {
    match path {
        Some(p) => scenario::load(p),
        None => scenario::load_str(
            "scenarios/quickstart.yaml (built in)",
            scenario::QUICKSTART,
            Some(Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios").as_path()),
        ),
    }
}

/// `jobsim run`.
#[allow(clippy::disallowed_methods)] // wall-clock time is reported, never simulated
pub fn run(args: &RunArgs) -> u8 {
    let started = std::time::Instant::now();
    let mut sc = match load_scenario(args.scenario.as_deref()) {
        Ok(sc) => sc,
        Err(diags) => {
            for d in &diags {
                eprintln!("{d}");
            }
            let errors = diags.iter().filter(|d| !d.warning).count();
            eprintln!(
                "error: the scenario is invalid ({errors} error{}); nothing was simulated",
                if errors == 1 { "" } else { "s" }
            );
            return EXIT_BAD_INPUT;
        }
    };
    if let Some(seed) = args.seed {
        sc.seed = seed;
    }
    if let Some(n) = args.replications {
        if n == 0 {
            eprintln!("error: --replications must be at least 1");
            return EXIT_BAD_INPUT;
        }
        sc.replications = n;
    }
    if let Some(u) = &args.until {
        match crate::time::parse_duration(u) {
            Ok(ms) => sc.until = Some(ms),
            Err(e) => {
                eprintln!("error: --until: {e}");
                return EXIT_BAD_INPUT;
            }
        }
    }
    if args.threads == Some(0) {
        eprintln!("error: --threads must be at least 1");
        return EXIT_BAD_INPUT;
    }
    // 0: a sample at every change.
    let step = match crate::time::parse_duration(&args.step) {
        Ok(ms) => ms,
        _ => {
            eprintln!("error: --step: give a Go duration such as 1s or 1m, or 0 for every change");
            return EXIT_BAD_INPUT;
        }
    };
    let out_dir = match &args.out {
        Some(dir) => dir.clone(),
        None => match default_out_dir(&sc.name) {
            Some(dir) => dir,
            None => {
                eprintln!(
                    "error: the scenario name {:?} cannot name a folder; give --out",
                    sc.name
                );
                return EXIT_BAD_INPUT;
            }
        },
    };
    let mut timeline = match (
        PendingFile::create(&out_dir, "events.csv"),
        PendingFile::create(&out_dir, "jobs.yaml"),
    ) {
        (Ok(e), Ok(y)) => Timeline {
            events: Some(e),
            jobs_yaml: Some(y),
            step,
        },
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("error: cannot write to {}: {e}", out_dir.display());
            return EXIT_FAILURE;
        }
    };
    let bar = progress_bar(args.quiet || args.json, &sc);
    let reps: Vec<u32> = (0..sc.replications).collect();
    let threads = args
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let pool = match rayon::ThreadPoolBuilder::new().num_threads(threads).build() {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: cannot start {threads} threads: {e}");
            return EXIT_FAILURE;
        }
    };
    let timeline_cell = std::sync::Mutex::new(Some(&mut timeline));
    let outcomes: Vec<std::io::Result<Replication>> = pool.install(|| {
        reps.par_iter()
            .map(|&r| {
                let tl = if r == 0 {
                    timeline_cell.lock().expect("no poisoning").take()
                } else {
                    None
                };
                let mut none = Timeline {
                    events: None,
                    jobs_yaml: None,
                    step,
                };
                let tl = tl.unwrap_or(&mut none);
                run_replication(&sc, r, tl, |now, _| {
                    if r == 0 {
                        bar.set_message(format!("simulated {}", crate::time::format_duration(now)));
                    }
                })
                .inspect(|_| bar.inc(1))
            })
            .collect()
    });
    bar.finish_and_clear();
    let mut runs = Vec::with_capacity(outcomes.len());
    for o in outcomes {
        match o {
            Ok(r) => runs.push(r),
            Err(e) => {
                eprintln!("error: writing outputs: {e}");
                return EXIT_FAILURE;
            }
        }
    }
    let stats: Vec<Stats> = runs
        .iter()
        .map(|r| replication_stats(&r.results, &r.stats, r.events, r.end))
        .collect();
    let summary = summary_json(&sc, &stats);
    let names: Vec<String> = sc.workloads.iter().map(|w| w.name.clone()).collect();
    let mut csv_bytes = Vec::new();
    let rows: Vec<(u32, &[JobResult])> = runs
        .iter()
        .enumerate()
        .map(|(i, r)| (i as u32, r.results.as_slice()))
        .collect();
    let written = write_jobs_csv(&mut csv_bytes, &rows, &names, runs.len() > 1)
        .and_then(|_| write_atomic(&out_dir, "jobs.csv", &csv_bytes))
        .and_then(|_| {
            write_atomic(
                &out_dir,
                "summary.json",
                format!("{}\n", serde_json::to_string_pretty(&summary).expect("json")).as_bytes(),
            )
        })
        .and_then(|_| {
            let mut ts = Vec::new();
            crate::output::timeseries::write_csv(&mut ts, &runs[0].samples)?;
            write_atomic(&out_dir, "timeseries.csv", &ts)
        })
        .and_then(|_| {
            if runs.len() > 1 {
                let mut bands = Vec::new();
                let all: Vec<_> = runs.iter().map(|r| r.samples.clone()).collect();
                crate::output::timeseries::write_bands(&mut bands, &all)?;
                write_atomic(&out_dir, "timeseries-bands.csv", &bands)?;
            }
            Ok(out_dir.clone())
        })
        .and_then(|_| timeline.events.take().expect("created").commit())
        .and_then(|_| timeline.jobs_yaml.take().expect("created").commit());
    if let Err(e) = written {
        eprintln!("error: writing outputs to {}: {e}", out_dir.display());
        return EXIT_FAILURE;
    }
    if let Err(e) = crate::output::charts::draw_all(&out_dir, args.png, runs[0].digest.take()) {
        eprintln!("error: drawing charts in {}: {e}", out_dir.display());
        return EXIT_FAILURE;
    }
    let wall = started.elapsed().as_secs_f64();
    let events: u64 = runs.iter().map(|r| r.events).sum();
    if args.json {
        println!("{}", serde_json::to_string_pretty(&summary).expect("json"));
        return EXIT_OK;
    }
    let first = &runs[0];
    if !args.quiet {
        print!("{}", jobs_table(&first.results, first.end, 20));
        println!();
    }
    println!("{}", summary_line(&sc, &stats[0], runs.len()));
    if !args.quiet {
        print!("{}", crate::output::summary::stats_table(&stats));
    }
    let rate = if wall > 0.0 { events as f64 / wall } else { 0.0 };
    println!(
        "simulated {} in {wall:.2}s wall time, {events} events ({:.2} M events/s)",
        crate::time::format_duration(first.end),
        rate / 1e6
    );
    let charts = if args.png { "SVG and PNG" } else { "SVG" };
    let bands = if runs.len() > 1 { ", timeseries-bands.csv" } else { "" };
    println!(
        "wrote {}/events.csv, jobs.csv, jobs.yaml, summary.json, timeseries.csv{bands} and charts ({charts})",
        out_dir.display()
    );
    EXIT_OK
}

fn summary_line(sc: &Scenario, s: &Stats, reps: usize) -> String {
    let get = |k: &str| s.get(k).copied().unwrap_or(0.0);
    let mut parts = vec![format!("{} Jobs", get("jobs.total"))];
    for status in ["Complete", "Failed", "Running", "Suspended"] {
        let n = get(&format!("jobs.byStatus.{status}"));
        if n > 0.0 {
            parts.push(format!("{n} {}", status.to_lowercase()));
        }
    }
    let mut line = format!("{}: {}", sc.name, parts.join(", "));
    line.push_str(&format!(
        "; {} pods created, {:.0} pod-seconds ({:.0} failed); job duration p50 {:.1}s, p95 {:.1}s; makespan {:.1}s",
        get("pods.created"),
        get("pods.podSeconds"),
        get("pods.failedPodSeconds"),
        get("jobDurationSeconds.p50"),
        get("jobDurationSeconds.p95"),
        get("makespanSeconds")
    ));
    if reps > 1 {
        line.push_str(&format!(
            " (replication 0 of {reps}; summary.json has means and 95% intervals)"
        ));
    }
    line
}

/// `output/<name>`, when the name is one plain path component. Validation already holds a
/// scenario's name to an object name; this keeps any name that slips past it inside `output/`.
fn default_out_dir(name: &str) -> Option<PathBuf> {
    let mut parts = Path::new(name).components();
    match (parts.next(), parts.next()) {
        (Some(std::path::Component::Normal(_)), None) => Some(PathBuf::from("output").join(name)),
        _ => None,
    }
}

fn progress_bar(hidden: bool, sc: &Scenario) -> indicatif::ProgressBar {
    if hidden {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(sc.replications as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{spinner} replications {pos}/{len} {msg} [{elapsed}]")
            .expect("template"),
    );
    bar.enable_steady_tick(std::time::Duration::from_millis(200));
    bar
}
