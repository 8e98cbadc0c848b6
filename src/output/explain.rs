//! `jobsim explain DIR JOB`: a Job's life as the controller saw it, in plain
//! sentences with the simulated times, built from a run's `events.csv` (what
//! happened) and `decisions.csv` (why the controller did what it did, recorded
//! by the model as it decided: [`crate::record::Cause`]).
//!
//! [`read`] streams both files, keeping only the Job's rows (and every Job's
//! name, for a did-you-mean); [`narrate`] turns them into lines. Every cause
//! it gives is one the model recorded; what it infers is only which pod a
//! batched sync followed (the one that ended at the change it was queued by).

use crate::record::{Cause, CauseError, DeleteWhy, Detail, EventKind, Rule, parse_seconds};
use crate::time::{SimTime, format_duration, format_seconds};
use std::collections::{BTreeMap, BTreeSet};
use std::io::BufRead;
use std::path::{Path, PathBuf};

/// One row of `events.csv` about the Job.
#[derive(Clone, Debug, PartialEq)]
pub struct EventRow {
    pub t: SimTime,
    pub pod: String,
    pub index: Option<i32>,
    pub kind: EventKind,
    pub detail: String,
}

/// One row of `decisions.csv` about the Job.
#[derive(Clone, Debug, PartialEq)]
pub struct DecisionRow {
    pub t: SimTime,
    pub pod: String,
    pub cause: String,
    pub detail: String,
}

/// What `explain` needs of a run folder for one Job.
#[derive(Debug, Default)]
pub struct JobRecords {
    pub events: Vec<EventRow>,
    pub decisions: Vec<DecisionRow>,
    /// Every Job the timeline names, in order of first appearance.
    pub jobs: Vec<String>,
    /// The Job's namespace, from `jobs.yaml` when the folder has it.
    pub namespace: Option<String>,
}

