//! Kubernetes resource quantities (`resource.Quantity`): `"2"`, `500m`, `4Gi`, `1e3`.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use thiserror::Error;

/// A quantity as written, plus its value in thousandths (milli-units),
/// rounded up as Kubernetes rounds `MilliValue`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Quantity {
    text: String,
    millis: i128,
}

/// Text that is not a quantity, reported in the API server's words.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[error("quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$' (got {text:?})")]
pub struct InvalidQuantity {
    pub text: String,
}

impl Quantity {
    pub fn parse(text: &str) -> Result<Self, InvalidQuantity> {
        let millis = parse_millis(text).ok_or_else(|| InvalidQuantity { text: text.to_string() })?;
        Ok(Quantity {
            text: text.to_string(),
            millis,
        })
    }
    pub fn as_str(&self) -> &str {
        &self.text
    }
    /// Value in milli-units (e.g. millicores), rounded up.
    pub fn milli_value(&self) -> i128 {
        self.millis
    }
    /// Value in whole units, rounded up (`Quantity.Value`).
    pub fn value(&self) -> i128 {
        (self.millis + 999).div_euclid(1000)
    }
}

fn parse_millis(text: &str) -> Option<i128> {
    let s = text.trim();
    let split = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '+' || c == '-'))
        .unwrap_or(s.len());
    let (number, suffix) = s.split_at(split);
    let (negative, digits) = match number.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, number.strip_prefix('+').unwrap_or(number)),
    };
    let (int_part, frac_part) = digits.split_once('.').unwrap_or((digits, ""));
    if int_part.is_empty() && frac_part.is_empty()
        || !int_part.bytes().chain(frac_part.bytes()).all(|b| b.is_ascii_digit())
    {
        return None;
    }
    // Exact rational arithmetic: value = mantissa / 10^frac_len * multiplier.
    let mantissa: i128 = format!("{int_part}{frac_part}").parse().ok()?;
    let mut num = mantissa * 1000; // in milli-units
    let mut den: i128 = 10i128.checked_pow(frac_part.len() as u32)?;
    let (mul_num, mul_den): (i128, i128) = match suffix {
        "" => (1, 1),
        "n" => (1, 1_000_000_000),
        "u" => (1, 1_000_000),
        "m" => (1, 1000),
        "k" => (1000, 1),
        "M" => (1_000_000, 1),
        "G" => (1_000_000_000, 1),
        "T" => (1_000_000_000_000, 1),
        "P" => (1_000_000_000_000_000, 1),
        "E" => (1_000_000_000_000_000_000, 1),
        "Ki" => (1 << 10, 1),
        "Mi" => (1 << 20, 1),
        "Gi" => (1 << 30, 1),
        "Ti" => (1 << 40, 1),
        "Pi" => (1 << 50, 1),
        "Ei" => (1 << 60, 1),
        exp if exp.starts_with(['e', 'E']) => {
            let e: i32 = exp[1..].parse().ok()?;
            if e.unsigned_abs() > 18 {
                return None;
            }
            if e >= 0 {
                (10i128.pow(e as u32), 1)
            } else {
                (1, 10i128.pow((-e) as u32))
            }
        }
        _ => return None,
    };
    num = num.checked_mul(mul_num)?;
    den = den.checked_mul(mul_den)?;
    let v = (num + den - 1).div_euclid(den);
    Some(if negative { -v } else { v })
}

impl Serialize for Quantity {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.text)
    }
}

impl<'de> Deserialize<'de> for Quantity {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // Manifests write `cpu: 2` as a number and `memory: 4Gi` as a string.
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Quantity;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a quantity such as \"2\", \"500m\" or \"4Gi\"")
            }
            fn visit_i64<E: serde::de::Error>(self, i: i64) -> Result<Quantity, E> {
                self.visit_str(&i.to_string())
            }
            fn visit_u64<E: serde::de::Error>(self, i: u64) -> Result<Quantity, E> {
                self.visit_str(&i.to_string())
            }
            fn visit_f64<E: serde::de::Error>(self, f: f64) -> Result<Quantity, E> {
                self.visit_str(&f.to_string())
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Quantity, E> {
                Quantity::parse(s).map_err(E::custom)
            }
        }
        d.deserialize_any(Visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_decimal_binary_and_exponent_suffixes() {
        let m = |s: &str| Quantity::parse(s).unwrap().milli_value();
        assert_eq!(m("2"), 2000);
        assert_eq!(m("500m"), 500);
        assert_eq!(m("0.5"), 500);
        assert_eq!(m("1.5k"), 1_500_000);
        assert_eq!(m("4Gi"), 4 * (1 << 30) * 1000);
        assert_eq!(m("1e3"), 1_000_000);
        assert_eq!(m("1n"), 1, "sub-milli values round up");
        assert_eq!(Quantity::parse("64Mi").unwrap().value(), 64 << 20);
    }

    #[test]
    fn rejects_garbage() {
        for s in ["", "abc", "4GB", "1.2.3", "--1"] {
            assert!(Quantity::parse(s).is_err(), "{s}");
        }
        assert_eq!(
            Quantity::parse("4GB").unwrap_err().to_string(),
            "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$' (got \"4GB\")"
        );
    }
}
