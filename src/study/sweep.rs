//! Sweeps: every point of a grid runs the scenario's replications with the
//! same seeds (common random numbers), so two points differ only by what
//! was set. The work is a list of units, (point, replication) in order; a
//! shard runs a fixed slice of it, and shards merge into exactly what the
//! whole sweep writes, because both go through [`write_sweep`].

use super::grid::Axis;
use super::replication::replication_stats_only;
use crate::output::files::write_atomic;
use crate::output::summary::{Across, Stats, SummaryHead, aggregate, round3, summary_json_of};
use crate::scenario::Scenario;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// The columns written per statistic and point (the charts read them back).
pub use crate::output::sweep_charts::COLUMNS;

/// What a sweep is, as shards and merge must agree on it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SweepPlan {
    /// Each axis: its path as given and its values as given.
    pub axes: Vec<(String, Vec<String>)>,
    pub replications: u32,
    /// Per point, in grid order: what its `summary.json` says of the scenario.
    pub points: Vec<SummaryHead>,
}

impl SweepPlan {
    pub fn new(axes: &[Axis], points: &[Scenario]) -> Self {
        SweepPlan {
            axes: axes
                .iter()
                .map(|a| (a.path.clone(), a.values.iter().map(|v| v.text.clone()).collect()))
                .collect(),
            replications: points.first().map_or(1, |p| p.replications),
            points: points.iter().map(SummaryHead::of).collect(),
        }
    }

    pub fn units(&self) -> usize {
        self.points.len() * self.replications as usize
    }

    /// The values of point `i`, one per axis.
    pub fn point_values(&self, i: usize) -> Vec<&str> {
        let mut rest = i;
        let mut out = vec![""; self.axes.len()];
        for (k, (_, values)) in self.axes.iter().enumerate().rev() {
            out[k] = &values[rest % values.len()];
            rest /= values.len();
        }
        out
    }
}

/// `K/N`: the K-th of N shards (K from 0).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    pub index: u32,
    pub count: u32,
}

impl Shard {
    pub const WHOLE: Shard = Shard { index: 0, count: 1 };

    pub fn parse(text: &str) -> Result<Shard, ShardError> {
        let (k, n) = text
            .split_once('/')
            .ok_or_else(|| ShardError::NoSlash(text.to_string()))?;
        let (index, count) = match (k.trim().parse::<u32>(), n.trim().parse::<u32>()) {
            (Ok(k), Ok(n)) => (k, n),
            _ => return Err(ShardError::NotNumbers(text.to_string())),
        };
        if count == 0 || index >= count {
            return Err(ShardError::OutOfRange { index, count });
        }
        Ok(Shard { index, count })
    }

    /// Its slice of `total` units: contiguous, the same on every machine.
    pub fn range(self, total: usize) -> Range<usize> {
        let at = |k: u32| (k as u128 * total as u128 / self.count as u128) as usize;
        at(self.index)..at(self.index + 1)
    }

    /// The file a shard writes.
    pub fn file_name(self) -> String {
        format!("sweep-shard-{}-of-{}.json", self.index, self.count)
    }
}

/// Why a shard's `K/N` is refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ShardError {
    #[error("expected K/N, e.g. 0/3 (the first of three shards); got {0:?}")]
    NoSlash(String),
    #[error("expected K/N with whole numbers, e.g. 0/3; got {0:?}")]
    NotNumbers(String),
    #[error("K must be from 0 to N-1 (shard {index} of {count} does not exist)")]
    OutOfRange { index: u32, count: u32 },
}

/// One unit's statistics.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UnitStats {
    pub point: u32,
    pub replication: u32,
    pub stats: Stats,
}

/// What a shard leaves for `merge`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ShardFile {
    pub kind: String,
    pub plan: SweepPlan,
    pub shard: Shard,
    pub units: Vec<UnitStats>,
}

pub const SHARD_KIND: &str = "jobsim sweep shard";

