//! Virtual time: integer milliseconds since the start of a run, and Go
//! duration strings (`500ms`, `30s`, `1h30m`) as scenarios write them.

/// Milliseconds since t=0 of a run.
pub type SimTime = u64;
/// A span of virtual time in milliseconds.
pub type SimDuration = u64;

pub const SECOND: SimDuration = 1000;
pub const MINUTE: SimDuration = 60 * SECOND;
pub const HOUR: SimDuration = 60 * MINUTE;
/// The longest duration a distribution may draw: 100 years. Times stay far
/// inside what the API writes (RFC 3339, years up to 9999) and sums of
/// durations far inside `u64`.
pub const MAX_DRAW: SimDuration = 36_525 * 24 * HOUR;

/// Why a text is not a duration; each carries the text as given.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DurationError {
    #[error("invalid duration {0:?}: use a Go duration such as \"500ms\", \"30s\" or \"1h30m\"")]
    Invalid(String),
    #[error("invalid duration {0:?}: must not be negative")]
    Negative(String),
    #[error("invalid duration {0:?}: too large")]
    TooLarge(String),
}

/// Parses a Go duration (`time.ParseDuration`): a sequence of decimal numbers
/// with units `ns`, `us`/`µs`, `ms`, `s`, `m`, `h`, e.g. `1h30m`, `2.5s`, `0`.
/// Returns milliseconds, rounded to the nearest; negative durations are an error.
pub fn parse_duration(s: &str) -> Result<SimDuration, DurationError> {
    let t = s.trim();
    let bad = || DurationError::Invalid(s.to_string());
    if t.starts_with('-') {
        return Err(DurationError::Negative(s.to_string()));
    }
    let t = t.strip_prefix('+').unwrap_or(t);
    if t == "0" {
        return Ok(0);
    }
    if t.is_empty() {
        return Err(bad());
    }
    let mut total_ns: f64 = 0.0;
    let mut rest = t;
    while !rest.is_empty() {
        let num_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        if num_len == 0 {
            return Err(bad());
        }
        let value: f64 = rest[..num_len].parse().map_err(|_| bad())?;
        rest = &rest[num_len..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let unit_ns = match &rest[..unit_len] {
            "ns" => 1.0,
            "us" | "µs" | "μs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            _ => return Err(bad()),
        };
        rest = &rest[unit_len..];
        total_ns += value * unit_ns;
    }
    let ms = (total_ns / 1e6).round();
    if !ms.is_finite() || ms > 1e15 {
        return Err(DurationError::TooLarge(s.to_string()));
    }
    Ok(ms as SimDuration)
}

/// Formats milliseconds as a Go duration (`1h30m0s`, `1.5s`, `250ms`, `0s`).
pub fn format_duration(ms: SimDuration) -> String {
    if ms == 0 {
        return "0s".into();
    }
    if ms < SECOND {
        return format!("{ms}ms");
    }
    let (h, m, s, frac) = (ms / HOUR, ms % HOUR / MINUTE, ms % MINUTE / SECOND, ms % SECOND);
    let secs = if frac == 0 {
        format!("{s}s")
    } else {
        format!("{s}.{}s", format!("{frac:03}").trim_end_matches('0'))
    };
    match (h, m) {
        (0, 0) => secs,
        (0, m) => format!("{m}m{secs}"),
        (h, m) => format!("{h}h{m}m{secs}"),
    }
}

/// Seconds with three decimals (`12.345`), as the CSV outputs write times.
pub fn format_seconds(ms: SimTime) -> String {
    let mut s = Vec::with_capacity(16);
    push_seconds(&mut s, ms);
    String::from_utf8(s).expect("ASCII digits")
}

/// Appends `ms` as seconds with three decimals (`12.005`), without the
/// formatting machinery: output files carry one per row. Bytes, not a
/// `String`, so that the fraction is one fixed-size copy.
pub fn push_seconds(out: &mut Vec<u8>, ms: SimTime) {
    out.extend_from_slice(itoa::Buffer::new().format(ms / 1000).as_bytes());
    push_millis(out, ms);
}

/// Appends `.mmm`, the fraction of a second of `ms`, as one fixed-size copy.
#[inline]
fn push_millis(out: &mut Vec<u8>, ms: SimTime) {
    let frac = (ms % 1000) as u16;
    let digit = |d: u16| b'0' + d as u8;
    out.extend_from_slice(&[b'.', digit(frac / 100), digit(frac / 10 % 10), digit(frac % 10)]);
}

/// [`push_seconds`] for a stream of times that mostly repeat their whole
/// second, as a timeline's rows do (half of them share the time of the row
/// before): it keeps the digits of the last whole second it wrote.
#[derive(Clone, Debug, Default)]
pub struct SecondsWriter {
    /// The whole second in `digits`, if any.
    second: Option<SimTime>,
    digits: [u8; 20],
    len: u8,
}

impl SecondsWriter {
    #[inline]
    pub fn push(&mut self, out: &mut Vec<u8>, ms: SimTime) {
        let second = ms / 1000;
        if self.second != Some(second) {
            self.new_second(second);
        }
        out.extend_from_slice(&self.digits[..self.len as usize]);
        push_millis(out, ms);
    }

    #[cold]
    fn new_second(&mut self, second: SimTime) {
        let mut buf = itoa::Buffer::new();
        let text = buf.format(second).as_bytes();
        self.digits[..text.len()].copy_from_slice(text);
        self.len = text.len() as u8;
        self.second = Some(second);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_go_durations() {
        assert_eq!(parse_duration("500ms"), Ok(500));
        assert_eq!(parse_duration("30s"), Ok(30_000));
        assert_eq!(parse_duration("1h30m"), Ok(5_400_000));
        assert_eq!(parse_duration("2.5s"), Ok(2_500));
        assert_eq!(parse_duration("1m0.5s"), Ok(60_500));
        assert_eq!(parse_duration("0"), Ok(0));
        assert_eq!(parse_duration("1500us"), Ok(2));
        assert!(
            parse_duration("-5s")
                .unwrap_err()
                .to_string()
                .contains("must not be negative")
        );
        for bad in ["", "5", "5 s", "1d", "h", "1.2.3s"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }

    /// The messages scenarios and `--until` report.
    #[test]
    fn duration_errors_name_the_text_and_the_problem() {
        let msg = |s: &str| parse_duration(s).unwrap_err().to_string();
        assert_eq!(
            msg("5 minutes"),
            "invalid duration \"5 minutes\": use a Go duration such as \"500ms\", \"30s\" or \"1h30m\""
        );
        assert_eq!(msg("-3s"), "invalid duration \"-3s\": must not be negative");
        assert_eq!(msg("9999999999h"), "invalid duration \"9999999999h\": too large");
    }

    /// The writer gives `push_seconds`'s text for every time, whether it
    /// repeats the second before, moves on, or goes back.
    #[test]
    fn seconds_writer_matches_push_seconds() {
        let mut w = SecondsWriter::default();
        let (mut got, mut want) = (Vec::new(), Vec::new());
        let within_and_across_seconds = [0, 0, 999, 1_000, 1_001, 1_000];
        let jumps = [59_999, 5, 123_456_789, 123_456_000, u64::MAX, 7];
        for t in within_and_across_seconds.into_iter().chain(jumps) {
            w.push(&mut got, t);
            got.push(b' ');
            push_seconds(&mut want, t);
            want.push(b' ');
        }
        assert_eq!(String::from_utf8(got).unwrap(), String::from_utf8(want).unwrap());
        let mut one = Vec::new();
        SecondsWriter::default().push(&mut one, 123_456_789);
        assert_eq!(one, b"123456.789");
    }

    #[test]
    fn formats_go_durations_and_seconds() {
        assert_eq!(format_duration(5_400_000), "1h30m0s");
        assert_eq!(format_duration(1_500), "1.5s");
        assert_eq!(format_duration(250), "250ms");
        assert_eq!(format_duration(61_000), "1m1s");
        assert_eq!(format_seconds(12_345), "12.345");
        assert_eq!(format_seconds(5), "0.005");
        assert_eq!(format_seconds(0), "0.000");
        assert_eq!(format_seconds(1_000), "1.000");
        assert_eq!(format_seconds(102_030), "102.030");
        assert_eq!(format_seconds(u64::MAX), "18446744073709551.615");
    }
}
