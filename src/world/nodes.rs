//! Nodes in trouble: losses (scripted or drawn per pool) with the taint
//! manager's eviction of their pods, recoveries, drains through the Eviction
//! API, and nodes added to or removed from a pool. What the node lifecycle
//! controller, the taint manager and the Eviction API write on a pod is
//! `cluster::nodelifecycle`'s; this file picks the nodes, schedules the steps
//! and keeps the books.

use super::*;
use crate::cluster::nodelifecycle::{self, Disrupter, EVICTION_API_DISRUPTION, TAINT_MANAGER_DISRUPTION};
use crate::record::{Detail, Row};

/// The id of a loss in the stream that picks its node: a scripted loss's
/// place; drawn losses count from `u32::MAX - 1_000_000`, the ids their draws
/// have always had (so that runs keep losing the same nodes).
fn loss_stream_id(number: LossNumber) -> u64 {
    match number {
        LossNumber::Scripted(n) => n as u64,
        LossNumber::Drawn(k) => (u32::MAX - 1_000_000 + k) as u64,
    }
}

impl World<'_> {
    /// Scripted losses at their times; drawn losses one after another.
    pub(super) fn schedule_node_losses(&mut self, q: &mut EventQueue<Ev>) {
        for (d, loss) in self.sc.cluster.node_losses.iter().enumerate() {
            let disruption = d as u32;
            for (n, t) in loss.at.iter().enumerate() {
                let loss = LossNumber::Scripted(n as u32);
                q.push(*t, Ev::NodeLoss { disruption, loss });
            }
            if let Some(every) = &loss.every {
                let first = every.sample(&mut self.key.stream(Purpose::NodeLoss, &[d as u64, 0, 0]));
                let loss = LossNumber::Drawn(0);
                q.push(first, Ev::NodeLoss { disruption, loss });
            }
        }
    }

    #[cold]
    pub(super) fn node_loss(&mut self, disruption: u32, number: LossNumber, now: SimTime, q: &mut EventQueue<Ev>) {
        let loss = self.sc.cluster.node_losses[disruption as usize].clone();
        let drawn = matches!(number, LossNumber::Drawn(_));
        if drawn && self.open_jobs == 0 && self.arrivals_left == 0 {
            // Nothing left to disrupt: drawn losses stop so the run can end.
            return;
        }
        self.last_activity = now;
        if let LossNumber::Drawn(k) = number
            && let Some(every) = &loss.every
        {
            // The next drawn loss of this pool.
            let gap = every.sample(
                &mut self
                    .key
                    .stream(Purpose::NodeLoss, &[disruption as u64, 0, k as u64 + 1]),
            );
            let next = LossNumber::Drawn(k + 1);
            q.push(now + gap.max(1), Ev::NodeLoss { disruption, loss: next });
        }
        let candidates: Vec<usize> = self
            .nodes
            .nodes
            .iter()
            .enumerate()
            .filter(|(_, nd)| nd.pool == loss.pool && nd.ready && !nd.removed)
            .map(|(i, _)| i)
            .collect();
        if candidates.is_empty() {
            return;
        }
        let pick = self
            .key
            .stream(Purpose::NodeLoss, &[disruption as u64, 1, loss_stream_id(number)])
            .next_u64()
            % candidates.len() as u64;
        self.lose_node(candidates[pick as usize], loss.recovery, now, q);
    }

    /// `loseNodes`: the first ready nodes of a pool go down.
    pub(super) fn lose_nodes(
        &mut self,
        pool: usize,
        count: u32,
        recovery: Option<u64>,
        now: SimTime,
        q: &mut EventQueue<Ev>,
    ) {
        let picked: Vec<usize> = self
            .nodes
            .nodes
            .iter()
            .enumerate()
            .filter(|(_, n)| n.pool == pool && n.ready && !n.removed)
            .map(|(i, _)| i)
            .take(count as usize)
            .collect();
        for node in picked {
            self.lose_node(node, recovery, now, q);
        }
    }

    /// A node becomes unreachable: its pods stop making progress, the node
    /// lifecycle controller marks them not ready, and after the toleration
    /// the taint manager evicts them.
    fn lose_node(&mut self, node: usize, recovery: Option<u64>, now: SimTime, q: &mut EventQueue<Ev>) {
        self.account_usage(now);
        self.nodes.set_ready(node, false);
        self.stats.node_losses += 1;
        let name = self.nodes.nodes[node].name.clone();
        self.log
            .record(&Row::node(now, EventKind::NodeLost, Detail::Node { node: &name }));
        let ts = self.stored_time(now);
        for slot in self.node_pods[node].clone() {
            let Some(p) = self.pods.get_mut(slot) else {
                continue;
            };
            if p.pod.phase.is_terminal() {
                continue;
            }
            p.epoch = p.epoch.wrapping_add(1);
            let remaining = if p.running_since.is_some() {
                p.exit_at.saturating_sub(now)
            } else {
                p.plan().startup
            };
            p.run().frozen = Some(remaining);
            nodelifecycle::mark_pod_not_ready(&mut p.pod.conditions, ts);
            let (jid, epoch) = (p.job, p.epoch);
            // The taint manager evicts the pod once its toleration of the
            // `node.kubernetes.io/unreachable` NoExecute taint runs out.
            let workload = self.jobs[jid].workload as usize;
            if let Some(after) = self.templates[workload].fit.evict_unreachable_after {
                q.push(now + after, Ev::Evict { pod: slot, epoch });
            }
            self.reclass(slot);
            self.pod_changed(jid, PodPhase::Running, PodPhase::Running, now, q);
        }
        if let Some(r) = recovery {
            q.push(now + r, Ev::NodeRecover { node: node as u32 });
        }
    }

    /// The kubelet is back: pods that were not evicted carry on.
    #[cold]
    pub(super) fn recover_node(&mut self, node: u32, now: SimTime, q: &mut EventQueue<Ev>) {
        self.last_activity = now;
        let node = node as usize;
        if self.nodes.nodes[node].ready || self.nodes.nodes[node].removed {
            return;
        }
        self.account_usage(now);
        self.nodes.set_ready(node, true);
        let name = self.nodes.nodes[node].name.clone();
        self.log
            .record(&Row::node(now, EventKind::NodeRecovered, Detail::Node { node: &name }));
        let ts = self.stored_time(now);
        for slot in self.node_pods[node].clone() {
            let Some(p) = self.pods.get_mut(slot) else {
                continue;
            };
            let Some(remaining) = p.run.as_mut().and_then(|r| r.frozen.take()) else {
                continue;
            };
            if p.pod.phase.is_terminal() {
                continue;
            }
            p.epoch = p.epoch.wrapping_add(1);
            let epoch = p.epoch;
            if p.running_since.is_some() {
                p.exit_at = now + remaining;
                if kubelet::ready_when_back(true, p.pod.deletion_timestamp.is_some()) {
                    kubelet::set_ready(&mut p.pod.conditions, true, ts);
                }
                q.push(
                    p.exit_at,
                    Ev::Pod {
                        pod: slot,
                        epoch,
                        step: PodStep::Exit,
                    },
                );
            } else {
                q.push(
                    now + remaining,
                    Ev::Pod {
                        pod: slot,
                        epoch,
                        step: PodStep::Start,
                    },
                );
            }
            let jid = p.job;
            self.reclass(slot);
            self.pod_changed(jid, PodPhase::Running, PodPhase::Running, now, q);
        }
        self.schedule_pending(now, q);
    }

    /// The taint manager deletes a pod of an unreachable node; with the kubelet
    /// gone, pod garbage collection moves it to Failed.
    #[cold]
    pub(super) fn evict_lost_pod(&mut self, slot: PodId, epoch: u32, now: SimTime, q: &mut EventQueue<Ev>) {
        let ts = self.stored_time(now);
        let Some(p) = self.pods.get_mut(slot) else {
            return;
        };
        if p.epoch != epoch || p.pod.phase.is_terminal() {
            return;
        }
        self.last_activity = now;
        self.stats.evictions += 1;
        let old = p.pod.phase;
        let condition = nodelifecycle::disruption_condition(&self.profile, Disrupter::TaintManager);
        let pod = &mut p.pod;
        nodelifecycle::delete_unreachable_pod(
            &mut pod.conditions,
            &mut pod.deletion_timestamp,
            &mut pod.deletion_grace_period_seconds,
            &mut pod.phase,
            condition,
            ts,
        );
        self.jobs[p.job].result.pods_failed += 1;
        if let Some(r) = p.run.as_mut() {
            r.frozen = None;
        }
        if let Some(since) = p.running_since.take() {
            let js = &mut self.jobs[p.job];
            js.result.pod_ms += now - since;
            js.result.failed_pod_ms += now - since;
        }
        self.log.record(&Row::pod(
            now,
            self.jobs[p.job].name(),
            &p.pod.name,
            slot.0,
            p.index(),
            EventKind::PodEvicted,
            Detail::Reason {
                reason: TAINT_MANAGER_DISRUPTION.0,
                message: "",
            },
        ));
        self.log.record(&Row::pod(
            now,
            self.jobs[p.job].name(),
            &p.pod.name,
            slot.0,
            p.index(),
            EventKind::PodFailed,
            Detail::Reason {
                reason: "NodeLost",
                message: "",
            },
        ));
        self.reclass(slot);
        self.pod_terminal(slot, old, PodPhase::Failed, now, q);
    }

    /// `kubectl drain` (or node removal): cordon, then evict every pod through
    /// the Eviction API, which honours the pods' grace periods.
    pub(super) fn drain_nodes(&mut self, pool: usize, count: u32, remove: bool, now: SimTime, q: &mut EventQueue<Ev>) {
        let live: Vec<usize> = self
            .nodes
            .nodes
            .iter()
            .enumerate()
            .filter(|(_, n)| n.pool == pool && !n.removed && (remove || !n.cordoned))
            .map(|(i, _)| i)
            .collect();
        // Drains take the first nodes of the pool, removals the newest.
        let picked: Vec<usize> = if remove {
            live.iter().rev().take(count as usize).copied().collect()
        } else {
            live.into_iter().take(count as usize).collect()
        };
        for node in picked {
            self.drain_node(node, remove, now, q);
        }
    }

    /// Cordons one node and evicts its pods; with `remove`, the node leaves.
    pub(super) fn drain_node(&mut self, node: usize, remove: bool, now: SimTime, q: &mut EventQueue<Ev>) {
        let ts = self.stored_time(now);
        self.account_usage(now);
        self.nodes.cordon(node);
        let name = self.nodes.nodes[node].name.clone();
        self.log.record(&Row::node(
            now,
            if remove {
                EventKind::NodeRemoved
            } else {
                EventKind::NodeDrained
            },
            Detail::Node { node: &name },
        ));
        for slot in self.node_pods[node].clone() {
            let Some(p) = self.pods.get_mut(slot) else {
                continue;
            };
            if p.pod.phase.is_terminal() || p.pod.deletion_timestamp.is_some() {
                continue;
            }
            let condition = nodelifecycle::disruption_condition(&self.profile, Disrupter::EvictionApi);
            if let Some((reason, message)) = condition {
                nodelifecycle::add_disruption_target(&mut p.pod.conditions, reason, message, ts);
            }
            self.stats.evictions += 1;
            self.log.record(&Row::pod(
                now,
                self.jobs[p.job].name(),
                &p.pod.name,
                slot.0,
                p.index(),
                EventKind::PodEvicted,
                Detail::Reason {
                    reason: EVICTION_API_DISRUPTION.0,
                    message: "",
                },
            ));
            self.delete_pod(slot, now, q);
        }
        if remove {
            self.nodes.remove(node);
        }
    }

    /// `addNodes`: new nodes join the pool and take waiting pods.
    pub(super) fn add_nodes(&mut self, pool: usize, count: u32, now: SimTime, q: &mut EventQueue<Ev>) {
        self.account_usage(now);
        for _ in 0..count {
            let i = self.nodes.add(pool);
            self.node_pods.push(Vec::new());
            self.log_node_added(i, now);
            self.schedule_spot_reclaim(i, now, q);
        }
        self.schedule_pending(now, q);
    }
}

