//! Charts for a design review, drawn from the output files alone (so
//! `jobsim plot DIR` can redraw them): pods over time, Job turnaround CDF, a
//! Gantt of Jobs and their pod attempts, failures by reason, and cluster
//! utilisation. SVG always; PNG on request, with a bundled font. During a run
//! the little they need from the timeline is gathered as it is written, so the
//! run does not read its own `events.csv` back.

use super::events::{Detail, EventKind, EventLog, Row, unquote};
use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use std::collections::BTreeMap;
use std::io::BufRead;
use std::path::{Path, PathBuf};

pub(super) const W: u32 = 1100;
pub(super) const H: u32 = 620;
/// Jobs shown in the Gantt chart at most.
const GANTT_JOBS: usize = 40;
/// Lanes drawn in one Job's row of the Gantt: past this many attempts at once
/// a lane is thinner than a pixel, and drawing every one of a Job of 10,000
/// parallel pods made a 5 MB chart of nothing legible. The legend says when
/// some were left out.
const GANTT_LANES: usize = 100;
pub(super) const FONT: &str = "sans-serif";

static FONT_BYTES: &[u8] = include_bytes!("../../assets/DejaVuSans.ttf");

pub(super) fn register_font() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let _ = plotters::style::register_font(FONT, FontStyle::Normal, FONT_BYTES);
    });
}

/// Why charts could not be drawn: an input file, an output file, or plotters.
#[derive(Debug, thiserror::Error)]
pub enum ChartError {
    /// An input file (`timeseries.csv`, `jobs.csv`, `events.csv`) cannot be read.
    #[error("{path}: {error}")]
    Read { path: PathBuf, error: std::io::Error },
    /// A chart cannot be written.
    #[error("{0}")]
    Write(std::io::Error),
    /// plotters failed; its error, as it debug-prints.
    #[error("{0}")]
    Draw(String),
}

pub(super) type R<T> = Result<T, ChartError>;

pub(super) fn err<E: std::fmt::Debug>(e: E) -> ChartError {
    ChartError::Draw(format!("{e:?}"))
}

/// What the charts are drawn from.
#[derive(Default)]
struct Inputs {
    /// (seconds, columns of timeseries.csv)
    series: Vec<(f64, Vec<f64>)>,
    series_cols: Vec<String>,
    /// (replication, turnaround in seconds) of finished Jobs.
    turnarounds: Vec<(u32, f64)>,
    /// Job failure reasons and pod failure causes.
    failures: BTreeMap<String, u64>,
    /// Gantt: job name → pod attempts.
    gantt: Vec<(String, Vec<Attempt>)>,
    /// Node pools, in the order their first node joined.
    pools: Vec<String>,
    /// At every change of the nodes: time (s), nodes present per pool (in
    /// `pools`' order), and the memory allocatable of the nodes up (GiB).
    nodes: Vec<NodeStep>,
    /// Extended resources (GPUs): name, and at every change (time in s,
    /// held by pods bound, allocatable of the nodes up).
    extended: Vec<(String, ResourceSteps)>,
    total_jobs: usize,
    end: f64,
    scenario: String,
}

/// One pod attempt in the Gantt chart (seconds): created, running (when it
/// ran), ended, and how it ended.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Attempt {
    start: f64,
    running: Option<f64>,
    end: f64,
    outcome: Outcome,
}

/// The nodes at one instant: time (s), nodes present per pool, memory allocatable (GiB).
type NodeStep = (f64, Vec<u32>, f64);

/// (time in s, held by pods bound, allocatable of the nodes up), at every change.
type ResourceSteps = Vec<(f64, f64, f64)>;
/// A point of the stacked pods chart: time, then the cumulative Running,
/// Terminating and Pending levels (pods on a node at the bottom, so that a
/// pod-slot line reads against them and what waits piles above).
type Stack = (f64, f64, f64, f64);
/// A pod attempt placed in its lane: the attempt, bottom, top.
type Placed = (Attempt, f64, f64);
/// A layer of the stacked chart: its name, colour and level.
type Layer = (&'static str, RGBColor, fn(&Stack) -> f64);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Outcome {
    Succeeded,
    Failed,
    Deleted,
    Unfinished,
}

/// Calls `each` with every line of the file (without its line ending), from
/// one reused buffer: the files hold a line per event, per Job or per sample,
/// and `events.csv` can be hundreds of megabytes.
fn for_each_line(path: &Path, mut each: impl FnMut(&str)) -> R<()> {
    let unreadable = |error| ChartError::Read {
        path: path.to_path_buf(),
        error,
    };
    let f = std::fs::File::open(path).map_err(unreadable)?;
    let mut reader = std::io::BufReader::with_capacity(1 << 20, f);
    let mut line = String::new();
    loop {
        line.clear();
        match reader.read_line(&mut line) {
            Ok(0) => return Ok(()),
            Err(e) => return Err(unreadable(e)),
            Ok(_) => each(
                line.strip_suffix('\n')
                    .map_or(line.as_str(), |l| l.strip_suffix('\r').unwrap_or(l)),
            ),
        }
    }
}

/// The comma-separated fields of a line, as `line.split(',')` gives them,
/// by a byte loop: the fields are a few characters long, and `str::split`'s
/// searcher costs more to set up for each than scanning it does.
fn fields(line: &str) -> impl Iterator<Item = &str> {
    let mut rest = Some(line);
    std::iter::from_fn(move || {
        let r = rest?;
        match r.bytes().position(|b| b == b',') {
            Some(i) => {
                rest = Some(&r[i + 1..]);
                Some(&r[..i])
            }
            None => {
                rest = None;
                Some(r)
            }
        }
    })
}

/// A field of `timeseries.csv` as a number (0 if it is none). Most are
/// counts, read as integers: the same value, as every integer below 2^53 is
/// exactly an `f64`.
fn series_value(field: &str) -> f64 {
    match field.parse::<u64>() {
        Ok(n) if n < 1 << 53 => n as f64,
        _ => field.parse().unwrap_or(0.0),
    }
}

fn read_inputs(dir: &Path) -> R<Inputs> {
    let mut inp = Inputs::default();
    let summary: serde_json::Value = std::fs::read_to_string(dir.join("summary.json"))
        .ok()
        .and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or_default();
    inp.scenario = summary["scenario"].as_str().unwrap_or("").to_string();
    // Time series.
    let mut header = true;
    for_each_line(&dir.join("timeseries.csv"), |l| {
        if std::mem::take(&mut header) {
            inp.series_cols = l.split(',').skip(1).map(str::to_string).collect();
            return;
        }
        let mut it = fields(l).map(series_value);
        let t = it.next().unwrap_or(0.0);
        // Sized once: collecting from the split would grow it twice or more.
        let mut row = Vec::with_capacity(inp.series_cols.len());
        row.extend(it);
        inp.series.push((t, row));
    })?;
    inp.end = inp.series.last().map_or(0.0, |s| s.0);
    inp.series = thin(std::mem::take(&mut inp.series), inp.end, &inp.series_cols);
    // Jobs: the four columns the charts use, found by name in the header.
    let jobs_csv = dir.join("jobs.csv");
    let mut cols: Option<[Option<usize>; 4]> = None;
    for_each_line(&jobs_csv, |l| {
        let Some(cols) = cols else {
            let header: Vec<&str> = l.split(',').collect();
            let col = |name: &str| header.iter().position(|h| *h == name);
            cols = Some([col("replication"), col("status"), col("reason"), col("turnaround")]);
            return;
        };
        let mut f = [""; 4];
        // Fields past the last of the four are not split out.
        let last = cols.iter().flatten().max().map_or(0, |&c| c + 1);
        for (i, field) in fields(l).take(last).enumerate() {
            for (c, v) in cols.iter().zip(f.iter_mut()) {
                if *c == Some(i) {
                    *v = field;
                }
            }
        }
        let [rep, status, reason, turnaround] = f;
        let r: u32 = rep.parse().unwrap_or(0);
        if let Ok(d) = turnaround.parse::<f64>() {
            inp.turnarounds.push((r, d));
        }
        if r == 0 {
            inp.total_jobs += 1;
            if status == "Failed" {
                *inp.failures.entry(format!("Job: {reason}")).or_default() += 1;
            }
        }
    })?;
    if cols.is_some_and(|c| c[3].is_none()) {
        return Err(ChartError::Read {
            path: jobs_csv,
            error: std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                "no turnaround column (an older jobsim wrote it: run the scenario again)",
            ),
        });
    }
    Ok(inp)
}

