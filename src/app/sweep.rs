//! `jobsim sweep` and `jobsim merge`.

use super::stdout::outln;
use super::study::{Overrides, bad, progress_bar, thread_pool};
use super::{EXIT_FAILURE, EXIT_OK};
use crate::cli::{RunArgs, SweepArgs};
use crate::output::files::Staging;
use crate::output::sweep_charts::{self, COLUMNS, DEFAULT_CHARTS, SweepContext};
use crate::scenario::expect::{ExpectError, check_stat_path};
use crate::scenario::{Output, Outputs, Scenario};
use crate::study::grid::{Axis, grid};
use crate::study::sweep::{
    SHARD_KIND, Shard, ShardError, ShardFile, SweepPlan, by_point, point_dir, run_units, write_sweep,
};
use std::path::{Path, PathBuf};

/// Environment variables of a pod of an Indexed Job: its index, and (set by
/// the manifest in deploy/) the number of indexes.
const INDEX_ENV: &str = "JOB_COMPLETION_INDEX";
const COUNT_ENV: &str = "JOB_COMPLETION_COUNT";

/// Why a `--chart` is refused.
#[derive(Debug, thiserror::Error)]
enum ChartFlagError {
    #[error("--chart {0:?}: a statistic's name is letters, digits and dots (makespanSeconds, turnaroundSeconds.p95)")]
    Name(String),
    /// A column of sweep.csv (`stat`) rather than its statistic.
    #[error(
        "--chart {stat}: that is a column of sweep.csv; a chart draws the mean, its 95% CI and \
         the 5th-95th percentiles of a statistic together: give --chart {statistic}"
    )]
    Column { stat: String, statistic: String },
    #[error("--chart {stat}: {error}")]
    Stat { stat: String, error: ExpectError },
}

/// The statistics to chart (`--chart`, by default [`DEFAULT_CHARTS`]), each
/// checked against the statistics a summary has; a repeated one is charted once.
fn charts_of(given: &[String]) -> Result<Vec<String>, ChartFlagError> {
    if given.is_empty() {
        return Ok(DEFAULT_CHARTS.map(String::from).to_vec());
    }
    let mut out: Vec<String> = Vec::new();
    for stat in given {
        if stat.is_empty()
            || !stat
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
        {
            return Err(ChartFlagError::Name(stat.clone()));
        }
        match check_stat_path(stat) {
            Ok(None) => {}
            Ok(Some(warning)) => eprintln!("warning: --chart {stat}: {warning}"),
            Err(error) => {
                // A column of sweep.csv rather than a statistic: name the statistic.
                let column = COLUMNS.iter().find_map(|c| {
                    stat.strip_suffix(c)
                        .and_then(|s| s.strip_suffix('.'))
                        .filter(|s| check_stat_path(s).is_ok())
                });
                return Err(match column {
                    Some(s) => ChartFlagError::Column {
                        stat: stat.clone(),
                        statistic: s.to_string(),
                    },
                    None => ChartFlagError::Stat {
                        stat: stat.clone(),
                        error,
                    },
                });
            }
        }
        if !out.contains(stat) {
            out.push(stat.clone());
        }
    }
    Ok(out)
}

