use super::{jobsim, repo};
use std::path::PathBuf;

fn tmp(name: &str) -> PathBuf {
    super::scratch(&format!("report-{name}"))
}

/// Nothing the page loads comes from elsewhere: no script, no stylesheet,
/// font or image by address.
fn assert_self_contained(html: &str) {
    let lower = html.to_lowercase();
    for bad in [
        "src=\"http",
        "src='http",
        "href=\"http",
        "href='http",
        "href=\"//",
        "src=\"//",
        "<script",
        "@import",
        "url(",
        "<link",
        "<iframe",
    ] {
        assert!(!lower.contains(bad), "report.html holds {bad:?}");
    }
}

/// The report of a run with nodes, replications and expectations: self-contained,
/// every chart the run wrote inlined as it is in its file, the expectations held,
/// the same bytes on every run and thread count.
#[test]
fn the_report_inlines_every_chart_and_holds_the_expectations() {
    let dir = tmp("autoscaling");
    let run = |dir: &PathBuf, threads: &str| {
        jobsim()
            .arg("run")
            .arg(repo("scenarios/autoscaling.yaml"))
            .args(["--replications", "3", "--quiet", "--threads", threads, "--out"])
            .arg(dir)
            .assert()
            .success();
    };
    run(&dir, "1");
    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert_self_contained(&html);
    let mut charts = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "svg") {
            let svg = std::fs::read_to_string(&path).unwrap();
            assert!(html.contains(svg.trim_end()), "{} is not inlined", path.display());
            charts += 1;
        }
    }
    assert_eq!(charts, 6, "every chart, the nodes chart among them");
    assert_eq!(html.matches("<svg ").count(), charts);
    for want in [
        "<title>jobsim report: autoscaling</title>",
        "<h2 id=\"expectations\">Expectations</h2>",
        "<span class=\"held\">held</span>",
        "<summary>The scenario's YAML</summary>",
        "NAME ",
        "95% CI of the mean",
        "@media print",
    ] {
        assert!(html.contains(want), "no {want:?} in report.html");
    }
    assert!(!html.contains("NOT HELD"));
    let again = tmp("autoscaling-again");
    run(&again, "3");
    assert!(
        std::fs::read(again.join("report.html")).unwrap() == html.as_bytes(),
        "the same bytes whatever the threads"
    );
}

/// What the user wrote reaches the page escaped: a Job named with markup in
/// the scenario's YAML (a comment, and a `--set` value), and expectations
/// that fail are shown as such.
#[test]
fn user_text_is_escaped_and_failed_expectations_show() {
    let dir = tmp("hostile");
    let scenario = dir.with_extension("yaml");
    let base = std::fs::read_to_string(repo("scenarios/backoff-limit.yaml")).unwrap();
    let hostile = "# Job <script>alert('x')</script> & <img src=\"http://evil.example/x.png\">\n";
    let text = format!("{hostile}{}\n", base.trim_end());
    std::fs::write(&scenario, &text).unwrap();
    jobsim()
        .arg("run")
        .arg(&scenario)
        .args([
            "--quiet",
            "--set",
            "spec.expect[3].min=100s",
            "--set",
            "spec.expect[3].max=100s",
            "--out",
        ])
        .arg(&dir)
        .assert()
        .success();
    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
    assert_self_contained(&html);
    assert!(html.contains("# Job &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &lt;img src=&quot;http://evil.example/x.png&quot;&gt;"));
    assert!(
        html.contains("<span class=\"failed\">NOT HELD</span> makespanSeconds"),
        "{html}"
    );
}
