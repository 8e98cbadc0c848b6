//! Job condition upkeep (`ensureJobConditionStatus`, `newCondition`).

use crate::api::{JobCondition, Time};
use std::borrow::Cow;

/// `ensureJobConditionStatus`: replaces a condition of the type when status,
/// reason or message differ (both times become `now`); appends one when none
/// exists, unless its status is `False`. Returns whether the list changed.
/// Inline for the call of nearly every sync: a `False` condition for a Job
/// with no conditions, which changes nothing.
#[inline]
pub fn ensure_job_condition_status(
    list: &mut Vec<JobCondition>,
    type_: impl Into<Cow<'static, str>>,
    status: impl Into<Cow<'static, str>>,
    reason: impl Into<Cow<'static, str>>,
    message: impl Into<Cow<'static, str>>,
    now: Time,
) -> bool {
    let status = status.into();
    if list.is_empty() && status == "False" {
        return false;
    }
    ensure_condition(list, type_.into(), status, reason.into(), message.into(), now)
}

#[inline(never)]
fn ensure_condition(
    list: &mut Vec<JobCondition>,
    type_: Cow<'static, str>,
    status: Cow<'static, str>,
    reason: Cow<'static, str>,
    message: Cow<'static, str>,
    now: Time,
) -> bool {
    if let Some(c) = list.iter_mut().find(|c| c.type_ == type_) {
        if c.status != status || c.reason != reason || c.message != message {
            *c = JobCondition::new(type_, status, reason, message, now);
            return true;
        }
        return false;
    }
    if status != "False" {
        list.push(JobCondition::new(type_, status, reason, message, now));
        return true;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn false_condition_is_not_created_from_nothing() {
        let mut list = vec![];
        assert!(!ensure_job_condition_status(
            &mut list,
            "Suspended",
            "False",
            "JobResumed",
            "Job resumed",
            Time(1)
        ));
        assert!(list.is_empty());
        assert!(ensure_job_condition_status(
            &mut list,
            "Suspended",
            "True",
            "JobSuspended",
            "Job suspended",
            Time(1)
        ));
        assert!(!ensure_job_condition_status(
            &mut list,
            "Suspended",
            "True",
            "JobSuspended",
            "Job suspended",
            Time(2)
        ));
        assert_eq!(list[0].last_transition_time, Some(Time(1)));
        assert!(ensure_job_condition_status(
            &mut list,
            "Suspended",
            "False",
            "JobResumed",
            "Job resumed",
            Time(3)
        ));
        assert_eq!((&*list[0].status, list[0].last_probe_time), ("False", Some(Time(3))));
    }
}
