//! `summary.json`: aggregate statistics of a run. With several replications
//! each statistic is reported as its mean and a 95% confidence interval.

use crate::record::{JobResult, RunStats};
use crate::scenario::Scenario;
use crate::time::SimTime;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

pub use super::stats::Stats;

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

/// Count, mean, percentiles and maximum of `v`, sorted where it lies: equal
/// values under `total_cmp` are the same bits, so an unstable sort gives the
/// stable order, and it needs no scratch buffer (half the values, for a
/// stable sort).
fn distribution(stats: &mut Stats, name: &str, mut v: Vec<f64>) {
    v.sort_unstable_by(f64::total_cmp);
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

/// What the statistics need of a replication's Jobs, gathered one result at
/// a time as Jobs leave the world: counts and sums, and the values of the
/// distributions (their percentiles are exact, so these are kept, 8 bytes a
/// value).
#[derive(Clone, Debug, Default)]
pub struct JobTally {
    total: u64,
    by_status: BTreeMap<&'static str, u64>,
    by_reason: BTreeMap<String, u64>,
    turnaround: Vec<f64>,
    duration: Vec<f64>,
    queueing: Vec<f64>,
    time_to_start: Vec<f64>,
    makespan: Option<SimTime>,
    pods_failed: u64,
    pods_created: u64,
    restarts: u64,
    pods_deleted: u64,
    pod_ms: u64,
    failed_pod_ms: u64,
    deleted_pod_ms: u64,
}

impl JobTally {
    /// The tally of `results` (tests, and callers that hold them anyway).
    pub fn of<'r>(results: impl IntoIterator<Item = &'r JobResult>) -> Self {
        let mut t = JobTally::default();
        for r in results {
            t.add(r);
        }
        t
    }

    /// Jobs tallied.
    pub fn jobs(&self) -> u64 {
        self.total
    }

    pub fn add(&mut self, r: &JobResult) {
        let secs = |ms: u64| ms as f64 / 1000.0;
        self.total += 1;
        *self.by_status.entry(r.status).or_default() += 1;
        if !r.reason.is_empty() {
            match self.by_reason.get_mut(r.reason.as_str()) {
                Some(n) => *n += 1,
                None => {
                    self.by_reason.insert(r.reason.clone(), 1);
                }
            }
        }
        // The Job times are the columns of jobs.csv of the same names, over
        // the Jobs that have them (README defines each).
        self.turnaround.extend(r.turnaround().map(secs));
        // kubectl's DURATION of the Jobs with a completionTime: a Failed
        // Job's counts on to the end of the run, which says nothing about
        // the Job.
        if r.completion_time.is_some() {
            self.duration.extend(r.kubectl_duration(SimTime::MAX).map(secs));
        }
        self.queueing
            .extend(r.start_time.map(|s| secs(s.saturating_sub(r.created))));
        self.time_to_start.extend(r.first_running.map(|f| secs(f - r.created)));
        self.makespan = self.makespan.max(r.finished);
        self.pods_failed += r.pods_failed as u64;
        self.pods_created += r.pods_created as u64;
        self.restarts += r.restarts as u64;
        self.pods_deleted += r.pods_deleted as u64;
        self.pod_ms += r.pod_ms;
        self.failed_pod_ms += r.failed_pod_ms;
        self.deleted_pod_ms += r.deleted_pod_ms;
    }
}

impl crate::record::ResultSink for JobTally {
    fn job(&mut self, result: JobResult) {
        self.add(&result);
    }
}

