//! A replication's timeline written on a second thread: the world packs its
//! rows and decisions into batches (their names copied into one buffer), and
//! a writer thread hands them, in order, to the sinks that format and write
//! them. The sinks see the same rows and the same decisions in the same order
//! as when called directly, so the files are byte-identical; only the work
//! moves off the simulation's thread. Each batch goes back to be reused, the
//! final Job objects in it too: they are freed on the simulation's thread,
//! which allocated them.

use crate::api::Job;
use crate::record::{CauseOf, Decision, DetailOf, EventKind, EventLog, Row};
use crate::time::SimTime;
use std::sync::mpsc::{Receiver, SyncSender, TryRecvError};

/// Rows per batch: large enough that the hand-over costs little per row,
/// small enough that a few batches in flight stay a few MB.
const BATCH_ROWS: usize = 4096;
/// Final Job objects per batch: a Job object is a few KB, so a batch that
/// filled with Jobs alone (a run writing only `jobs.yaml`) stays small too.
const BATCH_JOBS: usize = 256;
/// Batches in flight before the simulation waits for the writer.
const IN_FLIGHT: usize = 4;
/// How long the writer sleeps when it finds no batch ([`next_batch`]): the
/// simulation waits for the writer only once [`IN_FLIGHT`] batches are
/// queued, which takes it several milliseconds at the fastest (4,096 rows a
/// batch at about 2.5 million rows a second).
const POLL: std::time::Duration = std::time::Duration::from_micros(500);

/// Where a name lies in a batch's text.
#[derive(Clone, Copy, Debug)]
struct Span {
    start: u32,
    len: u32,
}

/// [`Row`] with its names as spans of the batch's text.
#[derive(Clone, Copy, Debug)]
struct PackedRow {
    t: SimTime,
    job: Span,
    pod: Span,
    pod_id: Option<u32>,
    index: Option<i32>,
    kind: EventKind,
    detail: DetailOf<Span>,
}

/// [`Decision`] with its names as spans of the batch's text, or the word
/// that a Job left the world ([`EventLog::job_left`]): what the decisions'
/// sink keeps per Job depends on the order of the two.
#[derive(Clone, Copy, Debug)]
enum PackedDecision {
    Decide {
        t: SimTime,
        job: Span,
        job_id: u32,
        pod: Span,
        cause: CauseOf<Span>,
    },
    Left(u32),
}

/// Rows and decisions owned, to cross to another thread, and the final Job
/// objects handed over meanwhile. Each goes to files of its own, so where a
/// decision or a Job falls among the rows does not matter.
#[derive(Default)]
pub struct RowBatch {
    rows: Vec<PackedRow>,
    decisions: Vec<PackedDecision>,
    text: String,
    jobs: Vec<(Box<Job>, u32)>,
}

impl RowBatch {
    /// An empty batch with room for a full one: a batch grown row by row
    /// would copy its rows a dozen times over on the simulation's thread.
    fn presized() -> Self {
        RowBatch {
            rows: Vec::with_capacity(BATCH_ROWS),
            decisions: Vec::new(),
            text: String::with_capacity(BATCH_ROWS * 32),
            jobs: Vec::new(),
        }
    }

    fn span(&mut self, s: &str) -> Span {
        let start = self.text.len() as u32;
        self.text.push_str(s);
        Span {
            start,
            len: s.len() as u32,
        }
    }

    fn str(&self, s: Span) -> &str {
        &self.text[s.start as usize..(s.start + s.len) as usize]
    }

    pub fn push(&mut self, row: &Row) {
        let detail = row.detail.map(|name| self.span(name));
        let packed = PackedRow {
            t: row.t,
            job: self.span(row.job),
            pod: self.span(row.pod),
            pod_id: row.pod_id,
            index: row.index,
            kind: row.kind,
            detail,
        };
        self.rows.push(packed);
    }

