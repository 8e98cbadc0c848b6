//! `timeseries.csv`: pods by phase, Jobs by state, and requested and
//! allocatable resources, sampled on a fixed step. It is computed from the
//! timeline itself (the same rows that go to `events.csv`), so it can be
//! rebuilt from `events.csv` alone.

use super::events::{EventKind, EventLog};
use crate::time::SimTime;
use std::collections::BTreeMap;
use std::io::Write;

/// The columns after `time`.
pub const COLUMNS: [&str; 11] = [
    "pods_pending",
    "pods_running",
    "pods_ready",
    "pods_terminating",
    "jobs_running",
    "jobs_complete",
    "jobs_failed",
    "cpu_requested",
    "memory_requested_gib",
    "cpu_allocatable",
    "pods_allocatable",
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Bucket {
    Pending,
    Running,
    Terminating,
}

#[derive(Clone, Copy, Debug)]
struct Tracked {
    bucket: Bucket,
    ready: bool,
    /// Requests held on a node (millicores, bytes).
    cpu: i64,
    memory: i64,
}

#[derive(Clone, Copy, Debug, Default)]
struct NodeCap {
    cpu: i64,
    pods: i64,
    up: bool,
}

/// Counts kept current as timeline rows arrive.
#[derive(Clone, Debug, Default)]
struct Counts {
    pending: i64,
    running: i64,
    ready: i64,
    terminating: i64,
    jobs_running: i64,
    jobs_complete: i64,
    jobs_failed: i64,
    cpu: i64,
    memory: i64,
}

/// Samples of one replication.
pub type Samples = Vec<(SimTime, [f64; 11])>;

/// Follows the timeline and samples it every `step` milliseconds.
pub struct TimeSeries {
    step: SimTime,
    next: SimTime,
    counts: Counts,
    pods: BTreeMap<String, Tracked>,
    nodes: BTreeMap<String, NodeCap>,
    /// Jobs created and not yet finished.
    running_jobs: std::collections::BTreeSet<String>,
    pub samples: Samples,
}

fn detail_num(detail: &str, key: &str) -> i64 {
    detail
        .split(';')
        .find_map(|kv| kv.strip_prefix(key).and_then(|v| v.strip_prefix('=')))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

impl TimeSeries {
    pub fn new(step: SimTime) -> Self {
        TimeSeries {
            step: step.max(1),
            next: 0,
            counts: Counts::default(),
            pods: BTreeMap::new(),
            nodes: BTreeMap::new(),
            running_jobs: Default::default(),
            samples: Vec::new(),
        }
    }

    fn sample_until(&mut self, t: SimTime, inclusive: bool) {
        while self.next < t || (inclusive && self.next == t) {
            let c = &self.counts;
            let (cpu_cap, pods_cap) = self
                .nodes
                .values()
                .filter(|n| n.up)
                .fold((0, 0), |a, n| (a.0 + n.cpu, a.1 + n.pods));
            self.samples.push((
                self.next,
                [
                    c.pending as f64,
                    c.running as f64,
                    c.ready as f64,
                    c.terminating as f64,
                    c.jobs_running as f64,
                    c.jobs_complete as f64,
                    c.jobs_failed as f64,
                    c.cpu as f64 / 1000.0,
                    c.memory as f64 / (1u64 << 30) as f64,
                    cpu_cap as f64 / 1000.0,
                    pods_cap as f64,
                ],
            ));
            self.next += self.step;
        }
    }

    /// Samples up to and including `end`.
    pub fn finish(&mut self, end: SimTime) {
        self.sample_until(end, true);
    }

    fn leave(&mut self, pod: &str) {
        if let Some(t) = self.pods.remove(pod) {
            let c = &mut self.counts;
            match t.bucket {
                Bucket::Pending => c.pending -= 1,
                Bucket::Running => c.running -= 1,
                Bucket::Terminating => c.terminating -= 1,
            }
            if t.ready {
                c.ready -= 1;
            }
            c.cpu -= t.cpu;
            c.memory -= t.memory;
        }
    }

    fn move_to(&mut self, pod: &str, to: Bucket) {
        let c = &mut self.counts;
        if let Some(t) = self.pods.get_mut(pod)
            && t.bucket != to
        {
            match t.bucket {
                Bucket::Pending => c.pending -= 1,
                Bucket::Running => c.running -= 1,
                Bucket::Terminating => c.terminating -= 1,
            }
            match to {
                Bucket::Pending => c.pending += 1,
                Bucket::Running => c.running += 1,
                Bucket::Terminating => c.terminating += 1,
            }
            t.bucket = to;
        }
    }

    fn set_ready(&mut self, pod: &str, ready: bool) {
        if let Some(t) = self.pods.get_mut(pod)
            && t.ready != ready
        {
            t.ready = ready;
            self.counts.ready += if ready { 1 } else { -1 };
        }
    }
}

impl EventLog for TimeSeries {
    fn row(&mut self, t: SimTime, job: &str, pod: &str, _index: Option<i32>, kind: EventKind, detail: &str) {
        self.sample_until(t, false);
        match kind {
            EventKind::JobCreated => {
                self.counts.jobs_running += 1;
                self.running_jobs.insert(job.to_string());
            }
            EventKind::JobComplete | EventKind::JobFailed | EventKind::JobDeleted => {
                if self.running_jobs.remove(job) {
                    self.counts.jobs_running -= 1;
                }
                match kind {
                    EventKind::JobComplete => self.counts.jobs_complete += 1,
                    EventKind::JobFailed => self.counts.jobs_failed += 1,
                    _ => {}
                }
            }
            EventKind::PodCreated => {
                self.counts.pending += 1;
                self.pods.insert(
                    pod.to_string(),
                    Tracked {
                        bucket: Bucket::Pending,
                        ready: false,
                        cpu: 0,
                        memory: 0,
                    },
                );
            }
            EventKind::PodScheduled => {
                let (cpu, memory) = (detail_num(detail, "cpu"), detail_num(detail, "memory"));
                if let Some(p) = self.pods.get_mut(pod) {
                    p.cpu = cpu;
                    p.memory = memory;
                    self.counts.cpu += cpu;
                    self.counts.memory += memory;
                }
            }
            EventKind::PodRunning => self.move_to(pod, Bucket::Running),
            EventKind::PodReady => self.set_ready(pod, true),
            EventKind::ContainerRestarted => self.set_ready(pod, false),
            EventKind::PodDeleting => {
                self.set_ready(pod, false);
                self.move_to(pod, Bucket::Terminating);
            }
            EventKind::PodSucceeded | EventKind::PodFailed | EventKind::PodDeleted => self.leave(pod),
            EventKind::NodeAdded => {
                let cap = NodeCap {
                    cpu: detail_num(detail, "cpu"),
                    pods: detail_num(detail, "pods"),
                    up: true,
                };
                self.nodes.insert(detail_field(detail, "node"), cap);
            }
            EventKind::NodeLost => self.set_node(detail, false),
            EventKind::NodeRecovered => self.set_node(detail, true),
            EventKind::NodeRemoved => {
                self.nodes.remove(&detail_field(detail, "node"));
            }
            _ => {}
        }
    }
}

impl TimeSeries {
    fn set_node(&mut self, detail: &str, up: bool) {
        if let Some(n) = self.nodes.get_mut(&detail_field(detail, "node")) {
            n.up = up;
        }
    }
}

fn detail_field(detail: &str, key: &str) -> String {
    detail
        .split(';')
        .find_map(|kv| kv.strip_prefix(key).and_then(|v| v.strip_prefix('=')))
        .unwrap_or("")
        .to_string()
}

/// Passes rows to a timeline writer (if any) and to the time series.
pub struct Tee<'a> {
    pub first: Option<&'a mut dyn EventLog>,
    pub series: TimeSeries,
}

impl EventLog for Tee<'_> {
    fn row(&mut self, t: SimTime, job: &str, pod: &str, index: Option<i32>, kind: EventKind, detail: &str) {
        if let Some(f) = self.first.as_mut() {
            f.row(t, job, pod, index, kind, detail);
        }
        self.series.row(t, job, pod, index, kind, detail);
    }
}

