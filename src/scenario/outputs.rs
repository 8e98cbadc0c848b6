//! Which files a run writes: `jobsim run --outputs LIST` or `spec.outputs` (the
//! flag wins); every file by default.
//!
//! `charts` brings the files the charts are drawn from (`jobs`, `timeseries`
//! and `summary`, for the titles), so that they are drawn exactly as in a full
//! run and `jobsim plot` finds them; `report` brings the charts it inlines. What they need from the timeline is
//! gathered during the run, so `events` stays a choice of its own: it is the
//! largest file by far (`jobsim plot` needs it to redraw the Gantt and the pod
//! failures).

use crate::suggest::did_you_mean;
use std::fmt;
use thiserror::Error;

/// One output, by the name `--outputs` and `spec.outputs` give it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Output {
    /// `events.csv`.
    Events,
    /// `jobs.csv`.
    Jobs,
    /// `jobs.yaml`.
    JobsYaml,
    /// `summary.json`.
    Summary,
    /// `timeseries.csv`, and `timeseries-bands.csv` with replications.
    Timeseries,
    /// The SVG charts, and PNGs with `--png`.
    Charts,
    /// `trace.json`, replication 0 in the Chrome trace event format.
    Trace,
    /// `decisions.csv`, replication 0's controller decisions with their
    /// causes (what `jobsim explain` reads, with `events.csv`).
    Decisions,
    /// `report.html`: the scenario, the Jobs table, the summary, the charts
    /// and the expectations in one self-contained page.
    Report,
}

impl Output {
    /// Every output, in the order a run writes them.
    pub const EVERY: [Output; 9] = [
        Output::Events,
        Output::Jobs,
        Output::JobsYaml,
        Output::Summary,
        Output::Timeseries,
        Output::Charts,
        Output::Trace,
        Output::Decisions,
        Output::Report,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Output::Events => "events",
            Output::Jobs => "jobs",
            Output::JobsYaml => "jobs-yaml",
            Output::Summary => "summary",
            Output::Timeseries => "timeseries",
            Output::Charts => "charts",
            Output::Trace => "trace",
            Output::Decisions => "decisions",
            Output::Report => "report",
        }
    }

    fn bit(self) -> u16 {
        1 << self as u16
    }

    /// The outputs this one is made from, which come with it.
    fn needs(self) -> &'static [Output] {
        match self {
            Output::Charts => &[Output::Jobs, Output::Timeseries, Output::Summary],
            Output::Report => &[Output::Charts, Output::Jobs, Output::Timeseries, Output::Summary],
            _ => &[],
        }
    }
}

impl fmt::Display for Output {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The names an output list may hold: each output's, and `all`.
pub const NAMES: [&str; 10] = [
    "events",
    "jobs",
    "jobs-yaml",
    "summary",
    "timeseries",
    "charts",
    "trace",
    "decisions",
    "report",
    "all",
];

/// A list of outputs that names none, or names one that does not exist.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum OutputsError {
    #[error("unknown output {name:?}{}; valid outputs: {}", hint(.name), NAMES.join(", "))]
    Unknown { name: String },
    #[error("no output given; valid outputs: {}", NAMES.join(", "))]
    Empty,
}

fn hint(name: &str) -> String {
    did_you_mean(name, &NAMES)
        .map(|s| format!(" (did you mean \"{s}\"?)"))
        .unwrap_or_default()
}

/// A set of outputs, closed over what each needs (`charts` holds `jobs`,
/// `timeseries` and `summary`; `report` holds the charts). The default is every output.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Outputs(u16);

impl Default for Outputs {
    fn default() -> Self {
        Outputs::ALL
    }
}

impl Outputs {
    pub const ALL: Outputs = Outputs((1 << Output::EVERY.len()) - 1);

    /// The set without `o` (nor anything that needs it).
    pub fn without(self, o: Output) -> Outputs {
        let mut set = Outputs(self.0 & !o.bit());
        for other in Output::EVERY {
            if other.needs().contains(&o) {
                set.0 &= !other.bit();
            }
        }
        set
    }

