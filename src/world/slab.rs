//! The world's Jobs and pods by id ([`JobTable`], [`PodSlab`]): ids count up
//! in creation order and are never reused (pod names and UIDs are made from
//! them). An entry is emptied when its Job or pod leaves the world, and the
//! table lets go of its front once the entries there have all left: its
//! memory follows the span of ids alive, not everything a run ever made (a
//! table that kept every entry cost 8 bytes a pod: 8 MB a million).

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

/// Entries gone at the front before the table lets go of them: a move of
/// the rest is then paid by at least as many removals.
const MIN_GONE: usize = 1024;

pub(super) struct Slab<I, T> {
    /// The entries of ids `base..`; every id before `base` has left.
    slots: Vec<Option<Box<T>>>,
    base: usize,
    /// How many leading entries of `slots` have left for good.
    gone: usize,
    /// Entries taken out to be worked on ([`Slab::take`]) and not yet put back:
    /// while any is, an empty entry may be one of them, so the front stays.
    out: usize,
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
            base: 0,
            gone: 0,
            out: 0,
            id: PhantomData,
        }
    }
}

impl<I: SlabId, T> Slab<I, T> {
    /// The id the next entry gets.
    pub fn next_id(&self) -> I {
        I::at(self.base + self.slots.len())
    }

    pub fn push(&mut self, value: T) -> I {
        let id = self.next_id();
        self.slots.push(Some(Box::new(value)));
        id
    }

    /// The entry `id`, unless it has left.
    #[inline]
    pub fn get(&self, id: I) -> Option<&T> {
        self.slots
            .get(id.index().wrapping_sub(self.base))
            .and_then(Option::as_deref)
    }

    #[inline]
    pub fn get_mut(&mut self, id: I) -> Option<&mut T> {
        (self.slots.get_mut(id.index().wrapping_sub(self.base))).and_then(Option::as_deref_mut)
    }

    /// Starts loading the entry `id` into the cache, if it is there.
    #[inline]
    pub fn prefetch(&self, id: I) {
        if let Some(value) = self.get(id) {
            crate::prefetch::prefetch(value);
        }
    }

    /// Takes the entry out, to work on it beside the rest of the world and
    /// give it back with [`Slab::put`].
    #[inline]
    pub fn take(&mut self, id: I) -> Option<Box<T>> {
        let value = self.slots.get_mut(id.index().wrapping_sub(self.base))?.take()?;
        self.out += 1;
        Some(value)
    }

    #[inline]
    pub fn put(&mut self, id: I, value: Box<T>) {
        self.out -= 1;
        self.slots[id.index() - self.base] = Some(value);
    }

    /// Takes the entry out for good: its Job or pod has left the world.
    pub fn remove(&mut self, id: I) -> Option<Box<T>> {
        let value = self.slots.get_mut(id.index().wrapping_sub(self.base))?.take()?;
        if self.out == 0 {
            while self.slots.get(self.gone).is_some_and(Option::is_none) {
                self.gone += 1;
            }
            if self.gone >= MIN_GONE && 2 * self.gone >= self.slots.len() {
                self.slots.drain(..self.gone);
                self.base += self.gone;
                self.gone = 0;
            }
        }
        Some(value)
    }

    /// The entries still in, with their ids, in id order.
    pub fn iter(&self) -> impl Iterator<Item = (I, &T)> {
        let base = self.base;
        (self.slots.iter().enumerate()).filter_map(move |(i, s)| Some((I::at(base + i), s.as_deref()?)))
    }

    /// The same, to change.
    pub fn iter_mut(&mut self) -> impl Iterator<Item = (I, &mut T)> {
        let base = self.base;
        (self.slots.iter_mut().enumerate()).filter_map(move |(i, s)| Some((I::at(base + i), s.as_deref_mut()?)))
    }