impl World<'_> {
    /// A spot node's reclaim notice, a drawn lifetime after it joined (from
    /// its own stream, by pool and node ordinal); none past the horizon.
    pub(super) fn schedule_spot_reclaim(&mut self, node: usize, now: SimTime, q: &mut EventQueue<Ev>) {
        let n = &self.nodes.nodes[node];
        let Some(spot) = &self.nodes.pools[n.pool].spot else {
            return;
        };
        let lifetime = (spot.lifetime).sample(&mut self.key.stream(Purpose::Spot, &[n.pool as u64, n.ordinal as u64]));
        let at = now + lifetime.max(1);
        if at <= self.sc.horizon() {
            let node = node as u32;
            q.push(at, Ev::SpotReclaim { node, removal: false });
        }
    }

    /// The provider reclaims a spot node: at the notice the node is cordoned
    /// and drained (its pods evicted through the Eviction API, as a node
    /// termination handler does); `notice` later it is removed. Once the
    /// cluster is idle, notices are ignored so that the run can end.
    #[cold]
    pub(super) fn spot_reclaim(&mut self, node: usize, removal: bool, now: SimTime, q: &mut EventQueue<Ev>) {
        let n = &self.nodes.nodes[node];
        if n.removed {
            return;
        }
        let notice = self.nodes.pools[n.pool].spot.as_ref().map_or(0, |s| s.notice);
        if !removal {
            if self.open_jobs == 0 && self.arrivals_left == 0 {
                return;
            }
            self.last_activity = now;
            if !n.cordoned {
                self.drain_node(node, false, now, q);
            }
            let node = node as u32;
            q.push(now + notice, Ev::SpotReclaim { node, removal: true });
        } else {
            self.last_activity = now;
            self.drain_node(node, true, now, q);
            self.arm_autoscaler(now, q);
        }
    }

    /// `NodeAdded` with the node's allocatable resources.
    pub(super) fn log_node_added(&mut self, i: usize, now: SimTime) {
        let n = &self.nodes.nodes[i];
        let cpu = if n.cpu_milli == i64::MAX { 0 } else { n.cpu_milli };
        let mem = if n.memory == i64::MAX { 0 } else { n.memory };
        let extended = self.nodes.extended_allocatable(n.pool);
        let detail = Detail::NodeAdded {
            node: &n.name,
            cpu_milli: cpu,
            memory: mem,
            pods: n.pods,
            extended: &extended,
        };
        self.log.record(&Row::node(now, EventKind::NodeAdded, detail));
    }
}
