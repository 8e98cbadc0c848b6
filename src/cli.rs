//! Command-line definitions (clap derive) and nothing else.

use crate::calibrate::{FitKind, StartupFrom};
use crate::scenario::{Outputs, Setting};
use clap::{Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "jobsim",
    version,
    about = "Deterministic simulator of the Kubernetes batch/v1 Job controller"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Simulate a scenario (default: the built-in quick-start scenario).
    Run(RunArgs),
    /// Check scenario files and Job manifests (single documents, `---` streams, `kind: List`).
    Validate {
        /// Files to check, or folders whose *.yaml and *.yml files are checked (files of
        /// other objects, with no Job or scenario, are skipped).
        #[arg(required = true, value_name = "FILE_OR_DIR")]
        files: Vec<PathBuf>,
        /// Validate as this Kubernetes release does (1.27 to the newest supported).
        #[arg(long, value_name = "VERSION")]
        kubernetes_version: Option<String>,
    },
    /// Run scenarios and hold them to their spec.expect; writes no files. Exit 0 when every
    /// expectation holds, 1 when one does not, 2 when a scenario is invalid.
    Check {
        /// Scenario files, or folders whose *.yaml files are checked (other kinds are skipped).
        #[arg(required = true, value_name = "SCENARIO_OR_DIR")]
        paths: Vec<PathBuf>,
        /// How many replications run at once (default: all cores). Never changes any result.
        #[arg(long)]
        threads: Option<usize>,
    },
    /// Run a scenario at every point of a grid of --set values, with the same seeds at every
    /// point (common random numbers); writes sweep.csv, charts and each point's summary.
    Sweep(SweepArgs),
    /// The smallest value of a field (--vary PATH=LO..HI) for which a target on a statistic
    /// holds with confidence, found by bisection.
    ///
    /// Prints the answer and every value run, in order, with the statistic's mean and interval.
    /// Exit 0 with an answer, 1 when no value of the range meets the target, 2 on bad input.
    Plan(PlanArgs),
    /// Two variants of a scenario run on the same random numbers: per statistic, the mean
    /// difference B − A and its paired interval.
    ///
    /// A and B are two files, or one with --set-a/--set-b. Replication r of A pairs with
    /// replication r of B (the same seeds); the report says how much narrower the paired
    /// interval is than that of independent runs.
    Compare(CompareArgs),
    /// Combine the shards of a sweep (sweep --shard) into the files the whole sweep writes.
    Merge {
        /// Folders holding sweep-shard-K-of-N.json files.
        #[arg(required = true)]
        dirs: Vec<PathBuf>,
        /// Output folder.
        #[arg(long, required = true)]
        out: PathBuf,
        /// Statistics to chart, as for sweep --chart.
        #[arg(long = "chart", value_name = "STAT")]
        charts: Vec<String>,
        /// Also write the charts as PNG.
        #[arg(long)]
        png: bool,
    },
    /// Redraw the charts of an output folder from its files alone (report.html is left as the run wrote it).
    Plot {
        /// The output folder of a run.
        dir: PathBuf,
        /// Also write PNG files.
        #[arg(long)]
        png: bool,
    },
    /// Fit pod behaviour to finished Jobs of a real cluster and print it as a scenario.
    ///
    /// FILE is the output of `kubectl get pods -o json` for the Jobs' pods, and of
    /// `kubectl get jobs -o json` for their manifests (optional: without it, each Job is
    /// rebuilt from its pods). Fits start-up, run times and failures (exit codes, with
    /// their run times) per Job, or per value of a label with --by; see docs/calibrate.md.
    Calibrate(CalibrateArgs),
    /// A Job's life as the controller saw it, in sentences with the simulated times: why no
    /// pod was created at each gap, why each pod ended, and the rule that ended the Job.
    ///
    /// Reads the run folder's events.csv and decisions.csv (replication 0). Exit 2 when the
    /// folder lacks them or has no such Job.
    Explain {
        /// The output folder of a run.
        dir: PathBuf,
        /// The Job's name, or NAMESPACE/NAME.
        job: String,
    },
    /// Run the Kubernetes test vectors against the controller core.
    Conformance {
        /// Vector files or folders (default: the vectors shipped in tests/conformance/).
        paths: Vec<PathBuf>,
        /// Also list the skipped cases.
        #[arg(long)]
        verbose: bool,
    },
}

