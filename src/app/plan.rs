//! `jobsim plan`: the smallest value of a field meeting a target, by
//! bisection. Each value it tries is a sweep's point: the scenario with the
//! fixed `--set`s and the field set, the same seeds and overrides, its
//! replications run and aggregated as `sweep` does.

use super::stdout::outln;
use super::study::{Overrides, bad, check_confidence, need_intervals, progress_bar, thread_pool};
use super::{EXIT_FAILURE, EXIT_OK};
use crate::cli::PlanArgs;
use crate::output::summary::{Across, Stats, aggregate, is_count, round3};
use crate::scenario::Scenario;
use crate::study::plan::{Search, Target, Vary, Verdict, against_assumption, num, smallest_holding};
use crate::study::sweep::run_units;
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// What a plan keeps of a value it ran.
struct Point {
    across: Option<Across>,
    replications: usize,
    verdict: Verdict,
}

/// `jobsim plan`.
pub fn plan(args: &PlanArgs) -> u8 {
    let vary = match Vary::parse(&args.vary) {
        Ok(v) => v,
        Err(e) => return bad(e),
    };
    let target = match Target::parse(&args.target) {
        Ok(t) => t,
        Err(e) => return bad(format!("--target: {e}")),
    };
    if let Some(w) = &target.warning {
        eprintln!("warning: --target: {w}");
    }
    if let Err(code) = check_confidence(args.confidence) {
        return code;
    }
    if let Some(s) = args.set.iter().find(|s| s.path == vary.path) {
        return bad(format!("--set {}: --vary varies this field", s.given()));
    }
    let overrides = match Overrides::parse(args.seed, args.replications, args.until.as_deref()) {
        Ok(o) => o,
        Err(code) => return code,
    };
    let load = |v: i64| -> Result<Scenario, u8> {
        let mut settings = args.set.clone();
        settings.push(vary.setting(v).map_err(|e| bad(e.to_string()))?);
        let sc = overrides.load(&args.scenario, &settings, &format!("at {}={v}", vary.path))?;
        need_intervals(&sc, &args.scenario)?;
        Ok(sc)
    };
    // Both ends are checked before anything runs.
    let mut loaded = BTreeMap::new();
    for v in [vary.lo, vary.hi] {
        match load(v) {
            Ok(sc) => loaded.insert(v, sc),
            Err(code) => return code,
        };
    }
    let pool = match thread_pool(args.threads) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let eval = |v: i64| -> Result<(bool, Point), u8> {
        let sc = match loaded.remove(&v) {
            Some(sc) => sc,
            None => load(v)?,
        };
        let reps = sc.replications as usize;
        let bar = progress_bar(reps, format!("at {}={v}", vary.path));
        let units = pool.install(|| run_units(std::slice::from_ref(&sc), 0..reps, &|| bar.inc(1)));
        bar.finish_and_clear();
        let units = units.map_err(|e| {
            eprintln!("error: {e}");
            EXIT_FAILURE
        })?;
        let stats: Vec<Stats> = units.into_iter().map(|u| u.stats).collect();
        // A count no replication had is zero, as summary.json's table has it.
        let across = aggregate(&stats, args.confidence)
            .remove(&target.stat)
            .or_else(|| is_count(&target.stat).then_some(zero(reps)));
        let verdict = target.judge(across.as_ref(), reps);
        Ok((
            verdict.holds,
            Point {
                across,
                replications: reps,
                verdict,
            },
        ))
    };
    let search = match smallest_holding(vary.lo, vary.hi, eval) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let notes = notes(&target, &vary, &search);
    if args.json {
        outln!(
            "{}",
            serde_json::to_string_pretty(&json_of(args, &target, &vary, &search, &notes)).expect("json")
        );
    } else {
        report(args, &target, &vary, &search, &notes);
    }
    if search.answer.is_some() { EXIT_OK } else { EXIT_FAILURE }
}

/// A count that no replication had: zero in each.
fn zero(n: usize) -> Across {
    Across {
        n,
        mean: 0.0,
        ci: Some((0.0, 0.0)),
        p05: 0.0,
        p50: 0.0,
        p95: 0.0,
    }
}

