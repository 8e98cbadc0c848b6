//! `jobs.csv` rows of one replication, gathered as Jobs leave the world (in
//! no particular order) and written out at its end in (workload, ordinal)
//! order, when the end is known (kubectl's DURATION of a Failed Job runs to
//! it). Results wait in a scratch file, a few dozen bytes each, with only
//! their sort keys in memory.

use super::jobs::{ReplicationJobs, write_jobs_csv};
use crate::record::{JobResult, ResultSink};
use crate::time::SimTime;
use std::fs::File;
use std::io::{self, Read, Write};

/// Results read back between two releases of the scratch file's mapped
/// pages: they would otherwise count in the process's memory, the whole file
/// by the end.
const RESULTS_PER_RELEASE: usize = 4096;

/// Results go to the scratch file in blocks of this size, at offsets that
/// are multiples of it: whole pages, which the file system takes without
/// zeroing or reading the rest of a page first (writes of whatever a buffer
/// held when the next result did not fit cost the simulation's thread 3%
/// of its time on bench-1m-pods, most of it in the kernel).
const SCRATCH_BLOCK: usize = 1 << 16;

/// What `jobs.csv` reads of a result, in a scratch file.
pub struct JobRows {
    file: File,
    /// (workload, ordinal, offset) of every result filed.
    index: Vec<(u32, u32, u64)>,
    /// Bytes filed so far, `pending`'s included.
    len: u64,
    /// Encoded results not yet written: less than a block, after a write.
    pending: Vec<u8>,
    error: Option<io::Error>,
}

/// The values `JobResult::status` takes.
const STATUSES: [&str; 4] = ["Running", "Complete", "Failed", "Suspended"];

impl JobRows {
    pub fn new() -> io::Result<Self> {
        Ok(JobRows {
            file: tempfile::tempfile()?,
            index: Vec::new(),
            len: 0,
            pending: Vec::with_capacity(2 * SCRATCH_BLOCK),
            error: None,
        })
    }

    /// Writes the rows (no header) in (workload, ordinal) order to `out`, in
    /// pieces of about 64 KiB: `rep` and `end` as in [`write_jobs_csv`].
    pub fn finish(
        mut self,
        rep: u32,
        end: SimTime,
        workload_names: &[String],
        with_replication: bool,
        mut out: impl FnMut(&[u8]) -> io::Result<()>,
    ) -> io::Result<()> {
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        let mut file = self.file;
        file.write_all(&self.pending)?;
        if self.index.is_empty() {
            return Ok(());
        }
        // Read in place: the results lie nearly in Job order, but not quite,
        // and a buffered reader re-read its buffer for most of them (8 KiB
        // and two system calls a result).
        // SAFETY: the scratch file is unlinked and this process's alone, and
        // nothing writes it while it is mapped.
        let map = unsafe { memmap2::Mmap::map(&file)? };
        self.index.sort_unstable();
        let mut batch = Vec::with_capacity(256);
        let mut text = Vec::with_capacity(1 << 16);
        let mut scratch = Vec::new();
        for (i, &(_, _, offset)) in self.index.iter().enumerate() {
            #[cfg(unix)]
            if i % RESULTS_PER_RELEASE == RESULTS_PER_RELEASE - 1 {
                // SAFETY: nothing borrows the mapping here (a decoded result
                // owns its strings); a page read again comes back from the
                // file.
                unsafe { map.unchecked_advise(memmap2::UncheckedAdvice::DontNeed)? };
            }
            let mut reader = map
                .get(offset as usize..)
                .ok_or_else(|| io::Error::from(io::ErrorKind::UnexpectedEof))?;
            batch.push(decode(&mut reader, &mut scratch)?);
            if batch.len() == batch.capacity() || i + 1 == self.index.len() {
                let runs: [ReplicationJobs; 1] = [(rep, end, &batch)];
                write_jobs_csv(&mut text, &runs, workload_names, with_replication, false)?;
                batch.clear();
                if text.len() >= 1 << 16 || i + 1 == self.index.len() {
                    out(&text)?;
                    text.clear();
                }
            }
        }
        Ok(())
    }
}

impl ResultSink for JobRows {
    fn job(&mut self, r: JobResult) {
        self.add(&r);
    }
}

impl JobRows {
    /// Files `r` (what its row needs).
    pub fn add(&mut self, r: &JobResult) {
        if self.error.is_some() {
            return;
        }
        let before = self.pending.len();
        encode(r, &mut self.pending);
        self.index.push((r.workload, r.ordinal, self.len));
        self.len += (self.pending.len() - before) as u64;
        if self.pending.len() >= SCRATCH_BLOCK {
            if let Err(e) = self.file.write_all(&self.pending[..SCRATCH_BLOCK]) {
                self.error = Some(e);
            }
            self.pending.drain(..SCRATCH_BLOCK);
        }
    }
}

fn put(buf: &mut Vec<u8>, v: u64) {
    buf.extend_from_slice(&v.to_le_bytes());
}

/// An optional time: `u64::MAX` for none (no simulated time gets there).
fn put_opt(buf: &mut Vec<u8>, v: Option<u64>) {
    put(buf, v.unwrap_or(u64::MAX));
}

/// The numbers of a result after the lengths of its two strings.
const NUMBERS: usize = 16;

