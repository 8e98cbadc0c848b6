use super::{jobsim, repo};
use std::path::{Path, PathBuf};

const CHARTS: [&str; 6] = [
    "pods-over-time",
    "job-durations",
    "gantt",
    "failures",
    "utilisation",
    "nodes-by-pool",
];
const W: f64 = 1100.0;
const H: f64 = 620.0;

fn tmp(name: &str) -> PathBuf {
    super::scratch(&format!("charts-{name}"))
}

fn capacity_run(dir: &Path, extra: &[&str]) {
    let scenario = repo("scenarios/capacity-nightly.yaml");
    jobsim()
        .arg("run")
        .arg(&scenario)
        .args(["--replications", "3", "--quiet", "--out"])
        .arg(dir)
        .args(extra)
        .assert()
        .success();
}

/// One `<text>` element of an SVG: where it is anchored, how, and what it says.
struct Text {
    x: f64,
    y: f64,
    anchor: String,
    size: f64,
    rotated: bool,
    body: String,
}

fn texts(svg: &str) -> Vec<Text> {
    let mut out = Vec::new();
    let mut rest = svg;
    while let Some(start) = rest.find("<text ") {
        let tail = &rest[start + 6..];
        let close = tail.find('>').unwrap();
        let attrs = &tail[..close];
        let end = tail.find("</text>").unwrap();
        let attr = |name: &str| -> Option<String> {
            let key = format!("{name}=\"");
            let at = attrs.find(&key)? + key.len();
            Some(attrs[at..at + attrs[at..].find('"')?].to_string())
        };
        out.push(Text {
            x: attr("x").unwrap().parse().unwrap(),
            y: attr("y").unwrap().parse().unwrap(),
            anchor: attr("text-anchor").unwrap_or_else(|| "start".into()),
            size: attr("font-size").unwrap().parse().unwrap(),
            rotated: attr("transform").is_some_and(|t| t.starts_with("rotate")),
            body: tail[close + 1..end].trim().to_string(),
        });
        rest = &tail[end..];
    }
    out
}

/// A generous estimate of the extent of a label along its writing direction: DejaVu Sans
/// averages about 0.55 em per character.
fn fits(t: &Text) -> bool {
    let width = t.body.chars().count() as f64 * 0.55 * t.size;
    let (along, limit, across, across_limit) = if t.rotated { (t.y, H, t.x, W) } else { (t.x, W, t.y, H) };
    let lo = match t.anchor.as_str() {
        "middle" => along - width / 2.0,
        "end" => along - width,
        _ => along,
    };
    lo >= 0.0 && lo + width <= limit && (0.0..=across_limit).contains(&across)
}

#[test]
fn charts_have_titles_axis_labels_and_no_text_outside_the_canvas() {
    let dir = tmp("svg");
    capacity_run(&dir, &[]);
    for name in CHARTS {
        let svg = std::fs::read_to_string(dir.join(format!("{name}.svg"))).unwrap();
        assert!(svg.starts_with("<svg"), "{name} is not an SVG");
        let texts = texts(&svg);
        assert!(
            texts.iter().any(|t| t.body.contains("capacity-nightly")),
            "{name}: the title names the scenario"
        );
        for t in &texts {
            assert!(fits(t), "{name}: label {:?} at ({}, {}) is clipped", t.body, t.x, t.y);
        }
        let bodies: Vec<&str> = texts.iter().map(|t| t.body.as_str()).collect();
        let want: &[&str] = match name {
            "pods-over-time" => &["Pods over time", "Time since start (", "Pods", "Running", "Pending"],
            "job-durations" => &[
                "3 replications",
                "Job turnaround CDF",
                "Turnaround, created → finished (",
                "Fraction of finished Jobs",
                "p95",
            ],
            "gantt" => &["Time since start (", "Pending", "Running, then succeeded"],
            "failures" => &["Count"],
            "nodes-by-pool" => &["Nodes by pool", "Nodes", "batch: at most 6"],
            _ => &[
                "Cluster utilisation",
                "Allocated (% of allocatable)",
                "cpu requested",
                "memory requested",
            ],
        };
        for w in want {
            assert!(
                bodies.iter().any(|b| b.contains(w)),
                "{name}: no label containing {w:?} in {bodies:?}"
            );
        }
    }
}

#[test]
fn png_on_request_and_plot_redraws_from_the_files_alone() {
    let dir = tmp("png");
    capacity_run(&dir, &["--png"]);
    for name in CHARTS {
        let png = std::fs::read(dir.join(format!("{name}.png"))).unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "{name}.png is not a PNG");
        // IHDR: width and height, big-endian, right after the signature and chunk header.
        assert_eq!(u32::from_be_bytes(png[16..20].try_into().unwrap()), W as u32);
        assert_eq!(u32::from_be_bytes(png[20..24].try_into().unwrap()), H as u32);
    }
    let before: Vec<String> = CHARTS
        .iter()
        .map(|n| std::fs::read_to_string(dir.join(format!("{n}.svg"))).unwrap())
        .collect();
    for name in CHARTS {
        std::fs::remove_file(dir.join(format!("{name}.svg"))).unwrap();
    }
    jobsim().arg("plot").arg(&dir).assert().success();
    for (name, old) in CHARTS.iter().zip(&before) {
        let new = std::fs::read_to_string(dir.join(format!("{name}.svg"))).unwrap();
        assert_eq!(&new, old, "{name}: plot must redraw exactly what run drew");
    }
}

