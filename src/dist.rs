//! Duration distributions, sampled with `libm` only so that every platform
//! draws the same bits. Values are in milliseconds and rounded once.

use crate::rng::SimRng;
use crate::time::SimDuration;

/// A distribution of durations, parameters in milliseconds.
#[derive(Clone, Debug, PartialEq)]
pub enum Dist {
    Constant(f64),
    Uniform {
        min: f64,
        max: f64,
    },
    Exponential {
        mean: f64,
    },
    /// Normal, truncated at 0 (negative draws are redrawn).
    Normal {
        mean: f64,
        stddev: f64,
    },
    /// Log-normal with the given median (`exp(mu)`) and `sigma`.
    LogNormal {
        median: f64,
        sigma: f64,
    },
    Weibull {
        shape: f64,
        scale: f64,
    },
    Gamma {
        shape: f64,
        scale: f64,
    },
    /// Resamples the observed values uniformly.
    Empirical(Vec<f64>),
}

impl Dist {
    pub const ZERO: Dist = Dist::Constant(0.0);

    /// One draw, in whole milliseconds.
    /// A draw in milliseconds, never past [`crate::time::MAX_DRAW`]: a
    /// scenario whose distributions could reach it is refused when loaded
    /// ([`Dist::practical_max`]), so the cap only guards the far tail.
    pub fn sample(&self, rng: &mut SimRng) -> SimDuration {
        Self::whole_ms(self.sample_f64(rng))
    }

    /// What every draw of a constant gives; `None` for the other distributions.
    pub fn constant(&self) -> Option<SimDuration> {
        match self {
            Dist::Constant(c) => Some(Self::whole_ms(*c)),
            _ => None,
        }
    }

    fn whole_ms(v: f64) -> SimDuration {
        if v.is_finite() && v > 0.0 {
            (libm::round(v) as SimDuration).min(crate::time::MAX_DRAW)
        } else {
            0
        }
    }

    /// What a draw may practically reach, in milliseconds: the largest value
    /// for bounded distributions, about the one-in-a-billion quantile for the
    /// others (mean + 6 sd, median·e^(6σ), ...).
    pub fn practical_max(&self) -> f64 {
        const TAIL: f64 = 20.723; // ln(1e9)
        match self {
            Dist::Constant(c) => *c,
            Dist::Uniform { max, .. } => *max,
            Dist::Exponential { mean } => mean * TAIL,
            Dist::Normal { mean, stddev } => mean + 6.0 * stddev,
            Dist::LogNormal { median, sigma } => median * libm::exp(6.0 * sigma),
            Dist::Weibull { shape, scale } => scale * libm::pow(TAIL, 1.0 / shape),
            Dist::Gamma { shape, scale } => scale * (shape + 6.0 * libm::sqrt(*shape) + TAIL),
            Dist::Empirical(values) => values.iter().copied().fold(0.0, f64::max),
        }
    }

    pub fn sample_f64(&self, rng: &mut SimRng) -> f64 {
        match self {
            Dist::Constant(c) => *c,
            Dist::Uniform { min, max } => min + (max - min) * rng.unit(),
            Dist::Exponential { mean } => -mean * libm::log(rng.unit_open0()),
            Dist::Normal { mean, stddev } => {
                // Truncated at 0: redraw negatives (bounded, then clamp).
                for _ in 0..64 {
                    let v = mean + stddev * standard_normal(rng);
                    if v >= 0.0 {
                        return v;
                    }
                }
                0.0
            }
            Dist::LogNormal { median, sigma } => median * libm::exp(sigma * standard_normal(rng)),
            Dist::Weibull { shape, scale } => scale * libm::pow(-libm::log(rng.unit_open0()), 1.0 / shape),
            Dist::Gamma { shape, scale } => scale * standard_gamma(*shape, rng),
            Dist::Empirical(values) => {
                if values.is_empty() {
                    return 0.0;
                }
                values[(rng.next_u64() % values.len() as u64) as usize]
            }
        }
    }