#[derive(clap::Args, Debug, Clone, Default)]
pub struct RunArgs {
    /// Scenario file (default: the built-in quick-start scenario, scenarios/quickstart.yaml).
    pub scenario: Option<PathBuf>,
    /// Override the scenario's seed.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Override the number of replications.
    #[arg(long)]
    pub replications: Option<u32>,
    /// How many replications run at once (default: all cores). Never changes any output.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Output folder (default: output/<scenario name>/).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Override the horizon, as a Go duration (e.g. 48h).
    #[arg(long, value_name = "DURATION")]
    pub until: Option<String>,
    /// Print only the summary line and the files written.
    #[arg(long)]
    pub quiet: bool,
    /// Print the summary as JSON on stdout instead of the report.
    #[arg(long)]
    pub json: bool,
    /// Also write the charts as PNG (SVG is always written).
    #[arg(long)]
    pub png: bool,
    /// Sampling step of timeseries.csv, as a Go duration; 0 samples at every change
    /// (default: 1s, doubled as often as it takes to keep at most 10,000 samples).
    #[arg(long, value_name = "DURATION")]
    pub step: Option<String>,
    /// The files to write, comma-separated: events, jobs, jobs-yaml, summary, timeseries, charts
    /// (with jobs, timeseries and summary, which they are drawn from), trace, decisions, report
    /// (report.html, with the charts) or all. Overrides the scenario's spec.outputs; default: all.
    #[arg(long, value_name = "LIST", value_parser = Outputs::parse)]
    pub outputs: Option<Outputs>,
    /// Change a field of the scenario, checked as if it were in the file: PATH is a dotted
    /// path from spec (spec.cluster.nodePools[0].count, spec.workloads[etl].job.spec.parallelism:
    /// list items by index or name), VALUE is read as YAML. Repeatable.
    #[arg(long = "set", value_name = "PATH=VALUE", value_parser = setting)]
    pub set: Vec<Setting>,
    /// Prints nothing on success (a sweep writing a point's files).
    #[arg(skip)]
    pub silent: bool,
}

#[derive(clap::Args, Debug, Clone)]
pub struct CalibrateArgs {
    /// JSON (or YAML) Lists: kubectl get pods -o json, kubectl get jobs -o json, or both in one.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// One workload per value of this pod label (default: one per Job name).
    #[arg(long, value_name = "LABEL")]
    pub by: Option<String>,
    /// How durations are fitted: the observed values (empirical) or a log-normal by
    /// maximum likelihood.
    #[arg(long, value_enum, default_value_t = FitKind::Empirical)]
    pub fit: FitKind,
    /// Where pods' start-up begins: at PodScheduled (creation to PodScheduled becomes the
    /// cluster's scheduling latency, one for every workload), or at creation (each workload's
    /// start-up includes its wait for the scheduler; no scheduling latency).
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = StartupFrom::Scheduled)]
    pub startup_from: StartupFrom,
    /// Write the scenario to this file instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// The scenario's metadata.name (names a run's output folder): a DNS subdomain.
    #[arg(long, default_value = "calibrated", value_parser = object_name)]
    pub name: String,
}

#[derive(clap::Args, Debug, Clone, Default)]
pub struct SweepArgs {
    /// Scenario file.
    pub scenario: PathBuf,
    /// A swept field: PATH=VALUES, where VALUES is a list (4,6,8) or an inclusive range of
    /// whole numbers (4..12, 4..12:2); PATH as for run --set. Several make a grid; a single
    /// value just sets the field at every point.
    #[arg(long = "set", value_name = "PATH=VALUES", required = true)]
    pub set: Vec<String>,
    /// Override the scenario's seed (every point uses the same seeds).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Override the number of replications per point.
    #[arg(long)]
    pub replications: Option<u32>,
    /// Override the horizon, as a Go duration (e.g. 48h).
    #[arg(long, value_name = "DURATION")]
    pub until: Option<String>,
    /// How many runs go at once (default: all cores). Never changes any output.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Output folder (default: output/<scenario name>-sweep/).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// The files each point writes in point-N/ (as run --outputs); default: summary.
    #[arg(long, value_name = "LIST", value_parser = Outputs::parse)]
    pub outputs: Option<Outputs>,
    /// Run only the K-th of N equal slices of the (point, replication) runs, K from 0, and
    /// write them for merge (default: JOB_COMPLETION_INDEX of JOB_COMPLETION_COUNT when set).
    #[arg(long, value_name = "K/N")]
    pub shard: Option<String>,
    /// A statistic to chart against the first swept field (repeatable; default:
    /// makespanSeconds and turnaroundSeconds.p95).
    #[arg(long = "chart", value_name = "STAT")]
    pub charts: Vec<String>,
    /// Also write the charts as PNG.
    #[arg(long)]
    pub png: bool,
    /// Print only the files written.
    #[arg(long)]
    pub quiet: bool,
}