/// Why the shard to run could not be told.
#[derive(Debug, thiserror::Error)]
enum ShardOfError {
    #[error("--shard: {0}")]
    Flag(#[source] ShardError),
    #[error("{INDEX_ENV}={index}, {COUNT_ENV}={count}: {source}")]
    Env {
        index: String,
        count: String,
        source: ShardError,
    },
    #[error("{INDEX_ENV}={0} is set but {COUNT_ENV} is not: set it to the Job's completions, or give --shard K/N")]
    NoCount(String),
    #[error("{COUNT_ENV}={0} is set but {INDEX_ENV} is not; give --shard K/N")]
    NoIndex(String),
}

/// The shard to run: `--shard`, else the Indexed Job's environment, else all.
fn shard_of(flag: Option<&str>) -> Result<Shard, ShardOfError> {
    if let Some(text) = flag {
        return Shard::parse(text).map_err(ShardOfError::Flag);
    }
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    match (env(INDEX_ENV), env(COUNT_ENV)) {
        (None, None) => Ok(Shard::WHOLE),
        (Some(index), Some(count)) => {
            Shard::parse(&format!("{index}/{count}")).map_err(|source| ShardOfError::Env { index, count, source })
        }
        (Some(k), None) => Err(ShardOfError::NoCount(k)),
        (None, Some(n)) => Err(ShardOfError::NoIndex(n)),
    }
}

/// Every point's scenario, checked before anything runs, with the
/// overrides `plan` and `compare` apply the same way (`study.rs`).
fn load_points(args: &SweepArgs, axes: &[Axis]) -> Result<Vec<Scenario>, u8> {
    let points = grid(axes).map_err(bad)?;
    let overrides = Overrides::parse(args.seed, args.replications, args.until.as_deref())?;
    let mut out = Vec::with_capacity(points.len());
    for settings in &points {
        let at: Vec<String> = settings.iter().map(|s| s.given()).collect();
        let at = format!("at the point {}; nothing was simulated", at.join(", "));
        out.push(overrides.load(&args.scenario, settings, &at)?);
    }
    if out.iter().any(|p| p.replications != out[0].replications) {
        return Err(bad(
            "the points differ in spec.replications; a sweep runs the same replications at every point \
             (give --replications)",
        ));
    }
    Ok(out)
}

/// `jobsim sweep`.
pub fn sweep(args: &SweepArgs) -> u8 {
    let axes = match args.set.iter().map(|s| Axis::parse(s)).collect::<Result<Vec<_>, _>>() {
        Ok(a) => a,
        Err(e) => return bad(e.to_string()),
    };
    let shard = match shard_of(args.shard.as_deref()) {
        Ok(s) => s,
        Err(e) => return bad(e),
    };
    let outputs = args.outputs.unwrap_or(Outputs::only(Output::Summary));
    if shard != Shard::WHOLE && outputs != Outputs::only(Output::Summary) {
        return bad(format!(
            "--outputs {outputs}: a shard writes its runs' statistics only; run the points you want files of with run --set"
        ));
    }
    let charts = match charts_of(&args.charts) {
        Ok(c) => c,
        Err(e) => return bad(e),
    };
    if shard != Shard::WHOLE && (!args.charts.is_empty() || args.png) {
        return bad(format!(
            "{}: a shard draws no charts; give the same flags to merge, which draws them from the whole sweep",
            if args.charts.is_empty() { "--png" } else { "--chart" }
        ));
    }
    let points = match load_points(args, &axes) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("output").join(format!("{}-sweep", points[0].name)));
    let pool = match thread_pool(args.threads) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let plan = SweepPlan::new(&axes, &points);
    let range = shard.range(plan.units());
    let staging = match Staging::create(&out) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: cannot write to {}: {e}", out.display());
            return EXIT_FAILURE;
        }
    };
    let bar = if args.quiet {
        indicatif::ProgressBar::hidden()
    } else {
        progress_bar(range.len(), "(points × replications)".into())
    };
    let units = pool.install(|| run_units(&points, range.clone(), &|| bar.inc(1)));
    bar.finish_and_clear();
    let units = match units {
        Ok(u) => u,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_FAILURE;
        }
    };
    let stage = staging.dir().to_path_buf();
    if shard != Shard::WHOLE {
        let file = ShardFile {
            kind: SHARD_KIND.into(),
            plan,
            shard,
            units,
        };
        let name = shard.file_name();
        let json = serde_json::to_string(&file).expect("json");
        if let Err(e) = crate::output::files::write_atomic(&stage, &name, json.as_bytes()).and(staging.commit()) {
            eprintln!("error: writing {}: {e}", out.display());
            return EXIT_FAILURE;
        }
        outln!(
            "shard {} of {}: {} runs of {}; wrote {}",
            shard.index,
            shard.count,
            range.len(),
            file.plan.units(),
            out.join(name).display()
        );
        return EXIT_OK;
    }
    let per_point = by_point(&plan, units).expect("a whole sweep has every unit");
    let summaries_only = outputs == Outputs::only(Output::Summary);
    let charted = Charts {
        stats: &charts,
        png: args.png,
    };
    let code = finish(&out, staging, &plan, &per_point, summaries_only, args.quiet, charted);
    if code != EXIT_OK || summaries_only {
        return code;
    }
    // Files other than the summary: each point runs again through `run`,
    // with its replications, writing into its folder.
    for (i, settings) in grid(&axes).expect("checked").into_iter().enumerate() {
        let run_args = RunArgs {
            scenario: Some(args.scenario.clone()),
            seed: args.seed,
            replications: args.replications,
            threads: args.threads,
            out: Some(point_dir(&out, i)),
            until: args.until.clone(),
            quiet: true,
            png: args.png && outputs.contains(Output::Charts),
            outputs: Some(outputs),
            set: settings,
            silent: true,
            ..Default::default()
        };
        let code = super::run(&run_args);
        if code != EXIT_OK {
            return code;
        }
    }
    let names: Vec<&str> = outputs.iter().map(|o| o.name()).collect();
    outln!(
        "wrote {}/point-N/ for each of the {} points: {}",
        out.display(),
        plan.points.len(),
        names.join(", ")
    );
    EXIT_OK
}

/// The charts a whole sweep draws.
#[derive(Clone, Copy)]
struct Charts<'a> {
    stats: &'a [String],
    png: bool,
}

