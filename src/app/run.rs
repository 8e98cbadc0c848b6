//! `jobsim run`: simulate a scenario's replications, write the outputs, report.

use super::stdout::{out, outln};
use super::{EXIT_BAD_INPUT, EXIT_FAILURE, EXIT_OK};
use crate::cli::RunArgs;
use crate::engine;
use crate::manifest::Diagnostic;
use crate::output::charts::TimelineDigest;
use crate::output::files::{PendingFile, Staging, write_atomic};
use crate::output::job_rows::JobRows;
use crate::output::jobs::write_jobs_csv;
use crate::output::sample_codec::{SampleEncoder, buffer_per_reader, decode_samples};
use crate::output::spool::Spool;
use crate::output::summary::{JobTally, Stats, replication_stats, summary_json};
use crate::output::table::TableDigest;
use crate::output::timeseries::{Sample, write_bands_from, write_csv_from};
use crate::record::{JobResult, ResultSink};
use crate::scenario::DEFAULT_HORIZON;
use crate::scenario::{self, Output, Scenario, Setting};
use crate::study::{Timeline, run_replication};
use rayon::prelude::*;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// What the run keeps of a finished replication: its statistics, and the
/// results only of replication 0 (for the terminal's table).
struct Finished {
    stats: Stats,
    events: u64,
    end: u64,
    /// What the terminal's table needs of the replication's Jobs.
    table: TableDigest,
    digest: Option<TimelineDigest>,
    stop: engine::Stop,
    /// What `trace.json` drew (replication 0, when written).
    trace: Option<crate::output::trace::TraceCounts>,
    /// Jobs neither finished nor deleted at the end.
    unfinished: usize,
    /// The final states of the Jobs `spec.expect` names, for `report.html`.
    expected: Vec<super::check::JobState>,
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

/// The scenario file, or the built-in quick-start scenario, with `--set` changes.
pub fn load_scenario(path: Option<&Path>, sets: &[Setting]) -> Result<Scenario, Vec<Diagnostic>> {
    match path {
        Some(p) => scenario::load_with(p, sets),
        None => scenario::load_str_with(
            "scenarios/quickstart.yaml (built in)",
            scenario::QUICKSTART,
            Some(Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios").as_path()),
            sets,
        ),
    }
}

/// `jobsim run`.
#[allow(clippy::disallowed_methods)] // wall-clock time is reported, never simulated
pub fn run(args: &RunArgs) -> u8 {
    let started = std::time::Instant::now();
    let mut sc = match load_scenario(args.scenario.as_deref(), &args.set) {
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
        if u64::from(n) > scenario::limits::REPLICATIONS {
            eprintln!(
                "error: --replications: Invalid value: {n}: must be no more than {}",
                scenario::limits::REPLICATIONS
            );
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
    if let Some(n) = args.threads.filter(|n| *n > scenario::limits::THREADS) {
        eprintln!(
            "error: --threads: Invalid value: {n}: must be no more than {}",
            scenario::limits::THREADS
        );
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
    // --outputs wins over spec.outputs.
    let outputs = args.outputs.unwrap_or(sc.outputs);
    let wants = |o: Output| outputs.contains(o);
    if args.png && !wants(Output::Charts) {
        eprintln!("error: --png: the charts are not among the outputs ({outputs}); add charts to them");
        return EXIT_BAD_INPUT;
    }
    // The staging folder and the files replication 0 streams are opened
    // first: an unwritable folder is found before anything is simulated.
    // Every file is written into the staging folder and moved into `out_dir`
    // at the end, all together.
    let staging = match Staging::create(&out_dir) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: cannot write to {}: {e}", out_dir.display());
            return EXIT_FAILURE;
        }
    };
    let stage = staging.dir().to_path_buf();
    let pending = |o: Output, name: &str| wants(o).then(|| PendingFile::create(&stage, name)).transpose();
    let opened = pending(Output::Events, "events.csv").and_then(|events| {
        Ok((
            events,
            pending(Output::JobsYaml, "jobs.yaml")?,
            pending(Output::Trace, "trace.json")?,
            pending(Output::Decisions, "decisions.csv")?,
        ))
    });
    let mut timeline = match opened {
        Ok((events, jobs_yaml, trace, decisions)) => Timeline {
            events,
            jobs_yaml,
            trace,
            decisions,
            step,
            spill: None,
            series: wants(Output::Timeseries),
            digest: wants(Output::Charts),
            pipe: false,
        },
        Err(e) => {
            eprintln!("error: cannot write to {}: {e}", out_dir.display());
            return EXIT_FAILURE;
        }
    };
    let bar = progress_bar(args.quiet || args.json, &sc);
    let reps: Vec<u32> = (0..sc.replications).collect();
    let threads = args
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .min(scenario::limits::THREADS);
    // Replication 0's files are formatted and written on a thread of their own
    // when the run may use a second core.
    timeline.pipe = threads > 1;
    let pool = match rayon::ThreadPoolBuilder::new().num_threads(threads).build() {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: cannot start {threads} threads: {e}");
            return EXIT_FAILURE;
        }
    };
    // What every replication leaves for the files written after all of them
    // (time-series samples, jobs.csv rows) waits on disk, not in memory; for
    // the files selected only.
    let series = wants(Output::Timeseries);
    let names: Vec<String> = sc.workloads.iter().map(|w| w.name.clone()).collect();
    let with_replication = sc.replications > 1;
    // Replication 0's jobs.csv rows go straight into the file, after its
    // header; those of later replications wait in a spool until all are done.
    let jobs_csv = wants(Output::Jobs)
        .then(|| {
            let mut file = PendingFile::create(&stage, "jobs.csv")?;
            write_jobs_csv(file.writer(), &[], &names, with_replication, true)?;
            Ok::<_, std::io::Error>(file)
        })
        .transpose();
    let jobs_csv = match jobs_csv {
        Ok(f) => Mutex::new(f),
        Err(e) => {
            eprintln!("error: cannot write to {}: {e}", out_dir.display());
            return EXIT_FAILURE;
        }
    };
    let spool = |wanted: bool| wanted.then(Spool::new).transpose();
    let spools = match (spool(series), spool(wants(Output::Jobs) && with_replication)) {
        (Ok(samples), Ok(rows)) => (samples.map(|s| Arc::new(Mutex::new(s))), rows.map(Mutex::new)),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("error: cannot create a temporary file: {e}");
            return EXIT_FAILURE;
        }
    };
    let (sample_spool, row_spool) = &spools;
    let expected_jobs = super::check::expected_jobs(&sc);
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
                    trace: None,
                    decisions: None,
                    step,
                    spill: None,
                    series,
                    digest: false,
                    pipe: false,
                };
                let tl = tl.unwrap_or(&mut none);
                if let Some(spool) = sample_spool {
                    let spool = Arc::clone(spool);
                    let (mut bytes, mut encoder) = (Vec::new(), SampleEncoder::default());
                    tl.spill = Some(Box::new(move |samples: &[Sample]| {
                        bytes.clear();
                        encoder.encode(samples, &mut bytes);
                        spool.lock().expect("no poisoning").append(r, &bytes)
                    }));
                }
                let mut results = RunResults {
                    tally: JobTally::default(),
                    rows: wants(Output::Jobs).then(JobRows::new).transpose()?,
                    table: TableDigest::new(if r == 0 { REPORT_JOBS } else { 0 }, UNFINISHED_LISTED),
                    expected: super::check::JobStates::new(&expected_jobs),
                };
                let rep = run_replication(&sc, r, tl, &mut results, &mut |now, _| {
                    if r == 0 {
                        bar.set_message(format!("simulated {}", crate::time::format_duration(now)));
                    }
                })?;
                // The statistics and the jobs.csv rows need nothing of each
                // other: side by side, when a thread of the pool is free (as
                // it is once the last replication runs).
                let RunResults {
                    tally,
                    rows,
                    table,
                    expected,
                } = results;
                let (stats, written) = rayon::join(
                    || replication_stats(tally, rep.stats, rep.events, rep.end),
                    || -> std::io::Result<()> {
                        let Some(rows) = rows else { return Ok(()) };
                        if r == 0 {
                            let mut file = jobs_csv.lock().expect("no poisoning");
                            let file = file.as_mut().expect("jobs.csv is wanted");
                            rows.finish(r, rep.end, &names, with_replication, |bytes| {
                                file.writer().write_all(bytes)
                            })
                        } else if let Some(spool) = row_spool {
                            rows.finish(r, rep.end, &names, with_replication, |bytes| {
                                spool.lock().expect("no poisoning").append(r, bytes)
                            })
                        } else {
                            Ok(())
                        }
                    },
                );
                written?;
                bar.inc(1);
                Ok(Finished {
                    expected: expected.found,
                    stop: rep.stop,
                    unfinished: table.unfinished,
                    stats,
                    events: rep.events,
                    end: rep.end,
                    table,
                    digest: rep.digest,
                    trace: rep.trace,
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
    if let Some((r, at)) = runs.iter().enumerate().find_map(|(r, f)| match f.stop {
        engine::Stop::Stalled { at } => Some((r, at)),
        _ => None,
    }) {
        eprintln!(
            "error: replication {r} stopped: more than {} events at t={} without the clock moving; nothing was written",
            engine::MAX_EVENTS_AT_ONE_INSTANT,
            crate::time::format_duration(at)
        );
        return EXIT_FAILURE;
    }
    // Without `until`, a run that reached the default horizon says so, with
    // the Jobs it left unfinished.
    let horizon_note = (sc.until.is_none() && runs.iter().any(|f| f.stop == engine::Stop::Horizon)).then(|| {
        let reps = if runs.len() > 1 {
            let stopped = runs.iter().filter(|f| f.stop == engine::Stop::Horizon).count();
            format!(" in {stopped} of {} replications; in replication 0,", runs.len())
        } else {
            String::new()
        };
        format!(
            "stopped at the default horizon, {} (30 days) of simulated time,{reps} with {} of {} Jobs still running or suspended; set spec.until or --until to choose the horizon",
            crate::time::format_duration(DEFAULT_HORIZON),
            runs[0].unfinished,
            runs[0].table.total,
        )
    });
    if let Some(note) = &horizon_note {
        eprintln!("warning: {note}");
    }
    if let Some(c) = runs[0].trace
        && let Some(at) = c.cutoff
    {
        eprintln!(
            "warning: trace.json stops following new Jobs and pods at t={}, past {} pod attempts or {} Jobs: it draws {} of {} pod attempts",
            crate::time::format_duration(at),
            crate::output::trace::MAX_POD_ATTEMPTS,
            crate::output::trace::MAX_JOBS,
            c.traced,
            c.attempts
        );
    }
    let (sample_spool, row_spool) = spools;
    let sample_spool = sample_spool.map(|s| {
        Arc::into_inner(s)
            .expect("replications are done")
            .into_inner()
            .expect("no poisoning")
    });
    let row_spool = row_spool.map(|s| s.into_inner().expect("no poisoning"));
    let stats: Vec<Stats> = runs.iter_mut().map(|r| std::mem::take(&mut r.stats)).collect();
    let summary = (wants(Output::Summary) || args.json).then(|| summary_json(&sc, &stats));
    let written = write_files(
        &sc,
        summary.as_ref().filter(|_| wants(Output::Summary)),
        sample_spool.as_ref(),
        jobs_csv.into_inner().expect("no poisoning"),
        row_spool.as_ref(),
        &mut timeline,
        &stage,
    );
    let mut wrote = match written {
        Ok(wrote) => wrote,
        Err(e) => {
            eprintln!("error: writing outputs to {}: {e}", out_dir.display());
            return EXIT_FAILURE;
        }
    };
    if wants(Output::Charts) {
        if let Err(e) = crate::output::charts::draw_all(&stage, args.png, runs[0].digest.take()) {
            eprintln!("error: drawing charts in {}: {e}", out_dir.display());
            return EXIT_FAILURE;
        }
        wrote.push(if args.png {
            "charts (SVG and PNG)"
        } else {
            "charts (SVG)"
        });
    }
    if wants(Output::Report) {
        let report = report_html(args, &sc, &stats, summary.as_ref(), &runs, &stage);
        match write_atomic(&stage, "report.html", report.as_bytes()) {
            Ok(_) => wrote.push("report.html"),
            Err(e) => {
                eprintln!("error: writing outputs to {}: {e}", out_dir.display());
                return EXIT_FAILURE;
            }
        }
    }
    if let Err(e) = staging.commit() {
        eprintln!("error: writing outputs to {}: {e}", out_dir.display());
        return EXIT_FAILURE;
    }
    let wall = started.elapsed().as_secs_f64();
    let events: u64 = runs.iter().map(|r| r.events).sum();
    if let Some(summary) = summary.filter(|_| args.json) {
        outln!("{}", serde_json::to_string_pretty(&summary).expect("json"));
        return EXIT_OK;
    }
    let first = &runs[0];
    let open = &first.table;
    if horizon_note.is_none() && sc.until.is_none() && open.open_count > 0 {
        eprintln!(
            "warning: {} of {} Jobs never finished: the run ran out of events at {}{}",
            open.open_count,
            open.total,
            crate::time::format_duration(first.end),
            if runs.len() > 1 { " (replication 0)" } else { "" }
        );
    }
    if !args.quiet && !args.silent {
        out!("{}", first.table.table(first.end, TABLE_ROWS));
        if let Some(note) = &horizon_note {
            outln!("Horizon reached: {note}.");
        }
        outln!();
        if open.open_count > 0 {
            outln!("Not finished at {}:", crate::time::format_duration(first.end));
            for (name, why) in &open.open {
                outln!("  {name}: {why}");
            }
            if open.open_count > open.open.len() {
                outln!("  … and {} more", open.open_count - open.open.len());
            }
            outln!();
        }
    }
    if args.silent {
        return EXIT_OK;
    }
    outln!("{}", summary_line(&sc, &stats[0], runs.len()));
    if !args.quiet {
        out!("{}", crate::output::summary::stats_table(&stats));
    }
    let rate = if wall > 0.0 { events as f64 / wall } else { 0.0 };
    outln!(
        "simulated {} in {wall:.2}s wall time, {events} events ({:.2} M events/s)",
        crate::time::format_duration(first.end),
        rate / 1e6
    );
    outln!("wrote {}/{}", out_dir.display(), list(&wrote));
    EXIT_OK
}

/// Writes the selected files other than the charts (in the order a full run
/// always wrote them) from what the replications left: `summary.json` when
/// given one, `timeseries.csv` and the bands from the spool of samples,
/// `jobs.csv` (replication 0's rows already in it) with the other
/// replications' rows from their spool; then commits the streamed files.
/// Returns the names of the files written, in the order the report lists them.
fn write_files(
    sc: &Scenario,
    summary: Option<&serde_json::Value>,
    samples: Option<&Spool>,
    jobs_csv: Option<PendingFile>,
    rows: Option<&Spool>,
    timeline: &mut Timeline,
    out_dir: &Path,
) -> std::io::Result<Vec<&'static str>> {
    let reps = sc.replications;
    let mut wrote = Vec::new();
    if timeline.events.is_some() {
        wrote.push("events.csv");
    }
    if let Some(mut file) = jobs_csv {
        if let Some(rows) = rows {
            for mut reader in rows.readers(reps).into_iter().skip(1) {
                std::io::copy(&mut reader, file.writer())?;
            }
        }
        file.commit()?;
        wrote.push("jobs.csv");
    }
    if timeline.jobs_yaml.is_some() {
        wrote.push("jobs.yaml");
    }
    if let Some(summary) = summary {
        let text = format!("{}\n", serde_json::to_string_pretty(summary).expect("json"));
        write_atomic(out_dir, "summary.json", text.as_bytes())?;
        wrote.push("summary.json");
    }
    if let Some(samples) = samples {
        write_streamed(out_dir, "timeseries.csv", |w| {
            write_csv_from(w, decode_samples(samples.reader(0), buffer_per_reader(1)))
        })?;
        wrote.push("timeseries.csv");
        if reps > 1 {
            write_streamed(out_dir, "timeseries-bands.csv", |w| {
                let each = buffer_per_reader(reps as usize);
                let streams = (samples.readers(reps).into_iter())
                    .map(|r| decode_samples(r, each))
                    .collect();
                write_bands_from(w, streams)
            })?;
            wrote.push("timeseries-bands.csv");
        }
    }
    if timeline.trace.is_some() {
        wrote.push("trace.json");
    }
    if timeline.decisions.is_some() {
        wrote.push("decisions.csv");
    }
    if let Some(f) = timeline.events.take() {
        f.commit()?;
    }
    if let Some(f) = timeline.trace.take() {
        f.commit()?;
    }
    if let Some(f) = timeline.decisions.take() {
        f.commit()?;
    }
    if let Some(f) = timeline.jobs_yaml.take() {
        f.commit()?;
    }
    Ok(wrote)
}

/// `report.html`: the scenario, replication 0's Jobs table, the summary, the
/// charts drawn into `stage` and the expectations, held to this run.
fn report_html(
    args: &RunArgs,
    sc: &Scenario,
    stats: &[Stats],
    summary: Option<&serde_json::Value>,
    runs: &[Finished],
    stage: &Path,
) -> String {
    let (label, source) = match args.scenario.as_deref() {
        Some(p) => (
            p.display().to_string(),
            std::fs::read_to_string(p).unwrap_or_else(|e| format!("# cannot read {}: {e}\n", p.display())),
        ),
        None => (
            "scenarios/quickstart.yaml (built in)".to_string(),
            scenario::QUICKSTART.to_string(),
        ),
    };
    let charts = crate::output::charts::CHARTS
        .iter()
        .filter_map(|c| {
            let svg = std::fs::read_to_string(stage.join(format!("{c}.svg"))).ok()?;
            Some((c.to_string(), svg))
        })
        .collect();
    let expectations = match summary {
        Some(summary) if !sc.expect.is_empty() => {
            let outcome = super::check::Outcome {
                summary: summary.clone(),
                jobs: runs.iter().map(|r| r.expected.clone()).collect(),
            };
            super::check::verdicts(sc, &outcome)
                .into_iter()
                .map(|v| (v.held, v.text))
                .collect()
        }
        _ => Vec::new(),
    };
    let first = &runs[0];
    let reps = runs.len();
    let run_line = format!(
        "seed {}, {reps} replication{}; replication 0 simulated {}",
        sc.seed,
        if reps == 1 { "" } else { "s" },
        crate::time::format_duration(first.end)
    );
    let summary_line = summary_line(sc, &stats[0], reps);
    let stats_table = crate::output::summary::stats_table(stats);
    let jobs_table = first.table.table(first.end, REPORT_JOBS);
    crate::output::report::render(&crate::output::report::Report {
        name: &sc.name,
        source_label: &label,
        source: &source,
        sets: args.set.iter().map(|s| format!("{}={}", s.path, s.text)).collect(),
        run_line,
        summary_line: &summary_line,
        stats_table: &stats_table,
        jobs_table: &jobs_table,
        summary,
        charts,
        expectations,
    })
}

/// How many Jobs `report.html`'s table lists (the terminal's lists 20).
const REPORT_JOBS: usize = 200;

/// How many unfinished Jobs the report names, with why.
const UNFINISHED_LISTED: usize = 10;

/// Rows of the terminal's `kubectl get jobs` table.
const TABLE_ROWS: usize = 20;

/// Where a replication's Job results go: the summary's tally, the `jobs.csv`
/// rows (when written), the tables of the terminal and `report.html`, and
/// the Jobs the expectations name.
struct RunResults<'a> {
    tally: JobTally,
    rows: Option<JobRows>,
    table: TableDigest,
    expected: super::check::JobStates<'a>,
}

