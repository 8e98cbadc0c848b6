//! Pod behaviour per workload: what one attempt of one pod will do, drawn
//! from its own random stream, and when a workload's Jobs arrive.

use crate::rng::{Purpose, StreamKey};
use crate::scenario::{Arrival, Workload};
use crate::time::{SimDuration, SimTime};

/// What one run of a pod's container will do, drawn when the pod is created
/// (or when its container restarts).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AttemptPlan {
    /// Image pull and container start.
    pub startup: SimDuration,
    /// From running to Ready.
    pub readiness: SimDuration,
    /// From running to the container's exit.
    pub run_for: SimDuration,
    /// 0 for success.
    pub exit_code: i32,
    /// The container that fails (index into the template's containers;
    /// `u32`, like `outcome`, to keep a pod's record small).
    pub container: u32,
    /// Outcome index, for the pod conditions it sets.
    pub outcome: Option<u32>,
    /// Time to exit after SIGTERM.
    pub shutdown: SimDuration,
}

/// Identifies one attempt for its random stream: the Job (workload and
/// ordinal), the pod's slot (completion index, or creation ordinal for
/// NonIndexed Jobs), which pod of that slot, and which run of its container.
#[derive(Clone, Copy, Debug)]
pub struct AttemptId {
    pub job_ordinal: u32,
    pub slot: u32,
    pub pod_attempt: u32,
    pub container_attempt: u32,
}

/// Draws an attempt. Draws always happen in the same order, whatever the
/// distributions, so one field's distribution never shifts another's values.
pub fn plan_attempt(key: &StreamKey, w: &Workload, index: Option<i32>, id: AttemptId) -> AttemptPlan {
    let b = w.behavior(index);
    let mut rng = key.stream(
        Purpose::PodAttempt,
        &[
            w.id,
            id.job_ordinal as u64,
            id.slot as u64,
            id.pod_attempt as u64,
            id.container_attempt as u64,
        ],
    );
    let startup = b.startup.sample(&mut rng);
    let readiness = b.readiness.sample(&mut rng);
    let runtime = b.runtime.sample(&mut rng);
    let shutdown = b.shutdown.sample(&mut rng);
    let u = rng.unit();
    let mut acc = 0.0;
    let mut chosen = None;
    for (i, o) in b.outcomes.iter().enumerate() {
        acc += o.probability;
        if u < acc {
            chosen = Some(i);
            break;
        }
    }
    let containers = &w.manifest.spec.template.spec.containers;
    match chosen {
        None => AttemptPlan {
            startup,
            readiness,
            run_for: runtime,
            exit_code: 0,
            container: 0,
            outcome: None,
            shutdown,
        },
        Some(i) => {
            let o = &b.outcomes[i];
            let run_for = o.at.as_ref().map_or(runtime, |d| d.sample(&mut rng));
            let container = o
                .container
                .as_ref()
                .and_then(|c| containers.iter().position(|x| &x.name == c))
                .unwrap_or(0) as u32;
            AttemptPlan {
                startup,
                readiness,
                run_for,
                exit_code: o.exit_code,
                container,
                outcome: Some(i as u32),
                shutdown,
            }
        }
    }
}

/// The arrival time of a workload's Job `ordinal`, given the previous one's.
pub fn arrival_time(key: &StreamKey, w: &Workload, ordinal: u32, previous: SimTime) -> SimTime {
    match &w.arrival {
        Arrival::AtStart => 0,
        Arrival::At(times) => times.get(ordinal as usize).copied().unwrap_or(previous),
        Arrival::Every(_) if ordinal == 0 => 0,
        Arrival::Every(d) => previous + d.sample(&mut key.stream(Purpose::Arrival, &[w.id, ordinal as u64])),
    }
}
