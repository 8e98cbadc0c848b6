//! One replication of a scenario: a world, its event queue and the run
//! loop, with the outputs of the run streamed as it goes (replication 0's
//! timeline and Job objects, the time series, the charts' digest).

use super::pipe::piped;
use crate::engine::{self, EventQueue};
use crate::output::charts::TimelineDigest;
use crate::output::decisions::DecisionLog;
use crate::output::events::CsvLog;
use crate::output::files::PendingFile;
use crate::output::jobs::{JobsYaml, job_templates};
use crate::output::summary::{JobTally, Stats, replication_stats};
use crate::output::timeseries::TimeSeries;
use crate::output::trace::{TraceCounts, TraceLog};
use crate::record::{EventLog, ResultSink, Row, RunStats};
use crate::scenario::Scenario;
use crate::world::World;

/// What one replication produced.
pub struct Replication {
    /// The time series, unless it was spilled or not sampled.
    pub samples: crate::output::timeseries::Samples,
    pub stats: RunStats,
    pub events: u64,
    pub end: u64,
    /// What the charts need from the timeline, when it was asked for.
    pub digest: Option<TimelineDigest>,
    /// Why it stopped: drained, at the horizon, or stalled at one instant.
    pub stop: engine::Stop,
    /// The pod attempts `trace.json` saw and drew, when it was written.
    pub trace: Option<TraceCounts>,
}

/// What a replication produces besides its results: the files of replication 0,
/// written while it runs, the time series (its step and spill) and the charts'
/// digest of the timeline.
pub struct Timeline {
    pub events: Option<PendingFile>,
    pub jobs_yaml: Option<PendingFile>,
    /// `trace.json`.
    pub trace: Option<PendingFile>,
    /// `decisions.csv`.
    pub decisions: Option<PendingFile>,
    /// The time series' step (0: every change); `None`: adaptive.
    pub step: Option<u64>,
    /// Where the time series' samples go; without one they stay in `Replication::samples`.
    pub spill: Option<crate::output::timeseries::Spill>,
    /// Whether to sample the time series at all.
    pub series: bool,
    /// Whether to gather what the charts need from the timeline.
    pub digest: bool,
    /// Whether the timeline's sinks run on a thread of their own (when the
    /// run may use two cores and writes more than a few files' worth).
    pub pipe: bool,
}

/// Passes the timeline's rows to those who want them: the `events.csv` writer,
/// the charts' digest, the time series and `trace.json`'s writer, each only if asked for. With none of
/// them the world is told the log is off, and skips composing rows. The
/// decisions go to `decisions.csv`'s writer and the final Job objects to
/// `jobs.yaml`'s, each only if asked for too.
struct Sinks<'a, L: EventLog> {
    csv: Option<&'a mut L>,
    digest: Option<TimelineDigest>,
    series: Option<TimeSeries>,
    trace: Option<TraceLog<&'a mut std::io::BufWriter<std::fs::File>>>,
    /// `jobs.yaml`: the final Job objects.
    yaml: Option<JobsYaml<&'a mut std::io::BufWriter<std::fs::File>>>,
    /// `decisions.csv`.
    decisions: Option<DecisionLog<&'a mut std::io::BufWriter<std::fs::File>>>,
}

impl<L: EventLog> EventLog for Sinks<'_, L> {
    fn enabled(&self) -> bool {
        self.csv.is_some() || self.digest.is_some() || self.series.is_some() || self.trace.is_some()
    }

    fn decisions(&self) -> bool {
        self.decisions.is_some()
    }

    fn decide(&mut self, d: &crate::record::Decision) {
        if let Some(l) = self.decisions.as_mut() {
            l.decide(d);
        }
    }

    fn job_left(&mut self, job_id: u32) {
        if let Some(l) = self.decisions.as_mut() {
            l.job_left(job_id);
        }
    }

    fn jobs(&self) -> bool {
        self.yaml.is_some()
    }

    fn job_final(&mut self, job: &crate::api::Job, workload: u32) {
        if let Some(y) = self.yaml.as_mut() {
            y.add(job, Some(workload));
        }
    }

    fn record(&mut self, row: &Row) {
        if let Some(f) = self.csv.as_mut() {
            f.record(row);
        }
        if let Some(d) = self.digest.as_mut() {
            d.record(row);
        }
        if let Some(s) = self.series.as_mut() {
            s.record(row);
        }
        if let Some(t) = self.trace.as_mut() {
            t.record(row);
        }
    }
}

