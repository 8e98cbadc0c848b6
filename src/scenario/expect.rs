//! `spec.expect`: what a scenario claims about its own run, held by `jobsim
//! check`. A statistic of `summary.json` between bounds (its mean over the
//! replications), or the final state of one Job (in every replication).
//!
//! The statistics a run can produce are listed here so that a misspelt path is
//! an error before anything runs; a test holds the list to what runs produce.

use super::Workload;
use crate::suggest::did_you_mean;
use serde::Deserialize;
use serde::de::{self, Deserializer};

/// One entry of `spec.expect`, as written.
#[derive(Debug, Deserialize, Clone)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ExpectSpec {
    /// A dotted path into summary.json's statistics.
    pub stat: Option<String>,
    pub min: Option<Bound>,
    pub max: Option<Bound>,
    /// A Job's name, as kubectl shows it.
    pub job: Option<String>,
    pub status: Option<String>,
    pub reason: Option<String>,
}

/// A bound: a number, or a Go duration compared in seconds.
#[derive(Clone, Debug, PartialEq)]
pub struct Bound {
    pub value: f64,
    /// As written: `4`, `1m30s`.
    pub text: String,
}

impl<'de> Deserialize<'de> for Bound {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Int(i64),
            Float(f64),
            Str(String),
        }
        match Raw::deserialize(d)? {
            Raw::Int(n) => Ok(Bound {
                value: n as f64,
                text: n.to_string(),
            }),
            Raw::Float(f) if f.is_finite() => Ok(Bound {
                value: f,
                text: f.to_string(),
            }),
            Raw::Float(f) => Err(de::Error::custom(ExpectError::NotFinite(f))),
            Raw::Str(s) => Bound::parse(&s).map_err(de::Error::custom),
        }
    }
}

impl Bound {
    /// A bound written as text: a number, or a Go duration (read as seconds).
    pub fn parse(s: &str) -> Result<Bound, ExpectError> {
        match s.trim().parse::<f64>() {
            Ok(f) if f.is_finite() => Ok(Bound {
                value: f,
                text: s.to_string(),
            }),
            _ => crate::time::parse_duration(s)
                .map(|ms| Bound {
                    value: ms as f64 / 1000.0,
                    text: s.to_string(),
                })
                .map_err(|_| ExpectError::Bound(s.to_string())),
        }
    }
}

/// What is wrong with a bound or a statistic's path, with a hint where one helps.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum ExpectError {
    #[error("invalid bound {0}: give a finite number")]
    NotFinite(f64),
    #[error("invalid bound {0:?}: give a number or a Go duration such as 90s or 1h30m")]
    Bound(String),
    /// `makespanSeconds.x`, `pods.created.x`: the path of a single statistic, and more.
    #[error("{0} is a single statistic: give just {0:?}")]
    Single(String),
    #[error(
        "unknown statistic {field:?} of {head}{}; expected one of: {}",
        hint(.field, &DISTRIBUTION_FIELDS),
        DISTRIBUTION_FIELDS.join(", ")
    )]
    DistributionField { head: String, field: String },
    #[error(
        "{0} is a distribution: give one of its statistics, {0}.p95 for example ({fields})",
        fields = DISTRIBUTION_FIELDS.join(", ")
    )]
    Distribution(String),
    #[error(
        "unknown statistic {0:?}{hint}; expected one of: {names}",
        hint = hint(.0, &top()),
        names = top().join(", ")
    )]
    Unknown(String),
    #[error("{head} is a group of statistics: give one of {}", qualified(.head, .members).join(", "))]
    Group {
        head: String,
        members: &'static [&'static str],
    },
    #[error(
        "unknown statistic \"{head}.{member}\"{}; expected one of: {}",
        member_hint(.head, .member, .members),
        qualified(.head, .members).join(", ")
    )]
    Member {
        head: String,
        member: String,
        members: &'static [&'static str],
    },
    #[error(
        "unknown Job status {0:?}{hint}; expected one of: {names}",
        hint = hint(.0, &STATUSES),
        names = STATUSES.join(", ")
    )]
    Status(String),
    #[error(
        "unknown statistic {0:?} of a node pool{hint}; expected one of: {names}",
        hint = hint(.0, &POOL_STATS),
        names = POOL_STATS.join(", ")
    )]
    PoolStat(String),
    #[error("give a node pool and one of its statistics: cluster.pools.<pool>.{{{}}}", POOL_STATS.join(","))]
    PoolShape,
    /// `jobs.byStatus` or `jobs.byReason` without the status or reason.
    #[error(
        "give one {}: {head}.{member}.{}",
        if .member == "byStatus" { "status" } else { "reason" },
        if .member == "byStatus" { "Complete" } else { "BackoffLimitExceeded" }
    )]
    Count { head: String, member: String },
}