/// Why a folder cannot be explained.
#[derive(Debug, thiserror::Error)]
pub enum ExplainError {
    #[error("{0} is not a folder")]
    NotAFolder(PathBuf),
    #[error(
        "{dir} has no {file}: explain reads events.csv and decisions.csv; run the scenario again with --outputs {outputs} (or all), or with neither listed in spec.outputs"
    )]
    Missing {
        dir: PathBuf,
        file: &'static str,
        outputs: &'static str,
    },
    #[error("{}", unknown_job(.job, .file, .names))]
    UnknownJob {
        job: String,
        file: PathBuf,
        names: Vec<String>,
    },
    #[error("{file}:{line}: {why}")]
    Malformed { file: PathBuf, line: usize, why: RowError },
    #[error("reading {file}: {source}")]
    Io {
        file: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// What is wrong with a line of events.csv or decisions.csv.
#[derive(Debug, thiserror::Error)]
pub enum RowError {
    #[error("expected the header {0:?}")]
    Header(&'static str),
    #[error("the file is empty")]
    Empty,
    #[error("expected {0} fields")]
    Fields(usize),
    #[error("unknown event {0:?}")]
    UnknownEvent(String),
    #[error("the time does not read")]
    Time,
    #[error("the index does not read")]
    Index,
    #[error(transparent)]
    Cause(#[from] CauseError),
}

impl ExplainError {
    /// Whether the input was at fault (exit 2) rather than reading it (exit 1).
    pub fn bad_input(&self) -> bool {
        !matches!(self, ExplainError::Io { .. })
    }
}

/// How many Job names an unknown name's error lists.
const CLOSE_NAMES: usize = 5;

fn unknown_job(job: &str, file: &Path, names: &[String]) -> String {
    let mut msg = format!("no Job {job:?} in {}", file.display());
    if names.is_empty() {
        msg.push_str(": the run created no Job");
        return msg;
    }
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    if let Some(hint) = crate::suggest::did_you_mean(job, &refs) {
        msg.push_str(&format!(" (did you mean {hint:?}?)"));
    }
    // The closest names first, then the rest in the timeline's order.
    let mut by_distance: Vec<(usize, usize, &str)> = (refs.iter().enumerate())
        .map(|(i, n)| (crate::suggest::edit_distance(job, n), i, *n))
        .collect();
    by_distance.sort();
    let shown: Vec<&str> = by_distance.iter().take(CLOSE_NAMES).map(|(_, _, n)| *n).collect();
    msg.push_str(&format!(
        "; {} {}: {}",
        if names.len() > shown.len() {
            "closest of its"
        } else {
            "its"
        },
        if names.len() == 1 { "Job" } else { "Jobs" },
        shown.join(", ")
    ));
    if names.len() > shown.len() {
        msg.push_str(&format!(" (and {} more)", names.len() - shown.len()));
    }
    msg
}

/// Splits a CSV line whose last field alone may be quoted into `n` fields.
fn split_fields(line: &str, n: usize) -> Option<Vec<std::borrow::Cow<'_, str>>> {
    let mut parts: Vec<std::borrow::Cow<str>> = line.splitn(n, ',').map(Into::into).collect();
    if parts.len() != n {
        return None;
    }
    let last = parts.pop()?;
    parts.push(crate::output::events::unquote(&last).into_owned().into());
    Some(parts)
}

fn open(file: &Path) -> Result<std::io::BufReader<std::fs::File>, ExplainError> {
    std::fs::File::open(file)
        .map(std::io::BufReader::new)
        .map_err(|source| ExplainError::Io {
            file: file.to_path_buf(),
            source,
        })
}

/// Calls `each(line number, line)` for the lines after the header, which must be `header`.
fn each_line(
    file: &Path,
    header: &'static str,
    mut each: impl FnMut(usize, &str) -> Result<(), RowError>,
) -> Result<(), ExplainError> {
    let io = |source| ExplainError::Io {
        file: file.to_path_buf(),
        source,
    };
    let malformed = |line, why: RowError| ExplainError::Malformed {
        file: file.to_path_buf(),
        line,
        why,
    };
    let mut reader = open(file)?;
    let mut line = String::new();
    let mut n = 0;
    loop {
        line.clear();
        if reader.read_line(&mut line).map_err(io)? == 0 {
            break;
        }
        n += 1;
        let text = line.trim_end_matches(['\n', '\r']);
        if n == 1 {
            if text != header.trim_end() {
                return Err(malformed(1, RowError::Header(header.trim_end())));
            }
            continue;
        }
        each(n, text).map_err(|why| malformed(n, why))?;
    }
    if n == 0 {
        return Err(malformed(1, RowError::Empty));
    }
    Ok(())
}

/// Reads what `explain` needs of Job `job` (`NAME` or `NAMESPACE/NAME`) from
/// the run folder `dir`.
pub fn read(dir: &Path, job: &str) -> Result<(String, JobRecords), ExplainError> {
    if !dir.is_dir() {
        return Err(ExplainError::NotAFolder(dir.to_path_buf()));
    }
    let (events, decisions) = (dir.join("events.csv"), dir.join("decisions.csv"));
    for (file, name, outputs) in [
        (&events, "events.csv", "events,decisions"),
        (&decisions, "decisions.csv", "events,decisions"),
    ] {
        if !file.is_file() {
            return Err(ExplainError::Missing {
                dir: dir.to_path_buf(),
                file: name,
                outputs,
            });
        }
    }
    let (namespace, name) = match job.split_once('/') {
        Some((ns, name)) => (Some(ns), name),
        None => (None, job),
    };
    let mut rec = JobRecords::default();
    let mut seen: BTreeSet<String> = BTreeSet::new();
    each_line(&events, crate::output::events::HEADER, |_, line| {
        let f = split_fields(line, 6).ok_or(RowError::Fields(6))?;
        let j = f[1].as_ref();
        if j.is_empty() {
            return Ok(());
        }
        if !seen.contains(j) {
            seen.insert(j.to_string());
            rec.jobs.push(j.to_string());
        }
        if j != name {
            return Ok(());
        }
        let kind = EventKind::from_name(&f[4]).ok_or_else(|| RowError::UnknownEvent(f[4].to_string()))?;
        rec.events.push(EventRow {
            t: parse_seconds(&f[0]).ok_or(RowError::Time)?,
            pod: f[2].to_string(),
            index: if f[3].is_empty() {
                None
            } else {
                Some(f[3].parse().map_err(|_| RowError::Index)?)
            },
            kind,
            detail: f[5].to_string(),
        });
        Ok(())
    })?;
    if rec.events.is_empty() {
        return Err(ExplainError::UnknownJob {
            job: job.to_string(),
            file: events,
            names: rec.jobs,
        });
    }
    each_line(&decisions, crate::output::decisions::HEADER, |_, line| {
        let f = split_fields(line, 5).ok_or(RowError::Fields(5))?;
        if f[1] != name {
            return Ok(());
        }
        Cause::parse(&f[3], &f[4])?;
        rec.decisions.push(DecisionRow {
            t: parse_seconds(&f[0]).ok_or(RowError::Time)?,
            pod: f[2].to_string(),
            cause: f[3].to_string(),
            detail: f[4].to_string(),
        });
        Ok(())
    })?;
    let yaml = dir.join("jobs.yaml");
    if yaml.is_file() {
        rec.namespace = namespace_in_jobs_yaml(&yaml, name)?;
    }
    if let (Some(want), Some(got)) = (namespace, rec.namespace.as_deref())
        && want != got
    {
        return Err(ExplainError::UnknownJob {
            job: job.to_string(),
            file: yaml,
            names: vec![format!("{got}/{name}")],
        });
    }
    Ok((name.to_string(), rec))
}

/// The namespace of Job `name` in `jobs.yaml` (kubectl's list: each item's
/// `metadata` at two spaces, its fields at four).
fn namespace_in_jobs_yaml(file: &Path, name: &str) -> Result<Option<String>, ExplainError> {
    let io = |source| ExplainError::Io {
        file: file.to_path_buf(),
        source,
    };
    let (mut in_meta, mut item_name, mut item_ns) = (false, None::<String>, None::<String>);
    for line in open(file)?.lines() {
        let line = line.map_err(io)?;
        if line.starts_with("- ") {
            in_meta = false;
            item_name = None;
            item_ns = None;
        }
        if line == "  metadata:" {
            in_meta = true;
            continue;
        }
        if in_meta && !line.starts_with("    ") {
            in_meta = false;
        }
        if in_meta {
            if let Some(v) = line.strip_prefix("    name: ") {
                item_name = Some(v.trim_matches('"').to_string());
            } else if let Some(v) = line.strip_prefix("    namespace: ") {
                item_ns = Some(v.trim_matches('"').to_string());
            }
            if item_name.as_deref() == Some(name) && item_ns.is_some() {
                return Ok(item_ns);
            }
        }
    }
    Ok(None)
}

/// `1st`, `2nd`, `3rd`, `4th`, `11th`, `21st`.
pub fn ordinal(n: i64) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

fn plural(n: i64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// A duration as a sentence says it: `10 s`, `1.5 s`, `2m30s`.
fn dur(ms: u64) -> String {
    if ms < 60_000 {
        let s = format_seconds(ms);
        let s = s.trim_end_matches('0').trim_end_matches('.');
        format!("{s} s")
    } else {
        format_duration(ms)
    }
}

fn at(t: SimTime) -> String {
    format!("{} s", format_seconds(t))
}

/// The pod as a sentence names it, with its index.
fn pod_name(pod: &str, index: Option<i32>) -> String {
    match index {
        Some(i) => format!("pod {pod} (index {i})"),
        None => format!("pod {pod}"),
    }
}

/// The same, opening a sentence.
fn pod_subject(pod: &str, index: Option<i32>) -> String {
    format!("P{}", &pod_name(pod, index)[1..])
}

/// What the narrative remembers of a pod.
#[derive(Default)]
struct PodSeen {
    index: Option<i32>,
    unschedulable: Option<(SimTime, String)>,
    deleting: bool,
    evicted: bool,
    /// Why the controller deleted it, said already.
    deleted_by_controller: bool,
}

/// The batch period of pod events (`syncJobBatchPeriod`).
const BATCH_MS: SimTime = crate::controller::sync::SYNC_JOB_BATCH_PERIOD_MS as SimTime;

/// The Job's life in sentences: one line per moment worth saying, each
/// `TIME  TEXT`, then how it ended.
pub fn narrate(job: &str, rec: &JobRecords) -> Vec<String> {
    // Decisions are taken by a sync; the writes it makes show in the timeline
    // at the same instant, after them. A Job's creation comes first.
    enum Item<'a> {
        Event(&'a EventRow),
        Decision(&'a DecisionRow),
    }
    let mut items: Vec<(SimTime, u8, usize, Item)> = Vec::new();
    for (i, e) in rec.events.iter().enumerate() {
        // A change of the Job's spec wakes the sync that acts on it.
        let rank = match e.kind {
            EventKind::JobCreated | EventKind::JobSuspended | EventKind::JobResumed => 0,
            _ => 2,
        };
        items.push((e.t, rank, i, Item::Event(e)));
    }
    for (i, d) in rec.decisions.iter().enumerate() {
        items.push((d.t, 1, i, Item::Decision(d)));
    }
    items.sort_by_key(|(t, rank, i, _)| (*t, *rank, *i));

    let mut lines: Vec<(SimTime, String)> = Vec::new();
    let mut pods: BTreeMap<&str, PodSeen> = BTreeMap::new();
    let mut created = 0i64;
    // When the last pod was created (what a sync creates at once is said once).
    let mut created_at: Option<SimTime> = None;
    // When pods ended (the first at each time), to name the pod a batched sync follows.
    let mut ends: BTreeMap<SimTime, &str> = BTreeMap::new();
    // The sync at this time ran the batch period after a change (since, delay).
    let mut batched: Option<(SimTime, SimTime, u64)> = None;
    // A back-off the controller waits out: its length, failure count and when it ends.
    let mut backoff: Option<(u64, i32, SimTime)> = None;
    // The rule that decided the end, said again at the end.
    let mut decided: Option<(SimTime, String)> = None;
    let mut ended: Option<String> = None;
    // What a batched sync followed: the pod that ended then, if one did.
    let change = |since: SimTime, ends: &BTreeMap<SimTime, &str>| match ends.get(&since) {
        Some(pod) => format!("{pod} ended"),
        None => format!("a change of the Job or its pods at {}", at(since)),
    };
    let after_end = |t: SimTime, batched: Option<(SimTime, SimTime, u64)>, ends: &BTreeMap<SimTime, &str>| match batched
    {
        Some((at_t, since, delay)) if at_t == t => format!(
            " (the controller's first sync after {}: it batches a Job's pod events for {})",
            change(since, ends),
            dur(delay)
        ),
        _ => String::new(),
    };
    for (t, _, _, item) in &items {
        let t = *t;
        let mut say = |s: String| lines.push((t, s));
        match item {
            Item::Event(e) => {
                let detail = Detail::parse(e.kind, &e.detail).unwrap_or(Detail::None);
                let p = e.pod.as_str();
                use EventKind::*;
                match e.kind {
                    JobCreated => say("Job created.".into()),
                    JobStarted => say("The controller set status.startTime: the Job is running.".into()),
                    JobSuspended => say(
                        "Job suspended (spec.suspend: true): the controller creates no pods and deletes the active ones until it is resumed."
                            .into(),
                    ),
                    JobResumed => say("Job resumed (spec.suspend: false): the controller creates pods again.".into()),
                    PodCreated => {
                        created += 1;
                        pods.entry(p).or_default().index = e.index;
                        let mut s = format!("{} created ({} pod of the Job)", pod_subject(p, e.index), ordinal(created));
                        if let Some((len, failures, until)) = backoff.take().filter(|b| t >= b.2) {
                            s.push_str(&format!(
                                ", once the {} back-off after the {} failure had run out at {}",
                                dur(len),
                                ordinal(failures as i64),
                                at(until)
                            ));
                        } else if created_at != Some(t)
                            && let Some((_, since, delay)) = batched.filter(|b| b.0 == t)
                        {
                            s.push_str(&format!(
                                ", by the controller's first sync after {} (it batches a Job's pod events for {})",
                                change(since, &ends),
                                dur(delay)
                            ));
                        }
                        created_at = Some(t);
                        s.push('.');
                        say(s);
                    }
                    PodUnschedulable => {
                        let Detail::Reason { reason: msg, .. } = detail else { continue };
                        let seen = pods.entry(p).or_default();
                        if seen.unschedulable.as_ref().is_some_and(|(_, m)| m == msg) {
                            continue;
                        }
                        seen.unschedulable = Some((t, msg.to_string()));
                        say(format!(
                            "{} is Pending: the scheduler finds no node for it: \"{msg}\"",
                            pod_subject(p, e.index)
                        ));
                    }
                    PodScheduled => {
                        let seen = pods.entry(p).or_default();
                        if let Some((since, _)) = seen.unschedulable.take() {
                            let node = match detail {
                                Detail::Bound { node, .. } => node,
                                _ => "a node",
                            };
                            say(format!(
                                "{} bound to {node} after waiting {} for a node.",
                                pod_subject(p, e.index),
                                dur(t - since)
                            ));
                        }
                    }
                    PodSucceeded => {
                        ends.entry(t).or_insert(p);
                        // A success ends the back-off: failures count from the last success.
                        backoff = None;
                        say(format!("{} succeeded (exit code 0).", pod_subject(p, e.index)));
                    }
                    PodFailed => {
                        ends.entry(t).or_insert(p);
                        let seen = pods.entry(p).or_default();
                        let why = match detail {
                            Detail::Exited { exit_code, container } => {
                                let mut s = format!("container {container} exited with code {exit_code}");
                                if seen.deleting && exit_code == 143 {
                                    s.push_str(" (SIGTERM: the pod was being deleted)");
                                } else if exit_code == 137 {
                                    s.push_str(" (SIGKILL)");
                                }
                                s
                            }
                            Detail::Reason {
                                reason: "DeletedBeforeStart",
                                ..
                            } => "it was deleted before its container started".into(),
                            Detail::Reason {
                                reason: "NodeLost", ..
                            } => "its node was lost".into(),
                            Detail::Reason { reason, .. } if !reason.is_empty() => format!("reason {reason}"),
                            _ => "no reason given".into(),
                        };
                        say(format!("{} failed: {why}.", pod_subject(p, e.index)));
                    }
                    ContainerRestarted => {
                        if let Detail::Restarted {
                            exit_code,
                            container,
                            restart_count,
                            backoff_ms,
                        } = detail
                        {
                            say(format!(
                                "Container {container} of {} exited with code {exit_code} and the kubelet restarted it in place after a {} crash back-off ({} restart); with restartPolicy: OnFailure, restarts count against backoffLimit.",
                                pod_name(p, e.index),
                                dur(backoff_ms),
                                ordinal(restart_count as i64)
                            ));
                        }
                    }
                    PodEvicted => {
                        let seen = pods.entry(p).or_default();
                        seen.evicted = true;
                        let reason = match detail {
                            Detail::Reason { reason, .. } => reason,
                            _ => "",
                        };
                        let how = match reason {
                            "EvictionByEvictionAPI" => "by the Eviction API (a drain)",
                            "DeletionByTaintManager" => "by the taint manager (its node was lost)",
                            "TerminationByKubelet" => "by the kubelet",
                            _ => "",
                        };
                        say(format!(
                            "{} evicted {how}: condition DisruptionTarget=True, reason {reason}.",
                            pod_subject(p, e.index)
                        ));
                    }
                    PodPreempted => {
                        let seen = pods.entry(p).or_default();
                        seen.evicted = true;
                        let by = match detail {
                            Detail::Reason { message, .. } if !message.is_empty() => format!(" ({message})"),
                            _ => String::new(),
                        };
                        say(format!(
                            "{} preempted by the scheduler for a higher-priority pod{by}: condition DisruptionTarget=True, reason PreemptionByScheduler.",
                            pod_subject(p, e.index)
                        ));
                    }
                    PodDeleting => {
                        let seen = pods.entry(p).or_default();
                        seen.deleting = true;
                        if seen.deleted_by_controller || seen.evicted {
                            continue;
                        }
                        let grace = match detail {
                            Detail::Grace { grace_ms } => format!(" with a grace period of {}", dur(grace_ms)),
                            _ => String::new(),
                        };
                        say(format!("{} deleted{grace}.", pod_subject(p, e.index)));
                    }
                    JobFailureTarget | JobSuccessCriteriaMet | JobComplete | JobFailed | JobDeleted
                    | JobUpdateRejected => {
                        let (reason, message) = match detail {
                            Detail::Reason { reason, message } => (reason, message),
                            _ => ("", ""),
                        };
                        let rm = match (reason, message) {
                            ("", _) => String::new(),
                            (r, "") => format!(": {r}"),
                            (r, m) => format!(": {r}: {m}"),
                        };
                        let s = match e.kind {
                            JobFailureTarget => {
                                format!("The API stored the condition FailureTarget{rm}; the Job fails once its pods are gone.")
                            }
                            JobSuccessCriteriaMet => format!(
                                "The API stored the condition SuccessCriteriaMet{rm}; the Job completes once its pods are gone."
                            ),
                            JobComplete => {
                                ended = Some(format!("Complete{rm}"));
                                format!("Job complete (condition Complete{rm}).")
                            }
                            JobFailed => {
                                ended = Some(format!("Failed{rm}"));
                                format!("Job failed (condition Failed{rm}).")
                            }
                            JobDeleted => {
                                ended.get_or_insert_with(|| format!("deleted{rm}"));
                                format!("Job deleted{rm}.")
                            }
                            _ => format!("An update of the Job was rejected{rm}."),
                        };
                        say(s);
                    }
                    PodRunning | PodReady | PodDeleted | NodeLost | NodeRecovered | NodeDrained | NodeAdded
                    | NodeRemoved => {}
                }
            }
            Item::Decision(d) => {
                let Ok(cause) = Cause::parse(&d.cause, &d.detail) else {
                    continue;
                };
                let p = d.pod.as_str();
                match cause {
                    Cause::Backoff {
                        failures,
                        last_failure,
                        backoff_ms,
                        remaining_ms,
                        requeue_ms,
                    } => {
                        let until = last_failure + backoff_ms;
                        backoff = Some((backoff_ms, failures, until));
                        // The failure's pod ended within that second, but not on it.
                        let whole = if !ends.contains_key(&last_failure)
                            && ends.range(last_failure..last_failure + 1000).next().is_some()
                        {
                            " (the API stores it in whole seconds)"
                        } else {
                            ""
                        };
                        let mut s = format!(
                            "No pod created: the pod-failure back-off of {} after the {} failure since the last success (10 s · 2^(n−1) with n = {}{}) runs from that failure's finish time, {}{whole}, to {}",
                            dur(backoff_ms),
                            ordinal(failures as i64),
                            failures,
                            if backoff_ms < 10_000u64 << (failures - 1).clamp(0, 20) {
                                ", capped"
                            } else {
                                ""
                            },
                            at(last_failure),
                            at(until)
                        );
                        s.push_str(&after_end(t, batched, &ends));
                        s.push_str(&format!("; the controller syncs the Job again in {}", dur(requeue_ms)));
                        if requeue_ms > remaining_ms {
                            s.push_str(&format!(" (never sooner than the {} batch period)", dur(BATCH_MS)));
                        }
                        s.push('.');
                        say(s);
                    }
                    Cause::IndexBackoff {
                        remaining_ms,
                        requeue_ms,
                    } => say(format!(
                        "No pod created: every index that needs a pod is in its per-index back-off (backoffLimitPerIndex), the first ending in {}; the controller syncs again in {}.",
                        dur(remaining_ms),
                        dur(requeue_ms)
                    )),
                    Cause::Expectations { creations, deletions } => {
                        let mut what = Vec::new();
                        if creations > 0 {
                            what.push(plural(creations, "pod creation", "pod creations"));
                        }
                        if deletions > 0 {
                            what.push(plural(deletions, "pod deletion", "pod deletions"));
                        }
                        let what = if what.is_empty() {
                            "the pods it created or deleted".to_string()
                        } else {
                            what.join(" and ")
                        };
                        say(format!(
                            "No pod created or deleted: expectations not yet satisfied; the controller waits to see {what} it made in its informer."
                        ));
                    }
                    Cause::Throttled {
                        requests,
                        creates,
                        delay_ms,
                    } => {
                        let of = if creates > 0 {
                            format!(" ({})", plural(creates as i64, "pod creation", "pod creations"))
                        } else {
                            String::new()
                        };
                        say(format!(
                            "The API client's rate limiter (kubeAPIQPS, kubeAPIBurst) holds back this sync's {}{of}: its last call returns {} later than it would without it.",
                            plural(requests as i64, "request", "requests"),
                            dur(delay_ms)
                        ));
                    }
                    Cause::Delete { why } => {
                        let seen = pods.entry(p).or_default();
                        seen.deleted_by_controller = true;
                        let name = pod_name(p, seen.index);
                        let because = match why {
                            DeleteWhy::JobFinishing => "the Job is finishing (its end is decided)".to_string(),
                            DeleteWhy::Suspended => "the Job is suspended".to_string(),
                            DeleteWhy::Excess { active, wanted } => format!(
                                "{} were active and the Job wants {wanted}",
                                plural(active as i64, "pod", "pods")
                            ),
                        };
                        say(format!("The controller deletes {name} because {because}."));
                    }
                    Cause::Batched { since, delay_ms } => batched = Some((t, since, delay_ms)),
                    Cause::PolicyRule { index, action } => {
                        let name = pod_name(p, pods.get(p).and_then(|s| s.index));
                        let meaning = match action {
                            "Ignore" => "not counted against backoffLimit, the pod is replaced",
                            "Count" => "counted against backoffLimit",
                            "FailJob" => "the Job fails",
                            "FailIndex" => "its index fails",
                            _ => "",
                        };
                        say(format!(
                            "The failure of {name} matches podFailurePolicy rule {index} ({action}): {meaning}."
                        ));
                    }
                    Cause::Finish {
                        condition,
                        reason,
                        rule,
                    } => {
                        let verdict = match condition {
                            "FailureTarget" | "Failed" => "fails",
                            _ => "succeeds",
                        };
                        let why = rule_sentence(&rule, condition);
                        let sync = after_end(t, batched, &ends);
                        let s = if rule == Rule::Carried {
                            format!(
                                "The controller prepares the condition {condition}{}: {why}.",
                                reason_of(reason)
                            )
                        } else {
                            format!(
                                "The controller decides the Job {verdict}{sync}: {why}; condition {condition}{}.",
                                reason_of(reason)
                            )
                        };
                        if rule != Rule::Carried {
                            decided = Some((t, why));
                        }
                        say(s);
                    }
                }
            }
        }
    }
    let mut out: Vec<String> = Vec::with_capacity(lines.len() + 4);
    let width = lines.iter().map(|(t, _)| format_seconds(*t).len()).max().unwrap_or(5);
    for (t, s) in &lines {
        out.push(format!("{:>width$}  {s}", format_seconds(*t)));
    }
    out.push(String::new());
    match (&ended, &decided) {
        (Some(end), Some((t, why))) => out.push(format!("Ended {end}. Decided at {} by the rule: {why}.", at(*t))),
        (Some(end), None) => out.push(format!("Ended {end}.")),
        (None, _) => out.push(format!(
            "{job} had not finished when the run ended (its last record is at {}).",
            at(lines.last().map_or(0, |(t, _)| *t))
        )),
    }
    out
}

fn reason_of(reason: &str) -> String {
    if reason.is_empty() {
        String::new()
    } else {
        format!(" (reason {reason})")
    }
}

/// The rule that decided the Job's end, as a clause.
fn rule_sentence(rule: &Rule, condition: &str) -> String {
    match *rule {
        Rule::BackoffLimit { failed, limit } => format!(
            "backoffLimit reached: {} counted, more than backoffLimit {limit}",
            plural(failed as i64, "failed pod", "failed pods")
        ),
        Rule::RestartLimit { restarts, limit } => format!(
            "backoffLimit reached by container restarts (restartPolicy: OnFailure): {} across its pending and running pods, backoffLimit {limit}",
            plural(restarts, "restart", "restarts")
        ),
        Rule::PodFailurePolicy { index, pod } => {
            format!("podFailurePolicy rule {index} (FailJob) matched the failure of pod {pod}")
        }
        Rule::ActiveDeadline { seconds } => {
            format!("activeDeadlineSeconds ({seconds} s) passed since status.startTime")
        }
        Rule::MaxFailedIndexes { failed, max } => format!(
            "{} failed, more than maxFailedIndexes {max}",
            plural(failed, "index", "indexes")
        ),
        Rule::FailedIndexes { failed } => format!(
            "every index succeeded or failed, and {} failed (backoffLimitPerIndex)",
            plural(failed, "index", "indexes")
        ),
        Rule::SuccessPolicy { index } => format!("successPolicy rule {index} matched the succeeded indexes"),
        Rule::Completions {
            succeeded,
            completions: Some(c),
        } => format!(
            "{} succeeded, reaching completions {c}",
            plural(succeeded as i64, "pod", "pods")
        ),
        Rule::Completions { .. } => {
            "a pod succeeded and none is active (no completions: a work queue ends with its first success)".into()
        }
        Rule::Carried => format!(
            "it follows the {} condition set earlier, and is written once no pod of the Job is left terminating or uncounted",
            if condition == "Failed" {
                "FailureTarget"
            } else {
                "SuccessCriteriaMet"
            }
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(t: SimTime, pod: &str, kind: EventKind, detail: &str) -> EventRow {
        EventRow {
            t,
            pod: pod.into(),
            index: None,
            kind,
            detail: detail.into(),
        }
    }

    fn dec(t: SimTime, pod: &str, cause: &str, detail: &str) -> DecisionRow {
        DecisionRow {
            t,
            pod: pod.into(),
            cause: cause.into(),
            detail: detail.into(),
        }
    }

    #[test]
    fn ordinals() {
        let got: Vec<String> = [1, 2, 3, 4, 11, 12, 13, 21, 22, 101, 111].map(ordinal).to_vec();
        assert_eq!(
            got,
            [
                "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "101st", "111th"
            ]
        );
    }

    /// A back-off, the pod created when it ran out, and the end by backoffLimit.
    #[test]
    fn a_backoff_and_the_rule_that_ended_the_job() {
        use EventKind::*;
        let rec = JobRecords {
            events: vec![
                ev(0, "", JobCreated, ""),
                ev(0, "j-a", PodCreated, ""),
                ev(5_000, "j-a", PodFailed, "exitCode=1;container=main"),
                ev(15_000, "j-b", PodCreated, ""),
                ev(20_000, "j-b", PodFailed, "exitCode=1;container=main"),
                ev(
                    21_000,
                    "",
                    JobFailed,
                    "reason=BackoffLimitExceeded;message=Job has reached the specified backoff limit",
                ),
            ],
            decisions: vec![
                dec(6_000, "", "Batched", "since=5.000;delay=1s"),
                dec(21_000, "", "Batched", "since=20.000;delay=1s"),
                dec(
                    6_000,
                    "",
                    "Backoff",
                    "failures=1;lastFailure=5.000;backoff=10s;remaining=9s;requeue=9s",
                ),
                dec(
                    21_000,
                    "",
                    "Finish",
                    "condition=Failed;reason=BackoffLimitExceeded;rule=backoffLimit;failed=2;limit=1",
                ),
            ],
            ..Default::default()
        };
        let text = narrate("j", &rec).join("\n");
        assert_eq!(
            text,
            " 0.000  Job created.
 0.000  Pod j-a created (1st pod of the Job).
 5.000  Pod j-a failed: container main exited with code 1.
 6.000  No pod created: the pod-failure back-off of 10 s after the 1st failure since the last success (10 s · 2^(n−1) with n = 1) runs from that failure's finish time, 5.000 s, to 15.000 s (the controller's first sync after j-a ended: it batches a Job's pod events for 1 s); the controller syncs the Job again in 9 s.
15.000  Pod j-b created (2nd pod of the Job), once the 10 s back-off after the 1st failure had run out at 15.000 s.
20.000  Pod j-b failed: container main exited with code 1.
21.000  The controller decides the Job fails (the controller's first sync after j-b ended: it batches a Job's pod events for 1 s): backoffLimit reached: 2 failed pods counted, more than backoffLimit 1; condition Failed (reason BackoffLimitExceeded).
21.000  Job failed (condition Failed: BackoffLimitExceeded: Job has reached the specified backoff limit).

Ended Failed: BackoffLimitExceeded: Job has reached the specified backoff limit. Decided at 21.000 s by the rule: backoffLimit reached: 2 failed pods counted, more than backoffLimit 1."
        );
    }

    /// Pods deleted by the controller say why once; an unschedulable pod
    /// names the scheduler's message, once per message, and its wait.
    #[test]
    fn deletions_and_waits_for_room() {
        use EventKind::*;
        let msg = "reason=0/1 nodes are available: 1 Too many pods.";
        let rec = JobRecords {
            events: vec![
                ev(0, "", JobCreated, ""),
                ev(0, "j-a", PodCreated, ""),
                ev(100, "j-a", PodUnschedulable, msg),
                ev(5_100, "j-a", PodUnschedulable, msg),
                ev(61_100, "j-a", PodScheduled, "node=small-0"),
                ev(70_000, "j-a", PodDeleting, "grace=30s"),
                ev(71_000, "j-a", PodFailed, "exitCode=143;container=main"),
            ],
            decisions: vec![dec(70_000, "j-a", "Delete", "why=Suspended")],
            ..Default::default()
        };
        let lines = narrate("j", &rec);
        assert_eq!(
            &lines[2..6],
            [
                " 0.100  Pod j-a is Pending: the scheduler finds no node for it: \"0/1 nodes are available: 1 Too many pods.\"",
                "61.100  Pod j-a bound to small-0 after waiting 1m1s for a node.",
                "70.000  The controller deletes pod j-a because the Job is suspended.",
                "71.000  Pod j-a failed: container main exited with code 143 (SIGTERM: the pod was being deleted).",
            ]
        );
        assert_eq!(
            lines.last().unwrap(),
            "j had not finished when the run ended (its last record is at 71.000 s)."
        );
    }

    /// The other causes, each in its sentence.
    #[test]
    fn expectations_rate_limits_policy_rules_and_carried_conditions() {
        use EventKind::*;
        let rec = JobRecords {
            events: vec![
                ev(0, "", JobCreated, ""),
                ev(40_000, "j-a", PodFailed, "exitCode=137;container=main"),
                ev(
                    50_000,
                    "",
                    JobFailed,
                    "reason=PodFailurePolicy;message=Container main for pod default/j-b failed with exit code 42 matching FailJob rule at index 0",
                ),
            ],
            decisions: vec![
                dec(0, "", "Throttled", "requests=31;creates=30;delay=500ms"),
                dec(2_000, "", "Expectations", "creations=2;deletions=0"),
                dec(3_000, "", "IndexBackoff", "remaining=9.5s;requeue=9.5s"),
                dec(41_000, "j-a", "PolicyRule", "index=1;action=Ignore"),
                dec(
                    45_000,
                    "",
                    "Finish",
                    "condition=FailureTarget;reason=PodFailurePolicy;rule=podFailurePolicy;index=0;pod=j-b",
                ),
                dec(
                    46_000,
                    "",
                    "Finish",
                    "condition=Failed;reason=PodFailurePolicy;rule=carried",
                ),
            ],
            ..Default::default()
        };
        let lines = narrate("j", &rec);
        let want = [
            " 0.000  The API client's rate limiter (kubeAPIQPS, kubeAPIBurst) holds back this sync's 31 requests (30 pod creations): its last call returns 0.5 s later than it would without it.",
            " 2.000  No pod created or deleted: expectations not yet satisfied; the controller waits to see 2 pod creations it made in its informer.",
            " 3.000  No pod created: every index that needs a pod is in its per-index back-off (backoffLimitPerIndex), the first ending in 9.5 s; the controller syncs again in 9.5 s.",
            "40.000  Pod j-a failed: container main exited with code 137 (SIGKILL).",
            "41.000  The failure of pod j-a matches podFailurePolicy rule 1 (Ignore): not counted against backoffLimit, the pod is replaced.",
            "45.000  The controller decides the Job fails: podFailurePolicy rule 0 (FailJob) matched the failure of pod j-b; condition FailureTarget (reason PodFailurePolicy).",
            "46.000  The controller prepares the condition Failed (reason PodFailurePolicy): it follows the FailureTarget condition set earlier, and is written once no pod of the Job is left terminating or uncounted.",
        ];
        assert_eq!(&lines[1..8], want);
        assert_eq!(
            lines.last().unwrap(),
            "Ended Failed: PodFailurePolicy: Container main for pod default/j-b failed with exit code 42 matching FailJob rule at index 0. Decided at 45.000 s by the rule: podFailurePolicy rule 0 (FailJob) matched the failure of pod j-b."
        );
    }

    #[test]
    fn an_unknown_job_lists_the_closest_names() {
        let names: Vec<String> = ["etl-0", "etl-1", "pi", "render", "etl-2", "queue-worker", "etl-3"]
            .map(String::from)
            .to_vec();
        let msg = unknown_job("etl-9", Path::new("out/events.csv"), &names);
        assert_eq!(
            msg,
            "no Job \"etl-9\" in out/events.csv (did you mean \"etl-0\"?); closest of its Jobs: etl-0, etl-1, etl-2, etl-3, pi (and 2 more)"
        );
        assert_eq!(
            unknown_job("render-job", Path::new("e.csv"), &["pi".to_string()]),
            "no Job \"render-job\" in e.csv; its Job: pi"
        );
    }
}
