//! Controller invariants over random Jobs and random pod behaviour: a tiny
//! closed loop applies every write of a sync (creations, deletions,
//! finalizer removals, status updates) and lets pods move on at random.

use jobsim::api::*;
use jobsim::controller::intervals::OrderedIntervals;
use jobsim::controller::{ApiError, JobClient, JobState, PodCreate, PodLists, Profile, SyncEnv, WalkAll, sync_job};
use proptest::prelude::*;

#[derive(Debug, Default, PartialEq)]
struct Recorder {
    creates: Vec<PodCreate>,
    deletes: Vec<String>,
    finalizer_removals: Vec<String>,
    statuses: Vec<JobStatus>,
    fail_creates_after: Option<usize>,
}

impl JobClient<Pod> for Recorder {
    fn create_pod(&mut self, _job: &Job, req: PodCreate) -> Result<(), ApiError> {
        if self.fail_creates_after.is_some_and(|n| self.creates.len() >= n) {
            return Err(ApiError::Other("quota exceeded".into()));
        }
        self.creates.push(req);
        Ok(())
    }
    fn delete_pod(&mut self, _job: &Job, pod: &Pod) -> Result<(), ApiError> {
        self.deletes.push(pod.metadata.uid.to_string());
        Ok(())
    }
    fn remove_tracking_finalizer(&mut self, pod: &Pod) -> Result<(), ApiError> {
        self.finalizer_removals.push(pod.metadata.uid.to_string());
        Ok(())
    }
    fn update_status(&mut self, _job: &Job, status: JobStatus) -> Result<(), ApiError> {
        self.statuses.push(status);
        Ok(())
    }
}

#[derive(Clone, Debug)]
struct Spec {
    parallelism: i32,
    completions: Option<i32>,
    indexed: bool,
    backoff_limit: i32,
    per_index: Option<i32>,
    suspend_at: Option<usize>,
    resume_at: Option<usize>,
    deadline: Option<i64>,
    policy: bool,
    newest: bool,
    /// The step at which parallelism halves (`kubectl scale`): excess active pods go.
    scale_down_at: Option<usize>,
}

fn spec_strategy() -> impl Strategy<Value = Spec> {
    (
        0..6i32,
        prop::option::of(0..8i32),
        any::<bool>(),
        0..4i32,
        prop::option::of(0..2i32),
        prop::option::of(0..12usize),
        prop::option::of(0..30usize),
        prop::option::of(20..400i64),
        any::<bool>(),
        any::<bool>(),
        prop::option::of(0..20usize),
    )
        .prop_map(
            |(
                parallelism,
                completions,
                indexed,
                backoff_limit,
                per_index,
                suspend_at,
                resume_at,
                deadline,
                policy,
                newest,
                scale_down_at,
            )| {
                let completions = if indexed {
                    Some(completions.unwrap_or(3))
                } else {
                    completions
                };
                Spec {
                    parallelism,
                    completions,
                    indexed,
                    backoff_limit,
                    per_index: per_index.filter(|_| indexed),
                    suspend_at,
                    resume_at,
                    deadline,
                    policy,
                    newest,
                    scale_down_at,
                }
            },
        )
}

fn build_job(s: &Spec) -> Job {
    let mut job = Job::default();
    job.metadata.name = "job".into();
    job.metadata.namespace = "default".into();
    job.metadata.uid = "uid".into();
    job.spec.parallelism = Some(s.parallelism);
    job.spec.completions = s.completions;
    job.spec.completion_mode = Some(if s.indexed { INDEXED } else { NON_INDEXED }.into());
    job.spec.backoff_limit = Some(s.backoff_limit);
    job.spec.backoff_limit_per_index = s.per_index;
    job.spec.active_deadline_seconds = s.deadline;
    job.spec.suspend = Some(false);
    std::sync::Arc::make_mut(&mut job.spec.template.spec).restart_policy = "Never".into();
    if s.policy {
        job.spec.pod_failure_policy = Some(PodFailurePolicy {
            rules: vec![
                PodFailurePolicyRule {
                    action: ACTION_FAIL_JOB.into(),
                    on_exit_codes: Some(PodFailurePolicyOnExitCodesRequirement {
                        container_name: None,
                        operator: "In".into(),
                        values: vec![42],
                    }),
                    ..Default::default()
                },
                PodFailurePolicyRule {
                    action: ACTION_IGNORE.into(),
                    on_exit_codes: Some(PodFailurePolicyOnExitCodesRequirement {
                        container_name: None,
                        operator: "In".into(),
                        values: vec![137],
                    }),
                    ..Default::default()
                },
            ],
        });
    }
    job
}

