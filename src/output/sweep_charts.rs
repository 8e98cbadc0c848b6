//! Sweep charts: a statistic of `sweep.csv` against the first swept field,
//! drawn from that file alone (as `jobsim plot` draws a run's charts from its
//! files), so that a sweep and the merge of its shards draw the same bytes.
//!
//! For each line: the mean over the replications as a line with points, the
//! 95% confidence interval of that mean as a darker band, and the 5th to 95th
//! percentile of the replications themselves as a lighter band. With more than
//! one swept field, there is one line per combination of the other fields'
//! values, in the order the grid gives them.

use super::charts::{
    ChartError, FONT, H, Key, PALETTE, R, W, err, layout, plot_in, register_font, side_legend, time_unit,
};
use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::{Path, PathBuf};

/// The columns of `sweep.csv` for each statistic S (`S.mean`, `S.ci95_low`,
/// ...), after one column per swept path.
pub const COLUMNS: [&str; 6] = ["mean", "ci95_low", "ci95_high", "p05", "p50", "p95"];

/// The statistics charted when none is asked for.
pub const DEFAULT_CHARTS: [&str; 2] = ["makespanSeconds", "turnaroundSeconds.p95"];

/// The chart of `stat`, without its extension: `sweep-STAT`.
pub fn chart_stem(stat: &str) -> String {
    format!("sweep-{stat}")
}

/// Whether a file of a sweep's folder is one of its charts (`sweep-STAT.svg`
/// or `.png`): a later sweep into the folder replaces or removes them.
pub fn is_chart_file(name: &str) -> bool {
    name.starts_with("sweep-") && (name.ends_with(".svg") || name.ends_with(".png"))
}

/// What a chart says that `sweep.csv` does not: the scenario and the
/// replications per point.
#[derive(Clone, Debug)]
pub struct SweepContext {
    pub scenario: String,
    pub replications: u32,
}

/// `sweep.csv`, read back.
#[derive(Debug)]
pub struct SweepTable {
    /// The swept paths, as given.
    pub paths: Vec<String>,
    /// Per row (point), its value of each path.
    pub values: Vec<Vec<String>>,
    /// The statistics, in column order.
    pub stats: Vec<String>,
    /// Per row, per statistic: its six cells (empty ones `None`).
    cells: Vec<Vec<[Option<f64>; 6]>>,
}

/// Why sweep.csv cannot be read back.
#[derive(Debug, thiserror::Error)]
pub enum SweepTableError {
    #[error(transparent)]
    Csv(#[from] csv::Error),
    #[error("no column of a swept path before the statistics' columns")]
    NoPath,
    #[error("row {row}: {stat}.{column}: not a number: {text:?}")]
    NotNumber {
        row: usize,
        stat: String,
        column: &'static str,
        text: String,
    },
}

impl SweepTable {
    pub fn read(path: &Path) -> R<Self> {
        let unreadable = |error| ChartError::Read {
            path: path.to_path_buf(),
            error,
        };
        let text = std::fs::read_to_string(path).map_err(unreadable)?;
        Self::parse(&text).map_err(|e| unreadable(std::io::Error::new(std::io::ErrorKind::InvalidData, e)))
    }

    /// The statistics are the groups of six columns at the end of the header
    /// (`S.mean` … `S.p95`); the columns before them are the swept paths,
    /// whatever their names end with.
    pub fn parse(text: &str) -> Result<Self, SweepTableError> {
        let mut reader = csv::ReaderBuilder::new().from_reader(text.as_bytes());
        let header: Vec<String> = reader.headers()?.iter().map(str::to_string).collect();
        let mut end = header.len();
        let mut stats = Vec::new();
        while end >= COLUMNS.len() {
            let group = &header[end - COLUMNS.len()..end];
            let Some(stat) = group[0].strip_suffix(".mean") else {
                break;
            };
            let same = group
                .iter()
                .zip(COLUMNS)
                .all(|(h, c)| h.strip_suffix(c).and_then(|s| s.strip_suffix('.')) == Some(stat));
            if !same {
                break;
            }
            stats.push(stat.to_string());
            end -= COLUMNS.len();
        }
        stats.reverse();
        if end == 0 {
            return Err(SweepTableError::NoPath);
        }
        let mut values = Vec::new();
        let mut cells = Vec::new();
        for (i, record) in reader.records().enumerate() {
            let record = record?;
            values.push(record.iter().take(end).map(str::to_string).collect());
            let mut row = Vec::with_capacity(stats.len());
            for (k, stat) in stats.iter().enumerate() {
                let mut six = [None; 6];
                for (c, cell) in six.iter_mut().enumerate() {
                    let text = record.get(end + k * COLUMNS.len() + c).unwrap_or("");
                    if !text.is_empty() {
                        let v = text.parse::<f64>().ok().filter(|v| v.is_finite()).ok_or_else(|| {
                            SweepTableError::NotNumber {
                                row: i + 1,
                                stat: stat.clone(),
                                column: COLUMNS[c],
                                text: text.to_string(),
                            }
                        })?;
                        *cell = Some(v);
                    }
                }
                row.push(six);
            }
            cells.push(row);
        }
        Ok(SweepTable {
            paths: header[..end].to_vec(),
            values,
            stats,
            cells,
        })
    }

