//! A binary heap keyed by (time, sequence number): events at equal times come
//! out in insertion order. Events scheduled for the current instant (a third
//! of a run's events: syncs picked up by idle workers, for one) skip the heap
//! and wait in a FIFO lane, which keeps the same order. Cancellation is lazy:
//! events carry a generation that the model checks when they come out.

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

pub struct EventQueue<E> {
    heap: BinaryHeap<Entry<E>>,
    /// Events at `now`, in insertion order; all come before anything in the heap
    /// at a later time, and after heap events at `now` with smaller sequence numbers.
    lane: VecDeque<Entry<E>>,
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
            lane: VecDeque::with_capacity(64),
            seq: 0,
            popped: 0,
            now: 0,
        }
    }

    /// Schedules `event` at `time` (not before the current time).
    pub fn push(&mut self, time: SimTime, event: E) {
        let time = time.max(self.now);
        let entry = Entry {
            key: (time as u128) << 64 | self.seq as u128,
            event,
        };
        if time == self.now {
            self.lane.push_back(entry);
        } else {
            self.heap.push(entry);
        }
        self.seq += 1;
    }

    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        let from_lane = match (self.lane.front(), self.heap.peek()) {
            (Some(l), Some(h)) => l.key < h.key,
            (Some(_), None) => true,
            (None, _) => false,
        };
        let e = if from_lane {
            self.lane.pop_front()?
        } else {
            self.heap.pop()?
        };
        self.now = e.time();
        self.popped += 1;
        Some((self.now, e.event))
    }

    pub fn peek_time(&self) -> Option<SimTime> {
        match (self.lane.front(), self.heap.peek()) {
            (Some(l), Some(h)) => Some(l.time().min(h.time())),
            (l, h) => l.or(h).map(Entry::time),
        }
    }

    /// The time of the last event taken out.
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// Events taken out so far.
    pub fn processed(&self) -> u64 {
        self.popped
    }

    pub fn len(&self) -> usize {
        self.heap.len() + self.lane.len()
    }

    pub fn is_empty(&self) -> bool {
        self.heap.is_empty() && self.lane.is_empty()
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

    #[test]
    fn never_schedules_into_the_past() {
        let mut q = EventQueue::new();
        q.push(10, 1);
        q.pop();
        q.push(3, 2);
        assert_eq!(q.pop(), Some((10, 2)));
    }
}
