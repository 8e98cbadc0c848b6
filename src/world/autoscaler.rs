//! The cluster autoscaler: every `scanInterval` it adds nodes to autoscaled
//! pools for the pods that wait for room (they join after their drawn
//! provisioning time, as `addNodes` adds them), and removes nodes that have
//! been unneeded for `scaleDownUnneededTime` (as `removeNodes` removes them):
//! empty, or below `scaleDownUtilizationThreshold` with pods that fit on
//! other nodes; never taking a pool past its `min` or `max`.

use super::*;
use crate::cluster::autoscaler::{PendingGroup, PoolView, scale_up};
use crate::scenario::Autoscaler;

/// What the autoscaler remembers between scans.
pub(super) struct ScalerState {
    /// Nodes asked for and not yet joined, per pool.
    upcoming: Vec<u32>,
    /// Nodes asked for so far, per pool: a node's ordinal keys its
    /// provisioning-time stream.
    requested: Vec<u32>,
    last_scale_up: Option<SimTime>,
    /// Since when each node (by index) has been unneeded.
    unneeded_since: Vec<Option<SimTime>>,
    /// A scan is queued.
    armed: bool,
}

impl ScalerState {
    pub(super) fn new(pools: usize) -> Self {
        ScalerState {
            upcoming: vec![0; pools],
            requested: vec![0; pools],
            last_scale_up: None,
            unneeded_since: Vec::new(),
            armed: false,
        }
    }
}

