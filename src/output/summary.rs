//! `summary.json`: aggregate statistics of a run. With several replications
//! each statistic is reported as its mean and a 95% confidence interval.

use crate::record::{JobResult, RunStats};
use crate::scenario::Scenario;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// Flat statistics of one replication: dotted path → value.
pub type Stats = BTreeMap<String, f64>;

/// Type-7 (linear interpolation) quantile of sorted values.
pub fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let h = (sorted.len() - 1) as f64 * q;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

fn distribution(stats: &mut Stats, name: &str, mut v: Vec<f64>) {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    stats.insert(format!("{name}.count"), n as f64);
    if n == 0 {
        return;
    }
    stats.insert(format!("{name}.mean"), v.iter().sum::<f64>() / n as f64);
    for (label, q) in [("p50", 0.5), ("p90", 0.9), ("p95", 0.95), ("p99", 0.99)] {
        stats.insert(format!("{name}.{label}"), quantile(&v, q));
    }
    stats.insert(format!("{name}.max"), v[n - 1]);
}

/// The statistics of one replication.
pub fn replication_stats(results: &[JobResult], run: &RunStats, events: u64, end_ms: u64) -> Stats {
    let mut s = Stats::new();
    s.insert("jobs.total".into(), results.len() as f64);
    for r in results {
        *s.entry(format!("jobs.byStatus.{}", r.status)).or_default() += 1.0;
        if !r.reason.is_empty() {
            *s.entry(format!("jobs.byReason.{}", r.reason)).or_default() += 1.0;
        }
    }
    let secs = |ms: u64| ms as f64 / 1000.0;
    distribution(
        &mut s,
        "jobDurationSeconds",
        results
            .iter()
            .filter_map(|r| Some(secs(r.finished? - r.started?)))
            .collect(),
    );
    distribution(
        &mut s,
        "queueingSeconds",
        results
            .iter()
            .filter_map(|r| Some(secs(r.started? - r.created)))
            .collect(),
    );
    distribution(
        &mut s,
        "timeToStartSeconds",
        results
            .iter()
            .filter_map(|r| Some(secs(r.first_running? - r.created)))
            .collect(),
    );
    if let Some(m) = results.iter().filter_map(|r| r.finished).max() {
        s.insert("makespanSeconds".into(), secs(m));
    }
    s.insert("pods.failed".into(), results.iter().map(|r| r.pods_failed as f64).sum());
    s.insert(
        "pods.created".into(),
        results.iter().map(|r| r.pods_created as f64).sum(),
    );
    s.insert("pods.restarts".into(), results.iter().map(|r| r.restarts as f64).sum());
    s.insert("pods.podSeconds".into(), results.iter().map(|r| secs(r.pod_ms)).sum());
    s.insert(
        "pods.failedPodSeconds".into(),
        results.iter().map(|r| secs(r.failed_pod_ms)).sum(),
    );
    s.insert(
        "pods.deleted".into(),
        results.iter().map(|r| r.pods_deleted as f64).sum(),
    );
    s.insert(
        "pods.deletedPodSeconds".into(),
        results.iter().map(|r| secs(r.deleted_pod_ms)).sum(),
    );
    s.insert("simulation.events".into(), events as f64);
    s.insert("simulation.syncs".into(), run.syncs as f64);
    s.insert("api.requests".into(), run.api_requests as f64);
    s.insert("api.errors".into(), run.api_errors as f64);
    s.insert("api.rateLimitWaitSeconds".into(), secs(run.rate_limit_wait_ms));
    s.insert("pods.waitedForRoom".into(), run.pending_ms.len() as f64);
    s.insert(
        "pods.pendingSeconds".into(),
        run.pending_ms.iter().map(|&m| secs(m)).sum(),
    );
    if !run.pending_ms.is_empty() {
        distribution(
            &mut s,
            "podPendingSeconds",
            run.pending_ms.iter().map(|&m| secs(m)).collect(),
        );
    }
    s.insert("pods.evictions".into(), run.evictions as f64);
    if run.cpu_capacity_area > 0.0 || run.pods_capacity_area > 0.0 {
        let ratio = |a: f64, b: f64| if b > 0.0 { a / b } else { 0.0 };
        s.insert(
            "cluster.cpuUtilisation".into(),
            ratio(run.cpu_used_area, run.cpu_capacity_area),
        );
        s.insert(
            "cluster.podSlotUtilisation".into(),
            ratio(run.pods_used_area, run.pods_capacity_area),
        );
        s.insert("cluster.nodeLosses".into(), run.node_losses as f64);
    }
    s.insert("simulation.virtualSeconds".into(), secs(end_ms));
    s
}

