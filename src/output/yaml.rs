//! YAML as `kubectl get -o yaml` prints it: keys sorted, two-space indents,
//! sequences at their parent's indent, and strings quoted when YAML would
//! read them as something else (`"True"`, `"2"`, timestamps, `""`).

use serde_json::Value;
use std::fmt::Write;

/// Renders a value as a YAML document (no leading `---`).
pub fn to_yaml(value: &Value) -> String {
    let mut out = String::with_capacity(2048);
    match value {
        Value::Object(m) if !m.is_empty() => write_map(&mut out, m, 0),
        Value::Array(a) if !a.is_empty() => write_seq(&mut out, a, 0),
        other => {
            out.push_str(&scalar(other));
            out.push('\n');
        }
    }
    out
}

fn indent(out: &mut String, n: usize) {
    for _ in 0..n {
        out.push(' ');
    }
}

fn write_map(out: &mut String, m: &serde_json::Map<String, Value>, level: usize) {
    for (k, v) in m {
        indent(out, level);
        out.push_str(&key(k));
        out.push(':');
        write_value_after_key(out, v, level);
    }
}

fn write_value_after_key(out: &mut String, v: &Value, level: usize) {
    match v {
        Value::Object(m) if !m.is_empty() => {
            out.push('\n');
            write_map(out, m, level + 2);
        }
        Value::Array(a) if !a.is_empty() => {
            out.push('\n');
            write_seq(out, a, level);
        }
        other => {
            out.push(' ');
            out.push_str(&scalar(other));
            out.push('\n');
        }
    }
}

fn write_seq(out: &mut String, a: &[Value], level: usize) {
    for item in a {
        indent(out, level);
        out.push_str("- ");
        match item {
            Value::Object(m) if !m.is_empty() => {
                // The first key shares the dash's line.
                let mut first = true;
                for (k, v) in m {
                    if !first {
                        indent(out, level + 2);
                    }
                    first = false;
                    out.push_str(&key(k));
                    out.push(':');
                    write_value_after_key(out, v, level + 2);
                }
            }
            Value::Array(inner) if !inner.is_empty() => {
                out.push('\n');
                write_seq(out, inner, level + 2);
            }
            other => {
                out.push_str(&scalar(other));
                out.push('\n');
            }
        }
    }
}

fn key(k: &str) -> std::borrow::Cow<'_, str> {
    if needs_quotes(k) { quote(k).into() } else { k.into() }
}

fn scalar(v: &Value) -> std::borrow::Cow<'_, str> {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => if *b { "true" } else { "false" }.into(),
        Value::Number(n) => n.to_string().into(),
        Value::String(s) => {
            if needs_quotes(s) {
                quote(s).into()
            } else {
                s.as_str().into()
            }
        }
        Value::Array(_) => "[]".into(),
        Value::Object(_) => "{}".into(),
    }
}

/// Whether a plain scalar would not read back as this string.
fn needs_quotes(s: &str) -> bool {
    let b = s.as_bytes();
    let Some(&first) = b.first() else { return true };
    // Fast path: words of letters, digits and `-_./` that start with a letter
    // and are not YAML's boolean or null words.
    if first.is_ascii_alphabetic()
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.' | b'/'))
    {
        return is_special_word(s);
    }
    if s.trim() != s || is_special_word(s) || looks_numeric(s) || looks_like_timestamp(s) {
        return true;
    }
    // A leading indicator character changes the meaning, except a dash that
    // starts a word (`-wle`, `-Mbignum=bpi`).
    let first = first as char;
    let dash_word = first == '-' && s.len() > 1 && !s[1..].starts_with(' ');
    if "-?:,[]{}#&*!|>'\"%@`".contains(first) && !dash_word {
        return true;
    }
    s.contains(": ") || s.contains(" #") || s.ends_with(':') || s.chars().any(|c| c.is_control())
}

/// YAML 1.1 booleans and nulls, in any case.
fn is_special_word(s: &str) -> bool {
    s.len() <= 5
        && ["true", "false", "yes", "no", "y", "n", "on", "off", "null", "~"]
            .iter()
            .any(|w| w.eq_ignore_ascii_case(s))
}

fn looks_numeric(s: &str) -> bool {
    let t = s.strip_prefix(['+', '-']).unwrap_or(s);
    if t.is_empty() {
        return false;
    }
    if [".inf", ".nan"].iter().any(|w| w.eq_ignore_ascii_case(t))
        || t.len() > 1 && t.as_bytes()[0] == b'0' && matches!(t.as_bytes()[1], b'x' | b'X' | b'o' | b'O')
    {
        return true;
    }
    // Integers (also with `_` as YAML 1.1 allows), decimals and exponents.
    let mut seen_digit = false;
    for c in t.bytes() {
        match c {
            b'0'..=b'9' => seen_digit = true,
            b'.' | b'e' | b'E' | b'_' | b'+' | b'-' => {}
            _ => return false,
        }
    }
    seen_digit
}

fn looks_like_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 10
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b[5..7].iter().all(u8::is_ascii_digit)
        && b[7] == b'-'
        && b[8..10].iter().all(u8::is_ascii_digit)
}

fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn renders_like_kubectl() {
        let v = json!({
            "apiVersion": "v1",
            "items": [{"kind": "Job", "status": {"conditions": [{"status": "True", "type": "Complete"}], "completedIndexes": "1,3-5", "failedIndexes": "", "ready": 0, "startTime": "2026-01-01T00:00:00Z"}, "spec": {"template": {"spec": {"containers": [{"command": ["perl", "-wle"], "name": "pi"}]}}, "selector": {}}}],
            "kind": "List"
        });
        let want = r#"apiVersion: v1
items:
- kind: Job
  spec:
    selector: {}
    template:
      spec:
        containers:
        - command:
          - perl
          - -wle
          name: pi
  status:
    completedIndexes: 1,3-5
    conditions:
    - status: "True"
      type: Complete
    failedIndexes: ""
    ready: 0
    startTime: "2026-01-01T00:00:00Z"
kind: List
"#;
        assert_eq!(to_yaml(&v), want);
    }

    #[test]
    fn quotes_what_would_change_type() {
        for s in [
            "2",
            "0",
            "True",
            "no",
            "",
            " x",
            "1e3",
            "a: b",
            "-",
            "2026-01-01T00:00:00Z",
            "*x",
        ] {
            assert!(needs_quotes(s), "{s:?} should be quoted");
        }
        for s in [
            "1,3-5",
            "pi",
            "batch/v1",
            "Job has reached the specified backoff limit",
            "-Mbignum=bpi",
            "perl:5.34.0",
        ] {
            assert!(!needs_quotes(s), "{s:?} should be plain");
        }
    }

    #[test]
    fn output_reads_back_identically() {
        let v = json!({"a": ["2", "True", "", "x y", {"b": "1,2", "c": [1, 2.5, true, null]}], "d": {"e": "2026-01-01T00:00:00Z"}});
        let back: Value = serde_saphyr::from_str(&to_yaml(&v)).unwrap();
        assert_eq!(back, v);
    }
}
