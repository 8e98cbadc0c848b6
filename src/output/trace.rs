//! `trace.json`: replication 0 in the Chrome trace event format, which
//! ui.perfetto.dev and chrome://tracing open as is.
//!
//! Built from the timeline's rows as they come (a sink beside `events.csv`'s
//! writer): a process per workload (`pid` = workload index + 1), and under it
//! a track per Job (its life and suspensions as slices, its conditions as
//! instants) and tracks for its pods. Pod attempts of a Job overlap in time,
//! and slices on one track must nest, so each pod attempt goes on a lane of
//! its Job, the lowest lane free when it is created ([`Lanes`]), shown as the
//! track `<job> #<lane>`. Track ids (`tid`) are handed out in the order tracks
//! are first used, within each process; `thread_sort_index` orders them by Job
//! ordinal, then lane.
//!
//! A pod attempt is a slice from `PodCreated` to its end (`PodSucceeded`,
//! `PodFailed` or `PodDeleted`, whichever comes first), with its phases as
//! child slices: `pending` (created → scheduled), `starting` (scheduled →
//! running), `running` (running → exit or deletion) and `terminating`
//! (`PodDeleting` → end). A slice is written when it ends, so the file is not
//! in time order (Perfetto does not need it to be); what stays in memory is
//! the pods alive and a few numbers per Job. Whatever is still open when the
//! run ends is closed at its end, with `"open": true` in its args.
//!
//! The trace stops at a cut-off, the creation of the pod past
//! [`MAX_POD_ATTEMPTS`] or of the Job past [`MAX_JOBS`]: what it already
//! follows goes on to its end, but no new Job or pod is drawn and the counters
//! stop there. `otherData` gives the cut-off and how many pod attempts were
//! left out. So the file and the memory stay bounded on the largest runs.
//! Back-off waits and the client's rate-limiter waits are not in the
//! timeline's rows, so not in the trace.

use crate::record::{Detail, EventKind, EventLog, Row};
use crate::scenario::Scenario;
use crate::time::SimTime;
use std::collections::{BTreeMap, BTreeSet};
use std::io::{self, Write};

/// Pod attempts drawn as slices at most; past them the trace keeps its Job
/// tracks and counters only (a browser's trace viewer slows down well before
/// a million slices).
pub const MAX_POD_ATTEMPTS: u64 = 10_000;

/// Jobs drawn at most, for the same reason.
pub const MAX_JOBS: usize = 10_000;

/// The lanes of one Job: a new pod takes the lowest free one, an ended pod
/// frees its own. Two pods on one lane never overlap (one may start the
/// instant the other ends).
#[derive(Debug, Default)]
pub struct Lanes {
    free: BTreeSet<u32>,
    used: u32,
}

impl Lanes {
    pub fn take(&mut self) -> u32 {
        self.free.pop_first().unwrap_or_else(|| {
            self.used += 1;
            self.used - 1
        })
    }

    pub fn give(&mut self, lane: u32) {
        self.free.insert(lane);
    }
}

/// A pod's phases, in the only order they may follow.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Phase {
    Pending,
    Starting,
    Running,
    Terminating,
}

impl Phase {
    fn name(self) -> &'static str {
        match self {
            Phase::Pending => "pending",
            Phase::Starting => "starting",
            Phase::Running => "running",
            Phase::Terminating => "terminating",
        }
    }
}

struct JobTrack {
    pid: u32,
    /// The Job's own track.
    tid: u32,
    ordinal: u32,
    lanes: Lanes,
    /// Each lane's track.
    lane_tids: Vec<u32>,
    created: SimTime,
    /// Until the Job completed, failed or was deleted.
    alive: bool,
    suspended: Option<SimTime>,
    /// Ended suspensions, written after the life slice they lie in (a
    /// viewer reading slices of one start in file order nests them so).
    suspensions: Vec<(SimTime, SimTime)>,
}

