//! The pods of a run by id. A pod's entry is emptied when the pod object is
//! gone; ids are not reused (names and UIDs are made from them), so an empty
//! entry (8 bytes) stays for each pod ever created.

use super::PodSlot;
use super::ids::PodId;

#[derive(Default)]
pub(super) struct PodSlab {
    slots: Vec<Option<Box<PodSlot>>>,
}

impl PodSlab {
    /// The id the next pod gets.
    pub fn next_id(&self) -> PodId {
        PodId(self.slots.len() as u32)
    }

    pub fn push(&mut self, pod: Box<PodSlot>) -> PodId {
        let id = self.next_id();
        self.slots.push(Some(pod));
        id
    }

    /// The pod `id`, unless it is gone.
    #[inline]
    pub fn get(&self, id: PodId) -> Option<&PodSlot> {
        self.slots.get(id.index()).and_then(Option::as_deref)
    }

    #[inline]
    pub fn get_mut(&mut self, id: PodId) -> Option<&mut PodSlot> {
        self.slots.get_mut(id.index()).and_then(Option::as_deref_mut)
    }

    /// The pod `id`, which the caller knows to be in the world.
    #[inline]
    pub fn live(&self, id: PodId) -> &PodSlot {
        self.get(id).expect("a pod that is gone is not referred to")
    }

    #[inline]
    pub fn live_mut(&mut self, id: PodId) -> &mut PodSlot {
        self.get_mut(id).expect("a pod that is gone is not referred to")
    }

    /// Takes the pod out, to work on it beside the rest of the world; give it
    /// back with [`PodSlab::put`], or drop it when the pod object is gone.
    #[inline]
    pub fn take(&mut self, id: PodId) -> Option<Box<PodSlot>> {
        self.slots.get_mut(id.index()).and_then(Option::take)
    }

    #[inline]
    pub fn put(&mut self, id: PodId, pod: Box<PodSlot>) {
        self.slots[id.index()] = Some(pod);
    }
}
