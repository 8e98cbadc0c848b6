//! Distributions fitted to observed durations, written as the scenario
//! format's distributions.

use crate::time::format_duration;

/// How durations are fitted (`--fit`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum FitKind {
    /// `empirical`: the observed values, resampled uniformly.
    #[default]
    Empirical,
    /// `lognormal`: maximum likelihood on the logarithms of the values.
    Lognormal,
}

/// The most values an `empirical` distribution is given: above it, the
/// observed values' quantiles at `(i + 0.5) / MAX_VALUES`.
pub const MAX_VALUES: usize = 1000;

/// What a value of 0 counts as in a log-normal fit, in milliseconds. Pod
/// times are whole seconds, so an observed 0 is a true time in [0 s, 1 s).
pub const ZERO_AS: f64 = 500.0;

/// A fitted distribution of durations, in milliseconds.
#[derive(Clone, Debug, PartialEq)]
pub enum Fitted {
    /// Every value was the same.
    Constant(u64),
    Empirical(Vec<u64>),
    Lognormal {
        median: u64,
        sigma: f64,
    },
}

/// Fits `values` (milliseconds); `None` when there are none.
pub fn fit(values: &[u64], kind: FitKind) -> Option<Fitted> {
    if values.is_empty() {
        return None;
    }
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    if sorted[0] == sorted[sorted.len() - 1] {
        return Some(Fitted::Constant(sorted[0]));
    }
    Some(match kind {
        FitKind::Empirical => Fitted::Empirical(thin(&sorted)),
        FitKind::Lognormal => {
            let (mu, sigma) = lognormal_mle(&sorted);
            Fitted::Lognormal {
                median: libm::round(libm::exp(mu)) as u64,
                sigma,
            }
        }
    })
}

/// At most [`MAX_VALUES`] values standing for the sorted `values`: all of
/// them, or their quantiles at evenly spaced probabilities.
fn thin(sorted: &[u64]) -> Vec<u64> {
    if sorted.len() <= MAX_VALUES {
        return sorted.to_vec();
    }
    let n = sorted.len();
    (0..MAX_VALUES)
        .map(|i| sorted[((2 * i + 1) * n / (2 * MAX_VALUES)).min(n - 1)])
        .collect()
}

/// The maximum-likelihood `(mu, sigma)` of a log-normal: the mean and the
/// standard deviation (divided by n) of the logarithms, 0 counting as
/// [`ZERO_AS`].
pub fn lognormal_mle(values: &[u64]) -> (f64, f64) {
    let logs: Vec<f64> = values
        .iter()
        .map(|&v| libm::log(if v == 0 { ZERO_AS } else { v as f64 }))
        .collect();
    let n = logs.len() as f64;
    let mu = logs.iter().sum::<f64>() / n;
    let var = logs.iter().map(|l| (l - mu) * (l - mu)).sum::<f64>() / n;
    (mu, libm::sqrt(var))
}

/// The median of sorted values (the lower of the middle two).
pub fn median(sorted: &[u64]) -> Option<u64> {
    (!sorted.is_empty()).then(|| sorted[(sorted.len() - 1) / 2])
}

impl Fitted {
    /// The distribution as scenario YAML (flow style), its values wrapped
    /// onto lines of about 100 characters indented by `indent` spaces.
    pub fn to_yaml(&self, indent: usize) -> String {
        match self {
            Fitted::Constant(v) => format!("{{constant: {}}}", format_duration(*v)),
            Fitted::Lognormal { median, sigma } => {
                format!(
                    "{{lognormal: {{median: {}, sigma: {sigma:.4}}}}}",
                    format_duration(*median)
                )
            }
            Fitted::Empirical(values) => {
                let open = "{empirical: {values: [";
                let items: Vec<String> = values.iter().map(|v| format_duration(*v)).collect();
                super::flow::wrap_flow(open, &items, "]}}", indent, indent + open.len())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lognormal_fit_is_the_mean_and_sd_of_the_logs() {
        // ln 1000, ln 4000: mean ln 2000, sd ln 2.
        let (mu, sigma) = lognormal_mle(&[1000, 4000]);
        assert!((libm::exp(mu) - 2000.0).abs() < 1e-6);
        assert!((sigma - std::f64::consts::LN_2).abs() < 1e-12);
        let Some(Fitted::Lognormal { median, sigma }) = fit(&[4000, 1000], FitKind::Lognormal) else {
            panic!("a log-normal")
        };
        assert_eq!(median, 2000);
        assert!((sigma - std::f64::consts::LN_2).abs() < 1e-12);
        // A 0 counts as half a second; one value fits with sigma 0, and a
        // single value is written as a constant.
        assert_eq!(lognormal_mle(&[0]), (libm::log(500.0), 0.0));
        assert_eq!(fit(&[], FitKind::Lognormal), None);
        assert_eq!(fit(&[3000, 3000], FitKind::Lognormal), Some(Fitted::Constant(3000)));
    }

    #[test]
    fn empirical_keeps_the_sorted_values_up_to_the_limit_then_quantiles() {
        assert_eq!(
            fit(&[3000, 1000, 2000, 1000], FitKind::Empirical),
            Some(Fitted::Empirical(vec![1000, 1000, 2000, 3000]))
        );
        let many: Vec<u64> = (0..10_000).rev().collect();
        let Some(Fitted::Empirical(v)) = fit(&many, FitKind::Empirical) else {
            panic!("empirical")
        };
        assert_eq!(v.len(), MAX_VALUES);
        assert_eq!((v[0], v[499], v[500], v[999]), (5, 4995, 5005, 9995));
    }

    #[test]
    fn yaml_wraps_long_lists_and_reads_back() {
        let values: Vec<u64> = (0..60).map(|i| i * 61_500).collect();
        let text = Fitted::Empirical(values.clone()).to_yaml(8);
        assert!(
            text.lines().count() > 1 && text.lines().all(|l| l.len() <= 100),
            "{text}"
        );
        let doc: serde_json::Value = serde_saphyr::from_str(&format!("d: {text}")).unwrap();
        let read: Vec<u64> = doc["d"]["empirical"]["values"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| crate::time::parse_duration(v.as_str().unwrap()).unwrap())
            .collect();
        assert_eq!(read, values);
        assert_eq!(
            Fitted::Lognormal {
                median: 90_500,
                sigma: 0.5
            }
            .to_yaml(0),
            "{lognormal: {median: 1m30.5s, sigma: 0.5000}}"
        );
    }
}
