//! `jobsim check`: runs scenarios and holds them to their `spec.expect`.
//!
//! Nothing is written: each replication runs with no output file, and the
//! statistics are those `summary.json` would hold (rounded as it rounds them).

use super::stdout::outln;
use super::{EXIT_BAD_INPUT, EXIT_FAILURE, EXIT_OK};
use crate::manifest;
use crate::output::summary::{JobTally, Stats, replication_stats, summary_json};
use crate::record::{JobResult, ResultSink};
use crate::scenario::{self, Bound, Expectation, Scenario};
use crate::study::{Timeline, run_replication};
use rayon::prelude::*;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// The final state of one Job in one replication: status and reason, or
/// `None` when the Job was never created.
pub type JobState = Option<(&'static str, String)>;

/// A replication's tally, and the outcome of the Jobs the expectations name.
struct NamedJobs<'a> {
    tally: JobTally,
    states: JobStates<'a>,
}

impl ResultSink for NamedJobs<'_> {
    fn job(&mut self, r: JobResult) {
        self.states.add(&r);
        self.tally.add(&r);
    }
}

/// What the replications of a scenario produced, for its expectations.
pub struct Outcome {
    /// summary.json's statistics.
    pub summary: Value,
    /// Per replication, the final state of each Job that an expectation names
    /// (in the order of `Scenario::expect`'s Job expectations).
    pub jobs: Vec<Vec<JobState>>,
}

/// One expectation, held or not, and the line that says so.
pub struct Verdict {
    pub held: bool,
    pub line: String,
    /// The line without its indent and verdict.
    pub text: String,
}

/// The Jobs an expectation names, in the order of `Scenario::expect`'s Job expectations.
pub fn expected_jobs(sc: &Scenario) -> Vec<&str> {
    sc.expect
        .iter()
        .filter_map(|e| match e {
            Expectation::Job { name, .. } => Some(name.as_str()),
            Expectation::Stat { .. } => None,
        })
        .collect()
}

/// The final state of each Job named (`None`: never created), gathered from
/// one replication's results as they come.
pub struct JobStates<'a> {
    names: &'a [&'a str],
    pub found: Vec<JobState>,
}

impl<'a> JobStates<'a> {
    pub fn new(names: &'a [&'a str]) -> Self {
        JobStates {
            names,
            found: vec![None; names.len()],
        }
    }

    pub fn add(&mut self, r: &JobResult) {
        for (name, found) in self.names.iter().zip(&mut self.found) {
            if *name == r.name {
                *found = Some((r.status, r.reason.clone()));
            }
        }
    }
}

/// Runs every replication of `sc` with no outputs and keeps what the
/// expectations need.
pub fn simulate(sc: &Scenario, pool: &rayon::ThreadPool) -> std::io::Result<Outcome> {
    let names = expected_jobs(sc);
    let reps: Vec<u32> = (0..sc.replications).collect();
    let runs: Vec<std::io::Result<(Stats, Vec<JobState>)>> = pool.install(|| {
        reps.par_iter()
            .map(|&r| {
                let mut sink = NamedJobs {
                    tally: JobTally::default(),
                    states: JobStates::new(&names),
                };
                let rep = run_replication(sc, r, &mut Timeline::none(), &mut sink, &mut |_, _| {})?;
                Ok((
                    replication_stats(sink.tally, rep.stats, rep.events, rep.end),
                    sink.states.found,
                ))
            })
            .collect()
    });
    let mut stats = Vec::with_capacity(runs.len());
    let mut jobs = Vec::with_capacity(runs.len());
    for run in runs {
        let (s, j) = run?;
        stats.push(s);
        jobs.push(j);
    }
    Ok(Outcome {
        summary: summary_json(sc, &stats),
        jobs,
    })
}

/// A bound as written, with its value in seconds when it was a duration.
fn bound(label: &str, b: &Bound) -> String {
    if b.text.parse::<f64>().is_ok() || b.text == format!("{}s", b.value) {
        format!("{label} {}", b.text)
    } else {
        format!("{label} {} ({}s)", b.text, b.value)
    }
}

fn bounds(min: Option<&Bound>, max: Option<&Bound>) -> String {
    let parts: Vec<String> = [min.map(|b| bound("min", b)), max.map(|b| bound("max", b))]
        .into_iter()
        .flatten()
        .collect();
    parts.join(", ")
}

/// The value of a statistic as summary.json has it: a number, or with
/// replications its mean. Counts missing from every replication are 0.
fn stat_value(summary: &Value, path: &str) -> Option<f64> {
    let pointer = format!("/{}", path.replace('.', "/"));
    match summary.pointer(&pointer) {
        Some(Value::Object(o)) => o.get("mean").and_then(Value::as_f64),
        Some(v) => v.as_f64(),
        None if path.starts_with("jobs.") || path.ends_with(".count") => Some(0.0),
        None => None,
    }
}