/// Runs one replication. Replication 0 may stream its timeline and final Jobs.
/// Each Job's result goes to `results` as the Job leaves the world, and
/// those of the Jobs still there at the end after the run.
/// `progress` is a trait object so that every caller shares one copy of the
/// run loop, compiled with the world's event handling inlined into it.
pub fn run_replication(
    sc: &Scenario,
    replication: u32,
    timeline: &mut Timeline,
    results: &mut dyn ResultSink,
    progress: &mut dyn FnMut(u64, u64),
) -> std::io::Result<Replication> {
    let mut csv_log = timeline.events.as_mut().map(|f| CsvLog::new(f.writer()));
    let mut series = timeline.series.then(|| match timeline.step {
        Some(step) => TimeSeries::new(step),
        None => TimeSeries::adaptive(),
    });
    if let (Some(series), Some(spill)) = (series.as_mut(), timeline.spill.take()) {
        series.set_spill(spill);
    }
    let mut sinks = Sinks {
        csv: csv_log.as_mut(),
        digest: timeline.digest.then(TimelineDigest::default),
        series,
        trace: timeline.trace.as_mut().map(|f| TraceLog::new(f.writer(), sc)),
        yaml: (timeline.jobs_yaml.as_mut()).map(|f| JobsYaml::new(f.writer(), job_templates(sc))),
        decisions: timeline.decisions.as_mut().map(|f| DecisionLog::new(f.writer())),
    };
    let mut simulate = |log: &mut dyn EventLog| {
        let mut world = World::new(sc, replication, log, results);
        let mut queue = EventQueue::new();
        world.start(&mut queue);
        let horizon = sc.horizon();
        let stop = engine::run(&mut world, &mut queue, Some(horizon), |now| progress(now, 0));
        // The end of the run: the horizon, or the last event that changed anything
        // (timers left over from cancelled plans do not count).
        let end = match stop {
            engine::Stop::Horizon => horizon,
            engine::Stop::Drained => world.last_activity,
            engine::Stop::Stalled { at } => at,
        };
        world.finish_stats(end);
        world.flush_results();
        world.report_unfinished();
        let stats = world.stats.clone();
        (stop, end, stats, queue.processed())
    };
    let wanted = sinks.enabled() || sinks.decisions() || sinks.jobs();
    let ((stop, end, stats, processed), mut sinks) = if timeline.pipe && wanted {
        piped(sinks, |mut pipe| simulate(&mut pipe))
    } else {
        (simulate(&mut sinks), sinks)
    };
    let samples = match sinks.series.as_mut() {
        Some(series) => {
            series.finish(end)?;
            std::mem::take(&mut series.samples)
        }
        None => Vec::new(),
    };
    let digest = sinks.digest.take();
    if let Some(l) = sinks.decisions.take()
        && let (_, Some(e)) = l.finish()
    {
        return Err(e);
    }
    let trace = match sinks.trace.take() {
        Some(t) => match t.finish(end) {
            (_, Some(e), _) => return Err(e),
            (_, None, counts) => Some(counts),
        },
        None => None,
    };
    if let Some(y) = sinks.yaml.take() {
        y.finish()?;
    }
    drop(sinks);
    if let Some(l) = csv_log
        && let (_, Some(e)) = l.into_inner()
    {
        return Err(e);
    }
    progress(end, processed);
    Ok(Replication {
        samples,
        stats,
        events: processed,
        end,
        digest,
        stop,
        trace,
    })
}

impl Timeline {
    /// No files, no time series, no digest: what a study needs of a replication.
    pub fn none() -> Self {
        Timeline {
            events: None,
            jobs_yaml: None,
            trace: None,
            decisions: None,
            step: None,
            spill: None,
            series: false,
            digest: false,
            pipe: false,
        }
    }
}

