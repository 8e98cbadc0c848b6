//! `decisions.csv`: `time,job,pod,cause,detail`, the controller's decisions
//! with their causes, recorded by the model as it decides (replication 0,
//! beside `events.csv`): a sync that created no pod because of the pod-failure
//! back-off (with the failure count and the delay) or unsatisfied
//! expectations, the rate limiter holding a sync's requests back, pods the
//! controller deleted and why, failed pods matching a pod-failure-policy rule,
//! and the condition that ends a Job with the rule that decided it.
//! `jobsim explain` reads it; the detail is `key=value` pairs separated by `;`
//! ([`Cause`]'s `Display`, read back by [`Cause::parse`]).
//!
//! A sync repeats what an earlier one decided while nothing changed (a
//! back-off still running when another pod event wakes the controller, a
//! finishing Job waiting for its pods to go): such a repeat is written once,
//! so the file keeps, per Job and cause, only what is new.

use crate::record::{Cause, Decision, EventKind, EventLog, Row};
use std::collections::BTreeMap;
use std::io::{self, Write};

pub const HEADER: &str = "time,job,pod,cause,detail\n";

/// Writes `decisions.csv` from the decisions the world hands the log.
pub struct DecisionLog<W: Write> {
    out: W,
    pub error: Option<io::Error>,
    /// Per open Job, the last decision written of each kind (and pod), to skip repeats.
    last: BTreeMap<String, Vec<(String, String)>>,
    line: Vec<u8>,
}

impl<W: Write> DecisionLog<W> {
    pub fn new(mut out: W) -> Self {
        let error = out.write_all(HEADER.as_bytes()).err();
        DecisionLog {
            out,
            error,
            last: BTreeMap::new(),
            line: Vec::new(),
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

/// What makes a decision new: its kind and pod, and what it says, but for a
/// back-off only which failure it follows (the time left changes from sync to sync).
fn repeat_key(d: &Decision, detail: &str) -> (String, String) {
    let what = match d.cause {
        Cause::Backoff {
            failures, last_failure, ..
        } => format!("{failures}@{last_failure}"),
        Cause::IndexBackoff { .. } => String::new(),
        _ => detail.to_string(),
    };
    (format!("{}/{}", d.cause.name(), d.pod), what)
}

impl<W: Write> EventLog for DecisionLog<W> {
    fn record(&mut self, row: &Row) {
        // A finished or deleted Job decides nothing more.
        if matches!(
            row.kind,
            EventKind::JobComplete | EventKind::JobFailed | EventKind::JobDeleted
        ) {
            self.last.remove(row.job);
        }
    }

    fn decisions(&self) -> bool {
        true
    }

    fn decide(&mut self, d: &Decision) {
        let detail = d.cause.to_string();
        let repeats = !matches!(d.cause, Cause::Throttled { .. });
        if repeats {
            let (kind, what) = repeat_key(d, &detail);
            let seen = self.last.entry(d.job.to_string()).or_default();
            match seen.iter_mut().find(|(k, _)| *k == kind) {
                Some((_, w)) if *w == what => return,
                Some((_, w)) => *w = what,
                None => seen.push((kind, what)),
            }
        }
        let b = &mut self.line;
        b.clear();
        crate::time::push_seconds(b, d.t);
        b.push(b',');
        b.extend_from_slice(d.job.as_bytes());
        b.push(b',');
        b.extend_from_slice(d.pod.as_bytes());
        b.push(b',');
        b.extend_from_slice(d.cause.name().as_bytes());
        b.push(b',');
        if detail.bytes().any(|c| matches!(c, b',' | b'"' | b'\n')) {
            b.push(b'"');
            b.extend_from_slice(detail.replace('"', "\"\"").as_bytes());
            b.push(b'"');
        } else {
            b.extend_from_slice(detail.as_bytes());
        }
        b.push(b'\n');
        if self.error.is_none()
            && let Err(e) = self.out.write_all(b)
        {
            self.error = Some(e);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::Rule;

    fn backoff(t: u64, failures: i32, last: u64) -> Decision<'static> {
        Decision {
            t,
            job: "j",
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
    fn repeats_are_written_once_and_a_finished_job_is_forgotten() {
        let mut log = DecisionLog::new(Vec::new());
        log.decide(&backoff(6_000, 1, 5_000));
        log.decide(&backoff(7_000, 1, 5_000)); // the same back-off, a later sync
        log.decide(&backoff(21_000, 2, 20_000));
        let finish = Decision {
            t: 91_000,
            job: "j",
            pod: "",
            cause: Cause::Finish {
                condition: "Failed",
                reason: "BackoffLimitExceeded",
                rule: Rule::BackoffLimit { failed: 4, limit: 3 },
            },
        };
        log.decide(&finish);
        log.decide(&finish);
        log.record(&Row::job(
            91_000,
            "j",
            EventKind::JobFailed,
            crate::record::Detail::None,
        ));
        assert!(log.last.is_empty());
        let (out, err) = log.finish();
        assert!(err.is_none());
        assert_eq!(
            String::from_utf8(out).unwrap(),
            format!(
                "{HEADER}6.000,j,,Backoff,failures=1;lastFailure=5.000;backoff=10s;remaining=9s;requeue=9s\n\
                 21.000,j,,Backoff,failures=2;lastFailure=20.000;backoff=10s;remaining=9s;requeue=9s\n\
                 91.000,j,,Finish,condition=Failed;reason=BackoffLimitExceeded;rule=backoffLimit;failed=4;limit=3\n"
            )
        );
    }
}
