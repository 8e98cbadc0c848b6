//! Plans: the smallest whole value of one field for which a target on a
//! statistic holds with a given confidence, found by bisection.
//!
//! A target is `STAT <= VALUE` or `STAT >= VALUE`. It holds at a point when
//! the bound of the statistic's confidence interval on the unfavourable side
//! meets it: for `<=` the upper bound is at most VALUE, for `>=` the lower
//! bound at least VALUE. Bisection assumes that the target, once met, stays
//! met as the field grows (for `<=`, that the statistic falls or does not
//! rise): it checks the top of the range first (if the target fails there, no
//! value meets it), then the bottom (if it holds there, that is the answer),
//! then halves the range between a value that fails and one that holds.

use crate::output::summary::{Across, round3};
use crate::scenario::expect::{ExpectError, check_stat_path};
use crate::scenario::{Bound, SetError, Setting, parse_setting};
use crate::study::grid::{ValuesError, whole};
use std::fmt;

/// Which side of the bound the statistic must stay on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// `<=`: at most the bound.
    AtMost,
    /// `>=`: at least the bound.
    AtLeast,
}

impl Op {
    pub fn symbol(self) -> &'static str {
        match self {
            Op::AtMost => "<=",
            Op::AtLeast => ">=",
        }
    }
}

/// `STAT <= VALUE` or `STAT >= VALUE`.
#[derive(Clone, Debug, PartialEq)]
pub struct Target {
    /// A dotted statistic of `summary.json`.
    pub stat: String,
    pub op: Op,
    pub bound: Bound,
    /// What `check_stat_path` warns of (a reason the controller never gives).
    pub warning: Option<String>,
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {}", self.stat, self.op.symbol(), self.bound.text.trim())
    }
}

const TARGET_USAGE: &str =
    "expected 'STAT <= VALUE' or 'STAT >= VALUE', e.g. 'makespanSeconds <= 2h' or 'jobs.byStatus.Complete >= 60'";

/// Why a target is refused: the text as given, or what is wrong with its
/// statistic or bound.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum TargetError {
    #[error("{0:?} has both <= and >=; {TARGET_USAGE}")]
    Both(String),
    #[error("{0:?} has no <= or >=; {TARGET_USAGE}")]
    NoOp(String),
    #[error("{0:?} names no statistic; {TARGET_USAGE}")]
    NoStat(String),
    #[error("{0:?} gives no value; {TARGET_USAGE}")]
    NoValue(String),
    /// `<==`, `>=>`: more than one operator's characters.
    #[error("{0:?}: {TARGET_USAGE}")]
    Shape(String),
    #[error(transparent)]
    Expect(#[from] ExpectError),
}

/// Whether a target holds at a point, and why, in words.
#[derive(Clone, Debug, PartialEq)]
pub struct Verdict {
    pub holds: bool,
    pub why: String,
}

/// `v` as sweep.csv writes it (three decimals, whole numbers without a point).
pub fn num(v: f64) -> String {
    round3(v).to_string()
}

impl Target {
    /// Reads `STAT <= VALUE` or `STAT >= VALUE` (spaces optional); VALUE is a
    /// number or a Go duration, read as seconds.
    pub fn parse(text: &str) -> Result<Target, TargetError> {
        let refuse = |why: fn(String) -> TargetError| Err(why(text.to_string()));
        let (at, op) = match (text.find("<="), text.find(">=")) {
            (Some(i), None) => (i, Op::AtMost),
            (None, Some(i)) => (i, Op::AtLeast),
            (Some(_), Some(_)) => return refuse(TargetError::Both),
            (None, None) => return refuse(TargetError::NoOp),
        };
        let (stat, value) = (text[..at].trim(), text[at + 2..].trim());
        if stat.is_empty() {
            return refuse(TargetError::NoStat);
        }
        if value.is_empty() {
            return refuse(TargetError::NoValue);
        }
        if value.starts_with(['<', '>', '=']) {
            return refuse(TargetError::Shape);
        }
        let warning = check_stat_path(stat)?;
        let bound = Bound::parse(value)?;
        Ok(Target {
            stat: stat.to_string(),
            op,
            bound,
            warning,
        })
    }

    /// The monotonicity bisection assumes, in words (what follows "assumes").
    pub fn assumes(&self, path: &str) -> String {
        let way = match self.op {
            Op::AtMost => "falls (or does not rise)",
            Op::AtLeast => "rises (or does not fall)",
        };
        format!("{} {way} as {path} grows", self.stat)
    }

    /// The bound as written, with its value in seconds when it is a duration.
    pub fn bound_shown(&self) -> String {
        let text = self.bound.text.trim();
        if text.parse::<f64>().is_ok() {
            text.to_string()
        } else {
            format!("{} ({text})", num(self.bound.value))
        }
    }