/// Where the means run against the assumption, in words.
fn notes(target: &Target, vary: &Vary, search: &Search<Point>) -> Vec<String> {
    let means: Vec<(i64, f64)> = search
        .evidence
        .iter()
        .filter_map(|(v, p)| Some((*v, p.across?.mean)))
        .collect();
    against_assumption(target.op, &means)
        .into_iter()
        .map(|((v0, m0), (v1, m1))| {
            format!(
                "the mean of {} goes from {} at {v0} to {} at {v1}, against the assumption: \
                 bisection may have missed a smaller value that meets the target",
                target.stat,
                num(m0),
                num(m1)
            )
        })
        .chain(
            (vary.lo != vary.hi && search.evidence.len() == 1)
                .then(|| format!("{} was not run: the target fails at the top of the range", vary.lo)),
        )
        .collect()
}

fn percent(confidence: f64) -> String {
    format!("{}%", round3(confidence * 100.0))
}

fn report(args: &PlanArgs, target: &Target, vary: &Vary, search: &Search<Point>, notes: &[String]) {
    let reps = search.evidence.first().map_or(0, |(_, p)| p.replications);
    let side = match target.op {
        crate::study::plan::Op::AtMost => "upper",
        crate::study::plan::Op::AtLeast => "lower",
    };
    outln!(
        "plan: the smallest {} in {} with {target} at {} confidence",
        vary.path,
        vary.range(),
        percent(args.confidence)
    );
    outln!(
        "it holds where the {side} bound of the mean's {} interval is {} {}; {reps} replications a value",
        percent(args.confidence),
        target.op.symbol(),
        target.bound_shown()
    );
    outln!(
        "assumes {}: runs {}, then {}, then bisects",
        target.assumes(&vary.path),
        vary.hi,
        vary.lo
    );
    let w = vary.path.len().max(5);
    outln!(
        "  {:<w$}  {:>12}   {:<26}{:>5}   verdict",
        vary.path,
        "mean",
        format!("{} CI of the mean", percent(args.confidence)),
        "n"
    );
    for (v, p) in &search.evidence {
        let mean = p.across.map_or("-".to_string(), |a| num(a.mean));
        let ci = p
            .across
            .and_then(|a| a.ci)
            .map_or("-".to_string(), |(lo, hi)| format!("[{}, {}]", num(lo), num(hi)));
        let n = p.across.map_or(0, |a| a.n);
        let verdict = if p.verdict.holds { "holds" } else { "does not hold" };
        outln!(
            "  {:<w$}  {mean:>12}   {ci:<26}{n:>5}   {verdict}: {}",
            v,
            p.verdict.why
        );
    }
    for n in notes {
        outln!("note: {n}");
    }
    match search.answer {
        Some(v) => outln!("answer: {}={v}", vary.path),
        None => {
            let why = search
                .evidence
                .last()
                .map_or(String::new(), |(v, p)| format!(": at {v}, {}", p.verdict.why));
            outln!("no value in {} meets the target{why}", vary.range());
        }
    }
}

fn json_of(args: &PlanArgs, target: &Target, vary: &Vary, search: &Search<Point>, notes: &[String]) -> Value {
    let evidence: Vec<Value> = search
        .evidence
        .iter()
        .map(|(v, p)| {
            json!({
                "value": v,
                "mean": p.across.map(|a| round3(a.mean)),
                "ci": p.across.and_then(|a| a.ci).map(|(lo, hi)| json!([round3(lo), round3(hi)])),
                "n": p.across.map_or(0, |a| a.n),
                "replications": p.replications,
                "holds": p.verdict.holds,
                "why": p.verdict.why,
            })
        })
        .collect();
    json!({
        "value": search.answer,
        "vary": {"path": vary.path, "range": [vary.lo, vary.hi]},
        "target": target.to_string(),
        "confidence": args.confidence,
        "assumes": target.assumes(&vary.path),
        "evidence": evidence,
        "notes": notes,
    })
}
