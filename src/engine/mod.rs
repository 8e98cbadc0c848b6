//! The discrete-event engine: a virtual clock and a queue of events ordered by
//! (time, insertion sequence). It knows nothing of Kubernetes.

mod queue;

pub use queue::EventQueue;

use crate::time::SimTime;

/// Something the engine drives: it handles one event at a time and may
/// schedule more.
pub trait Model {
    type Event;
    fn handle(&mut self, now: SimTime, event: Self::Event, queue: &mut EventQueue<Self::Event>);

    /// Asks the memory system for what handling `event` will read first,
    /// while the event before it is handled. A hint: it changes no result.
    fn prefetch(&self, _event: &Self::Event) {}
}

/// Why a run stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stop {
    /// Nothing left to do.
    Drained,
    /// The next event lies past the horizon.
    Horizon,
    /// More than the cap of events ran at one instant without the clock
    /// moving: a loop that no horizon ends.
    Stalled { at: SimTime },
}

/// The most events one instant may hold. Far above any real burst (100,000
/// Jobs created at t=0 take a few hundred thousand), and reached in a second
/// or two by a model that keeps scheduling work at the same time.
pub const MAX_EVENTS_AT_ONE_INSTANT: u64 = 50_000_000;

/// Runs until the queue is empty, the next event is after `until`, or more
/// than [`MAX_EVENTS_AT_ONE_INSTANT`] events ran at one time.
/// `progress` is called every 65,536 events with the current time.
pub fn run<M: Model>(
    model: &mut M,
    queue: &mut EventQueue<M::Event>,
    until: Option<SimTime>,
    progress: impl FnMut(SimTime),
) -> Stop {
    run_capped(model, queue, until, MAX_EVENTS_AT_ONE_INSTANT, progress)
}

/// [`run`], with the cap of events at one instant given.
pub fn run_capped<M: Model>(
    model: &mut M,
    queue: &mut EventQueue<M::Event>,
    until: Option<SimTime>,
    cap: u64,
    mut progress: impl FnMut(SimTime),
) -> Stop {
    let mut n: u32 = 0;
    let (mut instant, mut at_instant) = (0, 0u64);
    loop {
        let Some(next) = queue.peek() else {
            return Stop::Drained;
        };
        let now = next.time;
        if until.is_some_and(|u| now > u) {
            return Stop::Horizon;
        }
        if now == instant {
            at_instant += 1;
            if at_instant > cap {
                return Stop::Stalled { at: now };
            }
        } else {
            (instant, at_instant) = (now, 1);
        }
        let event = queue.take(next);
        if let Some(upcoming) = queue.peek_heap() {
            model.prefetch(upcoming);
        }
        model.handle(now, event, queue);
        n = n.wrapping_add(1);
        if n & 0xffff == 0 {
            progress(now);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Chain {
        seen: Vec<(SimTime, u32)>,
    }

    impl Model for Chain {
        type Event = u32;
        fn handle(&mut self, now: SimTime, e: u32, q: &mut EventQueue<u32>) {
            self.seen.push((now, e));
            if e < 3 {
                q.push(now + 10, e + 1);
            }
        }
    }

    #[test]
    fn runs_until_drained_or_horizon() {
        let mut m = Chain { seen: vec![] };
        let mut q = EventQueue::new();
        q.push(0, 0);
        assert_eq!(run(&mut m, &mut q, None, |_| {}), Stop::Drained);
        assert_eq!(m.seen, vec![(0, 0), (10, 1), (20, 2), (30, 3)]);
        let mut m = Chain { seen: vec![] };
        let mut q = EventQueue::new();
        q.push(0, 0);
        assert_eq!(run(&mut m, &mut q, Some(15), |_| {}), Stop::Horizon);
        assert_eq!(m.seen.len(), 2);
        assert_eq!(q.processed(), 2);
    }

    /// A model that keeps scheduling at the same instant is stopped at the cap.
    struct Spin;

    impl Model for Spin {
        type Event = ();
        fn handle(&mut self, now: SimTime, _: (), q: &mut EventQueue<()>) {
            q.push(now, ());
        }
    }

    #[test]
    fn a_loop_at_one_instant_stops_at_the_cap() {
        let mut q = EventQueue::new();
        q.push(7, ());
        assert_eq!(
            run_capped(&mut Spin, &mut q, None, 1000, |_| {}),
            Stop::Stalled { at: 7 }
        );
        assert_eq!(q.processed(), 1000);
    }
}