    /// Whether the target holds at a point whose statistic aggregates to
    /// `across` over `replications` runs. A statistic absent from any of
    /// them (no Job finished, say) does not hold: the runs without it are
    /// likely the worst ones, and the interval of the others says nothing of them.
    pub fn judge(&self, across: Option<&Across>, replications: usize) -> Verdict {
        let not = |why: String| Verdict { holds: false, why };
        let Some(a) = across else {
            return not(format!(
                "{} is absent (in none of {replications} replications): counted as not holding",
                self.stat
            ));
        };
        if a.n < replications {
            return not(format!(
                "{} is in only {} of {replications} replications: counted as not holding",
                self.stat, a.n
            ));
        }
        let Some((lo, hi)) = a.ci else {
            return not("one replication gives no interval: counted as not holding".into());
        };
        let (side, v, holds) = match self.op {
            Op::AtMost => ("upper", hi, hi <= self.bound.value),
            Op::AtLeast => ("lower", lo, lo >= self.bound.value),
        };
        let rel = match (self.op, holds) {
            (Op::AtMost, true) => "<=",
            (Op::AtMost, false) => ">",
            (Op::AtLeast, true) => ">=",
            (Op::AtLeast, false) => "<",
        };
        Verdict {
            holds,
            why: format!("{side} bound {} {rel} {}", num(v), self.bound_shown()),
        }
    }
}

const VARY_USAGE: &str =
    "expected PATH=LO..HI, an inclusive range of whole numbers, e.g. spec.cluster.nodePools[0].count=4..12";

/// Why `--vary PATH=LO..HI` is refused: `given` is the flag's value.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum VaryError {
    #[error("--vary {0}: {VARY_USAGE}")]
    NoEquals(String),
    #[error("--vary {given}: {range:?} is not a range; {VARY_USAGE}")]
    NotRange { given: String, range: String },
    #[error("--vary {given}: {range:?}: a plan bisects every whole number of the range; give no step")]
    Step { given: String, range: String },
    #[error("--vary {given}: {reason}")]
    Range { given: String, reason: ValuesError },
    /// The path, set to the range's start, as `--set` would (its `given` is
    /// `PATH=LO`).
    #[error("--vary {}: {}", .0.given, .0.reason)]
    Set(#[from] SetError),
}

/// `PATH=LO..HI`: the field a plan varies and its inclusive range.
#[derive(Clone, Debug, PartialEq)]
pub struct Vary {
    pub path: String,
    pub lo: i64,
    pub hi: i64,
}

impl Vary {
    pub fn parse(given: &str) -> Result<Vary, VaryError> {
        let Some((path, range)) = given.split_once('=') else {
            return Err(VaryError::NoEquals(given.to_string()));
        };
        let Some((lo, hi)) = range.split_once("..") else {
            return Err(VaryError::NotRange {
                given: given.to_string(),
                range: range.to_string(),
            });
        };
        if hi.contains(':') {
            return Err(VaryError::Step {
                given: given.to_string(),
                range: range.to_string(),
            });
        }
        let range_err = |reason| VaryError::Range {
            given: given.to_string(),
            reason,
        };
        let (lo, hi) = (
            whole(range, lo, "start").map_err(range_err)?,
            whole(range, hi, "end").map_err(range_err)?,
        );
        if hi < lo {
            return Err(range_err(ValuesError::Backwards(range.to_string())));
        }
        let vary = Vary {
            path: path.trim().to_string(),
            lo,
            hi,
        };
        vary.setting(lo)?;
        Ok(vary)
    }

    /// The setting of the field to `value`.
    pub fn setting(&self, value: i64) -> Result<Setting, SetError> {
        parse_setting(&format!("{}={value}", self.path))
    }

    /// `LO..HI`.
    pub fn range(&self) -> String {
        format!("{}..{}", self.lo, self.hi)
    }
}

/// What a search found: the smallest value that holds (`None` when even the
/// top of the range does not), and each point it evaluated, in the order run.
#[derive(Clone, Debug, PartialEq)]
pub struct Search<P> {
    pub answer: Option<i64>,
    pub evidence: Vec<(i64, P)>,
}