/// The fields `write_jobs_csv` reads, in a fixed order: the lengths of the
/// name and the reason, [`NUMBERS`] numbers, then the two strings.
fn encode(r: &JobResult, buf: &mut Vec<u8>) {
    put(buf, r.name.len() as u64);
    put(buf, r.reason.len() as u64);
    put(buf, r.workload as u64);
    put(buf, r.ordinal as u64);
    let status = STATUSES.iter().position(|s| *s == r.status);
    put(buf, status.expect("a Job's status is one of STATUSES") as u64);
    put(buf, r.created);
    for t in [r.start_time, r.first_running, r.finished, r.deleted, r.completion_time] {
        put_opt(buf, t);
    }
    put_opt(buf, r.completions.map(|c| c as u32 as u64));
    for n in [r.succeeded as u32, r.failed as u32, r.pods_created, r.restarts] {
        put(buf, n as u64);
    }
    put(buf, r.pod_ms);
    put(buf, r.failed_pod_ms);
    buf.extend_from_slice(r.name.as_bytes());
    buf.extend_from_slice(r.reason.as_bytes());
}

/// One result back: two reads, the lengths and the rest, through `scratch`.
fn decode(r: &mut impl Read, scratch: &mut Vec<u8>) -> io::Result<JobResult> {
    let mut lengths = [0u8; 16];
    r.read_exact(&mut lengths)?;
    let (name_len, reason_len) = lengths.split_at(8);
    let name_len = u64::from_le_bytes(name_len.try_into().expect("8 bytes")) as usize;
    let reason_len = u64::from_le_bytes(reason_len.try_into().expect("8 bytes")) as usize;
    scratch.clear();
    scratch.resize(NUMBERS * 8 + name_len + reason_len, 0);
    r.read_exact(scratch)?;
    let (numbers, text) = scratch.split_at(NUMBERS * 8);
    let mut numbers = numbers
        .chunks_exact(8)
        .map(|b| u64::from_le_bytes(b.try_into().expect("8 bytes")));
    let mut get = || numbers.next().expect("NUMBERS numbers");
    let opt = |v: u64| (v != u64::MAX).then_some(v);
    let string = |b: &[u8]| String::from_utf8(b.to_vec()).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e));
    let (name, reason) = text.split_at(name_len);
    // Fields are evaluated in the order written, which is `encode`'s.
    let result = JobResult {
        name: string(name)?,
        reason: string(reason)?,
        workload: get() as u32,
        ordinal: get() as u32,
        status: STATUSES[get() as usize],
        created: get(),
        start_time: opt(get()),
        first_running: opt(get()),
        finished: opt(get()),
        deleted: opt(get()),
        completion_time: opt(get()),
        completions: opt(get()).map(|c| c as u32 as i32),
        succeeded: get() as u32 as i32,
        failed: get() as u32 as i32,
        pods_created: get() as u32,
        restarts: get() as u32,
        pod_ms: get(),
        failed_pod_ms: get(),
        ..Default::default()
    };
    Ok(result)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(workload: u32, ordinal: u32) -> JobResult {
        JobResult {
            name: format!("w{workload}-{ordinal}"),
            workload,
            ordinal,
            status: "Failed",
            reason: "BackoffLimitExceeded".into(),
            created: 1000 * ordinal as u64,
            start_time: Some(1000 * ordinal as u64 + 5),
            finished: Some(90_000),
            completions: Some(3),
            succeeded: 1,
            failed: 4,
            pods_created: 5,
            pod_ms: 12_345,
            failed_pod_ms: 6_789,
            ..Default::default()
        }
    }

    /// Rows come out sorted by (workload, ordinal) whatever order the Jobs
    /// left in, and exactly as `write_jobs_csv` writes the same results, with
    /// the end of the run in a Failed Job's DURATION.
    #[test]
    fn rows_come_out_in_job_order_as_written_directly() {
        let arrived = [result(1, 0), result(0, 2), result(0, 0), result(1, 1), result(0, 1)];
        let mut rows = JobRows::new().unwrap();
        for r in arrived.iter().cloned() {
            rows.job(r);
        }
        let mut streamed = Vec::new();
        let names = vec!["a".to_string(), "b".to_string()];
        rows.finish(3, 100_000, &names, true, |b| {
            streamed.extend_from_slice(b);
            Ok(())
        })
        .unwrap();
        let mut sorted = arrived.to_vec();
        sorted.sort_by_key(|r| (r.workload, r.ordinal));
        let mut direct = Vec::new();
        write_jobs_csv(&mut direct, &[(3, 100_000, &sorted)], &names, true, false).unwrap();
        assert_eq!(String::from_utf8(streamed).unwrap(), String::from_utf8(direct).unwrap());
    }

    /// Thousands of results over many pages, each a few places from its
    /// turn and some far: every one read back whole, in Job order.
    #[test]
    fn results_far_from_their_turn_read_back_whole() {
        let n = 5_000u32;
        // Each run of 7 in reverse, and every 500th held back to the end.
        let mut order: Vec<u32> = (0..n).collect();
        order.chunks_mut(7).for_each(|c| c.reverse());
        order.sort_by_key(|&o| o % 500 == 0);
        let mut rows = JobRows::new().unwrap();
        for &o in &order {
            rows.job(result(0, o));
        }
        let mut streamed = Vec::new();
        rows.finish(0, 100_000, &["a".to_string()], false, |b| {
            streamed.extend_from_slice(b);
            Ok(())
        })
        .unwrap();
        let sorted: Vec<JobResult> = (0..n).map(|o| result(0, o)).collect();
        let mut direct = Vec::new();
        write_jobs_csv(&mut direct, &[(0, 100_000, &sorted)], &["a".to_string()], false, false).unwrap();
        assert!(streamed == direct, "rows differ from those written directly");
    }
}