/// The statistics of one replication: its Jobs' tally and the run's counters,
/// both taken, so that the distributions' values are sorted where they lie
/// instead of copied first (a run of ten million pods holds 80 MB of waits).
pub fn replication_stats(jobs: JobTally, run: RunStats, events: u64, end_ms: u64) -> Stats {
    let mut s = Stats::new();
    let secs = |ms: u64| ms as f64 / 1000.0;
    s.insert("jobs.total", jobs.total as f64);
    for (status, n) in &jobs.by_status {
        s.insert(format!("jobs.byStatus.{status}"), *n as f64);
    }
    for (reason, n) in &jobs.by_reason {
        s.insert(format!("jobs.byReason.{reason}"), *n as f64);
    }
    distribution(&mut s, "turnaroundSeconds", jobs.turnaround);
    distribution(&mut s, "jobDurationSeconds", jobs.duration);
    distribution(&mut s, "queueingSeconds", jobs.queueing);
    distribution(&mut s, "timeToStartSeconds", jobs.time_to_start);
    if let Some(m) = jobs.makespan {
        s.insert("makespanSeconds", secs(m));
    }
    s.insert("pods.failed", jobs.pods_failed as f64);
    s.insert("pods.created", jobs.pods_created as f64);
    s.insert("pods.restarts", jobs.restarts as f64);
    s.insert("pods.podSeconds", secs(jobs.pod_ms));
    s.insert("pods.failedPodSeconds", secs(jobs.failed_pod_ms));
    s.insert("pods.deleted", jobs.pods_deleted as f64);
    s.insert("pods.deletedPodSeconds", secs(jobs.deleted_pod_ms));
    s.insert("simulation.events", events as f64);
    s.insert("simulation.syncs", run.syncs as f64);
    s.insert("api.requests", run.api_requests as f64);
    s.insert("api.errors", run.api_errors as f64);
    s.insert("api.rateLimitWaitSeconds", secs(run.rate_limit_wait_ms));
    s.insert("pods.waitedForRoom", run.pending_ms.len() as f64);
    s.insert("pods.pendingSeconds", run.pending_ms.iter().map(|&m| secs(m)).sum());
    if !run.pending_ms.is_empty() {
        // One value per pod: radix-sorted as integer milliseconds (the same
        // order, so the same sum for the mean) before they become seconds,
        // in the same allocation.
        let mut pending_ms = run.pending_ms;
        radsort::sort(&mut pending_ms);
        distribution(&mut s, "podPendingSeconds", pending_ms.into_iter().map(secs).collect());
    }
    s.insert("pods.evictions", run.evictions as f64);
    if let Some(n) = run.preemptions {
        s.insert("pods.preemptions", n as f64);
    }
    if run.cpu_capacity_area > 0.0 || run.pods_capacity_area > 0.0 {
        let ratio = |a: f64, b: f64| if b > 0.0 { a / b } else { 0.0 };
        s.insert(
            "cluster.cpuUtilisation",
            ratio(run.cpu_used_area, run.cpu_capacity_area),
        );
        s.insert(
            "cluster.podSlotUtilisation",
            ratio(run.pods_used_area, run.pods_capacity_area),
        );
        s.insert("cluster.nodeLosses", run.node_losses as f64);
    }
    // Cost, with prices: node-hours paid for per pool, their cost, and the
    // share of what was paid for that no pod requested.
    if !run.pools.is_empty() {
        let (mut cost, mut paid, mut idle) = (0.0, 0.0, 0.0);
        for p in &run.pools {
            let key = |stat: &str| format!("cluster.pools.{}.{stat}", p.name);
            s.insert(key("nodeHours"), p.node_ms / 3_600_000.0);
            if p.node_ms > 0.0 {
                s.insert(key("idleShare"), 1.0 - p.busy_ms / p.node_ms);
            }
            if let Some(price) = p.price_per_hour {
                s.insert(key("cost"), p.node_ms / 3_600_000.0 * price);
                cost += p.node_ms / 3_600_000.0 * price;
                paid += p.node_ms * price;
                idle += (p.node_ms - p.busy_ms) * price;
            }
        }
        s.insert("cluster.cost", cost);
        if paid > 0.0 {
            s.insert("cluster.idleCostShare", idle / paid);
        }
    }
    s.insert("simulation.virtualSeconds", secs(end_ms));
    s
}

