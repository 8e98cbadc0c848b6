//! What the controller remembers about a Job between syncs: creation and
//! deletion expectations, finalizer-removal expectations and the pod-failure
//! backoff record. All of it lives in controller memory, never in the API.

use super::backoff::BackoffRecord;
use crate::api::{Time, Uid};
use std::collections::BTreeSet;

/// `ExpectationsTimeout`: unsatisfied expectations older than this are ignored.
pub const EXPECTATIONS_TIMEOUT_MS: i64 = 5 * 60 * 1000;

/// `ControlleeExpectations`: pod adds and deletes the controller still has to observe.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Expectations {
    pub add: i64,
    pub del: i64,
    pub timestamp: Time,
}

/// Per-Job controller memory.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct JobState {
    pub expectations: Option<Expectations>,
    /// UIDs whose finalizer removal was issued but not yet observed (`finalizerExpectations`).
    pub finalizer_removals: BTreeSet<Uid>,
    pub backoff: Option<BackoffRecord>,
}

impl JobState {
    /// `SatisfiedExpectations`.
    pub fn expectations_satisfied(&self, now: Time) -> bool {
        match self.expectations {
            None => true,
            Some(e) => (e.add <= 0 && e.del <= 0) || now.millis() - e.timestamp.millis() > EXPECTATIONS_TIMEOUT_MS,
        }
    }

    /// `ExpectCreations`: overwrites the record.
    pub fn expect_creations(&mut self, n: i64, now: Time) {
        self.expectations = Some(Expectations {
            add: n,
            del: 0,
            timestamp: now,
        });
    }

    /// `ExpectDeletions`: overwrites the record.
    pub fn expect_deletions(&mut self, n: i64, now: Time) {
        self.expectations = Some(Expectations {
            add: 0,
            del: n,
            timestamp: now,
        });
    }

    /// `CreationObserved`: an owned pod appeared in the informer, or a create failed.
    pub fn creation_observed(&mut self) {
        if let Some(e) = &mut self.expectations {
            e.add -= 1;
        }
    }

    /// `DeletionObserved`: a deletion was seen, or a delete failed.
    pub fn deletion_observed(&mut self) {
        if let Some(e) = &mut self.expectations {
            e.del -= 1;
        }
    }

    /// `finalizerRemovalObserved`.
    pub fn finalizer_removal_observed(&mut self, uid: &Uid) {
        self.finalizer_removals.remove(uid);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expectations_are_satisfied_when_observed_or_expired() {
        let mut s = JobState::default();
        assert!(s.expectations_satisfied(Time(0)));
        s.expect_creations(2, Time(0));
        assert!(!s.expectations_satisfied(Time(1000)));
        s.creation_observed();
        s.creation_observed();
        assert!(s.expectations_satisfied(Time(1000)));
        s.expect_deletions(1, Time(0));
        assert!(!s.expectations_satisfied(Time(EXPECTATIONS_TIMEOUT_MS)));
        assert!(s.expectations_satisfied(Time(EXPECTATIONS_TIMEOUT_MS + 1)));
    }
}
