//! kube-scheduler's default preemption (the `DefaultPreemption` plugin,
//! `framework/preemption/preemption.go`), as pure functions over resource
//! vectors (`[cpu millicores, memory bytes, pod slots, then every other
//! resource of `Nodes::resources`]`, as `Nodes::demand` makes them).
//!
//! For each node where preemption might help, `select_victims` removes every
//! pod of lower priority than the preemptor; if the preemptor then fits, it
//! reprieves as many of them as it can, the most important first. Among the
//! nodes that have victims, `pick_node` chooses as `pickOneNodeForPreemption`
//! does. PodDisruptionBudgets are not modelled: every node has zero PDB
//! violations, so the first criterion never decides.

/// A pod a preemptor might remove from a node.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Victim {
    /// The caller's name for the pod (the world's pod slot).
    pub id: u32,
    pub priority: i32,
    /// Its `status.startTime`, in ms; a pod not started counts as starting
    /// now, as `GetPodStartTime` makes it.
    pub start: u64,
    /// What it holds on the node.
    pub demand: Vec<i64>,
}

fn fits(free: &[i64], need: &[i64]) -> bool {
    free.iter().zip(need).all(|(&f, &d)| d <= f)
}

/// `MoreImportantPod`: higher priority first, then the earlier start.
fn more_important(a: &Victim, b: &Victim) -> std::cmp::Ordering {
    b.priority.cmp(&a.priority).then(a.start.cmp(&b.start))
}

/// `SelectVictimsOnNode`: `free` is the node's room now (allocatable less
/// what its pods and the nominated pods of at least the preemptor's
/// priority hold), `lower` its pods of lower priority than the preemptor.
/// `None` when the preemptor does not fit even without all of them (or
/// there are none); else the victims, the most important first.
pub fn select_victims(free: &[i64], need: &[i64], mut lower: Vec<Victim>) -> Option<Vec<Victim>> {
    if lower.is_empty() {
        return None;
    }
    // Remove all the lower-priority pods.
    let mut room = free.to_vec();
    for v in &lower {
        for (r, &d) in room.iter_mut().zip(&v.demand) {
            *r = r.saturating_add(d);
        }
    }
    if !fits(&room, need) {
        return None;
    }
    // Reprieve as many as possible, from the most important down (a
    // stable sort: equals keep the node's order).
    lower.sort_by(more_important);
    let mut victims = Vec::new();
    for v in lower {
        let after: Vec<i64> = room.iter().zip(&v.demand).map(|(&r, &d)| r.saturating_sub(d)).collect();
        if fits(&after, need) {
            room = after;
        } else {
            victims.push(v);
        }
    }
    Some(victims)
}

/// `pickOneNodeForPreemption`: of the candidates (node, victims the most
/// important first), the one with (PDB violations: none here) the lowest
/// highest victim priority, then the smallest sum of victim priorities,
/// then the fewest victims, then the latest start of the earliest-started
/// highest-priority victim; the first in candidate order on a tie (upstream
/// iterates a map, "sort of randomly"). A node needing no victim wins at
/// once. Returns the index into `candidates`.
pub fn pick_node(candidates: &[(usize, Vec<Victim>)]) -> Option<usize> {
    if let Some(i) = candidates.iter().position(|(_, v)| v.is_empty()) {
        return Some(i);
    }
    let key = |victims: &[Victim]| {
        let highest = victims[0].priority;
        // Each priority shifted by MaxInt32 + 1, as upstream sums them.
        let sum: i64 = victims.iter().map(|v| i64::from(v.priority) + (1i64 << 31)).sum();
        // `GetEarliestPodStartTime`: among the highest-priority victims.
        let earliest = (victims.iter())
            .filter(|v| v.priority == highest)
            .map(|v| v.start)
            .min()
            .unwrap_or(0);
        (highest, sum, victims.len(), std::cmp::Reverse(earliest))
    };
    (candidates.iter().enumerate())
        .min_by_key(|(i, (_, v))| (key(v), *i))
        .map(|(i, _)| i)
}

