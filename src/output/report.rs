//! `report.html`: one self-contained page of a run, to read in a browser or
//! print: the scenario (its name, and its YAML in a collapsible block), the
//! `kubectl get jobs` table the terminal shows, the summary with its
//! intervals, every chart the run drew (the SVG inlined) and the
//! expectations of `spec.expect` with whether they held.
//!
//! Nothing is fetched: no script, no external stylesheet or font, no image
//! by address; the CSS is inline, with print rules. Every text that comes
//! from the user (the scenario, names in the table, the expectations) is
//! HTML-escaped. The page holds nothing that varies from run to run (no
//! wall time, no path of the output folder), so the same scenario and seed
//! give the same bytes.

use serde_json::Value;
use std::fmt::Write;

/// What the page shows.
pub struct Report<'a> {
    /// The scenario's name.
    pub name: &'a str,
    /// Where the scenario came from (its file, or the built-in one), and its text.
    pub source_label: &'a str,
    pub source: &'a str,
    /// `--set PATH=VALUE` changes made to it, as given.
    pub sets: Vec<String>,
    /// Seed, replications and simulated time, in a line.
    pub run_line: String,
    /// The terminal's summary line and statistics table.
    pub summary_line: &'a str,
    pub stats_table: &'a str,
    /// The `kubectl get jobs` table of replication 0.
    pub jobs_table: &'a str,
    /// `summary.json`, every figure of it.
    pub summary: Option<&'a Value>,
    /// The charts: file name without `.svg`, and the SVG.
    pub charts: Vec<(String, String)>,
    /// The expectations of `spec.expect`: held, and what `jobsim check` says of it.
    pub expectations: Vec<(bool, String)>,
}

