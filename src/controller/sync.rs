//! `syncJob` and `manageJob`: one reconciliation of one Job, step for step as
//! in `pkg/controller/job/job_controller.go`.

use super::backoff::{BackoffRecord, POD_FAILURE_BACKOFF_BASE_MS, finished_time, remaining_per_index};
use super::causes::{Causes, Deleting, Finish, FinishRule, PolicyHit, Wait};
use super::client::{ApiError, JobClient, PodCreate};
use super::conditions::ensure_job_condition_status;
use super::failure_policy::match_pod_failure_policy;
use super::gates::Profile;
use super::indexes::{
    append_duplicated_index_pods_for_removal, calculate_failed_indexes, calculate_succeeded_indexes,
    first_pending_indexes, new_index_failure_counts, pods_with_delayed_deletion_per_index,
};
use super::intervals::OrderedIntervals;
use super::job_pods::{ActiveCounts, JobPods};
use super::pod_lists::PodLists;
use super::pods::{is_pod_failed, only_replace_failed_pods, sort_active_pods, track_terminating_pods};
use super::state::{JobState, UidSet};
use super::sync_error::{SyncError, TrackError};
use crate::api::*;
use std::collections::BTreeMap;

/// `MaxUncountedPods`: terminated pods newly tracked per sync.
pub const MAX_UNCOUNTED_PODS: usize = 500;
/// `MaxPodCreateDeletePerSync`.
pub const MAX_POD_CREATE_DELETE_PER_SYNC: i32 = 500;
/// `syncJobBatchPeriod`: the floor of backoff-driven requeues.
pub const SYNC_JOB_BATCH_PERIOD_MS: i64 = 1000;
/// `controller.SlowStartInitialBatchSize`.
const SLOW_START_INITIAL_BATCH_SIZE: i32 = 1;

/// An event the controller records on the Job (`recorder.Event`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JobEvent {
    pub warning: bool,
    pub reason: String,
    pub message: String,
}

/// What a sync decided besides its API calls.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SyncOutcome {
    /// The sync failed: the key goes back with the per-key error backoff.
    pub error: Option<SyncError>,
    /// Sync again after this many milliseconds (earliest request wins).
    pub requeue_after_ms: Option<i64>,
    pub events: Vec<JobEvent>,
    /// Why it did what it did, when it decided something worth saying
    /// (`jobsim explain`); boxed, as most syncs decide nothing of the kind.
    pub causes: Option<Box<Causes>>,
}

impl SyncOutcome {
    fn requeue(&mut self, ms: i64) {
        let ms = ms.max(0);
        self.requeue_after_ms = Some(self.requeue_after_ms.map_or(ms, |m| m.min(ms)));
    }
    /// The causes, made when the sync first records one.
    #[cold]
    fn causes(&mut self) -> &mut Causes {
        self.causes.get_or_insert_with(Default::default)
    }
    #[cold]
    fn event(&mut self, warning: bool, reason: &str, message: &str) {
        self.events.push(JobEvent {
            warning,
            reason: reason.to_string(),
            message: message.to_string(),
        });
    }
}

/// The clock and behaviour profile a sync runs with.
#[derive(Clone, Copy, Debug)]
pub struct SyncEnv {
    pub now: Time,
    pub profile: Profile,
}

/// The UIDs of one `uncountedTerminatedPods` list, as a set: sorted and
/// without duplicates. The lists are short and usually empty, so a sorted
/// vector (no allocation when empty) beats a B-tree.
#[derive(Default)]
struct UidRefs<'a>(Vec<&'a Uid>);

impl<'a> UidRefs<'a> {
    fn new(uids: &'a [Uid]) -> Self {
        let mut v: Vec<&Uid> = uids.iter().collect();
        v.sort_unstable();
        v.dedup();
        UidRefs(v)
    }

    fn contains(&self, uid: &Uid) -> bool {
        self.0.binary_search(&uid).is_ok()
    }

    fn len(&self) -> usize {
        self.0.len()
    }
}

/// `syncJobCtx`.
struct Ctx<'a, P: 'static> {
    /// The Job as the informer cache holds it; never modified.
    job: &'a Job,
    /// The status being built by this sync.
    status: JobStatus,
    /// Every pod when `all_pods`; else only the inactive ones (terminal or
    /// being deleted), which are all that most syncs look at.
    pods: Vec<&'a P>,
    all_pods: bool,
    /// The active pods, listed only when `all_pods`.
    active_pods: Vec<&'a P>,
    /// How many pods are active (`active_pods.len()` when they are listed).
    active: i32,
    succeeded: i32,
    failed: i32,
    ready: i32,
    terminating: Option<i32>,
    /// UIDs in `uncountedTerminatedPods` at the start of the sync.
    uncounted_succeeded: UidRefs<'a>,
    uncounted_failed: UidRefs<'a>,
    expected_rm_finalizers: UidSet,
    new_backoff: BackoffRecord,
    finished_condition: Option<JobCondition>,
    /// The rule that decided `finished_condition` (for [`Causes::finish`]).
    finish_rule: Option<FinishRule>,
    prev_succeeded_indexes: OrderedIntervals,
    succeeded_indexes: OrderedIntervals,
    failed_indexes: Option<OrderedIntervals>,
    pods_with_delayed_deletion: BTreeMap<i32, &'a P>,
}

impl<'a, P: PodView> Ctx<'a, P> {
    /// The context of a sync over `source`'s pods: all of them when
    /// `all_pods`, else the inactive ones and the active pods' counts.
    fn new<S: JobPods<'a, P> + ?Sized>(
        job: &'a Job,
        source: &S,
        all_pods: bool,
        state: &JobState,
        profile: &Profile,
        lists: &mut PodLists<P>,
    ) -> Self {
        let uncounted = job.status.uncounted_terminated_pods.as_ref();
        // Usually both lists are empty: no set to build.
        let uids = |f: fn(&'a UncountedTerminatedPods) -> &'a Vec<Uid>| {
            uncounted
                .map(f)
                .filter(|l| !l.is_empty())
                .map(|l| UidRefs::new(l))
                .unwrap_or_default()
        };
        let mut pods: Vec<&P> = lists.take();
        let mut active_pods: Vec<&P> = lists.take();
        let counts = if all_pods {
            source.all(&mut pods);
            active_pods.extend(pods.iter().copied().filter(|p| p.is_active()));
            ActiveCounts::of(&active_pods)
        } else {
            source.inactive(&mut pods);
            source.active_counts()
        };
        Ctx {
            ready: counts.ready,
            // Terminating pods are inactive: both kinds of list hold them all.
            terminating: track_terminating_pods(job, profile)
                .then(|| pods.iter().filter(|p| p.is_terminating()).count() as i32),
            all_pods,
            active_pods,
            active: counts.active,
            succeeded: 0,
            failed: 0,
            uncounted_succeeded: uids(|u| &u.succeeded),
            uncounted_failed: uids(|u| &u.failed),
            expected_rm_finalizers: state.finalizer_removals.clone(),
            new_backoff: BackoffRecord::default(),
            finished_condition: None,
            finish_rule: None,
            prev_succeeded_indexes: OrderedIntervals::new(),
            succeeded_indexes: OrderedIntervals::new(),
            failed_indexes: None,
            pods_with_delayed_deletion: BTreeMap::new(),
            job,
            // Copied straight into place (the caller sets `uncountedTerminatedPods`):
            // a copy moved in afterwards cost about 30 instructions more a sync.
            status: job.status.clone(),
            pods,
        }
    }

    /// Lists every pod, for the paths that walk the active ones too.
    fn list_all_pods<S: JobPods<'a, P> + ?Sized>(&mut self, source: &S) {
        if self.all_pods {
            return;
        }
        self.all_pods = true;
        self.pods.clear();
        source.all(&mut self.pods);
        self.active_pods
            .extend(self.pods.iter().copied().filter(|p| p.is_active()));
        debug_assert_eq!(
            self.active_pods.len() as i32,
            self.active,
            "the source's active count disagrees with its pods"
        );
    }
}

