//! A binary heap keyed by (time, sequence number): events at equal times come
//! out in insertion order. Events scheduled a fixed delay ahead skip the heap
//! and wait in a FIFO lane for that delay: the clock never goes back, so such
//! a lane fills in (time, sequence) order. There is always a lane for delay 0
//! (a third of a run's events: syncs picked up by idle workers, for one); the
//! model declares others with [`EventQueue::add_lane`] (the controller's
//! one-second batching of pod events). Cancellation is lazy: events carry a
//! generation that the model checks when they come out.

use crate::time::SimTime;
use std::cmp::Ordering;
use std::collections::{BinaryHeap, VecDeque};

struct Entry<E> {
    /// Time in the high 64 bits, sequence number in the low: one comparison
    /// orders by (time, insertion order).
    key: u128,
    event: E,
}

impl<E> Entry<E> {
    fn time(&self) -> SimTime {
        (self.key >> 64) as SimTime
    }
}

impl<E> PartialEq for Entry<E> {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}
impl<E> Eq for Entry<E> {}
impl<E> PartialOrd for Entry<E> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<E> Ord for Entry<E> {
    /// Reversed, so that the max-heap yields the earliest event.
    fn cmp(&self, other: &Self) -> Ordering {
        other.key.cmp(&self.key)
    }
}

/// The earliest event's time and where it waits (a lane, or the heap), as
/// [`EventQueue::peek`] found it: the run loop looks at the time, then takes
/// the event without searching again.
#[derive(Clone, Copy, Debug)]
pub struct Next {
    pub time: SimTime,
    lane: Option<usize>,
}

pub struct EventQueue<E> {
    heap: BinaryHeap<Entry<E>>,
    /// By delay: events pushed exactly that long after the then current time,
    /// each lane in (time, sequence) order. The first lane is delay 0.
    lanes: Vec<(SimTime, VecDeque<Entry<E>>)>,
    seq: u64,
    popped: u64,
    now: SimTime,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E> EventQueue<E> {
    pub fn new() -> Self {
        EventQueue {
            heap: BinaryHeap::with_capacity(1024),
            lanes: vec![(0, VecDeque::with_capacity(64))],
            seq: 0,
            popped: 0,
            now: 0,
        }
    }

    /// Events pushed `delay` after the current time will wait in a FIFO lane
    /// of their own instead of the heap: for delays the model uses often.
    pub fn add_lane(&mut self, delay: SimTime) {
        if !self.lanes.iter().any(|(d, _)| *d == delay) {
            self.lanes.push((delay, VecDeque::new()));
        }
    }

    /// Schedules `event` at `time` (not before the current time).
    #[inline]
    pub fn push(&mut self, time: SimTime, event: E) {
        let time = time.max(self.now);
        let entry = Entry {
            key: (time as u128) << 64 | self.seq as u128,
            event,
        };
        self.seq += 1;
        match time - self.now {
            0 => self.lanes[0].1.push_back(entry),
            delay => self.push_later(delay, entry),
        }
    }

    fn push_later(&mut self, delay: SimTime, entry: Entry<E>) {
        match self.lanes.iter_mut().find(|(d, _)| *d == delay) {
            Some((_, lane)) => lane.push_back(entry),
            None => self.heap.push(entry),
        }
    }

    /// Where the earliest event waits, without taking it out.
    pub fn peek(&self) -> Option<Next> {
        let mut best = self.heap.peek().map(|e| (None, e.key));
        for (i, (_, lane)) in self.lanes.iter().enumerate() {
            if let Some(e) = lane.front()
                && best.is_none_or(|(_, k)| e.key < k)
            {
                best = Some((Some(i), e.key));
            }
        }
        best.map(|(lane, key)| Next {
            time: (key >> 64) as SimTime,
            lane,
        })
    }

    /// The earliest event of the heap (not of the lanes), without taking it out.
    #[inline]
    pub fn peek_heap(&self) -> Option<&E> {
        self.heap.peek().map(|e| &e.event)
    }

    /// Takes out the event `next` found, with nothing pushed in between.
    pub fn take(&mut self, next: Next) -> E {
        let e = match next.lane {
            None => self.heap.pop(),
            Some(i) => self.lanes[i].1.pop_front(),
        }
        .expect("an event peeked and not yet taken");
        debug_assert_eq!(e.time(), next.time);
        self.now = next.time;
        self.popped += 1;
        e.event
    }

    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        let next = self.peek()?;
        Some((next.time, self.take(next)))
    }

