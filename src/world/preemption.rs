//! Pod priority and preemption (kube-scheduler's `DefaultPreemption`): a pod
//! that fits on no node removes lower-priority pods from the node
//! `cluster::preemption` picks. The victims get `DisruptionTarget` (reason
//! `PreemptionByScheduler`) and are deleted with their grace period; the
//! preemptor is nominated to the node (`nominatedNodeName`) and waits for
//! them to go, its room held against pods of lower priority, as the
//! scheduler adds nominated pods when it filters nodes (`addNominatedPods`).
//! Only runs when workloads differ in priority.

use super::*;
use crate::cluster::nodelifecycle;
use crate::cluster::preemption::{Victim, num_candidates, pick_node, select_victims};
use crate::record::{Detail, Row};

/// A preemptor waiting for its victims: `status.nominatedNodeName`.
#[derive(Clone, Copy, Debug)]
pub(super) struct Nomination {
    pub slot: PodId,
    pub node: u32,
    pub priority: i32,
    pub workload: u32,
}

/// The scheduler's name, as victims' `DisruptionTarget` message gives it.
const SCHEDULER_NAME: &str = "default-scheduler";

impl World<'_> {
    /// The workload of a live pod.
    fn workload_of(&self, slot: PodId) -> usize {
        self.jobs[self.pods[slot].job].workload as usize
    }

    /// Whether the pod still waits to be bound.
    fn waiting(&self, slot: PodId) -> bool {
        self.pods
            .get(slot)
            .is_some_and(|p| p.pod.phase == PodPhase::Pending && p.pod.deletion_timestamp.is_none() && !p.pod.bound)
    }

    /// The node a pod of workload `w` binds to, with the room that nominated
    /// pods of at least its priority hold taken (but its own); a nominated
    /// pod goes to its node if it fits there.
    pub(super) fn place_pod(&mut self, slot: PodId, w: usize) -> Option<usize> {
        if self.nominations.is_empty() {
            return self.nodes.place(&self.templates[w].fit);
        }
        let noms = std::mem::take(&mut self.nominations);
        let mut noms: Vec<Nomination> = noms.into_iter().filter(|n| self.waiting(n.slot)).collect();
        let priority = self.templates[w].priority;
        let held = |n: &Nomination| n.slot != slot && n.priority >= priority;
        for n in noms.iter().filter(|n| held(n)) {
            self.nodes
                .hold(n.node as usize, &self.templates[n.workload as usize].fit, true);
        }
        // A nominated pod is first tried on its node (`evaluateNominatedNode`).
        let own = noms.iter().find(|n| n.slot == slot).map(|n| n.node as usize);
        let node = match own {
            Some(n) if self.nodes.can_take(&self.templates[w].fit, n) => Some(n),
            _ => self.nodes.place(&self.templates[w].fit),
        };
        for n in noms.iter().filter(|n| held(n)) {
            self.nodes
                .hold(n.node as usize, &self.templates[n.workload as usize].fit, false);
        }
        self.nominations.append(&mut noms);
        node
    }

    /// A bound or deleted pod gives up its nomination.
    pub(super) fn drop_nomination(&mut self, slot: PodId) {
        if !self.nominations.is_empty() {
            self.nominations.retain(|n| n.slot != slot);
        }
    }

    /// `PodEligibleToPreemptOthers`: a pod whose class may preempt, and that
    /// is not nominated to a node where lower-priority pods are still going.
    fn eligible_to_preempt(&self, slot: PodId, w: usize) -> bool {
        let tpl = &self.templates[w];
        if !tpl.preempts || tpl.priority == self.lowest_priority {
            return false;
        }
        let Some(n) = self.nominations.iter().find(|n| n.slot == slot) else {
            return true;
        };
        !self.node_pods[n.node as usize].iter().any(|&s| {
            self.pods.get(s).is_some_and(|p| {
                p.pod.deletion_timestamp.is_some()
                    && self.templates[self.jobs[p.job].workload as usize].priority < tpl.priority
            })
        })
    }

    /// The default preemption for a pod that fits nowhere (`Evaluator.Preempt`):
    /// the dry run over the nodes that pass the pod's other filters, the
    /// node picked, its victims deleted and the pod nominated. Returns
    /// whether it preempted.
    pub(super) fn preempt(&mut self, slot: PodId, now: SimTime, q: &mut EventQueue<Ev>) -> bool {
        let w = self.workload_of(slot);
        if !self.eligible_to_preempt(slot, w) {
            return false;
        }
        let priority = self.templates[w].priority;
        let fit = &self.templates[w].fit;
        let need = self.nodes.demand(fit);
        let live = self.nodes.nodes.iter().filter(|n| !n.removed).count();
        let wanted = num_candidates(live);
        let mut candidates: Vec<(usize, Vec<Victim>)> = Vec::new();
        for (i, n) in self.nodes.nodes.iter().enumerate() {
            if candidates.len() == wanted {
                break;
            }
            // Nodes the pod's other filters refuse: preemption cannot help.
            if !self.nodes.admits(fit, n) {
                continue;
            }
            let mut room = self.nodes.room(i);
            for nom in self.nominations.iter() {
                if nom.node as usize == i && nom.slot != slot && nom.priority >= priority && self.waiting(nom.slot) {
                    let d = self.nodes.demand(&self.templates[nom.workload as usize].fit);
                    for (r, d) in room.iter_mut().zip(d) {
                        *r = r.saturating_sub(d);
                    }
                }
            }
            let lower: Vec<Victim> = (self.node_pods[i].iter())
                .filter_map(|&s| {
                    let p = self.pods.get(s)?;
                    let vw = self.jobs[p.job].workload as usize;
                    let vp = self.templates[vw].priority;
                    (vp < priority).then(|| Victim {
                        id: s.0,
                        priority: vp,
                        start: (p.pod.start_time).map_or(now, |t| (t.millis() - self.sc.epoch.millis()).max(0) as u64),
                        demand: self.nodes.demand(&self.templates[vw].fit),
                    })
                })
                .collect();
            if let Some(victims) = select_victims(&room, &need, lower) {
                candidates.push((i, victims));
            }
        }
        let Some(pick) = pick_node(&candidates) else {
            return false;
        };
        let (node, victims) = candidates.swap_remove(pick);
        self.last_activity = now;
        let ts = self.stored_time(now);
        let message = format!("{SCHEDULER_NAME}: preempting to accommodate a higher priority pod");
        let preemptor = self.pods[slot].pod.name.clone();
        for v in victims {
            let Some(p) = self.pods.get_mut(PodId(v.id)) else {
                continue;
            };
            if p.pod.deletion_timestamp.is_some() {
                continue;
            }
            // prepareCandidate: the condition first (with PodDisruptionConditions), then the delete.
            if self.profile.gates.pod_disruption_conditions {
                nodelifecycle::add_disruption_target(&mut p.pod.conditions, "PreemptionByScheduler", &message, ts);
            }
            if let Some(n) = self.stats.preemptions.as_mut() {
                *n += 1;
            }
            if self.log.enabled() {
                let detail = format!("Preempted by {preemptor} on node {}", self.nodes.nodes[node].name);
                self.log.record(&Row::pod(
                    now,
                    self.jobs[p.job].name(),
                    &p.pod.name,
                    v.id,
                    p.index(),
                    EventKind::PodPreempted,
                    Detail::Reason {
                        reason: "PreemptionByScheduler",
                        message: &detail,
                    },
                ));
            }
            self.delete_pod(PodId(v.id), now, q);
        }
        // Lower-priority pods nominated to the node lose their nomination
        // (`getLowerPriorityNominatedPods`): the room is no longer theirs.
        self.nominations
            .retain(|n| n.slot != slot && !(n.node as usize == node && n.priority < priority));
        self.nominations.push(Nomination {
            slot,
            node: node as u32,
            priority,
            workload: w as u32,
        });
        true
    }

    /// The pods at the head of each workload's queue that may preempt try
    /// again (a pod is retried as the scheduler retries unschedulable
    /// pods when others go), the highest priority first.
    pub(super) fn preempt_waiting(&mut self, now: SimTime, q: &mut EventQueue<Ev>) {
        let mut heads: Vec<(std::cmp::Reverse<i32>, PodId)> = (self.pending.iter().enumerate())
            .filter(|(w, _)| self.templates[*w].preempts)
            .filter_map(|(w, dq)| {
                dq.front()
                    .map(|&(s, _)| (std::cmp::Reverse(self.templates[w].priority), s))
            })
            .filter(|&(_, s)| self.waiting(s) && !self.nominations.iter().any(|n| n.slot == s))
            .collect();
        heads.sort();
        for (_, s) in heads {
            self.preempt(s, now, q);
        }
    }
}