/// Whether a sync of `job` walks every pod from the start: Indexed Jobs (the
/// indexes are computed from all pods), `OnFailure` (the restarts of running
/// pods count towards the backoff limit), suspension (every active pod is
/// deleted) and a Job being deleted (every pod's finalizer goes).
pub fn walks_all_pods(job: &Job) -> bool {
    job.is_indexed()
        || job.spec.template.spec.restart_policy == "OnFailure"
        || job.is_suspended()
        || job.metadata.deletion_timestamp.is_some()
}

/// `hasBackoffLimitPerIndex`.
pub fn has_backoff_limit_per_index(job: &Job, profile: &Profile) -> bool {
    profile.gates.job_backoff_limit_per_index && job.spec.backoff_limit_per_index.is_some()
}

/// `managedByExternalController`.
pub fn managed_by_external_controller(job: &Job, profile: &Profile) -> bool {
    profile.gates.job_managed_by && job.spec.managed_by.as_deref().is_some_and(|m| m != JOB_CONTROLLER_NAME)
}

/// `syncJob` for a Job from the informer cache and the pods it owns. Writes
/// go through `client`; controller memory is `state`. The sync's pod lists
/// come from `lists`, and go back there when it ends.
pub fn sync_job<'a, P: PodView, S: JobPods<'a, P> + ?Sized>(
    cached: &'a Job,
    pods: &S,
    state: &mut JobState,
    env: &SyncEnv,
    client: &mut dyn JobClient<P>,
    lists: &mut PodLists<P>,
) -> SyncOutcome {
    let mut out = SyncOutcome::default();
    let (now, profile) = (env.now, &env.profile);
    if managed_by_external_controller(cached, profile) {
        return out;
    }
    if cached.is_finished() {
        state.backoff = None;
        return out;
    }
    if let Some(mode) = &cached.spec.completion_mode
        && mode != NON_INDEXED
        && mode != INDEXED
    {
        out.event(
            true,
            "UnknownCompletionMode",
            "Skipped Job sync because completion mode is unknown",
        );
        return out;
    }
    let original_failed = cached.status.failed;
    // Read expectations before listing pods, as the real controller does.
    let satisfied = state.expectations_satisfied(now);
    if !satisfied && let Some(e) = state.expectations {
        out.causes().wait = Some(Wait::Expectations { add: e.add, del: e.del });
    }
    let walk_all = pods.walks_all() || walks_all_pods(cached);
    let mut ctx = Ctx::new(cached, pods, walk_all, state, profile, lists);
    ctx.status
        .uncounted_terminated_pods
        .get_or_insert_with(Default::default);
    let mut active = ctx.active;
    let (new_succeeded, new_failed) = new_finished_pods(&ctx, profile, lists);
    let pfp = ctx.job.spec.pod_failure_policy.clone();
    let counts = |p: &&&P| pfp.is_none() || match_pod_failure_policy(pfp.as_ref(), **p, profile).count_failed;
    let non_ignored_failed = new_failed.iter().filter(|p| counts(p)).count() as i32;
    ctx.succeeded = ctx.status.succeeded + new_succeeded.len() as i32 + ctx.uncounted_succeeded.len() as i32;
    ctx.failed = ctx.status.failed + non_ignored_failed + ctx.uncounted_failed.len() as i32;

    if ctx.status.start_time.is_none() && !ctx.job.is_suspended() {
        ctx.status.start_time = Some(now);
    }

    let finish = |p: &&P| finished_time(*p, profile, now);
    let feeds_backoff = |p: &&&P| profile.ignored_failures_feed_backoff() || counts(p);
    ctx.new_backoff = BackoffRecord::next_of(
        state.backoff,
        new_succeeded.iter().map(finish),
        new_failed.iter().filter(feeds_backoff).map(finish),
    );

    let backoff_limit = ctx.job.spec.backoff_limit.unwrap_or(6);
    let parallelism = ctx.job.spec.parallelism.unwrap_or(1);
    let exceeds_backoff_limit = if profile.legacy_backoff_limit_check() {
        ctx.failed > ctx.status.failed && active != parallelism && ctx.failed > backoff_limit
    } else {
        ctx.failed > backoff_limit
    };

    ctx.finished_condition = success_criteria_met_condition(&ctx.status.conditions, profile).cloned();
    if ctx.finished_condition.is_some() {
        ctx.finish_rule = Some(FinishRule::Carried);
    } else {
        if let Some(ft) = ctx.job.find_condition(COND_FAILURE_TARGET).filter(|c| c.is_true()) {
            ctx.finished_condition = Some(JobCondition::new(
                COND_FAILED,
                "True",
                ft.reason.clone(),
                ft.message.clone(),
                now,
            ));
            ctx.finish_rule = Some(FinishRule::Carried);
        } else if let Some((msg, index, pod)) = fail_job_message(ctx.job, &ctx.pods, profile) {
            ctx.finished_condition = Some(JobCondition::new(
                COND_FAILURE_TARGET,
                "True",
                REASON_POD_FAILURE_POLICY,
                msg,
                now,
            ));
            ctx.finish_rule = Some(FinishRule::PodFailurePolicy { index, pod });
        }
    }
    if ctx.finished_condition.is_none() {
        if exceeds_backoff_limit || past_backoff_limit_on_failure(ctx.job, &ctx.pods) {
            ctx.finished_condition = Some(failure_condition(
                REASON_BACKOFF_LIMIT_EXCEEDED,
                "Job has reached the specified backoff limit",
                env,
            ));
            ctx.finish_rule = Some(if exceeds_backoff_limit {
                FinishRule::BackoffLimit {
                    failed: ctx.failed,
                    limit: backoff_limit,
                }
            } else {
                FinishRule::RestartLimit {
                    restarts: restarts_on_failure(&ctx.pods),
                    limit: backoff_limit,
                }
            });
        } else if past_active_deadline(ctx.job, ctx.status.start_time, now) {
            ctx.finished_condition = Some(failure_condition(
                REASON_DEADLINE_EXCEEDED,
                "Job was active longer than specified deadline",
                env,
            ));
            ctx.finish_rule = Some(FinishRule::ActiveDeadline {
                seconds: ctx.job.spec.active_deadline_seconds.unwrap_or(0),
            });
        } else if let (Some(ads), Some(start)) = (ctx.job.spec.active_deadline_seconds, ctx.status.start_time)
            && !ctx.job.is_suspended()
        {
            out.requeue(ads * 1000 - (now.millis() - start.millis()));
        }
    }

    if ctx.job.is_indexed() {
        sync_indexes(&mut ctx, env);
    }
    if let (Some(fc), Some(rule)) = (&ctx.finished_condition, ctx.finish_rule.take()) {
        out.causes().finish = Some(finish_cause(fc, rule));
    }

    let mut suspend_cond_changed = false;
    let mut manage_err: Option<SyncError> = None;
    if ctx.finished_condition.is_some() {
        ctx.list_all_pods(pods);
        if !ctx.active_pods.is_empty() {
            out.causes().deleting = Some(Deleting::JobFinishing);
        }
        let (deleted_ready, deleted, err) = delete_active_pods(ctx.job, &ctx.active_pods, client);
        if deleted != active || !satisfied {
            // Pods or finalizers may still be on their way: finish in a later sync.
            ctx.finished_condition = None;
        }
        active -= deleted;
        if let Some(t) = &mut ctx.terminating {
            *t += deleted;
        }
        ctx.ready -= deleted_ready;
        manage_err = err;
    } else {
        let mut manage_job_called = false;
        if satisfied && ctx.job.metadata.deletion_timestamp.is_none() {
            let (a, err) = manage_job(&mut ctx, pods, state, env, client, &mut out);
            active = a;
            manage_err = err;
            manage_job_called = true;
        }
        let complete = match ctx.job.spec.completions {
            None => ctx.succeeded > 0 && active == 0,
            Some(c) => ctx.succeeded >= c && active == 0,
        };
        if complete {
            let fc = success_condition(env);
            out.causes().finish = Some(finish_cause(
                &fc,
                FinishRule::Completions {
                    succeeded: ctx.succeeded,
                    completions: ctx.job.spec.completions,
                },
            ));
            ctx.finished_condition = Some(fc);
        } else if manage_job_called {
            let conditions = &mut ctx.status.conditions;
            if ctx.job.spec.suspend == Some(true) {
                if ensure_job_condition_status(conditions, COND_SUSPENDED, "True", "JobSuspended", "Job suspended", now)
                {
                    suspend_cond_changed = true;
                    out.event(false, "Suspended", "Job suspended");
                }
                // MutableSchedulingDirectivesForSuspendedJobs (1.36): a suspended
                // Job has no startTime, so its deadline restarts at resume.
                if profile.gates.mutable_scheduling_directives_for_suspended_jobs && ctx.status.start_time.is_some() {
                    ctx.status.start_time = None;
                    suspend_cond_changed = true;
                }
            } else if ensure_job_condition_status(conditions, COND_SUSPENDED, "False", "JobResumed", "Job resumed", now)
            {
                suspend_cond_changed = true;
                out.event(false, "Resumed", "Job resumed");
                // The active deadline measures continuous time since the last resume.
                ctx.status.start_time = Some(now);
            }
        }
    }

    let terminating = if profile.gates.job_pod_replacement_policy {
        ctx.terminating
    } else {
        None
    };
    let needs_status_update = suspend_cond_changed
        || active != ctx.status.active
        || ctx.status.ready != Some(ctx.ready)
        || ctx.status.terminating != terminating;
    ctx.status.active = active;
    ctx.status.ready = Some(ctx.ready);
    ctx.status.terminating = terminating;
    if ctx.finished_condition.is_some() {
        // A finishing Job frees every pod's finalizer, the active ones' too.
        // The failure paths listed them to delete them; one finished by its
        // completions has no active pod, so its inactive pods are all of them
        // and this walk, once per Job, only spares the loop that argument.
        ctx.list_all_pods(pods);
    }
    let tracked =
        track_job_status_and_remove_finalizers(&mut ctx, state, env, client, needs_status_update, &mut out, lists);
    for list in [new_succeeded, new_failed, ctx.active_pods, ctx.pods] {
        lists.give(list);
    }
    let status_finished = match tracked {
        Ok(finished) => finished,
        Err(e) => {
            out.error = Some(SyncError::Tracking(e));
            return out;
        }
    };
    if profile.error_on_new_failures() && ctx.failed > original_failed && !status_finished && manage_err.is_none() {
        out.error = Some(SyncError::NewFailures(cached.key()));
    }
    if manage_err.is_some() {
        out.error = manage_err;
    }
    out
}