#[derive(clap::Args, Debug, Clone, Default)]
pub struct PlanArgs {
    /// Scenario file.
    pub scenario: PathBuf,
    /// The field to vary: PATH=LO..HI, an inclusive range of whole numbers; PATH as for
    /// run --set (spec.cluster.nodePools[0].count=4..12).
    #[arg(long, value_name = "PATH=LO..HI", required = true)]
    pub vary: String,
    /// What must hold: 'STAT <= VALUE' or 'STAT >= VALUE'. STAT is a statistic of summary.json
    /// (makespanSeconds, turnaroundSeconds.p95, jobs.byStatus.Complete); VALUE a number or a
    /// Go duration (2h, compared in seconds). It holds when the bound of the mean's confidence
    /// interval on the unfavourable side meets VALUE (for <=, the upper bound).
    #[arg(long, value_name = "'STAT <= VALUE'", required = true, allow_hyphen_values = true)]
    pub target: String,
    /// The level of the confidence interval (Student's t).
    #[arg(long, value_name = "LEVEL", default_value_t = 0.95)]
    pub confidence: f64,
    /// Change a field at every point, as run --set does. Repeatable.
    #[arg(long = "set", value_name = "PATH=VALUE", value_parser = setting)]
    pub set: Vec<Setting>,
    /// Override the scenario's seed (every point uses the same seeds).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Override the number of replications per point (at least 2).
    #[arg(long)]
    pub replications: Option<u32>,
    /// Override the horizon, as a Go duration (e.g. 48h).
    #[arg(long, value_name = "DURATION")]
    pub until: Option<String>,
    /// How many runs go at once (default: all cores). Never changes any result.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Print the answer and the evidence as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(clap::Args, Debug, Clone, Default)]
pub struct CompareArgs {
    /// Scenario A.
    pub a: PathBuf,
    /// Scenario B (default: A again, changed by --set-b).
    pub b: Option<PathBuf>,
    /// Change a field of A, as run --set does. Repeatable.
    #[arg(long = "set-a", value_name = "PATH=VALUE", value_parser = setting)]
    pub set_a: Vec<Setting>,
    /// Change a field of B, as run --set does. Repeatable.
    #[arg(long = "set-b", value_name = "PATH=VALUE", value_parser = setting)]
    pub set_b: Vec<Setting>,
    /// Change a field of both, before --set-a and --set-b. Repeatable.
    #[arg(long = "set", value_name = "PATH=VALUE", value_parser = setting)]
    pub set: Vec<Setting>,
    /// The level of the confidence intervals (Student's t).
    #[arg(long, value_name = "LEVEL", default_value_t = 0.95)]
    pub confidence: f64,
    /// The seed of both (needed when A and B have different seeds).
    #[arg(long)]
    pub seed: Option<u64>,
    /// The replications of both (needed when A and B have different counts; at least 2).
    #[arg(long)]
    pub replications: Option<u32>,
    /// Override the horizon of both, as a Go duration (e.g. 48h).
    #[arg(long, value_name = "DURATION")]
    pub until: Option<String>,
    /// How many runs go at once (default: all cores). Never changes any result.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Print every statistic as JSON: A's and B's means, the paired difference and its
    /// interval, the independent interval and the narrowing.
    #[arg(long)]
    pub json: bool,
}

/// A name the API server would accept for an object.
fn object_name(given: &str) -> Result<String, String> {
    match crate::api::validation::is_dns1123_subdomain(given).first() {
        None => Ok(given.to_string()),
        Some(m) => Err(m.clone()),
    }
}

fn setting(given: &str) -> Result<Setting, crate::scenario::SetReason> {
    crate::scenario::parse_setting(given).map_err(|e| e.reason)
}