#[test]
fn plot_on_a_directory_without_outputs_fails_clearly() {
    let dir = tmp("empty");
    std::fs::create_dir_all(&dir).unwrap();
    let out = jobsim().arg("plot").arg(&dir).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let want = format!("error: {}: ", dir.join("timeseries.csv").display());
    assert!(stderr.starts_with(&want), "want {want:?} in {stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0, "nothing written");
}

/// The Job turnaround chart reads jobs.csv's `turnaround` column: a jobs.csv
/// from before it (with `started` and `duration` only) is refused, not drawn
/// as an empty chart.
#[test]
fn plot_refuses_a_jobs_csv_without_turnaround() {
    let dir = tmp("old-jobs-csv");
    jobsim()
        .arg("run")
        .args(["--outputs", "charts,events", "--quiet", "--out"])
        .arg(&dir)
        .assert()
        .success();
    let csv = std::fs::read_to_string(dir.join("jobs.csv")).unwrap();
    let (header, rows) = csv.split_once('\n').unwrap();
    assert!(header.contains(",turnaround,"), "{header}");
    let old = "job,workload,status,reason,created,started,finished,duration,completions,succeeded,failed,pods_created,restarts,pod_seconds,failed_pod_seconds";
    std::fs::write(dir.join("jobs.csv"), format!("{old}\n{rows}")).unwrap();
    let out = jobsim().arg("plot").arg(&dir).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let want = format!(
        "error: {}: no turnaround column (an older jobsim wrote it: run the scenario again)\n",
        dir.join("jobs.csv").display()
    );
    assert_eq!(stderr, want);
}

/// The nodes chart, the Gantt's phases and the GPUs come from the timeline:
/// `plot`, reading `events.csv`, redraws what the run drew from its rows, for
/// autoscaled and spot pools (nodes joining and leaving) and a GPU pool; on a
/// cluster without nodes there is no utilisation nor nodes chart, and `plot`
/// removes an old one.
#[test]
fn plot_redraws_nodes_and_phases_and_skips_what_an_unlimited_cluster_lacks() {
    for scenario in ["autoscaling", "spot-pool", "gpu-pool"] {
        let dir = tmp(scenario);
        jobsim()
            .arg("run")
            .arg(repo(&format!("scenarios/{scenario}.yaml")))
            .args(["--quiet", "--out"])
            .arg(&dir)
            .assert()
            .success();
        let before: Vec<String> = CHARTS
            .iter()
            .map(|n| std::fs::read_to_string(dir.join(format!("{n}.svg"))).unwrap())
            .collect();
        assert!(before[5].contains("Nodes by pool"), "{scenario}");
        if scenario == "gpu-pool" {
            // The GPUs bind (all 8 held while the third training Job waits),
            // not cpu: their capacity is the line the pods chart draws, and
            // utilisation has a line for them.
            let pods_chart = CHARTS.iter().position(|n| *n == "pods-over-time").unwrap();
            let util = CHARTS.iter().position(|n| *n == "utilisation").unwrap();
            assert!(before[pods_chart].contains("nvidia.com/gpu (devices)"), "{scenario}");
            assert!(before[util].contains("nvidia.com/gpu requested"), "{scenario}");
            assert!(before[util].contains("peak 100%"), "{scenario}");
        }
        jobsim().arg("plot").arg(&dir).assert().success();
        for (name, old) in CHARTS.iter().zip(&before) {
            let new = std::fs::read_to_string(dir.join(format!("{name}.svg"))).unwrap();
            assert_eq!(&new, old, "{scenario}: {name}: plot must redraw exactly what run drew");
        }
    }
    let dir = tmp("unlimited");
    jobsim()
        .arg("run")
        .args(["--quiet", "--out"])
        .arg(&dir)
        .assert()
        .success();
    for gone in ["utilisation.svg", "nodes-by-pool.svg"] {
        assert!(!dir.join(gone).exists(), "{gone}");
        std::fs::write(dir.join(gone), "<svg/>").unwrap();
    }
    let pods = std::fs::read_to_string(dir.join("pods-over-time.svg")).unwrap();
    assert!(
        pods.contains("No limit"),
        "the pods chart says the cluster is unlimited"
    );
    jobsim().arg("plot").arg(&dir).assert().success();
    for gone in ["utilisation.svg", "nodes-by-pool.svg"] {
        assert!(!dir.join(gone).exists(), "plot removes an old {gone}");
    }
}