/// `syncJob` for a Job whose previous sync settled it (decided nothing,
/// wrote only its status, pod creations and finalizer removals, all landed
/// and observed), when the only input changed since is how many of its
/// active pods are ready (world/quiet.rs says when that holds): the sync
/// decides what that one did, and `needsStatusUpdate` flushes the status
/// with the new `ready` (`uncountedTerminatedPods` empty, as the previous
/// sync left it), recording the back-off record of no newly finished pod.
pub fn sync_ready_changed<P>(
    job: &Job,
    ready: i32,
    state: &mut JobState,
    client: &mut dyn JobClient<P>,
) -> SyncOutcome {
    let mut out = SyncOutcome::default();
    let mut status = job.status.clone();
    status.uncounted_terminated_pods.get_or_insert_with(Default::default);
    status.ready = Some(ready);
    match client.update_status(job, status) {
        Ok(()) => state.backoff = Some(BackoffRecord::next(state.backoff, &[], &[])),
        Err(e) => out.error = Some(SyncError::Tracking(TrackError::AddingUncounted(e))),
    }
    out
}

/// The indexed part of `syncJob`: succeeded and failed indexes, and the
/// terminal conditions they lead to. Out of line, so that the sync of a Job
/// without indexes runs through less code.
#[inline(never)]
fn sync_indexes<P: PodView>(ctx: &mut Ctx<'_, P>, env: &SyncEnv) {
    let (now, profile) = (env.now, &env.profile);
    let (prev, all) = calculate_succeeded_indexes(ctx.job, &ctx.pods);
    ctx.prev_succeeded_indexes = prev;
    ctx.succeeded_indexes = all;
    ctx.succeeded = ctx.succeeded_indexes.total() as i32;
    if has_backoff_limit_per_index(ctx.job, profile) {
        let failed_indexes = calculate_failed_indexes(ctx.job, &ctx.pods, profile);
        if ctx.finished_condition.is_none() {
            let completions = ctx.job.spec.completions.unwrap_or(0) as i64;
            if ctx
                .job
                .spec
                .max_failed_indexes
                .is_some_and(|m| failed_indexes.total() > m as i64)
            {
                ctx.finished_condition = Some(failure_condition(
                    REASON_MAX_FAILED_INDEXES_EXCEEDED,
                    "Job has exceeded the specified maximal number of failed indexes",
                    env,
                ));
                ctx.finish_rule = Some(FinishRule::MaxFailedIndexes {
                    failed: failed_indexes.total(),
                    max: ctx.job.spec.max_failed_indexes.unwrap_or(0),
                });
            } else if failed_indexes.total() > 0
                && failed_indexes.total() + ctx.succeeded_indexes.total() >= completions
            {
                ctx.finished_condition = Some(failure_condition(REASON_FAILED_INDEXES, "Job has failed indexes", env));
                ctx.finish_rule = Some(FinishRule::FailedIndexes {
                    failed: failed_indexes.total(),
                });
            }
        }
        ctx.pods_with_delayed_deletion = pods_with_delayed_deletion_per_index(
            ctx.job,
            profile,
            now,
            &ctx.pods,
            &ctx.active_pods,
            &ctx.succeeded_indexes,
            &failed_indexes,
            &ctx.expected_rm_finalizers,
        );
        ctx.failed_indexes = Some(failed_indexes);
    }
    if ctx.finished_condition.is_none()
        && let Some(msg) = super::success_policy::match_success_policy(
            ctx.job.spec.success_policy.as_ref(),
            ctx.job.spec.completions.unwrap_or(0),
            &ctx.succeeded_indexes,
            profile,
        )
    {
        ctx.finish_rule = Some(FinishRule::SuccessPolicy {
            // "Matched rules at index N"
            index: msg.rsplit(' ').next().and_then(|n| n.parse().ok()).unwrap_or(0),
        });
        ctx.finished_condition = Some(JobCondition::new(
            COND_SUCCESS_CRITERIA_MET,
            "True",
            REASON_SUCCESS_POLICY,
            msg,
            now,
        ));
    }
}