    fn unpack(&self, p: &PackedRow) -> Row<'_> {
        let detail = p.detail.map(|name| self.str(name));
        Row {
            t: p.t,
            job: self.str(p.job),
            pod: self.str(p.pod),
            pod_id: p.pod_id,
            index: p.index,
            kind: p.kind,
            detail,
        }
    }

    /// The rows, in the order they were pushed.
    pub fn rows(&self) -> impl Iterator<Item = Row<'_>> {
        self.rows.iter().map(|p| self.unpack(p))
    }

    fn push_decision(&mut self, d: &Decision) {
        let cause = d.cause.map(|name| self.span(name));
        let packed = PackedDecision::Decide {
            t: d.t,
            job: self.span(d.job),
            job_id: d.job_id,
            pod: self.span(d.pod),
            cause,
        };
        self.decisions.push(packed);
    }

    /// Hands `log` the decisions and departures, in the order they were pushed.
    fn replay_decisions(&self, log: &mut impl EventLog) {
        for d in &self.decisions {
            match *d {
                PackedDecision::Decide {
                    t,
                    job,
                    job_id,
                    pod,
                    cause,
                } => log.decide(&Decision {
                    t,
                    job: self.str(job),
                    job_id,
                    pod: self.str(pod),
                    cause: cause.map(|name| self.str(name)),
                }),
                PackedDecision::Left(job_id) => log.job_left(job_id),
            }
        }
    }

    fn full(&self) -> bool {
        self.rows.len() >= BATCH_ROWS || self.decisions.len() >= BATCH_ROWS || self.jobs.len() >= BATCH_JOBS
    }

    fn is_empty(&self) -> bool {
        self.rows.is_empty() && self.decisions.is_empty() && self.jobs.is_empty()
    }

    /// Empties the batch but for its Job objects: the writer hands those
    /// back, to be freed on the thread that allocated them (a block freed
    /// by another thread goes to mimalloc's delayed-free lists, which its
    /// owner collects: both threads pay).
    fn clear_but_jobs(&mut self) {
        self.rows.clear();
        self.decisions.clear();
        self.text.clear();
    }
}

/// The simulation's end of the pipe: an [`EventLog`] that batches rows for
/// the writer thread, reusing the batches the writer hands back.
pub struct Pipe {
    /// Whether the sinks want rows, decisions and final Job objects.
    wants_rows: bool,
    wants_decisions: bool,
    wants_jobs: bool,
    batch: RowBatch,
    to_writer: SyncSender<RowBatch>,
    spent: Receiver<RowBatch>,
}

impl Pipe {
    fn send(&mut self) {
        let empty = match self.spent.try_recv() {
            Ok(mut spent) => {
                spent.jobs.clear();
                spent
            }
            Err(_) => RowBatch::presized(),
        };
        debug_assert!(empty.is_empty(), "a batch comes back emptied");
        let full = std::mem::replace(&mut self.batch, empty);
        // The writer only stops early when a sink failed; its error is
        // reported when it is joined, so rows after that are dropped.
        let _ = self.to_writer.send(full);
    }

    /// Sends the batch once it is full.
    fn send_if_full(&mut self) {
        if self.batch.full() {
            self.send();
        }
    }
}

impl EventLog for Pipe {
    fn enabled(&self) -> bool {
        self.wants_rows
    }

    fn record(&mut self, row: &Row) {
        self.batch.push(row);
        self.send_if_full();
    }

    fn decisions(&self) -> bool {
        self.wants_decisions
    }

    fn decide(&mut self, d: &Decision) {
        self.batch.push_decision(d);
        self.send_if_full();
    }

    fn job_left(&mut self, job_id: u32) {
        if self.wants_decisions {
            self.batch.decisions.push(PackedDecision::Left(job_id));
            self.send_if_full();
        }
    }

    fn jobs(&self) -> bool {
        self.wants_jobs
    }

    fn take_job_final(&mut self, job: Box<Job>, workload: u32) {
        self.batch.jobs.push((job, workload));
        self.send_if_full();
    }
}

impl Drop for Pipe {
    fn drop(&mut self) {
        if !self.batch.is_empty() {
            self.send();
        }
    }
}

/// The writer's next batch, or `None` once the simulation has sent its last.
/// The writer polls, sleeping [`POLL`] when there is none yet, instead of
/// blocking in `recv`: a send to a receiver blocked in `recv` wakes its
/// thread, and on a virtual machine that wake-up (an interrupt to the other
/// processor) cost the simulation's thread about 2% of its wall time
/// (ARCHITECTURE.md, Performance), as the writer, idle most of the time, was
/// woken for nearly every batch.
fn next_batch(from_sim: &Receiver<RowBatch>) -> Option<RowBatch> {
    loop {
        match from_sim.try_recv() {
            Ok(batch) => return Some(batch),
            Err(TryRecvError::Empty) => std::thread::sleep(POLL),
            Err(TryRecvError::Disconnected) => return None,
        }
    }
}

