//! The scenario file as written (`apiVersion: jobsim/v1alpha1`, `kind:
//! Scenario`): serde types that mirror the YAML, with unknown fields rejected.
//! `resolve.rs` turns them into the checked model of `mod.rs`.

use serde::Deserialize;
use serde::de::{self, Deserializer};
use std::collections::BTreeMap;

/// A Go duration string, in milliseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Dur(pub u64);

impl<'de> Deserialize<'de> for Dur {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl de::Visitor<'_> for Visitor {
            type Value = Dur;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a Go duration such as \"30s\" or \"1h30m\"")
            }
            fn visit_u64<E: de::Error>(self, n: u64) -> Result<Dur, E> {
                match n {
                    0 => Ok(Dur(0)),
                    n => Err(E::custom(format!("invalid duration {n}: give a unit, e.g. \"{n}s\""))),
                }
            }
            fn visit_i64<E: de::Error>(self, n: i64) -> Result<Dur, E> {
                match u64::try_from(n) {
                    Ok(n) => self.visit_u64(n),
                    Err(_) => Err(E::custom(format!("invalid duration {n}: must not be negative"))),
                }
            }
            fn visit_f64<E: de::Error>(self, f: f64) -> Result<Dur, E> {
                Err(E::custom(format!("invalid duration {f}: give a unit, e.g. \"{f}s\"")))
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Dur, E> {
                crate::time::parse_duration(s).map(Dur).map_err(E::custom)
            }
        }
        d.deserialize_any(Visitor)
    }
}

/// A count (Jobs, replications, nodes): any whole number, however written
/// (`1e6` too), held to its limit by `resolve.rs`, which names the limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Count(pub u64);