/// `hasSuccessCriteriaMetCondition`.
fn success_criteria_met_condition<'j>(conditions: &'j [JobCondition], profile: &Profile) -> Option<&'j JobCondition> {
    if profile.gates.job_success_policy || profile.delay_terminal_condition() {
        return conditions
            .iter()
            .find(|c| c.type_ == COND_SUCCESS_CRITERIA_MET && c.is_true());
    }
    None
}

/// `isSuccessCriteriaMetCondition`.
fn is_success_criteria_met(cond: Option<&JobCondition>, profile: &Profile) -> bool {
    (profile.gates.job_success_policy || profile.delay_terminal_condition())
        && cond.is_some_and(|c| c.type_ == COND_SUCCESS_CRITERIA_MET && c.is_true())
}

/// `newFailureCondition`: `FailureTarget` while terminal conditions are delayed, else `Failed`.
#[cold]
fn failure_condition(reason: &'static str, message: &'static str, env: &SyncEnv) -> JobCondition {
    let t = if env.profile.delay_terminal_condition() {
        COND_FAILURE_TARGET
    } else {
        COND_FAILED
    };
    JobCondition::new(t, "True", reason, message, env.now)
}

/// `newSuccessCondition`.
#[cold]
fn success_condition(env: &SyncEnv) -> JobCondition {
    let t = if env.profile.delay_terminal_condition() {
        COND_SUCCESS_CRITERIA_MET
    } else {
        COND_COMPLETE
    };
    let (reason, message) = if env.profile.gates.job_success_policy {
        (REASON_COMPLETIONS_REACHED, "Reached expected number of succeeded pods")
    } else {
        ("", "")
    };
    JobCondition::new(t, "True", reason, message, env.now)
}

/// `getFailJobMessage`: the first considered-failed pod (in list order) that
/// matches a `FailJob` rule; with the rule's index and the pod's name.
fn fail_job_message<P: PodView>(job: &Job, pods: &[&P], profile: &Profile) -> Option<(String, u32, String)> {
    let policy = job.spec.pod_failure_policy.as_ref()?;
    pods.iter().filter(|p| is_pod_failed(**p, job, profile)).find_map(|p| {
        let m = match_pod_failure_policy(Some(policy), *p, profile);
        Some((m.fail_job_message?, m.rule_index? as u32, p.name().to_string()))
    })
}

/// The decided condition and its rule, for [`Causes::finish`].
#[cold]
fn finish_cause(fc: &JobCondition, rule: FinishRule) -> Finish {
    Finish {
        condition: fc.type_.to_string(),
        reason: fc.reason.to_string(),
        rule,
    }
}

/// The container restarts `pastBackoffLimitOnFailure` sums.
#[cold]
fn restarts_on_failure<P: PodView>(pods: &[&P]) -> i64 {
    pods.iter()
        .filter(|p| matches!(p.phase(), PodPhase::Running | PodPhase::Pending))
        .flat_map(|p| p.init_container_statuses().iter().chain(p.container_statuses()))
        .map(|c| c.restart_count as i64)
        .sum()
}

/// `pastBackoffLimitOnFailure`: container restarts of pending and running pods.
fn past_backoff_limit_on_failure<P: PodView>(job: &Job, pods: &[&P]) -> bool {
    if job.spec.template.spec.restart_policy != "OnFailure" {
        return false;
    }
    let restarts: i64 = pods
        .iter()
        .filter(|p| matches!(p.phase(), PodPhase::Running | PodPhase::Pending))
        .flat_map(|p| p.init_container_statuses().iter().chain(p.container_statuses()))
        .map(|c| c.restart_count as i64)
        .sum();
    let limit = job.spec.backoff_limit.unwrap_or(6) as i64;
    if limit == 0 { restarts > 0 } else { restarts >= limit }
}

/// `pastActiveDeadline`.
fn past_active_deadline(job: &Job, start_time: Option<Time>, now: Time) -> bool {
    match (job.spec.active_deadline_seconds, start_time) {
        (Some(ads), Some(start)) if !job.is_suspended() => now.millis() - start.millis() >= ads * 1000,
        _ => false,
    }
}

/// `getNewFinishedPods` (via `getValidPodsWithFilter`).
fn new_finished_pods<'a, P: PodView>(
    ctx: &Ctx<'a, P>,
    profile: &Profile,
    lists: &mut PodLists<P>,
) -> (Vec<&'a P>, Vec<&'a P>) {
    let completions = ctx.job.spec.completions.unwrap_or(0);
    let valid = |p: &&&'a P, uncounted: &UidRefs| {
        p.has_tracking_finalizer()
            && !uncounted.contains(p.uid())
            && !ctx.expected_rm_finalizers.contains(p.uid())
            && (!ctx.job.is_indexed() || p.completion_index().is_some_and(|ix| ix < completions))
    };
    // The phase first: it is the cheap test, and most pods are still running.
    let mut succeeded = lists.take();
    succeeded.extend(
        ctx.pods
            .iter()
            .filter(|p| p.phase() == PodPhase::Succeeded && valid(p, &ctx.uncounted_succeeded)),
    );
    let mut failed = lists.take();
    failed.extend(
        ctx.pods
            .iter()
            .filter(|p| is_pod_failed(**p, ctx.job, profile) && valid(p, &ctx.uncounted_failed)),
    );
    (succeeded, failed)
}

