//! `events.csv`: `time,job,pod,index,event,detail`, one row per event, time
//! in seconds since t=0 with three decimals.

use crate::time::SimTime;
use std::io::Write;

pub use crate::record::{EventKind, EventLog, NullLog};

pub const HEADER: &str = "time,job,pod,index,event,detail\n";

/// The value under `key` in a `key=value;...` detail.
pub fn detail_value<'d>(detail: &'d str, key: &str) -> Option<&'d str> {
    detail
        .split(';')
        .find_map(|kv| kv.strip_prefix(key).and_then(|v| v.strip_prefix('=')))
}

/// Writes rows as CSV into any writer (names never need quoting: they are DNS
/// labels; details are quoted when they hold a comma or quote). Rows gather in
/// `buf` and reach the writer in blocks of about [`BLOCK`] bytes.
pub struct CsvLog<W: Write> {
    out: W,
    buf: Vec<u8>,
    times: crate::time::SecondsWriter,
    pub error: Option<std::io::Error>,
}

/// Bytes of rows handed to the writer at once: as many as its buffer holds,
/// so that a block goes to the file directly instead of being copied there.
const BLOCK: usize = super::files::WRITE_BUFFER;

impl<W: Write> CsvLog<W> {
    pub fn new(mut out: W) -> Self {
        let error = out.write_all(HEADER.as_bytes()).err();
        CsvLog {
            out,
            buf: Vec::with_capacity(BLOCK + 1024),
            times: Default::default(),
            error,
        }
    }

    #[cold]
    fn write_buf(&mut self) {
        if self.error.is_none()
            && let Err(e) = self.out.write_all(&self.buf)
        {
            self.error = Some(e);
        }
        self.buf.clear();
    }

    /// The writer, with every row written to it, and the first write error.
    pub fn into_inner(mut self) -> (W, Option<std::io::Error>) {
        self.write_buf();
        (self.out, self.error)
    }
}

fn needs_csv_quotes(s: &str) -> bool {
    s.bytes().any(|b| matches!(b, b',' | b'"' | b'\n'))
}

/// Job, pod and node names are DNS names (validated, or generated from one):
/// never quoted.
fn push_name(buf: &mut Vec<u8>, s: &str) {
    debug_assert!(!needs_csv_quotes(s), "{s}");
    buf.extend_from_slice(s.as_bytes());
}

fn push_field(buf: &mut Vec<u8>, s: &str) {
    if needs_csv_quotes(s) {
        buf.push(b'"');
        buf.extend_from_slice(s.replace('"', "\"\"").as_bytes());
        buf.push(b'"');
    } else {
        buf.extend_from_slice(s.as_bytes());
    }
}

impl<W: Write> EventLog for CsvLog<W> {
    fn row(&mut self, t: SimTime, job: &str, pod: &str, index: Option<i32>, kind: EventKind, detail: &str) {
        let b = &mut self.buf;
        self.times.push(b, t);
        b.push(b',');
        push_name(b, job);
        b.push(b',');
        push_name(b, pod);
        b.push(b',');
        if let Some(ix) = index {
            b.extend_from_slice(itoa::Buffer::new().format(ix).as_bytes());
        }
        b.push(b',');
        b.extend_from_slice(kind.name().as_bytes());
        b.push(b',');
        push_field(b, detail);
        b.push(b'\n');
        if b.len() >= BLOCK {
            self.write_buf();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_reads_back_from_its_name() {
        assert_eq!(EventKind::ALL.len(), 25);
        for &k in EventKind::ALL {
            assert_eq!(EventKind::from_name(k.name()), Some(k));
        }
        assert_eq!(EventKind::PodSucceeded.name(), "PodSucceeded");
        assert_eq!(EventKind::from_name("podsucceeded"), None);
        assert_eq!(EventKind::from_name(""), None);
    }

    #[test]
    fn detail_values_are_found_by_whole_key() {
        let d = "node=n1;cpu=500;cpus=9;memory=1024";
        assert_eq!(detail_value(d, "node"), Some("n1"));
        assert_eq!(detail_value(d, "cpu"), Some("500"));
        assert_eq!(detail_value(d, "memory"), Some("1024"));
        assert_eq!(detail_value(d, "pods"), None);
        assert_eq!(detail_value("", "cpu"), None);
    }

    #[test]
    fn quotes_in_a_detail_are_doubled() {
        let mut log = CsvLog::new(Vec::new());
        log.row(1, "j", "", None, EventKind::JobFailed, "message=say \"hi\"");
        let (out, _) = log.into_inner();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            format!("{HEADER}0.001,j,,,JobFailed,\"message=say \"\"hi\"\"\"\n")
        );
    }

    #[test]
    fn rows_are_csv_with_millisecond_times() {
        let mut log = CsvLog::new(Vec::new());
        log.row(
            15_007,
            "pi",
            "pi-abcde",
            None,
            EventKind::PodFailed,
            "exitCode=1;container=main",
        );
        log.row(2_000, "idx", "idx-3-xyz", Some(3), EventKind::PodCreated, "");
        log.row(
            0,
            "j",
            "",
            None,
            EventKind::JobFailed,
            "reason=BackoffLimitExceeded;message=a, b",
        );
        let (out, err) = log.into_inner();
        assert!(err.is_none());
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "time,job,pod,index,event,detail\n15.007,pi,pi-abcde,,PodFailed,exitCode=1;container=main\n2.000,idx,idx-3-xyz,3,PodCreated,\n0.000,j,,,JobFailed,\"reason=BackoffLimitExceeded;message=a, b\"\n"
        );
    }
}