fn fmt_num(v: f64) -> String {
    if v == v.trunc() && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{:.3}", v)
    }
}

/// Writes `timeseries.csv` for one replication.
pub fn write_csv<W: Write>(mut out: W, samples: &Samples) -> std::io::Result<()> {
    writeln!(out, "time,{}", COLUMNS.join(","))?;
    for (t, v) in samples {
        let cols: Vec<String> = v.iter().map(|x| fmt_num(*x)).collect();
        writeln!(out, "{},{}", crate::time::format_seconds(*t), cols.join(","))?;
    }
    Ok(())
}

/// Writes `timeseries-bands.csv`: per step and column, the 5th, 50th and 95th
/// percentiles across replications (type-7 quantiles).
pub fn write_bands<W: Write>(mut out: W, reps: &[Samples]) -> std::io::Result<()> {
    let mut header = vec!["time".to_string()];
    for c in COLUMNS {
        for q in ["p05", "p50", "p95"] {
            header.push(format!("{c}_{q}"));
        }
    }
    writeln!(out, "{}", header.join(","))?;
    let steps = reps.iter().map(Vec::len).max().unwrap_or(0);
    for i in 0..steps {
        // A replication that ended earlier holds its last value.
        let t = reps.iter().filter_map(|r| r.get(i).map(|s| s.0)).next().unwrap_or(0);
        let mut row = vec![crate::time::format_seconds(t)];
        for c in 0..COLUMNS.len() {
            let mut vals: Vec<f64> = reps
                .iter()
                .filter_map(|r| r.get(i).or(r.last()).map(|s| s.1[c]))
                .collect();
            vals.sort_by(f64::total_cmp);
            for q in [0.05, 0.5, 0.95] {
                row.push(fmt_num(super::summary::quantile(&vals, q)));
            }
        }
        writeln!(out, "{}", row.join(","))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn follows_pods_and_jobs_through_their_lives() {
        let mut ts = TimeSeries::new(1000);
        ts.row(
            0,
            "j",
            "",
            None,
            EventKind::NodeAdded,
            "node=n0;cpu=4000;memory=0;pods=2",
        );
        ts.row(0, "j", "", None, EventKind::JobCreated, "");
        ts.row(0, "j", "p1", None, EventKind::PodCreated, "");
        ts.row(
            0,
            "j",
            "p1",
            None,
            EventKind::PodScheduled,
            "node=n0;cpu=500;memory=1073741824",
        );
        ts.row(1500, "j", "p1", None, EventKind::PodRunning, "");
        ts.row(1500, "j", "p1", None, EventKind::PodReady, "");
        ts.row(2500, "j", "p1", None, EventKind::PodDeleting, "grace=30s");
        ts.row(3000, "j", "p1", None, EventKind::PodFailed, "exitCode=143");
        ts.row(3000, "j", "", None, EventKind::JobFailed, "");
        ts.finish(3000);
        let at = |t: SimTime| ts.samples.iter().find(|s| s.0 == t).unwrap().1;
        assert_eq!(at(0)[..4], [1.0, 0.0, 0.0, 0.0]);
        assert_eq!(at(0)[7..], [0.5, 1.0, 4.0, 2.0]);
        assert_eq!(at(2000)[..4], [0.0, 1.0, 1.0, 0.0]);
        assert_eq!(at(3000)[..7], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0]);
        assert_eq!(ts.samples.len(), 4);
    }
}
