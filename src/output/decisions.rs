//! `decisions.csv`: `time,job,pod,cause,detail`, the controller's decisions
//! with their causes, recorded by the model as it decides (replication 0,
//! beside `events.csv`): a sync that waited the batch period after a pod
//! event, a sync that created no pod because of the pod-failure back-off
//! (with the failure count and the delay) or unsatisfied expectations, the rate limiter holding a sync's requests back, pods the
//! controller deleted and why, failed pods matching a pod-failure-policy rule,
//! and the condition that ends a Job with the rule that decided it.
//! `jobsim explain` reads it; the detail is `key=value` pairs separated by `;`
//! ([`Cause`]'s `Display`, read back by [`Cause::parse`]).
//!
//! A sync repeats what an earlier one decided while nothing changed (a
//! back-off still running when another pod event wakes the controller, a
//! finishing Job waiting for its pods to go): such a repeat is written once,
//! so the file keeps, per Job and cause, only what is new. What it remembers
//! for that is a few numbers per Job, by the Job's id.

use crate::record::{Cause, Decision, EventLog, Row, Rule};
use crate::time::SimTime;
use std::io::{self, Write};

pub const HEADER: &str = "time,job,pod,cause,detail\n";

/// Writes `decisions.csv` from the decisions the world hands the log.
pub struct DecisionLog<W: Write> {
    out: W,
    pub error: Option<io::Error>,
    /// Per Job still in the world (by id), what the last decision of each
    /// repeatable kind said (a fingerprint, [`fingerprint`]), to skip repeats.
    last: std::collections::BTreeMap<u32, [Option<u64>; REPEATABLE]>,
    line: Vec<u8>,
    /// A sync's [`Cause::Batched`], held until a decision of the same sync
    /// (time and Job) is written: alone (the sync's other decisions repeats),
    /// it says nothing new. Its row and tag.
    batched: Vec<u8>,
    batched_tag: Option<(SimTime, u32)>,
}

/// The kinds of decision a later sync may repeat while nothing changed, by
/// their place in [`DecisionLog::last`]: those about the Job, not one pod
/// (a pod is deleted once, and its failure classified once).
const REPEATABLE: usize = 4;

fn repeatable(c: &Cause) -> Option<usize> {
    match c {
        Cause::Backoff { .. } => Some(0),
        Cause::IndexBackoff { .. } => Some(1),
        Cause::Expectations { .. } => Some(2),
        Cause::Finish { .. } => Some(3),
        _ => None,
    }
}

/// FNV-1a over bytes, folded into `h`.
fn fnv(mut h: u64, bytes: &[u8]) -> u64 {
    for &b in bytes {
        h = (h ^ b as u64).wrapping_mul(0x100_0000_01b3);
    }
    h
}

fn fnv_num(h: u64, v: i64) -> u64 {
    fnv(h, &v.to_le_bytes())
}

/// What makes a decision new, as a number: what it says, but for a back-off
/// only when it ends (the time left changes from sync to sync).
fn fingerprint(t: SimTime, c: &Cause) -> u64 {
    let h = 0xcbf2_9ce4_8422_2325;
    match *c {
        Cause::Backoff {
            last_failure,
            backoff_ms,
            ..
        } => fnv_num(h, (last_failure + backoff_ms) as i64),
        Cause::IndexBackoff { remaining_ms, .. } => fnv_num(h, (t + remaining_ms) as i64),
        Cause::Expectations { creations, deletions } => fnv_num(fnv_num(h, creations), deletions),
        Cause::Finish {
            condition,
            reason,
            rule,
        } => {
            let h = fnv(fnv(fnv(h, condition.as_bytes()), b";"), reason.as_bytes());
            let (a, b, s) = match rule {
                Rule::BackoffLimit { failed, limit } => (1, i64::from(failed) << 32 | i64::from(limit), ""),
                Rule::RestartLimit { restarts, limit } => (2, restarts << 32 | i64::from(limit), ""),
                Rule::PodFailurePolicy { index, pod } => (3, i64::from(index), pod),
                Rule::ActiveDeadline { seconds } => (4, seconds, ""),
                Rule::MaxFailedIndexes { failed, max } => (5, failed << 32 | i64::from(max), ""),
                Rule::FailedIndexes { failed } => (6, failed, ""),
                Rule::SuccessPolicy { index } => (7, i64::from(index), ""),
                Rule::Completions { succeeded, completions } => {
                    (8, i64::from(succeeded) << 32 | i64::from(completions.unwrap_or(-1)), "")
                }
                Rule::Carried => (9, 0, ""),
            };
            fnv(fnv_num(fnv_num(h, a), b), s.as_bytes())
        }
        _ => 0,
    }
}

