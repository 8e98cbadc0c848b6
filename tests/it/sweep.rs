//! `jobsim sweep`, `merge` and `run --set`: the numbers of a point are those of
//! `run --set` at that point, shards merge into the whole sweep byte for byte.

use super::{jobsim, repo, tree};
use std::path::{Path, PathBuf};

fn tmp(name: &str) -> PathBuf {
    super::scratch(&format!("sweep-{name}"))
}

const NODES: &str = "spec.cluster.nodePools[0].count=4,6,8,10";

fn nightly() -> String {
    repo("scenarios/capacity-nightly.yaml").display().to_string()
}

fn sweep(args: &[&str], out: &Path) -> assert_cmd::assert::Assert {
    jobsim()
        .args(["sweep", &nightly(), "--replications", "6", "--set", NODES])
        .args(args)
        .arg("--out")
        .arg(out)
        .env_remove("JOB_COMPLETION_INDEX")
        .env_remove("JOB_COMPLETION_COUNT")
        .assert()
}

fn rows(dir: &Path) -> Vec<std::collections::BTreeMap<String, String>> {
    let mut r = csv::Reader::from_path(dir.join("sweep.csv")).unwrap();
    let header = r.headers().unwrap().clone();
    r.records()
        .map(|rec| {
            header
                .iter()
                .zip(rec.unwrap().iter())
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

#[test]
fn a_sweep_over_nodes_gives_a_row_per_point_and_equals_run_with_set() {
    let dir = tmp("nodes");
    sweep(&["--threads", "2"], &dir).success();
    let rows = rows(&dir);
    assert_eq!(rows.len(), 4);
    let nodes: Vec<&str> = rows
        .iter()
        .map(|r| r["spec.cluster.nodePools[0].count"].as_str())
        .collect();
    assert_eq!(nodes, ["4", "6", "8", "10"]);
    let p95: Vec<f64> = rows
        .iter()
        .map(|r| r["turnaroundSeconds.p95.mean"].parse().unwrap())
        .collect();
    assert!(
        p95.windows(2).all(|w| w[1] < w[0]),
        "p95 turnaround falls as nodes grow: {p95:?}"
    );
    for r in &rows {
        let (lo, mean, hi): (f64, f64, f64) = (
            r["makespanSeconds.ci95_low"].parse().unwrap(),
            r["makespanSeconds.mean"].parse().unwrap(),
            r["makespanSeconds.ci95_high"].parse().unwrap(),
        );
        let (p05, p95) = (
            r["makespanSeconds.p05"].parse::<f64>().unwrap(),
            r["makespanSeconds.p95"].parse::<f64>().unwrap(),
        );
        assert!(lo < mean && mean < hi && p05 <= mean && mean <= p95, "{r:?}");
    }
    // The point of 6 nodes is run --set of 6 nodes: the same summary, byte for byte.
    let single = tmp("six");
    jobsim()
        .args([
            "run",
            &nightly(),
            "--replications",
            "6",
            "--outputs",
            "summary",
            "--quiet",
        ])
        .args(["--set", "spec.cluster.nodePools[batch].count=6", "--out"])
        .arg(&single)
        .assert()
        .success();
    assert_eq!(
        std::fs::read(single.join("summary.json")).unwrap(),
        std::fs::read(dir.join("point-1/summary.json")).unwrap()
    );
    // And --threads never changes a file.
    let one = tmp("nodes-1");
    sweep(&["--threads", "1"], &one).success();
    assert_eq!(tree(&dir), tree(&one));
}

#[test]
fn three_shards_merge_into_the_whole_sweep_byte_for_byte() {
    let charts = ["--chart", "makespanSeconds", "--chart", "pods.failed", "--png"];
    let whole = tmp("whole");
    sweep(&charts, &whole).success();
    for name in [
        "sweep-makespanSeconds.svg",
        "sweep-makespanSeconds.png",
        "sweep-pods.failed.svg",
        "sweep-pods.failed.png",
    ] {
        assert!(whole.join(name).is_file(), "{name} is written");
    }
    let shards: Vec<PathBuf> = (0..3).map(|k| tmp(&format!("shard{k}"))).collect();
    for (k, d) in shards.iter().enumerate() {
        sweep(&["--shard", &format!("{k}/3")], d).success();
    }
    let merged = tmp("merged");
    jobsim()
        .arg("merge")
        .args(&shards)
        .args(charts)
        .arg("--out")
        .arg(&merged)
        .assert()
        .success();
    assert_eq!(tree(&merged), tree(&whole));
    // An Indexed Job's pod: its index and the count from the environment.
    let env = tmp("env");
    jobsim()
        .args(["sweep", &nightly(), "--replications", "6", "--set", NODES, "--out"])
        .arg(&env)
        .env("JOB_COMPLETION_INDEX", "1")
        .env("JOB_COMPLETION_COUNT", "3")
        .assert()
        .success();
    assert_eq!(
        std::fs::read(env.join("sweep-shard-1-of-3.json")).unwrap(),
        std::fs::read(shards[1].join("sweep-shard-1-of-3.json")).unwrap()
    );
    // A missing shard is named; nothing is written.
    let partial = tmp("partial");
    let out = jobsim()
        .arg("merge")
        .args([&shards[0], &shards[2]])
        .arg("--out")
        .arg(&partial)
        .assert()
        .code(2);
    assert!(String::from_utf8_lossy(&out.get_output().stderr).contains("shard 1 of 3 is missing"));
    assert!(!partial.join("sweep.csv").exists());
}

#[test]
fn bad_sweeps_and_sets_are_refused_naming_the_flag() {
    let dir = tmp("bad");
    let stderr = |a: assert_cmd::assert::Assert| String::from_utf8_lossy(&a.get_output().stderr).into_owned();
    let e = stderr(
        jobsim()
            .args([
                "sweep",
                &nightly(),
                "--set",
                "spec.cluster.nodePools[0].count=4..2",
                "--out",
            ])
            .arg(&dir)
            .assert()
            .code(2),
    );
    assert!(e.contains("ends before it starts"), "{e}");
    let e = stderr(
        jobsim()
            .args([
                "sweep",
                &nightly(),
                "--set",
                "spec.cluster.nodePools[0].count=4,x",
                "--out",
            ])
            .arg(&dir)
            .assert()
            .code(2),
    );
    assert!(
        e.contains("--set spec.cluster.nodePools[0].count=x: spec.cluster.nodePools[0].count:"),
        "{e}"
    );
    assert!(e.contains("at the point spec.cluster.nodePools[0].count=x"), "{e}");
    let e = stderr(
        jobsim()
            .args(["run", &nightly(), "--set", "spec.workloads[nope].count=1", "--out"])
            .arg(&dir)
            .assert()
            .code(2),
    );
    assert!(
        e.contains("spec.workloads has no item named \"nope\"; its names are etl"),
        "{e}"
    );
    let e = stderr(
        jobsim()
            .args(["sweep", &nightly(), "--set", NODES, "--shard", "3/3", "--out"])
            .arg(&dir)
            .assert()
            .code(2),
    );
    assert!(e.contains("--shard"), "{e}");
    assert!(!dir.exists(), "nothing is written on bad input");
}

#[test]
fn charts_default_to_makespan_and_p95_turnaround_and_a_rerun_removes_the_earlier_ones() {
    let dir = tmp("charts");
    let out = sweep(&[], &dir).success();
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(
        stdout.contains("sweep-makespanSeconds.svg and sweep-turnaroundSeconds.p95.svg"),
        "{stdout}"
    );
    let svg = std::fs::read_to_string(dir.join("sweep-turnaroundSeconds.p95.svg")).unwrap();
    for needle in [
        "spec.cluster.nodePools[0].count",
        "turnaroundSeconds.p95 by spec.cluster.nodePools[0].count — capacity-nightly",
        "mean of 6 replications",
        "95% CI of the mean",
        "5th–95th percentile of replications",
    ] {
        // A legend label may be wrapped over lines: the texts joined read it whole.
        let texts: Vec<&str> = svg
            .split("<text")
            .skip(1)
            .filter_map(|t| Some(t[t.find('>')? + 1..t.find("</text>")?].trim()))
            .collect();
        assert!(
            svg.contains(needle) || texts.join(" ").contains(needle),
            "{needle:?} not in the chart"
        );
    }
    // A file of the user's stays; the charts this sweep does not draw go.
    std::fs::write(dir.join("notes.txt"), "mine").unwrap();
    sweep(&["--chart", "pods.created", "--png"], &dir).success();
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| !n.starts_with("point-"))
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "notes.txt",
            "sweep-pods.created.png",
            "sweep-pods.created.svg",
            "sweep.csv"
        ]
    );
}