/// Two-sided Student t quantile at `confidence` (0.95: the 97.5th
/// percentile) for `df` degrees of freedom.
pub fn t_quantile(df: usize, confidence: f64) -> f64 {
    use statrs::distribution::{ContinuousCDF, StudentsT};
    match StudentsT::new(0.0, 1.0, df as f64) {
        Ok(t) if df > 0 => t.inverse_cdf(0.5 + confidence / 2.0),
        _ => f64::NAN,
    }
}

/// Two-sided Student t quantile at `confidence` for `df` degrees of freedom
/// that need not be whole (Welch's interval).
pub fn t_quantile_df(df: f64, confidence: f64) -> f64 {
    use statrs::distribution::{ContinuousCDF, StudentsT};
    match StudentsT::new(0.0, 1.0, df) {
        Ok(t) if df > 0.0 => t.inverse_cdf(0.5 + confidence / 2.0),
        _ => f64::NAN,
    }
}

/// A statistic across replications: the mean with its confidence interval,
/// and the spread of the replications themselves (what one night may look
/// like, which the interval of the mean does not say).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Across {
    pub n: usize,
    pub mean: f64,
    /// The confidence interval of the mean; `None` below two replications.
    pub ci: Option<(f64, f64)>,
    pub p05: f64,
    pub p50: f64,
    pub p95: f64,
}

