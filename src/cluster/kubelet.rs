//! The kubelet's side of a pod's life, as the pod model needs it: the
//! container statuses, phase, start time and `Ready` condition it reports
//! (and when a run turns ready), whether an exited container restarts in
//! place and after which back-off (CrashLoopBackOff), the phase a pod ends
//! in, how a graceful deletion or the pod's `activeDeadlineSeconds` ends its
//! container, and with which exit code. The world applies what this module
//! decides.

use crate::api::{
    ContainerState, ContainerStateRunning, ContainerStateTerminated, ContainerStatus, POD_READY, PodCondition,
    PodPhase, Time,
};
use crate::time::{SimDuration, SimTime};
use thin_vec::ThinVec;

/// `backOffPeriod`: the first back-off after the first restart.
pub const CRASH_BACKOFF_INITIAL: SimDuration = 10_000;
/// `MaxContainerBackOff`.
pub const CRASH_BACKOFF_MAX: SimDuration = 300_000;
/// Exit code of a process that ends on SIGTERM.
pub const EXIT_SIGTERM: i32 = 143;
/// Exit code of a process killed by SIGKILL at the end of the grace period.
pub const EXIT_SIGKILL: i32 = 137;
/// Default `terminationGracePeriodSeconds`.
pub const DEFAULT_GRACE_SECONDS: i64 = 30;

/// Per-container CrashLoopBackOff state (`flowcontrol.Backoff` entry).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CrashBackoff {
    /// Current back-off, 0 when there is no entry yet.
    delay: SimDuration,
    last_update: SimTime,
}

impl CrashBackoff {
    /// The delay before restarting a container that crashed at `now`:
    /// immediate on the first crash, then 10 s doubling to 300 s; an entry
    /// untouched for twice the cap (10 min) starts over (`hasExpired`).
    pub fn next_delay(&mut self, now: SimTime) -> SimDuration {
        if self.delay != 0 && now.saturating_sub(self.last_update) > 2 * CRASH_BACKOFF_MAX {
            self.delay = 0;
        }
        let wait = self.delay;
        self.delay = if self.delay == 0 {
            CRASH_BACKOFF_INITIAL
        } else {
            (self.delay * 2).min(CRASH_BACKOFF_MAX)
        };
        self.last_update = now + wait;
        wait
    }
}

/// When and how a running container ends after SIGTERM at `now`: it exits on
/// its own at `natural_exit` if that comes first, else after its shutdown time
/// (exit 143) if within the grace period, else it is killed at the end of the
/// grace period (exit 137).
pub fn termination(
    now: SimTime,
    natural_exit: SimTime,
    natural_code: i32,
    shutdown: SimDuration,
    grace: SimDuration,
) -> (SimTime, i32) {
    let (end, code) = if shutdown < grace {
        (now + shutdown, EXIT_SIGTERM)
    } else {
        (now + grace, EXIT_SIGKILL)
    };
    if natural_exit <= end {
        (natural_exit.max(now), natural_code)
    } else {
        (end, code)
    }
}

/// What the runtime reports as a terminated container's reason (containerd's
/// CRI: `Completed` for exit 0, `OOMKilled` when the kernel killed it, else
/// `Error`): a SIGKILL's 137 the kubelet did not send (no deletion, no
/// pod-level deadline) is taken for the OOM killer's.
#[inline]
pub fn terminated_reason(exit_code: i32, killed_by_kubelet: bool) -> &'static str {
    match exit_code {
        0 => "Completed",
        EXIT_SIGKILL if !killed_by_kubelet => "OOMKilled",
        _ => "Error",
    }
}

/// What the pod's containers are doing, for their statuses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Containers {
    /// All running (first start or restart in place).
    Running,
    /// All ended at `finished`; the deciding container with `exit_code`.
    Terminated {
        exit_code: i32,
        finished: Time,
        /// The kubelet stopped the containers: the pod is being deleted (a
        /// SIGKILL is then the grace period's) or ran past its
        /// `activeDeadlineSeconds`.
        killed_by_kubelet: bool,
    },
}