/// A duration as [`crate::time::format_duration`] writes it (`1h2m3.5s`),
/// without its allocations: decisions carry one or more per row.
fn push_duration(b: &mut Vec<u8>, ms: u64) {
    let int = |b: &mut Vec<u8>, v: u64| b.extend_from_slice(itoa::Buffer::new().format(v).as_bytes());
    if ms == 0 {
        b.extend_from_slice(b"0s");
        return;
    }
    if ms < 1000 {
        int(b, ms);
        b.extend_from_slice(b"ms");
        return;
    }
    let (h, m) = (ms / 3_600_000, ms % 3_600_000 / 60_000);
    if h > 0 {
        int(b, h);
        b.push(b'h');
    }
    if h > 0 || m > 0 {
        int(b, m);
        b.push(b'm');
    }
    int(b, ms % 60_000 / 1000);
    let frac = ms % 1000;
    if frac != 0 {
        let digits = [
            b'.',
            b'0' + (frac / 100) as u8,
            b'0' + (frac / 10 % 10) as u8,
            b'0' + (frac % 10) as u8,
        ];
        let keep = if frac.is_multiple_of(100) {
            2
        } else if frac.is_multiple_of(10) {
            3
        } else {
            4
        };
        b.extend_from_slice(&digits[..keep]);
    }
    b.push(b's');
}

/// Writes a cause's detail as [`Cause`]'s `Display` does: the frequent kinds
/// by hand, the others through it (quoted if need be).
fn push_detail(b: &mut Vec<u8>, c: &Cause) {
    let int = |b: &mut Vec<u8>, v: i64| b.extend_from_slice(itoa::Buffer::new().format(v).as_bytes());
    match *c {
        Cause::Backoff {
            failures,
            last_failure,
            backoff_ms,
            remaining_ms,
            requeue_ms,
        } => {
            b.extend_from_slice(b"failures=");
            int(b, i64::from(failures));
            b.extend_from_slice(b";lastFailure=");
            crate::time::push_seconds(b, last_failure);
            b.extend_from_slice(b";backoff=");
            push_duration(b, backoff_ms);
            b.extend_from_slice(b";remaining=");
            push_duration(b, remaining_ms);
            b.extend_from_slice(b";requeue=");
            push_duration(b, requeue_ms);
        }
        Cause::Throttled {
            requests,
            creates,
            delay_ms,
        } => {
            b.extend_from_slice(b"requests=");
            int(b, i64::from(requests));
            b.extend_from_slice(b";creates=");
            int(b, i64::from(creates));
            b.extend_from_slice(b";delay=");
            push_duration(b, delay_ms);
        }
        Cause::Expectations { creations, deletions } => {
            b.extend_from_slice(b"creations=");
            int(b, creations);
            b.extend_from_slice(b";deletions=");
            int(b, deletions);
        }
        Cause::Batched { since, delay_ms } => {
            b.extend_from_slice(b"since=");
            crate::time::push_seconds(b, since);
            b.extend_from_slice(b";delay=");
            push_duration(b, delay_ms);
        }
        Cause::Finish {
            condition,
            reason,
            rule: Rule::Completions { .. } | Rule::Carried,
        } if !needs_quotes(condition) && !needs_quotes(reason) => {
            b.extend_from_slice(b"condition=");
            b.extend_from_slice(condition.as_bytes());
            b.extend_from_slice(b";reason=");
            b.extend_from_slice(reason.as_bytes());
            match c {
                Cause::Finish {
                    rule: Rule::Completions { succeeded, completions },
                    ..
                } => {
                    b.extend_from_slice(b";rule=completions;succeeded=");
                    int(b, i64::from(*succeeded));
                    if let Some(n) = completions {
                        b.extend_from_slice(b";completions=");
                        int(b, i64::from(*n));
                    }
                }
                _ => b.extend_from_slice(b";rule=carried"),
            }
        }
        _ => {
            let detail = c.to_string();
            if needs_quotes(&detail) {
                b.push(b'"');
                b.extend_from_slice(detail.replace('"', "\"\"").as_bytes());
                b.push(b'"');
            } else {
                b.extend_from_slice(detail.as_bytes());
            }
        }
    }
}

