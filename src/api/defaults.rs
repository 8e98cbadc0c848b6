//! What the API server does to a Job before validation and storage:
//! `SetDefaults_Job` (`pkg/apis/batch/v1/defaults.go`), the pod defaults the
//! template gets, and the create strategy (`pkg/registry/batch/job/strategy.go`):
//! drop fields of disabled gates, generate the selector and labels, reset status.

use super::job::*;
use super::keys::*;
use super::meta::{LabelSelector, Uid};
use super::pod::{Container, PodSpec};
use super::profile::Profile;
use super::time::Time;
use serde_json::{Value, json};
use std::sync::Arc;

/// Fields a release does not know (or whose gate is off), as dropped on create.
/// Returns the paths dropped so callers can warn.
pub fn drop_disabled_fields(job: &mut Job, profile: &Profile) -> Vec<&'static str> {
    let g = profile.gates;
    let mut dropped = Vec::new();
    let spec = &mut job.spec;
    if !g.job_backoff_limit_per_index {
        if spec.backoff_limit_per_index.take().is_some() {
            dropped.push("spec.backoffLimitPerIndex");
        }
        if spec.max_failed_indexes.take().is_some() {
            dropped.push("spec.maxFailedIndexes");
        }
    }
    if !g.job_pod_replacement_policy && spec.pod_replacement_policy.take().is_some() {
        dropped.push("spec.podReplacementPolicy");
    }
    if !g.job_success_policy && spec.success_policy.take().is_some() {
        dropped.push("spec.successPolicy");
    }
    if !g.job_managed_by && spec.managed_by.take().is_some() {
        dropped.push("spec.managedBy");
    }
    if !g.job_pod_failure_policy && spec.pod_failure_policy.take().is_some() {
        dropped.push("spec.podFailurePolicy");
    }
    dropped
}

/// `SetDefaults_Job`, plus the pod-template defaults kubectl shows.
pub fn set_defaults_job(job: &mut Job, profile: &Profile) {
    let spec = &mut job.spec;
    if spec.completions.is_none() && spec.parallelism.is_none() {
        spec.completions = Some(1);
        spec.parallelism = Some(1);
    }
    spec.parallelism.get_or_insert(1);
    if spec.backoff_limit.is_none() {
        spec.backoff_limit = Some(if spec.backoff_limit_per_index.is_some() {
            i32::MAX
        } else {
            6
        });
    }
    if job.metadata.labels.is_empty() && !spec.template.metadata.labels.is_empty() {
        job.metadata.labels = spec.template.metadata.labels.clone();
    }
    spec.completion_mode.get_or_insert_with(|| NON_INDEXED.to_string());
    spec.suspend.get_or_insert(false);
    if profile.gates.job_pod_replacement_policy && spec.pod_replacement_policy.is_none() {
        let policy = if spec.pod_failure_policy.is_some() {
            FAILED
        } else {
            TERMINATING_OR_FAILED
        };
        spec.pod_replacement_policy = Some(policy.to_string());
    }
    if let Some(pfp) = &mut spec.pod_failure_policy {
        for pattern in pfp
            .rules
            .iter_mut()
            .filter_map(|r| r.on_pod_conditions.as_mut())
            .flatten()
        {
            if pattern.status.is_empty() {
                pattern.status = "True".to_string();
            }
        }
    }
    set_defaults_pod_spec(Arc::make_mut(&mut spec.template.spec));
}

/// `SetDefaults_PodSpec` and `SetDefaults_Container` for the fields that show
/// in `kubectl get -o yaml`.
fn set_defaults_pod_spec(spec: &mut PodSpec) {
    if spec.restart_policy.is_empty() {
        spec.restart_policy = "Always".to_string();
    }
    spec.termination_grace_period_seconds.get_or_insert(30);
    for (key, value) in [
        ("dnsPolicy", json!("ClusterFirst")),
        ("schedulerName", json!("default-scheduler")),
        ("securityContext", json!({})),
    ] {
        Arc::make_mut(&mut spec.extra).entry(key.to_string()).or_insert(value);
    }
    for c in spec.init_containers.iter_mut().chain(spec.containers.iter_mut()) {
        set_defaults_container(c);
    }
}