/// What happens to each live pod between two syncs.
#[derive(Clone, Copy, Debug)]
enum Step {
    Nothing,
    Run,
    Succeed,
    Fail(i32),
    Terminate,
}

fn step_strategy() -> impl Strategy<Value = Step> {
    prop_oneof![3 => Just(Step::Nothing), 3 => Just(Step::Run), 3 => Just(Step::Succeed), 1 => Just(Step::Fail(1)), 1 => Just(Step::Fail(42)), 1 => Just(Step::Fail(137)), 1 => Just(Step::Terminate)]
}

fn terminate(p: &mut Pod, phase: PodPhase, code: i32, now: Time) {
    p.status.phase = phase;
    p.status.container_statuses = vec![ContainerStatus {
        name: "main".into(),
        state: ContainerState {
            terminated: Some(ContainerStateTerminated {
                exit_code: code,
                finished_at: Some(now),
                ..Default::default()
            }),
            ..Default::default()
        },
        ..Default::default()
    }];
}

fn canonical(s: &str) -> bool {
    OrderedIntervals::parse(s, i32::MAX).to_string() == s
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, .. ProptestConfig::default() })]

    #[test]
    fn sync_keeps_the_controller_invariants(spec in spec_strategy(), steps in prop::collection::vec((prop::collection::vec(step_strategy(), 8), 0..40_000i64, prop::option::of(0..3usize)), 1..30)) {
        let profile = if spec.newest { Profile::newest() } else { Profile::new(27) };
        let mut job = build_job(&spec);
        let mut pods: Vec<Pod> = Vec::new();
        let mut state = JobState::default();
        // One set of lists for the whole run, as the simulator keeps it: reuse across syncs.
        let mut lists = PodLists::default();
        let mut now = Time::from_secs(1_700_000_000);
        let mut next_uid = 0;
        let mut was_finished = false;
        for (i, (pod_steps, advance, fail_after)) in steps.iter().enumerate() {
            if spec.suspend_at == Some(i) { job.spec.suspend = Some(true); }
            if spec.resume_at == Some(i) { job.spec.suspend = Some(false); }
            if spec.scale_down_at == Some(i) { job.spec.parallelism = Some(spec.parallelism / 2); }
            let parallelism = job.spec.parallelism.unwrap_or(1);
            // Pods move on.
            for (p, st) in pods.iter_mut().zip(pod_steps.iter().cycle()) {
                if p.status.phase.is_terminal() { continue; }
                match *st {
                    Step::Nothing => {}
                    Step::Run => p.status.phase = PodPhase::Running,
                    Step::Succeed => terminate(p, PodPhase::Succeeded, 0, now),
                    Step::Fail(code) => terminate(p, PodPhase::Failed, code, now),
                    Step::Terminate => if p.metadata.deletion_timestamp.is_some() { terminate(p, PodPhase::Failed, 143, now) },
                }
            }
            pods.retain(|p| !(p.metadata.deletion_timestamp.is_some() && p.status.phase.is_terminal() && !p.has_tracking_finalizer()));

            let before = job.clone();
            let active_before = pods.iter().filter(|p| p.is_active()).count() as i32;
            let terminating_before = pods.iter().filter(|p| p.is_terminating()).count() as i32;
            let refs: Vec<&Pod> = pods.iter().collect();
            let mut rec = Recorder { fail_creates_after: *fail_after, ..Default::default() };
            let env = SyncEnv { now, profile };
            let (mut state_all, mut rec_all) = (state.clone(), Recorder { fail_creates_after: *fail_after, ..Default::default() });
            let outcome = sync_job(&job, &refs[..], &mut state, &env, &mut rec, &mut lists);
            // Reading only the inactive pods and the active ones' counts decides
            // exactly as walking every pod.
            let outcome_all = sync_job(&job, &WalkAll(&refs), &mut state_all, &env, &mut rec_all, &mut lists);
            prop_assert_eq!(&outcome, &outcome_all);
            prop_assert_eq!(&rec, &rec_all);
            prop_assert_eq!(&state, &state_all);

            // Never more pods than parallelism allows.
            let replace_budget = parallelism - active_before - if spec.policy && spec.newest { terminating_before } else { 0 };
            prop_assert!(rec.creates.len() as i32 <= replace_budget.max(0), "created {} with {} active, parallelism {}", rec.creates.len(), active_before, parallelism);
            // Never creates and deletes in one sync.
            prop_assert!(rec.creates.is_empty() || rec.deletes.is_empty(), "created {} and deleted {}", rec.creates.len(), rec.deletes.len());
            // Never creates for a finished or suspended Job.
            if before.is_finished() || before.is_suspended() {
                prop_assert!(rec.creates.is_empty());
            }
            // A finished Job stays finished and is left alone.
            if was_finished {
                prop_assert!(rec.statuses.is_empty() && rec.creates.is_empty() && rec.deletes.is_empty());
            }
            for st in &rec.statuses {
                // Counters never decrease.
                prop_assert!(st.succeeded >= job.status.succeeded && st.failed >= job.status.failed, "counters went down: {:?} -> {:?}", (job.status.succeeded, job.status.failed), (st.succeeded, st.failed));
                prop_assert!(canonical(&st.completed_indexes), "completedIndexes {:?} not canonical", st.completed_indexes);
                if let Some(f) = &st.failed_indexes { prop_assert!(canonical(f), "failedIndexes {f:?} not canonical"); }
                if job.is_finished() { prop_assert!(finished_condition(&st.conditions).is_some(), "finished job lost its terminal condition"); }
                job.status = st.clone();
            }
            was_finished = job.is_finished();
            if spec.indexed {
                let completions = spec.completions.unwrap_or(0);
                prop_assert!(job.status.succeeded as i64 == OrderedIntervals::parse(&job.status.completed_indexes, completions).total());
            }

            // Apply the other writes, as an instant informer would show them.
            for uid in &rec.finalizer_removals {
                let uid = Uid::from(uid.as_str());
                if let Some(p) = pods.iter_mut().find(|p| p.metadata.uid == uid) { p.metadata.finalizers.clear(); }
                state.finalizer_removal_observed(&uid);
            }
            for uid in &rec.deletes {
                if let Some(p) = pods.iter_mut().find(|p| p.metadata.uid == **uid && p.metadata.deletion_timestamp.is_none()) {
                    p.metadata.deletion_timestamp = Some(now.add_millis(30_000));
                    p.metadata.deletion_grace_period_seconds = Some(30);
                }
                state.deletion_observed();
            }
            for c in &rec.creates {
                let mut p = Pod::default();
                p.metadata.uid = format!("p{next_uid}").into();
                p.metadata.name = format!("{}{next_uid}", c.generate_name(&job.metadata.name));
                p.metadata.namespace = "default".into();
                next_uid += 1;
                p.metadata.creation_timestamp = Some(now);
                p.metadata.finalizers.push(JOB_TRACKING_FINALIZER.into());
                if let Some(ix) = c.index { p.metadata.annotations.insert(JOB_COMPLETION_INDEX_ANNOTATION.into(), ix.to_string()); }
                if let Some(n) = c.index_failure_count { p.metadata.annotations.insert(JOB_INDEX_FAILURE_COUNT_ANNOTATION.into(), n.to_string()); }
                if let Some(n) = c.index_ignored_failure_count { p.metadata.annotations.insert(JOB_INDEX_IGNORED_FAILURE_COUNT_ANNOTATION.into(), n.to_string()); }
                p.status.phase = PodPhase::Pending;
                pods.push(p);
                state.creation_observed();
            }
            // Every index is created at most once among live, non-failed pods.
            if spec.indexed {
                let mut seen = std::collections::BTreeSet::new();
                for p in pods.iter().filter(|p| p.is_active()) {
                    if let Some(ix) = p.completion_index() { prop_assert!(seen.insert(ix), "two active pods for index {ix}"); }
                }
            }
            now = now.add_millis(*advance);
        }
    }
}