/// A checked expectation.
#[derive(Clone, Debug, PartialEq)]
pub enum Expectation {
    /// The statistic's value (its mean over replications) lies within the bounds.
    Stat {
        stat: String,
        min: Option<Bound>,
        max: Option<Bound>,
    },
    /// The Job ends in this status (and with this reason) in every replication.
    Job {
        name: String,
        status: String,
        reason: Option<String>,
    },
}

/// The final statuses jobs.csv gives a Job.
pub const STATUSES: [&str; 4] = ["Complete", "Failed", "Running", "Suspended"];

/// The reasons of the Job controller's Complete and Failed conditions.
pub const REASONS: [&str; 7] = [
    crate::api::job::REASON_COMPLETIONS_REACHED,
    crate::api::job::REASON_SUCCESS_POLICY,
    crate::api::job::REASON_BACKOFF_LIMIT_EXCEEDED,
    crate::api::job::REASON_DEADLINE_EXCEEDED,
    crate::api::job::REASON_POD_FAILURE_POLICY,
    crate::api::job::REASON_FAILED_INDEXES,
    crate::api::job::REASON_MAX_FAILED_INDEXES_EXCEEDED,
];

/// The distributions of summary.json and the statistics of each.
const DISTRIBUTIONS: [&str; 5] = [
    "turnaroundSeconds",
    "jobDurationSeconds",
    "queueingSeconds",
    "timeToStartSeconds",
    "podPendingSeconds",
];
const DISTRIBUTION_FIELDS: [&str; 7] = ["count", "mean", "p50", "p90", "p95", "p99", "max"];

/// Families of plain statistics and their members.
const FAMILIES: [(&str, &[&str]); 5] = [
    ("jobs", &["total", "byStatus", "byReason"]),
    (
        "pods",
        &[
            "created",
            "failed",
            "restarts",
            "podSeconds",
            "failedPodSeconds",
            "deleted",
            "deletedPodSeconds",
            "waitedForRoom",
            "pendingSeconds",
            "evictions",
            "preemptions",
        ],
    ),
    ("api", &["requests", "errors", "rateLimitWaitSeconds"]),
    ("simulation", &["events", "syncs", "virtualSeconds"]),
    (
        "cluster",
        &[
            "cpuUtilisation",
            "podSlotUtilisation",
            "nodeLosses",
            "cost",
            "idleCostShare",
            "pools",
        ],
    ),
];

/// The statistics of each node pool (`cluster.pools.<pool>.<stat>`), with prices.
const POOL_STATS: [&str; 3] = ["nodeHours", "cost", "idleShare"];

/// Statistics that are a single name.
const SINGLE: [&str; 1] = ["makespanSeconds"];

/// The names a statistic's path may start with.
fn top() -> Vec<&'static str> {
    SINGLE
        .iter()
        .chain(&DISTRIBUTIONS)
        .chain(FAMILIES.iter().map(|(f, _)| f))
        .copied()
        .collect()
}

/// `head.member` for each member of a family.
fn qualified(head: &str, members: &[&str]) -> Vec<String> {
    members.iter().map(|m| format!("{head}.{m}")).collect()
}

/// The hint for an unknown member of a family, from its members' full paths.
fn member_hint(head: &str, member: &str, members: &[&str]) -> String {
    let full = qualified(head, members);
    let refs: Vec<&str> = full.iter().map(String::as_str).collect();
    hint(&format!("{head}.{member}"), &refs)
}

fn hint(word: &str, candidates: &[&str]) -> String {
    did_you_mean(word, candidates)
        .map(|s| format!(" (did you mean \"{s}\"?)"))
        .unwrap_or_default()
}