/// Names to look up; never iterated, so hash order cannot reach an output.
#[expect(clippy::disallowed_types, reason = "lookup only: no iteration reaches an output")]
type ByName = std::collections::HashSet<Box<str>, rustc_hash::FxBuildHasher>;

/// What the charts take from replication 0's timeline: pod failure causes,
/// the pod attempts of the first Jobs, and the nodes of each pool. Fed row by
/// row, either while the run writes `events.csv` or by reading it back
/// (`jobsim plot`): both give the same charts.
#[derive(Default)]
pub struct TimelineDigest {
    /// The first Jobs created, in order.
    order: Vec<String>,
    /// The same Jobs, to look up.
    charted: ByName,
    /// Live attempts of those Jobs by pod: job, created, running since, deleting.
    attempts: BTreeMap<String, (String, f64, Option<f64>, bool)>,
    done: BTreeMap<String, Vec<Attempt>>,
    /// Pod failure causes.
    failures: BTreeMap<String, u64>,
    /// Scratch for the text of a cause.
    cause: String,
    /// Nodes present by name: pool (index into `pools`), up, memory (bytes).
    nodes: BTreeMap<String, (usize, bool, i64)>,
    pools: Vec<String>,
    /// Nodes present per pool, and the memory allocatable of those up, now.
    present: Vec<u32>,
    memory_up: i64,
    /// Their value after every change (one per instant).
    node_steps: Vec<NodeStep>,
    /// Extended resources (GPUs) by first mention, with what pods bound hold
    /// of each and what the nodes up offer, now and after every change.
    extended: ExtendedDigest,
}

/// Extended resources (`nvidia.com/gpu`) over time, from the `RESOURCE=N`
/// fields of `PodScheduled` and `NodeAdded` rows: none of the time series'
/// columns, so followed here for the charts.
#[derive(Default)]
struct ExtendedDigest {
    names: Vec<String>,
    held: Vec<i64>,
    cap: Vec<i64>,
    /// Pods holding some: (resource, amount).
    pods: BTreeMap<String, Vec<(usize, i64)>>,
    /// Nodes offering some: (resource, amount), and whether up.
    nodes: BTreeMap<String, (Vec<(usize, i64)>, bool)>,
    steps: Vec<(f64, Vec<i64>, Vec<i64>)>,
}

impl ExtendedDigest {
    fn amounts(&mut self, text: &str) -> Vec<(usize, i64)> {
        crate::record::extended_resources(text)
            .map(|(name, v)| {
                let i = match self.names.iter().position(|n| n == name) {
                    Some(i) => i,
                    None => {
                        self.names.push(name.to_string());
                        self.held.push(0);
                        self.cap.push(0);
                        self.names.len() - 1
                    }
                };
                (i, v)
            })
            .collect()
    }

    fn step(&mut self, t: f64) {
        match self.steps.last_mut() {
            Some(last) if last.0 == t => {
                last.1.clone_from(&self.held);
                last.2.clone_from(&self.cap);
            }
            _ => self.steps.push((t, self.held.clone(), self.cap.clone())),
        }
    }

    fn bound(&mut self, t: f64, pod: &str, text: &str) {
        let amounts = self.amounts(text);
        for &(i, v) in &amounts {
            self.held[i] += v;
        }
        if let Some(old) = self.pods.insert(pod.to_string(), amounts) {
            for (i, v) in old {
                self.held[i] -= v;
            }
        }
        self.step(t);
    }

    fn left(&mut self, t: f64, pod: &str) {
        if let Some(old) = self.pods.remove(pod) {
            for (i, v) in old {
                self.held[i] -= v;
            }
            self.step(t);
        }
    }

    fn node(&mut self, t: f64, kind: EventKind, node: &str, text: &str) {
        let sign = |up: bool| if up { 1 } else { -1 };
        match kind {
            EventKind::NodeAdded => {
                let amounts = self.amounts(text);
                if amounts.is_empty() {
                    return;
                }
                for &(i, v) in &amounts {
                    self.cap[i] += v;
                }
                if let Some((old, true)) = self.nodes.insert(node.to_string(), (amounts, true)) {
                    for (i, v) in old {
                        self.cap[i] -= v;
                    }
                }
            }
            EventKind::NodeRemoved => match self.nodes.remove(node) {
                Some((old, true)) => {
                    for (i, v) in old {
                        self.cap[i] -= v;
                    }
                }
                _ => return,
            },
            _ => {
                let up = kind == EventKind::NodeRecovered;
                match self.nodes.get_mut(node) {
                    Some(n) if n.1 != up => {
                        n.1 = up;
                        for &(i, v) in &n.0 {
                            self.cap[i] += v * sign(up);
                        }
                    }
                    _ => return,
                }
            }
        }
        self.step(t);
    }

    /// Per resource: (time, held, allocatable) at every change.
    fn series(self) -> Vec<(String, ResourceSteps)> {
        (self.names.into_iter().enumerate())
            .map(|(i, name)| {
                let at = |v: &Vec<i64>| v.get(i).copied().unwrap_or(0) as f64;
                let points = self.steps.iter().map(|(t, h, c)| (*t, at(h), at(c))).collect();
                (name, points)
            })
            .collect()
    }
}

/// The pool of a node: its name without the `-N` the pool numbers it with.
fn pool_of(node: &str) -> &str {
    match node.rsplit_once('-') {
        Some((pool, n)) if !pool.is_empty() && !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) => pool,
        _ => node,
    }
}

impl TimelineDigest {
    /// Reads `events.csv` back, fields split in place.
    pub fn read(path: &Path) -> R<Self> {
        let mut d = TimelineDigest::default();
        let mut header = true;
        for_each_line(path, |l| {
            if std::mem::take(&mut header) {
                return;
            }
            let mut f = l.splitn(6, ',');
            if let (Some(t), Some(job), Some(pod), Some(_), Some(event), Some(detail)) =
                (f.next(), f.next(), f.next(), f.next(), f.next(), f.next())
                && let Some(kind) = EventKind::from_name(event).filter(|&k| Self::follows(k))
            {
                let text = unquote(detail);
                let detail = Detail::parse(kind, &text).unwrap_or(Detail::None);
                d.event(t.parse::<f64>().unwrap_or(0.0), job, pod, kind, &detail);
            }
        })?;
        Ok(d)
    }

    /// The kinds of row [`TimelineDigest::event`] reads.
    fn follows(kind: EventKind) -> bool {
        use EventKind::*;
        matches!(
            kind,
            JobCreated
                | PodCreated
                | PodScheduled
                | PodDeleted
                | PodRunning
                | PodDeleting
                | PodSucceeded
                | PodFailed
                | NodeAdded
                | NodeLost
                | NodeRecovered
                | NodeRemoved
        )
    }

    /// Whether a row of `job`'s pod may be about a live attempt: once the
    /// first Jobs' pods are all done, no pod row needs the name looked up.
    #[inline]
    fn may_be_attempt(&self, job: &str) -> bool {
        !self.attempts.is_empty() && self.charted.contains(job)
    }

    /// One timeline row, `t` in seconds.
    fn event(&mut self, t: f64, job: &str, pod: &str, kind: EventKind, detail: &Detail) {
        match kind {
            EventKind::JobCreated if self.order.len() < GANTT_JOBS => {
                self.order.push(job.to_string());
                self.charted.insert(job.into());
            }
            EventKind::PodCreated if self.charted.contains(job) => {
                self.attempts.insert(pod.to_string(), (job.to_string(), t, None, false));
            }
            EventKind::PodScheduled => {
                if let Detail::Bound { extended, .. } = *detail
                    && !extended.is_empty()
                {
                    self.extended.bound(t, pod, extended);
                }
            }
            EventKind::PodDeleted if !self.extended.pods.is_empty() => self.extended.left(t, pod),
            EventKind::PodRunning if self.may_be_attempt(job) => {
                if let Some(a) = self.attempts.get_mut(pod) {
                    a.2.get_or_insert(t);
                }
            }
            EventKind::PodDeleting if self.may_be_attempt(job) => {
                if let Some(a) = self.attempts.get_mut(pod) {
                    a.3 = true;
                }
            }
            EventKind::NodeAdded | EventKind::NodeLost | EventKind::NodeRecovered | EventKind::NodeRemoved => {
                self.node_row(t, kind, detail)
            }
            EventKind::PodSucceeded | EventKind::PodFailed => {
                if !self.extended.pods.is_empty() {
                    self.extended.left(t, pod);
                }
                if kind == EventKind::PodFailed {
                    let cause = match *detail {
                        Detail::Reason { reason: "NodeLost", .. } => "Pod: node lost",
                        Detail::Exited { exit_code, .. } => {
                            self.cause.clear();
                            self.cause.push_str("Pod: exit code ");
                            self.cause.push_str(itoa::Buffer::new().format(exit_code));
                            &self.cause
                        }
                        _ => "Pod: deleted before start",
                    };
                    match self.failures.get_mut(cause) {
                        Some(n) => *n += 1,
                        None => {
                            self.failures.insert(cause.to_string(), 1);
                        }
                    }
                }
                if self.may_be_attempt(job)
                    && let Some((job, start, running, deleting)) = self.attempts.remove(pod)
                {
                    let outcome = if kind == EventKind::PodSucceeded {
                        Outcome::Succeeded
                    } else if deleting {
                        Outcome::Deleted
                    } else {
                        Outcome::Failed
                    };
                    self.done.entry(job).or_default().push(Attempt {
                        start,
                        running,
                        end: t,
                        outcome,
                    });
                }
            }
            _ => {}
        }
    }

