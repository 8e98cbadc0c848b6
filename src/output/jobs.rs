//! `jobs.csv` (one row per Job) and `jobs.yaml` (the final Job objects as a
//! `kind: List`, as `kubectl get jobs -o yaml` prints them).

use super::yaml::{Writer, needs_quotes};
use crate::api::defaults::JobPrototype;
use crate::api::{Job, Time};
use crate::record::JobResult;
use crate::scenario::Scenario;
use crate::time::SimTime;
use std::io::{self, Write};

/// The columns of `jobs.csv` (after `replication`, with replications); README
/// defines each. Times are seconds since t=0 with milliseconds, empty when not
/// reached.
pub const JOBS_CSV_COLUMNS: [&str; 17] = [
    "job",
    "workload",
    "status",
    "reason",
    // metadata.creationTimestamp.
    "created",
    // The final status.startTime.
    "start_time",
    // The first of the Job's pods to run (events.csv's first PodRunning).
    "first_pod_running",
    // completionTime (Complete), the Failed condition's time (Failed).
    "finished",
    // finished − created.
    "turnaround",
    // kubectl's DURATION.
    "duration",
    "completions",
    "succeeded",
    "failed",
    "pods_created",
    "restarts",
    "pod_seconds",
    "failed_pod_seconds",
];

/// One replication's Jobs for `jobs.csv`: its number, the simulated time it
/// ended at (kubectl's DURATION of a Job without completionTime runs to it)
/// and its results.
pub type ReplicationJobs<'a> = (u32, SimTime, &'a [JobResult]);

/// Writes `jobs.csv` rows (after its header line, with `header`); with
/// `with_replication`, rows get a leading replication column. Each row is
/// composed by hand in one buffer, quoted as the `csv` crate's writer quotes
/// (a test holds the two together): at the end of a run of many Jobs this
/// is on the simulation's thread, and the crate's writer took about three
/// times as long per row.
pub fn write_jobs_csv<W: Write>(
    mut out: W,
    runs: &[ReplicationJobs<'_>],
    workload_names: &[String],
    with_replication: bool,
    header: bool,
) -> io::Result<()> {
    let mut line: Vec<u8> = Vec::with_capacity(256);
    if header {
        let replication = with_replication.then_some("replication");
        for (i, name) in replication.into_iter().chain(JOBS_CSV_COLUMNS).enumerate() {
            if i > 0 {
                line.push(b',');
            }
            push_csv_field(&mut line, name);
        }
        line.push(b'\n');
        out.write_all(&line)?;
    }
    let int = |b: &mut Vec<u8>, v: i64| {
        b.extend_from_slice(itoa::Buffer::new().format(v).as_bytes());
        b.push(b',');
    };
    let seconds = |b: &mut Vec<u8>, t: Option<u64>| {
        if let Some(t) = t {
            crate::time::push_seconds(b, t);
        }
        b.push(b',');
    };
    for (rep, end, results) in runs {
        for r in *results {
            line.clear();
            if with_replication {
                int(&mut line, i64::from(*rep));
            }
            let workload = workload_names.get(r.workload as usize).map_or("", String::as_str);
            for field in [r.name.as_str(), workload, r.status, r.reason.as_str()] {
                push_csv_field(&mut line, field);
                line.push(b',');
            }
            for t in [
                Some(r.created),
                r.start_time,
                r.first_running,
                r.finished,
                r.turnaround(),
                r.kubectl_duration(*end),
            ] {
                seconds(&mut line, t);
            }
            match r.completions {
                Some(c) => int(&mut line, i64::from(c)),
                None => line.push(b','),
            }
            for n in [
                i64::from(r.succeeded),
                i64::from(r.failed),
                i64::from(r.pods_created),
                i64::from(r.restarts),
            ] {
                int(&mut line, n);
            }
            seconds(&mut line, Some(r.pod_ms));
            crate::time::push_seconds(&mut line, r.failed_pod_ms);
            line.push(b'\n');
            out.write_all(&line)?;
        }
    }
    out.flush()
}

/// A CSV field as the `csv` crate's writer writes it by default: in quotes,
/// its quotes doubled, when it holds a comma, a quote or a line break.
fn push_csv_field(b: &mut Vec<u8>, s: &str) {
    if s.bytes().any(|c| matches!(c, b',' | b'"' | b'\n' | b'\r')) {
        b.push(b'"');
        for c in s.bytes() {
            if c == b'"' {
                b.push(b'"');
            }
            b.push(c);
        }
        b.push(b'"');
    } else {
        b.extend_from_slice(s.as_bytes());
    }
}

/// A workload's Jobs in `jobs.yaml` up to their status, rendered once from
/// the workload's [`JobPrototype`] and stamped per Job, as the world stamps
/// the Job objects. Jobs as created (generation 1) differ only in their name,
/// UID (also in the generated selector and labels) and creation time, so the
/// text is kept cut at the prototype's placeholders for these three and
/// filled in per Job: that is about two thirds of each Job's YAML. Only a spec
/// change (generation 2 on) changes a Job's metadata or spec in a run.
pub struct JobTemplate {
    /// Literal text and placeholders, in order: `- apiVersion: ...` to `  status:`.
    parts: Vec<Part>,
    api_version: String,
    kind: String,
}

enum Part {
    Text(String),
    Name,
    Uid,
    Created,
}

/// The values a template's placeholders stand for.
struct Fill<'a> {
    name: &'a str,
    uid: &'a str,
    /// RFC 3339, unquoted.
    created: &'a str,
}

