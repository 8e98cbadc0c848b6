//! The points of a study: `--set PATH=VALUES` axes, and their grid.
//!
//! VALUES is a list (`4,6,8`, split at commas outside brackets and quotes,
//! so `{constant: 5s},{constant: 10s}` is two values) or an inclusive range
//! of whole numbers (`4..12`, `4..12:2`).

use crate::scenario::set::{SetError, Setting, parse_setting};

/// Points a study may have: each is a full set of replications.
pub const MAX_POINTS: usize = 10_000;

/// Why a `--set PATH=VALUES` axis is refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AxisError {
    #[error("--set {0}: expected PATH=VALUES, e.g. spec.cluster.nodePools[0].count=4,6,8 or =4..12:2")]
    NoEquals(String),
    #[error("--set {given}: {reason}")]
    Values { given: String, reason: ValuesError },
    /// One of the values, as a setting of the path.
    #[error(transparent)]
    Set(#[from] SetError),
}

/// What is wrong with VALUES: a range (`LO..HI`, `LO..HI:STEP`) or a list.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ValuesError {
    /// `what`: the range's start, end or step, as given.
    #[error("the range {range:?} needs whole numbers: its {what} is {given:?}")]
    NotWhole {
        range: String,
        what: &'static str,
        given: String,
    },
    #[error("the range {0:?} needs a step of 1 or more")]
    Step(String),
    #[error("the range {0:?} ends before it starts")]
    Backwards(String),
    #[error("the range {range:?} has {n} values; at most {MAX_POINTS}")]
    TooMany { range: String, n: i64 },
    #[error("the list {0:?} has an empty value")]
    EmptyValue(String),
}

/// One swept path and its values, in order.
#[derive(Clone, Debug, PartialEq)]
pub struct Axis {
    pub path: String,
    /// Each value as a setting of `path`.
    pub values: Vec<Setting>,
}

impl Axis {
    /// Reads `PATH=VALUES`.
    pub fn parse(given: &str) -> Result<Axis, AxisError> {
        let Some((path, values)) = given.split_once('=') else {
            return Err(AxisError::NoEquals(given.to_string()));
        };
        let texts = parse_values(values.trim()).map_err(|reason| AxisError::Values {
            given: given.to_string(),
            reason,
        })?;
        let values = texts
            .iter()
            .map(|v| parse_setting(&format!("{}={v}", path.trim())))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Axis {
            path: path.trim().to_string(),
            values,
        })
    }
}

/// The values of `VALUES`: a range of whole numbers or a list.
pub fn parse_values(text: &str) -> Result<Vec<String>, ValuesError> {
    if let Some((lo, rest)) = text.split_once("..")
        && !lo.contains([',', '{', '['])
    {
        let (hi, step) = rest.split_once(':').unwrap_or((rest, "1"));
        let num = |s: &str, what| whole(text, s, what);
        let (lo, hi, step) = (num(lo, "start")?, num(hi, "end")?, num(step, "step")?);
        if step <= 0 {
            return Err(ValuesError::Step(text.to_string()));
        }
        if hi < lo {
            return Err(ValuesError::Backwards(text.to_string()));
        }
        let n = (hi - lo) / step + 1;
        if n as u64 > MAX_POINTS as u64 {
            return Err(ValuesError::TooMany {
                range: text.to_string(),
                n,
            });
        }
        return Ok((0..n).map(|i| (lo + i * step).to_string()).collect());
    }
    let mut values = Vec::new();
    let (mut depth, mut quote, mut start) = (0i32, None::<char>, 0);
    for (i, c) in text.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '{' | '[') => depth += 1,
            (None, '}' | ']') => depth -= 1,
            (None, ',') if depth == 0 => {
                values.push(text[start..i].trim().to_string());
                start = i + 1;
            }
            _ => {}
        }
    }
    values.push(text[start..].trim().to_string());
    if values.iter().any(String::is_empty) {
        return Err(ValuesError::EmptyValue(text.to_string()));
    }
    Ok(values)
}

/// `given`, the `what` (start, end or step) of `range`, as a whole number.
pub fn whole(range: &str, given: &str, what: &'static str) -> Result<i64, ValuesError> {
    given.trim().parse::<i64>().map_err(|_| ValuesError::NotWhole {
        range: range.to_string(),
        what,
        given: given.trim().to_string(),
    })
}

/// A grid of more than [`MAX_POINTS`] points.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the sweep has more than {MAX_POINTS} points; sweep fewer values")]
pub struct TooManyPoints;

/// Every combination of the axes' values, the first axis slowest: each point
/// is its settings, one per axis, in axis order.
pub fn grid(axes: &[Axis]) -> Result<Vec<Vec<Setting>>, TooManyPoints> {
    let total = axes
        .iter()
        .try_fold(1usize, |n, a| n.checked_mul(a.values.len()))
        .filter(|n| *n <= MAX_POINTS)
        .ok_or(TooManyPoints)?;
    let mut points = Vec::with_capacity(total);
    for i in 0..total {
        let mut rest = i;
        let mut point = vec![None; axes.len()];
        for (k, a) in axes.iter().enumerate().rev() {
            point[k] = Some(a.values[rest % a.values.len()].clone());
            rest /= a.values.len();
        }
        points.push(point.into_iter().map(|s| s.expect("every axis")).collect());
    }
    Ok(points)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_lists_or_inclusive_ranges() {
        assert_eq!(parse_values("4,6,8").unwrap(), ["4", "6", "8"]);
        assert_eq!(parse_values("4..8").unwrap(), ["4", "5", "6", "7", "8"]);
        assert_eq!(parse_values("4..12:4").unwrap(), ["4", "8", "12"]);
        assert_eq!(parse_values("4..11:4").unwrap(), ["4", "8"]);
        assert_eq!(
            parse_values("{constant: 5s},{constant: 10s}, \"a,b\"").unwrap(),
            ["{constant: 5s}", "{constant: 10s}", "\"a,b\""]
        );
        assert!(parse_values("4..2").unwrap_err().to_string().contains("ends before"));
        assert!(parse_values("4..8:0").unwrap_err().to_string().contains("step"));
        assert!(
            parse_values("1.5..3")
                .unwrap_err()
                .to_string()
                .contains("whole numbers")
        );
        assert!(parse_values("4,,6").unwrap_err().to_string().contains("empty"));
        assert!(parse_values("0..1000000").unwrap_err().to_string().contains("at most"));
    }

    #[test]
    fn the_grid_varies_the_last_axis_fastest() {
        let a = Axis::parse("spec.cluster.nodePools[0].count=4,6").unwrap();
        let b = Axis::parse("spec.controllerManager.kubeAPIQPS=20..30:10").unwrap();
        let g = grid(&[a, b]).unwrap();
        let texts: Vec<Vec<&str>> = g.iter().map(|p| p.iter().map(|s| s.text.as_str()).collect()).collect();
        assert_eq!(texts, [["4", "20"], ["4", "30"], ["6", "20"], ["6", "30"]]);
        assert_eq!(g[3][1].value, serde_json::json!(30));
        let e = Axis::parse("spec.x").unwrap_err();
        assert!(e.to_string().contains("PATH=VALUES"));
    }
}
