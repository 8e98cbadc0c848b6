//! `timeseries.csv`: pods by phase, Jobs by state, and requested and
//! allocatable resources, sampled on a fixed step. It is computed from the
//! timeline itself (the same rows that go to `events.csv`), so it can be
//! rebuilt from `events.csv` alone.

use crate::record::{Detail, EventKind, EventLog, Row};
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

/// A live pod: 8 bytes, as a big run follows a hundred thousand at once.
#[derive(Clone, Copy, Debug)]
struct Tracked {
    bucket: Bucket,
    ready: bool,
    /// The requests it holds on a node: an index into [`TimeSeries::requests`]
    /// (0: none), as a run's pods share a handful of distinct requests.
    request: u32,
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
    /// Of the nodes that are up.
    cpu_allocatable: i64,
    pods_allocatable: i64,
}

/// One sample: a time and the value of every column.
pub type Sample = (SimTime, [f64; 11]);

/// Samples of one replication.
pub type Samples = Vec<Sample>;

/// Without `--step`, a replication's step starts at one second and doubles
/// whenever its series would pass this many samples: `timeseries.csv` stays
/// readable and memory stays bounded, whatever the simulated time.
pub const MAX_AUTO_SAMPLES: usize = 10_000;

/// The first step of an adaptive series.
const AUTO_FIRST_STEP: SimTime = 1000;

/// A series with a spill hands its samples over in blocks of this many.
const SPILL_BLOCK: usize = 4096;

/// Where a series' samples go when they leave memory.
pub type Spill = Box<dyn FnMut(&[Sample]) -> std::io::Result<()> + Send>;

/// Pods and Jobs alive, by name or by pod id. Only looked up, never iterated, so
/// the hash order cannot reach an output; a fixed (unseeded) hasher keeps even
/// that deterministic. Hash maps here instead of B-trees keep the series off the
/// hot path of million-pod runs (every pod row is a lookup).
#[expect(clippy::disallowed_types, reason = "lookup only: no iteration reaches an output")]
type ByName<V> = std::collections::HashMap<Box<str>, V, rustc_hash::FxBuildHasher>;
#[expect(clippy::disallowed_types, reason = "lookup only: no iteration reaches an output")]
type ById<V> = std::collections::HashMap<u32, V, rustc_hash::FxBuildHasher>;
#[expect(clippy::disallowed_types, reason = "lookup only: no iteration reaches an output")]
type ByRequest = std::collections::HashMap<(i64, i64), u32, rustc_hash::FxBuildHasher>;

/// Ids given to pods known only by name start here, above every pod id (a
/// run has at most [`limits::PODS`](crate::scenario::limits::PODS) pods).
const FIRST_NAMED_ID: u32 = 1 << 31;
/// No pod: a row about a pod the series does not know.
const NO_POD: u32 = u32::MAX;

/// Follows the timeline and samples it every `step` milliseconds, or, with a
/// step of 0, after every change (one sample per instant: the last state).
pub struct TimeSeries {
    /// 0: every change.
    step: SimTime,
    next: SimTime,
    counts: Counts,
    /// Live pods by id: the simulator's (`Row::pod_id`), or one given here to a
    /// pod known by name (`row`, as when reading `events.csv`).
    pods: ById<Tracked>,
    names: ByName<u32>,
    next_named_id: u32,
    /// Distinct (millicores, bytes) requests held by pods; the first is none.
    requests: Vec<(i64, i64)>,
    request_ids: ByRequest,
    nodes: BTreeMap<String, NodeCap>,
    /// Jobs created and not yet finished.
    running_jobs: ByName<()>,
    /// The step doubles to keep at most [`MAX_AUTO_SAMPLES`].
    adaptive: bool,
    /// Samples not yet handed to `spill` (all of them, without one).
    pub samples: Samples,
    spill: Option<Spill>,
    spill_error: Option<std::io::Error>,
}

impl TimeSeries {
    pub fn new(step: SimTime) -> Self {
        TimeSeries {
            step,
            next: 0,
            counts: Counts::default(),
            pods: ById::default(),
            names: ByName::default(),
            next_named_id: FIRST_NAMED_ID,
            requests: vec![(0, 0)],
            request_ids: ByRequest::default(),
            nodes: BTreeMap::new(),
            running_jobs: ByName::default(),
            adaptive: false,
            samples: Vec::new(),
            spill: None,
            spill_error: None,
        }
    }