struct Pod {
    job: String,
    pid: u32,
    lane: u32,
    index: Option<i32>,
    created: SimTime,
    phase: (Phase, SimTime),
    /// Ended phases: (phase, from, to).
    phases: Vec<(Phase, SimTime, SimTime)>,
    ran: bool,
    node: String,
    exit_code: Option<i32>,
    reason: String,
    restarts: u32,
}

/// Writes `trace.json` from the timeline's rows.
pub struct TraceLog<W: Write> {
    out: W,
    pub error: Option<io::Error>,
    /// Each workload's Job name and count (to find a Job's workload and ordinal).
    workloads: Vec<(String, u32)>,
    jobs: BTreeMap<String, JobTrack>,
    /// The next track id of each process.
    next_tid: Vec<u32>,
    /// Pods alive, by name (ordered, for what is closed at the end).
    pods: BTreeMap<String, Pod>,
    /// Pods pending and running, per process.
    counts: Vec<(i64, i64)>,
    attempts: u64,
    traced: u64,
    /// When the trace stopped following new Jobs and pods.
    cutoff: Option<SimTime>,
    limits: (u64, usize),
    other: String,
}

/// What the trace left out.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TraceCounts {
    pub attempts: u64,
    pub traced: u64,
    /// When the trace stopped following new Jobs and pods.
    pub cutoff: Option<SimTime>,
}

fn ts(t: SimTime) -> u64 {
    t.saturating_mul(1000)
}

fn json_str(s: &str) -> String {
    serde_json::to_string(s).expect("a string serializes")
}

impl<W: Write> TraceLog<W> {
    pub fn new(out: W, sc: &Scenario) -> Self {
        let workloads: Vec<(String, u32)> = sc
            .workloads
            .iter()
            .map(|w| (w.manifest.metadata.name.clone(), w.count))
            .collect();
        let n = workloads.len();
        let other = format!(
            "\"scenario\":{},\"seed\":{},\"replication\":0,\"ts\":\"microseconds of simulated time since t=0\"",
            json_str(&sc.name),
            sc.seed
        );
        let mut log = TraceLog {
            out,
            error: None,
            workloads,
            jobs: BTreeMap::new(),
            next_tid: vec![1; n + 1],
            pods: BTreeMap::new(),
            counts: vec![(0, 0); n + 1],
            attempts: 0,
            traced: 0,
            cutoff: None,
            limits: (MAX_POD_ATTEMPTS, MAX_JOBS),
            other,
        };
        log.put("{\"traceEvents\":[\n");
        for (i, w) in sc.workloads.iter().enumerate() {
            let pid = i + 1;
            let name = json_str(&w.name);
            log.event(&format!(
                "{{\"ph\":\"M\",\"name\":\"process_name\",\"pid\":{pid},\"tid\":0,\"args\":{{\"name\":{name}}}}}"
            ));
            log.event(&format!(
                "{{\"ph\":\"M\",\"name\":\"process_sort_index\",\"pid\":{pid},\"tid\":0,\"args\":{{\"sort_index\":{pid}}}}}"
            ));
        }
        log
    }

    fn put(&mut self, s: &str) {
        if self.error.is_none()
            && let Err(e) = self.out.write_all(s.as_bytes())
        {
            self.error = Some(e);
        }
    }

    /// One event, after the first separated by a comma.
    fn event(&mut self, json: &str) {
        // The opening `[` is followed by a newline; later events by `,\n`.
        self.put(json);
        self.put(",\n");
    }

    /// A Job's workload (process) and ordinal, from its name.
    fn locate(&self, job: &str) -> (u32, u32) {
        for (i, (base, count)) in self.workloads.iter().enumerate() {
            if *count == 1 {
                if job == base {
                    return (i as u32 + 1, 0);
                }
            } else if let Some(o) = job
                .strip_prefix(base.as_str())
                .and_then(|r| r.strip_prefix('-'))
                .and_then(|n| n.parse::<u32>().ok())
                .filter(|o| o < count)
            {
                return (i as u32 + 1, o);
            }
        }
        (0, 0)
    }