/// Runs the units in `range` (points × replications in order), on the
/// calling thread pool; `done` is called as each unit ends.
pub fn run_units(
    points: &[Scenario],
    range: Range<usize>,
    done: &(dyn Fn() + Sync),
) -> std::io::Result<Vec<UnitStats>> {
    let reps = points.first().map_or(1, |p| p.replications) as usize;
    range
        .into_par_iter()
        .map(|u| {
            let (point, replication) = (u / reps, (u % reps) as u32);
            let stats = replication_stats_only(&points[point], replication)?;
            done();
            Ok(UnitStats {
                point: point as u32,
                replication,
                stats,
            })
        })
        .collect()
}

/// Why the units of the shards do not make up the sweep.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum UnitsError {
    #[error("a unit (point {point}, replication {replication}) lies outside the sweep")]
    Outside { point: u32, replication: u32 },
    #[error("point {point} replication {replication} is given twice")]
    Twice { point: u32, replication: u32 },
    #[error("point {point} replication {replication} is missing: a shard was not given or did not finish")]
    Missing { point: usize, replication: usize },
}

/// The units of every point, in replication order, checked complete.
pub fn by_point(plan: &SweepPlan, units: Vec<UnitStats>) -> Result<Vec<Vec<Stats>>, UnitsError> {
    let reps = plan.replications as usize;
    let mut slots: Vec<Option<Stats>> = vec![None; plan.units()];
    for u in units {
        let i = u.point as usize * reps + u.replication as usize;
        if u.replication as usize >= reps || i >= slots.len() {
            return Err(UnitsError::Outside {
                point: u.point,
                replication: u.replication,
            });
        }
        if slots[i].replace(u.stats).is_some() {
            return Err(UnitsError::Twice {
                point: u.point,
                replication: u.replication,
            });
        }
    }
    if let Some(missing) = slots.iter().position(Option::is_none) {
        return Err(UnitsError::Missing {
            point: missing / reps,
            replication: missing % reps,
        });
    }
    let mut it = slots.into_iter().map(|s| s.expect("checked"));
    Ok((0..plan.points.len())
        .map(|_| it.by_ref().take(reps).collect())
        .collect())
}

/// The folder of point `i`'s own files.
pub fn point_dir(out: &Path, i: usize) -> PathBuf {
    out.join(format!("point-{i}"))
}

/// Writes `sweep.csv` and, with `summaries`, each point's `summary.json`
/// (what `run --set` writes at that point with `--outputs summary`).
pub fn write_sweep(dir: &Path, plan: &SweepPlan, per_point: &[Vec<Stats>], summaries: bool) -> std::io::Result<()> {
    let agg: Vec<_> = per_point.iter().map(|reps| aggregate(reps, 0.95)).collect();
    let names: BTreeSet<&String> = agg.iter().flat_map(|a| a.keys()).collect();
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header: Vec<String> = plan.axes.iter().map(|(p, _)| p.clone()).collect();
    for s in &names {
        header.extend(COLUMNS.iter().map(|c| format!("{s}.{c}")));
    }
    w.write_record(&header)?;
    for (i, a) in agg.iter().enumerate() {
        let mut row: Vec<String> = plan.point_values(i).into_iter().map(str::to_string).collect();
        for s in &names {
            row.extend(cells(a.get(*s)));
        }
        w.write_record(&row)?;
    }
    let bytes = w.into_inner().map_err(|e| e.into_error())?;
    write_atomic(dir, "sweep.csv", &bytes)?;
    if summaries {
        for (i, reps) in per_point.iter().enumerate() {
            let d = point_dir(dir, i);
            std::fs::create_dir_all(&d)?;
            let json = serde_json::to_string_pretty(&summary_json_of(&plan.points[i], reps)).expect("json");
            write_atomic(&d, "summary.json", format!("{json}\n").as_bytes())?;
        }
    }
    Ok(())
}

