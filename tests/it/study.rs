//! `jobsim plan` and `jobsim compare`: a plan's points are a sweep's, its
//! answer the smallest value whose interval meets the target; a comparison
//! pairs replications, so a scenario against itself differs by exactly zero.

use super::{jobsim, repo};
use serde_json::Value;
use std::path::PathBuf;

const COUNT: &str = "spec.cluster.nodePools[0].count";

fn nightly() -> String {
    repo("scenarios/capacity-nightly.yaml").display().to_string()
}

fn json_of(out: &assert_cmd::assert::Assert) -> Value {
    serde_json::from_slice(&out.get_output().stdout).expect("JSON on stdout")
}

/// sweep.csv's rows: the swept value, then the makespan's mean, ci95_low and
/// ci95_high as written.
fn sweep_makespan(range: &str) -> Vec<(i64, [String; 3])> {
    let dir = super::scratch("study-sweep");
    jobsim()
        .args(["sweep", &nightly(), "--replications", "6", "--quiet", "--set"])
        .arg(format!("{COUNT}={range}"))
        .arg("--out")
        .arg(&dir)
        .env_remove("JOB_COMPLETION_INDEX")
        .env_remove("JOB_COMPLETION_COUNT")
        .assert()
        .success();
    let mut r = csv::Reader::from_path(PathBuf::from(&dir).join("sweep.csv")).unwrap();
    let header = r.headers().unwrap().clone();
    let col = |name: &str| header.iter().position(|h| h == name).expect(name);
    let (v, m, lo, hi) = (
        col(COUNT),
        col("makespanSeconds.mean"),
        col("makespanSeconds.ci95_low"),
        col("makespanSeconds.ci95_high"),
    );
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            (
                rec[v].parse().unwrap(),
                [rec[m].to_string(), rec[lo].to_string(), rec[hi].to_string()],
            )
        })
        .collect()
}

fn plan(target: &str) -> assert_cmd::assert::Assert {
    jobsim()
        .args(["plan", &nightly(), "--replications", "6", "--json", "--vary"])
        .arg(format!("{COUNT}=4..10"))
        .args(["--target", target])
        .assert()
}

#[test]
fn a_plan_finds_the_smallest_point_whose_interval_meets_the_target_as_sweep_gives_it() {
    let sweep = sweep_makespan("4..10");
    assert_eq!(sweep.len(), 7);
    let high = |v: i64| -> f64 { sweep.iter().find(|(x, _)| *x == v).unwrap().1[2].parse().unwrap() };
    // A target between the upper bounds of 6 and 7 nodes: 7 is the answer.
    assert!(high(7) < high(6), "{sweep:?}");
    let target = (high(6) + high(7)) / 2.0;
    let out = plan(&format!("makespanSeconds <= {target:.3}")).success();
    let json = json_of(&out);
    assert_eq!(json["value"], 7, "{json:#}");
    assert_eq!(json["confidence"], 0.95);
    assert_eq!(
        json["assumes"],
        format!("makespanSeconds falls (or does not rise) as {COUNT} grows")
    );
    let evidence = json["evidence"].as_array().unwrap();
    let order: Vec<i64> = evidence.iter().map(|e| e["value"].as_i64().unwrap()).collect();
    assert_eq!(order, [10, 4, 7, 5, 6], "the top, the bottom, then bisection");
    for e in evidence {
        let v = e["value"].as_i64().unwrap();
        let (_, [mean, lo, hi]) = sweep.iter().find(|(x, _)| *x == v).unwrap();
        // The numbers are sweep.csv's, digit for digit.
        assert_eq!(&e["mean"].to_string(), mean, "{e}");
        assert_eq!(&e["ci"][0].to_string(), lo, "{e}");
        assert_eq!(&e["ci"][1].to_string(), hi, "{e}");
        assert_eq!(e["n"], 6);
        assert_eq!(e["holds"], high(v) <= target, "{e}");
    }
    assert!(high(7) <= target && high(6) > target);
    // The terminal report names the answer and each point with its verdict.
    let text = jobsim()
        .args(["plan", &nightly(), "--replications", "6", "--vary"])
        .arg(format!("{COUNT}=4..10"))
        .args(["--target", &format!("makespanSeconds <= {target:.3}")])
        .assert()
        .success();
    let text = String::from_utf8_lossy(&text.get_output().stdout).into_owned();
    assert!(text.contains(&format!("answer: {COUNT}=7")), "{text}");
    assert!(
        text.contains("assumes makespanSeconds falls (or does not rise)"),
        "{text}"
    );
    assert_eq!(text.matches("does not hold: upper bound").count(), 3, "{text}");
}

