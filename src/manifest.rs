//! Reading Job manifests as `kubectl apply -f` does: single documents, `---`
//! streams and `kind: List`, with every problem tied to file, line and column.

use crate::api::Job;
use crate::yaml_source::{DocumentMap, Position, map_documents};
use serde_json::Value;
use std::fmt;
use std::path::Path;

/// A problem in an input file, printed as `file:line:col: message`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub file: String,
    pub position: Option<Position>,
    pub message: String,
    pub warning: bool,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.position {
            Some(p) => write!(f, "{}:{}:{}: ", self.file, p.line, p.col)?,
            None => write!(f, "{}: ", self.file)?,
        }
        if self.warning {
            f.write_str("warning: ")?;
        }
        f.write_str(&self.message)
    }
}

/// One Job found in a file, with where it sits.
#[derive(Clone, Debug)]
pub struct FoundJob {
    pub job: Job,
    /// Index of the YAML document.
    pub document: usize,
    /// Field-path prefix inside the document (`items[2].` for Lists).
    pub prefix: String,
}

/// The Jobs of one file plus what else it held.
#[derive(Debug, Default)]
pub struct ManifestFile {
    pub name: String,
    pub jobs: Vec<FoundJob>,
    pub maps: Vec<DocumentMap>,
    /// Objects that are not Jobs (`ConfigMap/settings`), skipped with a note.
    pub others: Vec<String>,
}

impl ManifestFile {
    /// The source position of a field of a found Job.
    pub fn locate(&self, found: &FoundJob, field: &str) -> Option<Position> {
        let map = self.maps.get(found.document)?;
        map.locate(&format!("{}{}", found.prefix, field))
    }

    pub fn diagnostic(&self, found: &FoundJob, field: &str, message: String, warning: bool) -> Diagnostic {
        Diagnostic {
            file: self.name.clone(),
            position: self.locate(found, field),
            message,
            warning,
        }
    }
}

/// Parses YAML text (one or more documents) into JSON values, with the
/// parser's own position on a syntax error.
pub fn parse_documents(name: &str, text: &str) -> Result<Vec<Value>, Diagnostic> {
    serde_saphyr::from_multiple::<Value>(text).map_err(|e| {
        let position = e.location().map(|l| Position {
            line: l.line() as usize,
            col: l.column() as usize,
        });
        let message = match yaml_error_in_words(e.without_snippet()) {
            Some(m) => m,
            None => {
                let msg = e.to_string();
                // The parser prefixes its own "line N column M"; keep just the reason.
                let reason = msg.lines().next().unwrap_or(&msg);
                let reason = reason.strip_prefix("error: ").unwrap_or(reason);
                let reason = match reason.split_once(": ") {
                    Some((at, rest)) if at.starts_with("line ") && at.contains(" column ") => rest,
                    _ => reason,
                };
                format!("invalid YAML: {reason}")
            }
        };
        Diagnostic {
            file: name.to_string(),
            position,
            message,
            warning: false,
        }
    })
}

/// The YAML reader's errors that its own wording names by its options and
/// types, said for the person who wrote the file.
fn yaml_error_in_words(e: &serde_saphyr::Error) -> Option<String> {
    use serde_saphyr::budget::BudgetBreach as B;
    Some(match e {
        serde_saphyr::Error::DuplicateMappingKey { key: Some(k), .. } => {
            format!("duplicate key {k:?}: each key may appear once in a mapping")
        }
        serde_saphyr::Error::DuplicateMappingKey { key: None, .. } => {
            "duplicate key: each key may appear once in a mapping".to_string()
        }
        serde_saphyr::Error::Budget { breach, .. } => match breach {
            B::Depth { .. } => "the document nests deeper than 64 levels".to_string(),
            B::Documents { .. } => "the file holds more than 1024 YAML documents".to_string(),
            B::Events { .. } | B::Nodes { .. } => {
                "the document has more than 250,000 values; split it into smaller files".to_string()
            }
            B::ScalarBytes { .. } => "the document's text values add up to more than 64 MiB".to_string(),
            B::Aliases { .. }
            | B::Anchors { .. }
            | B::AliasAnchorRatio { .. }
            | B::RecordedAnchorEvents { .. }
            | B::RecordedAnchorBytes { .. } => {
                "the document expands too many aliases (`*name` references to `&name` anchors)".to_string()
            }
            B::MergeKeys { .. } => "the document has more than 10,000 merge keys (`<<`)".to_string(),
            _ => "the document is too large or too deeply structured to read".to_string(),
        },
        _ => return None,
    })
}

