//! `jobs.csv` (one row per Job) and `jobs.yaml` (the final Job objects as a
//! `kind: List`, as `kubectl get jobs -o yaml` prints them).

use super::yaml::Writer;
use crate::api::Job;
use crate::time::format_seconds;
use crate::world::JobResult;
use std::io::{self, Write};

pub const JOBS_CSV_COLUMNS: [&str; 15] = [
    "job",
    "workload",
    "status",
    "reason",
    "created",
    "started",
    "finished",
    "duration",
    "completions",
    "succeeded",
    "failed",
    "pods_created",
    "restarts",
    "pod_seconds",
    "failed_pod_seconds",
];

/// Writes `jobs.csv`; with `replication`, rows get a leading replication column.
pub fn write_jobs_csv<W: Write>(
    out: W,
    runs: &[(u32, &[JobResult])],
    workload_names: &[String],
    with_replication: bool,
) -> io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    let mut header: Vec<&str> = Vec::new();
    if with_replication {
        header.push("replication");
    }
    header.extend(JOBS_CSV_COLUMNS);
    w.write_record(&header)?;
    for (rep, results) in runs {
        for r in *results {
            let opt = |t: Option<u64>| t.map(format_seconds).unwrap_or_default();
            let duration = match (r.started, r.finished) {
                (Some(s), Some(f)) => format_seconds(f - s),
                _ => String::new(),
            };
            let mut row: Vec<String> = Vec::with_capacity(16);
            if with_replication {
                row.push(rep.to_string());
            }
            row.extend([
                r.name.clone(),
                workload_names.get(r.workload as usize).cloned().unwrap_or_default(),
                r.status.to_string(),
                r.reason.clone(),
                format_seconds(r.created),
                opt(r.started),
                opt(r.finished),
                duration,
                r.completions.map(|c| c.to_string()).unwrap_or_default(),
                r.succeeded.to_string(),
                r.failed.to_string(),
                r.pods_created.to_string(),
                r.restarts.to_string(),
                format_seconds(r.pod_ms),
                format_seconds(r.failed_pod_ms),
            ]);
            w.write_record(&row)?;
        }
    }
    w.flush()
}

/// Streams `jobs.yaml`: the list header, one item per Job as it is added, and the trailer.
pub struct JobsYaml<W: Write> {
    out: W,
    count: usize,
    /// One item's text, reused from Job to Job.
    buf: String,
    writer: Writer,
    pub error: Option<io::Error>,
}

impl<W: Write> JobsYaml<W> {
    pub fn new(mut out: W) -> Self {
        let error = out.write_all(b"apiVersion: v1\nitems:\n").err();
        JobsYaml {
            out,
            count: 0,
            buf: String::with_capacity(4096),
            writer: Writer::default(),
            error,
        }
    }

    /// Adds a Job as the next list item.
    pub fn add(&mut self, job: &Job) {
        if self.error.is_some() {
            return;
        }
        self.buf.clear();
        self.writer.item(&mut self.buf, job);
        if let Err(e) = self.out.write_all(self.buf.as_bytes()) {
            self.error = Some(e);
        }
        self.count += 1;
    }

    pub fn finish(mut self) -> io::Result<W> {
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        if self.count == 0 {
            // `items:` was already written; an empty list reads as null, so say it.
            self.out.write_all(b"  []\n")?;
        }
        self.out
            .write_all(b"kind: List\nmetadata:\n  resourceVersion: \"\"\n")?;
        Ok(self.out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jobs_yaml_is_a_kubectl_list_that_reads_back() {
        let mut y = JobsYaml::new(Vec::new());
        let mut job = Job {
            api_version: "batch/v1".into(),
            kind: "Job".into(),
            ..Default::default()
        };
        job.metadata.name = "pi".into();
        job.status.completed_indexes = "2".into();
        job.spec.template.spec.containers.push(crate::api::Container {
            name: "pi".into(),
            ..Default::default()
        });
        y.add(&job);
        y.add(&job);
        let text = String::from_utf8(y.finish().unwrap()).unwrap();
        assert!(
            text.starts_with("apiVersion: v1\nitems:\n- apiVersion: batch/v1\n"),
            "{text}"
        );
        assert!(text.contains("    completedIndexes: \"2\"\n"), "{text}");
        assert!(text.ends_with("kind: List\nmetadata:\n  resourceVersion: \"\"\n"));
        let back: serde_json::Value = serde_saphyr::from_str(&text).unwrap();
        assert_eq!(back["items"][0]["metadata"]["name"], "pi");
        // The pod spec lands where it belongs, for every item.
        assert_eq!(
            back["items"][1]["spec"]["template"]["spec"],
            serde_json::to_value(&job.spec.template.spec).unwrap()
        );
        assert_eq!(back["items"].as_array().unwrap().len(), 2);
        let empty = String::from_utf8(JobsYaml::new(Vec::new()).finish().unwrap()).unwrap();
        let back: serde_json::Value = serde_saphyr::from_str(&empty).unwrap();
        assert_eq!(back["items"], serde_json::json!([]));
    }
}