    /// One output (with what it needs).
    pub fn only(o: Output) -> Outputs {
        let mut set = Outputs(o.bit());
        for n in o.needs() {
            set.0 |= n.bit();
        }
        set
    }

    pub fn contains(self, o: Output) -> bool {
        self.0 & o.bit() != 0
    }

    /// The outputs named, with what they need; `all` is every output. Names are
    /// exact (`events`, not `Events` or `events.csv`).
    pub fn from_names<'a>(names: impl IntoIterator<Item = &'a str>) -> Result<Outputs, OutputsError> {
        let mut set = Outputs(0);
        for name in names {
            if name == "all" {
                set = Outputs::ALL;
                continue;
            }
            let o = Output::EVERY
                .into_iter()
                .find(|o| o.name() == name)
                .ok_or_else(|| OutputsError::Unknown { name: name.to_string() })?;
            set.0 |= o.bit();
            for n in o.needs() {
                set.0 |= n.bit();
            }
        }
        if set.0 == 0 {
            return Err(OutputsError::Empty);
        }
        Ok(set)
    }

    /// A comma-separated list, as `--outputs` takes it: `summary,jobs`.
    pub fn parse(list: &str) -> Result<Outputs, OutputsError> {
        Outputs::from_names(list.split(',').map(str::trim).filter(|n| !n.is_empty()))
    }

    /// The outputs in the set, in the order a run writes them.
    pub fn iter(self) -> impl Iterator<Item = Output> {
        Output::EVERY.into_iter().filter(move |o| self.contains(*o))
    }
}

impl fmt::Display for Outputs {
    /// The names, comma-separated, as `--outputs` takes them.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, o) in self.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            f.write_str(o.name())?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Output::*;

    #[test]
    fn names_select_outputs_and_charts_bring_their_inputs() {
        let set = Outputs::parse("summary").unwrap();
        assert_eq!(set.iter().collect::<Vec<_>>(), [Summary]);
        let set = Outputs::parse(" jobs-yaml , events ").unwrap();
        assert_eq!(set.iter().collect::<Vec<_>>(), [Events, JobsYaml]);
        let set = Outputs::parse("charts").unwrap();
        assert_eq!(set.iter().collect::<Vec<_>>(), [Jobs, Summary, Timeseries, Charts]);
        assert_eq!(Outputs::parse("all"), Ok(Outputs::ALL));
        assert_eq!(Outputs::parse("summary,all"), Ok(Outputs::ALL));
        assert_eq!(Outputs::ALL.iter().collect::<Vec<_>>(), Output::EVERY);
        assert_eq!(Outputs::default(), Outputs::ALL);
        assert_eq!(
            Outputs::ALL.to_string(),
            "events,jobs,jobs-yaml,summary,timeseries,charts,trace,decisions,report"
        );
        let set = Outputs::parse("report").unwrap();
        assert_eq!(
            set.iter().collect::<Vec<_>>(),
            [Jobs, Summary, Timeseries, Charts, Report]
        );
        assert_eq!(
            Outputs::ALL.without(Charts).iter().collect::<Vec<_>>(),
            [Events, Jobs, JobsYaml, Summary, Timeseries, Trace, Decisions]
        );
        for o in Output::EVERY {
            assert_eq!(Outputs::parse(o.name()).map(|s| s.contains(o)), Ok(true), "{o}");
        }
    }

    #[test]
    fn unknown_and_empty_lists_are_errors_listing_the_names() {
        let valid =
            "valid outputs: events, jobs, jobs-yaml, summary, timeseries, charts, trace, decisions, report, all";
        assert_eq!(
            Outputs::parse("summary,evnts").unwrap_err().to_string(),
            format!("unknown output \"evnts\" (did you mean \"events\"?); {valid}")
        );
        assert_eq!(
            Outputs::parse("pictures").unwrap_err().to_string(),
            format!("unknown output \"pictures\"; {valid}")
        );
        assert_eq!(
            Outputs::parse(" , ").unwrap_err().to_string(),
            format!("no output given; {valid}")
        );
        assert_eq!(Outputs::from_names([]), Err(OutputsError::Empty));
    }
}
