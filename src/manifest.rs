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
        let msg = e.to_string();
        // The parser prefixes its own "line N column M"; keep just the reason.
        let reason = msg.lines().next().unwrap_or(&msg).to_string();
        Diagnostic {
            file: name.to_string(),
            position,
            message: format!("invalid YAML: {reason}"),
            warning: false,
        }
    })
}

/// Deserialises a JSON value into `T`, naming the failing field and its position.
pub fn from_value_at<T: serde::de::DeserializeOwned>(
    value: &Value,
    file: &str,
    map: Option<&DocumentMap>,
    prefix: &str,
) -> Result<T, Diagnostic> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let field = e.path().to_string();
        let field = if field == "." { String::new() } else { field };
        let full = format!("{prefix}{field}");
        let position = map.and_then(|m| m.locate(&full));
        let message = if field.is_empty() {
            e.inner().to_string()
        } else {
            format!("{field}: {}", e.inner())
        };
        Diagnostic {
            file: file.to_string(),
            position,
            message,
            warning: false,
        }
    })
}

/// Loads every Job of a manifest file.
pub fn load(path: &Path) -> Result<ManifestFile, Vec<Diagnostic>> {
    let (name, text) = read_source(path)?;
    load_str(&name, &text)
}

/// A file's display name and text, or the diagnostic saying it cannot be read.
pub fn read_source(path: &Path) -> Result<(String, String), Vec<Diagnostic>> {
    let name = path.display().to_string();
    match std::fs::read_to_string(path) {
        Ok(text) => Ok((name, text)),
        Err(e) => Err(vec![Diagnostic {
            file: name,
            position: None,
            message: format!("cannot read: {e}"),
            warning: false,
        }]),
    }
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
            msg.starts_with("m.yaml:6:3: spec.completions: invalid type: string \"many\""),
            "{msg}"
        );
    }

    #[test]
    fn syntax_errors_have_a_position() {
        let errs = load_str("m.yaml", "kind: Job\nspec: [unclosed\n").unwrap_err();
        assert!(errs[0].position.is_some(), "{}", errs[0]);
    }
}