/// `deleteActivePods`: DELETE every active pod, keeping finalizers. Returns
/// (deleted ready pods, deleted pods, first error).
#[cold]
fn delete_active_pods<P: PodView>(
    job: &Job,
    pods: &[&P],
    client: &mut dyn JobClient<P>,
) -> (i32, i32, Option<SyncError>) {
    let (mut deleted_ready, mut deleted, mut err) = (0, pods.len() as i32, None);
    for p in pods {
        if let Err(e) = client.delete_pod(job, p)
            && e != ApiError::NotFound
        {
            deleted -= 1;
            err.get_or_insert(SyncError::Api(e));
        }
        if p.is_ready() {
            deleted_ready += 1;
        }
    }
    (deleted_ready, deleted, err)
}

/// `deleteJobPods`: remove the tracking finalizer, then DELETE, so the pods
/// are never counted. Returns (removed ready pods, removed pods, first error).
#[cold]
fn delete_job_pods<P: PodView>(
    job: &Job,
    pods: &[&P],
    state: &mut JobState,
    client: &mut dyn JobClient<P>,
) -> (i32, i32, Option<SyncError>) {
    let (mut removed_ready, mut removed, mut err) = (0, pods.len() as i32, None::<SyncError>);
    for p in pods {
        let mut fail = |e: ApiError, wrap: fn(ApiError) -> SyncError, state: &mut JobState| {
            state.deletion_observed();
            if e != ApiError::NotFound {
                removed -= 1;
                err.get_or_insert(wrap(e));
            }
        };
        if p.has_tracking_finalizer()
            && let Err(e) = client.remove_tracking_finalizer(p)
        {
            fail(e, SyncError::RemovingFinalizer, state);
            continue;
        }
        if let Err(e) = client.delete_pod(job, p) {
            fail(e, SyncError::Api, state);
        }
        if p.is_ready() {
            removed_ready += 1;
        }
    }
    (removed_ready, removed, err)
}

/// `activePodsForRemoval`. Inline for its common case, nothing to remove
/// from a Job without indexes; the search is out of line.
#[inline]
fn active_pods_for_removal<'a, P: PodView>(job: &Job, pods: &[&'a P], rm_at_least: usize) -> Vec<&'a P> {
    if rm_at_least == 0 && !job.is_indexed() {
        return Vec::new();
    }
    pods_for_removal(job, pods, rm_at_least)
}

#[inline(never)]
fn pods_for_removal<'a, P: PodView>(job: &Job, pods: &[&'a P], rm_at_least: usize) -> Vec<&'a P> {
    let (mut rm, mut left): (Vec<&P>, Vec<&P>) = (Vec::new(), Vec::new());
    if job.is_indexed() {
        append_duplicated_index_pods_for_removal(&mut rm, &mut left, pods, job.spec.completions.unwrap_or(0));
    } else {
        left = pods.to_vec();
    }
    if rm.len() < rm_at_least {
        sort_active_pods(&mut left);
        let take = (rm_at_least - rm.len()).min(left.len());
        rm.extend_from_slice(&left[..take]);
    }
    rm
}

/// `manageJob`: create or delete pods towards the wanted number of active
/// pods. Returns the new `active` and the first error.
fn manage_job<'a, P: PodView, S: JobPods<'a, P> + ?Sized>(
    ctx: &mut Ctx<'a, P>,
    pods: &S,
    state: &mut JobState,
    env: &SyncEnv,
    client: &mut dyn JobClient<P>,
    out: &mut SyncOutcome,
) -> (i32, Option<SyncError>) {
    let (now, profile) = (env.now, &env.profile);
    let mut active = ctx.active;
    let parallelism = ctx.job.spec.parallelism.unwrap_or(1);
    let job = ctx.job;

    if job.is_suspended() {
        let to_delete = active_pods_for_removal(job, &ctx.active_pods, active as usize);
        if !to_delete.is_empty() {
            out.causes().deleting = Some(Deleting::Suspended);
        }
        state.expect_deletions(to_delete.len() as i64, now);
        let (removed_ready, removed, err) = delete_job_pods(job, &to_delete, state, client);
        active -= removed;
        if let Some(t) = &mut ctx.terminating {
            *t += removed;
        }
        ctx.ready -= removed_ready;
        return (active, err);
    }

    let want_active = match job.spec.completions {
        None if ctx.succeeded > 0 => active,
        None => parallelism,
        Some(c) => (c - ctx.succeeded).clamp(0, parallelism.max(0)),
    };

    let rm_at_least = (active - want_active).max(0) as usize;
    if rm_at_least > 0 {
        ctx.list_all_pods(pods);
    }
    let mut to_delete = active_pods_for_removal(job, &ctx.active_pods, rm_at_least);
    to_delete.truncate(MAX_POD_CREATE_DELETE_PER_SYNC as usize);
    if !to_delete.is_empty() {
        // Deletions take precedence: never create and delete in one sync.
        out.causes().deleting = Some(Deleting::Excess {
            active,
            wanted: want_active,
        });
        state.expect_deletions(to_delete.len() as i64, now);
        let (removed_ready, removed, err) = delete_job_pods(job, &to_delete, state, client);
        active -= removed;
        if let Some(t) = &mut ctx.terminating {
            *t += removed;
        }
        ctx.ready -= removed_ready;
        return (active, err);
    }

    let terminating = if only_replace_failed_pods(job, profile) {
        ctx.terminating.unwrap_or(0)
    } else {
        0
    };
    let mut diff = want_active - terminating - active;
    if diff <= 0 {
        return (active, None);
    }
    let max_backoff = profile.pod_failure_backoff_max_ms();
    let per_index = has_backoff_limit_per_index(job, profile);
    if !per_index {
        let remaining = ctx
            .new_backoff
            .remaining_ms(now, POD_FAILURE_BACKOFF_BASE_MS, max_backoff);
        if remaining > 0 {
            // 1.27's `enqueueControllerDelayed` waits the remaining time;
            // 1.28's `enqueueSyncJobWithDelay` waits at least the batch period.
            let requeue_ms = if profile.minor < 28 {
                remaining
            } else {
                remaining.max(SYNC_JOB_BATCH_PERIOD_MS)
            };
            out.requeue(requeue_ms);
            let last_failure = ctx.new_backoff.last_failure_time.unwrap_or(GO_ZERO_TIME);
            out.causes().wait = Some(Wait::Backoff {
                failures: ctx.new_backoff.failures_after_last_success,
                last_failure,
                backoff_ms: remaining + (now.millis() - last_failure.millis()),
                remaining_ms: remaining,
                requeue_ms,
            });
            // Quirk kept from upstream: active is reported as 0 while backing off.
            return (0, None);
        }
    }
    diff = diff.min(MAX_POD_CREATE_DELETE_PER_SYNC);

    let mut indexes: Vec<i32> = Vec::new();
    if job.is_indexed() {
        indexes = first_pending_indexes(
            job,
            profile,
            &ctx.pods,
            &ctx.active_pods,
            &ctx.succeeded_indexes,
            ctx.failed_indexes.as_ref(),
            diff as usize,
        );
        if per_index {
            let (now_indexes, remaining) = pod_creation_info_for_independent_indexes(
                &indexes,
                &ctx.pods_with_delayed_deletion,
                now,
                max_backoff,
                profile,
            );
            if remaining > 0 {
                let requeue_ms = remaining.max(SYNC_JOB_BATCH_PERIOD_MS);
                out.requeue(requeue_ms);
                out.causes().wait = Some(Wait::IndexBackoff {
                    remaining_ms: remaining,
                    requeue_ms,
                });
                return (0, None);
            }
            indexes = now_indexes;
        }
        diff = indexes.len() as i32;
    }

    state.expect_creations(diff as i64, now);
    active += diff;
    let mut first_err: Option<SyncError> = None;
    let mut errors = 0;
    let mut next = indexes.into_iter();
    let mut batch = diff.min(SLOW_START_INITIAL_BATCH_SIZE);
    while diff > 0 {
        let errors_before = errors;
        for _ in 0..batch {
            let index = next.next();
            let req = pod_create_request(
                job,
                index,
                ctx.pods_with_delayed_deletion.get(&index.unwrap_or(-1)).copied(),
                profile,
                per_index,
            );
            match client.create_pod(job, req) {
                Ok(()) | Err(ApiError::NamespaceTerminating) => {}
                Err(e) => {
                    state.creation_observed();
                    active -= 1;
                    errors += 1;
                    first_err.get_or_insert(SyncError::Api(e));
                }
            }
        }
        let skipped = diff - batch;
        if errors > errors_before && skipped > 0 {
            // Slow start: stop after a batch with an error; skipped pods are not expected.
            active -= skipped;
            for _ in 0..skipped {
                state.creation_observed();
            }
            break;
        }
        diff -= batch;
        batch = (2 * batch).min(diff);
    }
    (active, first_err)
}