    /// Entries held, in or empty: what the table costs.
    #[cfg(test)]
    fn held(&self) -> usize {
        self.slots.capacity()
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    #[derive(Clone, Copy, Debug)]
    struct Id(u32);

    impl SlabId for Id {
        fn at(index: usize) -> Self {
            Id(index as u32)
        }
        fn index(self) -> usize {
            self.0 as usize
        }
    }

    #[derive(Clone, Debug)]
    enum Op {
        Push(u32),
        Remove(usize),
        /// Take entries out, remove others meanwhile, put the first back.
        Work(usize, Vec<usize>),
        Get(usize),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            4 => any::<u32>().prop_map(Op::Push),
            4 => any::<usize>().prop_map(Op::Remove),
            1 => (any::<usize>(), prop::collection::vec(any::<usize>(), 0..4)).prop_map(|(a, b)| Op::Work(a, b)),
            1 => any::<usize>().prop_map(Op::Get),
        ]
    }

    proptest! {
        /// The table answers as a map from id to entry would, ids count up
        /// and are never reused, iteration goes in id order, and an entry
        /// taken out to be worked on survives removals meanwhile.
        #[test]
        fn the_slab_behaves_as_a_map_by_id(ops in prop::collection::vec(op(), 0..3000)) {
            let mut slab: Slab<Id, u32> = Slab::default();
            let mut model: BTreeMap<usize, u32> = BTreeMap::new();
            let mut next = 0usize;
            for op in ops {
                // Ids near the end (where most removals fall), unknown ones too.
                let pick = |x: usize| next.saturating_sub(x % 64);
                match op {
                    Op::Push(v) => {
                        prop_assert_eq!(slab.push(v).0 as usize, next);
                        model.insert(next, v);
                        next += 1;
                    }
                    Op::Remove(x) => {
                        let i = pick(x);
                        prop_assert_eq!(slab.remove(Id(i as u32)).map(|b| *b), model.remove(&i));
                    }
                    Op::Work(x, others) => {
                        let i = pick(x);
                        let taken = slab.take(Id(i as u32));
                        prop_assert_eq!(taken.as_deref(), model.get(&i));
                        for o in others {
                            let o = pick(o);
                            if o != i {
                                prop_assert_eq!(slab.remove(Id(o as u32)).map(|b| *b), model.remove(&o));
                            }
                        }
                        if let Some(b) = taken {
                            slab.put(Id(i as u32), b);
                        }
                    }
                    Op::Get(x) => {
                        let i = pick(x);
                        prop_assert_eq!(slab.get(Id(i as u32)), model.get(&i));
                    }
                }
                prop_assert_eq!(slab.next_id().0 as usize, next);
            }
            let listed: Vec<(usize, u32)> = slab.iter().map(|(i, v)| (i.0 as usize, *v)).collect();
            let want: Vec<(usize, u32)> = model.iter().map(|(i, v)| (*i, *v)).collect();
            prop_assert_eq!(listed, want);
            for (_, v) in slab.iter_mut() {
                *v = v.wrapping_add(1);
            }
            for (i, v) in &model {
                prop_assert_eq!(slab.get(Id(*i as u32)), Some(&v.wrapping_add(1)));
            }
        }
    }

    /// A million entries made and gone, a few at a time, leave a table the
    /// size of what is alive, not of everything ever made.
    #[test]
    fn memory_follows_what_is_alive() {
        let mut slab: Slab<Id, u64> = Slab::default();
        for i in 0..1_000_000u64 {
            let id = slab.push(i);
            if i >= 100 {
                assert_eq!(slab.remove(Id(id.0 - 100)).map(|b| *b), Some(i - 100));
            }
        }
        assert_eq!(slab.iter().count(), 100);
        assert!(slab.held() <= 4 * MIN_GONE, "{} entries held", slab.held());
        assert_eq!(slab.get(Id(999_950)), Some(&999_950));
        assert_eq!(slab.get(Id(5)), None, "a removed id stays unknown");
    }
}