    fn thread(&mut self, pid: u32, name: &str, sort: u64) -> u32 {
        let tid = self.next_tid[pid as usize];
        self.next_tid[pid as usize] += 1;
        let name = json_str(name);
        self.event(&format!(
            "{{\"ph\":\"M\",\"name\":\"thread_name\",\"pid\":{pid},\"tid\":{tid},\"args\":{{\"name\":{name}}}}}"
        ));
        self.event(&format!(
            "{{\"ph\":\"M\",\"name\":\"thread_sort_index\",\"pid\":{pid},\"tid\":{tid},\"args\":{{\"sort_index\":{sort}}}}}"
        ));
        tid
    }

    /// The Job's track, made when first seen before the cut-off.
    fn job(&mut self, job: &str, t: SimTime) -> Option<&mut JobTrack> {
        if !self.jobs.contains_key(job) {
            if self.cutoff.is_some() {
                return None;
            }
            if self.jobs.len() >= self.limits.1 {
                self.cutoff = Some(t);
                return None;
            }
            let (pid, ordinal) = self.locate(job);
            let tid = self.thread(pid, job, u64::from(ordinal) << 32);
            self.jobs.insert(
                job.to_string(),
                JobTrack {
                    pid,
                    tid,
                    ordinal,
                    lanes: Lanes::default(),
                    lane_tids: Vec::new(),
                    created: t,
                    alive: true,
                    suspended: None,
                    suspensions: Vec::new(),
                },
            );
        }
        self.jobs.get_mut(job)
    }

    #[allow(clippy::too_many_arguments)]
    fn slice(&mut self, name: &str, cat: &str, pid: u32, tid: u32, from: SimTime, to: SimTime, args: &str) {
        let (name, from_us, dur) = (json_str(name), ts(from), ts(to.saturating_sub(from)));
        self.event(&format!(
            "{{\"ph\":\"X\",\"cat\":\"{cat}\",\"name\":{name},\"pid\":{pid},\"tid\":{tid},\"ts\":{from_us},\"dur\":{dur},\"args\":{{{args}}}}}"
        ));
    }

    fn instant(&mut self, name: &str, pid: u32, tid: u32, t: SimTime, args: &str) {
        let (name, t) = (json_str(name), ts(t));
        self.event(&format!(
            "{{\"ph\":\"i\",\"s\":\"t\",\"name\":{name},\"pid\":{pid},\"tid\":{tid},\"ts\":{t},\"args\":{{{args}}}}}"
        ));
    }

    fn counter(&mut self, pid: u32, t: SimTime) {
        if self.cutoff.is_some() {
            return;
        }
        let (pending, running) = self.counts[pid as usize];
        let t = ts(t);
        self.event(&format!(
            "{{\"ph\":\"C\",\"name\":\"pods\",\"pid\":{pid},\"tid\":0,\"ts\":{t},\"args\":{{\"pending\":{pending},\"running\":{running}}}}}"
        ));
    }

    /// Ends the Job's life slice (and a suspension still open) at `t`.
    fn end_job(&mut self, job: &str, t: SimTime, status: &str, open: bool) {
        let Some(j) = self.jobs.get_mut(job).filter(|j| j.alive) else {
            return;
        };
        j.alive = false;
        let (pid, tid, created, suspended) = (j.pid, j.tid, j.created, j.suspended.take());
        let suspensions = std::mem::take(&mut j.suspensions);
        let mut args = format!("\"status\":{}", json_str(status));
        if open {
            args.push_str(",\"open\":true");
        }
        self.slice(job, "job", pid, tid, created, t, &args);
        for (from, to) in suspensions {
            self.slice("suspended", "job", pid, tid, from, to, "");
        }
        if let Some(from) = suspended {
            // Suspended when the Job ended, or when the run did.
            self.slice("suspended", "job", pid, tid, from, t, &open_arg(open));
        }
    }