fn state(s: &JobState) -> String {
    match s {
        None => "never created".into(),
        Some((status, reason)) if reason.is_empty() => status.to_string(),
        Some((status, reason)) => format!("{status}, {reason}"),
    }
}

/// Holds each expectation of `sc` against what its replications produced.
pub fn verdicts(sc: &Scenario, outcome: &Outcome) -> Vec<Verdict> {
    let reps = outcome.jobs.len();
    let mut job_slot = 0;
    let mut out = Vec::new();
    for e in &sc.expect {
        let (held, text) = match e {
            Expectation::Stat { stat, min, max } => {
                let range = bounds(min.as_ref(), max.as_ref());
                match stat_value(&outcome.summary, stat) {
                    Some(v) => {
                        let held =
                            min.as_ref().is_none_or(|b| v >= b.value) && max.as_ref().is_none_or(|b| v <= b.value);
                        let of = if reps > 1 {
                            format!(", mean of {reps} replications")
                        } else {
                            String::new()
                        };
                        (held, format!("{stat} = {}{of} ({range})", fmt_num(v)))
                    }
                    None => {
                        let why = if stat.starts_with("cluster.") {
                            "only reported for a cluster with node pools"
                        } else if stat.starts_with("jobDurationSeconds.") {
                            "kubectl's DURATION of Complete Jobs, and no Job completed"
                        } else {
                            "the run had no value for it: summary.json leaves it out"
                        };
                        (false, format!("{stat}: not reported ({why}) ({range})"))
                    }
                }
            }
            Expectation::Job { name, status, reason } => {
                let slot = job_slot;
                job_slot += 1;
                let matches = |s: &JobState| {
                    s.as_ref()
                        .is_some_and(|(st, r)| *st == status.as_str() && reason.as_ref().is_none_or(|want| want == r))
                };
                let states: Vec<&JobState> = outcome.jobs.iter().map(|j| &j[slot]).collect();
                let n = states.iter().filter(|s| matches(s)).count();
                let want = match reason {
                    Some(r) => format!("{status}, {r}"),
                    None => status.clone(),
                };
                let held = n == reps;
                let text = if reps == 1 {
                    if held {
                        format!("job {name}: {}", state(states[0]))
                    } else {
                        format!("job {name}: {} (expected {want})", state(states[0]))
                    }
                } else if held {
                    format!("job {name}: {want} in {n} of {reps} replications")
                } else {
                    let (first, other) = states
                        .iter()
                        .enumerate()
                        .find(|(_, s)| !matches(s))
                        .expect("one does not match");
                    format!(
                        "job {name}: {want} in {n} of {reps} replications (replication {first}: {})",
                        state(other)
                    )
                };
                (held, text)
            }
        };
        out.push(Verdict {
            held,
            line: format!("  {:<10}{text}", if held { "held" } else { "NOT HELD" }),
            text,
        });
    }
    out
}

/// A number as summary.json prints it (three decimals at most).
fn fmt_num(v: f64) -> String {
    let r = (v * 1000.0).round() / 1000.0;
    if r == r.trunc() && r.abs() < 1e15 {
        format!("{}", r as i64)
    } else {
        format!("{r}")
    }
}

/// What a file that is not a scenario is, as `check` names it.
#[derive(Debug, thiserror::Error)]
enum NotScenario {
    #[error("kind {0}")]
    Kind(String),
    #[error("no kind")]
    NoKind,
}

/// Whether a file is meant as a scenario: `kind: Scenario`, an `apiVersion` of
/// jobsim's, or text that does not parse (loading it then says why).
fn scenario_kind(path: &Path) -> Result<(), NotScenario> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(_) => return Ok(()),
    };
    let Ok(docs) = manifest::parse_documents("", &text) else {
        return Ok(());
    };
    let Some(doc) = docs.first() else {
        return Ok(());
    };
    let is_jobsim = doc["apiVersion"].as_str().is_some_and(|v| v.starts_with("jobsim/"));
    if doc["kind"] == "Scenario" || is_jobsim {
        return Ok(());
    }
    Err(match doc["kind"].as_str() {
        Some(kind) => NotScenario::Kind(kind.to_string()),
        None => NotScenario::NoKind,
    })
}

/// Why the files to check cannot be listed.
#[derive(Debug, thiserror::Error)]
enum FilesError {
    #[error("{path}: {error}")]
    Folder { path: PathBuf, error: std::io::Error },
    #[error("{0}: no such file or folder")]
    Missing(PathBuf),
}

/// The files to check: files as given, and every `*.yaml` or `*.yml` of a
/// folder (not its subfolders), sorted. `true`: from a folder.
fn files(paths: &[PathBuf]) -> Result<Vec<(PathBuf, bool)>, FilesError> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let found = super::yaml_files(p).map_err(|error| FilesError::Folder { path: p.clone(), error })?;
            out.extend(found.into_iter().map(|f| (f, true)));
        } else if p.exists() {
            out.push((p.clone(), false));
        } else {
            return Err(FilesError::Missing(p.clone()));
        }
    }
    Ok(out)
}

