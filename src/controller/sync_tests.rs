//! Unit tests of `sync_job` for the behaviour the Kubernetes test tables do
//! not pin down: version differences, the slow start, the per-sync caps,
//! suspend and resume, and the quirks kept on purpose.

use super::*;
use crate::api::*;
use crate::controller::sync::orphan_pod_finalizer_removable;

#[derive(Default)]
struct Api {
    creates: usize,
    create_attempts: usize,
    fail_creates_after: Option<usize>,
    deletes: usize,
    patches: usize,
    statuses: Vec<JobStatus>,
}

impl JobClient<Pod> for Api {
    fn create_pod(&mut self, _: &Job, _: PodCreate) -> Result<(), ApiError> {
        self.create_attempts += 1;
        if self.fail_creates_after.is_some_and(|n| self.creates >= n) {
            return Err(ApiError::Other("exceeded quota".into()));
        }
        self.creates += 1;
        Ok(())
    }
    fn delete_pod(&mut self, _: &Job, _: &Pod) -> Result<(), ApiError> {
        self.deletes += 1;
        Ok(())
    }
    fn remove_tracking_finalizer(&mut self, _: &Pod) -> Result<(), ApiError> {
        self.patches += 1;
        Ok(())
    }
    fn update_status(&mut self, _job: &Job, status: JobStatus) -> Result<(), ApiError> {
        self.statuses.push(status);
        Ok(())
    }
}

const T0: Time = Time::from_secs(1_000_000);

fn job(parallelism: i32, completions: Option<i32>, backoff_limit: i32) -> Job {
    let mut j = Job::default();
    j.metadata.name = "j".into();
    j.metadata.namespace = "ns".into();
    j.spec.parallelism = Some(parallelism);
    j.spec.completions = completions;
    j.spec.backoff_limit = Some(backoff_limit);
    std::sync::Arc::make_mut(&mut j.spec.template.spec).restart_policy = "Never".into();
    j.status.start_time = Some(T0);
    j
}

fn pod(uid: &str, phase: PodPhase, finished: Option<Time>) -> Pod {
    let mut p = Pod::default();
    p.metadata.uid = uid.into();
    p.metadata.name = uid.into();
    p.metadata.finalizers.push(JOB_TRACKING_FINALIZER.into());
    p.status.phase = phase;
    if let Some(t) = finished {
        let code = if phase == PodPhase::Succeeded { 0 } else { 1 };
        p.status.container_statuses.push(ContainerStatus {
            name: "main".into(),
            state: ContainerState {
                terminated: Some(ContainerStateTerminated {
                    exit_code: code,
                    finished_at: Some(t),
                    ..Default::default()
                }),
                ..Default::default()
            },
            ..Default::default()
        });
    }
    p
}

fn sync(job: &Job, pods: &[Pod], state: &mut JobState, now: Time, profile: Profile, api: &mut Api) -> SyncOutcome {
    let refs: Vec<&Pod> = pods.iter().collect();
    sync_job(
        job,
        &refs[..],
        state,
        &SyncEnv { now, profile },
        api,
        &mut PodLists::default(),
    )
}

fn types(status: &JobStatus) -> Vec<(String, String)> {
    status
        .conditions
        .iter()
        .map(|c| (c.type_.to_string(), c.reason.to_string()))
        .collect()
}

fn pair(t: &str, r: &str) -> (String, String) {
    (t.to_string(), r.to_string())
}

#[test]
fn backoff_failure_conditions_differ_by_release() {
    let j = job(1, Some(1), 0);
    let pods = [pod("a", PodPhase::Failed, Some(T0))];
    let mut api = Api::default();
    sync(&j, &pods, &mut JobState::default(), T0, Profile::new(27), &mut api);
    let last = api.statuses.last().unwrap();
    assert_eq!(types(last), vec![pair("Failed", "BackoffLimitExceeded")]);
    assert_eq!(last.failed, 1);

    let mut api = Api::default();
    sync(&j, &pods, &mut JobState::default(), T0, Profile::newest(), &mut api);
    let last = api.statuses.last().unwrap();
    assert_eq!(
        types(last),
        vec![
            pair("FailureTarget", "BackoffLimitExceeded"),
            pair("Failed", "BackoffLimitExceeded")
        ]
    );
    assert_eq!(
        last.conditions[1].message,
        "Job has reached the specified backoff limit"
    );
}