/// `<`, `>`, `&`, `"` and `'` as entities: safe in text and in quoted attributes.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const CSS: &str = "\
:root{color-scheme:light}
body{font-family:-apple-system,'Segoe UI',Roboto,'DejaVu Sans',Helvetica,Arial,sans-serif;margin:0 auto;max-width:1160px;padding:1.5rem 2rem;color:#1d1d1f;line-height:1.45}
h1{font-size:1.7rem;margin:.2rem 0 .3rem}
h2{font-size:1.25rem;margin:2rem 0 .6rem;border-bottom:1px solid #ddd;padding-bottom:.2rem}
p.meta{color:#555;margin:.2rem 0}
pre{background:#f6f7f9;border:1px solid #e1e4e8;border-radius:4px;padding:.7rem .9rem;overflow-x:auto;font-size:.82rem;line-height:1.35}
details{margin:.6rem 0}
summary{cursor:pointer;font-weight:600}
table{border-collapse:collapse;font-size:.86rem;margin:.4rem 0}
th,td{border:1px solid #e1e4e8;padding:.22rem .55rem;text-align:left;vertical-align:top}
td.n{text-align:right;font-variant-numeric:tabular-nums}
th{background:#f6f7f9}
figure{margin:1rem 0 1.6rem}
figure svg{max-width:100%;height:auto;display:block;border:1px solid #eee}
figcaption{color:#555;font-size:.85rem;margin-top:.2rem}
.held{color:#1a7f37;font-weight:600}
.failed{color:#c62828;font-weight:600}
ul.expect{list-style:none;padding-left:0}
ul.expect li{margin:.15rem 0;font-family:monospace}
@media print{
body{max-width:none;padding:0;font-size:10pt}
h2{break-after:avoid}
figure,tr{break-inside:avoid}
pre{font-size:7pt;overflow:visible}
a{color:inherit;text-decoration:none}
}
";

/// The page.
pub fn render(r: &Report) -> String {
    let mut h = String::new();
    let name = escape(r.name);
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>jobsim report: {name}</title>\n<style>\n{CSS}</style>\n</head>\n<body>\n\
         <h1>jobsim report: {name}</h1>\n<p class=\"meta\">{}</p>\n",
        escape(&r.run_line)
    );
    h.push_str("<nav><p class=\"meta\">");
    let mut parts = vec![
        "<a href=\"#scenario\">Scenario</a>",
        "<a href=\"#jobs\">Jobs</a>",
        "<a href=\"#summary\">Summary</a>",
    ];
    if !r.charts.is_empty() {
        parts.push("<a href=\"#charts\">Charts</a>");
    }
    if !r.expectations.is_empty() {
        parts.push("<a href=\"#expectations\">Expectations</a>");
    }
    h.push_str(&parts.join(" · "));
    h.push_str("</p></nav>\n");

    // The scenario.
    let _ = write!(
        h,
        "<h2 id=\"scenario\">Scenario</h2>\n<p>{name}, from <code>{}</code></p>\n",
        escape(r.source_label)
    );
    if !r.sets.is_empty() {
        h.push_str("<p>Changed with <code>--set</code>:</p>\n<ul>\n");
        for s in &r.sets {
            let _ = writeln!(h, "<li><code>{}</code></li>", escape(s));
        }
        h.push_str("</ul>\n");
    }
    let _ = write!(
        h,
        "<details>\n<summary>The scenario's YAML</summary>\n<pre>{}</pre>\n</details>\n",
        escape(r.source)
    );

    // Expectations, early: they are the verdict.
    if !r.expectations.is_empty() {
        let held = r.expectations.iter().filter(|e| e.0).count();
        let _ = write!(
            h,
            "<h2 id=\"expectations\">Expectations</h2>\n<p>{held} of {} held (as <code>jobsim check</code> holds them to this run's summary).</p>\n<ul class=\"expect\">\n",
            r.expectations.len()
        );
        for (ok, line) in &r.expectations {
            let (class, word) = if *ok { ("held", "held") } else { ("failed", "NOT HELD") };
            let _ = writeln!(h, "<li><span class=\"{class}\">{word}</span> {}</li>", escape(line));
        }
        h.push_str("</ul>\n");
    }

    // Jobs.
    let _ = write!(
        h,
        "<h2 id=\"jobs\">Jobs</h2>\n<pre>{}</pre>\n",
        escape(r.jobs_table.trim_end())
    );

    // Summary.
    let _ = write!(
        h,
        "<h2 id=\"summary\">Summary</h2>\n<p>{}</p>\n",
        escape(r.summary_line)
    );
    if !r.stats_table.trim().is_empty() {
        let _ = writeln!(h, "<pre>{}</pre>", escape(r.stats_table.trim_end()));
    }
    if let Some(summary) = r.summary {
        let mut rows = Vec::new();
        flatten("", summary, &mut rows);
        let across = rows.iter().any(|(_, v)| matches!(v, Figure::Across { .. }));
        h.push_str("<details>\n<summary>Every figure of summary.json</summary>\n<table>\n");
        if across {
            h.push_str(
                "<tr><th>statistic</th><th>mean</th><th>95% CI of the mean</th><th>p05</th><th>p50</th><th>p95</th><th>n</th></tr>\n",
            );
        } else {
            h.push_str("<tr><th>statistic</th><th>value</th></tr>\n");
        }
        for (key, fig) in &rows {
            let key = escape(key);
            match fig {
                Figure::One(v) if across => {
                    let _ = writeln!(
                        h,
                        "<tr><td>{key}</td><td class=\"n\" colspan=\"6\">{}</td></tr>",
                        escape(v)
                    );
                }
                Figure::One(v) => {
                    let _ = writeln!(h, "<tr><td>{key}</td><td class=\"n\">{}</td></tr>", escape(v));
                }
                Figure::Across {
                    mean,
                    ci,
                    p05,
                    p50,
                    p95,
                    n,
                } => {
                    let _ = writeln!(
                        h,
                        "<tr><td>{key}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
                        escape(mean),
                        escape(ci),
                        escape(p05),
                        escape(p50),
                        escape(p95),
                        escape(n)
                    );
                }
            }
        }
        h.push_str("</table>\n</details>\n");
    }

    // Charts, inline.
    if !r.charts.is_empty() {
        h.push_str("<h2 id=\"charts\">Charts</h2>\n");
        for (chart, svg) in &r.charts {
            let _ = write!(
                h,
                "<figure id=\"chart-{c}\">\n{}\n<figcaption><code>{c}.svg</code>{}</figcaption>\n</figure>\n",
                svg.trim_end(),
                caption(chart).map_or(String::new(), |t| format!(": {t}")),
                c = escape(chart)
            );
        }
    }
    h.push_str("</body>\n</html>\n");
    h
}

/// What a chart shows, under it.
fn caption(chart: &str) -> Option<&'static str> {
    Some(match chart {
        "pods-over-time" => {
            "pods by phase (replication 0), those on a node at the bottom, with the capacity of the resource that binds"
        }
        "job-durations" => "the share of Jobs finished within a turnaround (created → finished)",
        "gantt" => {
            "the first Jobs' pod attempts, each in a lane of its Job's row: pending in a light shade, running in the colour of how it ended"
        }
        "failures" => "Job failure reasons and pod failure causes (replication 0)",
        "utilisation" => "what pods hold of each resource the nodes limit, as a share of what the nodes up offer",
        "nodes-by-pool" => {
            "the nodes of each pool over time: nodes an autoscaler adds or removes, and spot nodes reclaimed"
        }
        _ => return None,
    })
}

/// A figure of `summary.json`: a value, or a statistic across replications.
enum Figure {
    One(String),
    Across {
        mean: String,
        ci: String,
        p05: String,
        p50: String,
        p95: String,
        n: String,
    },
}

/// The figures of `v`, by dotted path, in the file's (sorted) key order.
fn flatten(path: &str, v: &Value, out: &mut Vec<(String, Figure)>) {
    let text = |v: &Value| match v {
        Value::String(s) => s.clone(),
        Value::Null => "–".to_string(),
        other => other.to_string(),
    };
    match v {
        Value::Object(m) if m.contains_key("mean") && m.contains_key("n") => {
            let ci = match m.get("ci95") {
                Some(Value::Array(b)) if b.len() == 2 => format!("[{}, {}]", text(&b[0]), text(&b[1])),
                _ => "–".to_string(),
            };
            let get = |k: &str| m.get(k).map_or("–".to_string(), text);
            out.push((
                path.to_string(),
                Figure::Across {
                    mean: get("mean"),
                    ci,
                    p05: get("p05"),
                    p50: get("p50"),
                    p95: get("p95"),
                    n: get("n"),
                },
            ));
        }
        Value::Object(m) => {
            for (k, v) in m {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                flatten(&p, v, out);
            }
        }
        other => out.push((path.to_string(), Figure::One(text(other)))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report<'a>(table: &'a str, summary: &'a Value) -> Report<'a> {
        Report {
            name: "demo",
            source_label: "demo.yaml",
            source: "# a <b> & \"c\"\nkind: Scenario\n",
            sets: vec!["spec.seed=3".into()],
            run_line: "seed 1".into(),
            summary_line: "demo: 1 Jobs",
            stats_table: "",
            jobs_table: table,
            summary: Some(summary),
            charts: vec![("gantt".into(), "<svg width=\"10\"><text>x</text></svg>".into())],
            expectations: vec![(true, "jobs.total = 1 (≥ 1)".into()), (false, "x".into())],
        }
    }

    #[test]
    fn user_text_is_escaped_and_charts_inlined() {
        let summary = serde_json::json!({"jobs": {"total": 1}, "turnaroundSeconds": {"mean": 2.5, "n": 3, "ci95": [1, 4], "p05": 1, "p50": 2, "p95": 4}});
        let html = render(&report("NAME\n<script>alert(1)</script>-job   Complete\n", &summary));
        assert!(!html.contains("<script>"), "{html}");
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;-job"));
        assert!(html.contains("# a &lt;b&gt; &amp; &quot;c&quot;"));
        assert!(
            html.contains("<svg width=\"10\"><text>x</text></svg>\n<figcaption><code>gantt.svg</code>: the first Jobs")
        );
        assert!(html.contains("<td>turnaroundSeconds</td><td class=\"n\">2.5</td><td class=\"n\">[1, 4]</td>"));
        assert!(html.contains("<td>jobs.total</td><td class=\"n\" colspan=\"6\">1</td>"));
        assert!(html.contains("<span class=\"held\">held</span> jobs.total = 1 (≥ 1)"));
        assert!(html.contains("<span class=\"failed\">NOT HELD</span> x"));
        assert!(html.contains("1 of 2 held"));
    }
}