#[test]
fn a_plan_whose_range_cannot_meet_the_target_exits_1_with_the_evidence() {
    let json = json_of(&plan("makespanSeconds <= 1h").code(1));
    assert_eq!(json["value"], Value::Null);
    let evidence = json["evidence"].as_array().unwrap();
    assert_eq!(evidence.len(), 1, "only the top end runs: {json:#}");
    assert_eq!(
        (&evidence[0]["value"], &evidence[0]["holds"]),
        (&10.into(), &false.into())
    );
    let out = jobsim()
        .args(["plan", &nightly(), "--replications", "6", "--vary"])
        .arg(format!("{COUNT}=4..10"))
        .args(["--target", "makespanSeconds <= 1h"])
        .assert()
        .code(1);
    let text = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(
        text.contains("no value in 4..10 meets the target: at 10, upper bound"),
        "{text}"
    );
    // Bad input is exit 2, before anything runs.
    for (flag, value) in [
        ("--target", "makespanSecs <= 1h"),
        ("--target", "makespanSeconds < 1h"),
        ("--confidence", "1.5"),
    ] {
        let mut cmd = jobsim();
        cmd.args(["plan", &nightly(), "--vary", &format!("{COUNT}=4..10")]);
        if flag != "--target" {
            cmd.args(["--target", "makespanSeconds <= 1h"]);
        }
        cmd.args([flag, value]).assert().code(2);
    }
}

fn compare(args: &[&str]) -> Value {
    json_of(
        &jobsim()
            .args(["compare", &nightly(), "--replications", "6", "--json"])
            .args(args)
            .assert()
            .success(),
    )
}

#[test]
fn a_scenario_compared_with_itself_differs_by_exactly_zero() {
    let json = compare(&[]);
    let stats = json["statistics"].as_object().unwrap();
    assert!(stats.len() > 20, "every statistic: {}", stats.len());
    for (name, s) in stats {
        assert_eq!(s["difference"]["mean"], 0, "{name}: {s}");
        assert_eq!(s["difference"]["ci95"], serde_json::json!([0, 0]), "{name}: {s}");
        assert_eq!(s["a"], s["b"], "{name}");
    }
    // Named twice, the same.
    let twice = json_of(
        &jobsim()
            .args(["compare", &nightly(), &nightly(), "--replications", "6", "--json"])
            .assert()
            .success(),
    );
    assert_eq!(twice["statistics"], json["statistics"]);
}

#[test]
fn more_nodes_shorten_the_makespan_with_a_narrower_interval_than_independent_runs() {
    let json = compare(&["--set-a", &format!("{COUNT}=6"), "--set-b", &format!("{COUNT}=8")]);
    let m = &json["statistics"]["makespanSeconds"];
    let f = |v: &Value| v.as_f64().unwrap();
    let (lo, hi) = (f(&m["difference"]["ci95"][0]), f(&m["difference"]["ci95"][1]));
    let (ilo, ihi) = (f(&m["independentCi95"][0]), f(&m["independentCi95"][1]));
    assert!(f(&m["difference"]["mean"]) < 0.0 && hi < 0.0, "{m}");
    assert!(hi - lo < ihi - ilo, "paired narrower than independent: {m}");
    assert!(f(&m["narrowing"]) > 1.0, "{m}");
    assert!(
        (f(&m["b"]) - f(&m["a"]) - f(&m["difference"]["mean"])).abs() < 0.002,
        "{m}"
    );
    // Different seeds are refused unless --seed sets both.
    let other = super::scratch("study-seed.yaml");
    let text = std::fs::read_to_string(nightly())
        .unwrap()
        .replace("seed: 2026", "seed: 7");
    std::fs::write(&other, text).unwrap();
    let out = jobsim()
        .args(["compare", &nightly()])
        .arg(&other)
        .args(["--replications", "2"])
        .assert()
        .code(2);
    assert!(String::from_utf8_lossy(&out.get_output().stderr).contains("give --seed N for both"));
    jobsim()
        .args(["compare", &nightly()])
        .arg(&other)
        .args(["--replications", "2", "--seed", "1"])
        .assert()
        .success();
}
