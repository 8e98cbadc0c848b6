//! The Job controller's work queue: client-go's rate-limited delaying queue as
//! `pkg/controller/job` uses it, with `concurrentJobSyncs` workers.
//!
//! A key is queued at most once (`dirty`); a key added while a worker syncs it
//! is queued again when the worker is done (`processing`); of several delayed
//! adds the earliest ready time wins (`AddAfter`); a failed sync counts towards
//! the key's rate limit (`AddRateLimited`, `NumRequeues`) and a successful one
//! resets it (`Forget`). Keys are Job ids, dense from 0. Timers are the
//! caller's: [`WorkQueue::add_after`] says when to call [`WorkQueue::timer_fired`].
//! A key whose Job has left the world is dropped ([`WorkQueue::drop_key`]) and
//! then reads as closed: the queue's memory follows the Jobs alive, not every
//! Job a run made.

use crate::time::SimTime;
use std::collections::VecDeque;

#[derive(Clone, Debug, Default)]
struct Key {
    /// Queued and not yet taken by a worker (or added again while processing).
    dirty: bool,
    /// A worker is syncing this key.
    processing: bool,
    /// The earliest pending delayed add, and the epoch of its timer.
    delayed: Option<(SimTime, u32)>,
    epoch: u32,
    /// Consecutive failed syncs (`NumRequeues`).
    failures: u32,
    /// The running sync failed.
    failed: bool,
    /// The Job is finished or deleted: adds are ignored.
    closed: bool,
    /// The Job has left the world: the key goes once those before it have.
    dropped: bool,
}

/// Keys dropped at the front before the queue lets go of them.
const MIN_DROPPED: usize = 1024;

/// The queue and its workers.
#[derive(Clone, Debug)]
pub struct WorkQueue {
    /// The keys from `base` on; those before it were dropped.
    keys: Vec<Key>,
    base: usize,
    /// How many leading `keys` are dropped.
    dropped: usize,
    /// What a dropped key reads as: closed, idle, never failed.
    gone: Key,
    /// Keys ready for a worker, in order.
    ready: VecDeque<u32>,
    busy: u32,
    workers: u32,
}

impl WorkQueue {
    pub fn new(workers: u32) -> Self {
        WorkQueue {
            keys: Vec::new(),
            base: 0,
            dropped: 0,
            gone: Key::default(),
            ready: VecDeque::new(),
            busy: 0,
            workers,
        }
    }

    #[inline]
    fn key(&mut self, key: u32) -> &mut Key {
        match (key as usize).checked_sub(self.base) {
            Some(i) if i < self.keys.len() => &mut self.keys[i],
            Some(i) => self.new_key(i),
            None => self.dropped_key(),
        }
    }

    #[cold]
    #[inline(never)]
    fn new_key(&mut self, i: usize) -> &mut Key {
        self.keys.resize(i + 1, Key::default());
        &mut self.keys[i]
    }

    #[cold]
    #[inline(never)]
    fn dropped_key(&mut self) -> &mut Key {
        self.gone = Key {
            closed: true,
            dropped: true,
            ..Key::default()
        };
        &mut self.gone
    }

    fn get(&self, key: u32) -> Option<&Key> {
        self.keys.get((key as usize).checked_sub(self.base)?)
    }

    /// The Job of a closed key has left the world, with no sync running:
    /// nothing of the key can matter any more, so it goes (with the keys
    /// before it, once most of those have gone too).
    pub fn drop_key(&mut self, key: u32) {
        let k = self.key(key);
        debug_assert!(k.closed && !k.processing, "only a closed, idle key is dropped");
        k.dropped = true;
        while self.keys.get(self.dropped).is_some_and(|k| k.dropped) {
            self.dropped += 1;
        }
        if self.dropped >= MIN_DROPPED && 2 * self.dropped >= self.keys.len() {
            self.keys.drain(..self.dropped);
            self.base += self.dropped;
            self.dropped = 0;
        }
    }

