//! The terminal report: a `kubectl get jobs` table.

use crate::record::JobResult;
use crate::time::SimTime;

/// `duration.HumanDuration` from `k8s.io/apimachinery`, as kubectl prints ages.
pub fn human_duration(ms: u64) -> String {
    let seconds = ms / 1000;
    if seconds < 120 {
        return format!("{seconds}s");
    }
    let minutes = seconds / 60;
    if minutes < 10 {
        let s = seconds % 60;
        return if s == 0 {
            format!("{minutes}m")
        } else {
            format!("{minutes}m{s}s")
        };
    }
    if minutes < 180 {
        return format!("{minutes}m");
    }
    let hours = minutes / 60;
    if hours < 8 {
        let m = minutes % 60;
        return if m == 0 {
            format!("{hours}h")
        } else {
            format!("{hours}h{m}m")
        };
    }
    if hours < 48 {
        return format!("{hours}h");
    }
    if hours < 24 * 8 {
        let h = hours % 24;
        return if h == 0 {
            format!("{}d", hours / 24)
        } else {
            format!("{}d{h}h", hours / 24)
        };
    }
    if hours < 24 * 365 * 2 {
        return format!("{}d", hours / 24);
    }
    if hours < 24 * 365 * 8 {
        let dy = (hours / 24) % 365;
        return if dy == 0 {
            format!("{}y", hours / 24 / 365)
        } else {
            format!("{}y{dy}d", hours / 24 / 365)
        };
    }
    format!("{}y", hours / 24 / 365)
}

/// The COMPLETIONS column: `succeeded/completions`, or `succeeded/1 of parallelism` for work-queue Jobs.
pub fn completions_column(r: &JobResult) -> String {
    match r.completions {
        Some(c) => format!("{}/{c}", r.succeeded),
        None if r.parallelism > 1 => format!("{}/1 of {}", r.succeeded, r.parallelism),
        None => format!("{}/1", r.succeeded),
    }
}

/// `kubectl get jobs` for the results at `now`, cut after `limit` rows: the
/// Jobs that still exist then (a Job deleted by its TTL or an action is gone),
/// with kubectl's STATUS and its DURATION ([`JobResult::kubectl_duration`]:
/// `completionTime − startTime`, or the time since `startTime` while there is
/// no `completionTime`, as for a running or Failed Job).
pub fn jobs_table(results: &[JobResult], now: SimTime, limit: usize) -> String {
    let listed: Vec<&JobResult> = results.iter().filter(|r| r.deleted.is_none()).collect();
    render(&listed[..listed.len().min(limit)], listed.len(), now)
}

/// The table of `shown`, the first of `listed` Jobs kubectl would list.
fn render(shown: &[&JobResult], listed: usize, now: SimTime) -> String {
    if listed == 0 {
        return "No resources found in default namespace.\n".into();
    }
    let rows: Vec<[String; 5]> = shown
        .iter()
        .map(|r| {
            let duration = r.kubectl_duration(now).map(human_duration).unwrap_or_default();
            [
                r.name.clone(),
                r.printed_status.to_string(),
                completions_column(r),
                duration,
                human_duration(now.saturating_sub(r.created)),
            ]
        })
        .collect();
    let header = ["NAME", "STATUS", "COMPLETIONS", "DURATION", "AGE"];
    let mut widths = header.map(str::len);
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.len());
        }
    }
    let mut out = String::new();
    let line = |cells: &[&str], out: &mut String| {
        for (i, (cell, w)) in cells.iter().zip(widths).enumerate() {
            if i + 1 == cells.len() {
                out.push_str(cell);
            } else {
                out.push_str(&format!("{cell:<w$}   "));
            }
        }
        out.push('\n');
    };
    line(&header, &mut out);
    for row in &rows {
        line(&row.iter().map(String::as_str).collect::<Vec<_>>(), &mut out);
    }
    if listed > shown.len() {
        out.push_str(&format!("... and {} more Jobs\n", listed - shown.len()));
    }
    out
}

/// What the terminal's report needs of a replication's Jobs, kept as their
/// results arrive (in any order) rather than holding them all: the first
/// Jobs of `kubectl get jobs` in (workload, ordinal) order, how many it would
/// list, and the Jobs the run left open, with why.
#[derive(Debug)]
pub struct TableDigest {
    limit: usize,
    first: std::collections::BTreeMap<(u32, u32), JobResult>,
    /// Jobs that still exist at the end (not deleted).
    pub listed: usize,
    /// Every Job created.
    pub total: usize,
    /// Jobs neither finished nor deleted.
    pub unfinished: usize,
    open_limit: usize,
    /// The first `open_limit` unfinished Jobs with why they are open: (name, why).
    pub open: Vec<(String, String)>,
    /// How many Jobs have a why.
    pub open_count: usize,
}

impl TableDigest {
    /// Keeps the first `limit` listed Jobs and the first `open_limit` open ones.
    pub fn new(limit: usize, open_limit: usize) -> Self {
        TableDigest {
            limit,
            first: Default::default(),
            listed: 0,
            total: 0,
            unfinished: 0,
            open_limit,
            open: Vec::new(),
            open_count: 0,
        }
    }

    /// The table at `now` cut after `limit` rows (at most the digest's own
    /// limit), as [`jobs_table`] prints it.
    pub fn table(&self, now: SimTime, limit: usize) -> String {
        let shown: Vec<&JobResult> = self.first.values().take(limit).collect();
        render(&shown, self.listed, now)
    }
}

