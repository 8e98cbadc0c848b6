//! The Jobs of a run by id (ids count up in creation order). A Job leaves
//! the table once nothing can refer to it any more: its slot's memory goes,
//! its result has gone to the run's [`ResultSink`](crate::record::ResultSink),
//! and only the empty entry stays, so that the world's memory follows the
//! Jobs alive, not those already finished.

use super::JobSlot;
use std::ops::{Index, IndexMut};

#[derive(Default)]
pub(super) struct JobTable {
    slots: Vec<Option<Box<JobSlot>>>,
}

impl JobTable {
    /// Ids handed out so far (the next Job's id).
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    pub fn push(&mut self, slot: JobSlot) {
        self.slots.push(Some(Box::new(slot)));
    }

    /// The Job `id`, unless it has left.
    #[inline]
    pub fn get(&self, id: usize) -> Option<&JobSlot> {
        self.slots.get(id).and_then(Option::as_deref)
    }

    pub fn get_mut(&mut self, id: usize) -> Option<&mut JobSlot> {
        self.slots.get_mut(id).and_then(Option::as_deref_mut)
    }

    /// Takes the Job `id` out of the table for good.
    pub fn remove(&mut self, id: usize) -> Option<Box<JobSlot>> {
        self.slots.get_mut(id).and_then(Option::take)
    }

    /// The Jobs still in the table, with their ids, in id order.
    pub fn live(&self) -> impl Iterator<Item = (usize, &JobSlot)> {
        (self.slots.iter().enumerate()).filter_map(|(i, s)| Some((i, s.as_deref()?)))
    }

    /// The same, to change.
    pub fn live_mut(&mut self) -> impl Iterator<Item = (usize, &mut JobSlot)> {
        (self.slots.iter_mut().enumerate()).filter_map(|(i, s)| Some((i, s.as_deref_mut()?)))
    }
}

/// Only the Jobs still in the table are looked up by id: an id that left is a
/// bug in the world's bookkeeping, not an input error.
impl Index<usize> for JobTable {
    type Output = JobSlot;
    fn index(&self, id: usize) -> &JobSlot {
        self.slots[id]
            .as_deref()
            .expect("a Job that left the world is not referred to")
    }
}

impl IndexMut<usize> for JobTable {
    fn index_mut(&mut self, id: usize) -> &mut JobSlot {
        self.slots[id]
            .as_deref_mut()
            .expect("a Job that left the world is not referred to")
    }
}