/// Two-sided 95% Student t quantile for `df` degrees of freedom.
pub fn t975(df: usize) -> f64 {
    const T: [f64; 30] = [
        12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131,
        2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
    ];
    match df {
        0 => f64::NAN,
        1..=30 => T[df - 1],
        // Beyond the table: t ≈ z + (z³ + z) / (4·df), accurate to 1e-3 here.
        _ => {
            let z = 1.959_964;
            z + (z * z * z + z) / (4.0 * df as f64)
        }
    }
}

fn round3(v: f64) -> Value {
    let r = (v * 1000.0).round() / 1000.0;
    if r == r.trunc() && r.abs() < 1e15 {
        json!(r as i64)
    } else {
        json!(r)
    }
}

fn insert_path(root: &mut Map<String, Value>, path: &str, value: Value) {
    let mut parts = path.split('.').peekable();
    let mut cur = root;
    while let Some(p) = parts.next() {
        if parts.peek().is_none() {
            cur.insert(p.to_string(), value);
            return;
        }
        cur = cur
            .entry(p.to_string())
            .or_insert_with(|| Value::Object(Map::new()))
            .as_object_mut()
            .expect("object");
    }
}

/// Builds `summary.json` from the statistics of each replication, in replication order.
pub fn summary_json(sc: &Scenario, reps: &[Stats]) -> Value {
    let mut root = Map::new();
    root.insert("scenario".into(), json!(sc.name));
    root.insert("seed".into(), json!(sc.seed));
    root.insert("replications".into(), json!(reps.len()));
    root.insert("kubernetesVersion".into(), json!(sc.profile.to_string()));
    let keys: std::collections::BTreeSet<&String> = reps.iter().flat_map(|s| s.keys()).collect();
    for key in keys {
        // Counts are zero where absent; other statistics are absent (no Job finished, say)
        // and are aggregated over the replications that have them.
        let is_count = key.starts_with("jobs.") || key.ends_with(".count");
        let values: Vec<f64> = reps
            .iter()
            .filter_map(|s| s.get(key).copied().or(if is_count { Some(0.0) } else { None }))
            .collect();
        if values.is_empty() {
            continue;
        }
        let value = if reps.len() == 1 {
            round3(values[0])
        } else {
            match mean_ci(&values) {
                Some((mean, half)) => {
                    json!({"mean": round3(mean), "ci95": [round3(mean - half), round3(mean + half)], "n": values.len()})
                }
                None => json!({"mean": round3(values[0]), "n": values.len()}),
            }
        };
        insert_path(&mut root, key, value);
    }
    Value::Object(root)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_interpolate_linearly() {
        let v = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(quantile(&v, 0.5), 2.5);
        assert_eq!(quantile(&v, 1.0), 4.0);
        assert_eq!(quantile(&v, 0.0), 1.0);
        assert_eq!(quantile(&[7.0], 0.9), 7.0);
        // Odd count: the median is the middle value; p90 lies 60% of the way from 4 to 5.
        let odd = [1.0, 2.0, 3.0, 4.0, 5.0];
        assert_eq!(quantile(&odd, 0.5), 3.0);
        assert!((quantile(&odd, 0.9) - 4.6).abs() < 1e-12);
        assert!((quantile(&odd, 0.95) - 4.8).abs() < 1e-12);
    }

    #[test]
    fn t_quantiles() {
        assert_eq!(t975(1), 12.706);
        assert_eq!(t975(29), 2.045);
        assert!((t975(100) - 1.984).abs() < 2e-3);
        assert!((t975(10_000) - 1.96).abs() < 1e-3);
    }
}