/// The smallest value in `lo..=hi` for which `eval` holds, assuming that
/// once it holds it holds for every larger value. `eval` gives whether the
/// value holds, and what to keep of it as evidence. It runs at `hi` first,
/// then at `lo`, then between them: about log2(hi − lo) + 2 evaluations.
pub fn smallest_holding<P, E>(
    lo: i64,
    hi: i64,
    mut eval: impl FnMut(i64) -> Result<(bool, P), E>,
) -> Result<Search<P>, E> {
    assert!(lo <= hi, "an empty range");
    let mut evidence = Vec::new();
    let mut run = |v: i64, evidence: &mut Vec<(i64, P)>| -> Result<bool, E> {
        let (holds, p) = eval(v)?;
        evidence.push((v, p));
        Ok(holds)
    };
    if !run(hi, &mut evidence)? {
        return Ok(Search { answer: None, evidence });
    }
    if lo == hi || run(lo, &mut evidence)? {
        return Ok(Search {
            answer: Some(lo),
            evidence,
        });
    }
    // `fails` does not hold, `holds` does; the answer lies in (fails, holds].
    let (mut fails, mut holds) = (lo, hi);
    while i128::from(holds) - i128::from(fails) > 1 {
        let mid = fails + ((i128::from(holds) - i128::from(fails)) / 2) as i64;
        if run(mid, &mut evidence)? {
            holds = mid;
        } else {
            fails = mid;
        }
    }
    Ok(Search {
        answer: Some(holds),
        evidence,
    })
}