    pub fn peek_time(&self) -> Option<SimTime> {
        self.peek().map(|n| n.time)
    }

    /// The time of the last event taken out.
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// Events taken out so far, and those the model handled at once instead
    /// ([`EventQueue::handled_at_once`]).
    pub fn processed(&self) -> u64 {
        self.popped
    }

    /// Whether an event pushed now for the current time would be the next
    /// one taken out: none is due at this time yet.
    pub fn nothing_due_now(&self) -> bool {
        self.peek_time() != Some(self.now)
    }

    /// The model handled an event at once that it would otherwise have
    /// pushed for the current time when [`EventQueue::nothing_due_now`]:
    /// counted as taken out, as it would have been next.
    pub fn handled_at_once(&mut self) {
        self.popped += 1;
    }

    pub fn len(&self) -> usize {
        self.heap.len() + self.lanes.iter().map(|(_, l)| l.len()).sum::<usize>()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_times_pop_in_insertion_order() {
        let mut q = EventQueue::new();
        q.push(5, "b");
        q.push(1, "a");
        q.push(5, "c");
        q.push(5, "d");
        let order: Vec<_> = std::iter::from_fn(|| q.pop()).collect();
        assert_eq!(order, vec![(1, "a"), (5, "b"), (5, "c"), (5, "d")]);
    }

    #[test]
    fn nothing_is_due_now_once_the_current_time_is_drained() {
        let mut q = EventQueue::new();
        q.push(5, "a");
        q.push(5, "b");
        q.push(9, "c");
        assert_eq!(q.pop(), Some((5, "a")));
        assert!(!q.nothing_due_now(), "b is due at 5 (heap)");
        assert_eq!(q.pop(), Some((5, "b")));
        assert!(q.nothing_due_now(), "only c, at 9");
        q.push(5, "d");
        assert!(!q.nothing_due_now(), "d is due at 5 (lane)");
        assert_eq!(q.pop(), Some((5, "d")));
        q.handled_at_once();
        assert_eq!(q.processed(), 4, "three taken out, one handled at once");
        assert_eq!(q.pop(), Some((9, "c")));
        assert!(q.nothing_due_now());
    }

    #[test]
    fn events_at_the_current_time_keep_insertion_order_with_the_heap() {
        let mut q = EventQueue::new();
        q.push(5, "a");
        q.push(5, "b");
        q.push(7, "e");
        assert_eq!(q.pop(), Some((5, "a")));
        // Pushed at now = 5: after "b", which was queued earlier for 5.
        q.push(5, "c");
        q.push(0, "d");
        assert_eq!(q.len(), 4);
        assert_eq!(q.peek_time(), Some(5));
        let order: Vec<_> = std::iter::from_fn(|| q.pop()).collect();
        assert_eq!(order, vec![(5, "b"), (5, "c"), (5, "d"), (7, "e")]);
        assert!(q.is_empty());
    }

    /// With fixed-delay lanes, events still come out in (time, insertion)
    /// order: the same order as sorting every push by that key.
    #[test]
    fn lanes_keep_time_and_insertion_order() {
        use proptest::prelude::*;
        proptest!(|(ops in proptest::collection::vec((0u64..4, 0u64..2500, proptest::bool::ANY), 1..300))| {
            let mut q = EventQueue::new();
            q.add_lane(1000);
            q.add_lane(7);
            // The reference: every event with its (time, insertion) key.
            let mut pending: Vec<(SimTime, usize)> = Vec::new();
            let mut out = Vec::new();
            let mut want = Vec::new();
            for (seq, (kind, t, pop)) in ops.into_iter().enumerate() {
                let now = q.now();
                let time = match kind {
                    0 => now,
                    1 => now + 1000,
                    2 => now + 7,
                    _ => now + t,
                };
                q.push(time, seq);
                pending.push((time.max(now), seq));
                if pop {
                    pending.sort();
                    want.push(pending.remove(0));
                    out.push(q.pop().unwrap());
                }
            }
            pending.sort();
            want.extend(pending);
            out.extend(std::iter::from_fn(|| q.pop()));
            prop_assert_eq!(out, want);
            prop_assert!(q.is_empty());
        });
    }

    #[test]
    fn never_schedules_into_the_past() {
        let mut q = EventQueue::new();
        q.push(10, 1);
        q.pop();
        q.push(3, 2);
        assert_eq!(q.pop(), Some((10, 2)));
    }
}