/// `jobsim check`.
pub fn check(paths: &[PathBuf], threads: Option<usize>) -> u8 {
    if threads == Some(0) {
        eprintln!("error: --threads must be at least 1");
        return EXIT_BAD_INPUT;
    }
    if let Some(n) = threads.filter(|n| *n > scenario::limits::THREADS) {
        eprintln!(
            "error: --threads: Invalid value: {n}: must be no more than {}",
            scenario::limits::THREADS
        );
        return EXIT_BAD_INPUT;
    }
    let files = match files(paths) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_BAD_INPUT;
        }
    };
    let threads = threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let pool = match rayon::ThreadPoolBuilder::new().num_threads(threads).build() {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: cannot start {threads} threads: {e}");
            return EXIT_FAILURE;
        }
    };
    let (mut held, mut not_held, mut invalid, mut without, mut failed_runs) = (0, 0, 0, 0, 0);
    for (path, from_dir) in &files {
        let name = path.display();
        if let Err(what) = scenario_kind(path) {
            if *from_dir {
                outln!("{name}: skipped: not a scenario ({what})");
            } else {
                eprintln!("{name}: not a scenario ({what}): give a file with kind: Scenario");
                invalid += 1;
            }
            continue;
        }
        let sc = match scenario::load(path) {
            Ok(sc) => sc,
            Err(diags) => {
                for d in &diags {
                    eprintln!("{d}");
                }
                let errors = diags.iter().filter(|d| !d.warning).count();
                outln!(
                    "{name}: invalid scenario ({errors} error{}); not run",
                    if errors == 1 { "" } else { "s" }
                );
                invalid += 1;
                continue;
            }
        };
        if sc.expect.is_empty() {
            outln!("{name}: no expectations (spec.expect); not run");
            without += 1;
            continue;
        }
        let outcome = match simulate(&sc, &pool) {
            Ok(o) => o,
            Err(e) => {
                eprintln!("{name}: error: the run failed: {e}");
                failed_runs += 1;
                continue;
            }
        };
        let verdicts = verdicts(&sc, &outcome);
        for v in &verdicts {
            outln!("{}", v.line);
        }
        let bad = verdicts.iter().filter(|v| !v.held).count();
        let n = verdicts.len();
        let reps = if sc.replications > 1 {
            format!(" over {} replications", sc.replications)
        } else {
            String::new()
        };
        if bad == 0 {
            outln!("{name}: {n} expectation{} held{reps}", if n == 1 { "" } else { "s" });
            held += 1;
        } else {
            outln!("{name}: {bad} of {n} expectations NOT HELD{reps}");
            not_held += 1;
        }
    }
    let total = held + not_held + invalid + without + failed_runs;
    if total == 0 {
        eprintln!("error: no scenario found in {}", list_paths(paths));
        return EXIT_BAD_INPUT;
    }
    let mut parts = vec![format!("{held} held"), format!("{not_held} not held")];
    if invalid > 0 {
        parts.push(format!("{invalid} invalid"));
    }
    if without > 0 {
        parts.push(format!("{without} without expectations"));
    }
    if failed_runs > 0 {
        parts.push(format!("{failed_runs} failed to run"));
    }
    outln!(
        "checked {total} scenario{}: {}",
        if total == 1 { "" } else { "s" },
        parts.join(", ")
    );
    if invalid > 0 {
        EXIT_BAD_INPUT
    } else if not_held > 0 || failed_runs > 0 {
        EXIT_FAILURE
    } else {
        EXIT_OK
    }
}

fn list_paths(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::expect::check_stat_path;

    /// Every statistic a run produces is one `spec.expect` accepts, so the
    /// list of known statistics cannot fall behind summary.json.
    #[test]
    fn every_statistic_of_a_run_can_be_expected() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
        let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
        for name in [
            "quickstart.yaml",
            "nodes-and-scheduling.yaml",
            "node-drain.yaml",
            "gpu-pool.yaml",
        ] {
            let sc = scenario::load(&dir.join(name)).expect("valid");
            let outcome = simulate(&sc, &pool).expect("runs");
            let mut leaves = Vec::new();
            fn walk(v: &Value, path: String, out: &mut Vec<String>) {
                match v {
                    Value::Object(o) => {
                        for (k, v) in o {
                            walk(
                                v,
                                if path.is_empty() {
                                    k.clone()
                                } else {
                                    format!("{path}.{k}")
                                },
                                out,
                            );
                        }
                    }
                    _ => out.push(path),
                }
            }
            walk(&outcome.summary, String::new(), &mut leaves);
            let stats: Vec<&String> = leaves
                .iter()
                .filter(|p| !["scenario", "seed", "replications", "kubernetesVersion"].contains(&p.as_str()))
                .collect();
            assert!(stats.len() > 30, "{stats:?}");
            for s in stats {
                assert_eq!(check_stat_path(s).map(|_| ()), Ok(()), "{name}: {s}");
                assert!(stat_value(&outcome.summary, s).is_some(), "{s}");
            }
        }
    }
}