    /// A node joins, is lost, recovers or leaves: the counts of its pool and
    /// the memory of the nodes up change (rare next to pod rows).
    #[cold]
    fn node_row(&mut self, t: f64, kind: EventKind, detail: &Detail) {
        let (node, memory) = match *detail {
            Detail::NodeAdded {
                node, memory, extended, ..
            } => {
                self.extended.node(t, kind, node, extended);
                (node, memory)
            }
            Detail::Node { node } => {
                self.extended.node(t, kind, node, "");
                (node, 0)
            }
            _ => return,
        };
        let leave = |d: &mut Self, (pool, up, memory): (usize, bool, i64)| {
            d.present[pool] -= 1;
            if up {
                d.memory_up -= memory;
            }
        };
        match kind {
            EventKind::NodeAdded => {
                let name = pool_of(node);
                let pool = match self.pools.iter().position(|p| p == name) {
                    Some(i) => i,
                    None => {
                        self.pools.push(name.to_string());
                        self.present.push(0);
                        self.pools.len() - 1
                    }
                };
                if let Some(old) = self.nodes.insert(node.to_string(), (pool, true, memory)) {
                    leave(self, old);
                }
                self.present[pool] += 1;
                self.memory_up += memory;
            }
            EventKind::NodeRemoved => match self.nodes.remove(node) {
                Some(old) => leave(self, old),
                None => return,
            },
            _ => {
                let up = kind == EventKind::NodeRecovered;
                match self.nodes.get_mut(node) {
                    Some(n) if n.1 != up => {
                        n.1 = up;
                        self.memory_up += if up { n.2 } else { -n.2 };
                    }
                    _ => return,
                }
            }
        }
        let gib = self.memory_up as f64 / (1u64 << 30) as f64;
        match self.node_steps.last_mut() {
            Some(last) if last.0 == t => {
                last.1.clone_from(&self.present);
                last.2 = gib;
            }
            _ => self.node_steps.push((t, self.present.clone(), gib)),
        }
    }

    /// Adds the failure causes and the Gantt rows to the chart inputs; attempts
    /// still running end at the end of the run.
    fn finish_into(mut self, inp: &mut Inputs) {
        for (cause, n) in self.failures {
            *inp.failures.entry(cause).or_default() += n;
        }
        for (_, (job, start, running, _)) in self.attempts {
            self.done.entry(job).or_default().push(Attempt {
                start,
                running,
                end: inp.end,
                outcome: Outcome::Unfinished,
            });
        }
        // Pools that joined later have no count in earlier steps: zeros.
        let pools = self.pools.len();
        inp.nodes = self
            .node_steps
            .into_iter()
            .map(|(t, mut n, m)| {
                n.resize(pools, 0);
                (t, n, m)
            })
            .collect();
        inp.pools = self.pools;
        inp.extended = self.extended.series();
        inp.gantt = self
            .order
            .into_iter()
            .map(|j| {
                let a = self.done.remove(&j).unwrap_or_default();
                (j, a)
            })
            .collect();
    }
}

impl EventLog for TimelineDigest {
    /// Most rows (scheduling, running, readiness, Job conditions) are none of
    /// the digest's business: they return before any work.
    #[inline]
    fn record(&mut self, row: &Row) {
        if Self::follows(row.kind) {
            // The same f64 as parsing the three-decimal text of events.csv.
            self.event(row.t as f64 / 1000.0, row.job, row.pod, row.kind, &row.detail);
        }
    }
}

/// Time buckets across a chart: about one per 1.6 pixel columns of the plot area.
const BUCKETS: usize = 600;

/// Keeps, of every time bucket, its first and last samples and the samples where the
/// pods in flight and the cpu requested peak: a chart of a long, busy run then stays a
/// few thousand points (and a small SVG) without hiding a peak. The CSV keeps everything.
fn thin(series: Vec<(f64, Vec<f64>)>, end: f64, cols: &[String]) -> Vec<(f64, Vec<f64>)> {
    if series.len() <= 2 * BUCKETS || end <= 0.0 {
        return series;
    }
    let at = |name: &str| cols.iter().position(|c| c == name);
    let pods: Vec<usize> = ["pods_pending", "pods_running", "pods_terminating"]
        .iter()
        .filter_map(|n| at(n))
        .collect();
    let cpu = at("cpu_requested");
    let in_flight = |r: &[f64]| pods.iter().map(|&i| r.get(i).copied().unwrap_or(0.0)).sum::<f64>();
    let cpu_of = |r: &[f64]| cpu.and_then(|i| r.get(i)).copied().unwrap_or(0.0);
    let bucket = |t: f64| ((t / end * BUCKETS as f64) as usize).min(BUCKETS);
    let mut keep = vec![false; series.len()];
    let mut start = 0;
    while start < series.len() {
        let b = bucket(series[start].0);
        let mut stop = start;
        while stop + 1 < series.len() && bucket(series[stop + 1].0) == b {
            stop += 1;
        }
        let rows = start..=stop;
        let argmax = |f: &dyn Fn(&[f64]) -> f64| {
            rows.clone()
                .max_by(|&a, &b| f(&series[a].1).total_cmp(&f(&series[b].1)))
                .unwrap_or(start)
        };
        for i in [start, stop, argmax(&in_flight), argmax(&cpu_of)] {
            keep[i] = true;
        }
        start = stop + 1;
    }
    series
        .into_iter()
        .zip(keep)
        .filter_map(|(row, k)| k.then_some(row))
        .collect()
}

/// Time axis: minutes for runs up to three hours, hours beyond.
pub(super) fn time_unit(end_s: f64) -> (f64, &'static str) {
    if end_s <= 3.0 * 3600.0 {
        (60.0, "min")
    } else {
        (3600.0, "h")
    }
}

/// Draws every chart into `dir`; returns the files written. The timeline
/// digest is read from `events.csv` unless the run hands it over. A chart
/// with nothing to show (utilisation and nodes on a cluster without nodes)
/// is not drawn, and an earlier one of that name is removed.
pub fn draw_all(dir: &Path, png: bool, digest: Option<TimelineDigest>) -> R<Vec<PathBuf>> {
    register_font();
    let mut inp = read_inputs(dir)?;
    let digest = match digest {
        Some(d) => d,
        None => TimelineDigest::read(&dir.join("events.csv"))?,
    };
    digest.finish_into(&mut inp);
    let mut written = Vec::new();
    for name in CHARTS {
        if !shown(name, &inp) {
            for ext in ["svg", "png"] {
                match std::fs::remove_file(dir.join(format!("{name}.{ext}"))) {
                    Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(ChartError::Write(e)),
                    _ => {}
                }
            }
            continue;
        }
        let mut text = String::new();
        {
            let root = super::svg::SvgBackend::with_string(&mut text, (W, H)).into_drawing_area();
            root.fill(&WHITE).map_err(err)?;
            draw_chart(name, &root, &inp)?;
            root.present().map_err(err)?;
        }
        written
            .push(super::files::write_atomic(dir, &format!("{name}.svg"), text.as_bytes()).map_err(ChartError::Write)?);
        if png {
            let tmp = dir.join(format!(".{name}.tmp-{}.png", std::process::id()));
            {
                let root = BitMapBackend::new(&tmp, (W, H)).into_drawing_area();
                root.fill(&WHITE).map_err(err)?;
                draw_chart(name, &root, &inp)?;
                root.present().map_err(err)?;
            }
            let dest = dir.join(format!("{name}.png"));
            std::fs::rename(&tmp, &dest).map_err(ChartError::Write)?;
            written.push(dest);
        }
    }
    Ok(written)
}