/// The six cells of one statistic at one point; empty where it has no value.
fn cells(a: Option<&Across>) -> Vec<String> {
    let Some(a) = a else {
        return vec![String::new(); COLUMNS.len()];
    };
    let num = |v: f64| round3(v).to_string();
    let (lo, hi) =
        a.ci.map_or((String::new(), String::new()), |(lo, hi)| (num(lo), num(hi)));
    vec![num(a.mean), lo, hi, num(a.p05), num(a.p50), num(a.p95)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_cover_every_unit_once_in_order() {
        for total in [0, 1, 7, 120, 121] {
            for n in 1..6 {
                let ranges: Vec<_> = (0..n).map(|k| Shard { index: k, count: n }.range(total)).collect();
                assert_eq!(ranges[0].start, 0);
                assert_eq!(ranges.last().unwrap().end, total);
                for w in ranges.windows(2) {
                    assert_eq!(w[0].end, w[1].start);
                }
            }
        }
        assert_eq!(Shard::parse("2/3").unwrap(), Shard { index: 2, count: 3 });
        assert_eq!(Shard::parse("3/3"), Err(ShardError::OutOfRange { index: 3, count: 3 }));
        assert!(Shard::parse("3/3").unwrap_err().to_string().contains("does not exist"));
        assert!(Shard::parse("1").unwrap_err().to_string().contains("K/N"));
        assert!(Shard::parse("a/2").unwrap_err().to_string().contains("whole numbers"));
    }

    fn plan(points: usize, replications: u32) -> SweepPlan {
        SweepPlan {
            axes: vec![("spec.x".into(), (0..points).map(|i| i.to_string()).collect())],
            replications,
            points: vec![
                SummaryHead {
                    scenario: "s".into(),
                    seed: 1,
                    kubernetes_version: "1.33".into()
                };
                points
            ],
        }
    }

    fn unit(point: u32, replication: u32, v: f64) -> UnitStats {
        UnitStats {
            point,
            replication,
            stats: [("makespanSeconds".to_string(), v)].into(),
        }
    }

    #[test]
    fn units_regroup_by_point_whatever_their_order_and_gaps_are_named() {
        let p = plan(2, 2);
        let got = by_point(
            &p,
            vec![unit(1, 1, 4.0), unit(0, 0, 1.0), unit(1, 0, 3.0), unit(0, 1, 2.0)],
        )
        .unwrap();
        assert_eq!(got[0][1]["makespanSeconds"], 2.0);
        assert_eq!(got[1][0]["makespanSeconds"], 3.0);
        let e = by_point(&p, vec![unit(0, 0, 1.0), unit(1, 0, 3.0), unit(0, 1, 2.0)]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "point 1 replication 1 is missing: a shard was not given or did not finish"
        );
        let e = by_point(&p, vec![unit(0, 0, 1.0), unit(0, 0, 1.0)]).unwrap_err();
        assert_eq!(
            e,
            UnitsError::Twice {
                point: 0,
                replication: 0
            }
        );
    }

    #[test]
    fn sweep_csv_has_a_column_per_path_then_six_per_statistic() {
        let dir = tempfile::tempdir().unwrap();
        let p = plan(2, 3);
        let per_point = vec![
            vec![[("makespanSeconds".to_string(), 10.0)].into(); 3],
            vec![
                [("makespanSeconds".to_string(), 1.0)].into(),
                [("makespanSeconds".to_string(), 2.0)].into(),
                [("makespanSeconds".to_string(), 3.0)].into(),
            ],
        ];
        write_sweep(dir.path(), &p, &per_point, true).unwrap();
        let csv = std::fs::read_to_string(dir.path().join("sweep.csv")).unwrap();
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(
            lines[0],
            "spec.x,makespanSeconds.mean,makespanSeconds.ci95_low,makespanSeconds.ci95_high,\
             makespanSeconds.p05,makespanSeconds.p50,makespanSeconds.p95"
        );
        assert_eq!(lines[1], "0,10,10,10,10,10,10");
        // Mean 2, sd 1, t(2) = 4.302653: half-width 2.484.
        assert_eq!(lines[2], "1,2,-0.484,4.484,1.1,2,2.9");
        assert!(point_dir(dir.path(), 1).join("summary.json").exists());
    }
}