impl World<'_> {
    /// Queues the next scan (at the next multiple of `scanInterval` after
    /// `now`) unless one is queued.
    pub(super) fn arm_autoscaler(&mut self, now: SimTime, q: &mut EventQueue<Ev>) {
        let (Some(s), Some(a)) = (self.scaler.as_mut(), self.sc.cluster.autoscaler.as_ref()) else {
            return;
        };
        if s.armed {
            return;
        }
        s.armed = true;
        q.push((now / a.scan_interval + 1) * a.scan_interval, Ev::AutoscalerScan);
    }

    /// One loop of the autoscaler: scale up, then scale down; scans go on
    /// while Jobs are open or to come, nodes are on their way, or a pool
    /// has a node it might remove.
    pub(super) fn autoscaler_scan(&mut self, now: SimTime, q: &mut EventQueue<Ev>) {
        let Some(a) = self.sc.cluster.autoscaler.as_ref() else {
            return;
        };
        if let Some(s) = self.scaler.as_mut() {
            s.armed = false;
        }
        self.autoscaler_scale_up(a, now, q);
        self.autoscaler_scale_down(a, now, q);
        let s = self.scaler.as_ref().expect("with an autoscaler");
        let removable = (self.nodes.nodes.iter()).any(|n| {
            let p = &self.nodes.pools[n.pool];
            p.autoscaling.is_some_and(|(min, _)| self.nodes.pool_live[n.pool] > min)
                && !n.removed
                && n.ready
                && !n.cordoned
        });
        let pending = self.pending.iter().any(|d| !d.is_empty());
        if self.open_jobs > 0 || self.arrivals_left > 0 || s.upcoming.iter().any(|&u| u > 0) || removable || pending {
            self.arm_autoscaler(now, q);
        }
    }

    /// Asks for the nodes the waiting pods need (see `cluster::autoscaler`).
    fn autoscaler_scale_up(&mut self, a: &Autoscaler, now: SimTime, q: &mut EventQueue<Ev>) {
        let s = self.scaler.as_ref().expect("with an autoscaler");
        let mut groups = Vec::new();
        for (w, dq) in self.pending.iter().enumerate() {
            // Expendable pods bring no node.
            if self.templates[w].priority < Autoscaler::EXPENDABLE_PODS_PRIORITY_CUTOFF {
                continue;
            }
            let waiting = (dq.iter())
                .filter(|&&(slot, _)| {
                    self.pods.get(slot).is_some_and(|p| {
                        p.pod.phase == PodPhase::Pending && p.pod.deletion_timestamp.is_none() && !p.pod.bound
                    })
                })
                .count() as u32;
            if waiting == 0 {
                continue;
            }
            let fit = &self.templates[w].fit;
            let pools = (0..self.nodes.pools.len())
                .filter(|&p| self.nodes.pools[p].autoscaling.is_some() && self.nodes.new_node_admits(fit, p))
                .collect();
            groups.push(PendingGroup {
                pods: waiting,
                demand: self.nodes.demand(fit),
                pools,
            });
        }
        if groups.is_empty() {
            return;
        }
        let views: Vec<PoolView> = (self.nodes.pools.iter().enumerate())
            .map(|(p, pool)| PoolView {
                size: self.nodes.pool_live[p] + s.upcoming[p],
                max: pool.autoscaling.map_or(0, |(_, max)| max),
                price: pool.price_per_hour.unwrap_or(0.0),
                capacity: self.nodes.node_capacity(p),
                upcoming: s.upcoming[p],
            })
            .collect();
        let added = scale_up(&views, &groups);
        for (p, &n) in added.iter().enumerate() {
            for _ in 0..n {
                let s = self.scaler.as_mut().expect("with an autoscaler");
                let ordinal = s.requested[p];
                s.requested[p] += 1;
                s.upcoming[p] += 1;
                s.last_scale_up = Some(now);
                let d = (a.provisioning).sample(&mut self.key.stream(Purpose::Autoscaler, &[p as u64, ordinal as u64]));
                q.push(now + d, Ev::NodeProvisioned { pool: p as u32 });
                self.last_activity = now;
            }
        }
    }

    /// Removes unneeded nodes: empty ones (no pod holding room: none, or
    /// only finished ones) and, as cluster-autoscaler's scale-down
    /// simulation finds them, nodes whose pods request less than
    /// `scaleDownUtilizationThreshold` of them and would all fit on other
    /// nodes (not on those also found removable). A node unneeded at every
    /// scan for `scaleDownUnneededTime` goes: empty ones newest first, at
    /// most `--max-empty-bulk-delete` a scan, and at most
    /// `--max-drain-parallelism` (1) with pods, drained (its pods evicted)
    /// then removed; never below a pool's `min` nor within
    /// `scaleDownDelayAfterAdd` of the last scale-up.
    fn autoscaler_scale_down(&mut self, a: &Autoscaler, now: SimTime, q: &mut EventQueue<Ev>) {
        let movable = self.movable_nodes(a.utilization_threshold);
        let s = self.scaler.as_mut().expect("with an autoscaler");
        s.unneeded_since.resize(self.nodes.nodes.len(), None);
        let mut due = Vec::new();
        for (i, n) in self.nodes.nodes.iter().enumerate() {
            let empty = self.node_pods[i].is_empty();
            let candidate = self.nodes.pools[n.pool].autoscaling.is_some()
                && !n.removed
                && n.ready
                && !n.cordoned
                && (empty || movable.binary_search(&i).is_ok());
            s.unneeded_since[i] = if candidate {
                Some(s.unneeded_since[i].unwrap_or(now))
            } else {
                None
            };
            if s.unneeded_since[i].is_some_and(|t| now - t >= a.unneeded_time) {
                due.push((i, empty));
            }
        }
        if s.last_scale_up.is_some_and(|t| now < t + a.delay_after_add) {
            return;
        }
        let (mut removed, mut drained) = (0, 0);
        for (node, empty) in due.into_iter().rev() {
            let pool = self.nodes.nodes[node].pool;
            let min = self.nodes.pools[pool].autoscaling.map_or(u32::MAX, |(min, _)| min);
            if self.nodes.pool_live[pool] <= min {
                continue;
            }
            if empty {
                if removed == Autoscaler::MAX_EMPTY_BULK_DELETE {
                    continue;
                }
                removed += 1;
            } else {
                if drained == Autoscaler::MAX_DRAIN_PARALLELISM {
                    continue;
                }
                drained += 1;
            }
            self.last_activity = now;
            self.drain_node(node, true, now, q);
        }
    }

    /// Nodes of autoscaled pools with pods, below the utilisation
    /// threshold, whose pods would all fit elsewhere (sorted): in node
    /// order, each such node's pods are placed, first fit, on the other
    /// nodes (not those already found removable, nor empty ones, which are
    /// unneeded too), their room held for the
    /// nodes after it, as cluster-autoscaler's removal simulation moves
    /// them; a pod annotated `safe-to-evict: "false"` keeps its node. A node's utilisation is the largest share of its allocatable
    /// cpu, memory or other resource that its pods request.
    fn movable_nodes(&mut self, threshold: f64) -> Vec<usize> {
        // Empty nodes of autoscaled pools are unneeded themselves: no pod goes there.
        let empty: Vec<bool> = (self.nodes.nodes.iter().enumerate())
            .map(|(i, n)| {
                self.nodes.pools[n.pool].autoscaling.is_some()
                    && !n.removed
                    && n.ready
                    && !n.cordoned
                    && self.node_pods[i].is_empty()
            })
            .collect();
        let mut out = Vec::new();
        let mut held: Vec<(usize, usize)> = Vec::new();
        for i in 0..self.nodes.nodes.len() {
            let n = &self.nodes.nodes[i];
            if self.nodes.pools[n.pool].autoscaling.is_none()
                || n.removed
                || !n.ready
                || n.cordoned
                || self.node_pods[i].is_empty()
                || self.nodes.busy_share(i) >= threshold
            {
                continue;
            }
            let mark = held.len();
            let mut all = true;
            for &slot in &self.node_pods[i] {
                let p = self.pods.get(slot).expect("bound pods are live");
                let w = self.jobs[p.job].workload as usize;
                if self.templates[w].not_safe_to_evict {
                    all = false;
                    break;
                }
                // Expendable pods are evicted without a place to go.
                if self.templates[w].priority < Autoscaler::EXPENDABLE_PODS_PRIORITY_CUTOFF {
                    continue;
                }
                let fit = &self.templates[w].fit;
                let to = (0..self.nodes.nodes.len())
                    .find(|&j| j != i && !empty[j] && out.binary_search(&j).is_err() && self.nodes.can_take(fit, j));
                match to {
                    Some(j) => {
                        self.nodes.hold(j, fit, true);
                        held.push((j, w));
                    }
                    None => {
                        all = false;
                        break;
                    }
                }
            }
            if all {
                out.push(i);
            } else {
                for (j, w) in held.drain(mark..) {
                    self.nodes.hold(j, &self.templates[w].fit, false);
                }
            }
        }
        for (j, w) in held {
            self.nodes.hold(j, &self.templates[w].fit, false);
        }
        out
    }

    /// A node the autoscaler asked for is ready: it joins as `addNodes` adds one.
    pub(super) fn node_provisioned(&mut self, pool: usize, now: SimTime, q: &mut EventQueue<Ev>) {
        if let Some(s) = self.scaler.as_mut() {
            s.upcoming[pool] -= 1;
        }
        self.last_activity = now;
        self.add_nodes(pool, 1, now, q);
    }
}