    fn pod_created(&mut self, row: &Row) {
        self.attempts += 1;
        if self.cutoff.is_none() && self.traced >= self.limits.0 {
            self.cutoff = Some(row.t);
        }
        if self.cutoff.is_some() {
            return;
        }
        let Some(j) = self.job(row.job, row.t) else { return };
        let (pid, ordinal) = (j.pid, j.ordinal);
        let lane = j.lanes.take();
        if j.lane_tids.len() <= lane as usize {
            let name = format!("{} #{lane}", row.job);
            let tid = self.thread(pid, &name, (u64::from(ordinal) << 32) + u64::from(lane) + 1);
            self.jobs.get_mut(row.job).expect("seen").lane_tids.push(tid);
        }
        self.traced += 1;
        self.pods.insert(
            row.pod.to_string(),
            Pod {
                job: row.job.to_string(),
                pid,
                lane,
                index: row.index,
                created: row.t,
                phase: (Phase::Pending, row.t),
                phases: Vec::new(),
                ran: false,
                node: String::new(),
                exit_code: None,
                reason: String::new(),
                restarts: 0,
            },
        );
        self.counts[pid as usize].0 += 1;
        self.counter(pid, row.t);
    }

    /// The pod's track, if it is drawn.
    fn pod_track(&self, pod: &str) -> Option<(u32, u32)> {
        let p = self.pods.get(pod)?;
        let tid = self.jobs.get(&p.job)?.lane_tids.get(p.lane as usize)?;
        Some((p.pid, *tid))
    }

    fn pod_phase(&mut self, pod: &str, phase: Phase, t: SimTime) {
        let Some(p) = self.pods.get_mut(pod) else { return };
        if phase <= p.phase.0 {
            return;
        }
        p.phases.push((p.phase.0, p.phase.1, t));
        p.phase = (phase, t);
        if phase == Phase::Running && !p.ran {
            p.ran = true;
            let pid = p.pid as usize;
            self.counts[pid].0 -= 1;
            self.counts[pid].1 += 1;
            self.counter(pid as u32, t);
        }
    }

    fn pod_ended(&mut self, pod: &str, t: SimTime, end: &str, open: bool) {
        let track = self.pod_track(pod);
        let Some(mut p) = self.pods.remove(pod) else { return };
        let pid = p.pid as usize;
        if p.ran {
            self.counts[pid].1 -= 1;
        } else {
            self.counts[pid].0 -= 1;
        }
        self.counter(p.pid, t);
        let Some((pid, tid)) = track else { return };
        p.phases.push((p.phase.0, p.phase.1, t));
        if let Some(j) = self.jobs.get_mut(&p.job) {
            j.lanes.give(p.lane);
        }
        let mut args = format!("\"end\":{}", json_str(end));
        if let Some(i) = p.index {
            args.push_str(&format!(",\"index\":{i}"));
        }
        if let Some(c) = p.exit_code {
            args.push_str(&format!(",\"exitCode\":{c}"));
        }
        if !p.reason.is_empty() {
            args.push_str(&format!(",\"reason\":{}", json_str(&p.reason)));
        }
        if !p.node.is_empty() {
            args.push_str(&format!(",\"node\":{}", json_str(&p.node)));
        }
        if p.restarts > 0 {
            args.push_str(&format!(",\"restarts\":{}", p.restarts));
        }
        if open {
            args.push_str(",\"open\":true");
        }
        self.slice(pod, "pod", pid, tid, p.created, t, &args);
        for &(phase, from, to) in &p.phases {
            if to > from {
                self.slice(phase.name(), "phase", pid, tid, from, to, "");
            }
        }
    }