pub use super::names::CHARTS;

/// Whether a chart has something to show: utilisation needs a limited
/// resource, nodes by pool needs nodes.
fn shown(name: &str, inp: &Inputs) -> bool {
    match name {
        "utilisation" => !resources(inp).is_empty(),
        "nodes-by-pool" => !inp.pools.is_empty(),
        _ => true,
    }
}

fn draw_chart<DB: DrawingBackend>(name: &str, root: &DrawingArea<DB, Shift>, inp: &Inputs) -> R<()> {
    match name {
        "pods-over-time" => pods_over_time(root, inp),
        "job-durations" => turnaround_cdf(root, inp),
        "gantt" => gantt(root, inp),
        "failures" => failures(root, inp),
        "utilisation" => utilisation(root, inp),
        _ => nodes_by_pool(root, inp),
    }
}

/// A chart with two f64 axes.
pub(super) type Chart<'a, DB> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

fn plot_area<'a, DB: DrawingBackend>(
    root: &'a DrawingArea<DB, Shift>,
    caption: &str,
    caption_size: u32,
    y_label_width: u32,
    x: std::ops::Range<f64>,
    y: std::ops::Range<f64>,
) -> R<Chart<'a, DB>> {
    ChartBuilder::on(root)
        .caption(caption, (FONT, caption_size))
        .margin(15)
        .margin_right(40)
        .x_label_area_size(55)
        .y_label_area_size(y_label_width)
        .build_cartesian_2d(x, y)
        .map_err(err)
}

/// Width of the legend column, right of the plot: legends never cover data.
const LEGEND_W: u32 = 250;

/// The canvas under the title, split into the plot (left) and the legend column (right).
pub(super) fn layout<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    caption: &str,
    caption_size: u32,
) -> R<(DrawingArea<DB, Shift>, DrawingArea<DB, Shift>)> {
    let body = root
        .margin(10, 0, 0, 0)
        .titled(caption, (FONT, caption_size))
        .map_err(err)?;
    let w = body.dim_in_pixel().0;
    Ok(body.split_horizontally(w.saturating_sub(LEGEND_W)))
}

/// A plot without caption (the layout has it), with room for a right-hand axis when `right` > 0.
pub(super) fn plot_in<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    y_label_width: u32,
    right: u32,
    x: std::ops::Range<f64>,
    y: std::ops::Range<f64>,
) -> R<Chart<'_, DB>> {
    ChartBuilder::on(area)
        .margin(15)
        .margin_top(8)
        .margin_right(if right > 0 { 10 } else { 25 })
        .x_label_area_size(55)
        .y_label_area_size(y_label_width)
        .right_y_label_area_size(right)
        .build_cartesian_2d(x, y)
        .map_err(err)
}

/// How a legend entry is keyed: a filled box, a line, a dashed line.
#[derive(Clone, Copy)]
pub(super) enum Key {
    Box(RGBAColor),
    Line(RGBColor),
    Dashed(RGBColor),
}

/// Words of `text` in lines of at most `width` characters (a longer word,
/// such as a swept path and its value, is cut into pieces that fit).
fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines: Vec<String> = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    let pieces = chars
        .split(|c| *c == ' ')
        .flat_map(|w| w.chunks(width).map(String::from_iter));
    for word in pieces {
        let word = word.as_str();
        match lines.last_mut() {
            Some(l) if l.chars().count() + 1 + word.chars().count() <= width => {
                l.push(' ');
                l.push_str(word);
            }
            _ => lines.push(word.to_string()),
        }
    }
    lines
}

/// The legend, top-down in the legend column, labels wrapped to its width.
pub(super) fn side_legend<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, entries: &[(String, Key)]) -> R<()> {
    const SIZE: u32 = 15;
    let style = (FONT, SIZE).into_font();
    // DejaVu Sans averages about 0.55 em a character.
    let chars = ((LEGEND_W - 45) as f64 / (0.55 * SIZE as f64)) as usize;
    let mut y = 16i32;
    for (label, key) in entries {
        let mid = y + 8;
        match *key {
            Key::Box(c) => area.draw(&Rectangle::new([(6, mid - 6), (22, mid + 6)], c.filled())),
            Key::Line(c) => area.draw(&PathElement::new(vec![(4, mid), (24, mid)], c.stroke_width(2))),
            Key::Dashed(c) => area
                .draw(&PathElement::new(vec![(4, mid), (10, mid)], c.stroke_width(2)))
                .and_then(|_| area.draw(&PathElement::new(vec![(17, mid), (24, mid)], c.stroke_width(2)))),
        }
        .map_err(err)?;
        let lines = wrap(label, chars);
        for (i, l) in lines.iter().enumerate() {
            area.draw(&Text::new(l.clone(), (32, y + i as i32 * 18), style.clone()))
                .map_err(err)?;
        }
        y += lines.len() as i32 * 18 + 10;
    }
    Ok(())
}

fn title(inp: &Inputs, what: &str) -> String {
    if inp.scenario.is_empty() {
        what.to_string()
    } else {
        format!("{what} — {}", inp.scenario)
    }
}

fn col(inp: &Inputs, name: &str) -> Option<usize> {
    inp.series_cols.iter().position(|c| c == name)
}

/// A value held between samples, drawn as steps.
fn steps(points: impl IntoIterator<Item = (f64, f64)>) -> Vec<(f64, f64)> {
    let mut out: Vec<(f64, f64)> = Vec::new();
    for (x, y) in points {
        if let Some(&(_, prev)) = out.last() {
            out.push((x, prev));
        }
        out.push((x, y));
    }
    out
}

/// A resource the cluster limits, at every sample of the time series:
/// what pods hold of it and what the nodes up offer.
struct Resource {
    name: String,
    /// Its unit on an axis.
    unit: &'static str,
    /// (time in s, held, allocatable), per sample.
    points: Vec<(f64, f64, f64)>,
    /// The largest share held at any sample.
    peak: f64,
    colour: RGBColor,
}

/// What pods hold of a resource and what is allocatable, at a sample (time, columns).
type Held<'a> = dyn Fn(f64, &Vec<f64>) -> (f64, f64) + 'a;

/// The memory allocatable (GiB) of the nodes up at `t`, from the digest's node steps.
fn memory_at(inp: &Inputs, t: f64) -> f64 {
    let i = inp.nodes.partition_point(|s| s.0 <= t);
    if i == 0 { 0.0 } else { inp.nodes[i - 1].2 }
}

/// The resources the cluster limits (cpu, memory, pod slots, then extended
/// resources such as GPUs; those some node has an allocatable amount of), in
/// that order.
fn resources(inp: &Inputs) -> Vec<Resource> {
    let v = |row: &Vec<f64>, c: Option<usize>| c.and_then(|i| row.get(i)).copied().unwrap_or(0.0);
    let (cpu, cpu_cap, mem) = (
        col(inp, "cpu_requested"),
        col(inp, "cpu_allocatable"),
        col(inp, "memory_requested_gib"),
    );
    let (running, terminating, slots) = (
        col(inp, "pods_running"),
        col(inp, "pods_terminating"),
        col(inp, "pods_allocatable"),
    );
    let of = |name: &str, unit, colour, f: &Held| {
        let points: Vec<(f64, f64, f64)> = inp
            .series
            .iter()
            .map(|(t, r)| {
                let (held, cap) = f(*t, r);
                (*t, held, cap)
            })
            .collect();
        let peak = points
            .iter()
            .filter(|p| p.2 > 0.0)
            .map(|p| p.1 / p.2)
            .fold(0.0, f64::max);
        points.iter().any(|p| p.2 > 0.0).then_some(Resource {
            name: name.to_string(),
            unit,
            points,
            peak,
            colour,
        })
    };
    [
        of("cpu", "cores", RGBColor(40, 90, 170), &|_, r| {
            (v(r, cpu), v(r, cpu_cap))
        }),
        of("memory", "GiB", RGBColor(140, 70, 160), &|t, r| {
            (v(r, mem), memory_at(inp, t))
        }),
        of("pod slots", "pods", RGBColor(60, 140, 75), &|_, r| {
            (v(r, running) + v(r, terminating), v(r, slots))
        }),
    ]
    .into_iter()
    .flatten()
    .chain(inp.extended.iter().enumerate().filter_map(|(k, (name, points))| {
        let peak = (points.iter())
            .filter(|p| p.2 > 0.0)
            .map(|p| p.1 / p.2)
            .fold(0.0, f64::max);
        let mut points = points.clone();
        if let Some(&(t, held, cap)) = points.last()
            && t < inp.end
        {
            points.push((inp.end, held, cap));
        }
        let bytes = name == "ephemeral-storage" || name.starts_with("hugepages-");
        points.iter().any(|p| p.2 > 0.0).then(|| Resource {
            name: name.clone(),
            unit: if bytes { "bytes" } else { "devices" },
            points,
            peak,
            colour: EXTENDED_COLOURS[k % EXTENDED_COLOURS.len()],
        })
    }))
    .collect()
}

