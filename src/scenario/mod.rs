//! Scenarios: the cluster, the control plane, workloads (real Job manifests
//! plus how their pods behave) and scripted actions. `schema.rs` is the file
//! format, `resolve.rs` checks it and builds this model.

pub mod expect;
pub mod outputs;
mod resolve;
pub mod schema;
pub mod set;

pub use expect::{Bound, Expectation};
pub use outputs::{Output, Outputs};
pub use resolve::{load, load_str, load_str_with, load_with};
pub use set::{SetError, SetReason, Setting, parse_setting};

use crate::api::scheduling::Taint;
use crate::api::{Job, Time};
use crate::controller::Profile;
use crate::controller::intervals::OrderedIntervals;
use crate::dist::Dist;
use crate::time::{SimDuration, SimTime};
use std::collections::BTreeMap;

/// Limits that keep a run within memory and time, far above what capacity
/// planning needs (README and docs/scenario.md state them). Each is checked
/// where it is set, and a message names the field and the limit.
pub mod limits {
    /// Jobs of one workload (`count`), and of all workloads together: 100,000
    /// Jobs created at t=0 take about 750 MB.
    pub const JOBS: u64 = 100_000;
    /// The pods a scenario's Jobs need to succeed once each, summed over its
    /// workloads: `count` × `completions` (or × `parallelism` without
    /// completions). Retries are not counted: the default horizon bounds them.
    pub const PODS: u64 = 10_000_000;
    /// Independent runs (`spec.replications`, `--replications`).
    pub const REPLICATIONS: u64 = 10_000;
    /// Nodes of one pool at t=0 (`count`).
    pub const NODES_PER_POOL: u64 = 100_000;
    /// Threads of one run (`--threads`); more than the cores only adds switching.
    pub const THREADS: usize = 256;
    /// The pods a scenario's Jobs may need for `trace.json` to be among the
    /// default outputs: a trace of more is more than a viewer shows at once.
    pub const TRACE_PODS: u64 = 10_000;
    /// The size of an `empirical: {file: ...}`.
    pub const EMPIRICAL_FILE_BYTES: u64 = 4 << 20;
    /// The values of an `empirical: {file: ...}` (its lines).
    pub const EMPIRICAL_VALUES: usize = 100_000;
}

/// The built-in quick-start scenario (`scenarios/quickstart.yaml`).
pub const QUICKSTART: &str = include_str!("../../scenarios/quickstart.yaml");

/// Whether a YAML document is meant as a scenario rather than a Kubernetes
/// object: a jobsim `apiVersion`, `kind: Scenario` (or a misspelling of it), or,
/// with neither, a `spec.workloads`. `validate` reads such a document with the
/// scenario loader, as `run` does, so that both give the same verdict.
pub fn is_scenario(doc: &serde_json::Value) -> bool {
    if !doc.is_object() {
        return true;
    }
    let api_version = doc["apiVersion"].as_str();
    let kind = doc["kind"].as_str();
    api_version.is_some_and(|v| v.starts_with("jobsim"))
        || kind.is_some_and(|k| k == "Scenario" || crate::suggest::did_you_mean(k, &["Scenario"]).is_some())
        || (api_version.is_none() && kind.is_none() && !doc["spec"]["workloads"].is_null())
}

/// A checked scenario, ready to simulate.
#[derive(Clone, Debug)]
pub struct Scenario {
    pub name: String,
    pub seed: u64,
    pub replications: u32,
    /// Horizon; `None` runs until every Job is finished (and deleted, with a TTL).
    pub until: Option<SimTime>,
    /// Wall-clock time of t=0, for timestamps in outputs.
    pub epoch: Time,
    pub profile: Profile,
    pub control_plane: ControlPlane,
    pub cluster: Cluster,
    pub workloads: Vec<Workload>,
    pub actions: Vec<Action>,
    /// The files a run writes (`spec.outputs`; `--outputs` overrides it).
    pub outputs: Outputs,
    /// What the run must show (`spec.expect`), held by `jobsim check`.
    pub expect: Vec<Expectation>,
}

/// Where a run without `until` stops: 30 days of simulated time, far past any
/// batch that ends, and a bound on one that never does (a Job retrying
/// without end, `apiErrorRate: 1`). README states it.
pub const DEFAULT_HORIZON: SimTime = 30 * 24 * 3600 * 1000;

impl Scenario {
    /// Where the run stops at the latest: `until`, or [`DEFAULT_HORIZON`].
    pub fn horizon(&self) -> SimTime {
        self.until.unwrap_or(DEFAULT_HORIZON)
    }
}

