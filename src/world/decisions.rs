//! The controller's decisions, with their causes, handed to the log as the
//! sync that took them returns (`decisions.csv`, for `jobsim explain`): what
//! kept a sync from creating pods, why it deleted the pods it deleted, which
//! pod-failure-policy rules failed pods matched, which rule ended the Job, and
//! how long the API client's rate limiter held the sync's requests back.

use super::{JobId, World, Write};
use crate::controller::SyncOutcome;
use crate::controller::causes::{Causes, Deleting, FinishRule, Wait};
use crate::record::{Cause, Decision, DeleteWhy, Rule};
use crate::time::SimTime;

/// Whether a sync decided anything `decisions.csv` records (most decide
/// nothing worth a row: checked before the call). Its batching alone is not
/// (a row per sync that creates pods would cost more than all the others).
#[inline]
pub(super) fn decided(outcome: &SyncOutcome, throttled: (u32, u32, SimTime)) -> bool {
    outcome.causes.is_some() || throttled.2 > 0
}

impl World<'_> {
    /// The informer delivered a change of Job `jid` at `now`, queueing it
    /// after `delay`: kept if it is the first since the Job's last sync.
    #[inline]
    pub(super) fn note_delivery(&mut self, jid: JobId, now: SimTime, delay: i64) {
        if let Some(js) = self.jobs.get_mut(jid)
            && js.first_delivery.0 == SimTime::MAX
        {
            js.first_delivery = (now, delay.clamp(0, u32::MAX as i64) as u32);
        }
    }

    /// At a sync of Job `jid` at `now`: the first delivery since its last
    /// sync, if this sync is the one its delay queued (the batch period ran
    /// out); forgotten either way.
    #[inline]
    pub(super) fn take_delivery(&mut self, jid: JobId, now: SimTime) -> Option<(SimTime, u64)> {
        let first = &mut self.jobs.get_mut(jid)?.first_delivery;
        let (since, delay) = std::mem::replace(first, (SimTime::MAX, 0));
        (delay > 0 && since != SimTime::MAX && since + u64::from(delay) == now).then_some((since, u64::from(delay)))
    }

    /// Records what the sync of Job `jid` at `now` decided, and why.
    /// `throttled`: the requests it sent, the creations among them and the
    /// delay the rate limiter added.
    #[cold]
    #[inline(never)]
    pub(super) fn record_decisions(
        &mut self,
        jid: JobId,
        now: SimTime,
        outcome: &SyncOutcome,
        writes: &[Write],
        throttled: (u32, u32, SimTime),
        batched: Option<(SimTime, u64)>,
    ) {
        let (requests, creates, delay_ms) = throttled;
        let none = Causes::default();
        let outcome = outcome.causes.as_deref().unwrap_or(&none);
        let epoch = self.sc.epoch.millis();
        let ms = |v: i64| v.max(0) as u64;
        let job = self.jobs[jid].name();
        let log = &mut *self.log;
        let mut decide = |pod: &str, cause: Cause| {
            log.decide(&Decision {
                t: now,
                job,
                job_id: jid.0,
                pod,
                cause,
            })
        };
        if let Some((since, delay_ms)) = batched {
            decide("", Cause::Batched { since, delay_ms });
        }
        for hit in &outcome.policy_hits {
            decide(
                &hit.pod,
                Cause::PolicyRule {
                    index: hit.index,
                    action: hit.action,
                },
            );
        }
        if let Some(wait) = outcome.wait {
            decide(
                "",
                match wait {
                    Wait::Backoff {
                        failures,
                        last_failure,
                        backoff_ms,
                        remaining_ms,
                        requeue_ms,
                    } => Cause::Backoff {
                        failures,
                        last_failure: ms(last_failure.millis() - epoch),
                        backoff_ms: ms(backoff_ms),
                        remaining_ms: ms(remaining_ms),
                        requeue_ms: ms(requeue_ms),
                    },
                    Wait::IndexBackoff {
                        remaining_ms,
                        requeue_ms,
                    } => Cause::IndexBackoff {
                        remaining_ms: ms(remaining_ms),
                        requeue_ms: ms(requeue_ms),
                    },
                    Wait::Expectations { add, del } => Cause::Expectations {
                        creations: add,
                        deletions: del,
                    },
                },
            );
        }
        if delay_ms > 0 {
            decide(
                "",
                Cause::Throttled {
                    requests,
                    creates,
                    delay_ms,
                },
            );
        }
        if let Some(why) = outcome.deleting {
            let why = match why {
                Deleting::JobFinishing => DeleteWhy::JobFinishing,
                Deleting::Suspended => DeleteWhy::Suspended,
                Deleting::Excess { active, wanted } => DeleteWhy::Excess { active, wanted },
            };
            for w in writes {
                if let Write::Delete(slot) = w
                    && let Some(p) = self.pods.get(*slot)
                {
                    decide(&p.pod.name, Cause::Delete { why });
                }
            }
        }
        if let Some(f) = &outcome.finish {
            let rule = match &f.rule {
                FinishRule::BackoffLimit { failed, limit } => Rule::BackoffLimit {
                    failed: *failed,
                    limit: *limit,
                },
                FinishRule::RestartLimit { restarts, limit } => Rule::RestartLimit {
                    restarts: *restarts,
                    limit: *limit,
                },
                FinishRule::PodFailurePolicy { index, pod } => Rule::PodFailurePolicy { index: *index, pod },
                FinishRule::ActiveDeadline { seconds } => Rule::ActiveDeadline { seconds: *seconds },
                FinishRule::MaxFailedIndexes { failed, max } => Rule::MaxFailedIndexes {
                    failed: *failed,
                    max: *max,
                },
                FinishRule::FailedIndexes { failed } => Rule::FailedIndexes { failed: *failed },
                FinishRule::SuccessPolicy { index } => Rule::SuccessPolicy { index: *index },
                FinishRule::Completions { succeeded, completions } => Rule::Completions {
                    succeeded: *succeeded,
                    completions: *completions,
                },
                FinishRule::Carried => Rule::Carried,
            };
            decide(
                "",
                Cause::Finish {
                    condition: &f.condition,
                    reason: &f.reason,
                    rule,
                },
            );
        }
    }
}