    /// Closes what is open at `end`, writes `otherData` and the closing
    /// brackets; returns the writer and the first write error.
    pub fn finish(mut self, end: SimTime) -> (W, Option<io::Error>, TraceCounts) {
        let open: Vec<String> = self.pods.keys().cloned().collect();
        for pod in open {
            self.pod_ended(&pod, end, "RunEnded", true);
        }
        let mut open: Vec<(u32, u32, String)> = self
            .jobs
            .iter()
            .filter(|(_, j)| j.alive)
            .map(|(n, j)| (j.pid, j.ordinal, n.clone()))
            .collect();
        open.sort();
        for (_, _, job) in open {
            self.end_job(&job, end, "Running", true);
        }
        let counts = TraceCounts {
            attempts: self.attempts,
            traced: self.traced,
            cutoff: self.cutoff,
        };
        let cutoff = match self.cutoff {
            Some(t) => ts(t).to_string(),
            None => "null".into(),
        };
        // The last event has no comma after it: a metadata event closes the list.
        self.put(&format!(
            "{{\"ph\":\"M\",\"name\":\"process_name\",\"pid\":0,\"tid\":0,\"args\":{{\"name\":\"jobsim\"}}}}\n],\n\"displayTimeUnit\":\"ms\",\n\"otherData\":{{{},\"end\":{},\"podAttempts\":{},\"podAttemptsTraced\":{},\"maxPodAttempts\":{},\"maxJobs\":{},\"truncated\":{},\"cutoff\":{cutoff},\"notRecorded\":\"back-off waits and rate-limiter waits\"}}}}\n",
            self.other,
            ts(end),
            counts.attempts,
            counts.traced,
            self.limits.0,
            self.limits.1,
            self.cutoff.is_some(),
        ));
        if let Err(e) = self.out.flush()
            && self.error.is_none()
        {
            self.error = Some(e);
        }
        (self.out, self.error, counts)
    }
}

fn open_arg(open: bool) -> String {
    if open { "\"open\":true".into() } else { String::new() }
}