/// kube-controller-manager settings that shape the Job controller.
#[derive(Clone, Debug)]
pub struct ControlPlane {
    pub kube_api_qps: f64,
    pub kube_api_burst: u32,
    pub concurrent_job_syncs: u32,
    pub concurrent_ttl_syncs: u32,
    pub api_latency: Dist,
    pub informer_delay: Dist,
    pub api_error_rate: f64,
}

#[derive(Clone, Debug, Default)]
pub struct Cluster {
    /// Empty: unlimited room.
    pub pools: Vec<NodePool>,
    pub scheduling_latency: Dist,
    pub placement: Placement,
    pub node_losses: Vec<NodeLoss>,
    /// Set when some pool has `autoscaling`.
    pub autoscaler: Option<Autoscaler>,
    /// `scheduling.k8s.io/v1` PriorityClasses, in the order given.
    pub priority_classes: Vec<PriorityClass>,
}

/// A `scheduling.k8s.io/v1` PriorityClass.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PriorityClass {
    pub name: String,
    pub value: i32,
    pub global_default: bool,
    /// `preemptionPolicy: PreemptLowerPriority` (the default); `Never`: false.
    pub preempts: bool,
}

impl PriorityClass {
    /// `HighestUserDefinablePriority`: user classes go up to a billion.
    pub const HIGHEST_USER_DEFINABLE: i64 = 1_000_000_000;
    /// The classes every cluster has (`SystemPriorityClasses`).
    pub fn system() -> [PriorityClass; 2] {
        [
            PriorityClass {
                name: "system-node-critical".into(),
                value: 2_000_001_000,
                global_default: false,
                preempts: true,
            },
            PriorityClass {
                name: "system-cluster-critical".into(),
                value: 2_000_000_000,
                global_default: false,
                preempts: true,
            },
        ]
    }
}

/// The cluster autoscaler's settings (cluster-autoscaler's flags).
#[derive(Clone, Debug)]
pub struct Autoscaler {
    /// `--scan-interval`, in ms.
    pub scan_interval: SimDuration,
    /// From the scale-up decision to the node joining the cluster.
    pub provisioning: Dist,
    /// `--scale-down-unneeded-time`, in ms.
    pub unneeded_time: SimDuration,
    /// `--scale-down-delay-after-add`, in ms.
    pub delay_after_add: SimDuration,
    /// `--scale-down-utilization-threshold`: a node whose pods request less
    /// than this share of it (and fit elsewhere) is unneeded.
    pub utilization_threshold: f64,
}

impl Autoscaler {
    /// cluster-autoscaler's defaults: scan every 10 s, a node unneeded for
    /// 10 min is removed, no scale-down within 10 min of a scale-up; nodes
    /// are ready 1 min after the decision.
    pub const DEFAULT_SCAN_INTERVAL: SimDuration = 10_000;
    pub const DEFAULT_PROVISIONING: SimDuration = 60_000;
    pub const DEFAULT_UNNEEDED_TIME: SimDuration = 600_000;
    pub const DEFAULT_DELAY_AFTER_ADD: SimDuration = 600_000;
    /// `--max-empty-bulk-delete`: empty nodes removed in one scan.
    pub const MAX_EMPTY_BULK_DELETE: usize = 10;
    /// `--scale-down-utilization-threshold`'s default.
    pub const DEFAULT_UTILIZATION_THRESHOLD: f64 = 0.5;
    /// `--max-drain-parallelism`'s default: nodes with pods drained at once.
    pub const MAX_DRAIN_PARALLELISM: usize = 1;
    /// `--expendable-pods-priority-cutoff`'s default: pods of lower priority
    /// bring no scale-up and need no place when their node is drained.
    pub const EXPENDABLE_PODS_PRIORITY_CUTOFF: i32 = -10;
}

