//! Feature gates and version profiles: which Kubernetes release the model
//! behaves like (`kubernetesVersion`), and single gates on top (`featureGates`).

use std::collections::BTreeMap;
use std::fmt;
use thiserror::Error;

/// Oldest and newest minor releases the model reproduces.
pub const OLDEST_MINOR: u32 = 27;
pub const NEWEST_MINOR: u32 = 36;

/// The gates that change Job controller behaviour (`pkg/features/kube_features.go`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FeatureGates {
    pub job_pod_failure_policy: bool,
    pub pod_disruption_conditions: bool,
    pub elastic_indexed_job: bool,
    pub job_backoff_limit_per_index: bool,
    pub job_pod_replacement_policy: bool,
    pub pod_index_label: bool,
    pub job_success_policy: bool,
    pub job_managed_by: bool,
    pub sidecar_containers: bool,
    pub mutable_scheduling_directives_for_suspended_jobs: bool,
}

/// Gate names as `--feature-gates` spells them, with the release in which each
/// became on by default.
const GATES: &[(&str, u32)] = &[
    ("JobPodFailurePolicy", 26),
    ("PodDisruptionConditions", 26),
    ("ElasticIndexedJob", 27),
    ("JobBackoffLimitPerIndex", 29),
    ("JobPodReplacementPolicy", 29),
    ("PodIndexLabel", 28),
    ("JobSuccessPolicy", 31),
    ("JobManagedBy", 32),
    ("SidecarContainers", 29),
    ("MutableSchedulingDirectivesForSuspendedJobs", 36),
];

impl FeatureGates {
    /// The defaults of Kubernetes 1.`minor`.
    pub fn defaults_for(minor: u32) -> Self {
        let mut g = FeatureGates::all(false);
        for (name, since) in GATES {
            g.set(name, minor >= *since).expect("known gate");
        }
        g
    }

    pub fn all(on: bool) -> Self {
        FeatureGates {
            job_pod_failure_policy: on,
            pod_disruption_conditions: on,
            elastic_indexed_job: on,
            job_backoff_limit_per_index: on,
            job_pod_replacement_policy: on,
            pod_index_label: on,
            job_success_policy: on,
            job_managed_by: on,
            sidecar_containers: on,
            mutable_scheduling_directives_for_suspended_jobs: on,
        }
    }

    fn slot(&mut self, name: &str) -> Option<&mut bool> {
        Some(match name {
            "JobPodFailurePolicy" => &mut self.job_pod_failure_policy,
            "PodDisruptionConditions" => &mut self.pod_disruption_conditions,
            "ElasticIndexedJob" => &mut self.elastic_indexed_job,
            "JobBackoffLimitPerIndex" => &mut self.job_backoff_limit_per_index,
            "JobPodReplacementPolicy" => &mut self.job_pod_replacement_policy,
            "PodIndexLabel" => &mut self.pod_index_label,
            "JobSuccessPolicy" => &mut self.job_success_policy,
            "JobManagedBy" => &mut self.job_managed_by,
            "SidecarContainers" => &mut self.sidecar_containers,
            "MutableSchedulingDirectivesForSuspendedJobs" => &mut self.mutable_scheduling_directives_for_suspended_jobs,
            _ => return None,
        })
    }

    /// Sets one gate by name; unknown names are an error listing the known ones.
    pub fn set(&mut self, name: &str, on: bool) -> Result<(), UnknownGate> {
        match self.slot(name) {
            Some(slot) => {
                *slot = on;
                Ok(())
            }
            None => Err(UnknownGate { name: name.to_string() }),
        }
    }

    pub fn get(&self, name: &str) -> Option<bool> {
        let mut copy = *self;
        copy.slot(name).map(|b| *b)
    }
}

pub fn known_gate_names() -> Vec<&'static str> {
    GATES.iter().map(|(n, _)| *n).collect()
}

/// A feature gate name the model does not know, as `--feature-gates` reports it.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[error("unrecognized feature gate: {name} (known gates: {})", known_gate_names().join(", "))]
pub struct UnknownGate {
    pub name: String,
}

/// A Kubernetes version outside the releases the model reproduces, or not a version.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[error(
    "unsupported Kubernetes version {version:?}: supported versions are 1.{oldest} to 1.{newest}",
    oldest = OLDEST_MINOR,
    newest = NEWEST_MINOR
)]
pub struct UnsupportedVersion {
    pub version: String,
}

/// A Kubernetes release plus gate overrides. Behaviour that changed without a
/// gate (constants, the 1.27 backoff-limit test, finish-time estimates) follows
/// the release.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Profile {
    pub minor: u32,
    pub gates: FeatureGates,
}

impl Profile {
    pub fn new(minor: u32) -> Self {
        Profile {
            minor,
            gates: FeatureGates::defaults_for(minor),
        }
    }

    pub fn newest() -> Self {
        Profile::new(NEWEST_MINOR)
    }

    /// Parses `"1.27"` (also `"v1.27"`, `"1.27.3"`).
    pub fn parse_version(s: &str) -> Result<u32, UnsupportedVersion> {
        let t = s.trim().trim_start_matches('v');
        let mut parts = t.split('.');
        let (major, minor) = (parts.next(), parts.next());
        let minor = match (major, minor) {
            (Some("1"), Some(m)) => m.parse::<u32>().ok(),
            _ => None,
        };
        match minor {
            Some(m) if (OLDEST_MINOR..=NEWEST_MINOR).contains(&m) => Ok(m),
            _ => Err(UnsupportedVersion { version: s.to_string() }),
        }
    }

