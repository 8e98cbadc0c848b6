//! The cluster autoscaler's scale-up estimate, as cluster-autoscaler's
//! binpacking estimator makes it: the pods waiting for room are packed,
//! first fit, onto the nodes already on their way and then onto new empty
//! nodes of the pools that could hold them, each new node going to the
//! cheapest such pool below its maximum (then the first in pool order: a
//! deterministic stand-in for the `random` expander).
//!
//! A resource vector is `[cpu millicores, memory bytes, pod slots, then
//! every other resource of `Nodes::resources`]`; `i64::MAX` is unlimited.

/// The pod annotation by which cluster-autoscaler is told not to evict a
/// pod to scale its node down (`"false"`).
pub const SAFE_TO_EVICT: &str = "cluster-autoscaler.kubernetes.io/safe-to-evict";

/// An autoscaled pool as one scan sees it.
#[derive(Clone, Debug, PartialEq)]
pub struct PoolView {
    /// Its nodes, with those being provisioned.
    pub size: u32,
    pub max: u32,
    /// Price per node-hour (0 without a price): the cheapest pool first.
    pub price: f64,
    /// What an empty node of the pool holds.
    pub capacity: Vec<i64>,
    /// Nodes being provisioned: empty nodes the pending pods may count on.
    pub upcoming: u32,
}

/// Pods of one workload that wait for room (they all ask the same).
#[derive(Clone, Debug, PartialEq)]
pub struct PendingGroup {
    pub pods: u32,
    pub demand: Vec<i64>,
    /// Pools (indexes into the views) whose nodes would admit the pods.
    pub pools: Vec<usize>,
}

fn fits(free: &[i64], demand: &[i64]) -> bool {
    free.iter().zip(demand).all(|(&f, &d)| d <= f)
}

fn take(free: &mut [i64], demand: &[i64]) {
    for (f, &d) in free.iter_mut().zip(demand) {
        if *f != i64::MAX {
            *f -= d;
        }
    }
}

/// How many nodes to add to each pool so that the pending pods would fit.
/// Pods that no eligible pool can take (all at their maximum) are left out.
pub fn scale_up(pools: &[PoolView], groups: &[PendingGroup]) -> Vec<u32> {
    let mut added = vec![0u32; pools.len()];
    // (pool, free room) of the nodes being provisioned, then of the new ones.
    let mut bins: Vec<(usize, Vec<i64>)> = Vec::new();
    for (p, v) in pools.iter().enumerate() {
        for _ in 0..v.upcoming {
            bins.push((p, v.capacity.clone()));
        }
    }
    for g in groups {
        // The group's pods ask the same and room only shrinks: a node one
        // of them did not fit, none of the others will (first fit in linear time).
        let mut cursor = 0;
        for _ in 0..g.pods {
            while cursor < bins.len() && !(g.pools.contains(&bins[cursor].0) && fits(&bins[cursor].1, &g.demand)) {
                cursor += 1;
            }
            if let Some((_, free)) = bins.get_mut(cursor) {
                take(free, &g.demand);
                continue;
            }
            let pick = (g.pools.iter().copied())
                .filter(|&p| pools[p].size + added[p] < pools[p].max && fits(&pools[p].capacity, &g.demand))
                .min_by(|&a, &b| pools[a].price.total_cmp(&pools[b].price).then(a.cmp(&b)));
            let Some(p) = pick else { break };
            added[p] += 1;
            let mut free = pools[p].capacity.clone();
            take(&mut free, &g.demand);
            bins.push((p, free));
        }
    }
    added
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pool(size: u32, max: u32, price: f64, cpu: i64) -> PoolView {
        PoolView {
            size,
            max,
            price,
            capacity: vec![cpu, i64::MAX, 110],
            upcoming: 0,
        }
    }

    fn group(pods: u32, cpu: i64, pools: &[usize]) -> PendingGroup {
        PendingGroup {
            pods,
            demand: vec![cpu, 0, 1],
            pools: pools.to_vec(),
        }
    }

    #[test]
    fn enough_empty_nodes_for_the_pending_pods() {
        // 10 pods of 3 cpus on 8-cpu nodes: 2 a node, 5 nodes.
        assert_eq!(scale_up(&[pool(1, 10, 1.0, 8000)], &[group(10, 3000, &[0])]), [5]);
        // One more pod needs one more node.
        assert_eq!(scale_up(&[pool(1, 10, 1.0, 8000)], &[group(11, 3000, &[0])]), [6]);
    }

    #[test]
    fn never_above_max() {
        assert_eq!(scale_up(&[pool(8, 10, 1.0, 8000)], &[group(10, 3000, &[0])]), [2]);
        assert_eq!(scale_up(&[pool(10, 10, 1.0, 8000)], &[group(10, 3000, &[0])]), [0]);
    }

    #[test]
    fn nodes_on_their_way_count() {
        let mut p = pool(3, 10, 1.0, 8000);
        p.upcoming = 2;
        // 4 of the 10 pods go to the 2 nodes being provisioned.
        assert_eq!(scale_up(&[p], &[group(10, 3000, &[0])]), [3]);
    }

    #[test]
    fn cheapest_eligible_pool_first_then_pool_order() {
        let pools = [pool(0, 10, 2.0, 8000), pool(0, 10, 1.0, 8000), pool(0, 10, 1.0, 8000)];
        assert_eq!(scale_up(&pools, &[group(4, 3000, &[0, 1, 2])]), [0, 2, 0]);
        // Pool 1 is not eligible (its nodes would not admit the pods).
        assert_eq!(scale_up(&pools, &[group(4, 3000, &[0, 2])]), [0, 0, 2]);
        // The cheapest is full: the next one.
        let pools = [pool(0, 10, 2.0, 8000), pool(1, 1, 1.0, 8000)];
        assert_eq!(scale_up(&pools, &[group(4, 3000, &[0, 1])]), [2, 0]);
    }

    #[test]
    fn pods_no_node_could_hold_add_nothing() {
        // Larger than a node.
        assert_eq!(scale_up(&[pool(0, 10, 1.0, 2000)], &[group(3, 3000, &[0])]), [0]);
        // No eligible pool.
        assert_eq!(scale_up(&[pool(0, 10, 1.0, 8000)], &[group(3, 3000, &[])]), [0]);
    }

    #[test]
    fn groups_share_the_new_nodes() {
        // 1 pod of 6 cpus and 2 of 2 cpus: the small ones fill the first node.
        let g = [group(1, 6000, &[0]), group(2, 1000, &[0])];
        assert_eq!(scale_up(&[pool(0, 10, 1.0, 8000)], &g), [1]);
    }
}