fn set_defaults_container(c: &mut Container) {
    let pull = match c.image.as_deref() {
        Some(image) if image_tag(image).is_none_or(|t| t == "latest") && !image.contains('@') => "Always",
        _ => "IfNotPresent",
    };
    let extra = Arc::make_mut(&mut c.extra);
    extra.entry("imagePullPolicy".to_string()).or_insert(Value::from(pull));
    extra
        .entry("terminationMessagePath".to_string())
        .or_insert(json!("/dev/termination-log"));
    extra
        .entry("terminationMessagePolicy".to_string())
        .or_insert(json!("File"));
}

/// The tag of an image reference, if any (`registry:5000/app:1.2` → `1.2`).
fn image_tag(image: &str) -> Option<&str> {
    let last = image.rsplit('/').next()?;
    last.split_once(':').map(|(_, t)| t)
}

/// The create strategy: identity, generation, cleared status, generated
/// selector and labels (`generateSelector`), then defaults.
pub fn prepare_for_create(job: &mut Job, uid: &str, now: Time, profile: &Profile) -> Vec<&'static str> {
    job.api_version = "batch/v1".to_string();
    job.kind = "Job".to_string();
    if job.metadata.namespace.is_empty() {
        job.metadata.namespace = DEFAULT_NAMESPACE.to_string();
    }
    job.metadata.uid = uid.into();
    job.metadata.creation_timestamp = Some(now);
    job.metadata.generation = Some(1);
    job.status = JobStatus::default();
    let dropped = drop_disabled_fields(job, profile);
    set_defaults_job(job, profile);
    generate_selector(job);
    // Objects read back from storage are defaulted again: this is where an
    // unlabelled Job picks up its template's generated labels.
    set_defaults_job(job, profile);
    dropped
}

/// `generateSelector`: unless `manualSelector`, template labels get the
/// controller-uid and job-name labels (legacy and prefixed) and the selector
/// matches the prefixed controller-uid. User-set values are left alone.
pub fn generate_selector(job: &mut Job) {
    if job.spec.manual_selector == Some(true) {
        return;
    }
    let (uid, name) = (job.metadata.uid.to_string(), job.metadata.name.clone());
    let labels = &mut job.spec.template.metadata.labels;
    for (k, v) in [
        (LEGACY_CONTROLLER_UID_LABEL, &uid),
        (LEGACY_JOB_NAME_LABEL, &name),
        (CONTROLLER_UID_LABEL, &uid),
        (JOB_NAME_LABEL, &name),
    ] {
        if !labels.contains_key(k) {
            labels.insert(k.to_string(), v.clone());
        }
    }
    if job.spec.selector.is_none() {
        job.spec.selector = Some(Box::new(LabelSelector {
            match_labels: [(CONTROLLER_UID_LABEL.to_string(), uid)].into(),
            ..Default::default()
        }));
    }
}

/// A workload's Job as the API server stores it on create: the manifest
/// with its name, UID and creation time, defaulted, with its generated selector.
pub fn new_job(manifest: &Job, name: String, uid: &str, created: Time, profile: &Profile) -> Job {
    let mut job = manifest.clone();
    job.metadata.name = name;
    prepare_for_create(&mut job, uid, created, profile);
    job
}

/// A workload's Job as created, defaulted once: [`new_job`] with placeholders
/// for the name, UID and creation time. Every Job of the workload is this
/// prototype stamped with its own three values: the world stamps Job objects
/// ([`JobPrototype::instantiate`]), and `jobs.yaml` renders the prototype once
/// and stamps the text (`output::jobs::JobTemplate`).
///
/// The defaults depend on none of the three; `generateSelector` copies the
/// name and UID into labels and the selector, the only places besides
/// `metadata` where they appear.
#[derive(Clone, Debug)]
pub struct JobPrototype {
    job: Job,
    /// The prototype without its three label maps, which each Job stamps
    /// from `job`'s: cloned, they would hold placeholder strings to replace.
    bare: Job,
}

impl JobPrototype {
    /// Stands for the name: `<` is not allowed in a name or a label value, so
    /// a validated manifest never holds it there.
    pub const NAME: &'static str = "<name>";
    /// Stands for the UID (not allowed in a UID or label value either).
    pub const UID: &'static str = "<uid>";
    /// Stands for the creation time: 2999-12-31T23:59:58Z, which no manifest is
    /// expected to hold (a text stamp checks that it does not).
    pub const CREATED: Time = Time::from_millis(32_503_679_998_000);

