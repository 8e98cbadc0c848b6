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
    /// Gantt: job name → pod attempts (start s, end s, outcome).
    gantt: Vec<(String, Vec<Attempt>)>,
    total_jobs: usize,
    end: f64,
    scenario: String,
}

/// One pod attempt in the Gantt chart: start and end (seconds) and how it ended.
type Attempt = (f64, f64, Outcome);
/// A point of the stacked pods chart: time, then the cumulative Pending,
/// Running, Terminating levels, and the pod-slot capacity.
type Stack = (f64, f64, f64, f64, f64);
/// A pod attempt placed in its lane: start, end, outcome, bottom, top.
type Placed = (f64, f64, Outcome, f64, f64);
/// A layer of the stacked chart: its name, colour and level.
type Layer = (&'static str, RGBColor, fn(&Stack) -> f64);

#[derive(Clone, Copy, PartialEq, Eq)]
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
        let mut it = l.split(',').map(|x| x.parse::<f64>().unwrap_or(0.0));
        let t = it.next().unwrap_or(0.0);
        inp.series.push((t, it.collect()));
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
        for (i, field) in l.split(',').enumerate() {
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

/// What the charts take from replication 0's timeline: pod failure causes and
/// the pod attempts of the first Jobs. Fed row by row, either while the run
/// writes `events.csv` or by reading it back (`jobsim plot`): both give the same charts.
#[derive(Default)]
pub struct TimelineDigest {
    /// The first Jobs created, in order.
    order: Vec<String>,
    /// The same Jobs, to look up.
    charted: ByName,
    /// Live attempts of those Jobs by pod: job, start, deleting.
    attempts: BTreeMap<String, (String, f64, bool)>,
    done: BTreeMap<String, Vec<Attempt>>,
    /// Pod failure causes.
    failures: BTreeMap<String, u64>,
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
        matches!(kind, JobCreated | PodCreated | PodDeleting | PodSucceeded | PodFailed)
    }

    /// One timeline row, `t` in seconds.
    fn event(&mut self, t: f64, job: &str, pod: &str, kind: EventKind, detail: &Detail) {
        match kind {
            EventKind::JobCreated if self.order.len() < GANTT_JOBS => {
                self.order.push(job.to_string());
                self.charted.insert(job.into());
            }
            EventKind::PodCreated if self.charted.contains(job) => {
                self.attempts.insert(pod.to_string(), (job.to_string(), t, false));
            }
            EventKind::PodDeleting => {
                if let Some(a) = self.attempts.get_mut(pod) {
                    a.2 = true;
                }
            }
            EventKind::PodSucceeded | EventKind::PodFailed => {
                if kind == EventKind::PodFailed {
                    let cause = match *detail {
                        Detail::Reason { reason: "NodeLost", .. } => "Pod: node lost".to_string(),
                        Detail::Exited { exit_code, .. } => format!("Pod: exit code {exit_code}"),
                        _ => "Pod: deleted before start".to_string(),
                    };
                    *self.failures.entry(cause).or_default() += 1;
                }
                if let Some((job, start, deleting)) = self.attempts.remove(pod) {
                    let outcome = if kind == EventKind::PodSucceeded {
                        Outcome::Succeeded
                    } else if deleting {
                        Outcome::Deleted
                    } else {
                        Outcome::Failed
                    };
                    self.done.entry(job).or_default().push((start, t, outcome));
                }
            }
            _ => {}
        }
    }

    /// Adds the failure causes and the Gantt rows to the chart inputs; attempts
    /// still running end at the end of the run.
    fn finish_into(mut self, inp: &mut Inputs) {
        for (cause, n) in self.failures {
            *inp.failures.entry(cause).or_default() += n;
        }
        for (_, (job, start, _)) in self.attempts {
            self.done
                .entry(job)
                .or_default()
                .push((start, inp.end, Outcome::Unfinished));
        }
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
/// digest is read from `events.csv` unless the run hands it over.
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
        let mut text = String::new();
        {
            let root = SVGBackend::with_string(&mut text, (W, H)).into_drawing_area();
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

/// The charts, by file name.
pub const CHARTS: [&str; 5] = ["pods-over-time", "job-durations", "gantt", "failures", "utilisation"];

fn draw_chart<DB: DrawingBackend>(name: &str, root: &DrawingArea<DB, Shift>, inp: &Inputs) -> R<()> {
    match name {
        "pods-over-time" => pods_over_time(root, inp),
        "job-durations" => turnaround_cdf(root, inp),
        "gantt" => gantt(root, inp),
        "failures" => failures(root, inp),
        _ => utilisation(root, inp),
    }
}

/// A chart with two f64 axes: its caption, margins and label areas as every chart here has them.
pub(super) type Chart<'a, DB> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

pub(super) fn plot_area<'a, DB: DrawingBackend>(
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

/// The series legend, boxed, at `position`.
pub(super) fn legend<'a, DB: DrawingBackend + 'a>(
    chart: &mut Chart<'a, DB>,
    position: SeriesLabelPosition,
    font_size: u32,
) -> R<()> {
    chart
        .configure_series_labels()
        .position(position)
        .label_font((FONT, font_size))
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .draw()
        .map_err(err)
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

fn pods_over_time<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, inp: &Inputs) -> R<()> {
    let (unit, uname) = time_unit(inp.end);
    let (pending, running, terminating, cap) = (
        col(inp, "pods_pending"),
        col(inp, "pods_running"),
        col(inp, "pods_terminating"),
        col(inp, "pods_allocatable"),
    );
    let v = |row: &Vec<f64>, c: Option<usize>| c.and_then(|i| row.get(i)).copied().unwrap_or(0.0);
    let stacked: Vec<Stack> = inp
        .series
        .iter()
        .map(|(t, r)| {
            let (p, ru, te) = (v(r, pending), v(r, running), v(r, terminating));
            (t / unit, p, p + ru, p + ru + te, v(r, cap))
        })
        .collect();
    // Pod slots far above the peak (cpu- or memory-bound clusters) would flatten the
    // pods into a sliver: then the line is left off and its value named in the legend.
    let peak = stacked.iter().map(|s| s.3).fold(1.0, f64::max);
    let slots = stacked.iter().map(|s| s.4).fold(0.0, f64::max);
    let slots_on_chart = slots > 0.0 && slots <= 2.0 * peak;
    let ymax = if slots_on_chart { peak.max(slots) } else { peak } * 1.1;
    let xmax = (inp.end / unit).max(1e-3);
    let mut chart = plot_area(root, &title(inp, "Pods over time"), 26, 75, 0f64..xmax, 0f64..ymax)?;
    chart
        .configure_mesh()
        .x_desc(format!("Time since start ({uname})"))
        .y_desc("Pods")
        .y_label_formatter(&|v| format!("{v:.0}"))
        .label_style((FONT, 16))
        .axis_desc_style((FONT, 18))
        .draw()
        .map_err(err)?;
    let layers: [Layer; 3] = [
        ("Terminating", RGBColor(230, 145, 56), |s| s.3),
        ("Running", RGBColor(76, 150, 90), |s| s.2),
        ("Pending", RGBColor(120, 144, 200), |s| s.1),
    ];
    // Counts hold between samples: draw them as steps.
    let steps = |f: fn(&Stack) -> f64| -> Vec<(f64, f64)> {
        let mut out: Vec<(f64, f64)> = Vec::with_capacity(stacked.len() * 2);
        for (i, s) in stacked.iter().enumerate() {
            if i > 0 {
                out.push((s.0, f(&stacked[i - 1])));
            }
            out.push((s.0, f(s)));
        }
        out
    };
    for (name, color, f) in layers {
        chart
            .draw_series(AreaSeries::new(steps(f), 0.0, color.mix(0.85)).border_style(color))
            .map_err(err)?
            .label(name)
            .legend(move |(x, y)| Rectangle::new([(x, y - 6), (x + 14, y + 6)], color.filled()));
    }
    if slots_on_chart {
        chart
            .draw_series(LineSeries::new(
                stacked.iter().map(|s| (s.0, s.4)),
                ShapeStyle::from(&BLACK).stroke_width(2),
            ))
            .map_err(err)?
            .label("Pod slots (allocatable)")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 14, y)], BLACK.stroke_width(2)));
    } else if slots > 0.0 {
        chart
            .draw_series(std::iter::empty::<Circle<(f64, f64), i32>>())
            .map_err(err)?
            .label(format!("Pod slots (allocatable): {slots:.0}, above the chart"))
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 14, y)], BLACK.stroke_width(2)));
    }
    legend(&mut chart, SeriesLabelPosition::UpperRight, 16)?;
    Ok(())
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
    let mut chart = plot_area(root, &title(inp, &caption), 24, 75, 0f64..xmax, 0f64..1.0)?;
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
            .map_err(err)?
            .label("5–95% band")
            .legend(move |(x, y)| Rectangle::new([(x, y - 6), (x + 14, y + 6)], blue.mix(0.2).filled()));
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
        .map_err(err)?
        .label("Jobs")
        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 14, y)], blue.stroke_width(2)));
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
    legend(&mut chart, SeriesLabelPosition::LowerRight, 16)?;
    Ok(())
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
    let mut chart = plot_area(
        root,
        &title(inp, &what),
        24,
        (longest * 9 + 20).clamp(60, 260),
        0f64..(inp.end / unit).max(1e-3),
        0f64..n as f64,
    )?;
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
    let colors = [
        (Outcome::Succeeded, RGBColor(76, 150, 90), "Succeeded"),
        (Outcome::Failed, RGBColor(200, 60, 60), "Failed"),
        (Outcome::Deleted, RGBColor(230, 145, 56), "Deleted or evicted"),
        (Outcome::Unfinished, RGBColor(150, 150, 150), "Running at the end"),
    ];
    // Pod attempts of one Job share its row in lanes, so that parallel pods stay visible.
    let placed: Vec<Vec<Placed>> = inp
        .gantt
        .iter()
        .enumerate()
        .map(|(row, (_, attempts))| {
            let mut sorted = attempts.clone();
            sorted.sort_by(|a, b| a.0.total_cmp(&b.0));
            let (with_lane, lanes) = assign_lanes(&sorted);
            let h = 0.8 / lanes.max(1) as f64;
            let base = (n - 1 - row) as f64 + 0.1;
            with_lane
                .into_iter()
                .map(|(s0, e, o, lane)| (s0, e, o, base + lane as f64 * h, base + (lane as f64 + 0.85) * h))
                .collect()
        })
        .collect();
    for (outcome, color, label) in colors {
        let bars = placed.iter().flatten().filter(move |a| a.2 == outcome).map(move |a| {
            let x1 = (a.1 / unit).max(a.0 / unit + 1e-4);
            Rectangle::new([(a.0 / unit, a.3), (x1, a.4)], color.mix(0.85).filled())
        });
        chart
            .draw_series(bars)
            .map_err(err)?
            .label(label)
            .legend(move |(x, y)| Rectangle::new([(x, y - 6), (x + 14, y + 6)], color.filled()));
    }
    legend(&mut chart, SeriesLabelPosition::UpperRight, 15)?;
    Ok(())
}