/// Writes a whole sweep's files through `staging` and reports them: sweep.csv,
/// the charts drawn from it, and with `summaries` each point's summary.json.
/// The charts of an earlier sweep in `out` that this one does not draw go.
fn finish(
    out: &Path,
    staging: Staging,
    plan: &SweepPlan,
    per_point: &[Vec<crate::output::summary::Stats>],
    summaries: bool,
    quiet: bool,
    charts: Charts,
) -> u8 {
    let stage = staging.dir().to_path_buf();
    if let Err(e) = write_sweep(&stage, plan, per_point, summaries) {
        eprintln!("error: writing {}: {e}", out.display());
        return EXIT_FAILURE;
    }
    let ctx = SweepContext {
        scenario: plan.points.first().map(|p| p.scenario.clone()).unwrap_or_default(),
        replications: plan.replications,
    };
    let drawn = match sweep_charts::draw(&stage, &ctx, charts.stats, charts.png) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("error: drawing the charts of {}: {e}", out.display());
            return EXIT_FAILURE;
        }
    };
    for stat in &drawn.absent {
        eprintln!(
            "warning: {}.svg is not drawn: no point has a value of {stat} (a statistic with no values, such \
             as the turnaround of a run where no Job finished, is left out of the summary)",
            sweep_charts::chart_stem(stat)
        );
    }
    let committed = replace_point_dirs(out).and_then(|()| staging.commit_owning(sweep_charts::is_chart_file));
    if let Err(e) = committed {
        eprintln!("error: writing {}: {e}", out.display());
        return EXIT_FAILURE;
    }
    if !quiet {
        outln!("{} points × {} replications", plan.points.len(), plan.replications);
    }
    let mut names = vec!["sweep.csv".to_string()];
    if summaries {
        names.push("point-N/summary.json".into());
    }
    names.extend(
        drawn
            .files
            .iter()
            .filter_map(|f| f.file_name().and_then(|n| n.to_str()).map(str::to_string)),
    );
    let last = names.pop().unwrap_or_default();
    let list = if names.is_empty() {
        last
    } else {
        format!("{} and {last}", names.join(", "))
    };
    outln!("wrote {}/{list}", out.display());
    EXIT_OK
}

/// Removes the `point-N` folders of an earlier sweep in `out`, which this
/// sweep's staged folders replace (or which it no longer has).
fn replace_point_dirs(out: &Path) -> std::io::Result<()> {
    for e in std::fs::read_dir(out)? {
        let e = e?;
        let is_point = e
            .file_name()
            .to_str()
            .and_then(|n| n.strip_prefix("point-"))
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
        if is_point && e.file_type()?.is_dir() {
            std::fs::remove_dir_all(e.path())?;
        }
    }
    Ok(())
}

/// `jobsim merge`: with the same `--chart` and `--png` as the whole sweep,
/// it writes the same files.
pub fn merge(dirs: &[PathBuf], out: &Path, charts: &[String], png: bool) -> u8 {
    let charts = match charts_of(charts) {
        Ok(c) => c,
        Err(e) => return bad(e),
    };
    let mut shards: Vec<(PathBuf, ShardFile)> = Vec::new();
    for dir in dirs {
        let entries = match std::fs::read_dir(dir) {
            Ok(e) => e,
            Err(e) => return bad(format!("{}: {e}", dir.display())),
        };
        let mut names: Vec<PathBuf> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with("sweep-shard-") && n.ends_with(".json"))
            })
            .collect();
        names.sort();
        if names.is_empty() {
            return bad(format!("{}: no sweep-shard-K-of-N.json file", dir.display()));
        }
        for path in names {
            let read = std::fs::read_to_string(&path).map_err(|e| e.to_string());
            let file = read.and_then(|t| serde_json::from_str::<ShardFile>(&t).map_err(|e| e.to_string()));
            match file {
                Ok(f) if f.kind == SHARD_KIND => shards.push((path, f)),
                Ok(_) => return bad(format!("{}: not a sweep shard", path.display())),
                Err(e) => return bad(format!("{}: not a sweep shard: {e}", path.display())),
            }
        }
    }
    let (first_path, first) = &shards[0];
    for (path, s) in &shards[1..] {
        if s.plan != first.plan || s.shard.count != first.shard.count {
            return bad(format!(
                "{} and {} are shards of different sweeps",
                first_path.display(),
                path.display()
            ));
        }
    }
    let mut seen = vec![None::<&Path>; first.shard.count as usize];
    for (path, s) in &shards {
        if let Some(other) = seen[s.shard.index as usize].replace(path) {
            return bad(format!(
                "shard {} of {} is given twice: {} and {}",
                s.shard.index,
                s.shard.count,
                other.display(),
                path.display()
            ));
        }
    }
    if let Some(k) = seen.iter().position(Option::is_none) {
        return bad(format!("shard {k} of {} is missing", first.shard.count));
    }
    let plan = first.plan.clone();
    let units = shards.into_iter().flat_map(|(_, s)| s.units).collect();
    let per_point = match by_point(&plan, units) {
        Ok(p) => p,
        Err(e) => return bad(e),
    };
    let staging = match Staging::create(out) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: cannot write to {}: {e}", out.display());
            return EXIT_FAILURE;
        }
    };
    finish(
        out,
        staging,
        &plan,
        &per_point,
        true,
        false,
        Charts { stats: &charts, png },
    )
}