    /// A series whose step adapts to the length of the run (see [`MAX_AUTO_SAMPLES`]).
    pub fn adaptive() -> Self {
        TimeSeries {
            adaptive: true,
            ..TimeSeries::new(AUTO_FIRST_STEP)
        }
    }

    /// The sampling step now (an adaptive series' grows).
    pub fn step(&self) -> SimTime {
        self.step
    }

    /// Samples leave memory through `spill`: a fixed-step series hands them
    /// over in blocks as it goes, an adaptive one when it finishes.
    pub fn set_spill(&mut self, spill: Spill) {
        self.spill = Some(spill);
    }

    /// Hands all samples but the last (which a change at the same instant may
    /// still replace) to the spill, once a block has gathered.
    fn spill_block(&mut self) {
        if self.adaptive || self.samples.len() <= SPILL_BLOCK || self.spill_error.is_some() {
            return;
        }
        if let Some(spill) = self.spill.as_mut() {
            let keep = self.samples.len() - 1;
            if let Err(e) = spill(&self.samples[..keep]) {
                self.spill_error = Some(e);
            }
            self.samples.drain(..keep);
        }
    }

    /// Halves the samples of an adaptive series that reached its cap: the step
    /// doubles, and the samples on the new step's multiples stay.
    fn coarsen(&mut self) {
        let step = self.step * 2;
        self.samples.retain(|s| s.0 % step == 0);
        self.step = step;
        self.next = self.next.div_ceil(step) * step;
    }

    /// Samples every step before `t` (and at `t`, if `inclusive`). Runs for
    /// every row; most rows cross no step, so that test is inlined apart.
    #[inline]
    fn sample_until(&mut self, t: SimTime, inclusive: bool) {
        if self.step != 0 && (self.next < t || (inclusive && self.next == t)) {
            self.sample_steps(t, inclusive);
        }
    }

    fn sample_steps(&mut self, t: SimTime, inclusive: bool) {
        while self.next < t || (inclusive && self.next == t) {
            self.samples.push((self.next, self.current()));
            self.next += self.step;
            if self.adaptive && self.samples.len() > MAX_AUTO_SAMPLES {
                self.coarsen();
            }
        }
        self.spill_block();
    }

    /// Every-change mode: the state after a row at `t` (replacing an earlier
    /// sample of the same instant, so that each time appears once).
    fn sample_change(&mut self, t: SimTime) {
        let now = self.current();
        match self.samples.last_mut() {
            Some(last) if last.0 == t => last.1 = now,
            Some(last) if last.1 == now => {}
            _ => {
                self.samples.push((t, now));
                self.spill_block();
            }
        }
    }

    fn current(&self) -> [f64; 11] {
        let c = &self.counts;
        let (cpu_cap, pods_cap) = (c.cpu_allocatable, c.pods_allocatable);
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
        ]
    }

    /// Samples up to and including `end`, and hands what is left to the spill.
    pub fn finish(&mut self, end: SimTime) -> std::io::Result<()> {
        if self.step == 0 {
            if self.samples.last().is_none_or(|l| l.0 < end) {
                self.samples.push((end, self.current()));
            }
        } else {
            self.sample_until(end, true);
        }
        if let Some(e) = self.spill_error.take() {
            return Err(e);
        }
        match self.spill.as_mut() {
            Some(spill) => {
                spill(&self.samples)?;
                self.samples.clear();
                Ok(())
            }
            None => Ok(()),
        }
    }

    fn leave(&mut self, pod: u32) {
        if let Some(t) = self.pods.remove(&pod) {
            let c = &mut self.counts;
            match t.bucket {
                Bucket::Pending => c.pending -= 1,
                Bucket::Running => c.running -= 1,
                Bucket::Terminating => c.terminating -= 1,
            }
            if t.ready {
                c.ready -= 1;
            }
            let (cpu, memory) = self.requests[t.request as usize];
            c.cpu -= cpu;
            c.memory -= memory;
        }
    }

    fn move_to(&mut self, pod: u32, to: Bucket) {
        let c = &mut self.counts;
        if let Some(t) = self.pods.get_mut(&pod)
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

    fn set_ready(&mut self, pod: u32, ready: bool) {
        if let Some(t) = self.pods.get_mut(&pod)
            && t.ready != ready
        {
            t.ready = ready;
            self.counts.ready += if ready { 1 } else { -1 };
        }
    }
}