/// Neighbouring points (by value) whose means move against what the target
/// assumes: for `<=`, a mean that rises as the value grows. Bisection may
/// then miss a smaller value that holds.
pub fn against_assumption(op: Op, points: &[(i64, f64)]) -> Vec<((i64, f64), (i64, f64))> {
    let mut sorted = points.to_vec();
    sorted.sort_by_key(|p| p.0);
    sorted
        .windows(2)
        .filter(|w| match op {
            Op::AtMost => w[1].1 > w[0].1,
            Op::AtLeast => w[1].1 < w[0].1,
        })
        .map(|w| (w[0], w[1]))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fake monotone evaluation: holds from `from` on; counts its calls.
    fn search(lo: i64, hi: i64, from: i64) -> Search<()> {
        smallest_holding::<(), ()>(lo, hi, |v| Ok((v >= from, ()))).unwrap()
    }

    fn order(s: &Search<()>) -> Vec<i64> {
        s.evidence.iter().map(|(v, _)| *v).collect()
    }

    #[test]
    fn bisection_finds_the_smallest_holding_value_of_every_range() {
        for lo in -3..4 {
            for hi in lo..12 {
                for from in lo - 1..=hi + 1 {
                    let s = search(lo, hi, from);
                    let want = if from > hi { None } else { Some(from.max(lo)) };
                    assert_eq!(s.answer, want, "{lo}..{hi} holding from {from}");
                    let ran = order(&s);
                    assert_eq!(ran[0], hi, "the top end first");
                    let span = (hi - lo + 1) as f64;
                    assert!(ran.len() as f64 <= span.log2().ceil() + 2.0, "{ran:?}");
                    let mut unique = ran.clone();
                    unique.sort();
                    unique.dedup();
                    assert_eq!(unique.len(), ran.len(), "no value twice: {ran:?}");
                }
            }
        }
    }

    #[test]
    fn both_ends_are_checked_first() {
        // The top fails: nothing else runs, no answer.
        let s = search(4, 12, 13);
        assert_eq!((s.answer, order(&s)), (None, vec![12]));
        // The bottom holds: it is the answer, after the top.
        let s = search(4, 12, 2);
        assert_eq!((s.answer, order(&s)), (Some(4), vec![12, 4]));
        // Between: top, bottom, then halving (8 holds, 6 fails, 7 holds).
        let s = search(4, 12, 7);
        assert_eq!((s.answer, order(&s)), (Some(7), vec![12, 4, 8, 6, 7]));
        // One value: run once.
        let s = search(5, 5, 0);
        assert_eq!((s.answer, order(&s)), (Some(5), vec![5]));
        // Ranges near the ends of i64 do not overflow.
        let s = search(i64::MIN, i64::MAX, 1);
        assert_eq!(s.answer, Some(1));
        assert!(s.evidence.len() <= 66);
    }

    #[test]
    fn an_evaluation_error_stops_the_search() {
        let mut seen = Vec::new();
        let r = smallest_holding(0, 10, |v| {
            seen.push(v);
            if v == 0 { Err("bad point") } else { Ok((true, ())) }
        });
        assert_eq!(r, Err("bad point"));
        assert_eq!(seen, [10, 0]);
    }

    #[test]
    fn targets_read_a_statistic_a_side_and_a_number_or_duration() {
        let t = Target::parse("makespanSeconds <= 2h").unwrap();
        assert_eq!(
            (t.stat.as_str(), t.op, t.bound.value),
            ("makespanSeconds", Op::AtMost, 7200.0)
        );
        assert_eq!(t.to_string(), "makespanSeconds <= 2h");
        assert_eq!(t.bound_shown(), "7200 (2h)");
        let t = Target::parse("jobs.byStatus.Complete>=59.5").unwrap();
        assert_eq!(
            (t.op, t.bound.value, t.bound_shown()),
            (Op::AtLeast, 59.5, "59.5".into())
        );
        assert_eq!(
            t.assumes("spec.x"),
            "jobs.byStatus.Complete rises (or does not fall) as spec.x grows"
        );
        assert!(
            Target::parse("makespanSeconds < 2h")
                .unwrap_err()
                .to_string()
                .contains("no <= or >=")
        );
        assert!(
            Target::parse("<= 2h")
                .unwrap_err()
                .to_string()
                .contains("names no statistic")
        );
        assert!(
            Target::parse("makespanSeconds <=")
                .unwrap_err()
                .to_string()
                .contains("gives no value")
        );
        assert!(Target::parse("makespanSeconds <== 2").is_err());
        assert!(
            Target::parse("makespanSecs <= 2h")
                .unwrap_err()
                .to_string()
                .contains("did you mean")
        );
        assert!(
            Target::parse("makespanSeconds <= soon")
                .unwrap_err()
                .to_string()
                .contains("invalid bound")
        );
        assert!(Target::parse("jobs.byReason.Whatever >= 1").unwrap().warning.is_some());
    }

    fn across(n: usize, mean: f64, ci: Option<(f64, f64)>) -> Across {
        Across {
            n,
            mean,
            ci,
            p05: mean,
            p50: mean,
            p95: mean,
        }
    }

    #[test]
    fn a_target_holds_on_the_unfavourable_bound_and_never_without_the_statistic() {
        let at_most = Target::parse("makespanSeconds <= 100").unwrap();
        let v = at_most.judge(Some(&across(6, 90.0, Some((80.0, 100.0)))), 6);
        assert_eq!((v.holds, v.why.as_str()), (true, "upper bound 100 <= 100"));
        let v = at_most.judge(Some(&across(6, 90.0, Some((80.0, 100.0004)))), 6);
        assert_eq!((v.holds, v.why.as_str()), (false, "upper bound 100 > 100"));
        let at_least = Target::parse("cluster.cpuUtilisation >= 0.9").unwrap();
        let v = at_least.judge(Some(&across(6, 0.95, Some((0.91, 0.99)))), 6);
        assert_eq!((v.holds, v.why.as_str()), (true, "lower bound 0.91 >= 0.9"));
        let v = at_least.judge(Some(&across(6, 0.95, Some((0.8995, 0.99)))), 6);
        assert!(
            !v.holds && v.why.starts_with("lower bound ") && v.why.ends_with("< 0.9"),
            "{}",
            v.why
        );
        let v = at_most.judge(None, 6);
        assert!(
            !v.holds && v.why.contains("absent (in none of 6 replications)"),
            "{}",
            v.why
        );
        let v = at_most.judge(Some(&across(4, 10.0, Some((9.0, 11.0)))), 6);
        assert!(!v.holds && v.why.contains("in only 4 of 6 replications"), "{}", v.why);
        let v = at_most.judge(Some(&across(1, 10.0, None)), 1);
        assert!(!v.holds && v.why.contains("no interval"));
    }

    #[test]
    fn ranges_are_whole_numbers_of_a_settable_path() {
        let v = Vary::parse("spec.cluster.nodePools[0].count=4..12").unwrap();
        assert_eq!(
            (v.path.as_str(), v.lo, v.hi, v.range()),
            ("spec.cluster.nodePools[0].count", 4, 12, "4..12".into())
        );
        assert_eq!(v.setting(7).unwrap().value, serde_json::json!(7));
        assert!(
            Vary::parse("spec.x=4..12:2")
                .unwrap_err()
                .to_string()
                .contains("no step")
        );
        assert!(
            Vary::parse("spec.x=4,6")
                .unwrap_err()
                .to_string()
                .contains("not a range")
        );
        assert!(
            Vary::parse("spec.x=12..4")
                .unwrap_err()
                .to_string()
                .contains("ends before")
        );
        assert!(
            Vary::parse("spec.x=1.5..4")
                .unwrap_err()
                .to_string()
                .contains("whole numbers")
        );
        assert!(
            Vary::parse("cluster.x=1..4")
                .unwrap_err()
                .to_string()
                .contains("must start at spec")
        );
        assert!(Vary::parse("spec.x").unwrap_err().to_string().contains("PATH=LO..HI"));
    }

    #[test]
    fn means_moving_against_the_assumption_are_named() {
        let pts = [(12, 5.0), (4, 20.0), (8, 9.0), (6, 8.0), (7, 10.0)];
        assert_eq!(against_assumption(Op::AtMost, &pts), [((6, 8.0), (7, 10.0))]);
        assert_eq!(against_assumption(Op::AtLeast, &pts).len(), 3);
    }
}
