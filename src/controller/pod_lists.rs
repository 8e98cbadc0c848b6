//! Pod-reference lists a sync builds (its pods, the active ones, the newly
//! finished, the finalizers to remove), kept empty between syncs so that the
//! next sync reuses their allocations. A sync runs 3 to 4 times per pod, and
//! these lists were most of its allocations.

/// Empty lists, each with capacity, waiting for the next sync.
pub struct PodLists<P: 'static>(Vec<Vec<&'static P>>);

impl<P> Default for PodLists<P> {
    fn default() -> Self {
        PodLists(Vec::new())
    }
}

impl<P> PodLists<P> {
    /// An empty list, with the capacity of one returned earlier when there is one.
    pub fn take<'a>(&mut self) -> Vec<&'a P> {
        self.0.pop().map(relifetime).unwrap_or_default()
    }

    /// Keeps `list`'s allocation for a later [`PodLists::take`].
    pub fn give(&mut self, list: Vec<&P>) {
        if list.capacity() > 0 {
            self.0.push(relifetime(list));
        }
    }
}

/// Empties `v` and retypes it to references of another lifetime. std collects
/// a vector's `IntoIter` into a vector of a same-sized type in place, so the
/// allocation carries over; no element survives, so no reference outlives
/// its pod.
fn relifetime<'b, P>(mut v: Vec<&P>) -> Vec<&'b P> {
    v.clear();
    v.into_iter().map(|_| unreachable!("the list was emptied")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::Pod;

    #[test]
    fn a_returned_list_comes_back_empty_with_its_allocation() {
        let pods = vec![Pod::default(), Pod::default()];
        let mut lists = PodLists::default();
        let mut list: Vec<&Pod> = lists.take();
        list.extend(pods.iter());
        list.reserve(30);
        let (ptr, cap) = (list.as_ptr() as usize, list.capacity());
        lists.give(list);
        drop(pods);
        let again: Vec<&Pod> = lists.take();
        assert!(again.is_empty());
        assert_eq!((again.as_ptr() as usize, again.capacity()), (ptr, cap));
        assert!(lists.take().capacity() == 0, "one list was given, one taken");
    }
}