/// Deserialises a JSON value into `T`, naming the failing field and its
/// position; `prefix` (`items[2].`) is the value's path in the document.
pub fn from_value_at<T: serde::de::DeserializeOwned>(
    value: &Value,
    file: &str,
    map: Option<&DocumentMap>,
    prefix: &str,
) -> Result<T, Diagnostic> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let field = e.path().to_string();
        let mut field = if field == "." { String::new() } else { field };
        let inner = e.inner().to_string();
        // A missing field is reported at the field itself, as the API server does.
        let reason = match inner.strip_prefix("missing field `").and_then(|r| r.strip_suffix('`')) {
            Some(missing) => {
                field = if field.is_empty() {
                    missing.to_string()
                } else {
                    format!("{field}.{missing}")
                };
                "Required value".to_string()
            }
            None => {
                let written = map.and_then(|m| m.plain_scalar(format!("{prefix}{field}").trim_end_matches('.')));
                in_words(&inner, written)
            }
        };
        // The path from the document's root: the prefix alone when the value
        // itself has the wrong type (`spec.workloads[0].job: expected a mapping`).
        let full = format!("{prefix}{field}");
        let full = full.trim_end_matches('.');
        let position = map.and_then(|m| m.locate(full));
        let message = if full.is_empty() {
            reason
        } else {
            format!("{full}: {reason}")
        };
        Diagnostic {
            file: file.to_string(),
            position,
            message,
            warning: false,
        }
    })
}

/// Says serde's type errors (`invalid type: floating point `123.0`, expected
/// a string`, `invalid length 0, expected struct ScenarioFile with 4
/// elements`) in the words of the file: what was expected and what was
/// found, as written (`written`: the plain scalar's source text, if any).
pub fn in_words(reason: &str, written: Option<&str>) -> String {
    if let Some((got, expected)) = reason
        .strip_prefix("invalid type: ")
        .and_then(|r| r.split_once(", expected "))
    {
        let scalar = !matches!(got, "map" | "sequence" | "unit value" | "null");
        let got = match written.filter(|_| scalar) {
            Some(w) if got.starts_with("integer") || got.starts_with("floating point") => {
                format!("the number {w}")
            }
            Some(w) if got.starts_with("boolean") => format!("the boolean {w}"),
            _ => found(got),
        };
        let expected = expectation(expected);
        let mut s = format!("expected {expected}, got {got}");
        if expected == "a string"
            && let Some(w) = written
        {
            s.push_str(&format!(": write it in quotes, \"{w}\""));
        }
        return s;
    }
    if let Some((_, expected)) = reason
        .strip_prefix("invalid length ")
        .and_then(|r| r.split_once(", expected "))
    {
        return format!("expected {}, got a list", expectation(expected));
    }
    if reason == "invalid value: map, expected map with a single key" {
        return format!("expected {}, with exactly one kind", expectation("string or map"));
    }
    if reason.starts_with("data did not match any variant of untagged enum") {
        return "this value has the wrong type".to_string();
    }
    reason.to_string()
}

/// serde's name for a value found (`integer `5``, `map`) in the file's words.
fn found(got: &str) -> String {
    let quoted = |s: &str| s.split_once('`').map(|(_, r)| r.trim_end_matches('`').to_string());
    if let Some(rest) = got.strip_prefix("string ") {
        return format!("the string {rest}");
    }
    match got {
        "map" => "a mapping".into(),
        "sequence" => "a list".into(),
        "unit value" | "null" => "an empty value".into(),
        _ if got.starts_with("integer") || got.starts_with("floating point") => {
            format!("the number {}", quoted(got).unwrap_or_default())
        }
        _ if got.starts_with("boolean") => format!("the boolean {}", quoted(got).unwrap_or_default()),
        _ => got.to_string(),
    }
}

/// serde's name for an expected type (`u32`, `struct ScenarioSpec with 11
/// elements`, `string or map`) in the file's words.
fn expectation(expected: &str) -> String {
    match expected {
        "u8" | "u16" | "u32" | "u64" | "usize" => "a whole number in digits (0 or more)".into(),
        "i8" | "i16" | "i32" | "i64" | "isize" => "a whole number in digits".into(),
        "f32" | "f64" => "a number".into(),
        "a boolean" => "true or false".into(),
        "a sequence" => "a list".into(),
        "a map" | "struct variant" => "a mapping".into(),
        // The one externally tagged enum of the scenario format: a distribution.
        "string or map" | "enum DistSpec" => "a distribution such as {constant: 10s}".into(),
        _ if expected.starts_with("struct ") => "a mapping of fields".into(),
        _ => expected.to_string(),
    }
}

/// Loads every Job of a manifest file.
pub fn load(path: &Path) -> Result<ManifestFile, Vec<Diagnostic>> {
    let (name, text) = read_source(path)?;
    load_str(&name, &text)
}

/// The most a scenario or manifest file may hold: far more than any real one,
/// and a bound on what reading `/dev/zero` by mistake costs.
pub const MAX_INPUT_BYTES: u64 = 16 << 20;

/// A file's display name and text, or the diagnostic saying it cannot be read.
pub fn read_source(path: &Path) -> Result<(String, String), Vec<Diagnostic>> {
    let name = path.display().to_string();
    let fail = |position: Option<Position>, message: String| {
        Err(vec![Diagnostic {
            file: name.clone(),
            position,
            message,
            warning: false,
        }])
    };
    let bytes = match read_bounded(path, MAX_INPUT_BYTES) {
        Ok(Some(bytes)) => bytes,
        Ok(None) => {
            return fail(
                None,
                format!(
                    "the file is larger than {} MiB, the most jobsim reads",
                    MAX_INPUT_BYTES >> 20
                ),
            );
        }
        Err(e) => return fail(None, format!("cannot read: {e}")),
    };
    match String::from_utf8(bytes) {
        Ok(text) => Ok((name, text)),
        Err(e) => {
            let (position, byte) = invalid_utf8(e.as_bytes(), e.utf8_error().valid_up_to());
            fail(
                Some(position),
                format!("the file is not UTF-8 text: byte 0x{byte:02x} cannot start or continue a character"),
            )
        }
    }
}