/// Colours of the extended resources' lines.
const EXTENDED_COLOURS: [RGBColor; 3] = [RGBColor(200, 60, 50), RGBColor(200, 140, 20), RGBColor(20, 150, 150)];

fn pods_over_time<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, inp: &Inputs) -> R<()> {
    let (unit, uname) = time_unit(inp.end);
    let (pending, running, terminating) = (
        col(inp, "pods_pending"),
        col(inp, "pods_running"),
        col(inp, "pods_terminating"),
    );
    let v = |row: &Vec<f64>, c: Option<usize>| c.and_then(|i| row.get(i)).copied().unwrap_or(0.0);
    let stacked: Vec<Stack> = inp
        .series
        .iter()
        .map(|(t, r)| {
            let (p, ru, te) = (v(r, pending), v(r, running), v(r, terminating));
            (t / unit, ru, ru + te, ru + te + p)
        })
        .collect();
    let peak = stacked.iter().map(|s| s.3).fold(1.0, f64::max);
    // The resource that binds: the one most used at its peak. Pod slots are
    // drawn on the pods axis; cpu or memory on an axis of their own, right,
    // with what pods request of it, so the chart shows it filling up.
    let binds = resources(inp)
        .into_iter()
        .max_by(|a, b| a.peak.total_cmp(&b.peak).then(std::cmp::Ordering::Greater));
    let on_pods_axis = binds.as_ref().is_some_and(|r| r.unit == "pods");
    let slots = match &binds {
        Some(r) if on_pods_axis => r.points.iter().map(|p| p.2).fold(0.0, f64::max),
        _ => 0.0,
    };
    let ymax = peak.max(slots) * 1.1;
    let xmax = (inp.end / unit).max(1e-3);
    let (plot, side) = layout(root, &title(inp, "Pods over time"), 26)?;
    let right_axis = binds.as_ref().filter(|_| !on_pods_axis);
    let top = right_axis.map_or(1.0, |r| {
        r.points.iter().map(|p| p.1.max(p.2)).fold(0.0, f64::max).max(1e-9) * 1.1
    });
    let mut chart = plot_in(
        &plot,
        75,
        if right_axis.is_some() { 75 } else { 0 },
        0f64..xmax,
        0f64..ymax,
    )?
    .set_secondary_coord(0f64..xmax, 0f64..top);
    chart
        .configure_mesh()
        .x_desc(format!("Time since start ({uname})"))
        .y_desc("Pods")
        .y_label_formatter(&|v| format!("{v:.0}"))
        .label_style((FONT, 16))
        .axis_desc_style((FONT, 18))
        .draw()
        .map_err(err)?;
    if let Some(r) = right_axis {
        chart
            .configure_secondary_axes()
            .y_desc(format!("{} ({})", r.name, r.unit))
            .label_style((FONT, 16))
            .axis_desc_style((FONT, 18))
            .draw()
            .map_err(err)?;
    }
    let layers: [Layer; 3] = [
        ("Pending", RGBColor(120, 144, 200), |s| s.3),
        ("Terminating", RGBColor(230, 145, 56), |s| s.2),
        ("Running", RGBColor(76, 150, 90), |s| s.1),
    ];
    let mut keys = Vec::new();
    for (name, color, f) in layers {
        chart
            .draw_series(
                AreaSeries::new(steps(stacked.iter().map(|s| (s.0, f(s)))), 0.0, color.mix(0.85)).border_style(color),
            )
            .map_err(err)?;
        keys.push((name.to_string(), Key::Box(color.mix(0.85))));
    }
    match &binds {
        None => keys.push((
            "No limit: the cluster's nodes are unlimited".to_string(),
            Key::Box(WHITE.mix(0.0)),
        )),
        Some(r) if on_pods_axis => {
            chart
                .draw_series(LineSeries::new(
                    steps(r.points.iter().map(|p| (p.0 / unit, p.2))),
                    BLACK.stroke_width(2),
                ))
                .map_err(err)?;
            keys.push((
                format!(
                    "Pod slots (allocatable), the limit that binds: peak use {:.0}%",
                    r.peak * 100.0
                ),
                Key::Line(BLACK),
            ));
        }
        Some(r) => {
            chart
                .draw_secondary_series(LineSeries::new(
                    steps(r.points.iter().map(|p| (p.0 / unit, p.2))),
                    BLACK.stroke_width(2),
                ))
                .map_err(err)?;
            chart
                .draw_secondary_series(DashedLineSeries::new(
                    steps(r.points.iter().map(|p| (p.0 / unit, p.1))),
                    6,
                    4,
                    r.colour.stroke_width(2),
                ))
                .map_err(err)?;
            keys.push((
                format!("{} allocatable (right axis), the limit that binds", r.name),
                Key::Line(BLACK),
            ));
            keys.push((
                format!(
                    "{} requested by pods bound (right axis): peak {:.0}%",
                    r.name,
                    r.peak * 100.0
                ),
                Key::Dashed(r.colour),
            ));
        }
    }
    side_legend(&side, &keys)
}

/// `job-durations`: the CDF of the `turnaround` column of `jobs.csv` (created →
/// finished), as `turnaroundSeconds` in `summary.json` summarises it.
fn turnaround_cdf<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, inp: &Inputs) -> R<()> {
    let mut first: Vec<f64> = inp.turnarounds.iter().filter(|d| d.0 == 0).map(|d| d.1).collect();
    first.sort_by(f64::total_cmp);
    let all_max = inp.turnarounds.iter().map(|d| d.1).fold(0.0, f64::max);
    let (unit, uname) = time_unit(all_max);
    let xmax = (all_max / unit * 1.05).max(1e-3);
    let reps: u32 = inp.turnarounds.iter().map(|d| d.0).max().map_or(1, |m| m + 1);
    let caption = if reps > 1 {
        format!("Job turnaround CDF (replication 0; band: 5–95% of {reps} replications)")
    } else {
        "Job turnaround CDF".to_string()
    };
    let (plot, side) = layout(root, &title(inp, &caption), 24)?;
    let mut chart = plot_in(&plot, 75, 0, 0f64..xmax, 0f64..1.0)?;
    let mut keys = Vec::new();
    chart
        .configure_mesh()
        .x_desc(format!("Turnaround, created → finished ({uname})"))
        .y_desc("Fraction of finished Jobs")
        .label_style((FONT, 16))
        .axis_desc_style((FONT, 18))
        .draw()
        .map_err(err)?;
    let blue = RGBColor(40, 90, 170);
    if reps > 1 {
        // The 5–95% envelope of the replications' CDFs on a grid.
        let mut per: Vec<Vec<f64>> = vec![Vec::new(); reps as usize];
        for (r, d) in &inp.turnarounds {
            per[*r as usize].push(*d);
        }
        for v in &mut per {
            v.sort_by(f64::total_cmp);
        }
        let grid: Vec<f64> = (0..=200).map(|i| all_max * 1.05 * i as f64 / 200.0).collect();
        let band: Vec<(f64, f64, f64)> = grid
            .iter()
            .map(|&x| {
                let mut fr: Vec<f64> = per
                    .iter()
                    .filter(|v| !v.is_empty())
                    .map(|v| v.partition_point(|d| *d <= x) as f64 / v.len() as f64)
                    .collect();
                fr.sort_by(f64::total_cmp);
                (
                    x / unit,
                    super::summary::quantile(&fr, 0.05),
                    super::summary::quantile(&fr, 0.95),
                )
            })
            .collect();
        let poly: Vec<(f64, f64)> = band
            .iter()
            .map(|b| (b.0, b.2))
            .chain(band.iter().rev().map(|b| (b.0, b.1)))
            .collect();
        chart
            .draw_series(std::iter::once(Polygon::new(poly, blue.mix(0.2))))
            .map_err(err)?;
        keys.push((format!("5–95% of {reps} replications' CDFs"), Key::Box(blue.mix(0.2))));
    }
    // The empirical CDF as steps; past a few thousand Jobs, every k-th step (the
    // last one always), which is finer than a pixel and keeps the SVG small.
    let n = first.len().max(1) as f64;
    let stride = first.len().div_ceil(BUCKETS * 2).max(1);
    let mut prev = 0.0;
    let steps: Vec<(f64, f64)> = first
        .iter()
        .enumerate()
        .filter(|(i, _)| (i + 1) % stride == 0 || i + 1 == first.len())
        .flat_map(|(i, d)| {
            let below = std::mem::replace(&mut prev, (i + 1) as f64 / n);
            [(d / unit, below), (d / unit, prev)]
        })
        .collect();
    chart
        .draw_series(LineSeries::new(steps, blue.stroke_width(2)))
        .map_err(err)?;
    keys.insert(0, ("Jobs finished (replication 0)".to_string(), Key::Line(blue)));
    for (q, label) in [(0.5, "p50"), (0.95, "p95")] {
        if first.is_empty() {
            break;
        }
        let x = super::summary::quantile(&first, q) / unit;
        let red = RGBColor(190, 50, 50);
        chart
            .draw_series(DashedLineSeries::new(
                vec![(x, 0.0), (x, 1.0)],
                6,
                4,
                red.stroke_width(1),
            ))
            .map_err(err)?;
        chart
            .draw_series(std::iter::once(Text::new(
                format!(" {label} = {:.1} {uname}", x),
                (x + xmax * 0.005, if q == 0.5 { 0.08 } else { 0.18 }),
                (FONT, 16).into_font().color(&red),
            )))
            .map_err(err)?;
    }
    side_legend(&side, &keys)
}