impl<W: Write> EventLog for TraceLog<W> {
    fn record(&mut self, row: &Row) {
        use EventKind::*;
        if row.job.is_empty() {
            return;
        }
        let t = row.t;
        let reason = match row.detail {
            Detail::Reason { reason, .. } => reason,
            _ => "",
        };
        match row.kind {
            JobCreated => {
                self.job(row.job, t);
            }
            JobSuspended => {
                let Some(j) = self.job(row.job, t) else { return };
                if j.alive && j.suspended.is_none() {
                    j.suspended = Some(t);
                }
            }
            JobResumed => {
                let Some(j) = self.job(row.job, t) else { return };
                if let Some(from) = j.suspended.take() {
                    j.suspensions.push((from, t));
                }
            }
            JobFailureTarget | JobSuccessCriteriaMet | JobComplete | JobFailed | JobUpdateRejected => {
                let Some(j) = self.job(row.job, t) else { return };
                let (pid, tid) = (j.pid, j.tid);
                let args = if reason.is_empty() {
                    String::new()
                } else {
                    format!("\"reason\":{}", json_str(reason))
                };
                self.instant(row.kind.name(), pid, tid, t, &args);
                if matches!(row.kind, JobComplete | JobFailed) {
                    self.end_job(row.job, t, row.kind.name(), false);
                }
            }
            JobDeleted => self.end_job(row.job, t, "Deleted", false),
            PodCreated => self.pod_created(row),
            PodScheduled => {
                if let (Detail::Bound { node, .. }, Some(p)) = (row.detail, self.pods.get_mut(row.pod)) {
                    p.node = node.to_string();
                }
                self.pod_phase(row.pod, Phase::Starting, t);
            }
            PodRunning => self.pod_phase(row.pod, Phase::Running, t),
            PodDeleting => self.pod_phase(row.pod, Phase::Terminating, t),
            PodSucceeded | PodFailed | PodDeleted => {
                if let Some(p) = self.pods.get_mut(row.pod) {
                    match row.detail {
                        Detail::Exited { exit_code, .. } => p.exit_code = Some(exit_code),
                        Detail::Reason { reason, .. } if !reason.is_empty() => p.reason = reason.to_string(),
                        _ => {}
                    }
                }
                self.pod_ended(row.pod, t, row.kind.name(), false);
            }
            ContainerRestarted | PodEvicted | PodPreempted | PodUnschedulable => {
                let mut args = String::new();
                if let Detail::Restarted {
                    exit_code,
                    restart_count,
                    ..
                } = row.detail
                {
                    args = format!("\"exitCode\":{exit_code},\"restartCount\":{restart_count}");
                    if let Some(p) = self.pods.get_mut(row.pod) {
                        p.restarts += 1;
                    }
                } else if !reason.is_empty() {
                    args = format!("\"reason\":{}", json_str(reason));
                    if matches!(row.kind, PodEvicted | PodPreempted)
                        && let Some(p) = self.pods.get_mut(row.pod)
                    {
                        p.reason = reason.to_string();
                    }
                }
                let track = self.pod_track(row.pod).or_else(|| {
                    let j = self.jobs.get(row.job)?;
                    Some((j.pid, j.tid))
                });
                if let Some((pid, tid)) = track {
                    self.instant(row.kind.name(), pid, tid, t, &args);
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lanes_reuse_the_lowest_free_one() {
        let mut l = Lanes::default();
        assert_eq!((l.take(), l.take(), l.take()), (0, 1, 2));
        l.give(1);
        l.give(0);
        assert_eq!(l.take(), 0);
        assert_eq!(l.take(), 1);
        assert_eq!(l.take(), 3);
    }

    fn pod_row<'a>(t: SimTime, kind: EventKind, detail: Detail<'a>) -> Row<'a> {
        Row::pod(t, "pi", "pi-abcde", 0, Some(2), kind, detail)
    }

    #[test]
    fn a_pod_is_a_slice_with_its_phases_inside() {
        let sc = crate::scenario::load_str("quickstart.yaml", crate::scenario::QUICKSTART, None).expect("quickstart");
        let mut log = TraceLog::new(Vec::new(), &sc);
        log.record(&Row::job(0, "pi", EventKind::JobCreated, Detail::None));
        log.record(&pod_row(1000, EventKind::PodCreated, Detail::None));
        log.record(&pod_row(
            1500,
            EventKind::PodScheduled,
            Detail::Bound {
                node: "n1",
                request: None,
                extended: "",
            },
        ));
        log.record(&pod_row(3000, EventKind::PodRunning, Detail::None));
        log.record(&pod_row(
            9000,
            EventKind::PodFailed,
            Detail::Exited {
                exit_code: 1,
                container: "pi",
            },
        ));
        let (out, err, counts) = log.finish(10_000);
        assert!(err.is_none());
        assert_eq!(
            counts,
            TraceCounts {
                attempts: 1,
                traced: 1,
                cutoff: None
            }
        );
        let v: serde_json::Value = serde_json::from_slice(&out).expect("valid JSON");
        let events = v["traceEvents"].as_array().unwrap();
        let slices: Vec<(&str, u64, u64, u64)> = events
            .iter()
            .filter(|e| e["ph"] == "X" && e["cat"] != "job")
            .map(|e| {
                (
                    e["name"].as_str().unwrap(),
                    e["tid"].as_u64().unwrap(),
                    e["ts"].as_u64().unwrap(),
                    e["dur"].as_u64().unwrap(),
                )
            })
            .collect();
        // pi is workload 0: the Job's track is tid 1, its first lane tid 2.
        assert_eq!(
            slices,
            [
                ("pi-abcde", 2, 1_000_000, 8_000_000),
                ("pending", 2, 1_000_000, 500_000),
                ("starting", 2, 1_500_000, 1_500_000),
                ("running", 2, 3_000_000, 6_000_000),
            ]
        );
        let pod = events.iter().find(|e| e["name"] == "pi-abcde").unwrap();
        assert_eq!(pod["pid"], 1);
        assert_eq!(pod["args"]["exitCode"], 1);
        assert_eq!(pod["args"]["index"], 2);
        assert_eq!(pod["args"]["end"], "PodFailed");
        assert_eq!(pod["args"]["node"], "n1");
        // The Job never finished: its life is closed at the end, open.
        let job = events.iter().find(|e| e["name"] == "pi" && e["ph"] == "X").unwrap();
        assert_eq!((job["ts"].as_u64(), job["dur"].as_u64()), (Some(0), Some(10_000_000)));
        assert_eq!(job["args"]["open"], true);
        let lane = events
            .iter()
            .find(|e| e["name"] == "thread_name" && e["tid"] == 2)
            .unwrap();
        assert_eq!(lane["args"]["name"], "pi #0");
        assert_eq!(v["otherData"]["truncated"], false);
    }

    #[test]
    fn past_the_limit_no_new_pod_is_drawn_and_those_drawn_end() {
        let sc = crate::scenario::load_str("quickstart.yaml", crate::scenario::QUICKSTART, None).expect("quickstart");
        let mut log = TraceLog::new(Vec::new(), &sc);
        log.limits = (2, 10);
        log.record(&Row::job(0, "pi", EventKind::JobCreated, Detail::None));
        for (i, pod) in ["pi-a", "pi-b", "pi-c"].into_iter().enumerate() {
            let t = 1000 * i as u64;
            log.record(&Row::pod(
                t,
                "pi",
                pod,
                i as u32,
                None,
                EventKind::PodCreated,
                Detail::None,
            ));
        }
        // pi-a ends after the cut-off: it is drawn whole, on lane 0.
        log.record(&Row::pod(
            5000,
            "pi",
            "pi-a",
            0,
            None,
            EventKind::PodSucceeded,
            Detail::None,
        ));
        log.record(&Row::pod(
            6000,
            "pi",
            "pi-c",
            2,
            None,
            EventKind::PodSucceeded,
            Detail::None,
        ));
        let (out, _, counts) = log.finish(7000);
        assert_eq!(
            counts,
            TraceCounts {
                attempts: 3,
                traced: 2,
                cutoff: Some(2000)
            }
        );
        let v: serde_json::Value = serde_json::from_slice(&out).expect("valid JSON");
        let pods: Vec<(&str, u64)> = v["traceEvents"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["cat"] == "pod")
            .map(|e| (e["name"].as_str().unwrap(), e["dur"].as_u64().unwrap()))
            .collect();
        // pi-b is still open at the end.
        assert_eq!(pods, [("pi-a", 5_000_000), ("pi-b", 6_000_000)]);
        assert_eq!(v["otherData"]["truncated"], true);
        assert_eq!(v["otherData"]["cutoff"], 2_000_000);
        assert_eq!(v["otherData"]["podAttempts"], 3);
    }

    /// A Job created suspended: its suspension starts with its life, and is
    /// written after it, so that a viewer nests it inside.
    #[test]
    fn suspensions_lie_in_the_jobs_life_and_follow_it_in_the_file() {
        let sc = crate::scenario::load_str("quickstart.yaml", crate::scenario::QUICKSTART, None).expect("quickstart");
        let mut log = TraceLog::new(Vec::new(), &sc);
        log.record(&Row::job(0, "pi", EventKind::JobCreated, Detail::None));
        log.record(&Row::job(0, "pi", EventKind::JobSuspended, Detail::None));
        log.record(&Row::job(4000, "pi", EventKind::JobResumed, Detail::None));
        log.record(&Row::job(6000, "pi", EventKind::JobSuspended, Detail::None));
        let (out, _, _) = log.finish(9000);
        let v: serde_json::Value = serde_json::from_slice(&out).expect("valid JSON");
        let job: Vec<(&str, u64, u64)> = v["traceEvents"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["cat"] == "job")
            .map(|e| {
                (
                    e["name"].as_str().unwrap(),
                    e["ts"].as_u64().unwrap(),
                    e["dur"].as_u64().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            job,
            [
                ("pi", 0, 9_000_000),
                ("suspended", 0, 4_000_000),
                ("suspended", 6_000_000, 3_000_000)
            ]
        );
    }
}