/// Reads at most `limit` bytes of a file; `None` when it holds more.
pub fn read_bounded(path: &Path, limit: u64) -> std::io::Result<Option<Vec<u8>>> {
    use std::io::Read;
    let mut bytes = Vec::new();
    std::fs::File::open(path)?.take(limit + 1).read_to_end(&mut bytes)?;
    Ok((bytes.len() as u64 <= limit).then_some(bytes))
}

/// Where the first byte that is not UTF-8 sits (1-based line and column, in
/// characters), and that byte.
pub fn invalid_utf8(bytes: &[u8], valid_up_to: usize) -> (Position, u8) {
    let good = String::from_utf8_lossy(&bytes[..valid_up_to]);
    let line = good.matches('\n').count() + 1;
    let col = good.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (Position { line, col }, bytes[valid_up_to])
}

/// Loads every Job of manifest text.
pub fn load_str(name: &str, text: &str) -> Result<ManifestFile, Vec<Diagnostic>> {
    let docs = parse_documents(name, text).map_err(|d| vec![d])?;
    let mut file = ManifestFile {
        name: name.to_string(),
        maps: map_documents(text),
        ..Default::default()
    };
    let mut errors = Vec::new();
    for (i, doc) in docs.iter().enumerate() {
        if doc.is_null() {
            continue;
        }
        let kind = doc["kind"].as_str().unwrap_or("");
        if kind == "List" || kind.ends_with("List") && doc["items"].is_array() {
            for (j, item) in doc["items"].as_array().into_iter().flatten().enumerate() {
                collect(&mut file, &mut errors, item, i, format!("items[{j}]."));
            }
        } else {
            collect(&mut file, &mut errors, doc, i, String::new());
        }
    }
    if errors.is_empty() { Ok(file) } else { Err(errors) }
}

fn collect(file: &mut ManifestFile, errors: &mut Vec<Diagnostic>, obj: &Value, document: usize, prefix: String) {
    let (api_version, kind) = (
        obj["apiVersion"].as_str().unwrap_or(""),
        obj["kind"].as_str().unwrap_or(""),
    );
    if kind != "Job" || !(api_version == "batch/v1" || api_version.is_empty()) {
        let name = obj["metadata"]["name"].as_str().unwrap_or("<unnamed>");
        let what = if kind.is_empty() {
            "object without kind".to_string()
        } else {
            format!("{kind}/{name}")
        };
        file.others.push(what);
        return;
    }
    match from_value_at::<Job>(obj, &file.name, file.maps.get(document), &prefix) {
        Ok(job) => file.jobs.push(FoundJob { job, document, prefix }),
        Err(d) => errors.push(d),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_streams_lists_and_skips_other_kinds() {
        let text = "apiVersion: batch/v1\nkind: Job\nmetadata: {name: a}\n---\napiVersion: v1\nkind: List\nitems:\n- apiVersion: batch/v1\n  kind: Job\n  metadata: {name: b}\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: c}\n";
        let f = load_str("m.yaml", text).unwrap();
        let names: Vec<&str> = f.jobs.iter().map(|j| j.job.metadata.name.as_str()).collect();
        assert_eq!(names, vec!["a", "b"]);
        assert_eq!(f.others, vec!["ConfigMap/c"]);
        assert_eq!(f.locate(&f.jobs[1], "metadata.name").map(|p| p.line), Some(10));
    }

    #[test]
    fn type_errors_name_the_field_and_line() {
        let text = "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: a\nspec:\n  completions: many\n";
        let errs = load_str("m.yaml", text).unwrap_err();
        let msg = errs[0].to_string();
        assert!(
            msg.starts_with("m.yaml:6:3: spec.completions: expected a whole number in digits, got the string \"many\""),
            "{msg}"
        );
    }

    #[test]
    fn type_errors_in_a_list_name_the_item() {
        let text = "apiVersion: v1\nkind: List\nitems:\n- apiVersion: batch/v1\n  kind: Job\n  metadata: {name: a}\n- apiVersion: batch/v1\n  kind: Job\n  metadata: {name: b}\n  spec: {completions: many}\n";
        let errs = load_str("m.yaml", text).unwrap_err();
        let msg = errs[0].to_string();
        assert!(
            msg.starts_with("m.yaml:10:10: items[1].spec.completions: expected a whole number in digits"),
            "{msg}"
        );
    }

    #[test]
    fn syntax_errors_have_a_position() {
        let errs = load_str("m.yaml", "kind: Job\nspec: [unclosed\n").unwrap_err();
        assert!(errs[0].position.is_some(), "{}", errs[0]);
    }
}
