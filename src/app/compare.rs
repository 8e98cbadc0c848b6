//! `jobsim compare`: two variants of a scenario with the same replications
//! and seeds, their paired differences per statistic.

use super::stdout::outln;
use super::study::{Overrides, bad, check_confidence, need_intervals, progress_bar, thread_pool};
use super::{EXIT_FAILURE, EXIT_OK};
use crate::cli::CompareArgs;
use crate::output::summary::{ACROSS_ROWS, Stats, is_count, round3};
use crate::scenario::{Scenario, Setting};
use crate::study::compare::{Paired, compare as paired_stats, statistics_json};
use crate::study::sweep::run_units;
use serde_json::json;
use std::collections::BTreeMap;
use std::path::Path;

/// A side as the report names it: its file and its changes.
fn describe(path: &Path, sets: &[Setting]) -> String {
    let mut s = path.display().to_string();
    if !sets.is_empty() {
        let given: Vec<String> = sets.iter().map(Setting::given).collect();
        s.push_str(&format!(" with {}", given.join(", ")));
    }
    s
}

/// `jobsim compare`.
pub fn compare(args: &CompareArgs) -> u8 {
    if let Err(code) = check_confidence(args.confidence) {
        return code;
    }
    let overrides = match Overrides::parse(args.seed, args.replications, args.until.as_deref()) {
        Ok(o) => o,
        Err(code) => return code,
    };
    let b_path = args.b.clone().unwrap_or_else(|| args.a.clone());
    let sets_a: Vec<Setting> = args.set.iter().chain(&args.set_a).cloned().collect();
    let sets_b: Vec<Setting> = args.set.iter().chain(&args.set_b).cloned().collect();
    let a = match overrides.load(&args.a, &sets_a, "as A") {
        Ok(sc) => sc,
        Err(code) => return code,
    };
    let b = match overrides.load(&b_path, &sets_b, "as B") {
        Ok(sc) => sc,
        Err(code) => return code,
    };
    if a.seed != b.seed {
        return bad(format!(
            "A has seed {} and B seed {}: their replications would not share random numbers; \
             give --seed N for both",
            a.seed, b.seed
        ));
    }
    if a.replications != b.replications {
        return bad(format!(
            "A has {} replications and B {}: each replication of A pairs with the same of B; \
             give --replications N for both",
            a.replications, b.replications
        ));
    }
    if let Err(code) = need_intervals(&a, &args.a) {
        return code;
    }
    let pool = match thread_pool(args.threads) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let n = a.replications as usize;
    let (seed, desc_a, desc_b) = (a.seed, describe(&args.a, &sets_a), describe(&b_path, &sets_b));
    let points: [Scenario; 2] = [a, b];
    let bar = progress_bar(2 * n, "of A and B".into());
    let units = pool.install(|| run_units(&points, 0..2 * n, &|| bar.inc(1)));
    bar.finish_and_clear();
    let units = match units {
        Ok(u) => u,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_FAILURE;
        }
    };
    let mut stats: Vec<Stats> = units.into_iter().map(|u| u.stats).collect();
    let stats_b = stats.split_off(n);
    let result = paired_stats(&stats, &stats_b, args.confidence);
    if args.json {
        let out = json!({
            "a": desc_a,
            "b": desc_b,
            "seed": seed,
            "replications": n,
            "confidence": args.confidence,
            "statistics": statistics_json(&result, args.confidence),
        });
        outln!("{}", serde_json::to_string_pretty(&out).expect("json"));
    } else {
        report(&desc_a, &desc_b, seed, n, args.confidence, &result);
    }
    EXIT_OK
}

fn report(a: &str, b: &str, seed: u64, n: usize, confidence: f64, result: &BTreeMap<String, Paired>) {
    let level = format!("{}%", round3(confidence * 100.0));
    outln!("compare: A = {a}");
    outln!("         B = {b}");
    outln!("{n} replications each (seed {seed}); replication r of B runs on the random numbers of replication r of A");
    outln!(
        "{:<26}{:>12}{:>12}{:>12}   {:<28}{:>9}",
        "",
        "A mean",
        "B mean",
        "B − A",
        format!("{level} CI of B − A"),
        "narrower"
    );
    let none = Paired {
        n,
        a: 0.0,
        b: 0.0,
        mean: 0.0,
        ci: Some((0.0, 0.0)),
        independent: Some((0.0, 0.0)),
    };
    for (label, key) in ACROSS_ROWS {
        let Some(p) = result.get(key).or(is_count(key).then_some(&none)) else {
            continue;
        };
        let ci = p.ci.map_or("-".to_string(), |(lo, hi)| format!("[{lo:.2}, {hi:.2}]"));
        let narrower = p.narrowing().map_or("-".to_string(), |f| format!("{f:.1}×"));
        outln!(
            "{label:<26}{:>12.2}{:>12.2}{:>12.2}   {ci:<28}{narrower:>9}",
            p.a,
            p.b,
            p.mean
        );
    }
    outln!("narrower: how many times narrower the interval is than were A and B run independently");
    outln!("(Welch's interval from the same runs); --json gives every statistic");
}