impl JobTemplate {
    /// `None` when stamping the text does not give what the writer writes for
    /// the stamped Job (a placeholder's text also occurs elsewhere in the
    /// manifest): every Job of such a workload is then written in full.
    pub fn new(prototype: &JobPrototype) -> Option<Self> {
        let mut w = Writer::default();
        // The whole item with the prototype's empty status, which the Job's
        // last key, `status`, ends with: cut there.
        let mut text = String::new();
        w.item(&mut text, prototype.job());
        text.truncate(text.strip_suffix("\n  status: {}\n")?.len() + "\n  status:".len());
        let created = JobPrototype::CREATED.to_rfc3339();
        let template = Self::parse(
            text,
            &Fill {
                name: JobPrototype::NAME,
                uid: JobPrototype::UID,
                created: &created,
            },
            prototype.job(),
        );
        // Stamped with other values, with a status, the text must be what the
        // writer writes for the Job the prototype stamps with them.
        let (name, uid, created) = (
            "jobsim-check-3a9e4d",
            "0c71b20a-5d0c-4e1e-8b2f-7a6e3f9d1c42",
            1_767_225_600_000,
        );
        let mut job = prototype.instantiate(name.into(), &uid.into(), Time::from_millis(created));
        job.status.succeeded = 1;
        let mut stamped = String::new();
        let fill = Fill {
            name,
            uid,
            created: &Time::from_millis(created).to_rfc3339(),
        };
        template.stamp(&mut stamped, &fill);
        w.value(&mut stamped, 2, &job.status);
        let mut full = String::new();
        w.item(&mut full, &job);
        (stamped == full).then_some(template)
    }

    /// Cuts the text at every placeholder.
    fn parse(text: String, f: &Fill, job: &Job) -> Self {
        let mut parts = Vec::new();
        let mut start = 0;
        let mut at = 0;
        while at < text.len() {
            let rest = &text[at..];
            let hit = if rest.starts_with(f.name) {
                Some((f.name.len(), Part::Name))
            } else if rest.starts_with(f.uid) {
                Some((f.uid.len(), Part::Uid))
            } else if rest.starts_with(f.created) {
                Some((f.created.len(), Part::Created))
            } else {
                None
            };
            match hit {
                Some((len, part)) => {
                    parts.push(Part::Text(text[start..at].to_string()));
                    parts.push(part);
                    at += len;
                    start = at;
                }
                None => at += rest.chars().next().map_or(1, char::len_utf8),
            }
        }
        parts.push(Part::Text(text[start..].to_string()));
        JobTemplate {
            parts,
            api_version: job.api_version.clone(),
            kind: job.kind.clone(),
        }
    }

    /// Appends the text with the placeholders filled in.
    fn stamp(&self, out: &mut String, f: &Fill) {
        for part in &self.parts {
            out.push_str(match part {
                Part::Text(t) => t,
                Part::Name => f.name,
                Part::Uid => f.uid,
                Part::Created => f.created,
            });
        }
    }

    /// Appends `job` up to its status, when it is the prototype stamped with
    /// its name, UID and creation time (it is still at generation 1), and the
    /// three print as they are (no quotes; RFC 3339 in its 20 bytes, as the
    /// placeholder is), which is all but always. Returns whether it did.
    fn write(&self, out: &mut String, job: &Job) -> bool {
        let m = &job.metadata;
        let uid = m.uid.text();
        let Some(created) = m.creation_timestamp else {
            return false;
        };
        if m.generation != Some(1)
            || job.api_version != self.api_version
            || job.kind != self.kind
            || needs_quotes(&m.name)
            || needs_quotes(&uid)
        {
            return false;
        }
        created.with_rfc3339(|created| {
            let fits = created.len() == 20;
            if fits {
                let fill = Fill {
                    name: &m.name,
                    uid: &uid,
                    created,
                };
                self.stamp(out, &fill);
            }
            fits
        })
    }
}