/// `getPodCreationInfoForIndependentIndexes`: the indexes whose per-index
/// backoff has elapsed; when there are none, the shortest remaining delay.
pub fn pod_creation_info_for_independent_indexes<P: PodView>(
    indexes: &[i32],
    last_failed: &BTreeMap<i32, &P>,
    now: Time,
    max_backoff_ms: i64,
    profile: &Profile,
) -> (Vec<i32>, i64) {
    let mut ready = Vec::new();
    let mut min_remaining: Option<i64> = None;
    for &ix in indexes {
        let r = remaining_per_index(
            now,
            POD_FAILURE_BACKOFF_BASE_MS,
            max_backoff_ms,
            last_failed.get(&ix).copied(),
            profile,
        );
        if r == 0 {
            ready.push(ix);
        } else {
            min_remaining = Some(min_remaining.map_or(r, |m| m.min(r)));
        }
    }
    if ready.is_empty() {
        (ready, min_remaining.unwrap_or(0))
    } else {
        (ready, 0)
    }
}

/// The name and annotations a new pod gets (`manageJob`'s create loop).
fn pod_create_request<P: PodView>(
    job: &Job,
    index: Option<i32>,
    replaced: Option<&P>,
    profile: &Profile,
    per_index: bool,
) -> PodCreate {
    match index {
        Some(ix) => {
            let (failures, ignored) = if per_index {
                new_index_failure_counts(job, replaced, profile)
            } else {
                (0, 0)
            };
            PodCreate {
                index: Some(ix),
                index_failure_count: per_index.then_some(failures),
                index_ignored_failure_count: (per_index && ignored > 0).then_some(ignored),
            }
        }
        None => PodCreate {
            index: None,
            index_failure_count: None,
            index_ignored_failure_count: None,
        },
    }
}

/// `canRemoveFinalizer`.
fn can_remove_finalizer<P: PodView>(ctx: &Ctx<'_, P>, pod: &P, consider_failed: bool, profile: &Profile) -> bool {
    if ctx.job.metadata.deletion_timestamp.is_some()
        || ctx.finished_condition.is_some()
        || pod.phase() == PodPhase::Succeeded
    {
        return true;
    }
    if !consider_failed {
        return false;
    }
    if has_backoff_limit_per_index(ctx.job, profile)
        && let Some(ix) = pod.completion_index()
        && ctx
            .pods_with_delayed_deletion
            .get(&ix)
            .is_some_and(|p| p.uid() == pod.uid())
    {
        return false;
    }
    true
}

/// Appends a UID to an uncounted list, the first with an exact allocation
/// (ARCHITECTURE.md, Performance: small first pushes).
fn push_uid(list: &mut Vec<Uid>, uid: &Uid) {
    if list.is_empty() {
        *list = vec![uid.clone()];
    } else {
        list.push(uid.clone());
    }
}

/// Whether `uncountedTerminatedPods` lists any pod.
fn has_uncounted(status: &JobStatus) -> bool {
    status
        .uncounted_terminated_pods
        .as_ref()
        .is_some_and(|u| !u.succeeded.is_empty() || !u.failed.is_empty())
}

/// `cleanUncountedPodsWithoutFinalizers`: count uncounted pods whose finalizer is gone.
fn clean_uncounted(status: &mut JobStatus, with_finalizer: impl Fn(&Uid) -> bool) -> bool {
    let u = status.uncounted_terminated_pods.get_or_insert_with(Default::default);
    let (s0, f0) = (u.succeeded.len(), u.failed.len());
    if s0 + f0 == 0 {
        return false;
    }
    u.succeeded.retain(|uid| with_finalizer(uid));
    u.failed.retain(|uid| with_finalizer(uid));
    let (ds, df) = ((s0 - u.succeeded.len()) as i32, (f0 - u.failed.len()) as i32);
    status.succeeded += ds;
    status.failed += df;
    ds > 0 || df > 0
}