/// Runs `simulate` with a [`Pipe`] whose rows `sinks` receive on a second
/// thread; returns what `simulate` returned and the sinks once every row is
/// in them. Dropping the pipe (inside `simulate` or at its end) ends the writer.
pub fn piped<S, T>(sinks: S, simulate: impl FnOnce(Pipe) -> T) -> (T, S)
where
    S: EventLog + Send,
{
    let (wants_rows, wants_decisions, wants_jobs) = (sinks.enabled(), sinks.decisions(), sinks.jobs());
    let (to_writer, from_sim) = std::sync::mpsc::sync_channel::<RowBatch>(IN_FLIGHT);
    let (to_sim, spent) = std::sync::mpsc::channel::<RowBatch>();
    std::thread::scope(|scope| {
        let writer = scope.spawn(move || {
            let mut sinks = sinks;
            while let Some(mut batch) = next_batch(&from_sim) {
                for row in batch.rows() {
                    sinks.record(&row);
                }
                batch.replay_decisions(&mut sinks);
                for (job, workload) in &batch.jobs {
                    sinks.job_final(job, *workload);
                }
                batch.clear_but_jobs();
                let _ = to_sim.send(batch);
            }
            sinks
        });
        let pipe = Pipe {
            wants_rows,
            wants_decisions,
            wants_jobs,
            batch: RowBatch::presized(),
            to_writer,
            spent,
        };
        let out = simulate(pipe);
        let sinks = writer.join().unwrap_or_else(|e| std::panic::resume_unwind(e));
        (out, sinks)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{Cause, Detail};

    fn every_detail() -> Vec<Detail<'static>> {
        vec![
            Detail::None,
            Detail::Node { node: "cpu-1" },
            Detail::NodeAdded {
                node: "gpu-0",
                cpu_milli: 8000,
                memory: 1 << 34,
                pods: 110,
                extended: "nvidia.com/gpu=4",
            },
            Detail::Bound {
                node: "cpu-2",
                request: Some((500, 1 << 20)),
                extended: "",
            },
            Detail::Bound {
                node: "n",
                request: None,
                extended: "",
            },
            Detail::Exited {
                exit_code: 137,
                container: "main",
            },
            Detail::Restarted {
                exit_code: 1,
                container: "main",
                restart_count: 3,
                backoff_ms: 40_000,
            },
            Detail::Grace { grace_ms: 30_000 },
            Detail::Reason {
                reason: "BackoffLimitExceeded",
                message: "Job has reached the specified backoff limit",
            },
        ]
    }

    fn rows() -> Vec<Row<'static>> {
        every_detail()
            .into_iter()
            .enumerate()
            .map(|(i, detail)| Row {
                t: 1000 * i as u64 + 7,
                job: if i % 3 == 0 { "" } else { "train-x7k2p" },
                pod: if i % 2 == 0 { "train-x7k2p-abcde" } else { "" },
                pod_id: (i % 2 == 0).then_some(i as u32),
                index: (i % 4 == 1).then_some(i as i32),
                kind: EventKind::ALL[i % EventKind::ALL.len()],
                detail,
            })
            .collect()
    }

    #[test]
    fn a_batch_gives_back_every_row_as_pushed() {
        let mut batch = RowBatch::default();
        for row in rows() {
            batch.push(&row);
        }
        let back: Vec<String> = batch.rows().map(|r| format!("{r:?}")).collect();
        let sent: Vec<String> = rows().iter().map(|r| format!("{r:?}")).collect();
        assert_eq!(back, sent);
    }

    /// Collects rows as text (a sink that must be `Send`).
    #[derive(Default)]
    struct Collect(Vec<String>);

    impl EventLog for Collect {
        fn record(&mut self, row: &Row) {
            self.0.push(format!("{row:?}"));
        }
    }

    /// Collects the names of final Job objects, with their workloads.
    #[derive(Default)]
    struct Jobs(Vec<(String, u32)>);

    impl EventLog for Jobs {
        fn enabled(&self) -> bool {
            false
        }
        fn record(&mut self, _: &Row) {}
        fn jobs(&self) -> bool {
            true
        }
        fn job_final(&mut self, job: &Job, workload: u32) {
            self.0.push((job.metadata.name.clone(), workload));
        }
    }

    #[test]
    fn final_jobs_reach_the_writer_in_order_and_a_batch_of_them_stays_small() {
        let n = 3 * BATCH_JOBS + 7;
        let ((), sink) = piped(Jobs::default(), |mut pipe| {
            assert!(pipe.jobs() && !pipe.enabled(), "the pipe says what its sinks want");
            for i in 0..n {
                let mut job = Job::default();
                job.metadata.name = format!("job-{i}");
                pipe.take_job_final(Box::new(job), i as u32 % 3);
                assert!(pipe.batch.jobs.len() < BATCH_JOBS, "a full batch goes at once");
            }
        });
        let want: Vec<(String, u32)> = (0..n).map(|i| (format!("job-{i}"), i as u32 % 3)).collect();
        assert!(sink.0 == want, "Jobs lost or reordered on the way");
    }

    #[test]
    fn the_writer_hands_final_jobs_back_to_be_freed_by_the_simulation() {
        let ((), sink) = piped(Jobs::default(), |mut pipe| {
            for i in 0..BATCH_JOBS {
                let mut job = Job::default();
                job.metadata.name = format!("job-{i}");
                pipe.take_job_final(Box::new(job), 0);
            }
            let spent = pipe.spent.recv().expect("the writer hands the batch back");
            assert_eq!(
                spent.jobs.len(),
                BATCH_JOBS,
                "the writer dropped Jobs the simulation allocated"
            );
            assert!(
                spent.rows.is_empty() && spent.text.is_empty(),
                "the rest of the batch comes back empty"
            );
            assert_eq!(
                spent.jobs[BATCH_JOBS - 1].0.metadata.name,
                format!("job-{}", BATCH_JOBS - 1)
            );
        });
        assert_eq!(sink.0.len(), BATCH_JOBS, "every Job reached the sinks");
    }

    fn every_cause() -> Vec<Cause<'static>> {
        use crate::record::{DeleteWhy, Rule};
        vec![
            Cause::Backoff {
                failures: 2,
                last_failure: 7_000,
                backoff_ms: 20_000,
                remaining_ms: 13_000,
                requeue_ms: 13_000,
            },
            Cause::IndexBackoff {
                remaining_ms: 5,
                requeue_ms: 1_000,
            },
            Cause::Expectations {
                creations: 3,
                deletions: -1,
            },
            Cause::Throttled {
                requests: 9,
                creates: 4,
                delay_ms: 250,
            },
            Cause::Delete {
                why: DeleteWhy::Excess { active: 5, wanted: 3 },
            },
            Cause::Batched {
                since: 2_000,
                delay_ms: 1_000,
            },
            Cause::PolicyRule {
                index: 1,
                action: "Ignore",
            },
            Cause::Finish {
                condition: "Failed",
                reason: "PodFailurePolicy",
                rule: Rule::PodFailurePolicy {
                    index: 0,
                    pod: "train-x7k2p-abcde",
                },
            },
            Cause::Finish {
                condition: "Complete",
                reason: "CompletionsReached",
                rule: Rule::Completions {
                    succeeded: 4,
                    completions: Some(4),
                },
            },
        ]
    }

    /// Collects decisions and departures as text.
    #[derive(Default)]
    struct Decisions(Vec<String>);

    impl EventLog for Decisions {
        fn enabled(&self) -> bool {
            false
        }
        fn record(&mut self, _: &Row) {}
        fn decisions(&self) -> bool {
            true
        }
        fn decide(&mut self, d: &Decision) {
            self.0.push(format!("{d:?}"));
        }
        fn job_left(&mut self, job_id: u32) {
            self.0.push(format!("left {job_id}"));
        }
    }

    #[test]
    fn the_writer_gets_every_decision_and_departure_in_order_across_batches() {
        let causes = every_cause();
        let mut sent = Vec::new();
        let ((), sink) = piped(Decisions::default(), |mut pipe| {
            assert!(pipe.decisions() && !pipe.enabled() && !pipe.jobs());
            for i in 0..2 * BATCH_ROWS + 5 {
                let d = Decision {
                    t: 1_000 * i as u64,
                    job: if i % 5 == 0 { "j-1" } else { "job-with-a-longer-name" },
                    job_id: i as u32 % 7,
                    pod: if i % 2 == 0 { "" } else { "j-1-abcde" },
                    cause: causes[i % causes.len()],
                };
                sent.push(format!("{d:?}"));
                pipe.decide(&d);
                if i % 3 == 0 {
                    sent.push(format!("left {}", i % 7));
                    pipe.job_left(i as u32 % 7);
                }
            }
        });
        assert_eq!(sink.0.len(), sent.len());
        assert!(
            sink.0 == sent,
            "decisions or departures lost, reordered or changed on the way"
        );
    }

    #[test]
    fn the_writer_gets_every_row_in_order_across_batches() {
        let sent: Vec<String> = (0..3 * BATCH_ROWS + 5)
            .flat_map(|_| rows())
            .map(|r| format!("{r:?}"))
            .collect();
        let ((), sink) = piped(Collect::default(), |mut pipe| {
            for _ in 0..3 * BATCH_ROWS + 5 {
                for row in rows() {
                    pipe.record(&row);
                }
            }
        });
        assert_eq!(sink.0.len(), sent.len());
        assert!(sink.0 == sent, "rows reordered or changed on the way");
    }
}