#[test]
fn completion_conditions_differ_by_release() {
    let j = job(1, Some(1), 6);
    let pods = [pod("a", PodPhase::Succeeded, Some(T0))];
    let mut api = Api::default();
    sync(&j, &pods, &mut JobState::default(), T0, Profile::new(27), &mut api);
    let last = api.statuses.last().unwrap();
    assert_eq!(types(last), vec![pair("Complete", "")]);
    assert_eq!(last.completion_time, Some(T0));

    let mut api = Api::default();
    sync(&j, &pods, &mut JobState::default(), T0, Profile::newest(), &mut api);
    let last = api.statuses.last().unwrap();
    assert_eq!(
        types(last),
        vec![
            pair("SuccessCriteriaMet", "CompletionsReached"),
            pair("Complete", "CompletionsReached")
        ]
    );
    assert_eq!(last.conditions[1].message, "Reached expected number of succeeded pods");
    assert_eq!(last.succeeded, 1);
}

#[test]
fn release_127_fails_on_backoff_only_when_active_differs_from_parallelism() {
    // One new failure past the limit while the replacement already runs.
    let j = job(1, Some(2), 0);
    let pods = [pod("a", PodPhase::Failed, Some(T0)), pod("b", PodPhase::Running, None)];
    let mut api = Api::default();
    sync(&j, &pods, &mut JobState::default(), T0, Profile::new(27), &mut api);
    assert!(
        api.statuses.iter().all(|s| finished_condition(&s.conditions).is_none()),
        "1.27 waits: active == parallelism"
    );
    let mut api = Api::default();
    sync(&j, &pods, &mut JobState::default(), T0, Profile::newest(), &mut api);
    assert!(
        api.statuses
            .last()
            .unwrap()
            .conditions
            .iter()
            .any(|c| c.type_ == "FailureTarget"),
        "1.28+ fails at once"
    );
}

#[test]
fn release_127_syncs_with_new_failures_return_an_error() {
    let j = job(1, Some(3), 6);
    let pods = [pod("a", PodPhase::Failed, Some(T0))];
    let out = sync(
        &j,
        &pods,
        &mut JobState::default(),
        T0,
        Profile::new(27),
        &mut Api::default(),
    );
    assert_eq!(out.error, Some(SyncError::NewFailures("ns/j".into())));
    assert_eq!(
        out.error.map(|e| e.to_string()).as_deref(),
        Some("failed pod(s) detected for job key \"ns/j\"")
    );
    let out = sync(
        &j,
        &pods,
        &mut JobState::default(),
        T0,
        Profile::newest(),
        &mut Api::default(),
    );
    assert_eq!(out.error, None);
}

#[test]
fn replacement_waits_for_the_backoff_and_reports_active_zero() {
    let j = job(2, Some(4), 6);
    let failed_at = T0.add_millis(5_000);
    let pods = [
        pod("a", PodPhase::Failed, Some(failed_at)),
        pod("b", PodPhase::Running, None),
    ];
    let mut state = JobState::default();
    let mut api = Api::default();
    let now = failed_at.add_millis(1_000);
    let out = sync(&j, &pods, &mut state, now, Profile::newest(), &mut api);
    assert_eq!(api.creates, 0);
    assert_eq!(out.requeue_after_ms, Some(9_000), "10 s from the failure's finish time");
    assert_eq!(
        api.statuses[0].active, 0,
        "upstream quirk: active reads 0 while backing off"
    );
    // Ten seconds after the failure the replacement is created.
    let pods = [
        pod("a", PodPhase::Failed, Some(failed_at)),
        pod("b", PodPhase::Running, None),
    ];
    let mut counted = pods.clone();
    counted[0].metadata.finalizers.clear();
    let mut j2 = j.clone();
    j2.status = api.statuses.last().unwrap().clone();
    let mut api = Api::default();
    sync(
        &j2,
        &counted,
        &mut state,
        failed_at.add_millis(10_000),
        Profile::newest(),
        &mut api,
    );
    assert_eq!(api.creates, 1);
}