/// Checks a statistic's path: `Err` says what is wrong (with a hint),
/// `Ok(Some(..))` is a warning (a reason no Job of the controller has).
pub fn check_stat_path(path: &str) -> Result<Option<String>, ExpectError> {
    let parts: Vec<&str> = path.split('.').collect();
    let head = parts[0];
    if SINGLE.contains(&head) {
        return match parts.len() {
            1 => Ok(None),
            _ => Err(ExpectError::Single(head.to_string())),
        };
    }
    if DISTRIBUTIONS.contains(&head) {
        return match parts.as_slice() {
            [_, field] if DISTRIBUTION_FIELDS.contains(field) => Ok(None),
            [_, field] => Err(ExpectError::DistributionField {
                head: head.to_string(),
                field: field.to_string(),
            }),
            _ => Err(ExpectError::Distribution(head.to_string())),
        };
    }
    let Some((_, members)) = FAMILIES.iter().find(|(f, _)| *f == head) else {
        return Err(ExpectError::Unknown(head.to_string()));
    };
    let Some(member) = parts.get(1) else {
        return Err(ExpectError::Group {
            head: head.to_string(),
            members,
        });
    };
    if !members.contains(member) {
        return Err(ExpectError::Member {
            head: head.to_string(),
            member: member.to_string(),
            members,
        });
    }
    match (head, *member, &parts[2..]) {
        ("jobs", "byStatus", [status]) => {
            if STATUSES.contains(status) {
                Ok(None)
            } else {
                Err(ExpectError::Status(status.to_string()))
            }
        }
        // Any condition reason is counted; one the controller never gives is
        // likely a typo, but scripted runs may see others.
        ("jobs", "byReason", [reason]) => Ok((!REASONS.contains(reason)).then(|| {
            format!(
                "no Job of the Job controller ends with reason {reason:?}{}: this count stays 0",
                hint(reason, &REASONS)
            )
        })),
        ("cluster", "pools", [_, stat]) if POOL_STATS.contains(stat) => Ok(None),
        ("cluster", "pools", [_, stat]) => Err(ExpectError::PoolStat(stat.to_string())),
        ("cluster", "pools", _) => Err(ExpectError::PoolShape),
        ("jobs", "byStatus" | "byReason", _) => Err(ExpectError::Count {
            head: head.to_string(),
            member: member.to_string(),
        }),
        (_, _, []) => Ok(None),
        _ => Err(ExpectError::Single(format!("{head}.{member}"))),
    }
}

/// Whether `name` names a Job of the workloads (`<job name>-<ordinal>`, or the
/// job name when `count` is 1).
pub fn is_job_name(name: &str, workloads: &[Workload]) -> bool {
    workloads.iter().any(|w| {
        let base = &w.manifest.metadata.name;
        if w.count == 1 {
            return name == base;
        }
        name.strip_prefix(base.as_str())
            .and_then(|rest| rest.strip_prefix('-'))
            .filter(|n| !n.is_empty() && (n == &"0" || !n.starts_with('0')))
            .and_then(|n| n.parse::<u32>().ok())
            .is_some_and(|o| o < w.count)
    })
}

/// Job names to suggest from: every Job's name when there are few, else the
/// first and last of each workload.
fn job_names(workloads: &[Workload]) -> Vec<String> {
    let total: u64 = workloads.iter().map(|w| w.count as u64).sum();
    let mut names = Vec::new();
    for w in workloads {
        if total <= 1000 {
            names.extend((0..w.count).map(|o| w.job_name(o)));
        } else if w.count > 0 {
            names.push(w.job_name(0));
            names.push(w.job_name(w.count - 1));
        }
    }
    names
}