/// `values` (one per replication, in replication order) as [`Across`], with
/// a Student-t interval at `confidence`.
pub fn across(values: &[f64], confidence: f64) -> Option<Across> {
    if values.is_empty() {
        return None;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let (mean, ci) = match mean_ci_at(values, confidence) {
        Some((mean, half)) => (mean, Some((mean - half, mean + half))),
        None => (values[0], None),
    };
    Some(Across {
        n: values.len(),
        mean,
        ci,
        p05: quantile(&sorted, 0.05),
        p50: quantile(&sorted, 0.5),
        p95: quantile(&sorted, 0.95),
    })
}

/// Every statistic of a set of replications, aggregated: counts are zero
/// where a replication lacks them; other statistics (a percentile when no Job
/// finished, say) are aggregated over the replications that have them.
pub fn aggregate(reps: &[Stats], confidence: f64) -> BTreeMap<String, Across> {
    // Inserted one by one: collecting would first gather every replication's
    // names in one vector (16 bytes a statistic a replication).
    let mut keys = std::collections::BTreeSet::new();
    for s in reps {
        keys.extend(s.keys());
    }
    let mut out = BTreeMap::new();
    for key in keys {
        let count = is_count(key);
        let values: Vec<f64> = reps
            .iter()
            .filter_map(|s| s.get(key).copied().or(if count { Some(0.0) } else { None }))
            .collect();
        if let Some(a) = across(&values, confidence) {
            out.insert(key.to_string(), a);
        }
    }
    out
}

/// A count no replication had.
const ZERO: Across = Across {
    n: 0,
    mean: 0.0,
    ci: Some((0.0, 0.0)),
    p05: 0.0,
    p50: 0.0,
    p95: 0.0,
};

/// Statistics that count something, and are zero where absent.
pub fn is_count(key: &str) -> bool {
    key.starts_with("jobs.") || key.ends_with(".count")
}

/// `v` to three decimals, as every statistic is written (whole numbers without a point).
pub fn round3(v: f64) -> Value {
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

/// What `summary.json` says of the scenario it summarises.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SummaryHead {
    pub scenario: String,
    pub seed: u64,
    pub kubernetes_version: String,
}

impl SummaryHead {
    pub fn of(sc: &Scenario) -> Self {
        SummaryHead {
            scenario: sc.name.clone(),
            seed: sc.seed,
            kubernetes_version: sc.profile.to_string(),
        }
    }
}

/// Builds `summary.json` from the statistics of each replication, in replication order.
pub fn summary_json(sc: &Scenario, reps: &[Stats]) -> Value {
    summary_json_of(&SummaryHead::of(sc), reps)
}

/// `summary.json` from its head and the statistics of each replication.
pub fn summary_json_of(head: &SummaryHead, reps: &[Stats]) -> Value {
    let mut root = Map::new();
    root.insert("scenario".into(), json!(head.scenario));
    root.insert("seed".into(), json!(head.seed));
    root.insert("replications".into(), json!(reps.len()));
    root.insert("kubernetesVersion".into(), json!(head.kubernetes_version));
    for (key, a) in aggregate(reps, 0.95) {
        let value = if reps.len() == 1 {
            round3(a.mean)
        } else {
            let mut v = Map::new();
            v.insert("mean".into(), round3(a.mean));
            if let Some((lo, hi)) = a.ci {
                v.insert("ci95".into(), json!([round3(lo), round3(hi)]));
            }
            v.insert("n".into(), json!(a.n));
            v.insert("p05".into(), round3(a.p05));
            v.insert("p50".into(), round3(a.p50));
            v.insert("p95".into(), round3(a.p95));
            Value::Object(v)
        };
        insert_path(&mut root, &key, value);
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

    /// Each Job time is the jobs.csv column of that name, over the Jobs that
    /// have it: kubectl's DURATION only for Jobs with a completionTime.
    #[test]
    fn job_times_follow_their_definitions() {
        let s = 1000;
        let resumed = JobResult {
            status: "Complete",
            created: 0,
            start_time: Some(300 * s),
            first_running: Some(2 * s),
            completion_time: Some(579 * s),
            finished: Some(579 * s),
            ..Default::default()
        };
        let failed = JobResult {
            status: "Failed",
            created: 10 * s,
            start_time: Some(10 * s),
            first_running: Some(12 * s),
            finished: Some(100 * s),
            ..Default::default()
        };
        let running = JobResult {
            status: "Running",
            created: 20 * s,
            start_time: Some(21 * s),
            ..Default::default()
        };
        let st = replication_stats(
            JobTally::of(&[resumed, failed, running]),
            RunStats::default(),
            0,
            1000 * s,
        );
        let get = |k: &str| st.get(k).copied();
        assert_eq!(get("turnaroundSeconds.count"), Some(2.0));
        assert_eq!(get("turnaroundSeconds.max"), Some(579.0));
        assert_eq!(get("turnaroundSeconds.p50"), Some(334.5), "mean of 90 and 579");
        assert_eq!(get("jobDurationSeconds.count"), Some(1.0));
        assert_eq!(get("jobDurationSeconds.max"), Some(279.0));
        assert_eq!(get("queueingSeconds.count"), Some(3.0));
        assert_eq!(get("queueingSeconds.max"), Some(300.0));
        assert_eq!(get("timeToStartSeconds.count"), Some(2.0));
        assert_eq!(get("makespanSeconds"), Some(579.0));
    }

    #[test]
    fn t_quantiles() {
        let t = |df, c| t_quantile(df, c);
        assert!((t(1, 0.95) - 12.706_205).abs() < 1e-5);
        assert!((t(29, 0.95) - 2.045_230).abs() < 1e-5);
        assert!((t(100, 0.95) - 1.983_972).abs() < 1e-5);
        assert!((t(10, 0.99) - 3.169_273).abs() < 1e-5);
        assert!((t(10, 0.90) - 1.812_461).abs() < 1e-5);
        assert!(t(0, 0.95).is_nan());
        // Whole degrees of freedom agree; fractional ones lie between.
        assert_eq!(t_quantile_df(29.0, 0.95), t(29, 0.95));
        let half = t_quantile_df(9.5, 0.95);
        assert!(half < t(9, 0.95) && half > t(10, 0.95), "{half}");
        assert!(t_quantile_df(0.0, 0.95).is_nan());
    }

    #[test]
    fn across_replications_gives_mean_interval_and_spread() {
        let v = [2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0];
        let a = across(&v, 0.95).unwrap();
        assert_eq!((a.n, a.mean), (8, 5.0));
        let half = t_quantile(7, 0.95) * (32.0f64 / 7.0 / 8.0).sqrt();
        let (lo, hi) = a.ci.unwrap();
        assert!((lo - (5.0 - half)).abs() < 1e-12 && (hi - (5.0 + half)).abs() < 1e-12);
        // Type 7 on the sorted values: h = 0.35, 3.15 and 6.65.
        assert!((a.p05 - 2.7).abs() < 1e-12, "{}", a.p05);
        assert_eq!(a.p50, 4.5);
        assert!((a.p95 - 8.3).abs() < 1e-12, "{}", a.p95);
        let one = across(&[3.0], 0.95).unwrap();
        assert_eq!((one.mean, one.ci, one.p05, one.p95), (3.0, None, 3.0, 3.0));
        assert!(across(&[], 0.95).is_none());
    }

    /// Cost statistics follow their definitions (README), and appear only
    /// with a priced pool.
    #[test]
    fn cost_is_node_hours_at_the_price_and_idle_is_weighted_by_it() {
        use crate::record::PoolUsage;
        let hour = 3_600_000.0;
        let run = RunStats {
            pools: vec![
                PoolUsage {
                    name: "gpu".into(),
                    price_per_hour: Some(10.0),
                    node_ms: 2.0 * hour,
                    busy_ms: 0.5 * hour,
                },
                PoolUsage {
                    name: "cpu".into(),
                    price_per_hour: None,
                    node_ms: 4.0 * hour,
                    busy_ms: 3.0 * hour,
                },
            ],
            ..RunStats::default()
        };
        let st = replication_stats(JobTally::default(), run, 0, 0);
        assert_eq!(st["cluster.pools.gpu.nodeHours"], 2.0);
        assert_eq!(st["cluster.pools.gpu.cost"], 20.0);
        assert_eq!(st["cluster.pools.gpu.idleShare"], 0.75);
        assert_eq!(st["cluster.pools.cpu.nodeHours"], 4.0);
        assert_eq!(st["cluster.pools.cpu.idleShare"], 0.25);
        assert!(!st.contains_key("cluster.pools.cpu.cost"), "no price, no cost");
        assert_eq!(st["cluster.cost"], 20.0);
        assert_eq!(st["cluster.idleCostShare"], 0.75, "only priced pools weigh");
        let none = replication_stats(JobTally::default(), RunStats::default(), 0, 0);
        assert!(!none.keys().any(|k| k.contains("ost") || k.contains("pools")));
    }

    #[test]
    fn pod_pending_distribution_is_of_the_sorted_waits() {
        let run = RunStats {
            pending_ms: vec![4_000, 1_500, 9_000, 1_500, 2_000],
            ..RunStats::default()
        };
        let st = replication_stats(JobTally::default(), run, 0, 0);
        assert_eq!(st["pods.waitedForRoom"], 5.0);
        assert_eq!(st["pods.pendingSeconds"], 18.0);
        assert_eq!(st["podPendingSeconds.count"], 5.0);
        assert_eq!(st["podPendingSeconds.p50"], 2.0);
        assert_eq!(st["podPendingSeconds.max"], 9.0);
        assert_eq!(st["podPendingSeconds.mean"], 3.6);
        assert!(
            (st["podPendingSeconds.p90"] - 7.0).abs() < 1e-12,
            "h = 3.6: 4 + 0.6 * 5"
        );
    }

    #[test]
    fn counts_are_zero_where_absent_other_statistics_are_left_out() {
        let mut a = Stats::new();
        a.insert("jobs.byStatus.Failed", 2.0);
        a.insert("jobDurationSeconds.p50", 10.0);
        let b = Stats::new();
        let agg = aggregate(&[a, b], 0.95);
        assert_eq!(agg["jobs.byStatus.Failed"].n, 2);
        assert_eq!(agg["jobs.byStatus.Failed"].mean, 1.0);
        assert_eq!(agg["jobDurationSeconds.p50"].n, 1);
    }
}

/// Mean and 95% Student-t half-width of a sample (`None` below two values).
pub fn mean_ci(values: &[f64]) -> Option<(f64, f64)> {
    mean_ci_at(values, 0.95)
}

/// Mean and Student-t half-width at `confidence` (`None` below two values).
pub fn mean_ci_at(values: &[f64], confidence: f64) -> Option<(f64, f64)> {
    if values.len() < 2 {
        return None;
    }
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let var = values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / (n - 1.0);
    Some((mean, t_quantile(values.len() - 1, confidence) * (var / n).sqrt()))
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
        let want = 2.364_624 * (32.0f64 / 7.0 / 8.0).sqrt();
        assert!((half - want).abs() < 1e-5, "{half} vs {want}");
        assert_eq!(mean_ci(&[1.0]), None);
    }
}

/// The rows of the terminal's table across replications: label, statistic.
pub const ACROSS_ROWS: [(&str, &str); 12] = [
    ("Jobs complete", "jobs.byStatus.Complete"),
    ("Jobs failed", "jobs.byStatus.Failed"),
    ("turnaround p50 (s)", "turnaroundSeconds.p50"),
    ("turnaround p95 (s)", "turnaroundSeconds.p95"),
    ("turnaround max (s)", "turnaroundSeconds.max"),
    ("makespan (s)", "makespanSeconds"),
    ("pod pending p95 (s)", "podPendingSeconds.p95"),
    ("pods failed", "pods.failed"),
    ("failed pod-seconds", "pods.failedPodSeconds"),
    ("cpu utilisation", "cluster.cpuUtilisation"),
    ("cluster cost", "cluster.cost"),
    ("idle cost share", "cluster.idleCostShare"),
];

/// The terminal's statistics table: percentiles of one replication, or means
/// with 95% confidence intervals across replications.
pub fn stats_table(reps: &[Stats]) -> String {
    let mut out = String::new();
    if reps.len() == 1 {
        let s = &reps[0];
        let rows = [
            ("turnaround, created → finished (s)", "turnaroundSeconds"),
            ("kubectl DURATION, Complete Jobs (s)", "jobDurationSeconds"),
            ("created → first pod running (s)", "timeToStartSeconds"),
            ("pod pending, created → bound (s)", "podPendingSeconds"),
        ];
        if !rows.iter().any(|(_, k)| s.contains_key(&format!("{k}.p50"))) {
            return out;
        }
        out.push_str(&format!(
            "{:<36}{:>10}{:>10}{:>10}{:>10}{:>10}\n",
            "", "p50", "p90", "p95", "p99", "max"
        ));
        for (label, key) in rows {
            if !s.contains_key(&format!("{key}.p50")) {
                continue;
            }
            out.push_str(&format!("{label:<36}"));
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
        "{:<34}{:>12}   {:<22}{:>10}{:>10}{:>10}\n",
        format!("over {} replications", reps.len()),
        "mean",
        "95% CI of the mean",
        "p05",
        "p50",
        "p95"
    ));
    let all = aggregate(reps, 0.95);
    for (label, key) in ACROSS_ROWS {
        let Some(a) = all.get(key).or(if is_count(key) { Some(&ZERO) } else { None }) else {
            continue;
        };
        let ci = a.ci.map_or(String::new(), |(lo, hi)| format!("[{lo:.2}, {hi:.2}]"));
        out.push_str(&format!(
            "{label:<34}{:>12.2}   {ci:<22}{:>10.2}{:>10.2}{:>10.2}\n",
            a.mean, a.p05, a.p50, a.p95
        ));
    }
    out
}
