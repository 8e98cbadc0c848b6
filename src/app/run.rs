//! `jobsim run`: simulate a scenario's replications, write the outputs, report.

use super::{EXIT_BAD_INPUT, EXIT_FAILURE, EXIT_OK};
use crate::cli::RunArgs;
use crate::engine::{self, EventQueue};
use crate::manifest::Diagnostic;
use crate::output::events::{CsvLog, EventLog};
use crate::output::files::{PendingFile, write_atomic};
use crate::output::jobs::{JobsYaml, job_templates, write_jobs_csv};
use crate::output::spool::Spool;
use crate::output::summary::{Stats, replication_stats, summary_json};
use crate::output::table::jobs_table;
use crate::output::timeseries::{
    Sample, Tee, TimeSeries, decode_samples, encode_samples, write_bands_from, write_csv_from,
};
use crate::record::{JobResult, RunStats};
use crate::scenario::{self, Scenario};
use crate::world::World;
use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

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

/// What the run keeps of a finished replication: its statistics, and the
/// results only of replication 0 (for the terminal's table).
struct Finished {
    stats: Stats,
    events: u64,
    end: u64,
    results: Vec<JobResult>,
    digest: Option<crate::output::charts::TimelineDigest>,
}

/// Writes a file through its pending name, renamed into place when whole.
fn write_streamed(
    dir: &Path,
    name: &str,
    write: impl FnOnce(&mut std::io::BufWriter<std::fs::File>) -> std::io::Result<()>,
) -> std::io::Result<PathBuf> {
    let mut file = PendingFile::create(dir, name)?;
    write(file.writer())?;
    file.commit()
}

/// Files of replication 0, written while it runs, and the time series' step
/// and spill.
pub struct Timeline {
    pub events: Option<PendingFile>,
    pub jobs_yaml: Option<PendingFile>,
    /// The time series' step (0: every change); `None`: adaptive.
    pub step: Option<u64>,
    /// Where the time series' samples go; without one they stay in `Replication::samples`.
    pub spill: Option<crate::output::timeseries::Spill>,
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
        series: match timeline.step {
            Some(step) => TimeSeries::new(step),
            None => TimeSeries::adaptive(),
        },
    };
    if let Some(spill) = timeline.spill.take() {
        tee.series.set_spill(spill);
    }
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
    // 0: a sample at every change; none: a step that adapts to the run's length.
    let step = match args.step.as_deref().map(crate::time::parse_duration) {
        None => None,
        Some(Ok(ms)) => Some(ms),
        Some(Err(_)) => {
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
            spill: None,
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
    // What every replication leaves for the files written after all of them
    // (time-series samples, jobs.csv rows) waits on disk, not in memory.
    let spools = match (Spool::new(), Spool::new()) {
        (Ok(samples), Ok(rows)) => (Arc::new(Mutex::new(samples)), Mutex::new(rows)),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("error: cannot create a temporary file: {e}");
            return EXIT_FAILURE;
        }
    };
    let (sample_spool, row_spool) = &spools;
    let names: Vec<String> = sc.workloads.iter().map(|w| w.name.clone()).collect();
    let with_replication = sc.replications > 1;
    let timeline_cell = Mutex::new(Some(&mut timeline));
    let outcomes: Vec<std::io::Result<Finished>> = pool.install(|| {
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
                    spill: None,
                };
                let tl = tl.unwrap_or(&mut none);
                let spool = Arc::clone(sample_spool);
                let mut bytes = Vec::new();
                tl.spill = Some(Box::new(move |samples: &[Sample]| {
                    bytes.clear();
                    encode_samples(samples, &mut bytes);
                    spool.lock().expect("no poisoning").append(r, &bytes)
                }));
                let rep = run_replication(&sc, r, tl, |now, _| {
                    if r == 0 {
                        bar.set_message(format!("simulated {}", crate::time::format_duration(now)));
                    }
                })?;
                let mut rows = Vec::new();
                write_jobs_csv(&mut rows, &[(r, &rep.results)], &names, with_replication, false)?;
                row_spool.lock().expect("no poisoning").append(r, &rows)?;
                bar.inc(1);
                Ok(Finished {
                    stats: replication_stats(&rep.results, &rep.stats, rep.events, rep.end),
                    events: rep.events,
                    end: rep.end,
                    results: if r == 0 { rep.results } else { Vec::new() },
                    digest: rep.digest,
                })
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
    let (sample_spool, row_spool) = spools;
    let sample_spool = Arc::into_inner(sample_spool)
        .expect("replications are done")
        .into_inner()
        .expect("no poisoning");
    let row_spool = row_spool.into_inner().expect("no poisoning");
    let stats: Vec<Stats> = runs.iter_mut().map(|r| std::mem::take(&mut r.stats)).collect();
    let summary = summary_json(&sc, &stats);
    let reps = runs.len() as u32;
    let written = write_streamed(&out_dir, "jobs.csv", |w| {
        write_jobs_csv(&mut *w, &[], &names, with_replication, true)?;
        for r in 0..reps {
            std::io::copy(&mut row_spool.reader(r), w)?;
        }
        Ok(())
    })
    .and_then(|_| {
        write_atomic(
            &out_dir,
            "summary.json",
            format!("{}\n", serde_json::to_string_pretty(&summary).expect("json")).as_bytes(),
        )
    })
    .and_then(|_| {
        write_streamed(&out_dir, "timeseries.csv", |w| {
            write_csv_from(w, decode_samples(sample_spool.reader(0)))
        })
    })
    .and_then(|_| {
        if reps > 1 {
            write_streamed(&out_dir, "timeseries-bands.csv", |w| {
                let streams = (0..reps).map(|r| decode_samples(sample_spool.reader(r))).collect();
                write_bands_from(w, streams)
            })?;
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