    /// The Job is finished or deleted: from now on its key is never queued.
    pub fn close(&mut self, key: u32) {
        self.key(key).closed = true;
    }

    /// `queue.Add`: the key becomes ready, unless it is queued already (or
    /// being synced, in which case it is ready again when the sync is done).
    pub fn add(&mut self, key: u32) {
        let k = self.key(key);
        if k.closed || k.dirty {
            return;
        }
        k.dirty = true;
        if !k.processing {
            self.ready.push_back(key);
        }
    }

    /// `queue.AddAfter`: ready after `delay_ms`. Returns the timer to set
    /// (when, and the epoch to pass to [`WorkQueue::timer_fired`]), if any: an
    /// earlier pending add already covers a later one.
    #[must_use]
    pub fn add_after(&mut self, key: u32, delay_ms: i64, now: SimTime) -> Option<(SimTime, u32)> {
        if delay_ms <= 0 {
            self.add(key);
            return None;
        }
        let k = self.key(key);
        let at = now + delay_ms as u64;
        if k.closed || k.delayed.is_some_and(|(t, _)| t <= at) {
            return None;
        }
        k.epoch = k.epoch.wrapping_add(1);
        k.delayed = Some((at, k.epoch));
        Some((at, k.epoch))
    }

    /// A delayed add's timer went off: the key is added, unless a later
    /// [`WorkQueue::add_after`] replaced that timer with an earlier one.
    pub fn timer_fired(&mut self, key: u32, epoch: u32) {
        let k = self.key(key);
        if k.delayed.is_some_and(|(_, e)| e == epoch) {
            k.delayed = None;
            self.add(key);
        }
    }

    /// Whether a worker could take a key now: one is idle and a key is ready.
    #[inline]
    pub fn has_work(&self) -> bool {
        self.busy < self.workers && !self.ready.is_empty()
    }

    /// An idle worker takes the next ready key, if a worker is idle.
    pub fn next_for_worker(&mut self) -> Option<u32> {
        while self.busy < self.workers {
            let key = self.ready.pop_front()?;
            let k = self.key(key);
            k.dirty = false;
            if k.closed {
                continue;
            }
            k.processing = true;
            self.busy += 1;
            return Some(key);
        }
        None
    }

    /// Whether the running sync of the key failed (`syncHandler`'s error).
    pub fn set_failed(&mut self, key: u32, failed: bool) {
        self.key(key).failed = failed;
    }

    /// `processNextWorkItem` after `syncHandler`: the worker is free, and the
    /// key is ready again if it was added meanwhile. After a failed sync,
    /// returns how many syncs of the key have failed in a row, for the caller
    /// to add it back after the rate limiter's delay; after a successful one
    /// the count is forgotten.
    #[must_use]
    pub fn done(&mut self, key: u32) -> Option<u32> {
        let k = self.key(key);
        let was_processing = std::mem::take(&mut k.processing);
        let failures = if std::mem::take(&mut k.failed) {
            k.failures += 1;
            Some(k.failures)
        } else {
            k.failures = 0;
            None
        };
        let requeue = k.dirty && !k.closed;
        if was_processing {
            self.busy -= 1;
        }
        if requeue {
            self.ready.push_back(key);
        }
        failures
    }

    /// Whether a worker is syncing the key now.
    pub fn is_processing(&self, key: u32) -> bool {
        self.get(key).is_some_and(|k| k.processing)
    }

