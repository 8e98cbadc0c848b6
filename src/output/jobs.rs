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
/// `with_replication`, rows get a leading replication column.
pub fn write_jobs_csv<W: Write>(
    out: W,
    runs: &[ReplicationJobs<'_>],
    workload_names: &[String],
    with_replication: bool,
    header: bool,
) -> io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    if header {
        let mut names: Vec<&str> = Vec::new();
        if with_replication {
            names.push("replication");
        }
        names.extend(JOBS_CSV_COLUMNS);
        w.write_record(&names)?;
    }
    // Fields are written one by one from a reused buffer: a row per Job.
    let mut field = Vec::with_capacity(32);
    let mut seconds = |w: &mut csv::Writer<W>, t: Option<u64>| {
        field.clear();
        if let Some(t) = t {
            crate::time::push_seconds(&mut field, t);
        }
        w.write_field(&field)
    };
    let int = |w: &mut csv::Writer<W>, v: Option<i64>| match v {
        Some(v) => w.write_field(itoa::Buffer::new().format(v)),
        None => w.write_field(""),
    };
    for (rep, end, results) in runs {
        for r in *results {
            if with_replication {
                int(&mut w, Some(*rep as i64))?;
            }
            w.write_field(&r.name)?;
            w.write_field(workload_names.get(r.workload as usize).map_or("", String::as_str))?;
            w.write_field(r.status)?;
            w.write_field(&r.reason)?;
            seconds(&mut w, Some(r.created))?;
            seconds(&mut w, r.start_time)?;
            seconds(&mut w, r.first_running)?;
            seconds(&mut w, r.finished)?;
            seconds(&mut w, r.turnaround())?;
            seconds(&mut w, r.kubectl_duration(*end))?;
            int(&mut w, r.completions.map(i64::from))?;
            int(&mut w, Some(r.succeeded.into()))?;
            int(&mut w, Some(r.failed.into()))?;
            int(&mut w, Some(r.pods_created.into()))?;
            int(&mut w, Some(r.restarts.into()))?;
            seconds(&mut w, Some(r.pod_ms))?;
            seconds(&mut w, Some(r.failed_pod_ms))?;
            w.write_record(None::<&[u8]>)?;
        }
    }
    w.flush()
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
        let mut job = prototype.instantiate(name.into(), uid, Time::from_millis(created));
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
        let Some(created) = m.creation_timestamp else {
            return false;
        };
        if m.generation != Some(1)
            || job.api_version != self.api_version
            || job.kind != self.kind
            || needs_quotes(&m.name)
            || needs_quotes(&m.uid)
        {
            return false;
        }
        created.with_rfc3339(|created| {
            let fits = created.len() == 20;
            if fits {
                let fill = Fill {
                    name: &m.name,
                    uid: &m.uid,
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
        job.spec.template.spec.containers.push(crate::api::Container {
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
