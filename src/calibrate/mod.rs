//! `jobsim calibrate`: pod behaviour fitted to what a cluster shows of
//! finished Jobs (`kubectl get pods -o json`, and `kubectl get jobs -o json`
//! when given), written as a scenario whose workloads carry the Jobs'
//! manifests. `parse.rs` reads the Lists, `fit.rs` fits durations, `emit.rs`
//! cleans or rebuilds the manifests and writes the text, `flow.rs` wraps
//! its long YAML flow lists. No I/O: the caller
//! hands in the files' text.

pub mod emit;
pub mod fit;
mod flow;
pub mod parse;

use crate::api::time::Time;
use emit::{OutcomeOut, WorkloadOut};
pub use fit::FitKind;
use parse::{JobKey, JobObs, Observed, PodObs};
use std::collections::{BTreeMap, BTreeSet};

/// What is wrong with the input: the file (with line and column when known)
/// and the message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub file: String,
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.file, self.message)
    }
}

/// Where a pod's start-up begins (`--startup-from`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum StartupFrom {
    /// At `PodScheduled`: creation to `PodScheduled` is the cluster's
    /// scheduling latency, pooled over every workload.
    #[default]
    Scheduled,
    /// At the pod's creation: each workload's start-up includes its pods'
    /// wait for the scheduler, and the scheduling latency is left at 0.
    Created,
}

/// `calibrate`'s options.
#[derive(Clone, Debug)]
pub struct Options {
    /// Group pods by this label's value instead of by Job.
    pub by: Option<String>,
    pub fit: FitKind,
    pub startup_from: StartupFrom,
    /// The scenario's `metadata.name`.
    pub name: String,
}

/// The scenario, and notes on what was left out or assumed.
#[derive(Clone, Debug)]
pub struct Calibrated {
    pub scenario: String,
    pub notes: Vec<String>,
}

/// A Job: its key, its creation time, its pods (sorted by creation, then
/// name) and its object from the Jobs list, if given.
struct JobSeen<'a> {
    key: JobKey,
    created: Time,
    pods: Vec<&'a PodObs>,
    listed: Option<&'a JobObs>,
}

fn plural(n: usize, one: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {one}s")
    }
}

