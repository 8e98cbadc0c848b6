//! What the controller remembers about a Job between syncs: creation and
//! deletion expectations, finalizer-removal expectations and the pod-failure
//! backoff record. All of it lives in controller memory, never in the API.

use super::backoff::BackoffRecord;
use crate::api::{Time, Uid};
use thin_vec::ThinVec;

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
    pub finalizer_removals: UidSet,
    pub backoff: Option<BackoffRecord>,
}

/// A set of UIDs, iterated in order: what a Job's finalizer expectations
/// hold (a few UIDs at a time, usually none or one). Kept as a sorted list:
/// an empty one allocates nothing, and a short one is a single small block,
/// where a `BTreeSet` allocates and frees a whole node as it goes from empty
/// to one UID and back, once for every pod.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UidSet(ThinVec<Uid>);

impl UidSet {
    pub fn contains(&self, uid: &Uid) -> bool {
        self.0.binary_search(uid).is_ok()
    }

    /// Adds `uid`; false if it was there.
    pub fn insert(&mut self, uid: Uid) -> bool {
        match self.0.binary_search(&uid) {
            Ok(_) => false,
            Err(at) => {
                self.0.insert(at, uid);
                true
            }
        }
    }

    /// Takes `uid` out; false if it was not there.
    pub fn remove(&mut self, uid: &Uid) -> bool {
        match self.0.binary_search(uid) {
            Ok(at) => {
                self.0.remove(at);
                true
            }
            Err(_) => false,
        }
    }

    /// The UIDs in order.
    pub fn iter(&self) -> impl Iterator<Item = &Uid> {
        self.0.iter()
    }
}

impl Extend<Uid> for UidSet {
    fn extend<T: IntoIterator<Item = Uid>>(&mut self, uids: T) {
        for uid in uids {
            self.insert(uid);
        }
    }
}

impl FromIterator<Uid> for UidSet {
    fn from_iter<T: IntoIterator<Item = Uid>>(uids: T) -> Self {
        let mut set = UidSet::default();
        set.extend(uids);
        set
    }
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

    proptest::proptest! {
        /// Any sequence of inserts and removals leaves the same set, in the
        /// same order, as a `BTreeSet` given the same operations.
        #[test]
        fn uid_set_behaves_as_a_btree_set(ops in proptest::collection::vec((proptest::bool::ANY, 0u8..6, proptest::bool::ANY), 0..40)) {
            let mut ours = UidSet::default();
            let mut theirs = std::collections::BTreeSet::new();
            for (insert, n, text) in ops {
                // UIDs as bits and as text, which order differently.
                let uid = if text { Uid::from(format!("uid-{n}")) } else { Uid::from_bits(u128::from(n) << 64 | 7) };
                if insert {
                    proptest::prop_assert_eq!(ours.insert(uid.clone()), theirs.insert(uid.clone()));
                } else {
                    proptest::prop_assert_eq!(ours.remove(&uid), theirs.remove(&uid));
                }
                proptest::prop_assert_eq!(ours.contains(&uid), theirs.contains(&uid));
                proptest::prop_assert_eq!(ours.iter().count(), theirs.len());
                proptest::prop_assert!(ours.iter().eq(theirs.iter()));
            }
        }
    }
}