impl ResultSink for RunResults<'_> {
    fn job(&mut self, r: JobResult) {
        self.tally.add(&r);
        self.expected.add(&r);
        if let Some(rows) = self.rows.as_mut() {
            rows.add(&r);
        }
        self.table.job(r);
    }
}

/// `a`, `a and b`, `a, b and c`.
fn list(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => one.to_string(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
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
    // Statistics of finished Jobs, "–" when none finished (summary.json leaves them out).
    let secs = |k: &str| s.get(k).map_or("–".to_string(), |v| format!("{v:.1}s"));
    line.push_str(&format!(
        "; {} pods created, {:.0} pod-seconds ({:.0} failed); turnaround (created → finished) p50 {}, p95 {}; makespan {}",
        get("pods.created"),
        get("pods.podSeconds"),
        get("pods.failedPodSeconds"),
        secs("turnaroundSeconds.p50"),
        secs("turnaroundSeconds.p95"),
        secs("makespanSeconds")
    ));
    if let Some(cost) = s.get("cluster.cost") {
        line.push_str(&format!("; cost {cost:.2}"));
        if let Some(idle) = s.get("cluster.idleCostShare") {
            line.push_str(&format!(" ({:.0}% idle)", idle * 100.0));
        }
    }
    if reps > 1 {
        line.push_str(&format!(
            " (replication 0 of {reps}; summary.json has means, 95% intervals and percentiles across them)"
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