    /// This profile with single gates overridden, as `--feature-gates` does.
    pub fn with_gates(mut self, overrides: &BTreeMap<String, bool>) -> Result<Self, UnknownGate> {
        for (name, on) in overrides {
            self.gates.set(name, *on)?;
        }
        Ok(self)
    }

    /// Pod-failure backoff cap: `MaxJobBackOff` 360 s in 1.27, `MaxJobPodFailureBackOff` 10 min since 1.28.
    pub fn pod_failure_backoff_max_ms(&self) -> i64 {
        if self.minor < 28 { 360_000 } else { 600_000 }
    }

    /// 1.27 failed a Job on backoff only in a sync that saw a new failure while
    /// `active != parallelism`; 1.28 made it plain `failed > backoffLimit`.
    pub fn legacy_backoff_limit_check(&self) -> bool {
        self.minor < 28
    }

    /// 1.27 syncs that saw new failures returned an error (rate-limited requeue).
    pub fn error_on_new_failures(&self) -> bool {
        self.minor < 28
    }

    /// Since 1.28 failures ignored by a pod failure policy still feed the backoff record.
    pub fn ignored_failures_feed_backoff(&self) -> bool {
        self.minor >= 28
    }

    /// Since 1.28 `getFinishedTime` falls back to Ready=False, deletion and creation
    /// times; 1.27 used "now" when not every container had terminated.
    pub fn finish_time_fallback_chain(&self) -> bool {
        self.minor >= 28
    }

    /// `delayTerminalCondition` (1.31+): `Failed`/`Complete` wait for terminating pods.
    pub fn delay_terminal_condition(&self) -> bool {
        self.minor >= 31 && (self.gates.job_managed_by || self.gates.job_pod_replacement_policy)
    }

    /// kube-scheduler named the taint a pod does not tolerate in its
    /// message (`node(s) had untolerated taint {key: value}`) until taint
    /// keys and values were taken out of pod statuses (kubernetes#134740,
    /// in 1.35 and back-ported to 1.34): since then `node(s) had untolerated
    /// taint(s)`.
    pub fn scheduler_names_taints(&self) -> bool {
        self.minor < 34
    }

    /// The "newer" Job fields (1.28+ backoffLimitPerIndex, podReplacementPolicy, ...)
    /// exist only when their gate is on.
    pub fn has_terminating_tracking(&self) -> bool {
        self.minor >= 28
    }
}

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "1.{}", self.minor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_profiles_set_gate_defaults_as_kubernetes_does() {
        let g127 = FeatureGates::defaults_for(27);
        assert!(g127.job_pod_failure_policy && g127.elastic_indexed_job);
        assert!(
            !g127.job_backoff_limit_per_index
                && !g127.job_pod_replacement_policy
                && !g127.job_success_policy
                && !g127.pod_index_label
        );
        let g129 = FeatureGates::defaults_for(29);
        assert!(g129.job_backoff_limit_per_index && g129.job_pod_replacement_policy && !g129.job_success_policy);
        let g131 = FeatureGates::defaults_for(31);
        assert!(g131.job_success_policy && !g131.job_managed_by);
        assert!(FeatureGates::defaults_for(32).job_managed_by);
        assert!(FeatureGates::defaults_for(36).mutable_scheduling_directives_for_suspended_jobs);
    }

    #[test]
    fn terminal_condition_delay_needs_131_and_a_gate() {
        assert!(!Profile::new(29).delay_terminal_condition());
        assert!(Profile::new(31).delay_terminal_condition());
        let mut p = Profile::new(31);
        p.gates.job_pod_replacement_policy = false;
        assert!(!p.delay_terminal_condition());
    }

    #[test]
    fn parses_versions_and_rejects_unknown_gates() {
        assert_eq!(Profile::parse_version("1.27"), Ok(27));
        assert_eq!(Profile::parse_version("v1.31.2"), Ok(31));
        assert!(Profile::parse_version("1.26").is_err());
        assert!(Profile::parse_version("2.0").is_err());
        assert!(FeatureGates::all(false).set("NoSuchGate", true).is_err());
        assert!(
            Profile::new(30)
                .with_gates(&[("NoSuchGate".to_string(), true)].into())
                .is_err()
        );
        assert_eq!(Profile::newest().pod_failure_backoff_max_ms(), 600_000);
        assert_eq!(Profile::new(27).pod_failure_backoff_max_ms(), 360_000);
    }

    /// The messages `--kubernetes-version`, `kubernetesVersion` and `featureGates` report.
    #[test]
    fn errors_read_as_kubernetes_writes_them() {
        assert_eq!(
            Profile::parse_version("1.26").unwrap_err().to_string(),
            format!(
                "unsupported Kubernetes version \"1.26\": supported versions are 1.{OLDEST_MINOR} to 1.{NEWEST_MINOR}"
            )
        );
        assert_eq!(
            FeatureGates::all(false)
                .set("NoSuchGate", true)
                .unwrap_err()
                .to_string(),
            "unrecognized feature gate: NoSuchGate (known gates: JobPodFailurePolicy, PodDisruptionConditions, \
             ElasticIndexedJob, JobBackoffLimitPerIndex, JobPodReplacementPolicy, PodIndexLabel, JobSuccessPolicy, \
             JobManagedBy, SidecarContainers, MutableSchedulingDirectivesForSuspendedJobs)"
        );
    }
}