/// `trackJobStatusAndRemoveFinalizers`: record finished pods in
/// `uncountedTerminatedPods`, flush, remove their finalizers, move them to the
/// counters, and write the terminal condition when everything is accounted for.
/// Returns whether the status it ends with is finished (`IsJobFinished`):
/// the status itself has gone to the client.
fn track_job_status_and_remove_finalizers<'a, P: PodView>(
    ctx: &mut Ctx<'a, P>,
    state: &mut JobState,
    env: &SyncEnv,
    client: &mut dyn JobClient<P>,
    mut needs_flush: bool,
    out: &mut SyncOutcome,
    lists: &mut PodLists<P>,
) -> Result<bool, TrackError> {
    let profile = &env.profile;
    let indexed = ctx.job.is_indexed();
    let completions = ctx.job.spec.completions.unwrap_or(0);
    if indexed {
        // Introduce completed indexes in order.
        ctx.pods.sort_by_key(|p| p.completion_index().unwrap_or(-1));
    }
    // Whether a pod with this UID still carries the finalizer (and its removal
    // was not issued). A scan: a Job sees a handful of pods, and few are uncounted.
    let has_finalizer = |pods: &[&P], expected: &UidSet, removed: &[&P], uid: &Uid| {
        !expected.contains(uid)
            && !removed.iter().any(|p| p.uid() == uid)
            && pods.iter().any(|p| p.uid() == uid && p.has_tracking_finalizer())
    };
    if has_uncounted(&ctx.status)
        && clean_uncounted(&mut ctx.status, |uid| {
            has_finalizer(&ctx.pods, &ctx.expected_rm_finalizers, &[], uid)
        })
    {
        needs_flush = true;
    }
    let mut to_remove: Vec<&P> = lists.take();
    let mut new_succeeded_indexes: Vec<i32> = Vec::new();
    let mut reached_max = false;
    let fails_job =
        ctx.finished_condition.is_some() && !is_success_criteria_met(ctx.finished_condition.as_ref(), profile);
    for i in 0..ctx.pods.len() {
        let pod = ctx.pods[i];
        // The same tests as upstream's loop, cheapest first: most pods are active.
        let consider_failed = is_pod_failed(pod, ctx.job, profile);
        if !can_remove_finalizer(ctx, pod, consider_failed, profile) {
            continue;
        }
        let uid = pod.uid();
        if !pod.has_tracking_finalizer() || ctx.expected_rm_finalizers.contains(uid) {
            continue;
        }
        to_remove.push(pod);
        let uncounted = ctx
            .status
            .uncounted_terminated_pods
            .get_or_insert_with(Default::default);
        if pod.phase() == PodPhase::Succeeded && !ctx.uncounted_failed.contains(uid) {
            if indexed {
                if let Some(ix) = pod.completion_index()
                    && ix < completions
                    && !ctx.prev_succeeded_indexes.has(ix)
                {
                    new_succeeded_indexes.push(ix);
                    needs_flush = true;
                }
            } else if !ctx.uncounted_succeeded.contains(uid) {
                needs_flush = true;
                push_uid(&mut uncounted.succeeded, uid);
            }
        } else if consider_failed || fails_job {
            let valid_index = !indexed || pod.completion_index().is_some_and(|ix| ix < completions);
            if !ctx.uncounted_failed.contains(uid) && valid_index {
                let counts = ctx.job.spec.pod_failure_policy.is_none() || {
                    let m = match_pod_failure_policy(ctx.job.spec.pod_failure_policy.as_ref(), pod, profile);
                    if let (Some(index), Some(action)) = (m.rule_index, m.action) {
                        out.causes().policy_hits.push(PolicyHit {
                            pod: pod.name().to_string(),
                            index: index as u32,
                            action,
                        });
                    }
                    m.count_failed
                };
                if counts {
                    needs_flush = true;
                    push_uid(&mut uncounted.failed, uid);
                }
            }
        }
        if new_succeeded_indexes.len() + uncounted.succeeded.len() + uncounted.failed.len() >= MAX_UNCOUNTED_PODS {
            reached_max = true;
            break;
        }
    }
    if indexed && update_indexes(ctx, &new_succeeded_indexes) {
        needs_flush = true;
    }
    if ctx.finished_condition.is_some() && record_interim_condition(ctx, env) {
        needs_flush = true;
    }

    // flushUncountedAndRemoveFinalizers
    if needs_flush {
        client
            .update_status(ctx.job, ctx.status.clone())
            .map_err(TrackError::AddingUncounted)?;
        state.backoff = Some(ctx.new_backoff);
        needs_flush = false;
    }
    let mut rm_err: Option<TrackError> = None;
    let mut removed: Vec<&P> = lists.take();
    if !to_remove.is_empty() {
        state
            .finalizer_removals
            .extend(to_remove.iter().map(|p| p.uid().clone()));
        for p in &to_remove {
            match client.remove_tracking_finalizer(p) {
                Ok(()) => removed.push(p),
                Err(e) => {
                    state.finalizer_removal_observed(p.uid());
                    if e == ApiError::NotFound {
                        removed.push(p);
                    } else {
                        rm_err.get_or_insert(TrackError::RemovingFinalizer(e));
                    }
                }
            }
        }
    }
    lists.give(to_remove);
    if has_uncounted(&ctx.status)
        && clean_uncounted(&mut ctx.status, |uid| {
            has_finalizer(&ctx.pods, &ctx.expected_rm_finalizers, &removed, uid)
        })
    {
        needs_flush = true;
    }
    lists.give(removed);
    if let Some(e) = rm_err {
        if needs_flush {
            client
                .update_status(ctx.job, std::mem::take(&mut ctx.status))
                .map_err(TrackError::RemovingUncounted)?;
        }
        return Err(e);
    }

    let finished = !reached_max && enact_job_finished(ctx, env);
    if finished {
        needs_flush = true;
    }
    let status_finished = finished_condition(&ctx.status.conditions).is_some();
    if needs_flush {
        let too_many = ctx.job.spec.completions.is_some_and(|c| ctx.status.succeeded > c);
        // The sync's last write: the status moves to the client.
        client
            .update_status(ctx.job, std::mem::take(&mut ctx.status))
            .map_err(TrackError::RemovingUncounted)?;
        if finished && let Some(fc) = &ctx.finished_condition {
            if fc.type_ == COND_COMPLETE {
                if too_many {
                    out.event(
                        true,
                        "TooManySucceededPods",
                        "Too many succeeded pods running after completion count reached",
                    );
                }
                out.event(false, "Completed", "Job completed");
            } else {
                out.event(true, &fc.reason, &fc.message);
            }
        }
    }
    Ok(status_finished)
}

/// Adds the newly succeeded indexes to `completedIndexes`, and writes
/// `failedIndexes`; whether either changed. Out of line, as
/// [`sync_indexes`].
#[inline(never)]
fn update_indexes<P: PodView>(ctx: &mut Ctx<'_, P>, new_succeeded_indexes: &[i32]) -> bool {
    let mut changed = false;
    ctx.succeeded_indexes = ctx.succeeded_indexes.with_ordered_indexes(new_succeeded_indexes);
    let s = ctx.succeeded_indexes.to_string();
    if s != ctx.status.completed_indexes {
        changed = true;
    }
    ctx.status.succeeded = ctx.succeeded_indexes.total() as i32;
    ctx.status.completed_indexes = s;
    let failed_str = ctx.failed_indexes.as_ref().map(|f| f.to_string());
    if ctx.status.failed_indexes != failed_str {
        ctx.status.failed_indexes = failed_str;
        changed = true;
    }
    changed
}