    /// The statistic's column group, if some point has a value of it.
    fn stat(&self, stat: &str) -> Option<usize> {
        let k = self.stats.iter().position(|s| s == stat)?;
        self.cells.iter().any(|row| row[k][0].is_some()).then_some(k)
    }
}

/// What [`draw`] did.
#[derive(Debug, Default)]
pub struct Drawn {
    pub files: Vec<PathBuf>,
    /// Statistics that no point has a value of (a distribution of no Job, a
    /// reason no Job ended with): not drawn.
    pub absent: Vec<String>,
}

/// Draws the chart of each statistic from `dir/sweep.csv` into `dir`.
pub fn draw(dir: &Path, ctx: &SweepContext, stats: &[String], png: bool) -> R<Drawn> {
    register_font();
    let table = SweepTable::read(&dir.join("sweep.csv"))?;
    let mut drawn = Drawn::default();
    for stat in stats {
        let Some(k) = table.stat(stat) else {
            drawn.absent.push(stat.clone());
            continue;
        };
        let plot = Plot::of(&table, ctx, stat, k);
        let stem = chart_stem(stat);
        let mut text = String::new();
        {
            let root = super::svg::SvgBackend::with_string(&mut text, (W, H)).into_drawing_area();
            root.fill(&WHITE).map_err(err)?;
            plot.draw(&root)?;
            root.present().map_err(err)?;
        }
        drawn
            .files
            .push(super::files::write_atomic(dir, &format!("{stem}.svg"), text.as_bytes()).map_err(ChartError::Write)?);
        if png {
            let tmp = dir.join(format!(".{stem}.tmp-{}.png", std::process::id()));
            {
                let root = BitMapBackend::new(&tmp, (W, H)).into_drawing_area();
                root.fill(&WHITE).map_err(err)?;
                plot.draw(&root)?;
                root.present().map_err(err)?;
            }
            let dest = dir.join(format!("{stem}.png"));
            std::fs::rename(&tmp, &dest).map_err(ChartError::Write)?;
            drawn.files.push(dest);
        }
    }
    Ok(drawn)
}

/// One point of a line, in the chart's units.
#[derive(Clone, Copy, Debug)]
struct Pt {
    x: f64,
    mean: f64,
    ci: Option<(f64, f64)>,
    spread: Option<(f64, f64)>,
}

/// A band's bounds at a point, if it has them.
type Band = fn(&Pt) -> Option<(f64, f64)>;

struct Line {
    /// The other paths' values (`path=value, ...`); empty with one swept path.
    label: String,
    pts: Vec<Pt>,
}

/// One chart, ready to draw.
struct Plot {
    caption: String,
    x_desc: String,
    y_desc: String,
    replications: u32,
    /// The first path's values, in order: the categories of a categorical axis.
    categories: Vec<String>,
    numeric: bool,
    lines: Vec<Line>,
    x: (f64, f64),
    y: (f64, f64),
}

/// Whether a statistic is a number of seconds (a time, or pod-seconds), not a count.
fn is_seconds(stat: &str) -> bool {
    !stat.ends_with(".count") && stat.split('.').any(|p| p.ends_with("Seconds"))
}

/// A tick label: at most six decimals, without trailing zeros.
fn fmt_num(v: f64) -> String {
    let s = format!("{v:.6}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".to_string() } else { s.to_string() }
}

/// `lo..hi` widened by `frac` of its width on each side (or by a tenth of
/// the value, at least 1, when it has none).
fn padded(lo: f64, hi: f64, frac: f64) -> (f64, f64) {
    let pad = if hi - lo > 1e-9 {
        (hi - lo) * frac
    } else {
        (hi.abs() * 0.1).max(1.0)
    };
    (lo - pad, hi + pad)
}

impl Plot {
    fn of(table: &SweepTable, ctx: &SweepContext, stat: &str, k: usize) -> Plot {
        let mut categories: Vec<String> = Vec::new();
        for v in &table.values {
            if !categories.contains(&v[0]) {
                categories.push(v[0].clone());
            }
        }
        let numeric = categories
            .iter()
            .all(|c| c.trim().parse::<f64>().is_ok_and(f64::is_finite));
        let x_of = |v: &str| {
            if numeric {
                v.trim().parse::<f64>().unwrap_or(0.0)
            } else {
                categories.iter().position(|c| c == v).unwrap_or(0) as f64
            }
        };
        // Lines by the other paths' values, in the order of their first row.
        let mut keys: Vec<&[String]> = Vec::new();
        let mut lines: Vec<Line> = Vec::new();
        for (values, row) in table.values.iter().zip(&table.cells) {
            let key = &values[1..];
            let i = match keys.iter().position(|k| *k == key) {
                Some(i) => i,
                None => {
                    keys.push(key);
                    let label = table.paths[1..]
                        .iter()
                        .zip(key)
                        .map(|(p, v)| format!("{p}={v}"))
                        .collect::<Vec<_>>()
                        .join(", ");
                    lines.push(Line { label, pts: Vec::new() });
                    keys.len() - 1
                }
            };
            let [mean, lo, hi, p05, _, p95] = row[k];
            if let Some(mean) = mean {
                lines[i].pts.push(Pt {
                    x: x_of(&values[0]),
                    mean,
                    ci: lo.zip(hi),
                    spread: p05.zip(p95),
                });
            }
        }
        lines.retain(|l| !l.pts.is_empty());
        if numeric {
            for l in &mut lines {
                l.pts.sort_by(|a, b| a.x.total_cmp(&b.x));
            }
        }
        let all = || lines.iter().flat_map(|l| &l.pts);
        let ys = || {
            all().flat_map(|p| {
                [
                    Some(p.mean),
                    p.ci.map(|c| c.0),
                    p.ci.map(|c| c.1),
                    p.spread.map(|s| s.0),
                    p.spread.map(|s| s.1),
                ]
                .into_iter()
                .flatten()
            })
        };
        let (mut lo, mut hi) = ys().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), y| (lo.min(y), hi.max(y)));
        let y_desc = if is_seconds(stat) {
            let top = lo.abs().max(hi.abs());
            let (unit, name) = if top <= 180.0 { (1.0, "s") } else { time_unit(top) };
            for l in &mut lines {
                for p in &mut l.pts {
                    let scale = |(a, b): (f64, f64)| (a / unit, b / unit);
                    p.mean /= unit;
                    p.ci = p.ci.map(scale);
                    p.spread = p.spread.map(scale);
                }
            }
            (lo, hi) = (lo / unit, hi / unit);
            format!("{stat} ({name})")
        } else {
            stat.to_string()
        };
        let x = if numeric {
            let xs = categories.iter().map(|c| x_of(c));
            let (a, b) = xs.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| (a.min(x), b.max(x)));
            padded(a, b, 0.05)
        } else {
            (-0.5, categories.len() as f64 - 0.5)
        };
        let caption = if ctx.scenario.is_empty() {
            format!("{stat} by {}", table.paths[0])
        } else {
            format!("{stat} by {} — {}", table.paths[0], ctx.scenario)
        };
        Plot {
            caption,
            x_desc: table.paths[0].clone(),
            y_desc,
            replications: ctx.replications,
            categories,
            numeric,
            lines,
            x,
            y: padded(lo, hi, 0.08),
        }
    }

    /// A band's polygons: one per run of consecutive points that have it (a
    /// lone point gets a narrow box).
    fn band(&self, pts: &[Pt], of: Band) -> Vec<Vec<(f64, f64)>> {
        let half = if self.numeric {
            (self.x.1 - self.x.0) * 0.006
        } else {
            0.06
        };
        let mut out = Vec::new();
        let mut run: Vec<(f64, f64, f64)> = Vec::new();
        for p in pts.iter().map(Some).chain([None]) {
            match p.and_then(|p| of(p).map(|(lo, hi)| (p.x, lo, hi))) {
                Some(b) => run.push(b),
                None if run.is_empty() => {}
                None => {
                    let poly: Vec<(f64, f64)> = if let [(x, lo, hi)] = run[..] {
                        vec![(x - half, lo), (x + half, lo), (x + half, hi), (x - half, hi)]
                    } else {
                        run.iter()
                            .map(|b| (b.0, b.2))
                            .chain(run.iter().rev().map(|b| (b.0, b.1)))
                            .collect()
                    };
                    out.push(poly);
                    run.clear();
                }
            }
        }
        out
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> R<()> {
        let n = self.categories.len();
        let (plot, side) = layout(root, &self.caption, 22)?;
        let mut chart = plot_in(&plot, 85, 0, self.x.0..self.x.1, self.y.0..self.y.1)?;
        let categories = &self.categories;
        let category = |v: &f64| {
            let i = v.round();
            if (v - i).abs() < 1e-6 && i >= 0.0 {
                categories.get(i as usize).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        };
        let number = |v: &f64| fmt_num(*v);
        // Whole numbers swept (node counts, parallelism) get whole-number ticks.
        let whole = self.numeric
            && self
                .categories
                .iter()
                .all(|c| c.trim().parse::<f64>().is_ok_and(|v| v.fract() == 0.0));
        let whole_number = |v: &f64| if v.fract() == 0.0 { fmt_num(*v) } else { String::new() };
        let span = self.x.1 - self.x.0;
        let mut mesh = chart.configure_mesh();
        if whole && span <= 21.0 {
            mesh.x_labels(span as usize + 1).x_label_formatter(&whole_number);
        } else if whole {
            mesh.x_label_formatter(&whole_number);
        } else if self.numeric {
            mesh.x_label_formatter(&number);
        } else {
            mesh.x_labels(n).x_label_formatter(&category);
        }
        mesh.y_label_formatter(&number)
            .x_desc(self.x_desc.as_str())
            .y_desc(self.y_desc.as_str())
            .label_style((FONT, 16))
            .axis_desc_style((FONT, 18))
            .draw()
            .map_err(err)?;
        let one = self.lines.len() == 1;
        let grey = RGBColor(110, 110, 110);
        let mean_label = format!("mean of {} replications", self.replications);
        // A band in the legend only if it has a width somewhere (one replication gives none).
        let has = |of: Band| {
            self.lines
                .iter()
                .flat_map(|l| &l.pts)
                .any(|p| of(p).is_some_and(|(lo, hi)| hi > lo))
        };
        let bands: [(Band, f64, &str); 2] = [
            (|p| p.ci, 0.42, "95% CI of the mean"),
            (|p| p.spread, 0.16, "5th–95th percentile of replications"),
        ];
        // The legend first, in reading order: the lines, then what the shades mean.
        let mut entries: Vec<(String, RGBColor, Option<f64>)> = if one {
            vec![(mean_label, PALETTE[0], None)]
        } else {
            let mut e: Vec<_> = (self.lines.iter().enumerate())
                .map(|(i, l)| (l.label.clone(), PALETTE[i % PALETTE.len()], None))
                .collect();
            e.push((format!("lines: {mean_label}"), grey, None));
            e
        };
        for (of, mix, label) in bands {
            if has(of) {
                entries.push((label.to_string(), if one { PALETTE[0] } else { grey }, Some(mix)));
            }
        }
        let keys: Vec<(String, Key)> = entries
            .into_iter()
            .map(|(label, color, band)| match band {
                Some(mix) => (label, Key::Box(color.mix(mix))),
                None => (label, Key::Line(color)),
            })
            .collect();
        // The lighter bands under the darker ones, and the lines over both.
        for (of, mix, _) in bands.into_iter().rev() {
            for (i, line) in self.lines.iter().enumerate() {
                let color = PALETTE[i % PALETTE.len()];
                let polys = self.band(&line.pts, of);
                chart
                    .draw_series(polys.into_iter().map(|p| Polygon::new(p, color.mix(mix))))
                    .map_err(err)?;
            }
        }
        for (i, line) in self.lines.iter().enumerate() {
            let color = PALETTE[i % PALETTE.len()];
            let pts: Vec<(f64, f64)> = line.pts.iter().map(|p| (p.x, p.mean)).collect();
            chart
                .draw_series(LineSeries::new(pts.clone(), color.stroke_width(2)))
                .map_err(err)?;
            chart
                .draw_series(pts.into_iter().map(|p| Circle::new(p, 4, color.filled())))
                .map_err(err)?;
        }
        side_legend(&side, &keys)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CSV: &str = "\
spec.cluster.nodePools[0].count,makespanSeconds.mean,makespanSeconds.ci95_low,makespanSeconds.ci95_high,\
makespanSeconds.p05,makespanSeconds.p50,makespanSeconds.p95
4,12000,11500,12500,11000,12000,13000
6,9000,8800,9200,8500,9000,9600
8,7000,,,7000,7000,7000
";

    fn ctx() -> SweepContext {
        SweepContext {
            scenario: "capacity-nightly".into(),
            replications: 6,
        }
    }

    fn svg(dir: &Path, stat: &str) -> String {
        std::fs::read_to_string(dir.join(format!("{}.svg", chart_stem(stat)))).unwrap()
    }

    #[test]
    fn the_header_splits_into_paths_and_statistics_whatever_a_path_ends_with() {
        let text = "spec.workloads[0].pods.runtime.exponential.mean,a.mean,a.ci95_low,a.ci95_high,a.p05,a.p50,a.p95\n\
                    30,1,0,2,0.5,1,1.5\n";
        let t = SweepTable::parse(text).unwrap();
        assert_eq!(t.paths, ["spec.workloads[0].pods.runtime.exponential.mean"]);
        assert_eq!(t.stats, ["a"]);
        assert_eq!(
            t.cells[0][0],
            [Some(1.0), Some(0.0), Some(2.0), Some(0.5), Some(1.0), Some(1.5)]
        );
        assert!(matches!(
            SweepTable::parse("a.mean,a.ci95_low,a.ci95_high,a.p05,a.p50,a.p95\n"),
            Err(SweepTableError::NoPath)
        ));
        let e = SweepTable::parse(&format!("{}\n4,x,,,,,\n", CSV.lines().next().unwrap())).unwrap_err();
        assert!(e.to_string().starts_with("row 1: "), "{e}");
    }

    /// The chart's texts, in order, joined by spaces: a legend label wrapped
    /// over lines reads whole again.
    fn texts(svg: &str) -> String {
        svg.split("<text")
            .skip(1)
            .filter_map(|t| Some(t[t.find('>')? + 1..t.find("</text>")?].trim()))
            .collect::<Vec<_>>()
            .join(" ")
    }

    #[test]
    fn a_chart_has_the_path_as_its_axis_label_both_bands_in_its_legend_and_the_same_bytes_every_time() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("sweep.csv"), CSV).unwrap();
        let stats = vec!["makespanSeconds".to_string(), "turnaroundSeconds.p95".to_string()];
        let drawn = draw(dir.path(), &ctx(), &stats, false).unwrap();
        assert_eq!(drawn.files, [dir.path().join("sweep-makespanSeconds.svg")]);
        assert_eq!(drawn.absent, ["turnaroundSeconds.p95"]);
        let text = svg(dir.path(), "makespanSeconds");
        for needle in [
            "spec.cluster.nodePools[0].count",
            "makespanSeconds (h)",
            "makespanSeconds by spec.cluster.nodePools[0].count — capacity-nightly",
            "mean of 6 replications",
            "95% CI of the mean",
            "5th–95th percentile of replications",
        ] {
            assert!(
                text.contains(needle) || texts(&text).contains(needle),
                "{needle:?} not in the chart"
            );
        }
        draw(dir.path(), &ctx(), &stats, false).unwrap();
        assert_eq!(svg(dir.path(), "makespanSeconds"), text);
    }

    #[test]
    fn a_second_path_makes_a_line_per_value_and_words_make_categories() {
        let dir = tempfile::tempdir().unwrap();
        let csv = "spec.x,spec.y,pods.failed.mean,pods.failed.ci95_low,pods.failed.ci95_high,\
                   pods.failed.p05,pods.failed.p50,pods.failed.p95\n\
                   low,1,3,2,4,1,3,5\nlow,2,4,3,5,2,4,6\nhigh,1,5,4,6,3,5,7\nhigh,2,6,5,7,4,6,8\n";
        std::fs::write(dir.path().join("sweep.csv"), csv).unwrap();
        draw(dir.path(), &ctx(), &["pods.failed".to_string()], false).unwrap();
        let text = svg(dir.path(), "pods.failed");
        for needle in [
            "spec.y=1",
            "spec.y=2",
            "\nlow\n",
            "\nhigh\n",
            "lines: mean of 6 replications",
            "95% CI of the mean",
        ] {
            assert!(
                text.contains(needle) || texts(&text).contains(needle),
                "{needle:?} not in the chart"
            );
        }
        assert!(!text.contains("pods.failed ("), "a count has no unit");
    }

    #[test]
    fn seconds_are_shown_in_a_readable_unit_and_counts_are_not() {
        assert!(is_seconds("makespanSeconds"));
        assert!(is_seconds("turnaroundSeconds.p95"));
        assert!(is_seconds("pods.podSeconds"));
        assert!(!is_seconds("turnaroundSeconds.count"));
        assert!(!is_seconds("pods.failed"));
        assert_eq!(fmt_num(4.0), "4");
        assert_eq!(fmt_num(0.25), "0.25");
        assert_eq!(fmt_num(-0.0), "0");
        assert!(is_chart_file("sweep-makespanSeconds.svg"));
        assert!(!is_chart_file("sweep-shard-0-of-3.json"));
        assert!(!is_chart_file("sweep.csv"));
    }
}
