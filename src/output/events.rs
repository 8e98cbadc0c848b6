//! `events.csv`: `time,job,pod,index,event,detail`, one row per event, time
//! in seconds since t=0 with three decimals.

use std::io::Write;

pub use crate::record::{Detail, EventKind, EventLog, NullLog, Row};

pub const HEADER: &str = "time,job,pod,index,event,detail\n";

/// Writes rows as CSV into any writer (names never need quoting: they are DNS
/// labels; details are quoted when they hold a comma or quote). Rows gather in
/// `buf` and reach the writer in blocks of about `BLOCK` bytes.
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

/// A field of `events.csv` as written: quotes around it removed, doubled quotes undone.
pub fn unquote(field: &str) -> std::borrow::Cow<'_, str> {
    match field.strip_prefix('"').and_then(|f| f.strip_suffix('"')) {
        Some(inner) => inner.replace("\"\"", "\"").into(),
        None => field.into(),
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

/// Writes a row's detail as [`Detail`]'s `Display` does, the frequent kinds
/// without the formatting machinery; reasons and messages are quoted if need be.
fn push_detail(b: &mut Vec<u8>, detail: &Detail) {
    let int = |b: &mut Vec<u8>, v: i64| b.extend_from_slice(itoa::Buffer::new().format(v).as_bytes());
    match *detail {
        Detail::None => {}
        Detail::Node { node }
        | Detail::Bound {
            node, request: None, ..
        } => {
            b.extend_from_slice(b"node=");
            push_name(b, node);
        }
        Detail::Bound {
            node,
            request: Some((cpu, memory)),
            extended: "",
        } => {
            b.extend_from_slice(b"node=");
            push_name(b, node);
            b.extend_from_slice(b";cpu=");
            int(b, cpu);
            b.extend_from_slice(b";memory=");
            int(b, memory);
        }
        Detail::Exited { exit_code, container } => {
            b.extend_from_slice(b"exitCode=");
            int(b, exit_code as i64);
            b.extend_from_slice(b";container=");
            push_name(b, container);
        }
        Detail::Reason { reason: "", .. } => {}
        Detail::Reason { reason, message } => {
            let quote = needs_csv_quotes(reason) || needs_csv_quotes(message);
            let text = |b: &mut Vec<u8>, s: &str| {
                if quote {
                    for part in s.split_inclusive('"') {
                        b.extend_from_slice(part.as_bytes());
                        if part.ends_with('"') {
                            b.push(b'"');
                        }
                    }
                } else {
                    b.extend_from_slice(s.as_bytes());
                }
            };
            if quote {
                b.push(b'"');
            }
            b.extend_from_slice(b"reason=");
            text(b, reason);
            if !message.is_empty() {
                b.extend_from_slice(b";message=");
                text(b, message);
            }
            if quote {
                b.push(b'"');
            }
        }
        Detail::NodeAdded { .. } | Detail::Bound { .. } | Detail::Restarted { .. } | Detail::Grace { .. } => {
            push_field(b, &detail.to_string())
        }
    }
}

impl<W: Write> EventLog for CsvLog<W> {
    fn record(&mut self, row: &Row) {
        let b = &mut self.buf;
        self.times.push(b, row.t);
        b.push(b',');
        push_name(b, row.job);
        b.push(b',');
        push_name(b, row.pod);
        b.push(b',');
        if let Some(ix) = row.index {
            b.extend_from_slice(itoa::Buffer::new().format(ix).as_bytes());
        }
        b.push(b',');
        b.extend_from_slice(row.kind.name().as_bytes());
        b.push(b',');
        push_detail(b, &row.detail);
        b.push(b'\n');
        if b.len() >= BLOCK {
            self.write_buf();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::Feed;

    #[test]
    fn every_kind_reads_back_from_its_name() {
        assert_eq!(EventKind::ALL.len(), 27);
        for &k in EventKind::ALL {
            assert_eq!(EventKind::from_name(k.name()), Some(k));
        }
        assert_eq!(EventKind::PodSucceeded.name(), "PodSucceeded");
        assert_eq!(EventKind::from_name("podsucceeded"), None);
        assert_eq!(EventKind::from_name(""), None);
    }

    /// Every shape of detail: `Display` writes it, `parse` reads it back to the
    /// same value, and the CSV writer's fast path writes the same text.
    #[test]
    fn details_read_back_as_written() {
        use EventKind::*;
        let cases = [
            (PodCreated, ""),
            (NodeLost, "node=cpu-3"),
            (NodeAdded, "node=cpu-0;cpu=16000;memory=68719476736;pods=110"),
            (
                NodeAdded,
                "node=gpu-0;cpu=32000;memory=1;pods=110;nvidia.com/gpu=4;example.com/fpga=1",
            ),
            (PodScheduled, "node=node-0"),
            (PodScheduled, "node=cpu-1;cpu=500;memory=1073741824"),
            (PodScheduled, "node=gpu-1;cpu=0;memory=0;nvidia.com/gpu=1"),
            (PodSucceeded, "exitCode=0;container=main"),
            (PodFailed, "exitCode=137;container=side-car"),
            (PodFailed, "reason=DeletedBeforeStart"),
            (
                ContainerRestarted,
                "exitCode=1;container=main;restartCount=3;backoff=40s",
            ),
            (PodDeleting, "grace=1m30s"),
            (
                JobFailed,
                "reason=BackoffLimitExceeded;message=Job has reached the specified backoff limit",
            ),
            (JobComplete, ""),
            (
                PodUnschedulable,
                "reason=0/3 nodes are available: 2 Insufficient cpu, 1 Too many pods.",
            ),
            (JobDeleted, "reason=TTLAfterFinished"),
            (
                JobUpdateRejected,
                "reason=Invalid;message=Job.batch \"a\" is invalid: spec.x: \"y\", z",
            ),
        ];
        for (kind, text) in cases {
            let d = Detail::parse(kind, text).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(d.to_string(), text, "{kind:?}");
            let mut fast = Vec::new();
            push_detail(&mut fast, &d);
            assert_eq!(unquote(std::str::from_utf8(&fast).unwrap()), text, "{kind:?}");
        }
        assert!(Detail::parse(NodeAdded, "node=n;cpu=x;memory=1;pods=1").is_err());
        assert!(Detail::parse(PodDeleting, "grace=soon").is_err());
        assert!(Detail::parse(JobFailed, "message=no reason").is_err());
        assert_eq!(
            Detail::parse(PodScheduled, "node=n;cpus=9;memory=1"),
            Ok(Detail::Bound {
                node: "n",
                request: None,
                extended: ""
            }),
            "keys match whole"
        );
    }

    #[test]
    fn quotes_in_a_detail_are_doubled() {
        let mut log = CsvLog::new(Vec::new());
        log.row(1, "j", "", None, EventKind::JobFailed, "reason=R;message=say \"hi\"");
        let (out, _) = log.into_inner();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            format!("{HEADER}0.001,j,,,JobFailed,\"reason=R;message=say \"\"hi\"\"\"\n")
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