/// The pod's container statuses, as `convertToAPIContainerStatuses` reports
/// them: one per container of the template (`names`), all running and ready
/// or all terminated and not ready, since `started`. The `deciding`
/// container (the one whose exit the attempt plan drew) carries the exit
/// code and the pod's `restarts`; the others exit 0 and never restarted.
/// Entries already there are updated in place, keeping their names.
pub fn set_container_statuses(
    statuses: &mut ThinVec<ContainerStatus>,
    names: &[std::sync::Arc<str>],
    deciding: usize,
    restarts: i32,
    started: Option<Time>,
    state: Containers,
) {
    if statuses.len() != names.len() {
        // Collected, not extended: an exact-size allocation, not the growth path.
        *statuses = (names.iter())
            .map(|name| ContainerStatus {
                name: name.clone(),
                restart_count: 0,
                ready: false,
                state: ContainerState::default(),
            })
            .collect();
    }
    for (i, cs) in statuses.iter_mut().enumerate() {
        cs.ready = matches!(state, Containers::Running);
        cs.restart_count = if i == deciding { restarts } else { 0 };
        cs.state = match state {
            Containers::Running => ContainerState {
                running: Some(ContainerStateRunning { started_at: started }),
                ..Default::default()
            },
            Containers::Terminated {
                exit_code,
                finished,
                killed_by_kubelet,
            } => {
                let exit_code = if i == deciding { exit_code } else { 0 };
                ContainerState {
                    terminated: Some(ContainerStateTerminated {
                        exit_code,
                        reason: terminated_reason(exit_code, killed_by_kubelet).into(),
                        started_at: started,
                        finished_at: Some(finished),
                    }),
                    ..Default::default()
                }
            }
        };
    }
}

/// Sets the pod's `Ready` condition as the status manager reports it
/// (`GeneratePodReadyCondition`, with `updateLastTransitionTime`: the
/// transition time moves only when the status changes). The model's pods
/// have no readiness gates, so `Ready` is its containers' readiness.
pub fn set_ready(conditions: &mut ThinVec<PodCondition>, ready: bool, ts: Time) {
    let status = if ready { "True" } else { "False" };
    match conditions.iter_mut().find(|c| c.type_ == POD_READY) {
        Some(c) if c.status == status => {}
        Some(c) => {
            c.status = status.into();
            c.last_transition_time = Some(ts);
        }
        None => {
            let ready = PodCondition {
                type_: POD_READY.into(),
                status: status.into(),
                last_transition_time: Some(ts),
                ..Default::default()
            };
            // The first condition of a pod gets an exact allocation, not the growth path.
            if conditions.is_empty() {
                conditions.reserve_exact(1);
            }
            conditions.push(ready);
        }
    }
}

/// The pod's containers have started: its phase is `Running` (`getPhase`:
/// its containers run) and its `startTime` is set, once (the
/// status manager never moves it; the pod-level `activeDeadlineSeconds`
/// counts from it). The model sets `startTime` as the containers first
/// start; the kubelet sets it a little earlier, when it first syncs the pod.
#[inline]
pub fn containers_started(phase: &mut PodPhase, start_time: &mut Option<Time>, ts: Time) {
    *phase = PodPhase::Running;
    start_time.get_or_insert(ts);
}

/// When a run that started at `now` turns ready: `readiness` later (the
/// readiness probe's first success, which the status manager's
/// `SetContainerReadiness` reports), if the run has not ended by then
/// (`exit_at`); `None`: it ends first, never ready.
#[inline]
pub fn ready_at(now: SimTime, readiness: SimDuration, exit_at: SimTime) -> Option<SimTime> {
    (now + readiness < exit_at).then_some(now + readiness)
}

/// Whether the kubelet of a node that is back reports a pod it kept `Ready`
/// again: one whose containers run and that is not being deleted. As the
/// model takes it, this holds even for a pod that had not reached its
/// readiness when the node was lost (the readiness still to come was
/// dropped with the loss).
#[inline]
pub fn ready_when_back(running: bool, deleting: bool) -> bool {
    running && !deleting
}

/// Whether a container that exited with `exit_code` is restarted in place
/// (`ShouldContainerBeRestarted`): never for a pod being deleted; with
/// `restartPolicy: OnFailure` (`on_failure`) after a non-zero exit;
/// never with `Never`. A pod past its `activeDeadlineSeconds` is killed for
/// good (the kubelet's `activeDeadlineHandler` fails it), so it does not
/// restart either.
#[inline]
pub fn restarts_in_place(exit_code: i32, on_failure: bool, deleting: bool, deadline_exceeded: bool) -> bool {
    exit_code != 0 && on_failure && !deleting && !deadline_exceeded
}