/// One Job template per workload of the scenario.
pub fn job_templates(sc: &Scenario) -> Vec<Option<JobTemplate>> {
    sc.workloads
        .iter()
        .map(|wl| JobTemplate::new(&JobPrototype::new(&wl.manifest, &sc.profile)))
        .collect()
}

/// Streams `jobs.yaml`: the list header, one item per Job as it is added, and the trailer.
pub struct JobsYaml<W: Write> {
    out: W,
    count: usize,
    /// One item's text, reused from Job to Job.
    buf: String,
    writer: Writer,
    /// By workload.
    templates: Vec<Option<JobTemplate>>,
    pub error: Option<io::Error>,
}

impl<W: Write> JobsYaml<W> {
    pub fn new(mut out: W, templates: Vec<Option<JobTemplate>>) -> Self {
        let error = out.write_all(b"apiVersion: v1\nitems:\n").err();
        JobsYaml {
            out,
            count: 0,
            buf: String::with_capacity(4096),
            writer: Writer::default(),
            templates,
            error,
        }
    }

    /// Adds a Job of `workload` (when it is one) as the next list item.
    pub fn add(&mut self, job: &Job, workload: Option<u32>) {
        if self.error.is_some() {
            return;
        }
        self.buf.clear();
        let template = workload.and_then(|w| self.templates.get(w as usize)?.as_ref());
        if template.is_some_and(|t| t.write(&mut self.buf, job)) {
            self.writer.value(&mut self.buf, 2, &job.status);
        } else {
            self.writer.item(&mut self.buf, job);
        }
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
    use crate::api::{JobCondition, JobStatus};

    /// The `csv` crate's writer, field by field: what `jobs.csv` was
    /// written with before its rows were composed by hand.
    fn jobs_csv_by_the_crate(runs: &[ReplicationJobs<'_>], workloads: &[String], with_replication: bool) -> Vec<u8> {
        let mut w = csv::Writer::from_writer(Vec::new());
        let mut header: Vec<&str> = with_replication.then_some("replication").into_iter().collect();
        header.extend(JOBS_CSV_COLUMNS);
        w.write_record(&header).unwrap();
        let secs = |t: Option<u64>| t.map(crate::time::format_seconds).unwrap_or_default();
        for (rep, end, results) in runs {
            for r in *results {
                let mut row: Vec<String> = with_replication.then(|| rep.to_string()).into_iter().collect();
                row.extend([
                    r.name.clone(),
                    workloads.get(r.workload as usize).cloned().unwrap_or_default(),
                    r.status.to_string(),
                    r.reason.clone(),
                    secs(Some(r.created)),
                    secs(r.start_time),
                    secs(r.first_running),
                    secs(r.finished),
                    secs(r.turnaround()),
                    secs(r.kubectl_duration(*end)),
                    r.completions.map(|c| c.to_string()).unwrap_or_default(),
                    r.succeeded.to_string(),
                    r.failed.to_string(),
                    r.pods_created.to_string(),
                    r.restarts.to_string(),
                    secs(Some(r.pod_ms)),
                    secs(Some(r.failed_pod_ms)),
                ]);
                w.write_record(&row).unwrap();
            }
        }
        w.into_inner().unwrap()
    }

    #[test]
    fn jobs_csv_rows_are_what_the_csv_crate_writes() {
        let awkward = [
            "",
            "plain",
            "a,b",
            "say \"hi\"",
            "two\nlines",
            "cr\rhere",
            "back\\slash",
            "\"",
            "ünï",
        ];
        let results: Vec<JobResult> = awkward
            .iter()
            .enumerate()
            .map(|(i, s)| JobResult {
                name: format!("job-{i}"),
                workload: i as u32 % 3,
                status: if i % 2 == 0 { "Complete" } else { "Failed" },
                reason: s.to_string(),
                created: 1_000 * i as u64,
                start_time: (i % 3 != 0).then_some(1_500 * i as u64 + 7),
                first_running: (i % 4 != 0).then_some(2_000 * i as u64),
                finished: (i % 2 == 0).then_some(90_061_001 + i as u64),
                completion_time: (i % 4 == 0).then_some(90_061_001 + i as u64),
                deleted: (i == 5).then_some(50_000),
                completions: (i % 3 != 1).then_some(i as i32 * 5),
                succeeded: i as i32,
                failed: -(i as i32),
                pods_created: 7 * i as u32,
                restarts: u32::MAX - i as u32,
                pod_ms: 123_456_789 * i as u64,
                failed_pod_ms: 999 * i as u64,
                ..Default::default()
            })
            .collect();
        // Workload names as awkward as the reasons; one result's workload is unknown.
        let workloads: Vec<String> = awkward[2..4].iter().map(|s| s.to_string()).collect();
        for with_replication in [false, true] {
            let runs: [ReplicationJobs; 2] = [(0, 80_000_000, &results), (12, 100_000_000, &results[3..])];
            let mut ours = Vec::new();
            write_jobs_csv(&mut ours, &runs, &workloads, with_replication, true).unwrap();
            let want = jobs_csv_by_the_crate(&runs, &workloads, with_replication);
            assert_eq!(String::from_utf8(ours).unwrap(), String::from_utf8(want).unwrap());
        }
    }

    #[test]
    fn jobs_yaml_is_a_kubectl_list_that_reads_back() {
        let mut y = JobsYaml::new(Vec::new(), Vec::new());
        let mut job = Job {
            api_version: "batch/v1".into(),
            kind: "Job".into(),
            ..Default::default()
        };
        job.metadata.name = "pi".into();
        job.status.completed_indexes = "2".into();
        std::sync::Arc::make_mut(&mut job.spec.template.spec)
            .containers
            .push(crate::api::Container {
                name: "pi".into(),
                ..Default::default()
            });
        y.add(&job, None);
        y.add(&job, Some(0));
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
        let empty = String::from_utf8(JobsYaml::new(Vec::new(), Vec::new()).finish().unwrap()).unwrap();
        let back: serde_json::Value = serde_saphyr::from_str(&empty).unwrap();
        assert_eq!(back["items"], serde_json::json!([]));
    }

    /// Every Job of every scenario in `scenarios/`, as created and as finished
    /// with a status, reads the same through its template as rendered in full.
    #[test]
    fn job_templates_render_as_the_full_job() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
        let mut checked = 0;
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let sc = crate::scenario::load(&path).unwrap_or_else(|e| panic!("{}: {e:?}", path.display()));
            let templates = job_templates(&sc);
            for (w, wl) in sc.workloads.iter().enumerate() {
                assert!(templates[w].is_some(), "{}: {}", path.display(), wl.name);
                for (ordinal, created) in [(0, 0), (7, 1_767_225_600_000), (12345, 1_800_000_123_456)] {
                    let uid = format!("0a{ordinal:06x}-1c2d-4e5f-8a9b-0c1d2e3f4a5b");
                    let mut job = crate::api::defaults::new_job(
                        &wl.manifest,
                        wl.job_name(ordinal),
                        &uid,
                        Time::from_millis(created),
                        &sc.profile,
                    );
                    job.status = JobStatus {
                        completed_indexes: "0-2".into(),
                        completion_time: Some(Time::from_millis(created + 61_000)),
                        conditions: vec![JobCondition {
                            last_probe_time: Some(Time::from_millis(created + 61_000)),
                            last_transition_time: Some(Time::from_millis(created + 61_000)),
                            message: "Reached expected number of succeeded pods".into(),
                            reason: "CompletionsReached".into(),
                            status: "True".into(),
                            type_: "Complete".into(),
                        }],
                        ready: Some(0),
                        start_time: Some(Time::from_millis(created + 1_000)),
                        succeeded: 3,
                        terminating: Some(0),
                        uncounted_terminated_pods: Some(Default::default()),
                        ..Default::default()
                    };
                    let mut fast = JobsYaml::new(Vec::new(), job_templates(&sc));
                    fast.add(&job, Some(w as u32));
                    let mut full = JobsYaml::new(Vec::new(), Vec::new());
                    full.add(&job, None);
                    assert_eq!(fast.buf, full.buf, "{}: {}", path.display(), wl.name);
                    // It was stamped, unless the spec changed.
                    let template = templates[w].as_ref().unwrap();
                    assert!(template.write(&mut String::new(), &job));
                    job.metadata.generation = Some(2);
                    assert!(!template.write(&mut String::new(), &job));
                    checked += 1;
                }
            }
        }
        assert!(checked > 30, "{checked}");
    }

    /// A placeholder's text elsewhere in the manifest would be stamped too:
    /// the check at construction catches it, and such Jobs are written in full.
    #[test]
    fn a_placeholder_text_in_the_manifest_turns_the_template_off() {
        for (args, off) in [
            ("[run]", false),
            ("[\"<name>\"]", true),
            ("[x, \"<uid>\"]", true),
            ("[\"2999-12-31T23:59:58Z\"]", true),
        ] {
            let text = format!(
                "apiVersion: jobsim/v1alpha1\nkind: Scenario\nmetadata: {{name: t}}\nspec:\n  workloads:\n  - name: w\n    job:\n      apiVersion: batch/v1\n      kind: Job\n      metadata: {{name: w}}\n      spec:\n        template:\n          spec:\n            restartPolicy: Never\n            containers: [{{name: c, image: i, args: {args}}}]\n"
            );
            let sc = crate::scenario::load_str("t", &text, None).unwrap();
            assert_eq!(job_templates(&sc)[0].is_none(), off, "{args}");
        }
    }
}