/// The statistics of one replication run without any output (a study's unit).
pub fn replication_stats_only(sc: &Scenario, replication: u32) -> std::io::Result<Stats> {
    let mut jobs = JobTally::default();
    let rep = run_replication(sc, replication, &mut Timeline::none(), &mut jobs, &mut |_, _| {})?;
    Ok(replication_stats(jobs, rep.stats, rep.events, rep.end))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::events::NullLog;

    /// One replication of `sc`, with the time series and the charts' digest
    /// kept when `timeline`, and its Jobs' results.
    fn run(sc: &Scenario, timeline: bool) -> (Replication, Vec<crate::record::JobResult>) {
        let mut t = Timeline {
            series: timeline,
            digest: timeline,
            ..Timeline::none()
        };
        let mut results = Vec::new();
        let rep = run_replication(sc, 0, &mut t, &mut results, &mut |_, _| {}).expect("runs");
        (rep, results)
    }

    /// Without a timeline file, time series or digest the world is told the log
    /// is off; the results do not depend on what is written.
    #[test]
    fn a_replication_without_outputs_samples_nothing_and_gets_the_same_results() {
        let none: Sinks<'_, NullLog> = Sinks {
            csv: None,
            digest: None,
            series: None,
            trace: None,
            yaml: None,
            decisions: None,
        };
        assert!(!none.enabled() && !none.decisions() && !none.jobs());
        let sc = crate::scenario::load_str("quickstart.yaml", crate::scenario::QUICKSTART, None).expect("quickstart");
        let ((bare, bare_results), (full, full_results)) = (run(&sc, false), run(&sc, true));
        assert!(bare.samples.is_empty() && bare.digest.is_none());
        assert!(!full.samples.is_empty() && full.digest.is_some());
        assert!(!bare_results.is_empty());
        assert_eq!(format!("{bare_results:?}"), format!("{full_results:?}"));
        assert_eq!(format!("{:?}", bare.stats), format!("{:?}", full.stats));
        assert_eq!((bare.events, bare.end), (full.events, full.end));
    }

    /// A lone key whose `Sync` would be the next event is synced as soon as
    /// its delayed add comes due (world/mod.rs, `take_keys_after_timer`):
    /// most syncs of the scenarios start so, and every result, counter and
    /// sample, the count of events included, is what the queued `Sync` gives.
    #[test]
    fn syncs_started_at_once_change_no_result() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
        let mut paths: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
        paths.sort();
        let (mut at_once, mut syncs) = (0, 0);
        for path in paths.iter().filter(|p| !p.ends_with("bench-1m-pods.yaml")) {
            let sc = crate::scenario::load(path).expect("scenario");
            let name = path.display();
            let (mut fast, fast_results) = run(&sc, true);
            crate::world::sync_at_once(false);
            let (queued, queued_results) = run(&sc, true);
            crate::world::sync_at_once(true);
            assert_eq!(queued.stats.syncs_at_once, 0, "{name}");
            at_once += fast.stats.syncs_at_once;
            syncs += fast.stats.syncs;
            fast.stats.syncs_at_once = 0;
            assert_eq!(format!("{fast_results:?}"), format!("{queued_results:?}"), "{name}");
            assert_eq!(format!("{:?}", fast.stats), format!("{:?}", queued.stats), "{name}");
            assert_eq!(format!("{:?}", fast.samples), format!("{:?}", queued.samples), "{name}");
            assert_eq!((fast.events, fast.end), (queued.events, queued.end), "{name}");
        }
        eprintln!("{at_once} of {syncs} syncs started at once");
        assert!(at_once * 4 > syncs, "only {at_once} of {syncs} syncs started at once");
    }

    /// Syncs that provably change nothing are skipped, and those whose only
    /// new input is the ready count write it straight away (world/quiet.rs):
    /// the scenarios have many of both, and decide exactly what they decide
    /// with every sync run in full. (Debug builds also run the full sync
    /// beside each and check that it does the same.)
    #[test]
    fn skipped_quiet_syncs_change_no_result() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
        let mut paths: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
        paths.sort();
        let (mut skipped, mut ready, mut syncs) = (0, 0, 0);
        let scenarios = paths
            .iter()
            .filter(|p| !p.ends_with("bench-1m-pods.yaml"))
            .flat_map(|path| {
                let sc = crate::scenario::load(path).expect("scenario");
                // And again with a slow control plane: syncs then run while
                // writes are in flight and before their effects are observed.
                let mut slow = sc.clone();
                slow.control_plane.api_latency = crate::dist::Dist::Constant(700.0);
                slow.control_plane.informer_delay = crate::dist::Dist::Constant(1_300.0);
                [
                    (path.display().to_string(), sc),
                    (format!("{} (slow API)", path.display()), slow),
                ]
            });
        for (name, sc) in scenarios {
            let (mut skipping, skipping_results) = run(&sc, true);
            crate::world::skip_quiet_syncs(false);
            let (full, full_results) = run(&sc, true);
            crate::world::skip_quiet_syncs(true);
            assert_eq!((full.stats.quiet_syncs, full.stats.ready_syncs), (0, 0), "{name}");
            skipped += skipping.stats.quiet_syncs;
            ready += skipping.stats.ready_syncs;
            syncs += skipping.stats.syncs;
            (skipping.stats.quiet_syncs, skipping.stats.ready_syncs) = (0, 0);
            assert_eq!(format!("{skipping_results:?}"), format!("{full_results:?}"), "{name}");
            assert_eq!(format!("{:?}", skipping.stats), format!("{:?}", full.stats), "{name}");
            assert_eq!(
                format!("{:?}", skipping.samples),
                format!("{:?}", full.samples),
                "{name}"
            );
            assert_eq!((skipping.events, skipping.end), (full.events, full.end), "{name}");
        }
        eprintln!("{skipped} of {syncs} syncs skipped, {ready} only wrote the ready count");
        assert!(skipped * 10 > syncs, "only {skipped} of {syncs} syncs skipped");
        assert!(
            ready * 20 > syncs,
            "only {ready} of {syncs} syncs wrote only the ready count"
        );
    }
}
