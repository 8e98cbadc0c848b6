//! Comparisons: two variants of a scenario, A and B, run the same
//! replications with the same seeds (common random numbers), so replication r
//! of A and replication r of B see the same arrivals, run times and failures.
//! Per statistic, the paired differences d_r = B_r − A_r give the mean
//! difference and its Student-t interval; beside it, the interval the same
//! runs would give were A and B independent (Welch's, from the variance of
//! each side), whose width over the paired one says what the pairing bought.

use crate::output::summary::{Stats, is_count, mean_ci_at, round3, t_quantile_df};
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, BTreeSet};

/// One statistic of a comparison.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Paired {
    /// Replications where both sides have the statistic.
    pub n: usize,
    /// The mean of A, and of B, over those replications.
    pub a: f64,
    pub b: f64,
    /// The mean of the paired differences B_r − A_r.
    pub mean: f64,
    /// Its Student-t interval (`None` below two pairs).
    pub ci: Option<(f64, f64)>,
    /// Welch's interval of B − A, as if the sides were independent.
    pub independent: Option<(f64, f64)>,
}

impl Paired {
    /// How many times narrower the paired interval is than the independent
    /// one (`None` when the paired interval has no width: the sides agree
    /// in every replication, or differ by the same amount in each).
    pub fn narrowing(&self) -> Option<f64> {
        let ((lo, hi), (ilo, ihi)) = (self.ci?, self.independent?);
        (hi > lo).then(|| (ihi - ilo) / (hi - lo))
    }
}

fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len() as f64
}

fn variance(v: &[f64]) -> f64 {
    let m = mean(v);
    v.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (v.len() as f64 - 1.0)
}

/// Pairs `a[r]` with `b[r]`: the mean difference, its paired interval and
/// the independent one, at `confidence`.
pub fn paired(a: &[f64], b: &[f64], confidence: f64) -> Option<Paired> {
    assert_eq!(a.len(), b.len(), "pairs");
    let n = a.len();
    if n == 0 {
        return None;
    }
    let d: Vec<f64> = a.iter().zip(b).map(|(a, b)| b - a).collect();
    let (ma, mb) = (mean(a), mean(b));
    let (md, ci) = match mean_ci_at(&d, confidence) {
        Some((m, half)) => (m, Some((m - half, m + half))),
        None => (d[0], None),
    };
    let independent = (n >= 2).then(|| {
        let nf = n as f64;
        let (va, vb) = (variance(a) / nf, variance(b) / nf);
        let se = (va + vb).sqrt();
        let half = if se > 0.0 {
            // Welch–Satterthwaite degrees of freedom.
            let df = (va + vb) * (va + vb) / (va * va / (nf - 1.0) + vb * vb / (nf - 1.0));
            t_quantile_df(df, confidence) * se
        } else {
            0.0
        };
        (mb - ma - half, mb - ma + half)
    });
    Some(Paired {
        n,
        a: ma,
        b: mb,
        mean: md,
        ci,
        independent,
    })
}

/// Every statistic of A's and B's replications (paired in order): counts
/// are zero where a replication lacks them, as `summary.json` has them;
/// another statistic pairs the replications where both sides have it.
pub fn compare(a: &[Stats], b: &[Stats], confidence: f64) -> BTreeMap<String, Paired> {
    assert_eq!(a.len(), b.len(), "the same replications on both sides");
    let mut keys = BTreeSet::new();
    for s in a.iter().chain(b) {
        keys.extend(s.keys());
    }
    let mut out = BTreeMap::new();
    for key in keys {
        let zero = if is_count(key) { Some(0.0) } else { None };
        let (xs, ys): (Vec<f64>, Vec<f64>) = a
            .iter()
            .zip(b)
            .filter_map(|(sa, sb)| Some((sa.get(key).copied().or(zero)?, sb.get(key).copied().or(zero)?)))
            .unzip();
        if let Some(p) = paired(&xs, &ys, confidence) {
            out.insert(key.to_string(), p);
        }
    }
    out
}

/// The key of an interval at `confidence`: `ci95`, `ci90`, `ci99.5`.
pub fn ci_key(confidence: f64) -> String {
    format!("ci{}", round3(confidence * 100.0))
}