/// Mean and 95% Student-t half-width of a sample (`None` below two values).
pub fn mean_ci(values: &[f64]) -> Option<(f64, f64)> {
    if values.len() < 2 {
        return None;
    }
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let var = values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / (n - 1.0);
    Some((mean, t975(values.len() - 1) * (var / n).sqrt()))
}

#[cfg(test)]
mod ci_tests {
    use super::*;

    #[test]
    fn hand_computed_statistics() {
        // Odd and even counts.
        assert_eq!(quantile(&[1.0, 3.0, 5.0, 7.0, 9.0], 0.5), 5.0);
        assert_eq!(quantile(&[1.0, 3.0, 5.0, 7.0], 0.5), 4.0);
        assert!(
            (quantile(&[1.0, 3.0, 5.0, 7.0], 0.9) - 6.4).abs() < 1e-12,
            "h = 2.7: 5 + 0.7 * 2"
        );
        assert!((quantile(&[10.0, 20.0, 30.0, 40.0, 50.0], 0.95) - 48.0).abs() < 1e-12);
        // 2, 4, 4, 4, 5, 5, 7, 9: mean 5, sample sd sqrt(32/7), t(7) = 2.365.
        let (mean, half) = mean_ci(&[2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]).unwrap();
        assert_eq!(mean, 5.0);
        let want = 2.365 * (32.0f64 / 7.0 / 8.0).sqrt();
        assert!((half - want).abs() < 1e-12, "{half} vs {want}");
        assert_eq!(mean_ci(&[1.0]), None);
    }
}

/// The terminal's statistics table: percentiles of one replication, or means
/// with 95% confidence intervals across replications.
pub fn stats_table(reps: &[Stats]) -> String {
    let mut out = String::new();
    if reps.len() == 1 {
        let s = &reps[0];
        let keys = ["jobDurationSeconds", "timeToStartSeconds", "podPendingSeconds"];
        if !keys.iter().any(|k| s.contains_key(&format!("{k}.p50"))) {
            return out;
        }
        out.push_str(&format!(
            "{:<24}{:>10}{:>10}{:>10}{:>10}{:>10}\n",
            "", "p50", "p90", "p95", "p99", "max"
        ));
        for (label, key) in [
            ("job duration (s)", "jobDurationSeconds"),
            ("time to start (s)", "timeToStartSeconds"),
            ("pod pending (s)", "podPendingSeconds"),
        ] {
            if !s.contains_key(&format!("{key}.p50")) {
                continue;
            }
            out.push_str(&format!("{label:<24}"));
            for q in ["p50", "p90", "p95", "p99", "max"] {
                out.push_str(&format!(
                    "{:>10.1}",
                    s.get(&format!("{key}.{q}")).copied().unwrap_or(0.0)
                ));
            }
            out.push('\n');
        }
        return out;
    }
    out.push_str(&format!(
        "{:<34}{:>12}   {}\n",
        format!("over {} replications", reps.len()),
        "mean",
        "95% CI"
    ));
    let rows = [
        ("Jobs complete", "jobs.byStatus.Complete", true),
        ("Jobs failed", "jobs.byStatus.Failed", true),
        ("job duration p50 (s)", "jobDurationSeconds.p50", false),
        ("job duration p95 (s)", "jobDurationSeconds.p95", false),
        ("job duration max (s)", "jobDurationSeconds.max", false),
        ("makespan (s)", "makespanSeconds", false),
        ("pod pending p95 (s)", "podPendingSeconds.p95", false),
        ("pods failed", "pods.failed", true),
        ("failed pod-seconds", "pods.failedPodSeconds", true),
        ("cpu utilisation", "cluster.cpuUtilisation", false),
    ];
    for (label, key, count) in rows {
        let values: Vec<f64> = reps
            .iter()
            .filter_map(|s| s.get(key).copied().or(if count { Some(0.0) } else { None }))
            .collect();
        match mean_ci(&values) {
            Some((mean, half)) => out.push_str(&format!(
                "{label:<34}{mean:>12.2}   [{:.2}, {:.2}]\n",
                mean - half,
                mean + half
            )),
            None if values.is_empty() => {}
            None => out.push_str(&format!("{label:<34}{:>12.2}\n", values[0])),
        }
    }
    out
}