    /// The mean of the distribution, in milliseconds (before rounding).
    pub fn mean(&self) -> f64 {
        match self {
            Dist::Constant(c) => *c,
            Dist::Uniform { min, max } => (min + max) / 2.0,
            Dist::Exponential { mean } => *mean,
            Dist::Normal { mean, stddev } => {
                // Mean of a normal truncated below at 0.
                let a = -mean / stddev;
                let pdf = libm::exp(-a * a / 2.0) / libm::sqrt(2.0 * std::f64::consts::PI);
                let cdf = 0.5 * libm::erfc(-a / std::f64::consts::SQRT_2);
                mean + stddev * pdf / (1.0 - cdf)
            }
            Dist::LogNormal { median, sigma } => median * libm::exp(sigma * sigma / 2.0),
            Dist::Weibull { shape, scale } => scale * libm::tgamma(1.0 + 1.0 / shape),
            Dist::Gamma { shape, scale } => shape * scale,
            Dist::Empirical(v) => v.iter().sum::<f64>() / v.len().max(1) as f64,
        }
    }
}

/// Marsaglia's polar method (one value; the twin is discarded to keep draws
/// independent of call order).
fn standard_normal(rng: &mut SimRng) -> f64 {
    loop {
        let u = 2.0 * rng.unit() - 1.0;
        let v = 2.0 * rng.unit() - 1.0;
        let s = u * u + v * v;
        if s > 0.0 && s < 1.0 {
            return u * libm::sqrt(-2.0 * libm::log(s) / s);
        }
    }
}