fn needs_quotes(s: &str) -> bool {
    s.bytes().any(|c| matches!(c, b',' | b'"' | b'\n'))
}

impl<W: Write> DecisionLog<W> {
    pub fn new(mut out: W) -> Self {
        let error = out.write_all(HEADER.as_bytes()).err();
        DecisionLog {
            out,
            error,
            last: Default::default(),
            line: Vec::new(),
            batched: Vec::new(),
            batched_tag: None,
        }
    }

    /// The writer, and the first write error.
    pub fn finish(mut self) -> (W, Option<io::Error>) {
        if let Err(e) = self.out.flush()
            && self.error.is_none()
        {
            self.error = Some(e);
        }
        (self.out, self.error)
    }
}

impl<W: Write> EventLog for DecisionLog<W> {
    /// Decisions only: no timeline row is wanted.
    fn enabled(&self) -> bool {
        false
    }

    fn record(&mut self, _: &Row) {}

    fn decisions(&self) -> bool {
        true
    }

    fn job_left(&mut self, job_id: u32) {
        self.last.remove(&job_id);
    }

    fn decide(&mut self, d: &Decision) {
        let tag = Some((d.t, d.job_id));
        if self.batched_tag.is_some() && self.batched_tag != tag {
            self.batched_tag = None;
        }
        if let Some(kind) = repeatable(&d.cause) {
            let fp = Some(fingerprint(d.t, &d.cause));
            let last = self.last.entry(d.job_id).or_insert([None; REPEATABLE]);
            if last[kind] == fp {
                return;
            }
            last[kind] = fp;
        }
        let batched = matches!(d.cause, Cause::Batched { .. });
        let b = if batched { &mut self.batched } else { &mut self.line };
        b.clear();
        crate::time::push_seconds(b, d.t);
        b.push(b',');
        b.extend_from_slice(d.job.as_bytes());
        b.push(b',');
        b.extend_from_slice(d.pod.as_bytes());
        b.push(b',');
        b.extend_from_slice(d.cause.name().as_bytes());
        b.push(b',');
        push_detail(b, &d.cause);
        b.push(b'\n');
        if batched {
            self.batched_tag = tag;
            return;
        }
        if self.error.is_none() {
            let held = if self.batched_tag.take().is_some() {
                self.out.write_all(&self.batched)
            } else {
                Ok(())
            };
            if let Err(e) = held.and_then(|()| self.out.write_all(&self.line)) {
                self.error = Some(e);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn backoff(t: u64, failures: i32, last: u64) -> Decision<'static> {
        Decision {
            t,
            job: "j",
            job_id: 0,
            pod: "",
            cause: Cause::Backoff {
                failures,
                last_failure: last,
                backoff_ms: 10_000,
                remaining_ms: 10_000 - (t - last),
                requeue_ms: 10_000 - (t - last),
            },
        }
    }

    #[test]
    fn repeats_are_written_once_per_job() {
        let mut log = DecisionLog::new(Vec::new());
        let batched = |t| Decision {
            t,
            job: "j",
            job_id: 0,
            pod: "",
            cause: Cause::Batched {
                since: t - 1000,
                delay_ms: 1000,
            },
        };
        log.decide(&batched(6_000));
        log.decide(&backoff(6_000, 1, 5_000));
        // The same back-off, a later sync: neither it nor its batching is written.
        log.decide(&batched(7_000));
        log.decide(&backoff(7_000, 1, 5_000));
        log.decide(&backoff(21_000, 2, 20_000));
        let finish = Decision {
            t: 91_000,
            job: "j",
            job_id: 0,
            pod: "",
            cause: Cause::Finish {
                condition: "Failed",
                reason: "BackoffLimitExceeded",
                rule: Rule::BackoffLimit { failed: 4, limit: 3 },
            },
        };
        log.decide(&finish);
        log.decide(&finish);
        // Another Job's decision is its own, whatever it says.
        log.decide(&Decision {
            job: "k",
            job_id: 1,
            ..finish
        });
        // What was kept for a Job goes when it leaves the world.
        assert_eq!(log.last.len(), 2);
        log.job_left(0);
        log.job_left(1);
        assert!(log.last.is_empty());
        let (out, err) = log.finish();
        assert!(err.is_none());
        assert_eq!(
            String::from_utf8(out).unwrap(),
            format!(
                "{HEADER}6.000,j,,Batched,since=5.000;delay=1s\n\
                 6.000,j,,Backoff,failures=1;lastFailure=5.000;backoff=10s;remaining=9s;requeue=9s\n\
                 21.000,j,,Backoff,failures=2;lastFailure=20.000;backoff=10s;remaining=9s;requeue=9s\n\
                 91.000,j,,Finish,condition=Failed;reason=BackoffLimitExceeded;rule=backoffLimit;failed=4;limit=3\n\
                 91.000,k,,Finish,condition=Failed;reason=BackoffLimitExceeded;rule=backoffLimit;failed=4;limit=3\n"
            )
        );
    }

    /// The hand-written details are [`Cause`]'s `Display`, and read back.
    #[test]
    fn the_fast_path_writes_what_display_writes() {
        let mut causes = vec![
            Cause::Finish {
                condition: "Complete",
                reason: "",
                rule: Rule::Completions {
                    succeeded: 3,
                    completions: None,
                },
            },
            Cause::Finish {
                condition: "SuccessCriteriaMet",
                reason: "CompletionsReached",
                rule: Rule::Completions {
                    succeeded: 3,
                    completions: Some(3),
                },
            },
            Cause::Finish {
                condition: "Failed",
                reason: "PodFailurePolicy",
                rule: Rule::Carried,
            },
        ];
        causes.push(Cause::Batched {
            since: 12_345,
            delay_ms: 1_000,
        });
        for ms in [
            0, 1, 999, 1000, 1500, 1050, 1005, 9_500, 18_445, 59_999, 60_000, 60_010, 61_500, 360_000, 3_600_000,
            3_723_004, 7_200_001, 90_061_100,
        ] {
            causes.push(Cause::Backoff {
                failures: 3,
                last_failure: 45_000,
                backoff_ms: ms,
                remaining_ms: ms,
                requeue_ms: ms,
            });
            causes.push(Cause::Throttled {
                requests: 12,
                creates: 5,
                delay_ms: ms,
            });
        }
        causes.push(Cause::Expectations {
            creations: 3,
            deletions: -1,
        });
        for c in causes {
            let mut b = Vec::new();
            push_detail(&mut b, &c);
            let text = String::from_utf8(b).unwrap();
            assert_eq!(text, c.to_string());
            assert_eq!(Cause::parse(c.name(), &text), Ok(c));
        }
    }
}