impl Default for Dist {
    fn default() -> Self {
        Dist::ZERO
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Placement {
    /// Spread: the node with the most free room (kube-scheduler's default scoring).
    #[default]
    LeastAllocated,
    /// Bin-pack: the node with the least free room that fits.
    MostAllocated,
}

#[derive(Clone, Debug, Default)]
pub struct NodePool {
    pub name: String,
    pub count: u32,
    /// Allocatable cpu and memory (`i64::MAX`: not given, unlimited) and pod slots.
    pub cpu_milli: i64,
    pub memory_bytes: i64,
    pub pods: i64,
    /// Allocatable of every other resource given (`nvidia.com/gpu`,
    /// `ephemeral-storage`), in whole units.
    pub scalar: BTreeMap<String, i64>,
    /// The pool's labels, as given (nodes also have the defaults and their hostname).
    pub labels: BTreeMap<String, String>,
    pub taints: Vec<Taint>,
    /// Cost of one node for an hour.
    pub price_per_hour: Option<f64>,
    /// `(min, max)` nodes when the cluster autoscaler sizes the pool.
    pub autoscaling: Option<(u32, u32)>,
    /// Spot nodes: reclaimed after a drawn lifetime.
    pub spot: Option<Spot>,
}

/// A spot pool's reclaims: each node gets its notice a drawn lifetime
/// after it joins, is drained then, and removed `notice` later.
#[derive(Clone, Debug)]
pub struct Spot {
    pub lifetime: Dist,
    pub notice: SimDuration,
}

impl Spot {
    /// The two-minute interruption notice of AWS spot instances.
    pub const DEFAULT_NOTICE: SimDuration = 120_000;
}

#[derive(Clone, Debug)]
pub struct NodeLoss {
    pub pool: usize,
    pub every: Option<Dist>,
    pub at: Vec<SimTime>,
    pub recovery: Option<SimDuration>,
}

#[derive(Clone, Debug)]
pub enum Arrival {
    /// All Jobs at t=0.
    AtStart,
    /// Spaced by a constant or drawn interval (the first at t=0).
    Every(Dist),
    /// One time per Job.
    At(Vec<SimTime>),
}

/// A workload: `count` Jobs of one manifest, and how their pods behave.
#[derive(Clone, Debug)]
pub struct Workload {
    pub name: String,
    /// Stable id for random streams (a hash of the name).
    pub id: u64,
    pub count: u32,
    pub arrival: Arrival,
    /// The manifest as written (not yet defaulted): each Job is created from it.
    pub manifest: Job,
    pub pods: PodBehavior,
    /// Per-index overrides, first match wins.
    pub index_overrides: Vec<(OrderedIntervals, PodBehavior)>,
    /// The pods' priority, as the `Priority` admission plugin resolves it
    /// from `priorityClassName` (or the global default class; else 0).
    pub priority: i32,
    /// Whether they may preempt lower-priority pods (`preemptionPolicy`).
    pub preempts: bool,
}

impl Workload {
    /// `<job name>-<ordinal>`, or the manifest's name when `count` is 1.
    pub fn job_name(&self, ordinal: u32) -> String {
        if self.count == 1 {
            self.manifest.metadata.name.clone()
        } else {
            let base = &self.manifest.metadata.name;
            let mut name = String::with_capacity(base.len() + 11);
            name.push_str(base);
            name.push('-');
            name.push_str(itoa::Buffer::new().format(ordinal));
            name
        }
    }

    /// The behaviour of the pods of an index (or of every pod, for NonIndexed Jobs).
    pub fn behavior(&self, index: Option<i32>) -> &PodBehavior {
        index
            .and_then(|ix| self.index_overrides.iter().find(|(set, _)| set.has(ix)).map(|(_, b)| b))
            .unwrap_or(&self.pods)
    }
}

/// How a pod attempt unfolds; every duration is drawn per attempt.
#[derive(Clone, Debug, Default)]
pub struct PodBehavior {
    pub startup: Dist,
    pub readiness: Dist,
    pub runtime: Dist,
    pub outcomes: Vec<Outcome>,
    pub shutdown: Dist,
}

#[derive(Clone, Debug)]
pub struct Outcome {
    pub probability: f64,
    pub exit_code: i32,
    /// Time into the run when it fails; default: the drawn run time.
    pub at: Option<Dist>,
    pub container: Option<String>,
    pub conditions: Vec<String>,
}

#[derive(Clone, Debug)]
pub struct Action {
    pub at: SimTime,
    pub kind: ActionKind,
}

#[derive(Clone, Debug)]
pub enum ActionKind {
    Suspend(JobSelector),
    Resume(JobSelector),
    Delete(JobSelector),
    SetParallelism(JobSelector, i32),
    /// A merge patch of the Jobs' spec, checked by `ValidateJobUpdate` when applied.
    Patch(JobSelector, serde_json::Value),
    Drain {
        pool: usize,
        nodes: u32,
    },
    LoseNodes {
        pool: usize,
        nodes: u32,
        recovery: Option<SimDuration>,
    },
    AddNodes {
        pool: usize,
        nodes: u32,
    },
    RemoveNodes {
        pool: usize,
        nodes: u32,
    },
}

impl ActionKind {
    /// Whether the action acts on Jobs (rather than on nodes).
    pub fn selects_jobs(&self) -> bool {
        matches!(
            self,
            ActionKind::Suspend(_)
                | ActionKind::Resume(_)
                | ActionKind::Delete(_)
                | ActionKind::SetParallelism(..)
                | ActionKind::Patch(..)
        )
    }
}

/// A workload's Jobs, or one of them.
#[derive(Clone, Copy, Debug)]
pub struct JobSelector {
    pub workload: usize,
    pub ordinal: Option<u32>,
}