/// `calculateNumCandidates`: the dry run stops after this many candidate
/// nodes, 10% of the nodes but at least 100 (`minCandidateNodesPercentage`,
/// `minCandidateNodesAbsolute`), at most all of them.
pub fn num_candidates(nodes: usize) -> usize {
    (nodes * 10 / 100).max(100).min(nodes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(id: u32, priority: i32, start: u64, cpu: i64) -> Victim {
        Victim {
            id,
            priority,
            start,
            demand: vec![cpu, 0, 1],
        }
    }

    fn ids(victims: &[Victim]) -> Vec<u32> {
        victims.iter().map(|v| v.id).collect()
    }

    #[test]
    fn victims_are_the_fewest_lower_priority_pods_reprieving_the_most_important() {
        // An 8-cpu node, full: pods of 2 cpus at priorities 0, 5, 5, 1.
        let pods = vec![
            v(1, 0, 10, 2000),
            v(2, 5, 30, 2000),
            v(3, 5, 20, 2000),
            v(4, 1, 40, 2000),
        ];
        let free = [0, i64::MAX - 8, 106];
        // A pod of 4 cpus: two victims, the least important ones (priority 0 and 1).
        let got = select_victims(&free, &[4000, 0, 1], pods.clone()).unwrap();
        assert_eq!(ids(&got), [4, 1], "most important first");
        // A pod of 6 cpus: the earlier-started of the two priority-5 pods is reprieved.
        let got = select_victims(&free, &[6000, 0, 1], pods.clone()).unwrap();
        assert_eq!(ids(&got), [2, 4, 1]);
        // A pod of 10 cpus fits even on an empty node? No: not a candidate.
        assert_eq!(select_victims(&free, &[10_000, 0, 1], pods), None);
        // No lower-priority pod: not a candidate.
        assert_eq!(select_victims(&free, &[1000, 0, 1], Vec::new()), None);
        // Pod slots count as a resource.
        let full = [8000, i64::MAX, 0];
        let got = select_victims(&full, &[0, 0, 1], vec![v(7, 0, 1, 0), v(8, 0, 2, 0)]).unwrap();
        assert_eq!(ids(&got), [8], "the later-started pod goes");
    }

    #[test]
    fn the_node_is_picked_by_upstream_criteria_in_order() {
        let node = |n: usize, victims: Vec<Victim>| (n, victims);
        // Lowest highest-victim priority wins over fewer victims.
        let c = [
            node(0, vec![v(1, 5, 0, 1)]),
            node(1, vec![v(2, 1, 0, 1), v(3, 1, 0, 1)]),
        ];
        assert_eq!(pick_node(&c), Some(1));
        // Same highest priority: the smaller sum of priorities.
        let c = [
            node(0, vec![v(1, 5, 0, 1), v(2, 3, 0, 1)]),
            node(1, vec![v(3, 5, 0, 1), v(4, 2, 0, 1)]),
        ];
        assert_eq!(pick_node(&c), Some(1));
        // Same sum (shifted by 2^31 each, so fewer victims sum less).
        let c = [
            node(0, vec![v(1, 0, 0, 1), v(2, 0, 0, 1)]),
            node(1, vec![v(3, 0, 0, 1)]),
        ];
        assert_eq!(pick_node(&c), Some(1));
        // Same everything but start: the node whose highest-priority victims started latest.
        let c = [
            node(0, vec![v(1, 3, 100, 1), v(2, 1, 900, 1)]),
            node(1, vec![v(3, 3, 200, 1), v(4, 1, 0, 1)]),
            node(2, vec![v(5, 3, 200, 1), v(6, 1, 0, 1)]),
        ];
        assert_eq!(pick_node(&c), Some(1), "latest start, then the first");
        // A node that needs no victim.
        let c = [node(0, vec![v(1, 0, 0, 1)]), node(1, Vec::new())];
        assert_eq!(pick_node(&c), Some(1));
        assert_eq!(pick_node(&[]), None);
    }

    #[test]
    fn candidates_are_ten_percent_of_the_nodes_but_at_least_a_hundred() {
        assert_eq!(num_candidates(5), 5);
        assert_eq!(num_candidates(500), 100);
        assert_eq!(num_candidates(5000), 500);
    }
}