/// Fits a scenario to `files` (name and text of each).
pub fn calibrate(files: &[(String, String)], opts: &Options) -> Result<Calibrated, Problem> {
    let mut seen = Observed::default();
    let mut pod_files = Vec::new();
    for (name, text) in files {
        let before = (
            seen.pods.len(),
            seen.ignored.get("pods of no Job").copied().unwrap_or(0),
        );
        parse::read_list(name, text, &mut seen)?;
        let no_job = seen.ignored.get("pods of no Job").copied().unwrap_or(0) - before.1;
        if seen.pods.len() > before.0 || no_job > 0 {
            pod_files.push((name.clone(), seen.pods.len() - before.0, no_job));
        }
    }
    let all = || files.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>().join(", ");
    if pod_files.is_empty() {
        return Err(Problem {
            file: all(),
            message: "no pods: give the output of kubectl get pods -o json for the Jobs (with kubectl get jobs -o json beside it for their manifests)".into(),
        });
    }
    if seen.pods.is_empty() {
        let (file, _, n) = &pod_files[0];
        return Err(Problem {
            file: file.clone(),
            message: format!(
                "holds {} but none of a Job (no batch.kubernetes.io/job-name or job-name label, no owner reference of kind Job)",
                plural(*n, "pod")
            ),
        });
    }
    if seen.pods.iter().all(|p| p.skipped.is_some()) {
        let mut why: BTreeMap<&str, usize> = BTreeMap::new();
        for p in &seen.pods {
            *why.entry(p.skipped.unwrap_or("")).or_default() += 1;
        }
        let why: Vec<String> = why.iter().map(|(w, n)| format!("{n} {w}")).collect();
        return Err(Problem {
            file: pod_files.iter().map(|f| f.0.as_str()).collect::<Vec<_>>().join(", "),
            message: format!(
                "no finished pod to fit ({}): calibrate fits pods that Succeeded or Failed",
                why.join(", ")
            ),
        });
    }
    let mut notes = Vec::new();

    // The Jobs, by key; a pod names its Job's UID in its labels, a Job of the
    // list in its metadata: match on both when both are known.
    let mut jobs: BTreeMap<JobKey, JobSeen> = BTreeMap::new();
    let mut pods: Vec<&PodObs> = seen.pods.iter().collect();
    pods.sort_by(|a, b| (a.created, &a.name).cmp(&(b.created, &b.name)));
    let mut by_name: BTreeMap<(&str, &str), Vec<&JobObs>> = BTreeMap::new();
    for j in &seen.jobs {
        by_name.entry((&j.key.namespace, &j.key.name)).or_default().push(j);
    }
    for p in &pods {
        let listed = by_name
            .get(&(p.job.namespace.as_str(), p.job.name.as_str()))
            .into_iter()
            .flatten()
            .copied()
            .find(|j| j.key.uid == p.job.uid || j.key.uid.is_empty() || p.job.uid.is_empty());
        let j = jobs.entry(p.job.clone()).or_insert_with(|| JobSeen {
            key: p.job.clone(),
            created: listed.and_then(|j| j.created).unwrap_or(p.created),
            pods: Vec::new(),
            listed,
        });
        j.pods.push(p);
    }
    // Groups: per Job name and namespace, or per value of --by's label (a
    // Job's group is its first pod's value).
    let mut groups: BTreeMap<(String, String), Vec<&JobSeen>> = BTreeMap::new();
    let mut unlabelled = 0;
    for j in jobs.values() {
        let key = match &opts.by {
            None => (j.key.namespace.clone(), j.key.name.clone()),
            Some(label) => match j.pods[0].labels.get(label) {
                Some(v) => (String::new(), v.clone()),
                None => {
                    unlabelled += 1;
                    continue;
                }
            },
        };
        groups.entry(key).or_default().push(j);
    }
    if let Some(label) = &opts.by {
        if unlabelled > 0 {
            notes.push(format!(
                "{} whose pods have no label {label}: left out",
                plural(unlabelled, "Job")
            ));
        }
        if groups.is_empty() {
            return Err(Problem {
                file: pod_files.iter().map(|f| f.0.as_str()).collect::<Vec<_>>().join(", "),
                message: format!("no pod of a Job has the label {label:?} (--by)"),
            });
        }
    }
    let mut skipped: BTreeMap<&str, usize> = BTreeMap::new();
    let mut kept = Vec::new();
    for (key, mut js) in groups {
        js.sort_by(|a, b| (a.created, &a.key).cmp(&(b.created, &b.key)));
        let finished = js.iter().flat_map(|j| &j.pods).any(|p| p.skipped.is_none());
        for p in js.iter().flat_map(|j| &j.pods) {
            if let Some(why) = p.skipped {
                *skipped.entry(why).or_default() += 1;
            }
        }
        if finished {
            kept.push((key, js));
        } else {
            notes.push(format!("{:?}: no finished pod: left out", key.1));
        }
    }
    if !skipped.is_empty() {
        let why: Vec<String> = skipped.iter().map(|(w, n)| format!("{n} {w}")).collect();
        notes.push(format!("pods left out of the fit: {}", why.join(", ")));
    }
    if seen.jobs_list {
        let unlisted = kept
            .iter()
            .flat_map(|(_, js)| js)
            .filter(|j| j.listed.is_none())
            .count();
        if unlisted > 0 {
            notes.push(format!(
                "{} not in the Jobs list: rebuilt from {} pods",
                plural(unlisted, "Job"),
                if unlisted == 1 { "its" } else { "their" }
            ));
        }
        let used: BTreeSet<&JobKey> = kept
            .iter()
            .flat_map(|(_, js)| js.iter().filter_map(|j| j.listed.map(|l| &l.key)))
            .collect();
        let unused = seen.jobs.iter().filter(|j| !used.contains(&j.key)).count();
        if unused > 0 {
            notes.push(format!(
                "{} of the Jobs list without finished pods in the pods list: left out",
                plural(unused, "Job")
            ));
        }
    } else {
        notes.push(
            "no Jobs list: each workload's Job is rebuilt from its first pod (docs/calibrate.md says how)".into(),
        );
    }
    for (what, n) in &seen.ignored {
        notes.push(format!("ignored ({what}): {n}"));
    }

    let epoch = kept
        .iter()
        .flat_map(|(_, js)| js.iter().map(|j| j.created))
        .min()
        .expect("a group is kept");
    // Workload names: the Job's name (or the label's value); with Jobs of one
    // name in several namespaces, the namespace goes in front.
    let mut names: BTreeMap<&str, usize> = BTreeMap::new();
    for ((_, n), _) in &kept {
        *names.entry(n.as_str()).or_default() += 1;
    }
    let mut scheduling = Vec::new();
    let mut workloads = Vec::new();
    let (mut pods_used, mut jobs_used) = (0, 0);
    for ((ns, name), js) in &kept {
        let wname = if names[name.as_str()] > 1 {
            format!("{ns}-{name}")
        } else {
            name.clone()
        };
        let first = js[0];
        let all_pods: Vec<&PodObs> = js.iter().flat_map(|j| j.pods.iter().copied()).collect();
        let fitted: Vec<&PodObs> = all_pods.iter().copied().filter(|p| p.skipped.is_none()).collect();
        pods_used += fitted.len();
        jobs_used += js.len();
        let (mut job, jobs_from) = match first.listed {
            Some(l) => {
                let (job, suspended) = emit::clean_job(&l.value);
                if suspended {
                    notes.push(format!(
                        "{}: spec.suspend was true; the simulated Jobs are not suspended",
                        l.key.name
                    ));
                }
                (job, format!("the Job {} of the Jobs list, cleaned", l.key.name))
            }
            None => (
                emit::job_from_pods(&first.key.name, &first.key.namespace, &first.pods),
                format!("rebuilt from the pods of the Job {}", first.key.name),
            ),
        };
        if js.len() > 1 {
            // Jobs are named <name>-<ordinal>: with --by, the label's value
            // when it makes a name, else the first Job's name, short enough
            // for the ordinal.
            let base = if opts.by.is_some() && crate::api::validation::is_dns1123_label(name).is_empty() {
                name.clone()
            } else {
                first.key.name.clone()
            };
            let base: String = base.chars().take(52).collect();
            job["metadata"]["name"] = serde_json::json!(base.trim_end_matches(['-', '.']));
        }
        let mut startup = Vec::new();
        let mut from_created = 0;
        let split = opts.startup_from == StartupFrom::Scheduled;
        for p in &fitted {
            if let Some(s) = p.scheduled.filter(|_| split) {
                scheduling.push(diff(p.created, s));
            }
            if let Some(start) = p.first_start {
                let from = p.scheduled.filter(|_| split).unwrap_or_else(|| {
                    from_created += 1;
                    p.created
                });
                startup.push(diff(from, start));
            }
        }
        let startup_from = if from_created == startup.len() {
            "pod creation"
        } else {
            "PodScheduled"
        };
        let multi = fitted
            .iter()
            .any(|p| p.value["spec"]["containers"].as_array().is_some_and(|c| c.len() > 1));
        let mut success = Vec::new();
        let mut failures: BTreeMap<(i32, String), (usize, Vec<u64>)> = BTreeMap::new();
        let mut runs = 0;
        for r in fitted.iter().flat_map(|p| &p.runs) {
            runs += 1;
            if r.exit_code == 0 {
                success.extend(r.millis);
            } else {
                let f = failures.entry((r.exit_code, r.container.clone())).or_default();
                f.0 += 1;
                f.1.extend(r.millis);
            }
        }
        let outcomes = failures
            .into_iter()
            .map(|((exit_code, container), (n, times))| OutcomeOut {
                exit_code,
                container: multi.then_some(container),
                runs: n,
                probability: emit::probability(n, runs),
                at: fit::fit(&times, opts.fit),
            })
            .collect();
        let arrivals = js.iter().map(|j| diff(epoch, j.created)).collect();
        workloads.push(WorkloadOut {
            name: wname,
            arrivals,
            jobs_from,
            startup: fit::fit(&startup, opts.fit).map(|d| (d, startup.len(), startup_from)),
            runtime: fit::fit(&success, opts.fit).map(|d| (d, success.len())),
            runs,
            outcomes,
            job,
        });
    }
    let sources: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    let by = opts
        .by
        .as_ref()
        .map_or("per Job".to_string(), |l| format!("per value of the label {l}"));
    let header = vec![
        format!("Fitted by jobsim calibrate from {}", sources.join(", ")),
        format!(
            "{} of {}, {} ({} fit), in {}.",
            plural(pods_used, "finished pod"),
            plural(jobs_used, "Job"),
            by,
            match opts.fit {
                FitKind::Empirical => "empirical",
                FitKind::Lognormal => "lognormal",
            },
            plural(workloads.len(), "workload"),
        ),
    ];
    let scheduling_n = scheduling.len();
    let text = emit::scenario_text(
        &opts.name,
        &header,
        &epoch.to_rfc3339(),
        fit::fit(&scheduling, opts.fit).map(|d| (d, scheduling_n)),
        &workloads,
    );
    if opts.by.is_none() && workloads.len() > 50 {
        notes.push(format!(
            "{} workloads, one per Job name: --by LABEL makes one per value of a pod label",
            workloads.len()
        ));
    }
    notes.insert(
        0,
        format!(
            "{} of {} in {}",
            plural(pods_used, "finished pod"),
            plural(jobs_used, "Job"),
            plural(workloads.len(), "workload")
        ),
    );
    Ok(Calibrated { scenario: text, notes })
}

/// `to - from` in milliseconds, 0 when `to` comes first.
fn diff(from: Time, to: Time) -> u64 {
    u64::try_from(to.millis() - from.millis()).unwrap_or(0)
}