    pub fn new(manifest: &Job, profile: &Profile) -> Self {
        let job = new_job(manifest, Self::NAME.into(), Self::UID, Self::CREATED, profile);
        let mut bare = job.clone();
        bare.metadata.labels = Default::default();
        bare.spec.template.metadata.labels = Default::default();
        if let Some(s) = bare.spec.selector.as_mut() {
            s.match_labels = Default::default();
        }
        JobPrototype { job, bare }
    }

    /// The prototype itself, placeholders in place.
    pub fn job(&self) -> &Job {
        &self.job
    }

    /// The same Job as `new_job(manifest, name, uid, created, profile)`.
    pub fn instantiate(&self, name: String, uid: &Uid, created: Time) -> Job {
        let mut job = self.bare.clone();
        // The Job's name and UID once each, shared by the label maps; other
        // values copied, not shared with the prototype, whose counts would
        // otherwise be touched by every thread that drops a Job.
        let (name_value, uid_value): (Arc<str>, Arc<str>) = (Arc::from(name.as_str()), Arc::from(&*uid.text()));
        let stamp = |value: &Arc<str>| {
            if **value == *Self::NAME {
                name_value.clone()
            } else if **value == *Self::UID {
                uid_value.clone()
            } else {
                Arc::from(&**value)
            }
        };
        job.metadata.labels = self.job.metadata.labels.map_values(stamp);
        job.spec.template.metadata.labels = self.job.spec.template.metadata.labels.map_values(stamp);
        if let (Some(selector), Some(proto)) = (job.spec.selector.as_mut(), self.job.spec.selector.as_ref()) {
            selector.match_labels = proto.match_labels.map_values(stamp);
        }
        job.metadata.name = name;
        job.metadata.uid = uid.clone();
        job.metadata.creation_timestamp = Some(created);
        job
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_follow_set_defaults_job() {
        let profile = Profile::newest();
        let mut job = Job::default();
        set_defaults_job(&mut job, &profile);
        assert_eq!(
            (job.spec.completions, job.spec.parallelism, job.spec.backoff_limit),
            (Some(1), Some(1), Some(6))
        );
        assert_eq!(job.spec.completion_mode.as_deref(), Some(NON_INDEXED));
        assert_eq!(job.spec.suspend, Some(false));
        assert_eq!(job.spec.pod_replacement_policy.as_deref(), Some(TERMINATING_OR_FAILED));
        assert_eq!(job.spec.template.spec.termination_grace_period_seconds, Some(30));

        let mut only_parallelism = Job::default();
        only_parallelism.spec.parallelism = Some(3);
        only_parallelism.spec.backoff_limit_per_index = Some(1);
        set_defaults_job(&mut only_parallelism, &profile);
        assert_eq!(
            only_parallelism.spec.completions, None,
            "work-queue Jobs keep completions unset"
        );
        assert_eq!(only_parallelism.spec.backoff_limit, Some(i32::MAX));
    }

    #[test]
    fn replacement_policy_default_depends_on_failure_policy_and_gate() {
        let mut job = Job::default();
        job.spec.pod_failure_policy = Some(PodFailurePolicy::default());
        set_defaults_job(&mut job, &Profile::newest());
        assert_eq!(job.spec.pod_replacement_policy.as_deref(), Some(FAILED));
        let mut old = Job::default();
        set_defaults_job(&mut old, &Profile::new(27));
        assert_eq!(old.spec.pod_replacement_policy, None);
    }

    #[test]
    fn create_generates_selector_labels_and_drops_unknown_fields() {
        let mut job = Job::default();
        job.metadata.name = "pi".into();
        job.spec.backoff_limit_per_index = Some(2);
        let dropped = prepare_for_create(&mut job, "uid-1", Time(0), &Profile::new(27));
        assert_eq!(dropped, vec!["spec.backoffLimitPerIndex"]);
        assert_eq!(
            &job.spec.selector.as_ref().unwrap().match_labels[CONTROLLER_UID_LABEL],
            "uid-1"
        );
        assert_eq!(&job.spec.template.metadata.labels[LEGACY_JOB_NAME_LABEL], "pi");
        assert_eq!(&job.metadata.labels[JOB_NAME_LABEL], "pi");
        assert_eq!(job.spec.backoff_limit, Some(6));
    }
}
