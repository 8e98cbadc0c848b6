//! The world's Jobs and pods by id ([`JobTable`], [`PodSlab`]): ids count up
//! in creation order and are never reused (pod names and UIDs are made from
//! them). An entry is emptied when its Job or pod leaves the world, so its
//! memory goes and only the empty entry (8 bytes) stays: the world's memory
//! follows what is alive, not what has finished.

use super::ids::{JobId, PodId};
use super::{JobSlot, PodSlot};
use std::marker::PhantomData;
use std::ops::{Index, IndexMut};

/// An id that names an entry of a [`Slab`] by its position.
pub(super) trait SlabId: Copy {
    fn at(index: usize) -> Self;
    fn index(self) -> usize;
}

impl SlabId for JobId {
    fn at(index: usize) -> Self {
        JobId(index as u32)
    }
    fn index(self) -> usize {
        JobId::index(self)
    }
}

impl SlabId for PodId {
    fn at(index: usize) -> Self {
        PodId(index as u32)
    }
    fn index(self) -> usize {
        PodId::index(self)
    }
}

pub(super) struct Slab<I, T> {
    slots: Vec<Option<Box<T>>>,
    id: PhantomData<I>,
}

/// The Jobs of a run: an entry empties once nothing can refer to its Job any
/// more (`World::try_retire`), its result gone to the run's `ResultSink`.
pub(super) type JobTable = Slab<JobId, JobSlot>;
/// The pods of a run: an entry empties when the pod object is gone.
pub(super) type PodSlab = Slab<PodId, PodSlot>;

impl<I, T> Default for Slab<I, T> {
    fn default() -> Self {
        Slab {
            slots: Vec::new(),
            id: PhantomData,
        }
    }
}

impl<I: SlabId, T> Slab<I, T> {
    /// The id the next entry gets.
    pub fn next_id(&self) -> I {
        I::at(self.slots.len())
    }

    pub fn push(&mut self, value: T) -> I {
        let id = self.next_id();
        self.slots.push(Some(Box::new(value)));
        id
    }

    /// The entry `id`, unless it has left.
    #[inline]
    pub fn get(&self, id: I) -> Option<&T> {
        self.slots.get(id.index()).and_then(Option::as_deref)
    }

    #[inline]
    pub fn get_mut(&mut self, id: I) -> Option<&mut T> {
        self.slots.get_mut(id.index()).and_then(Option::as_deref_mut)
    }

    /// Takes the entry out: for good, or to work on it beside the rest of the
    /// world and give it back with [`Slab::put`].
    #[inline]
    pub fn take(&mut self, id: I) -> Option<Box<T>> {
        self.slots.get_mut(id.index()).and_then(Option::take)
    }

    #[inline]
    pub fn put(&mut self, id: I, value: Box<T>) {
        self.slots[id.index()] = Some(value);
    }

    /// The entries still in, with their ids, in id order.
    pub fn iter(&self) -> impl Iterator<Item = (I, &T)> {
        (self.slots.iter().enumerate()).filter_map(|(i, s)| Some((I::at(i), s.as_deref()?)))
    }

    /// The same, to change.
    pub fn iter_mut(&mut self) -> impl Iterator<Item = (I, &mut T)> {
        (self.slots.iter_mut().enumerate()).filter_map(|(i, s)| Some((I::at(i), s.as_deref_mut()?)))
    }
}

/// Only entries still in are looked up by id: an id that left is a bug in
/// the world's bookkeeping, not an input error.
impl<I: SlabId, T> Index<I> for Slab<I, T> {
    type Output = T;
    #[inline]
    fn index(&self, id: I) -> &T {
        self.get(id).expect("what left the world is not referred to")
    }
}

impl<I: SlabId, T> IndexMut<I> for Slab<I, T> {
    #[inline]
    fn index_mut(&mut self, id: I) -> &mut T {
        self.get_mut(id).expect("what left the world is not referred to")
    }
}
