//! `jobsim run --outputs LIST` and `spec.outputs`: which files a run writes.

use super::{jobsim, repo};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn tmp(name: &str) -> PathBuf {
    super::scratch(&format!("outputs-{name}"))
}

/// Runs and returns stdout; the run must succeed.
fn run(args: &[&str], out: &Path) -> String {
    let o = jobsim().arg("run").args(args).arg("--out").arg(out).output().unwrap();
    assert!(
        o.status.success(),
        "run {args:?} failed:\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout).unwrap()
}

/// The files in a folder, temporary ones included.
fn files(dir: &Path) -> BTreeSet<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect()
}

fn set(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|s| s.to_string()).collect()
}

/// The charts of the quick-start scenario: its cluster is unlimited, so
/// there is no utilisation nor nodes chart.
const CHARTS: [&str; 4] = ["pods-over-time.svg", "job-durations.svg", "gantt.svg", "failures.svg"];

/// Each selection writes exactly its files, each the same bytes as in a full
/// run, and the report lists them.
#[test]
fn only_the_selected_files_are_written_as_a_full_run_writes_them() {
    let full = tmp("full");
    run(&["--replications", "2", "--quiet"], &full);
    let everything = files(&full);
    let charts_and_inputs: Vec<&str> = CHARTS
        .iter()
        .copied()
        .chain(["jobs.csv", "timeseries.csv", "timeseries-bands.csv", "summary.json"])
        .collect();
    let report: Vec<&str> = charts_and_inputs.iter().copied().chain(["report.html"]).collect();
    let cases: [(&str, Vec<&str>, &str); 9] = [
        ("summary", vec!["summary.json"], "summary.json"),
        ("trace", vec!["trace.json"], "trace.json"),
        ("decisions", vec!["decisions.csv"], "decisions.csv"),
        (
            "events,jobs-yaml",
            vec!["events.csv", "jobs.yaml"],
            "events.csv and jobs.yaml",
        ),
        ("jobs", vec!["jobs.csv"], "jobs.csv"),
        (
            "timeseries",
            vec!["timeseries.csv", "timeseries-bands.csv"],
            "timeseries.csv and timeseries-bands.csv",
        ),
        (
            "charts",
            charts_and_inputs,
            "jobs.csv, summary.json, timeseries.csv, timeseries-bands.csv and charts (SVG)",
        ),
        (
            "report",
            report,
            "jobs.csv, summary.json, timeseries.csv, timeseries-bands.csv, charts (SVG) and report.html",
        ),
        (
            "summary , all",
            everything.iter().map(String::as_str).collect(),
            "events.csv, jobs.csv, jobs.yaml, summary.json, timeseries.csv, timeseries-bands.csv, trace.json, decisions.csv, charts (SVG) and report.html",
        ),
    ];
    for (list, want, report) in cases {
        let dir = tmp(&format!("only-{}", list.replace([',', ' '], "_")));
        let stdout = run(&["--replications", "2", "--quiet", "--outputs", list], &dir);
        assert_eq!(files(&dir), set(&want), "--outputs {list}");
        for f in &want {
            let bytes = |d: &Path| std::fs::read(d.join(f)).unwrap();
            assert!(
                bytes(&dir) == bytes(&full),
                "--outputs {list}: {f} differs from a full run's"
            );
        }
        let wrote = format!("wrote {}/{report}\n", dir.display());
        assert!(
            stdout.ends_with(&wrote),
            "--outputs {list}: want {wrote:?} in:\n{stdout}"
        );
    }
}

/// Rows nobody reads are not composed when only the summary is written: every
/// scenario's statistics are those of a full run.
#[test]
fn a_summary_alone_has_the_statistics_of_a_full_run() {
    for entry in std::fs::read_dir(repo("scenarios")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "yaml") {
            continue;
        }
        let name = path.file_stem().unwrap().to_string_lossy().to_string();
        let mut args = vec![path.to_str().unwrap(), "--quiet", "--replications", "2"];
        if name.starts_with("bench") {
            args.extend(["--until", "3m"]);
        }
        let (full, alone) = (tmp(&format!("stats-full-{name}")), tmp(&format!("stats-alone-{name}")));
        run(&args, &full);
        args.extend(["--outputs", "summary"]);
        run(&args, &alone);
        assert_eq!(files(&alone), set(&["summary.json"]), "{name}");
        let read = |d: &Path| std::fs::read_to_string(d.join("summary.json")).unwrap();
        assert_eq!(read(&alone), read(&full), "{name}: summary.json differs");
    }
}