#[test]
fn backoff_cap_is_360s_in_127_and_600s_later() {
    let mut rec = backoff::BackoffRecord {
        failures_after_last_success: 9,
        last_failure_time: Some(T0),
    };
    assert_eq!(
        rec.remaining_ms(T0, 10_000, Profile::new(27).pod_failure_backoff_max_ms()),
        360_000
    );
    assert_eq!(
        rec.remaining_ms(T0, 10_000, Profile::newest().pod_failure_backoff_max_ms()),
        600_000
    );
    rec.failures_after_last_success = 3;
    assert_eq!(rec.remaining_ms(T0.add_millis(15_000), 10_000, 600_000), 25_000);
}

#[test]
fn finish_time_of_unterminated_pods_is_now_in_127() {
    let mut p = pod("a", PodPhase::Failed, None);
    p.metadata.creation_timestamp = Some(T0);
    let now = T0.add_millis(42_000);
    assert_eq!(backoff::finished_time(&p, &Profile::new(27), now), now);
    assert_eq!(
        backoff::finished_time(&p, &Profile::newest(), now),
        T0,
        "falls back to the creation time"
    );
}

#[test]
fn slow_start_doubles_batches_and_stops_after_an_error() {
    let j = job(20, Some(20), 6);
    let mut api = Api::default();
    let mut state = JobState::default();
    sync(&j, &[], &mut state, T0, Profile::newest(), &mut api);
    assert_eq!(api.creates, 20);
    // Quota allows 4: batches 1 and 2 succeed, the batch of 4 has an error, the rest is skipped.
    let mut api = Api {
        fail_creates_after: Some(4),
        ..Default::default()
    };
    let mut state = JobState::default();
    let out = sync(&j, &[], &mut state, T0, Profile::newest(), &mut api);
    assert_eq!((api.creates, api.create_attempts), (4, 7));
    assert_eq!(
        out.error,
        Some(SyncError::Api(ApiError::Other("exceeded quota".into())))
    );
    assert_eq!(api.statuses.last().unwrap().active, 4);
    let e = state.expectations.unwrap();
    assert_eq!(e.add, 4, "failed and skipped creations are not expected");
}

#[test]
fn at_most_500_creations_per_sync() {
    let j = job(2_000, Some(2_000), 6);
    let mut api = Api::default();
    sync(&j, &[], &mut JobState::default(), T0, Profile::newest(), &mut api);
    assert_eq!(api.creates, 500);
}

#[test]
fn suspend_deletes_uncounted_and_resume_resets_start_time() {
    let mut j = job(2, Some(4), 6);
    j.spec.suspend = Some(true);
    let pods = [pod("a", PodPhase::Running, None), pod("b", PodPhase::Pending, None)];
    let mut api = Api::default();
    let mut state = JobState::default();
    let later = T0.add_millis(60_000);
    sync(&j, &pods, &mut state, later, Profile::newest(), &mut api);
    assert_eq!(
        (api.deletes, api.patches),
        (2, 2),
        "finalizer removed first, so never counted"
    );
    let st = api.statuses.last().unwrap();
    assert_eq!(types(st), vec![pair("Suspended", "JobSuspended")]);
    assert_eq!((st.active, st.failed), (0, 0));
    assert_eq!(state.expectations.unwrap().del, 2);

    let mut resumed = j.clone();
    resumed.status = st.clone();
    resumed.spec.suspend = Some(false);
    let mut api = Api::default();
    let resume_at = T0.add_millis(120_000);
    sync(
        &resumed,
        &[],
        &mut JobState::default(),
        resume_at,
        Profile::newest(),
        &mut api,
    );
    let st = api.statuses.last().unwrap();
    assert_eq!(types(st), vec![pair("Suspended", "JobResumed")]);
    assert_eq!(st.conditions[0].status, "False");
    assert_eq!(st.start_time, Some(resume_at));
    assert_eq!(api.creates, 2);
}

