//! The Jobs of a run by id (ids count up in creation order). A Job leaves
//! the table once nothing can refer to it any more: its slot's memory goes,
//! its result has gone to the run's [`ResultSink`](crate::record::ResultSink),
//! and only the empty entry stays, so that the world's memory follows the
//! Jobs alive, not those already finished.

use super::JobSlot;
use super::ids::JobId;
use std::ops::{Index, IndexMut};

#[derive(Default)]
pub(super) struct JobTable {
    slots: Vec<Option<Box<JobSlot>>>,
}

impl JobTable {
    /// The id the next Job gets.
    pub fn next_id(&self) -> JobId {
        JobId(self.slots.len() as u32)
    }

    pub fn push(&mut self, slot: JobSlot) -> JobId {
        let id = self.next_id();
        self.slots.push(Some(Box::new(slot)));
        id
    }

    /// The Job `id`, unless it has left.
    #[inline]
    pub fn get(&self, id: JobId) -> Option<&JobSlot> {
        self.slots.get(id.index()).and_then(Option::as_deref)
    }

    pub fn get_mut(&mut self, id: JobId) -> Option<&mut JobSlot> {
        self.slots.get_mut(id.index()).and_then(Option::as_deref_mut)
    }

    /// Takes the Job `id` out of the table for good.
    pub fn remove(&mut self, id: JobId) -> Option<Box<JobSlot>> {
        self.slots.get_mut(id.index()).and_then(Option::take)
    }

    /// The Jobs still in the table, with their ids, in id order.
    pub fn live(&self) -> impl Iterator<Item = (JobId, &JobSlot)> {
        (self.slots.iter().enumerate()).filter_map(|(i, s)| Some((JobId(i as u32), s.as_deref()?)))
    }

    /// The same, to change.
    pub fn live_mut(&mut self) -> impl Iterator<Item = (JobId, &mut JobSlot)> {
        (self.slots.iter_mut().enumerate()).filter_map(|(i, s)| Some((JobId(i as u32), s.as_deref_mut()?)))
    }
}

/// Only the Jobs still in the table are looked up by id: an id that left is a
/// bug in the world's bookkeeping, not an input error.
impl Index<JobId> for JobTable {
    type Output = JobSlot;
    fn index(&self, id: JobId) -> &JobSlot {
        self.slots[id.index()]
            .as_deref()
            .expect("a Job that left the world is not referred to")
    }
}

impl IndexMut<JobId> for JobTable {
    fn index_mut(&mut self, id: JobId) -> &mut JobSlot {
        self.slots[id.index()]
            .as_deref_mut()
            .expect("a Job that left the world is not referred to")
    }
}