#[test]
fn unknown_output_names_are_refused_with_the_valid_ones() {
    let dir = tmp("unknown");
    for (list, want) in [
        (
            "summary,evnts",
            "unknown output \"evnts\" (did you mean \"events\"?); valid outputs: events, jobs, jobs-yaml, summary, timeseries, charts, trace, decisions, report, all",
        ),
        (
            "pictures",
            "unknown output \"pictures\"; valid outputs: events, jobs, jobs-yaml, summary, timeseries, charts, trace, decisions, report, all",
        ),
        (
            ",",
            "no output given; valid outputs: events, jobs, jobs-yaml, summary, timeseries, charts, trace, decisions, report, all",
        ),
    ] {
        let out = jobsim()
            .args(["run", "--outputs", list, "--out"])
            .arg(&dir)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{list}: {stderr}");
        assert!(
            stderr.starts_with(&format!(
                "error: invalid value '{list}' for '--outputs <LIST>': {want}\n"
            )),
            "{list}: {stderr}"
        );
        assert!(!dir.exists(), "{list}: nothing may be written");
    }
}

#[test]
fn png_needs_the_charts() {
    let dir = tmp("png");
    let out = jobsim()
        .args(["run", "--png", "--outputs", "summary,jobs", "--out"])
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error: --png: the charts are not among the outputs (jobs,summary); add charts to them\n"
    );
    assert!(!dir.exists());
}

/// The quick-start scenario with `spec.outputs` set to `list` (YAML flow list).
fn scenario_with_outputs(dir: &Path, list: &str) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    let text = std::fs::read_to_string(repo("scenarios/quickstart.yaml")).unwrap();
    let text = text.replacen(
        "spec:\n  seed: 7\n",
        &format!("spec:\n  seed: 7\n  outputs: {list}\n"),
        1,
    );
    assert!(
        text.contains("  outputs: "),
        "quickstart.yaml changed: put outputs elsewhere"
    );
    let path = dir.join("scenario.yaml");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn spec_outputs_choose_the_files_and_the_flag_overrides_them() {
    let dir = tmp("spec");
    let sc = scenario_with_outputs(&dir, "[jobs, summary]");
    let sc = sc.to_str().unwrap();
    run(&[sc, "--quiet"], &dir.join("spec"));
    assert_eq!(files(&dir.join("spec")), set(&["jobs.csv", "summary.json"]));
    run(&[sc, "--quiet", "--outputs", "events"], &dir.join("flag"));
    assert_eq!(files(&dir.join("flag")), set(&["events.csv"]));
    run(&[sc, "--quiet", "--outputs", "all"], &dir.join("all"));
    assert!(files(&dir.join("all")).contains("jobs.yaml"));
}

#[test]
fn bad_spec_outputs_are_reported_at_their_line() {
    let dir = tmp("spec-bad");
    let sc = scenario_with_outputs(&dir, "[summary, evnts, Charts]");
    let valid = "valid outputs: events, jobs, jobs-yaml, summary, timeseries, charts, trace, decisions, report, all";
    for cmd in ["run", "validate"] {
        let mut c = jobsim();
        c.arg(cmd).arg(&sc);
        if cmd == "run" {
            c.arg("--quiet").arg("--out").arg(dir.join("out"));
        }
        let out = c.output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{cmd}: {stderr}");
        for want in [
            format!(
                "{}:19:22: spec.outputs[1]: Invalid value: unknown output \"evnts\" (did you mean \"events\"?); {valid}\n",
                sc.display()
            ),
            format!(
                "{}:19:29: spec.outputs[2]: Invalid value: unknown output \"Charts\" (did you mean \"charts\"?); {valid}\n",
                sc.display()
            ),
        ] {
            assert!(stderr.contains(&want), "{cmd}: want {want:?} in:\n{stderr}");
        }
        assert!(!dir.join("out").exists(), "{cmd}: nothing may be written");
    }
    let empty = scenario_with_outputs(&dir.join("empty"), "[]");
    let out = jobsim().arg("validate").arg(&empty).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "{}:19:3: spec.outputs: Invalid value: no output given; {valid}\n",
            empty.display()
        )),
        "{stderr}"
    );
}

/// The default outputs include `trace.json` only for scenarios whose Jobs
/// need at most 10,000 pods; `--outputs all` asks for it on any scenario.
#[test]
fn the_default_trace_is_left_out_of_large_scenarios() {
    let big = repo("benches/job-size-10000.yaml");
    let big = big.to_str().unwrap();
    let default = tmp("big-default");
    run(&[big, "--until", "20s", "--quiet"], &default);
    let got = files(&default);
    assert!(!got.contains("trace.json") && got.contains("events.csv"), "{got:?}");
    let all = tmp("big-all");
    run(&[big, "--until", "20s", "--quiet", "--outputs", "all"], &all);
    assert!(files(&all).contains("trace.json"));
    let small = tmp("small-default");
    run(&["--quiet"], &small);
    assert!(files(&small).contains("trace.json"));
}