/// Checks `spec.expect`. `err(path, message, warning)` reports a problem at the
/// field's path (`spec.expect[2].stat`).
pub fn check(
    specs: &[ExpectSpec],
    workloads: &[Workload],
    pools: &[&str],
    mut err: impl FnMut(&str, String, bool),
) -> Vec<Expectation> {
    let mut out = Vec::new();
    for (i, e) in specs.iter().enumerate() {
        let p = format!("spec.expect[{i}]");
        match (&e.stat, &e.job) {
            (Some(_), Some(_)) => {
                err(&p, "Invalid value: give stat or job, not both".into(), false);
            }
            (None, None) => {
                err(
                    &p,
                    "Required value: stat (a statistic of summary.json, with min and/or max) or job (a Job's name, with status)".into(),
                    false,
                );
            }
            (Some(stat), None) => {
                let mut ok = true;
                let pool = stat.strip_prefix("cluster.pools.").and_then(|r| r.split('.').next());
                match check_stat_path(stat) {
                    Ok(None) if pool.is_some_and(|name| !pools.contains(&name)) => {
                        let name = pool.unwrap_or_default();
                        err(
                            &format!("{p}.stat"),
                            format!("Not found: {name:?}{}: no node pool has this name", hint(name, pools)),
                            false,
                        );
                        ok = false;
                    }
                    Ok(None) => {}
                    Ok(Some(w)) => err(&format!("{p}.stat"), w, true),
                    Err(m) => {
                        err(&format!("{p}.stat"), format!("Invalid value: {m}"), false);
                        ok = false;
                    }
                }
                for (field, given) in [("status", e.status.is_some()), ("reason", e.reason.is_some())] {
                    if given {
                        err(
                            &format!("{p}.{field}"),
                            format!("Invalid value: {field} goes with job, not stat"),
                            false,
                        );
                        ok = false;
                    }
                }
                match (&e.min, &e.max) {
                    (None, None) => {
                        err(&p, "Required value: give min, max or both".into(), false);
                        ok = false;
                    }
                    (Some(lo), Some(hi)) if lo.value > hi.value => {
                        err(
                            &format!("{p}.min"),
                            format!(
                                "Invalid value: {}: must be less than or equal to max ({})",
                                lo.text, hi.text
                            ),
                            false,
                        );
                        ok = false;
                    }
                    _ => {}
                }
                if ok {
                    out.push(Expectation::Stat {
                        stat: stat.clone(),
                        min: e.min.clone(),
                        max: e.max.clone(),
                    });
                }
            }
            (None, Some(job)) => {
                let mut ok = true;
                if !is_job_name(job, workloads) {
                    let names = job_names(workloads);
                    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
                    err(
                        &format!("{p}.job"),
                        format!(
                            "Not found: {job:?}{}: no Job of the workloads has this name (Jobs are named <job name>-<ordinal>, or <job name> when count is 1)",
                            hint(job, &refs)
                        ),
                        false,
                    );
                    ok = false;
                }
                for (field, given) in [("min", e.min.is_some()), ("max", e.max.is_some())] {
                    if given {
                        err(
                            &format!("{p}.{field}"),
                            format!("Invalid value: {field} goes with stat, not job"),
                            false,
                        );
                        ok = false;
                    }
                }
                match e.status.as_deref() {
                    None => {
                        err(&p, format!("Required value: status ({})", STATUSES.join(", ")), false);
                        ok = false;
                    }
                    Some(s) if !STATUSES.contains(&s) => {
                        err(
                            &format!("{p}.status"),
                            format!(
                                "Unsupported value: {s:?}{}: supported values: {}",
                                hint(s, &STATUSES),
                                STATUSES.iter().map(|s| format!("{s:?}")).collect::<Vec<_>>().join(", ")
                            ),
                            false,
                        );
                        ok = false;
                    }
                    Some(_) => {}
                }
                if let Some(r) = &e.reason
                    && !REASONS.contains(&r.as_str())
                {
                    err(
                        &format!("{p}.reason"),
                        format!(
                            "Unsupported value: {r:?}{}: supported values: {}",
                            hint(r, &REASONS),
                            REASONS.iter().map(|s| format!("{s:?}")).collect::<Vec<_>>().join(", ")
                        ),
                        false,
                    );
                    ok = false;
                }
                if ok {
                    out.push(Expectation::Job {
                        name: job.clone(),
                        status: e.status.clone().unwrap_or_default(),
                        reason: e.reason.clone(),
                    });
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_paths() {
        for ok in [
            "jobDurationSeconds.p95",
            "podPendingSeconds.count",
            "makespanSeconds",
            "jobs.total",
            "jobs.byStatus.Complete",
            "jobs.byReason.BackoffLimitExceeded",
            "pods.restarts",
            "api.rateLimitWaitSeconds",
            "simulation.virtualSeconds",
        ] {
            assert_eq!(check_stat_path(ok), Ok(None), "{ok}");
        }
        assert_eq!(check_stat_path("cluster.nodeLosses"), Ok(None));
        assert_eq!(check_stat_path("cluster.cost"), Ok(None));
        assert_eq!(check_stat_path("cluster.pools.gpu.nodeHours"), Ok(None));
        assert!(
            check_stat_path("cluster.pools.gpu.nodeHour")
                .unwrap_err()
                .to_string()
                .contains("(did you mean \"nodeHours\"?)")
        );
        assert!(check_stat_path("cluster.pools.gpu").is_err());
        assert!(
            check_stat_path("jobDurationSecond.p95")
                .unwrap_err()
                .to_string()
                .contains("(did you mean \"jobDurationSeconds\"?)")
        );
        assert!(
            check_stat_path("jobDurationSeconds.p59")
                .unwrap_err()
                .to_string()
                .contains("(did you mean \"p50\"?)")
        );
        assert!(
            check_stat_path("pods.restart")
                .unwrap_err()
                .to_string()
                .contains("unknown statistic \"pods.restart\" (did you mean \"pods.restarts\"?)")
        );
        assert!(
            check_stat_path("jobs.byStatus.Completed")
                .unwrap_err()
                .to_string()
                .contains("did you mean \"Complete\"")
        );
        assert!(check_stat_path("jobs.byReason.Whatever").unwrap().is_some());
        assert!(check_stat_path("jobDurationSeconds").is_err());
        assert!(check_stat_path("pods").is_err());
        assert!(check_stat_path("pods.created.x").is_err());
        assert!(check_stat_path("scenario").is_err());
    }
}