/// A finishing Job: `FailureTarget` and `SuccessCriteriaMet` go into the
/// status before the finalizers go, and the terminal condition they lead to
/// is prepared. Whether the status changed.
#[cold]
fn record_interim_condition<P: PodView>(ctx: &mut Ctx<'_, P>, env: &SyncEnv) -> bool {
    let Some(fc) = ctx.finished_condition.take() else {
        return false;
    };
    let mut changed = false;
    ctx.finished_condition = Some(if fc.type_ == COND_FAILURE_TARGET {
        // Record the interim condition before finalizers go, then prepare `Failed`.
        let failed = JobCondition::new(COND_FAILED, "True", fc.reason.clone(), fc.message.clone(), env.now);
        ctx.status.conditions.push(fc);
        changed = true;
        failed
    } else if is_success_criteria_met(Some(&fc), &env.profile) {
        if success_criteria_met_condition(&ctx.status.conditions, &env.profile).is_none() {
            ctx.status.conditions.push(fc.clone());
            changed = true;
        }
        JobCondition::new(COND_COMPLETE, "True", fc.reason.clone(), fc.message.clone(), env.now)
    } else {
        fc
    });
    changed
}

/// `enactJobFinished`: add `Complete`/`Failed` once nothing is left uncounted
/// (and, when terminal conditions are delayed, nothing is terminating).
fn enact_job_finished<P: PodView>(ctx: &mut Ctx<'_, P>, env: &SyncEnv) -> bool {
    let Some(fc) = &ctx.finished_condition else {
        return false;
    };
    if let Some(u) = &ctx.status.uncounted_terminated_pods
        && u.succeeded.len() + u.failed.len() > 0
    {
        return false;
    }
    if env.profile.delay_terminal_condition() && ctx.terminating.unwrap_or(0) > 0 {
        return false;
    }
    ensure_job_condition_status(
        &mut ctx.status.conditions,
        fc.type_.clone(),
        fc.status.clone(),
        fc.reason.clone(),
        fc.message.clone(),
        env.now,
    );
    if fc.type_ == COND_COMPLETE {
        ctx.status.completion_time = fc.last_transition_time;
    }
    true
}

/// The finish time the backoff record uses for a pod (exported for the harness).
pub fn pod_finished_time<P: PodView>(pod: &P, profile: &Profile, now: Time) -> Time {
    finished_time(pod, profile, now)
}

/// `trackJobStatusAndRemoveFinalizers` on its own, for a sync that already
/// decided `finished_condition` (used by the conformance harness). Derived
/// values are computed as the sync would: active pods, terminating pods,
/// succeeded indexes from `status.completedIndexes`, and with
/// backoffLimitPerIndex the failed indexes and pods with delayed deletion.
#[allow(clippy::too_many_arguments)]
pub fn track_job_status<P: PodView>(
    job: &Job,
    pods: &[&P],
    finished_condition: Option<JobCondition>,
    needs_flush: bool,
    state: &mut JobState,
    env: &SyncEnv,
    client: &mut dyn JobClient<P>,
) -> Result<(), TrackError> {
    let profile = &env.profile;
    let lists = &mut PodLists::default();
    let mut ctx = Ctx::new(job, pods, true, state, profile, lists);
    ctx.status
        .uncounted_terminated_pods
        .get_or_insert_with(Default::default);
    ctx.finished_condition = finished_condition;
    if ctx.job.is_indexed() {
        let completions = ctx.job.spec.completions.unwrap_or(0);
        ctx.prev_succeeded_indexes = OrderedIntervals::parse(&ctx.status.completed_indexes, completions);
        ctx.succeeded_indexes = ctx.prev_succeeded_indexes.clone();
        if has_backoff_limit_per_index(ctx.job, profile) {
            let failed = calculate_failed_indexes(ctx.job, &ctx.pods, profile);
            ctx.pods_with_delayed_deletion = pods_with_delayed_deletion_per_index(
                ctx.job,
                profile,
                env.now,
                &ctx.pods,
                &ctx.active_pods,
                &ctx.succeeded_indexes,
                &failed,
                &ctx.expected_rm_finalizers,
            );
            ctx.failed_indexes = Some(failed);
        }
    }
    let mut out = SyncOutcome::default();
    track_job_status_and_remove_finalizers(&mut ctx, state, env, client, needs_flush, &mut out, lists).map(|_| ())
}

/// `getNewFinishedPods` totals: (succeeded, failed) counting the status
/// counters, the uncounted lists and the newly finished pods.
pub fn finished_pod_totals<P: PodView>(job: &Job, pods: &[&P], state: &JobState, profile: &Profile) -> (i32, i32) {
    let lists = &mut PodLists::default();
    let ctx = Ctx::new(job, pods, true, state, profile, lists);
    let (s, f) = new_finished_pods(&ctx, profile, lists);
    (
        job.status.succeeded + s.len() as i32 + ctx.uncounted_succeeded.len() as i32,
        job.status.failed + f.len() as i32 + ctx.uncounted_failed.len() as i32,
    )
}

/// `syncOrphanPod`: whether the tracking finalizer of a pod whose owner is not
/// a running Job of this controller is removed. `owner` is the controlling
/// Job in the informer cache, if any.
pub fn orphan_pod_finalizer_removable(pod: &Pod, owner: Option<&Job>, profile: &Profile) -> bool {
    if !pod.has_tracking_finalizer() {
        return false;
    }
    let controller_ref = pod
        .metadata
        .owner_references
        .iter()
        .find(|r| r.controller == Some(true))
        .map(|r| ControllerRef {
            api_version: &r.api_version,
            kind: &r.kind,
            uid: &r.uid,
        });
    orphan_finalizer_removable(controller_ref, owner, profile)
}

/// A pod's controller reference, as `syncOrphanPod` reads it.
#[derive(Clone, Copy, Debug)]
pub struct ControllerRef<'a> {
    pub api_version: &'a str,
    pub kind: &'a str,
    pub uid: &'a Uid,
}

/// `syncOrphanPod`'s decision for a pod that carries the tracking finalizer,
/// from its controller reference and the Job of that name in the cache.
pub fn orphan_finalizer_removable(controller: Option<ControllerRef>, owner: Option<&Job>, profile: &Profile) -> bool {
    match (controller, owner) {
        // Controlled by something else than a batch/v1 Job (a CronJob, a CRD
        // of another group called Job): not this controller's to clean up.
        (Some(r), _) if r.kind != "Job" || r.api_version != "batch/v1" => false,
        // `resolveControllerRef`: the Job of that name, if its UID matches.
        // A Job of this controller that is still running keeps its pods'
        // finalizers; one managed by another controller is left to it.
        (Some(r), Some(job)) if *r.uid == job.metadata.uid => {
            job.is_finished() && !managed_by_external_controller(job, profile)
        }
        _ => true,
    }
}