/// A comparison as JSON, per statistic: `a`, `b`, `n`, `difference` (`mean`,
/// `ci95`), `independentCi95` and `narrowing` (null when the paired interval
/// has no width), numbers to three decimals as `summary.json` gives them.
pub fn statistics_json(stats: &BTreeMap<String, Paired>, confidence: f64) -> Value {
    let key = ci_key(confidence);
    let pair = |ci: Option<(f64, f64)>| ci.map_or(Value::Null, |(lo, hi)| json!([round3(lo), round3(hi)]));
    let mut out = Map::new();
    for (name, p) in stats {
        let mut diff = Map::new();
        diff.insert("mean".into(), round3(p.mean));
        diff.insert(key.clone(), pair(p.ci));
        let mut v = Map::new();
        v.insert("a".into(), round3(p.a));
        v.insert("b".into(), round3(p.b));
        v.insert("n".into(), json!(p.n));
        v.insert("difference".into(), Value::Object(diff));
        let mut independent = key.clone();
        independent[..1].make_ascii_uppercase();
        v.insert(format!("independent{independent}"), pair(p.independent));
        v.insert("narrowing".into(), p.narrowing().map_or(Value::Null, round3));
        out.insert(name.clone(), Value::Object(v));
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::summary::t_quantile;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn paired_differences_and_both_intervals_by_hand() {
        let a = [10.0, 12.0, 14.0, 16.0];
        let b = [9.0, 10.0, 13.0, 14.0];
        let p = paired(&a, &b, 0.95).unwrap();
        assert_eq!((p.n, p.a, p.b, p.mean), (4, 13.0, 11.5, -1.5));
        // d = -1, -2, -1, -2: variance 1/3, standard error sqrt(1/12), t(3) = 3.182446.
        let half = t_quantile(3, 0.95) * (1.0f64 / 12.0).sqrt();
        assert!((half - 0.918_693).abs() < 1e-6, "{half}");
        let (lo, hi) = p.ci.unwrap();
        assert!(close(lo, -1.5 - half) && close(hi, -1.5 + half));
        // Variances 20/3 and 17/3: standard error sqrt(37/12); Welch's
        // degrees of freedom 3 (37/3)^2 / ((20/3)^2 + (17/3)^2) = 4107/689.
        let se = (37.0f64 / 12.0).sqrt();
        let df = 4107.0 / 689.0;
        let ihalf = t_quantile_df(df, 0.95) * se;
        let (ilo, ihi) = p.independent.unwrap();
        assert!(close(ilo, -1.5 - ihalf) && close(ihi, -1.5 + ihalf), "{ilo} {ihi}");
        assert!(ihalf > t_quantile(6, 0.95) * se && ihalf < t_quantile(5, 0.95) * se);
        assert!((ihalf - 4.303_492).abs() < 1e-5, "{ihalf}");
        assert!(close(p.narrowing().unwrap(), ihalf / half));
        // At 90%, both narrow.
        let p90 = paired(&a, &b, 0.90).unwrap();
        let (lo90, hi90) = p90.ci.unwrap();
        assert!(close(hi90 - lo90, 2.0 * t_quantile(3, 0.90) * (1.0f64 / 12.0).sqrt()));
    }

    #[test]
    fn a_side_against_itself_differs_by_exactly_nothing() {
        let a = [3.25, 7.5, 1.125, 9.0];
        let p = paired(&a, &a, 0.95).unwrap();
        assert_eq!((p.mean, p.ci), (0.0, Some((0.0, 0.0))));
        let (ilo, ihi) = p.independent.unwrap();
        assert!(ilo < 0.0 && ihi > 0.0 && close(ilo, -ihi));
        assert_eq!(p.narrowing(), None);
        // A constant shift has no spread either.
        let b: Vec<f64> = a.iter().map(|x| x + 2.0).collect();
        let p = paired(&a, &b, 0.95).unwrap();
        assert_eq!((p.mean, p.ci), (2.0, Some((2.0, 2.0))));
        // One pair: a difference, no interval.
        let p = paired(&[1.0], &[4.0], 0.95).unwrap();
        assert_eq!((p.mean, p.ci, p.independent), (3.0, None, None));
        assert!(paired(&[], &[], 0.95).is_none());
    }

    fn stats(pairs: &[(&str, f64)]) -> Stats {
        pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
    }

    #[test]
    fn counts_absent_on_one_side_are_zeros_other_statistics_pair_where_both_have_them() {
        let a = [
            stats(&[("jobs.byStatus.Failed", 2.0), ("makespanSeconds", 100.0)]),
            stats(&[("makespanSeconds", 110.0)]),
            stats(&[("jobs.byStatus.Failed", 1.0), ("makespanSeconds", 90.0)]),
        ];
        let b = [
            stats(&[("makespanSeconds", 80.0)]),
            stats(&[]),
            stats(&[("makespanSeconds", 70.0)]),
        ];
        let c = compare(&a, &b, 0.95);
        let failed = c["jobs.byStatus.Failed"];
        assert_eq!((failed.n, failed.a, failed.b, failed.mean), (3, 1.0, 0.0, -1.0));
        let m = c["makespanSeconds"];
        assert_eq!((m.n, m.a, m.b, m.mean), (2, 95.0, 75.0, -20.0));
        let json = statistics_json(&c, 0.95);
        assert_eq!(json["makespanSeconds"]["difference"]["mean"], json!(-20));
        assert_eq!(json["makespanSeconds"]["difference"]["ci95"], json!([-20, -20]));
        assert_eq!(json["makespanSeconds"]["narrowing"], Value::Null);
        assert!(json["makespanSeconds"]["independentCi95"].is_array());
        assert_eq!(ci_key(0.9), "ci90");
        assert_eq!(ci_key(0.995), "ci99.5");
        assert!(statistics_json(&c, 0.9)["makespanSeconds"]["independentCi90"].is_array());
    }
}