fn gantt<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, inp: &Inputs) -> R<()> {
    let (unit, uname) = time_unit(inp.end);
    let n = inp.gantt.len().max(1);
    let what = if inp.total_jobs > inp.gantt.len() {
        format!(
            "Jobs and their pod attempts (first {} of {} Jobs)",
            inp.gantt.len(),
            inp.total_jobs
        )
    } else {
        "Jobs and their pod attempts".to_string()
    };
    let names: Vec<String> = inp.gantt.iter().map(|g| g.0.clone()).collect();
    let longest = names.iter().map(|s| s.len()).max().unwrap_or(4) as u32;
    let xmax = (inp.end / unit).max(1e-3);
    let (plot, side) = layout(root, &title(inp, &what), 24)?;
    let mut chart = plot_in(&plot, (longest * 9 + 20).clamp(60, 260), 0, 0f64..xmax, 0f64..n as f64)?;
    let label_of = |y: &f64| row_label(&names, n, *y);
    chart
        .configure_mesh()
        .disable_y_mesh()
        .y_labels(n * 2 + 1)
        .y_label_formatter(&label_of)
        .x_desc(format!("Time since start ({uname})"))
        .label_style((FONT, if n > 25 { 11 } else { 15 }))
        .axis_desc_style((FONT, 18))
        .draw()
        .map_err(err)?;
    // Every other Job's row shaded, so that a row's lanes read as one Job.
    chart
        .draw_series((0..inp.gantt.len()).filter(|r| r % 2 == 1).map(|row| {
            let y = (n - 1 - row) as f64;
            Rectangle::new([(0.0, y), (xmax, y + 1.0)], RGBColor(244, 244, 248).filled())
        }))
        .map_err(err)?;
    let pending = RGBColor(178, 192, 222);
    let colors = [
        (Outcome::Succeeded, RGBColor(60, 140, 75), "Running, then succeeded"),
        (Outcome::Failed, RGBColor(200, 60, 60), "Running, then failed"),
        (
            Outcome::Deleted,
            RGBColor(230, 145, 56),
            "Running, then deleted or evicted",
        ),
        (Outcome::Unfinished, RGBColor(120, 120, 120), "Running at the end"),
    ];
    // Each pod attempt has a lane of its Job's row; an attempt takes the
    // lowest lane free when it is created, so attempts one after the other
    // share a lane and the row stays as tall as the most attempts at once.
    let rows: Vec<(Vec<(Attempt, usize)>, usize)> = (inp.gantt.iter())
        .map(|(_, attempts)| {
            let mut sorted = attempts.clone();
            sorted.sort_by(|a, b| a.start.total_cmp(&b.start));
            assign_lanes(&sorted)
        })
        .collect();
    let widest = rows.iter().map(|(_, lanes)| *lanes).max().unwrap_or(0);
    let placed: Vec<Vec<Placed>> = (rows.into_iter().enumerate())
        .map(|(row, (with_lane, lanes))| {
            let h = 0.8 / lanes.clamp(1, GANTT_LANES) as f64;
            let base = (n - 1 - row) as f64 + 0.1;
            with_lane
                .into_iter()
                .filter(|&(_, lane)| lane < GANTT_LANES)
                .map(|(a, lane)| (a, base + lane as f64 * h, base + (lane as f64 + 0.85) * h))
                .collect()
        })
        .collect();
    let bar = |from: f64, to: f64, bottom: f64, top: f64, color: RGBColor| {
        let x1 = (to / unit).max(from / unit + 1e-4);
        Rectangle::new([(from / unit, bottom), (x1, top)], color.filled())
    };
    // Pending (created until running, or until it ended if it never ran).
    chart
        .draw_series(
            placed
                .iter()
                .flatten()
                .map(|(a, lo, hi)| bar(a.start, a.running.unwrap_or(a.end), *lo, *hi, pending)),
        )
        .map_err(err)?;
    let mut keys = vec![(
        "Pending: created, not yet running".to_string(),
        Key::Box(pending.into()),
    )];
    for (outcome, color, label) in colors {
        chart
            .draw_series(
                placed
                    .iter()
                    .flatten()
                    .filter(|p| p.0.outcome == outcome)
                    .filter_map(|(a, lo, hi)| a.running.map(|r| bar(r, a.end, *lo, *hi, color))),
            )
            .map_err(err)?;
        keys.push((label.to_string(), Key::Box(color.into())));
    }
    keys.push((
        "Each attempt has its own lane in its Job's row".to_string(),
        Key::Box(WHITE.mix(0.0)),
    ));
    if widest > GANTT_LANES {
        keys.push((
            format!("Lanes past {GANTT_LANES} of a row not drawn (up to {widest} at once)"),
            Key::Box(WHITE.mix(0.0)),
        ));
    }
    side_legend(&side, &keys)
}

/// Each attempt (sorted by start) takes the lowest lane free at its start (a
/// lane is free once its last attempt ended); returns the attempts with their
/// lanes, and how many lanes there are. Lanes that come free wait in an ordered
/// set and busy ones in a heap by end, so a Job of 10,000 parallel pods costs a
/// logarithm per attempt, not a scan of every lane.
fn assign_lanes(sorted: &[Attempt]) -> (Vec<(Attempt, usize)>, usize) {
    use std::cmp::Reverse;
    use std::collections::{BTreeSet, BinaryHeap};
    /// An end time that orders in the heap (ends are finite seconds).
    struct End(f64);
    impl PartialEq for End {
        fn eq(&self, other: &Self) -> bool {
            self.cmp(other).is_eq()
        }
    }
    impl Eq for End {}
    impl PartialOrd for End {
        fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
            Some(self.cmp(other))
        }
    }
    impl Ord for End {
        fn cmp(&self, other: &Self) -> std::cmp::Ordering {
            self.0.total_cmp(&other.0)
        }
    }
    let mut busy: BinaryHeap<Reverse<(End, usize)>> = BinaryHeap::new();
    let mut free: BTreeSet<usize> = BTreeSet::new();
    let mut lanes = 0;
    let placed = sorted
        .iter()
        .map(|a| {
            while let Some(Reverse((End(end), lane))) = busy.peek()
                && *end <= a.start
            {
                free.insert(*lane);
                busy.pop();
            }
            let lane = free.pop_first().unwrap_or_else(|| {
                lanes += 1;
                lanes - 1
            });
            busy.push(Reverse((End(a.end), lane)));
            (*a, lane)
        })
        .collect();
    (placed, lanes)
}

/// The label of a horizontal-bar row: rows are drawn top-down, one unit high,
/// and labelled at their middle (`y` = k + 0.5); other ticks stay blank.
fn row_label(names: &[String], rows: usize, y: f64) -> String {
    let i = (rows as f64 - y - 0.5).round();
    if (y.fract() - 0.5).abs() < 1e-6 && i >= 0.0 {
        names.get(i as usize).cloned().unwrap_or_default()
    } else {
        String::new()
    }
}