#[test]
fn a_chart_of_an_unknown_statistic_is_refused_before_anything_runs() {
    let dir = tmp("bad-chart");
    let stderr = |a: assert_cmd::assert::Assert| String::from_utf8_lossy(&a.get_output().stderr).into_owned();
    let e = stderr(sweep(&["--chart", "turnaroundSecond.p95"], &dir).code(2));
    assert!(
        e.contains(
            "--chart turnaroundSecond.p95: unknown statistic \"turnaroundSecond\" (did you mean \"turnaroundSeconds\"?)"
        ),
        "{e}"
    );
    let e = stderr(sweep(&["--chart", "makespanSeconds.p95"], &dir).code(2));
    assert!(
        e.contains("that is a column of sweep.csv") && e.contains("give --chart makespanSeconds"),
        "{e}"
    );
    let e = stderr(sweep(&["--chart", "jobs.byReason.../../x"], &dir).code(2));
    assert!(e.contains("a statistic's name is letters, digits and dots"), "{e}");
    let e = stderr(sweep(&["--shard", "0/2", "--chart", "makespanSeconds"], &dir).code(2));
    assert!(e.contains("a shard draws no charts"), "{e}");
    let e = stderr(
        jobsim()
            .args(["merge", "--chart", "pods.faild", "--out"])
            .arg(&dir)
            .arg(&dir)
            .assert()
            .code(2),
    );
    assert!(e.contains("did you mean \"pods.failed\""), "{e}");
    assert!(!dir.exists(), "nothing is written on bad input");
    // A statistic no point has (no Job ends with this reason): a warning, no chart.
    let out = sweep(&["--chart", "jobs.byReason.DeadlineExceeded"], &dir).success();
    let e = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(
        e.contains("warning: sweep-jobs.byReason.DeadlineExceeded.svg is not drawn: no point has a value of"),
        "{e}"
    );
    assert!(!dir.join("sweep-jobs.byReason.DeadlineExceeded.svg").exists());
    assert!(dir.join("sweep.csv").exists());
}