/// The phase of a pod whose container ended and will not restart
/// (`getPhase`): `Succeeded` when it ran and exited 0, else `Failed` (a pod
/// deleted before its container started fails without running).
#[inline]
pub fn terminal_phase(exit_code: i32, ran: bool) -> PodPhase {
    if exit_code == 0 && ran {
        PodPhase::Succeeded
    } else {
        PodPhase::Failed
    }
}

/// When and how the pod's container ends after a graceful DELETE at `now`
/// (the kubelet's `killContainer`: SIGTERM, SIGKILL once the grace period
/// is over): a running one (`natural`: when it would exit on its own, and
/// with which code) as [`termination`] says; one not started, or waiting
/// out its restart back-off, is stopped at once (137).
#[inline]
pub fn stop_on_delete(
    now: SimTime,
    natural: Option<(SimTime, i32)>,
    shutdown: SimDuration,
    grace: SimDuration,
) -> (SimTime, i32) {
    match natural {
        Some((exit_at, code)) => termination(now, exit_at.max(now), code, shutdown, grace),
        None => (now, EXIT_SIGKILL),
    }
}

/// The pod-level `activeDeadlineSeconds` (the kubelet's
/// `activeDeadlineHandler`, `pastActiveDeadline`): a run planned to end at
/// `exit_at` in a pod that first started at `started` is killed at
/// `started + deadline` if that comes first (at once, `now`, if it is past);
/// `None`: the run ends on its own.
#[inline]
pub fn deadline_kill(started: SimTime, deadline: SimDuration, exit_at: SimTime, now: SimTime) -> Option<SimTime> {
    (started + deadline < exit_at).then(|| (started + deadline).max(now))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crash_loop_backoff_doubles_to_five_minutes() {
        let mut b = CrashBackoff::default();
        let mut t = 0;
        let mut delays = vec![];
        for _ in 0..8 {
            let d = b.next_delay(t);
            delays.push(d / 1000);
            t += d + 1000; // crashes one second after each restart
        }
        assert_eq!(delays, vec![0, 10, 20, 40, 80, 160, 300, 300]);
    }

    #[test]
    fn ten_minutes_of_running_resets_the_backoff() {
        let mut b = CrashBackoff::default();
        assert_eq!(b.next_delay(0), 0);
        assert_eq!(b.next_delay(5_000), 10_000);
        assert_eq!(
            b.next_delay(15_000 + 600_001),
            0,
            "more than 10 min after the last restart"
        );
        assert_eq!(b.next_delay(700_000), 10_000);
    }

    #[test]
    fn termination_codes() {
        assert_eq!(termination(100, 10_000, 0, 3_000, 30_000), (3_100, EXIT_SIGTERM));
        assert_eq!(
            termination(100, 10_000, 0, 60_000, 30_000),
            (10_000, 0),
            "finished on its own first"
        );
        assert_eq!(termination(100, 90_000, 0, 60_000, 30_000), (30_100, EXIT_SIGKILL));
    }

    fn names(n: &[&str]) -> Vec<std::sync::Arc<str>> {
        n.iter().map(|&s| s.into()).collect()
    }

    fn terminated(cs: &ContainerStatus) -> &ContainerStateTerminated {
        cs.state.terminated.as_ref().expect("terminated")
    }

    #[test]
    fn the_runtime_calls_a_sigkill_the_kubelet_did_not_send_an_oom_kill() {
        assert_eq!(terminated_reason(0, false), "Completed");
        assert_eq!(terminated_reason(0, true), "Completed");
        assert_eq!(terminated_reason(EXIT_SIGKILL, false), "OOMKilled");
        assert_eq!(
            terminated_reason(EXIT_SIGKILL, true),
            "Error",
            "the grace period's SIGKILL, or the pod deadline's"
        );
        assert_eq!(terminated_reason(EXIT_SIGTERM, true), "Error");
        assert_eq!(terminated_reason(1, false), "Error");
    }

    #[test]
    fn container_statuses_carry_the_exit_and_restarts_on_the_deciding_container_only() {
        let (start, end) = (Time(10_000), Time(70_000));
        let names = names(&["main", "helper"]);
        let mut st = ThinVec::new();
        set_container_statuses(&mut st, &names, 1, 2, Some(start), Containers::Running);
        assert_eq!(st.len(), 2);
        assert_eq!((&*st[0].name, &*st[1].name), ("main", "helper"));
        assert!(st.iter().all(|c| c.ready && c.state.terminated.is_none()));
        assert_eq!(st[1].state.running.as_ref().expect("running").started_at, Some(start));
        assert_eq!((st[0].restart_count, st[1].restart_count), (0, 2));

        let ended = Containers::Terminated {
            exit_code: 3,
            finished: end,
            killed_by_kubelet: false,
        };
        set_container_statuses(&mut st, &names, 1, 2, Some(start), ended);
        assert!(st.iter().all(|c| !c.ready && c.state.running.is_none()));
        let (main, helper) = (terminated(&st[0]), terminated(&st[1]));
        assert_eq!((main.exit_code, main.reason.as_ref()), (0, "Completed"));
        assert_eq!((helper.exit_code, helper.reason.as_ref()), (3, "Error"));
        assert_eq!((helper.started_at, helper.finished_at), (Some(start), Some(end)));
        assert_eq!((st[0].restart_count, st[1].restart_count), (0, 2));

        // Killed at the end of a deletion's grace period: an Error, not an OOM kill.
        let killed = Containers::Terminated {
            exit_code: EXIT_SIGKILL,
            finished: end,
            killed_by_kubelet: true,
        };
        set_container_statuses(&mut st, &names, 0, 0, None, killed);
        assert_eq!(
            (terminated(&st[0]).exit_code, terminated(&st[0]).reason.as_ref()),
            (137, "Error")
        );
        assert_eq!(terminated(&st[1]).exit_code, 0);
        assert_eq!(terminated(&st[0]).started_at, None, "never started");

        // A template of another size: the statuses are made again, one per container.
        set_container_statuses(&mut st, &names[..1], 0, 1, Some(start), Containers::Running);
        assert_eq!(st.len(), 1);
        assert_eq!((&*st[0].name, st[0].restart_count), ("main", 1));
    }

    #[test]
    fn ready_moves_its_transition_time_only_when_its_status_changes() {
        let mut c = thin_vec::thin_vec![PodCondition {
            type_: "DisruptionTarget".into(),
            status: "True".into(),
            ..Default::default()
        }];
        set_ready(&mut c, false, Time(1_000));
        set_ready(&mut c, false, Time(2_000));
        let ready = |c: &[PodCondition]| {
            let r: Vec<_> = c.iter().filter(|c| c.type_ == POD_READY).collect();
            assert_eq!(r.len(), 1, "one Ready condition");
            (r[0].status.to_string(), r[0].last_transition_time)
        };
        assert_eq!(ready(&c), ("False".into(), Some(Time(1_000))));
        set_ready(&mut c, true, Time(3_000));
        set_ready(&mut c, true, Time(4_000));
        assert_eq!(ready(&c), ("True".into(), Some(Time(3_000))));
        set_ready(&mut c, false, Time(5_000));
        assert_eq!(ready(&c), ("False".into(), Some(Time(5_000))));
        assert_eq!(c[0].type_, "DisruptionTarget", "other conditions stay");
        let mut fresh = ThinVec::new();
        set_ready(&mut fresh, true, Time(6_000));
        assert_eq!(ready(&fresh), ("True".into(), Some(Time(6_000))));
    }

    #[test]
    fn a_pod_s_start_time_is_its_first_start() {
        let (mut phase, mut start) = (PodPhase::Pending, None);
        containers_started(&mut phase, &mut start, Time(5_000));
        assert_eq!((phase, start), (PodPhase::Running, Some(Time(5_000))));
        // A later start does not move it.
        containers_started(&mut phase, &mut start, Time(9_000));
        assert_eq!((phase, start), (PodPhase::Running, Some(Time(5_000))));
    }

    #[test]
    fn a_run_turns_ready_only_if_readiness_comes_before_its_exit() {
        assert_eq!(ready_at(1_000, 0, 5_000), Some(1_000), "no probe: ready as it starts");
        assert_eq!(ready_at(1_000, 2_000, 5_000), Some(3_000));
        assert_eq!(ready_at(1_000, 4_000, 5_000), None, "exits as it would turn ready");
        assert_eq!(ready_at(1_000, 6_000, 5_000), None);
        // A run killed at once (a pod-level deadline already past) is never ready.
        assert_eq!(ready_at(1_000, 0, 1_000), None);
    }

    #[test]
    fn a_node_back_reports_its_running_pods_ready_unless_being_deleted() {
        assert!(ready_when_back(true, false));
        assert!(!ready_when_back(true, true), "a deleted pod stays not ready");
        assert!(!ready_when_back(false, false), "not started yet");
    }

    #[test]
    fn only_on_failure_restarts_a_failed_container_in_place() {
        // restartPolicy OnFailure: a non-zero exit restarts, a zero one does not.
        assert!(restarts_in_place(1, true, false, false));
        assert!(restarts_in_place(EXIT_SIGKILL, true, false, false), "an OOM kill too");
        assert!(!restarts_in_place(0, true, false, false));
        // restartPolicy Never.
        assert!(!restarts_in_place(1, false, false, false));
        // Being deleted, or past activeDeadlineSeconds: killed for good.
        assert!(!restarts_in_place(EXIT_SIGTERM, true, true, false));
        assert!(!restarts_in_place(EXIT_SIGKILL, true, false, true));
    }

    #[test]
    fn a_pod_succeeds_only_when_its_container_ran_and_exited_zero() {
        assert_eq!(terminal_phase(0, true), PodPhase::Succeeded);
        assert_eq!(terminal_phase(1, true), PodPhase::Failed);
        assert_eq!(terminal_phase(EXIT_SIGTERM, true), PodPhase::Failed);
        // Deleted before it started (or while waiting out its back-off).
        assert_eq!(terminal_phase(0, false), PodPhase::Failed);
        assert_eq!(terminal_phase(EXIT_SIGKILL, false), PodPhase::Failed);
    }

    #[test]
    fn a_deleted_container_ends_with_143_within_its_grace_period_else_137() {
        // Not running (not started, or waiting to restart): stopped at once.
        assert_eq!(stop_on_delete(5_000, None, 1_000, 30_000), (5_000, EXIT_SIGKILL));
        // Shuts down in 2 s of a 30 s grace period: SIGTERM's 143.
        assert_eq!(
            stop_on_delete(5_000, Some((100_000, 0)), 2_000, 30_000),
            (7_000, EXIT_SIGTERM)
        );
        // Would need 30 s or more: killed when the grace period ends.
        assert_eq!(
            stop_on_delete(5_000, Some((100_000, 0)), 30_000, 30_000),
            (35_000, EXIT_SIGKILL)
        );
        assert_eq!(
            stop_on_delete(5_000, Some((100_000, 0)), 45_000, 30_000),
            (35_000, EXIT_SIGKILL)
        );
        // No grace period (deleted with 0 s): killed at once.
        assert_eq!(stop_on_delete(5_000, Some((100_000, 0)), 0, 0), (5_000, EXIT_SIGKILL));
        // It ends on its own first, with its own code.
        assert_eq!(stop_on_delete(5_000, Some((6_000, 1)), 2_000, 30_000), (6_000, 1));
        // Due now (its exit event not yet handled): at once, with its own code.
        assert_eq!(stop_on_delete(5_000, Some((4_000, 0)), 2_000, 30_000), (5_000, 0));
    }

    #[test]
    fn the_pod_deadline_counts_from_the_first_start_across_restarts() {
        // Started at 0 with a 60 s deadline: a run planned to 100 s is killed at 60 s.
        assert_eq!(deadline_kill(0, 60_000, 100_000, 10_000), Some(60_000));
        // A run that ends by then is not.
        assert_eq!(deadline_kill(0, 60_000, 50_000, 10_000), None);
        assert_eq!(deadline_kill(0, 60_000, 60_000, 10_000), None);
        // A restart after the deadline passed: killed at once.
        assert_eq!(deadline_kill(0, 60_000, 100_000, 70_000), Some(70_000));
    }
}