/// The open Jobs come last, in (workload, ordinal) order, so the first ones
/// seen are the first ones listed.
impl crate::record::ResultSink for TableDigest {
    fn job(&mut self, r: JobResult) {
        self.total += 1;
        if r.finished.is_none() && r.deleted.is_none() {
            self.unfinished += 1;
        }
        if let Some(why) = &r.unfinished_why {
            self.open_count += 1;
            if self.open.len() < self.open_limit {
                self.open.push((r.name.clone(), why.clone()));
            }
        }
        if r.deleted.is_some() {
            return;
        }
        self.listed += 1;
        let key = (r.workload, r.ordinal);
        if self.first.len() == self.limit && self.first.last_key_value().is_none_or(|(last, _)| key > *last) {
            return;
        }
        self.first.insert(key, r);
        if self.first.len() > self.limit {
            self.first.pop_last();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_read_like_kubectl() {
        let s = 1000;
        assert_eq!(human_duration(45 * s), "45s");
        assert_eq!(human_duration(119 * s), "119s");
        assert_eq!(human_duration(150 * s), "2m30s");
        assert_eq!(human_duration(600 * s), "10m");
        assert_eq!(human_duration(3 * 3600 * s + 5 * 60 * s), "3h5m");
        assert_eq!(human_duration(30 * 3600 * s), "30h");
        assert_eq!(human_duration(50 * 3600 * s), "2d2h");
    }

    #[test]
    fn table_has_kubectl_columns_and_cut_line() {
        let r = JobResult {
            name: "pi".into(),
            status: "Complete",
            completions: Some(1),
            parallelism: 1,
            succeeded: 1,
            printed_status: "Complete",
            created: 0,
            start_time: Some(0),
            completion_time: Some(12_000),
            ..Default::default()
        };
        let mut many = vec![r.clone(); 3];
        many[2].completions = None;
        many[2].parallelism = 4;
        let t = jobs_table(&many, 60_000, 2);
        assert_eq!(
            t,
            "NAME   STATUS     COMPLETIONS   DURATION   AGE\npi     Complete   1/1           12s        60s\npi     Complete   1/1           12s        60s\n... and 1 more Jobs\n"
        );
        assert_eq!(completions_column(&many[2]), "1/1 of 4");
    }

    #[test]
    fn kubectl_duration_counts_on_without_a_completion_time() {
        let s = 1000;
        let complete = JobResult {
            created: 0,
            start_time: Some(300 * s),
            completion_time: Some(579 * s),
            finished: Some(579 * s),
            ..Default::default()
        };
        assert_eq!(complete.kubectl_duration(900 * s), Some(279 * s));
        assert_eq!(complete.turnaround(), Some(579 * s));
        // Failed: no completionTime, so to the end of the run, or to its deletion.
        let mut failed = JobResult {
            created: 10 * s,
            start_time: Some(10 * s),
            finished: Some(100 * s),
            ..Default::default()
        };
        assert_eq!(failed.kubectl_duration(900 * s), Some(890 * s));
        assert_eq!(failed.turnaround(), Some(90 * s));
        failed.deleted = Some(160 * s);
        assert_eq!(failed.kubectl_duration(900 * s), Some(150 * s));
        // Never started (created suspended): no DURATION, no turnaround.
        let suspended = JobResult::default();
        assert_eq!(
            (suspended.kubectl_duration(900 * s), suspended.turnaround()),
            (None, None)
        );
    }

    /// Results arriving in the order Jobs leave (any order, open Jobs last)
    /// give the table `jobs_table` prints of the same results sorted, and the
    /// open Jobs in order, cut at their limit.
    #[test]
    fn the_digest_prints_the_table_of_the_sorted_results() {
        use crate::record::ResultSink;
        let job = |workload: u32, ordinal: u32| JobResult {
            name: format!("w{workload}-{ordinal}"),
            workload,
            ordinal,
            status: "Complete",
            printed_status: "Complete",
            completions: Some(1),
            parallelism: 1,
            succeeded: 1,
            start_time: Some(1_000),
            completion_time: Some(9_000),
            finished: Some(9_000),
            ..Default::default()
        };
        let mut gone = job(0, 1);
        gone.deleted = Some(20_000);
        let open = |ordinal| JobResult {
            status: "Running",
            printed_status: "Running",
            finished: None,
            completion_time: None,
            succeeded: 0,
            unfinished_why: Some(format!("why {ordinal}")),
            ..job(2, ordinal)
        };
        let arrived = [
            job(1, 0),
            job(0, 3),
            gone,
            job(0, 0),
            job(0, 2),
            open(0),
            open(1),
            open(2),
        ];
        let mut digest = TableDigest::new(4, 2);
        for r in arrived.iter().cloned() {
            digest.job(r);
        }
        let mut sorted = arrived.to_vec();
        sorted.sort_by_key(|r| (r.workload, r.ordinal));
        for limit in [2, 4] {
            assert_eq!(
                digest.table(60_000, limit),
                jobs_table(&sorted, 60_000, limit),
                "{limit}"
            );
        }
        assert_eq!((digest.total, digest.listed, digest.unfinished), (8, 7, 3));
        assert_eq!(digest.open_count, 3);
        assert_eq!(
            digest.open,
            [
                ("w2-0".to_string(), "why 0".to_string()),
                ("w2-1".to_string(), "why 1".to_string())
            ]
        );
    }
}