#[test]
fn deadline_fails_the_job_and_kills_pods_counted_as_failed() {
    let mut j = job(2, Some(4), 6);
    j.spec.active_deadline_seconds = Some(30);
    let pods = [pod("a", PodPhase::Running, None), pod("b", PodPhase::Running, None)];
    let mut api = Api::default();
    let out = sync(
        &j,
        &pods,
        &mut JobState::default(),
        T0.add_millis(10_000),
        Profile::newest(),
        &mut api,
    );
    assert_eq!(
        out.requeue_after_ms,
        Some(20_000),
        "sync again when the deadline passes"
    );
    let mut api = Api::default();
    sync(
        &j,
        &pods,
        &mut JobState::default(),
        T0.add_millis(30_000),
        Profile::new(27),
        &mut api,
    );
    assert_eq!(api.deletes, 2);
    let st = api.statuses.last().unwrap();
    assert_eq!(types(st), vec![pair("Failed", "DeadlineExceeded")]);
    assert_eq!(st.failed, 2, "pods killed by the failure count as failed");
}

#[test]
fn work_queue_job_completes_after_first_success_once_pods_stop() {
    let j = job(3, None, 6);
    let pods = [
        pod("a", PodPhase::Succeeded, Some(T0)),
        pod("b", PodPhase::Running, None),
    ];
    let mut api = Api::default();
    sync(&j, &pods, &mut JobState::default(), T0, Profile::newest(), &mut api);
    assert_eq!(
        (api.creates, api.deletes),
        (0, 0),
        "after a success nothing is created or deleted"
    );
    assert!(finished_condition(&api.statuses.last().unwrap().conditions).is_none());
    let pods = [
        pod("a", PodPhase::Succeeded, Some(T0)),
        pod("b", PodPhase::Succeeded, Some(T0)),
    ];
    let mut api = Api::default();
    sync(&j, &pods, &mut JobState::default(), T0, Profile::newest(), &mut api);
    assert!(is_job_succeeded(&api.statuses.last().unwrap().conditions));
}

#[test]
fn unknown_completion_mode_is_skipped_with_a_warning() {
    let mut j = job(1, Some(1), 6);
    j.spec.completion_mode = Some("Sometimes".into());
    let mut api = Api::default();
    let out = sync(&j, &[], &mut JobState::default(), T0, Profile::newest(), &mut api);
    assert_eq!((api.creates, api.statuses.len()), (0, 0));
    assert_eq!(out.events[0].reason, "UnknownCompletionMode");
}