    /// Consecutive failed syncs of the key (`NumRequeues`).
    pub fn num_requeues(&self, key: u32) -> u32 {
        self.get(key).map_or(0, |k| k.failures)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn drain(q: &mut WorkQueue) -> Vec<u32> {
        std::iter::from_fn(|| q.next_for_worker()).collect()
    }

    #[test]
    fn a_key_is_queued_once_and_workers_take_keys_in_order() {
        let mut q = WorkQueue::new(2);
        for k in [3, 1, 3, 2, 1] {
            q.add(k);
        }
        assert_eq!(drain(&mut q), [3, 1], "two workers");
        assert_eq!(q.done(3), None);
        assert_eq!(drain(&mut q), [2]);
    }

    #[test]
    fn a_key_added_while_syncing_is_synced_again_after() {
        let mut q = WorkQueue::new(1);
        q.add(0);
        assert_eq!(drain(&mut q), [0]);
        q.add(0);
        q.add(0);
        assert_eq!(drain(&mut q), [0u32; 0], "not twice at once");
        assert_eq!(q.done(0), None);
        assert_eq!(drain(&mut q), [0]);
        assert_eq!(q.done(0), None);
        assert_eq!(drain(&mut q), [0u32; 0]);
    }

    #[test]
    fn the_earliest_delayed_add_wins_and_stale_timers_do_nothing() {
        let mut q = WorkQueue::new(1);
        let late = q.add_after(0, 10_000, 0).unwrap();
        let early = q.add_after(0, 1_000, 0).unwrap();
        assert_eq!(q.add_after(0, 5_000, 0), None, "covered by the earlier add");
        assert_eq!(early.0, 1_000);
        q.timer_fired(0, late.1);
        assert_eq!(drain(&mut q), [0u32; 0], "replaced timer");
        q.timer_fired(0, early.1);
        assert_eq!(drain(&mut q), [0]);
        assert_eq!(q.add_after(1, 0, 0), None, "no delay: added now");
        assert_eq!(q.done(0), None);
        assert_eq!(drain(&mut q), [1]);
    }

    #[test]
    fn failures_count_until_a_sync_succeeds() {
        let mut q = WorkQueue::new(1);
        for want in 1..=3 {
            q.add(0);
            assert_eq!(drain(&mut q), [0]);
            q.set_failed(0, true);
            assert_eq!(q.done(0), Some(want));
            assert_eq!(q.num_requeues(0), want);
        }
        q.add(0);
        assert_eq!(drain(&mut q), [0]);
        assert_eq!(q.done(0), None);
        assert_eq!(q.num_requeues(0), 0);
    }

    #[test]
    fn closed_keys_are_never_synced_again() {
        let mut q = WorkQueue::new(1);
        q.add(0);
        q.add(1);
        q.close(1);
        assert_eq!(drain(&mut q), [0]);
        q.add(0);
        q.close(0);
        assert_eq!(q.done(0), None);
        assert_eq!(drain(&mut q), [0u32; 0], "closed while queued or processing");
        q.add(0);
        assert_eq!(q.add_after(0, 5, 0), None);
        assert_eq!(drain(&mut q), [0u32; 0]);
    }

    /// The keys of Jobs that left go, and read as closed keys after: adds
    /// and timers do nothing, no worker takes them, no failure is counted.
    #[test]
    fn dropped_keys_go_and_read_as_closed() {
        let mut q = WorkQueue::new(1);
        for key in 0..100_000u32 {
            q.add(key);
            assert_eq!(q.next_for_worker(), Some(key));
            q.set_failed(key, key % 2 == 0);
            let _ = q.done(key);
            q.close(key);
            if key >= 10 {
                q.drop_key(key - 10);
            }
        }
        assert!(q.keys.len() <= 4 * MIN_DROPPED, "{} keys held", q.keys.len());
        let timer = q.add_after(99_995, 1000, 0);
        assert_eq!(timer, None, "a closed key sets no timer");
        for key in [0, 5, 99_989] {
            q.add(key);
            assert!(q.add_after(key, 1000, 0).is_none());
            q.timer_fired(key, 1);
            assert_eq!((q.num_requeues(key), q.is_processing(key)), (0, false));
        }
        assert_eq!(q.next_for_worker(), None, "a dropped key is never synced");
        assert_eq!(q.num_requeues(99_998), 1, "a closed key still there keeps its count");
    }
}