fn failures<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, inp: &Inputs) -> R<()> {
    let items: Vec<(&String, &u64)> = inp.failures.iter().collect();
    // At least four rows, filled from the top, so one or two reasons get bars of a
    // sensible thickness rather than the whole plot.
    let n = items.len().max(4);
    let max = items.iter().map(|i| *i.1).max().unwrap_or(1) as f64 * 1.15;
    let longest = items.iter().map(|i| i.0.len()).max().unwrap_or(10) as u32;
    let caption = if items.is_empty() {
        "Failures by reason (none)".to_string()
    } else {
        "Failures by reason (replication 0)".to_string()
    };
    let mut chart = plot_area(
        root,
        &title(inp, &caption),
        24,
        (longest * 9 + 20).clamp(80, 320),
        0f64..max.max(1.0),
        0f64..n as f64,
    )?;
    let labels_x = (max.max(1.0).ceil() as usize).min(10) + 1;
    let labels: Vec<String> = items.iter().map(|i| i.0.clone()).collect();
    let label_of = |y: &f64| row_label(&labels, n, *y);
    chart
        .configure_mesh()
        .disable_y_mesh()
        .y_labels(n * 2 + 1)
        .y_label_formatter(&label_of)
        .x_labels(labels_x)
        .x_label_formatter(&|v| {
            if v.fract().abs() < 1e-9 {
                format!("{v:.0}")
            } else {
                String::new()
            }
        })
        .x_desc("Count")
        .label_style((FONT, 15))
        .axis_desc_style((FONT, 18))
        .draw()
        .map_err(err)?;
    let red = RGBColor(200, 60, 60);
    let blue = RGBColor(40, 90, 170);
    chart
        .draw_series(items.iter().enumerate().map(|(row, (name, count))| {
            let y = (n - 1 - row) as f64;
            let c = if name.starts_with("Job") { blue } else { red };
            Rectangle::new([(0.0, y + 0.2), (**count as f64, y + 0.8)], c.mix(0.85).filled())
        }))
        .map_err(err)?;
    chart
        .draw_series(items.iter().enumerate().map(|(row, (_, count))| {
            Text::new(
                count.to_string(),
                (**count as f64 + max * 0.01, (n - 1 - row) as f64 + 0.62),
                (FONT, 15),
            )
        }))
        .map_err(err)?;
    Ok(())
}

/// `utilisation`: per resource the cluster limits, what pods hold of it as a
/// share of what the nodes up offer. Not drawn when nothing is limited.
fn utilisation<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, inp: &Inputs) -> R<()> {
    let (unit, uname) = time_unit(inp.end);
    let xmax = (inp.end / unit).max(1e-3);
    let res = resources(inp);
    let top = res.iter().map(|r| r.peak * 100.0).fold(100.0, f64::max) * 1.05;
    let (plot, side) = layout(root, &title(inp, "Cluster utilisation"), 26)?;
    let mut chart = plot_in(&plot, 75, 0, 0f64..xmax, 0f64..top)?;
    chart
        .configure_mesh()
        .x_desc(format!("Time since start ({uname})"))
        .y_desc("Allocated (% of allocatable)")
        .label_style((FONT, 16))
        .axis_desc_style((FONT, 18))
        .draw()
        .map_err(err)?;
    let mut keys = Vec::new();
    for r in &res {
        let pct = |p: &(f64, f64, f64)| if p.2 > 0.0 { 100.0 * p.1 / p.2 } else { 0.0 };
        chart
            .draw_series(LineSeries::new(
                steps(r.points.iter().map(|p| (p.0 / unit, pct(p)))),
                r.colour.stroke_width(2),
            ))
            .map_err(err)?;
        let what = if r.unit == "pods" {
            "pods running or terminating / pod slots".to_string()
        } else {
            format!("{} requested / allocatable", r.name)
        };
        keys.push((format!("{what}: peak {:.0}%", r.peak * 100.0), Key::Line(r.colour)));
    }
    side_legend(&side, &keys)
}

/// `nodes-by-pool`: the nodes of each pool over time, stacked, so that nodes
/// an autoscaler adds or removes and spot nodes reclaimed show. Not drawn
/// without nodes.
fn nodes_by_pool<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, inp: &Inputs) -> R<()> {
    let (unit, uname) = time_unit(inp.end);
    let xmax = (inp.end / unit).max(1e-3);
    let total = |s: &NodeStep| s.1.iter().sum::<u32>();
    let peak = inp.nodes.iter().map(total).max().unwrap_or(1).max(1) as f64;
    let (plot, side) = layout(root, &title(inp, "Nodes by pool"), 26)?;
    let mut chart = plot_in(&plot, 75, 0, 0f64..xmax, 0f64..peak * 1.1)?;
    chart
        .configure_mesh()
        .x_desc(format!("Time since start ({uname})"))
        .y_desc("Nodes")
        .y_label_formatter(&|v| {
            if v.fract() == 0.0 {
                format!("{v:.0}")
            } else {
                String::new()
            }
        })
        .label_style((FONT, 16))
        .axis_desc_style((FONT, 18))
        .draw()
        .map_err(err)?;
    // Levels held to the end of the run; pools stacked in the order they
    // joined, the top one drawn first so the ones under it paint over it.
    let end = inp.end.max(inp.nodes.last().map_or(0.0, |s| s.0));
    let mut keys = Vec::new();
    for k in (0..inp.pools.len()).rev() {
        let level = |s: &NodeStep| s.1[..=k].iter().sum::<u32>() as f64;
        let pts = steps(
            inp.nodes
                .iter()
                .map(|s| (s.0 / unit, level(s)))
                .chain(inp.nodes.last().map(|s| (end / unit, level(s)))),
        );
        let color = PALETTE[k % PALETTE.len()];
        chart
            .draw_series(AreaSeries::new(pts, 0.0, color.mix(0.8)).border_style(color))
            .map_err(err)?;
    }
    for (k, pool) in inp.pools.iter().enumerate() {
        let most = inp.nodes.iter().map(|s| s.1[k]).max().unwrap_or(0);
        let last = inp.nodes.last().map_or(0, |s| s.1[k]);
        keys.push((
            format!("{pool}: at most {most}, {last} at the end"),
            Key::Box(PALETTE[k % PALETTE.len()].mix(0.8)),
        ));
    }
    side_legend(&side, &keys)
}