/// Each attempt (sorted by start) takes the lowest lane free at its start (a
/// lane is free once its last attempt ended); returns the attempts with their
/// lanes, and how many lanes there are. Lanes that come free wait in an ordered
/// set and busy ones in a heap by end, so a Job of 10,000 parallel pods costs a
/// logarithm per attempt, not a scan of every lane.
fn assign_lanes(sorted: &[Attempt]) -> (Vec<(f64, f64, Outcome, usize)>, usize) {
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
                && *end <= a.0
            {
                free.insert(*lane);
                busy.pop();
            }
            let lane = free.pop_first().unwrap_or_else(|| {
                lanes += 1;
                lanes - 1
            });
            busy.push(Reverse((End(a.1), lane)));
            (a.0, a.1, a.2, lane)
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

fn utilisation<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, inp: &Inputs) -> R<()> {
    let (unit, uname) = time_unit(inp.end);
    let (cpu, cpu_cap, pods, pods_cap) = (
        col(inp, "cpu_requested"),
        col(inp, "cpu_allocatable"),
        col(inp, "pods_running"),
        col(inp, "pods_allocatable"),
    );
    let v = |row: &Vec<f64>, c: Option<usize>| c.and_then(|i| row.get(i)).copied().unwrap_or(0.0);
    let limited = inp
        .series
        .iter()
        .any(|(_, r)| v(r, cpu_cap) > 0.0 || v(r, pods_cap) > 0.0);
    let xmax = (inp.end / unit).max(1e-3);
    let green = RGBColor(76, 150, 90);
    let blue = RGBColor(40, 90, 170);
    if limited {
        let pct = |a: f64, b: f64| if b > 0.0 { 100.0 * a / b } else { 0.0 };
        let mut chart = plot_area(
            root,
            &title(inp, "Cluster utilisation"),
            26,
            75,
            0f64..xmax,
            0f64..105.0,
        )?;
        chart
            .configure_mesh()
            .x_desc(format!("Time since start ({uname})"))
            .y_desc("Allocated (%)")
            .label_style((FONT, 16))
            .axis_desc_style((FONT, 18))
            .draw()
            .map_err(err)?;
        chart
            .draw_series(LineSeries::new(
                inp.series
                    .iter()
                    .map(|(t, r)| (t / unit, pct(v(r, cpu), v(r, cpu_cap)))),
                blue.stroke_width(2),
            ))
            .map_err(err)?
            .label("cpu requested / allocatable")
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 14, y)], blue.stroke_width(2)));
        chart
            .draw_series(LineSeries::new(
                inp.series
                    .iter()
                    .map(|(t, r)| (t / unit, pct(v(r, pods), v(r, pods_cap)))),
                green.stroke_width(2),
            ))
            .map_err(err)?
            .label("pods running / pod slots")
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 14, y)], green.stroke_width(2)));
        legend(&mut chart, SeriesLabelPosition::UpperRight, 16)?;
    } else {
        let ymax = inp
            .series
            .iter()
            .map(|(_, r)| v(r, pods).max(v(r, cpu)))
            .fold(1.0, f64::max)
            * 1.1;
        let mut chart = plot_area(
            root,
            &title(inp, "Cluster use (unlimited cluster: no capacity to compare)"),
            24,
            75,
            0f64..xmax,
            0f64..ymax,
        )?;
        chart
            .configure_mesh()
            .x_desc(format!("Time since start ({uname})"))
            .y_desc("Pods running / cpu cores requested")
            .label_style((FONT, 16))
            .axis_desc_style((FONT, 18))
            .draw()
            .map_err(err)?;
        chart
            .draw_series(LineSeries::new(
                inp.series.iter().map(|(t, r)| (t / unit, v(r, pods))),
                green.stroke_width(2),
            ))
            .map_err(err)?
            .label("pods running")
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 14, y)], green.stroke_width(2)));
        chart
            .draw_series(LineSeries::new(
                inp.series.iter().map(|(t, r)| (t / unit, v(r, cpu))),
                blue.stroke_width(2),
            ))
            .map_err(err)?
            .label("cpu cores requested")
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 14, y)], blue.stroke_width(2)));
        legend(&mut chart, SeriesLabelPosition::UpperRight, 16)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