impl EventLog for TimeSeries {
    /// Pods are followed by the simulator's id; a pod known only by name (a
    /// timeline read back from `events.csv`) gets an id of its own when it is created.
    fn record(&mut self, row: &Row) {
        let id = match row.pod_id {
            Some(id) => {
                debug_assert!(id < FIRST_NAMED_ID, "pod ids stay below the named ones");
                id
            }
            None => match row.kind {
                // Past 2^31 pods known by name (a file no run writes), new ones go untracked.
                EventKind::PodCreated if self.next_named_id < NO_POD => {
                    let id = self.next_named_id;
                    self.next_named_id += 1;
                    self.names.insert(row.pod.into(), id);
                    id
                }
                EventKind::PodSucceeded | EventKind::PodFailed | EventKind::PodDeleted => {
                    self.names.remove(row.pod).unwrap_or(NO_POD)
                }
                _ => self.names.get(row.pod).copied().unwrap_or(NO_POD),
            },
        };
        self.apply(row.t, row.job, id, row.kind, &row.detail);
    }
}

impl TimeSeries {
    /// One row, its pod (if it is about one) by id ([`NO_POD`]: none known).
    fn apply(&mut self, t: SimTime, job: &str, pod: u32, kind: EventKind, detail: &Detail) {
        self.sample_until(t, false);
        match kind {
            EventKind::JobCreated => {
                self.counts.jobs_running += 1;
                self.running_jobs.insert(job.into(), ());
            }
            EventKind::JobComplete | EventKind::JobFailed | EventKind::JobDeleted => {
                if self.running_jobs.remove(job).is_some() {
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
                    pod,
                    Tracked {
                        bucket: Bucket::Pending,
                        ready: false,
                        request: 0,
                    },
                );
            }
            // No request when the pod asks for nothing or nodes are unlimited.
            EventKind::PodScheduled
                if let Detail::Bound {
                    request: Some((cpu, memory)),
                    ..
                } = *detail =>
            {
                if let Some(p) = self.pods.get_mut(&pod) {
                    let requests = &mut self.requests;
                    p.request = *self.request_ids.entry((cpu, memory)).or_insert_with(|| {
                        requests.push((cpu, memory));
                        (requests.len() - 1) as u32
                    });
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
            EventKind::NodeAdded | EventKind::NodeLost | EventKind::NodeRecovered | EventKind::NodeRemoved => {
                self.node_row(kind, detail)
            }
            _ => {}
        }
        if self.step == 0 {
            self.sample_change(t);
        }
    }

    /// A row about a node (rare next to pod rows: kept out of `apply`'s way).
    #[cold]
    fn node_row(&mut self, kind: EventKind, detail: &Detail) {
        match (kind, *detail) {
            (
                EventKind::NodeAdded,
                Detail::NodeAdded {
                    node, cpu_milli, pods, ..
                },
            ) => {
                let cap = NodeCap {
                    cpu: cpu_milli,
                    pods,
                    up: true,
                };
                self.counts.cpu_allocatable += cap.cpu;
                self.counts.pods_allocatable += cap.pods;
                if let Some(old) = self.nodes.insert(node.to_string(), cap) {
                    self.node_capacity(old, -1);
                }
            }
            (EventKind::NodeLost, Detail::Node { node }) => self.set_node(node, false),
            (EventKind::NodeRecovered, Detail::Node { node }) => self.set_node(node, true),
            (EventKind::NodeRemoved, Detail::Node { node }) => {
                if let Some(old) = self.nodes.remove(node) {
                    self.node_capacity(old, -1);
                }
            }
            _ => {}
        }
    }

    fn set_node(&mut self, node: &str, up: bool) {
        if let Some(n) = self.nodes.get_mut(node)
            && n.up != up
        {
            n.up = up;
            let n = *n;
            self.node_capacity(NodeCap { up: true, ..n }, if up { 1 } else { -1 });
        }
    }

    /// Adds (`sign` 1) or takes away (-1) a node's capacity, if it counts (is up).
    fn node_capacity(&mut self, n: NodeCap, sign: i64) {
        if n.up {
            self.counts.cpu_allocatable += sign * n.cpu;
            self.counts.pods_allocatable += sign * n.pods;
        }
    }
}

fn fmt_num(v: f64) -> String {
    let mut s = Vec::new();
    push_num(&mut s, v);
    String::from_utf8(s).expect("ASCII number")
}

/// Whole numbers as integers, others with three decimals.
fn push_num(out: &mut Vec<u8>, v: f64) {
    if v == v.trunc() && v.abs() < 1e15 {
        out.extend_from_slice(itoa::Buffer::new().format(v as i64).as_bytes());
    } else {
        let _ = write!(out, "{v:.3}");
    }
}

/// Writes `timeseries.csv` for one replication (a row per sample: one reused line buffer).
pub fn write_csv<W: Write>(out: W, samples: &Samples) -> std::io::Result<()> {
    write_csv_from(out, samples.iter().map(|s| Ok(*s)))
}

/// [`write_csv`] from a stream of samples.
pub fn write_csv_from<W: Write>(
    mut out: W,
    samples: impl Iterator<Item = std::io::Result<Sample>>,
) -> std::io::Result<()> {
    writeln!(out, "time,{}", COLUMNS.join(","))?;
    let mut line = Vec::with_capacity(128);
    for s in samples {
        let (t, v) = s?;
        line.clear();
        crate::time::push_seconds(&mut line, t);
        for x in v {
            line.push(b',');
            push_num(&mut line, x);
        }
        line.push(b'\n');
        out.write_all(&line)?;
    }
    Ok(())
}

/// Writes `timeseries-bands.csv`: per step and column, the 5th, 50th and 95th
/// percentiles across replications (type-7 quantiles).
pub fn write_bands<W: Write>(out: W, reps: &[Samples]) -> std::io::Result<()> {
    write_bands_from(out, reps.iter().map(|r| r.iter().map(|s| Ok(*s))).collect())
}

/// [`write_bands`] from one stream of samples per replication, merged as they
/// are read: memory holds one sample per replication, not their series.
pub fn write_bands_from<W: Write, I: Iterator<Item = std::io::Result<Sample>>>(
    mut out: W,
    reps: Vec<I>,
) -> std::io::Result<()> {
    let mut header = vec!["time".to_string()];
    for c in COLUMNS {
        for q in ["p05", "p50", "p95"] {
            header.push(format!("{c}_{q}"));
        }
    }
    writeln!(out, "{}", header.join(","))?;
    // Every sample time of any replication (with a fixed step, the same times in
    // all); each replication holds its value until its next sample, and after
    // its end; before its first sample, it counts with that sample's value.
    struct Rep<I> {
        samples: I,
        current: Option<Sample>,
        ahead: Option<Sample>,
    }
    let mut reps: Vec<Rep<I>> = reps
        .into_iter()
        .map(|mut samples| {
            let ahead = samples.next().transpose()?;
            Ok(Rep {
                samples,
                current: None,
                ahead,
            })
        })
        .collect::<std::io::Result<_>>()?;
    // Each column's values at a time, gathered in one pass over the
    // replications (a sample is 96 bytes: read in place, not copied per column).
    let mut columns: [Vec<f64>; COLUMNS.len()] = std::array::from_fn(|_| Vec::with_capacity(reps.len()));
    while let Some(t) = reps.iter().filter_map(|r| r.ahead.as_ref().map(|s| s.0)).min() {
        for c in &mut columns {
            c.clear();
        }
        for r in &mut reps {
            while let Some(s) = r.ahead.filter(|s| s.0 <= t) {
                r.current = Some(s);
                r.ahead = r.samples.next().transpose()?;
            }
            if let Some((_, values)) = r.current.as_ref().or(r.ahead.as_ref()) {
                for (c, v) in columns.iter_mut().zip(values) {
                    c.push(*v);
                }
            }
        }
        let mut row = vec![crate::time::format_seconds(t)];
        for vals in &mut columns {
            // A total order: equal values are the same bits, so an unstable
            // sort gives the same sequence a stable one does.
            vals.sort_unstable_by(f64::total_cmp);
            for q in [0.05, 0.5, 0.95] {
                row.push(fmt_num(super::summary::quantile(vals, q)));
            }
        }
        writeln!(out, "{}", row.join(","))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::Feed;

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
        ts.finish(3000).unwrap();
        let at = |t: SimTime| ts.samples.iter().find(|s| s.0 == t).unwrap().1;
        assert_eq!(at(0)[..4], [1.0, 0.0, 0.0, 0.0]);
        assert_eq!(at(0)[7..], [0.5, 1.0, 4.0, 2.0]);
        assert_eq!(at(2000)[..4], [0.0, 1.0, 1.0, 0.0]);
        assert_eq!(at(3000)[..7], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0]);
        assert_eq!(ts.samples.len(), 4);
    }

    #[test]
    fn capacity_follows_nodes_lost_recovered_and_removed() {
        let mut ts = TimeSeries::new(1000);
        for n in ["n0", "n1"] {
            ts.row(
                0,
                "",
                "",
                None,
                EventKind::NodeAdded,
                &format!("node={n};cpu=4000;memory=0;pods=10"),
            );
        }
        ts.row(500, "", "", None, EventKind::NodeLost, "node=n1");
        ts.row(600, "", "", None, EventKind::NodeLost, "node=n1"); // twice: no double count
        ts.row(1500, "", "", None, EventKind::NodeRecovered, "node=n1");
        ts.row(2500, "", "", None, EventKind::NodeLost, "node=n0");
        ts.row(2600, "", "", None, EventKind::NodeRemoved, "node=n0"); // lost, then removed
        ts.row(3500, "", "", None, EventKind::NodeRemoved, "node=n1");
        ts.finish(4000).unwrap();
        let caps: Vec<[f64; 2]> = ts.samples.iter().map(|s| [s.1[9], s.1[10]]).collect();
        assert_eq!(
            caps,
            vec![[8.0, 20.0], [4.0, 10.0], [8.0, 20.0], [4.0, 10.0], [0.0, 0.0]]
        );
    }

    #[test]
    fn step_zero_samples_every_change_once_per_instant() {
        let mut ts = TimeSeries::new(0);
        ts.row(0, "j", "", None, EventKind::JobCreated, "");
        ts.row(0, "j", "p1", None, EventKind::PodCreated, "");
        ts.row(0, "j", "p2", None, EventKind::PodCreated, "");
        ts.row(700, "j", "p1", None, EventKind::PodRunning, "");
        ts.row(900, "j", "", None, EventKind::JobSuspended, ""); // no change: no sample
        ts.row(1200, "j", "p1", None, EventKind::PodSucceeded, "");
        ts.finish(5000).unwrap();
        let got: Vec<(SimTime, [f64; 2])> = ts.samples.iter().map(|s| (s.0, [s.1[0], s.1[1]])).collect();
        assert_eq!(
            got,
            vec![
                (0, [2.0, 0.0]),
                (700, [1.0, 1.0]),
                (1200, [1.0, 0.0]),
                (5000, [1.0, 0.0])
            ]
        );
    }

    #[test]
    fn bands_hold_each_replications_value_between_its_samples() {
        let s = |t: SimTime, v: f64| (t, [v; 11]);
        let reps = vec![vec![s(0, 0.0), s(1000, 10.0)], vec![s(0, 2.0), s(500, 4.0)]];
        let mut out = Vec::new();
        write_bands(&mut out, &reps).unwrap();
        let text = String::from_utf8(out).unwrap();
        let first_cols: Vec<String> = text
            .lines()
            .skip(1)
            .map(|l| l.split(',').take(4).collect::<Vec<_>>().join(","))
            .collect();
        // p05, p50, p95 of two values interpolate linearly.
        assert_eq!(
            first_cols,
            vec!["0.000,0.100,1,1.900", "0.500,0.200,2,3.800", "1.000,4.300,7,9.700"]
        );
    }
    /// Each column's bands come from that column's values: every column and
    /// replication differs here, one replication starts late (counting with
    /// its first value before it) and one ends early (holding its last).
    #[test]
    fn bands_keep_columns_and_replications_apart() {
        let s = |t: SimTime, v: f64| (t, std::array::from_fn(|c| v + 100.0 * c as f64));
        let reps = vec![
            vec![s(0, 1.0), s(1000, 5.0), s(2000, 9.0)],
            vec![s(1000, 3.0), s(2000, 7.0)],
            vec![s(0, 2.0)],
        ];
        let mut out = Vec::new();
        write_bands(&mut out, &reps).unwrap();
        let text = String::from_utf8(out).unwrap();
        let rows: Vec<Vec<f64>> = (text.lines().skip(1))
            .map(|l| l.split(',').map(|f| f.parse().unwrap()).collect())
            .collect();
        assert_eq!(rows.len(), 3);
        for (row, at) in rows.iter().zip([[1.0, 3.0, 2.0], [5.0, 3.0, 2.0], [9.0, 7.0, 2.0]]) {
            for c in 0..COLUMNS.len() {
                let mut v: Vec<f64> = at.iter().map(|x| x + 100.0 * c as f64).collect();
                v.sort_by(f64::total_cmp);
                let want =
                    [0.05, 0.5, 0.95].map(|q| (crate::output::summary::quantile(&v, q) * 1000.0).round() / 1000.0);
                assert_eq!(row[1 + 3 * c..4 + 3 * c], want, "column {c} of {row:?}");
            }
        }
    }

    /// A pod that lives for a simulated year: the adaptive step keeps at most
    /// `MAX_AUTO_SAMPLES`, every sample on the final step's grid, values intact.
    #[test]
    fn an_adaptive_series_stays_under_its_cap_over_a_year() {
        let mut ts = TimeSeries::adaptive();
        ts.row(0, "j", "p", None, EventKind::PodCreated, "");
        let year: SimTime = 365 * 24 * 3600 * 1000;
        ts.row(year / 2, "j", "p", None, EventKind::PodRunning, "");
        ts.finish(year).unwrap();
        let step = ts.step();
        assert!(ts.samples.len() <= MAX_AUTO_SAMPLES && ts.samples.len() > MAX_AUTO_SAMPLES / 2);
        assert_eq!(step, 1000 << 12, "doubled from 1 s until a year fits in the cap");
        assert!(ts.samples.iter().enumerate().all(|(i, s)| s.0 == i as SimTime * step));
        assert!(
            ts.samples
                .iter()
                .all(|s| (s.1[0], s.1[1]) == if s.0 < year / 2 { (1.0, 0.0) } else { (0.0, 1.0) })
        );
    }

    /// A fixed-step series with a spill holds one block at most, and the spill
    /// receives exactly the samples a series without one keeps; the spool's
    /// encoding reads them back bit for bit.
    #[test]
    fn a_spilled_series_hands_over_every_sample_once() {
        let feed = |ts: &mut TimeSeries| {
            for i in 0..20_000u64 {
                let (kind, detail) = if i % 2 == 0 {
                    (EventKind::PodCreated, "")
                } else {
                    (EventKind::PodSucceeded, "exitCode=0;container=main")
                };
                ts.row(i * 700, "j", &format!("p{}", i / 2), None, kind, detail);
            }
        };
        for step in [0, 1000] {
            let mut whole = TimeSeries::new(step);
            feed(&mut whole);
            whole.finish(20_000 * 700).unwrap();
            let got = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
            let sink = got.clone();
            let mut spilled = TimeSeries::new(step);
            let mut encoder = super::super::sample_codec::SampleEncoder::default();
            spilled.set_spill(Box::new(move |s: &[Sample]| {
                assert!(s.len() <= SPILL_BLOCK + 1);
                encoder.encode(s, &mut sink.lock().unwrap());
                Ok(())
            }));
            feed(&mut spilled);
            spilled.finish(20_000 * 700).unwrap();
            assert!(spilled.samples.is_empty());
            let bytes = got.lock().unwrap().clone();
            let back: Samples = super::super::sample_codec::decode_samples(&bytes[..], 3)
                .map(Result::unwrap)
                .collect();
            assert!(whole.samples.len() > 2 * SPILL_BLOCK, "step {step}: several blocks");
            assert_eq!(back, whole.samples, "step {step}");
        }
    }
}