/// Marsaglia–Tsang; shapes below 1 use the boost `G(a) = G(a+1) · U^(1/a)`.
fn standard_gamma(shape: f64, rng: &mut SimRng) -> f64 {
    if shape < 1.0 {
        let u = rng.unit_open0();
        return standard_gamma(shape + 1.0, rng) * libm::pow(u, 1.0 / shape);
    }
    let d = shape - 1.0 / 3.0;
    let c = 1.0 / libm::sqrt(9.0 * d);
    loop {
        let x = standard_normal(rng);
        let v = 1.0 + c * x;
        if v <= 0.0 {
            continue;
        }
        let v = v * v * v;
        let u = rng.unit_open0();
        if libm::log(u) < 0.5 * x * x + d - d * v + d * libm::log(v) {
            return d * v;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_constant_is_what_every_draw_of_it_gives() {
        let mut rng = crate::rng::StreamKey::new(1, 0).stream(crate::rng::Purpose::PodAttempt, &[]);
        for c in [0.0, 0.4, 0.5, 1999.5, 2000.0, -3.0, f64::NAN, 1e300] {
            let d = Dist::Constant(c);
            assert_eq!(d.constant(), Some(d.sample(&mut rng)), "constant {c}");
        }
        assert_eq!(Dist::Exponential { mean: 1.0 }.constant(), None);
    }

    #[test]
    fn practical_max_bounds_the_far_tail_and_draws_never_pass_the_cap() {
        let h = 3_600_000.0;
        assert_eq!(Dist::Uniform { min: 1.0, max: 5.0 }.practical_max(), 5.0);
        assert!((Dist::Exponential { mean: h }.practical_max() / h - 20.723).abs() < 1e-9);
        let wild = Dist::LogNormal { median: h, sigma: 80.0 };
        assert!(wild.practical_max() > crate::time::MAX_DRAW as f64);
        let tame = Dist::LogNormal { median: h, sigma: 0.5 };
        assert!(tame.practical_max() < 25.0 * h);
        // The cap holds even for a distribution the loader would refuse.
        let mut rng = crate::rng::StreamKey::new(1, 0).stream(crate::rng::Purpose::Scheduling, &[1]);
        for _ in 0..1000 {
            assert!(wild.sample(&mut rng) <= crate::time::MAX_DRAW);
        }
    }
    use crate::rng::{Purpose, StreamKey};

    fn draws(d: &Dist, n: usize) -> Vec<f64> {
        let key = StreamKey::new(2026, 0);
        let mut rng = key.stream(Purpose::PodAttempt, &[99]);
        (0..n).map(|_| d.sample_f64(&mut rng)).collect()
    }

    fn quantile(v: &mut [f64], q: f64) -> f64 {
        v.sort_by(f64::total_cmp);
        v[((v.len() - 1) as f64 * q) as usize]
    }

    fn assert_close(what: &str, got: f64, want: f64, rel: f64) {
        assert!(
            (got - want).abs() <= rel * want.abs(),
            "{what}: got {got}, want {want} ±{}%",
            rel * 100.0
        );
    }

    #[test]
    fn sampled_bits_are_pinned() {
        // Changing a sampler changes every result: update these only on purpose.
        let key = StreamKey::new(7, 0);
        let mut rng = key.stream(Purpose::PodAttempt, &[1]);
        let got: Vec<u64> = [
            Dist::Exponential { mean: 10_000.0 },
            Dist::LogNormal {
                median: 60_000.0,
                sigma: 0.5,
            },
            Dist::Weibull {
                shape: 1.5,
                scale: 30_000.0,
            },
            Dist::Gamma {
                shape: 2.0,
                scale: 5_000.0,
            },
            Dist::Normal {
                mean: 1_000.0,
                stddev: 300.0,
            },
            Dist::Uniform {
                min: 2_000.0,
                max: 10_000.0,
            },
        ]
        .iter()
        .map(|d| d.sample_f64(&mut rng).to_bits())
        .collect();
        assert_eq!(
            got,
            PINNED.to_vec(),
            "{:?}",
            got.iter().map(|b| format!("{b:#018x}")).collect::<Vec<_>>()
        );
    }
    const PINNED: [u64; 6] = [
        0x40be25033ad34fe7,
        0x40ef6d83034374e5,
        0x40d39345f33da0ba,
        0x40b70c978c5ab460,
        0x4093b27f819ff397,
        0x40a3bfc0bba1bf27,
    ];

    #[test]
    fn exponential_matches_its_definition() {
        let mut v = draws(&Dist::Exponential { mean: 1000.0 }, 100_000);
        assert_close("mean", v.iter().sum::<f64>() / v.len() as f64, 1000.0, 0.02);
        assert_close("median", quantile(&mut v, 0.5), 1000.0 * std::f64::consts::LN_2, 0.03);
        assert_close("p90", quantile(&mut v, 0.9), 1000.0 * libm::log(10.0), 0.03);
    }

    #[test]
    fn lognormal_matches_its_definition() {
        let d = Dist::LogNormal {
            median: 8000.0,
            sigma: 0.5,
        };
        let mut v = draws(&d, 100_000);
        assert_close("mean", v.iter().sum::<f64>() / v.len() as f64, d.mean(), 0.02);
        assert_close("median", quantile(&mut v, 0.5), 8000.0, 0.02);
        assert_close("p84", quantile(&mut v, 0.8413), 8000.0 * libm::exp(0.5), 0.03);
    }

    #[test]
    fn normal_weibull_gamma_uniform_means() {
        for d in [
            Dist::Normal {
                mean: 1000.0,
                stddev: 200.0,
            },
            Dist::Normal {
                mean: 100.0,
                stddev: 200.0,
            },
            Dist::Weibull {
                shape: 1.5,
                scale: 3000.0,
            },
            Dist::Weibull {
                shape: 0.7,
                scale: 3000.0,
            },
            Dist::Gamma {
                shape: 2.5,
                scale: 400.0,
            },
            Dist::Gamma {
                shape: 0.5,
                scale: 400.0,
            },
            Dist::Uniform {
                min: 2000.0,
                max: 10_000.0,
            },
            Dist::Empirical(vec![1.0, 2.0, 3.0, 10.0]),
        ] {
            let v = draws(&d, 100_000);
            assert!(v.iter().all(|x| *x >= 0.0), "{d:?} drew a negative duration");
            assert_close(
                &format!("{d:?} mean"),
                v.iter().sum::<f64>() / v.len() as f64,
                d.mean(),
                0.02,
            );
        }
    }

    #[test]
    fn weibull_median_and_uniform_bounds() {
        let mut v = draws(
            &Dist::Weibull {
                shape: 2.0,
                scale: 1000.0,
            },
            100_000,
        );
        assert_close(
            "median",
            quantile(&mut v, 0.5),
            1000.0 * libm::sqrt(libm::log(2.0)),
            0.02,
        );
        let u = draws(&Dist::Uniform { min: 5.0, max: 7.0 }, 10_000);
        assert!(u.iter().all(|x| (5.0..7.0).contains(x)));
    }

    #[test]
    fn samples_round_once_to_milliseconds() {
        let key = StreamKey::new(1, 0);
        let mut rng = key.stream(Purpose::PodAttempt, &[]);
        assert_eq!(Dist::Constant(1499.6).sample(&mut rng), 1500);
        assert_eq!(Dist::Constant(-5.0).sample(&mut rng), 0);
    }
}
