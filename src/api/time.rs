//! `metav1.Time`: an instant with millisecond resolution, written as RFC 3339.
//!
//! Kubernetes serialises times to whole seconds (`2026-01-01T00:00:00Z`); the
//! simulator keeps milliseconds internally so that sub-second latencies add up
//! correctly, and truncates only when it writes a timestamp.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use thiserror::Error;

/// Milliseconds since the Unix epoch (negative before 1970).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Time(pub i64);

/// Text that is not an RFC 3339 time.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[error("{text:?} is not an RFC 3339 time (for example \"2026-01-01T00:00:00Z\")")]
pub struct InvalidTime {
    pub text: String,
}

/// Go's zero `time.Time` (0001-01-01T00:00:00Z), which Kubernetes treats as "unset".
pub const GO_ZERO_TIME: Time = Time(-62_135_596_800_000);

impl Time {
    pub const fn from_millis(ms: i64) -> Self {
        Time(ms)
    }
    pub const fn from_secs(s: i64) -> Self {
        Time(s * 1000)
    }
    pub const fn millis(self) -> i64 {
        self.0
    }
    /// Whether this is Go's zero time (`IsZero`).
    pub fn is_zero(self) -> bool {
        self == GO_ZERO_TIME
    }
    /// `self + ms`.
    pub const fn add_millis(self, ms: i64) -> Self {
        Time(self.0 + ms)
    }
    /// The time as the API server stores a `metav1.Time`: whole seconds, so
    /// what a controller reads back from an object has no fraction.
    pub fn whole_seconds(self) -> Time {
        Time::from_secs(self.unix_seconds())
    }
    /// Whole seconds, truncated towards negative infinity (what RFC 3339 output shows).
    pub fn unix_seconds(self) -> i64 {
        self.0.div_euclid(1000)
    }

    /// Parses an RFC 3339 timestamp such as `2026-01-01T00:00:00Z`,
    /// `2026-01-01T00:00:00.250Z` or `2026-01-01T01:00:00+01:00`.
    pub fn parse_rfc3339(s: &str) -> Result<Self, InvalidTime> {
        let err = || InvalidTime { text: s.to_string() };
        let b = s.as_bytes();
        if b.len() < 20
            || b[4] != b'-'
            || b[7] != b'-'
            || !(b[10] == b'T' || b[10] == b't')
            || b[13] != b':'
            || b[16] != b':'
        {
            return Err(err());
        }
        let num = |r: std::ops::Range<usize>| -> Result<i64, InvalidTime> {
            let part = s.get(r).ok_or_else(err)?;
            if !part.bytes().all(|c| c.is_ascii_digit()) {
                return Err(err());
            }
            part.parse::<i64>().map_err(|_| err())
        };
        let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
        let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
        if !(1..=12).contains(&month)
            || day < 1
            || day > days_in_month(year, month)
            || hour > 23
            || minute > 59
            || second > 60
        {
            return Err(err());
        }
        let mut i = 19;
        let mut millis = 0i64;
        if b[i] == b'.' {
            i += 1;
            let start = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            if i == start {
                return Err(err());
            }
            let frac = &s[start..i.min(start + 3)];
            millis = frac.parse::<i64>().map_err(|_| err())? * 10i64.pow(3 - frac.len() as u32);
        }
        let offset_secs = match b.get(i) {
            Some(b'Z') | Some(b'z') if i + 1 == b.len() => 0,
            Some(sign @ (b'+' | b'-')) if i + 6 == b.len() && b[i + 3] == b':' => {
                let h = num(i + 1..i + 3)?;
                let m = num(i + 4..i + 6)?;
                let v = h * 3600 + m * 60;
                if *sign == b'+' { v } else { -v }
            }
            _ => return Err(err()),
        };
        let days = days_from_civil(year, month, day);
        let secs = days * 86_400 + hour * 3600 + minute * 60 + second - offset_secs;
        Ok(Time(secs * 1000 + millis))
    }

    /// RFC 3339 in UTC with whole seconds, as Kubernetes writes `metav1.Time`.
    pub fn to_rfc3339(self) -> String {
        self.with_rfc3339(str::to_string)
    }

    /// Calls `f` with the RFC 3339 text, without allocating for years 0 to 9999.
    pub fn with_rfc3339<R>(self, f: impl FnOnce(&str) -> R) -> R {
        let secs = self.unix_seconds();
        let days = secs.div_euclid(86_400);
        let rem = secs.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        if !(0..=9999).contains(&y) {
            return f(&format!(
                "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
                rem / 3600,
                rem % 3600 / 60,
                rem % 60
            ));
        }
        // Hand-rolled: this runs for every timestamp of every Job written out.
        let two = |v: i64| [b'0' + (v / 10) as u8, b'0' + (v % 10) as u8];
        let mut b = [0u8; 20];
        b[..4].copy_from_slice(&[
            b'0' + (y / 1000) as u8,
            b'0' + (y / 100 % 10) as u8,
            b'0' + (y / 10 % 10) as u8,
            b'0' + (y % 10) as u8,
        ]);
        b[4] = b'-';
        b[5..7].copy_from_slice(&two(m));
        b[7] = b'-';
        b[8..10].copy_from_slice(&two(d));
        b[10] = b'T';
        b[11..13].copy_from_slice(&two(rem / 3600));
        b[13] = b':';
        b[14..16].copy_from_slice(&two(rem % 3600 / 60));
        b[16] = b':';
        b[17..19].copy_from_slice(&two(rem % 60));
        b[19] = b'Z';
        f(std::str::from_utf8(&b).expect("ASCII"))
    }
}

impl fmt::Display for Time {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.with_rfc3339(|s| f.write_str(s))
    }
}

impl Serialize for Time {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.with_rfc3339(|t| s.serialize_str(t))
    }
}

impl<'de> Deserialize<'de> for Time {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Time::parse_rfc3339(&s).map_err(serde::de::Error::custom)
    }
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_rfc3339() {
        for s in [
            "1970-01-01T00:00:00Z",
            "2009-11-10T23:00:00Z",
            "0001-01-01T00:00:01Z",
            "2026-02-28T23:59:59Z",
            "2024-02-29T12:00:00Z",
        ] {
            assert_eq!(Time::parse_rfc3339(s).unwrap().to_rfc3339(), s);
        }
        assert_eq!(Time::parse_rfc3339("0001-01-01T00:00:00Z").unwrap(), GO_ZERO_TIME);
        assert_eq!(Time::parse_rfc3339("1970-01-01T00:00:01.5Z").unwrap(), Time(1500));
        assert_eq!(Time::parse_rfc3339("1970-01-01T01:00:00+01:00").unwrap(), Time(0));
    }

    #[test]
    fn rejects_malformed_times() {
        for s in [
            "2026-13-01T00:00:00Z",
            "2026-02-30T00:00:00Z",
            "2026-01-01 00:00:00Z",
            "yesterday",
            "2026-01-01T00:00:00",
        ] {
            assert!(Time::parse_rfc3339(s).is_err(), "{s}");
        }
        assert_eq!(
            Time::parse_rfc3339("yesterday").unwrap_err().to_string(),
            "\"yesterday\" is not an RFC 3339 time (for example \"2026-01-01T00:00:00Z\")"
        );
    }

    #[test]
    fn output_truncates_to_seconds() {
        assert_eq!(Time(1999).to_rfc3339(), "1970-01-01T00:00:01Z");
        assert_eq!(Time(-1).to_rfc3339(), "1969-12-31T23:59:59Z");
    }
}
