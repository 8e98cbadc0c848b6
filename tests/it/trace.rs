//! `trace.json`: the run in the Chrome trace event format.

use super::{jobsim, repo};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn run(out: &Path, outputs: &str, threads: &str) {
    let _ = std::fs::remove_dir_all(out);
    let o = jobsim()
        .arg("run")
        .arg(repo("scenarios/quickstart.yaml"))
        .args([
            "--quiet",
            "--replications",
            "2",
            "--threads",
            threads,
            "--outputs",
            outputs,
        ])
        .arg("--out")
        .arg(out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

/// A slice: start, end (microseconds) and category.
type Span<'a> = (u64, u64, &'a str);

fn tmp(name: &str) -> PathBuf {
    super::scratch(&format!("trace-{name}"))
}

#[test]
fn a_trace_has_one_slice_per_pod_attempt_nested_and_the_same_bytes_every_time() {
    let (a, b) = (tmp("a"), tmp("b"));
    run(&a, "trace,events", "1");
    run(&b, "trace", "2");
    let bytes = std::fs::read(a.join("trace.json")).unwrap();
    assert!(bytes == std::fs::read(b.join("trace.json")).unwrap(), "two runs differ");
    let v: serde_json::Value = serde_json::from_slice(&bytes).expect("valid JSON");
    let events = v["traceEvents"].as_array().expect("traceEvents");
    assert_eq!(v["displayTimeUnit"], "ms");
    let created = std::fs::read_to_string(a.join("events.csv"))
        .unwrap()
        .lines()
        .filter(|l| l.split(',').nth(4) == Some("PodCreated"))
        .count();
    let slices: Vec<(&str, u64, u64, u64, u64)> = events
        .iter()
        .filter(|e| e["ph"] == "X")
        .map(|e| {
            let n = |k: &str| e[k].as_u64().unwrap();
            (
                e["cat"].as_str().unwrap(),
                n("pid"),
                n("tid"),
                n("ts"),
                n("ts") + n("dur"),
            )
        })
        .collect();
    assert_eq!(slices.iter().filter(|s| s.0 == "pod").count(), created);
    assert!(created > 0);
    // Per track, sorted by start (the longer first at one start): every slice
    // lies within the one open before it, or starts after it ends.
    let mut tracks: BTreeMap<(u64, u64), Vec<Span>> = BTreeMap::new();
    for &(cat, pid, tid, from, to) in &slices {
        tracks.entry((pid, tid)).or_default().push((from, to, cat));
    }
    for (track, mut spans) in tracks {
        spans.sort_by_key(|&(from, to, _)| (from, std::cmp::Reverse(to)));
        let mut open: Vec<Span> = Vec::new();
        for s in spans {
            while open.last().is_some_and(|o| o.1 <= s.0 && !(o.0 == s.0 && s.1 == s.0)) {
                open.pop();
            }
            if let Some(parent) = open.last() {
                assert!(s.1 <= parent.1, "track {track:?}: {s:?} overlaps {parent:?}");
                if s.2 == "phase" {
                    assert_eq!(parent.2, "pod", "track {track:?}: phase {s:?} outside a pod");
                }
            } else {
                assert_ne!(s.2, "phase", "track {track:?}: phase {s:?} outside a pod");
            }
            open.push(s);
        }
    }
    // Every track and process is named.
    for e in events.iter().filter(|e| e["ph"] == "X") {
        assert!(
            events
                .iter()
                .any(|m| m["ph"] == "M" && m["name"] == "thread_name" && m["pid"] == e["pid"] && m["tid"] == e["tid"]),
            "{e}"
        );
    }
    assert_eq!(v["otherData"]["podAttempts"], created as u64);
    assert_eq!(v["otherData"]["truncated"], false);
}