/// Colours of lines and areas that stand for one of several things (pools,
/// a sweep's combinations), in order; the sweep charts use them too.
pub(super) const PALETTE: [RGBColor; 8] = [
    RGBColor(40, 90, 170),
    RGBColor(200, 90, 30),
    RGBColor(60, 140, 75),
    RGBColor(170, 40, 60),
    RGBColor(120, 80, 160),
    RGBColor(20, 140, 150),
    RGBColor(140, 100, 50),
    RGBColor(90, 90, 90),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_what_split_gives() {
        use proptest::prelude::*;
        for line in ["", ",", "a", "a,", ",a", "a,,b", "0.000,1,2", "é,ü,,"] {
            assert_eq!(
                fields(line).collect::<Vec<_>>(),
                line.split(',').collect::<Vec<_>>(),
                "{line:?}"
            );
        }
        proptest!(|(line in "[a-z0-9.,é]{0,40}")| {
            prop_assert_eq!(fields(&line).collect::<Vec<_>>(), line.split(',').collect::<Vec<_>>());
        });
    }

    /// Counts read as integers give the value parsing them as numbers gives.
    #[test]
    fn series_values_are_the_numbers_parsed() {
        for field in [
            "0",
            "7",
            "007",
            "+5",
            "3526",
            "3599.000",
            "0.5",
            "-3",
            "",
            "x",
            "1e3",
            "9007199254740991",
            "9007199254740993",
            "18446744073709551615",
            "18446744073709551616",
        ] {
            let want = field.parse::<f64>().unwrap_or(0.0);
            assert_eq!(series_value(field).to_bits(), want.to_bits(), "{field:?}");
        }
    }

    #[test]
    fn thinning_keeps_the_ends_and_every_peak() {
        let cols: Vec<String> = ["pods_pending", "pods_running", "cpu_requested"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        // Ten samples per bucket; a pods spike and a cpu spike inside buckets.
        let n = BUCKETS * 10;
        let series: Vec<(f64, Vec<f64>)> = (0..n)
            .map(|i| {
                let pods = if i == 4321 { 999.0 } else { (i % 7) as f64 };
                let cpu = if i == 777 { 555.0 } else { 1.0 };
                (i as f64, vec![pods, 0.0, cpu])
            })
            .collect();
        let end = (n - 1) as f64;
        let thinned = thin(series.clone(), end, &cols);
        assert!(thinned.len() <= 4 * (BUCKETS + 1), "{} samples", thinned.len());
        assert_eq!(thinned.first().unwrap().0, 0.0);
        assert_eq!(thinned.last().unwrap().0, end);
        assert!(thinned.iter().any(|r| r.1[0] == 999.0), "pods peak kept");
        assert!(thinned.iter().any(|r| r.1[2] == 555.0), "cpu peak kept");
        assert!(thinned.windows(2).all(|w| w[0].0 < w[1].0), "time order kept");
        // Short series are drawn as they are.
        assert_eq!(thin(series[..100].to_vec(), 99.0, &cols).len(), 100);
    }

    #[test]
    fn legend_labels_wrap_at_spaces_and_long_words_are_cut() {
        assert_eq!(
            wrap("cpu requested / allocatable", 12),
            ["cpu", "requested /", "allocatable"]
        );
        assert_eq!(
            wrap("spec.workloads[etl].count=6", 10),
            ["spec.workl", "oads[etl].", "count=6"]
        );
        assert_eq!(wrap("short", 10), ["short"]);
    }

    #[test]
    fn a_node_belongs_to_the_pool_its_name_numbers_it_in() {
        assert_eq!(pool_of("cpu-0"), "cpu");
        assert_eq!(pool_of("gpu-a100-12"), "gpu-a100");
        assert_eq!(pool_of("node"), "node");
        assert_eq!(pool_of("a-b"), "a-b");
        assert_eq!(pool_of("-3"), "-3");
    }

    /// Nodes joining, lost, recovered and removed: counts per pool (a lost
    /// node is still there) and the memory of the nodes up, one step per instant.
    #[test]
    fn the_digest_follows_nodes_per_pool_and_pods_from_created_to_running() {
        let mut d = TimelineDigest::default();
        let gib = 1i64 << 30;
        let added = |node| Detail::NodeAdded {
            node,
            cpu_milli: 1000,
            memory: 2 * gib,
            pods: 10,
            extended: "",
        };
        d.event(0.0, "", "", EventKind::NodeAdded, &added("a-0"));
        d.event(0.0, "", "", EventKind::NodeAdded, &added("a-1"));
        d.event(5.0, "", "", EventKind::NodeAdded, &added("b-0"));
        d.event(6.0, "", "", EventKind::NodeLost, &Detail::Node { node: "a-0" });
        d.event(7.0, "", "", EventKind::NodeRecovered, &Detail::Node { node: "a-0" });
        d.event(8.0, "", "", EventKind::NodeRemoved, &Detail::Node { node: "a-1" });
        d.event(9.0, "", "", EventKind::NodeRemoved, &Detail::Node { node: "nowhere-0" });
        d.event(1.0, "j", "", EventKind::JobCreated, &Detail::None);
        d.event(1.0, "j", "p", EventKind::PodCreated, &Detail::None);
        d.event(3.0, "j", "p", EventKind::PodRunning, &Detail::None);
        d.event(4.0, "j", "p", EventKind::PodFailed, &Detail::None);
        d.event(4.0, "j", "q", EventKind::PodCreated, &Detail::None);
        let mut inp = Inputs {
            end: 10.0,
            ..Inputs::default()
        };
        d.finish_into(&mut inp);
        assert_eq!(inp.pools, ["a", "b"]);
        assert_eq!(
            inp.nodes,
            [
                (0.0, vec![2, 0], 4.0),
                (5.0, vec![2, 1], 6.0),
                (6.0, vec![2, 1], 4.0),
                (7.0, vec![2, 1], 6.0),
                (8.0, vec![1, 1], 4.0),
            ]
        );
        let attempts = &inp.gantt[0].1;
        assert_eq!(
            attempts[0],
            Attempt {
                start: 1.0,
                running: Some(3.0),
                end: 4.0,
                outcome: Outcome::Failed
            }
        );
        assert_eq!(
            attempts[1],
            Attempt {
                start: 4.0,
                running: None,
                end: 10.0,
                outcome: Outcome::Unfinished
            }
        );
        // One after the other: one lane.
        assert_eq!(assign_lanes(attempts).1, 1);
    }

    /// A Job with more attempts at once than a row can show draws its first
    /// lanes only, and the legend says so; one that fits draws every attempt.
    #[test]
    fn a_row_draws_at_most_its_lanes_and_says_when_some_are_left_out() {
        register_font();
        let svg = |parallel: usize| {
            let attempts: Vec<Attempt> = (0..parallel)
                .map(|i| Attempt {
                    start: i as f64 * 0.001,
                    running: Some(1.0),
                    end: 10.0,
                    outcome: Outcome::Succeeded,
                })
                .collect();
            let inp = Inputs {
                gantt: vec![("wide".to_string(), attempts)],
                total_jobs: 1,
                end: 10.0,
                ..Inputs::default()
            };
            let mut text = String::new();
            {
                let root = crate::output::svg::SvgBackend::with_string(&mut text, (W, H)).into_drawing_area();
                draw_chart("gantt", &root, &inp).expect("drawn");
                root.present().expect("presented");
            }
            text
        };
        // The chart's text, its wrapped lines joined.
        let words = |text: &str| {
            (text.split("<text").skip(1))
                .filter_map(|t| Some(t.split_once('>')?.1.split_once("</text>")?.0.trim().to_string()))
                .collect::<Vec<_>>()
                .join(" ")
        };
        // Running bars in the succeeded colour: one per attempt drawn, and the legend's box.
        let bars = |text: &str| text.matches("fill=\"#3C8C4B\"").count() - 1;
        let narrow = svg(GANTT_LANES - 10);
        assert_eq!(bars(&narrow), GANTT_LANES - 10);
        assert!(!words(&narrow).contains("not drawn"));
        let wide = svg(GANTT_LANES * 3);
        assert_eq!(bars(&wide), GANTT_LANES);
        let note = format!(
            "Lanes past {GANTT_LANES} of a row not drawn (up to {} at once)",
            GANTT_LANES * 3
        );
        assert!(words(&wide).contains(&note), "{}", words(&wide));
    }

    /// GPUs held and offered follow the pods bound and the nodes up: a lost
    /// node's GPUs leave the capacity until it recovers, a pod's leave when
    /// it ends or is deleted, and `plot` reads the same from events.csv text.
    #[test]
    fn the_digest_follows_gpus_held_and_offered() {
        let mut d = TimelineDigest::default();
        let node = |node| Detail::NodeAdded {
            node,
            cpu_milli: 1000,
            memory: 1,
            pods: 10,
            extended: "nvidia.com/gpu=4",
        };
        let bound = |gpus| Detail::Bound {
            node: "gpu-0",
            request: Some((0, 0)),
            extended: gpus,
        };
        d.event(0.0, "", "", EventKind::NodeAdded, &node("gpu-0"));
        d.event(0.0, "", "", EventKind::NodeAdded, &node("gpu-1"));
        d.event(1.0, "j", "p1", EventKind::PodScheduled, &bound("nvidia.com/gpu=1"));
        d.event(1.0, "j", "p2", EventKind::PodScheduled, &bound("nvidia.com/gpu=2"));
        d.event(2.0, "j", "p3", EventKind::PodScheduled, &bound(""));
        d.event(3.0, "", "", EventKind::NodeLost, &Detail::Node { node: "gpu-1" });
        d.event(4.0, "j", "p1", EventKind::PodSucceeded, &Detail::None);
        d.event(5.0, "", "", EventKind::NodeRecovered, &Detail::Node { node: "gpu-1" });
        d.event(6.0, "j", "p2", EventKind::PodDeleted, &Detail::None);
        d.event(7.0, "", "", EventKind::NodeRemoved, &Detail::Node { node: "gpu-0" });
        let series = d.extended.series();
        assert_eq!(series.len(), 1);
        assert_eq!(series[0].0, "nvidia.com/gpu");
        assert_eq!(
            series[0].1,
            vec![
                (0.0, 0.0, 8.0),
                (1.0, 3.0, 8.0),
                (3.0, 3.0, 4.0),
                (4.0, 2.0, 4.0),
                (5.0, 2.0, 8.0),
                (6.0, 0.0, 8.0),
                (7.0, 0.0, 4.0),
            ]
        );
    }
}
