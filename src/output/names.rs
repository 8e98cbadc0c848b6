//! The names of the files a run writes into its output folder: the ones a
//! rerun may remove, and the charts among them.

/// The charts, by file name, in the order a run draws them (and `report.html` shows them).
pub const CHARTS: [&str; 6] = [
    "pods-over-time",
    "job-durations",
    "gantt",
    "failures",
    "utilisation",
    "nodes-by-pool",
];

/// The files jobsim writes into an output folder; only these are ever
/// removed from it, and only when a run replaces them.
pub fn own_files() -> Vec<String> {
    let mut names: Vec<String> = [
        "events.csv",
        "jobs.csv",
        "jobs.yaml",
        "summary.json",
        "timeseries.csv",
        "timeseries-bands.csv",
        "trace.json",
        "decisions.csv",
        "report.html",
    ]
    .map(String::from)
    .to_vec();
    for chart in CHARTS {
        names.push(format!("{chart}.svg"));
        names.push(format!("{chart}.png"));
    }
    names
}