/// `syncOrphanPod`: a deleting pod whose controller is not a batch/v1 Job (a
/// CronJob, or a Job of another API group) keeps its finalizer; one of a
/// batch/v1 Job that is gone or finished loses it; a running Job keeps it.
#[test]
fn orphan_pods_of_other_controllers_keep_their_finalizer() {
    let mut owner = job(1, Some(1), 6);
    owner.metadata.uid = "job-uid".into();
    let with_owner = |api_version: &str, kind: &str| {
        let mut p = pod("p", PodPhase::Failed, None);
        p.metadata.finalizers = vec![JOB_TRACKING_FINALIZER.into()];
        p.metadata.owner_references.push(OwnerReference {
            api_version: api_version.into(),
            kind: kind.into(),
            name: "pi".into(),
            uid: "job-uid".into(),
            controller: Some(true),
            block_owner_deletion: Some(true),
        });
        p
    };
    let p = Profile::newest();
    assert!(!orphan_pod_finalizer_removable(
        &with_owner("batch/v1", "CronJob"),
        None,
        &p
    ));
    assert!(!orphan_pod_finalizer_removable(
        &with_owner("example.com/v1", "Job"),
        None,
        &p
    ));
    assert!(!orphan_pod_finalizer_removable(
        &with_owner("example.com/v1", "Job"),
        Some(&owner),
        &p
    ));
    assert!(orphan_pod_finalizer_removable(&with_owner("batch/v1", "Job"), None, &p));
    assert!(!orphan_pod_finalizer_removable(
        &with_owner("batch/v1", "Job"),
        Some(&owner),
        &p
    ));
    owner.status.conditions.push(JobCondition {
        type_: COND_COMPLETE.into(),
        status: "True".into(),
        ..Default::default()
    });
    assert!(orphan_pod_finalizer_removable(
        &with_owner("batch/v1", "Job"),
        Some(&owner),
        &p
    ));
}

/// 1.28 waits at least the batch period before a backing-off Job's next
/// sync; 1.27 waits exactly the remaining back-off, however short.
#[test]
fn backoff_requeue_has_a_one_second_floor_from_1_28_only() {
    let j = job(2, Some(4), 6);
    let failed_at = T0.add_millis(5_000);
    let pods = [
        pod("a", PodPhase::Failed, Some(failed_at)),
        pod("b", PodPhase::Running, None),
    ];
    // 9.6 s after the failure: 400 ms of the 10 s back-off remain.
    let now = failed_at.add_millis(9_600);
    let requeue = |profile| {
        let out = sync(&j, &pods, &mut JobState::default(), now, profile, &mut Api::default());
        out.requeue_after_ms
    };
    assert_eq!(requeue(Profile::new(27)), Some(400));
    assert_eq!(requeue(Profile::new(28)), Some(1_000));
    assert_eq!(requeue(Profile::newest()), Some(1_000));
}

/// 1.36's MutableSchedulingDirectivesForSuspendedJobs clears a suspended
/// Job's startTime, so a resume after the old deadline restarts the clock;
/// up to 1.35 the resume sync finds the deadline passed and fails the Job.
#[test]
fn resume_past_the_deadline_fails_up_to_1_35_and_restarts_from_1_36() {
    let mut j = job(1, Some(1), 6);
    j.spec.active_deadline_seconds = Some(60);
    j.status.start_time = Some(T0);
    j.spec.suspend = Some(true);
    let suspend = |profile: Profile| {
        let mut api = Api::default();
        sync(
            &j,
            &[],
            &mut JobState::default(),
            T0.add_millis(10_000),
            profile,
            &mut api,
        );
        api.statuses.last().cloned().expect("a status write")
    };
    assert_eq!(suspend(Profile::new(35)).start_time, Some(T0));
    let cleared = suspend(Profile::new(36));
    assert_eq!(cleared.start_time, None);
    // Resumed at 200 s, past the 60 s deadline of the first start.
    let resume = |profile: Profile, status: JobStatus| {
        let mut r = j.clone();
        r.spec.suspend = Some(false);
        r.status = status;
        let mut api = Api::default();
        sync(
            &r,
            &[],
            &mut JobState::default(),
            T0.add_millis(200_000),
            profile,
            &mut api,
        );
        api.statuses.last().cloned().expect("a status write")
    };
    let old = resume(Profile::new(35), suspend(Profile::new(35)));
    assert!(
        old.conditions
            .iter()
            .any(|c| c.type_ == COND_FAILED || c.type_ == COND_FAILURE_TARGET),
        "{old:?}"
    );
    let new = resume(Profile::new(36), cleared);
    assert_eq!(new.start_time, Some(T0.add_millis(200_000)));
    assert!(new.conditions.iter().all(|c| c.reason != "DeadlineExceeded"), "{new:?}");
}