impl<'de> Deserialize<'de> for Count {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl de::Visitor<'_> for Visitor {
            type Value = Count;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a whole number (0 or more)")
            }
            fn visit_u64<E: de::Error>(self, n: u64) -> Result<Count, E> {
                Ok(Count(n))
            }
            fn visit_i64<E: de::Error>(self, n: i64) -> Result<Count, E> {
                u64::try_from(n)
                    .map(Count)
                    .map_err(|_| E::custom(format!("Invalid value: {n}: must be greater than or equal to 0")))
            }
            fn visit_f64<E: de::Error>(self, f: f64) -> Result<Count, E> {
                // Integral floats up to 2^64 convert exactly; larger ones saturate, which
                // every limit refuses just the same.
                if f.is_finite() && f >= 0.0 && f.fract() == 0.0 {
                    Ok(Count(f as u64))
                } else {
                    Err(E::custom(format!(
                        "Invalid value: {f}: must be a whole number, 0 or more"
                    )))
                }
            }
        }
        d.deserialize_any(Visitor)
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ScenarioFile {
    pub api_version: String,
    pub kind: String,
    #[serde(default)]
    pub metadata: Metadata,
    pub spec: ScenarioSpec,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Metadata {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub description: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ScenarioSpec {
    #[serde(default)]
    pub seed: u64,
    pub replications: Option<Count>,
    pub until: Option<Dur>,
    pub epoch: Option<String>,
    pub kubernetes_version: Option<String>,
    #[serde(default)]
    pub feature_gates: BTreeMap<String, bool>,
    pub controller_manager: Option<ControllerManagerSpec>,
    pub cluster: Option<ClusterSpec>,
    pub workloads: Vec<WorkloadSpec>,
    #[serde(default)]
    pub actions: Vec<ActionSpec>,
    /// Output names (`events`, `summary`, ...); default: every output.
    pub outputs: Option<Vec<String>>,
    /// What the run must show, for `jobsim check`.
    #[serde(default)]
    pub expect: Vec<super::expect::ExpectSpec>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ControllerManagerSpec {
    #[serde(rename = "kubeAPIQPS")]
    pub kube_api_qps: Option<f64>,
    #[serde(rename = "kubeAPIBurst")]
    pub kube_api_burst: Option<u32>,
    pub concurrent_job_syncs: Option<u32>,
    pub concurrent_ttl_after_finished_syncs: Option<u32>,
    pub api_latency: Option<DistSpec>,
    pub informer_delay: Option<DistSpec>,
    /// Probability that one API request of the Job controller fails.
    pub api_error_rate: Option<f64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ClusterSpec {
    #[serde(default)]
    pub node_pools: Vec<NodePoolSpec>,
    pub scheduling: Option<SchedulingSpec>,
    #[serde(default)]
    pub disruptions: Vec<DisruptionSpec>,
    /// The cluster autoscaler's settings, for pools with `autoscaling`.
    pub autoscaler: Option<AutoscalerSpec>,
    /// `scheduling.k8s.io/v1` PriorityClasses, for pods' `priorityClassName`.
    #[serde(default)]
    pub priority_classes: Vec<PriorityClassSpec>,
}

/// A `scheduling.k8s.io/v1` PriorityClass (its fields, without the object's metadata).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PriorityClassSpec {
    pub name: String,
    pub value: i64,
    #[serde(default)]
    pub global_default: bool,
    /// `PreemptLowerPriority` (default) or `Never`.
    pub preemption_policy: Option<String>,
    #[serde(default)]
    pub description: String,
}

/// cluster-autoscaler's flags that the model follows.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AutoscalerSpec {
    pub scan_interval: Option<Dur>,
    /// From the scale-up decision to the node being Ready.
    pub provisioning: Option<DistSpec>,
    pub scale_down_unneeded_time: Option<Dur>,
    pub scale_down_delay_after_add: Option<Dur>,
    /// `--scale-down-utilization-threshold`: below it a node with pods may go.
    pub scale_down_utilization_threshold: Option<f64>,
}

/// A pool's size bounds for the cluster autoscaler.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AutoscalingSpec {
    pub min: Count,
    pub max: Count,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NodePoolSpec {
    pub name: String,
    pub count: Count,
    #[serde(default)]
    pub allocatable: BTreeMap<String, crate::api::Quantity>,
    /// Labels of every node of the pool (beside `kubernetes.io/hostname`).
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    #[serde(default)]
    pub taints: Vec<TaintSpec>,
    /// What a node of the pool costs per hour, in any currency.
    pub price_per_hour: Option<f64>,
    /// Sized by the cluster autoscaler between these bounds (`count`: the starting size).
    pub autoscaling: Option<AutoscalingSpec>,
    /// Spot nodes: reclaimed by the provider after a drawn lifetime.
    pub spot: Option<SpotSpec>,
}

/// Spot (preemptible) nodes of a pool.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SpotSpec {
    /// From a node joining to the provider's reclaim notice.
    pub lifetime: DistSpec,
    /// From the notice to the node's removal; default 2m.
    pub notice: Option<Dur>,
}

/// A node taint, as `kubectl taint` sets it.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TaintSpec {
    #[serde(default)]
    pub key: String,
    #[serde(default)]
    pub value: String,
    #[serde(default)]
    pub effect: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SchedulingSpec {
    pub latency: Option<DistSpec>,
    pub policy: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DisruptionSpec {
    pub node_loss: Option<NodeLossSpec>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NodeLossSpec {
    pub pool: String,
    pub every: Option<DistSpec>,
    #[serde(default)]
    pub at: Vec<Dur>,
    pub recovery: Option<Dur>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WorkloadSpec {
    pub name: String,
    pub count: Option<Count>,
    pub arrival: Option<ArrivalSpec>,
    /// A `batch/v1` Job, verbatim; checked as the API server would.
    pub job: Option<serde_json::Value>,
    pub job_file: Option<String>,
    #[serde(default)]
    pub pods: PodsSpec,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ArrivalSpec {
    pub every: Option<DistSpec>,
    pub at: Option<Vec<Dur>>,
}

/// How pods behave. Every field may also be overridden per index.
#[derive(Debug, Default, Deserialize, Clone)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PodsSpec {
    pub startup: Option<DistSpec>,
    pub readiness: Option<DistSpec>,
    pub runtime: Option<DistSpec>,
    pub outcomes: Option<Vec<OutcomeSpec>>,
    pub shutdown: Option<DistSpec>,
    #[serde(default)]
    pub indexes: BTreeMap<String, PodsSpec>,
}

#[derive(Debug, Deserialize, Clone)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OutcomeSpec {
    pub probability: f64,
    pub exit_code: i32,
    pub at: Option<DistSpec>,
    pub container: Option<String>,
    /// Pod condition types set to True when the pod fails this way (e.g. `ConfigIssue`).
    #[serde(default)]
    pub conditions: Vec<String>,
}

#[derive(Debug, Deserialize, Clone)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub enum DistSpec {
    Constant(Dur),
    Uniform { min: Dur, max: Dur },
    Exponential { mean: Dur },
    Normal { mean: Dur, stddev: Dur },
    Lognormal { median: Dur, sigma: f64 },
    Weibull { shape: f64, scale: Dur },
    Gamma { shape: f64, scale: Dur },
    Empirical(EmpiricalSpec),
}

#[derive(Debug, Deserialize, Clone)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EmpiricalSpec {
    pub values: Option<Vec<Dur>>,
    pub file: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ActionSpec {
    pub at: Dur,
    pub suspend: Option<JobRef>,
    pub resume: Option<JobRef>,
    pub delete: Option<JobRef>,
    pub set_parallelism: Option<SetParallelism>,
    pub patch: Option<PatchJob>,
    pub drain: Option<NodesRef>,
    pub lose_nodes: Option<NodesRef>,
    pub add_nodes: Option<NodesRef>,
    pub remove_nodes: Option<NodesRef>,
}

#[derive(Debug, Deserialize, Clone)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct JobRef {
    pub workload: String,
    pub job: Option<u32>,
}

#[derive(Debug, Deserialize, Clone)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SetParallelism {
    pub workload: String,
    pub job: Option<u32>,
    pub parallelism: i32,
}

/// `kubectl patch --type=merge` of a Job's spec.
#[derive(Debug, Deserialize, Clone)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PatchJob {
    pub workload: String,
    pub job: Option<u32>,
    /// A JSON merge patch (RFC 7386) of the Job's `spec`.
    pub spec: serde_json::Value,
}

#[derive(Debug, Deserialize, Clone)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NodesRef {
    pub pool: String,
    pub nodes: Option<u32>,
    /// How long lost nodes stay away (`loseNodes`); default: for good.
    pub recovery: Option<Dur>,
}
