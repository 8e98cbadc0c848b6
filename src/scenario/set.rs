//! `--set PATH=VALUE`: a change to the scenario file made on the command line,
//! applied to the parsed document before it is checked, so that a set value
//! meets exactly the checks it would meet in the file.
//!
//! PATH is a dotted path from `spec` (`spec.cluster.nodePools[0].count`);
//! list items are chosen by index or by their `name` (`spec.workloads[etl]`).
//! VALUE is read as YAML: `6` is a number, `"6"` a string, `{constant: 5s}` a
//! mapping.

use crate::manifest::parse_documents;
use serde_json::Value;
use std::fmt;

/// One `--set` as given.
#[derive(Clone, Debug, PartialEq)]
pub struct Setting {
    /// The path as written (`spec.workloads[etl].count`).
    pub path: String,
    /// The value as written.
    pub text: String,
    /// The value, read as YAML.
    pub value: Value,
}

/// Why a `--set` cannot be applied.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("--set {given}: {reason}")]
pub struct SetError {
    /// `PATH=VALUE` as given.
    pub given: String,
    pub reason: SetReason,
}

/// What is wrong with a `--set`: as written, or against the scenario.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SetReason {
    #[error("expected PATH=VALUE, e.g. spec.cluster.nodePools[0].count=8")]
    NoEquals,
    #[error(transparent)]
    Written(#[from] SettingError),
    /// `here`: the field reached so far (`the scenario` at first); `what`: its kind.
    #[error("{here} is {what}, not a mapping with a field {key}")]
    NotMapping {
        here: String,
        what: &'static str,
        key: String,
    },
    #[error("{here} is {what}, not a list")]
    NotList { here: String, what: &'static str },
    #[error("{here} has {len} item{}; index {index} is past its end", plural(*.len))]
    PastEnd { here: String, len: usize, index: usize },
    #[error("{here} has no item named {name:?}; {}", known_names(.names))]
    NoItemNamed {
        here: String,
        name: String,
        /// The names of the list's items.
        names: Vec<String>,
    },
    #[error(
        "{0} reads its Job from jobFile; --set changes only a Job written inline under job: \
         (copy the manifest there, or set the field in that file)"
    )]
    JobFile(String),
}

fn known_names(names: &[String]) -> String {
    if names.is_empty() {
        "its items have no names; choose one by index".to_string()
    } else {
        format!("its names are {}", names.join(", "))
    }
}

/// What is wrong with the path or the value of a `--set` as written (before
/// it meets a scenario).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SettingError {
    #[error("the path {0:?} has an empty field name; write it as spec.field.list[0].field")]
    EmptyField(String),
    #[error("the path {0:?} has an unclosed or stray bracket")]
    Bracket(String),
    #[error("the path {0:?} has an empty [] selector: give an index or a name")]
    EmptySelector(String),
    #[error("the path {0:?} must start at spec, e.g. spec.cluster.nodePools[0].count")]
    NotFromSpec(String),
    #[error("the value is empty; give one, e.g. 8, 30s, or \"\" for an empty string")]
    EmptyValue,
    #[error("the value must be one YAML value")]
    NotOneValue,
    /// What the YAML reader says of the value.
    #[error("{0}")]
    Yaml(String),
}

/// One step of a path: a mapping key, or a list item by index or by name.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Step {
    Key(String),
    Index(usize),
    Name(String),
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Step::Key(k) => write!(f, ".{k}"),
            Step::Index(i) => write!(f, "[{i}]"),
            Step::Name(n) => write!(f, "[{n}]"),
        }
    }
}

/// Splits a path into steps. It must start at `spec`.
fn parse_path(path: &str) -> Result<Vec<Step>, SettingError> {
    let mut steps = Vec::new();
    for seg in path.split('.') {
        let (key, mut rest) = match seg.find('[') {
            Some(i) => (&seg[..i], &seg[i..]),
            None => (seg, ""),
        };
        if key.is_empty() {
            return Err(SettingError::EmptyField(path.to_string()));
        }
        steps.push(Step::Key(key.to_string()));
        while !rest.is_empty() {
            let Some(close) = rest.find(']').filter(|_| rest.starts_with('[')) else {
                return Err(SettingError::Bracket(path.to_string()));
            };
            let sel = &rest[1..close];
            if sel.is_empty() {
                return Err(SettingError::EmptySelector(path.to_string()));
            }
            steps.push(match sel.parse::<usize>() {
                Ok(i) => Step::Index(i),
                Err(_) => Step::Name(sel.to_string()),
            });
            rest = &rest[close + 1..];
        }
    }
    if steps.first() != Some(&Step::Key("spec".into())) || steps.len() < 2 {
        return Err(SettingError::NotFromSpec(path.to_string()));
    }
    Ok(steps)
}

/// Reads `PATH=VALUE`; the value as YAML, as it would be read in the file.
pub fn parse_setting(given: &str) -> Result<Setting, SetError> {
    let fail = |reason: SetReason| SetError {
        given: given.to_string(),
        reason,
    };
    let Some((path, text)) = given.split_once('=') else {
        return Err(fail(SetReason::NoEquals));
    };
    let (path, text) = (path.trim(), text.trim());
    parse_path(path).map_err(|e| fail(e.into()))?;
    let value = read_value(text).map_err(|e| fail(e.into()))?;
    Ok(Setting {
        path: path.to_string(),
        text: text.to_string(),
        value,
    })
}

/// A value as YAML reads it in a file.
pub fn read_value(text: &str) -> Result<Value, SettingError> {
    if text.is_empty() {
        return Err(SettingError::EmptyValue);
    }
    if matches!(text, "~" | "null" | "Null" | "NULL") {
        // YAML's null, which removes an optional field (a document of it alone reads as empty).
        return Ok(Value::Null);
    }
    match parse_documents("--set", text) {
        Ok(docs) if docs.len() == 1 => Ok(docs.into_iter().next().expect("one")),
        Ok(_) => Err(SettingError::NotOneValue),
        Err(d) => Err(SettingError::Yaml(d.message)),
    }
}

impl Setting {
    /// `PATH=VALUE` as given.
    pub fn given(&self) -> String {
        format!("{}={}", self.path, self.text)
    }

    /// Writes the value into `doc`, creating missing mapping keys. Returns
    /// the path with list items by index, as checks name fields
    /// (`spec.workloads[0].count`).
    pub fn apply(&self, doc: &mut Value) -> Result<String, SetError> {
        let fail = |reason: SetReason| SetError {
            given: self.given(),
            reason,
        };
        let steps = parse_path(&self.path).map_err(|e| fail(e.into()))?;
        let mut cur = doc;
        let mut at = String::new();
        for (i, step) in steps.iter().enumerate() {
            let last = i + 1 == steps.len();
            let here = if at.is_empty() {
                "the scenario".to_string()
            } else {
                at.clone()
            };
            let what = kind(cur);
            cur = match step {
                Step::Key(k) => {
                    if cur.is_null() {
                        *cur = Value::Object(Default::default());
                    }
                    let Some(map) = cur.as_object_mut() else {
                        return Err(fail(SetReason::NotMapping {
                            here,
                            what,
                            key: k.clone(),
                        }));
                    };
                    at = if at.is_empty() { k.clone() } else { format!("{at}.{k}") };
                    map.entry(k.clone()).or_insert(Value::Null)
                }
                Step::Index(ix) => {
                    let Some(list) = cur.as_array_mut() else {
                        return Err(fail(SetReason::NotList { here, what }));
                    };
                    let len = list.len();
                    at = format!("{at}[{ix}]");
                    list.get_mut(*ix)
                        .ok_or_else(|| fail(SetReason::PastEnd { here, len, index: *ix }))?
                }
                Step::Name(name) => {
                    let Some(list) = cur.as_array_mut() else {
                        return Err(fail(SetReason::NotList { here, what }));
                    };
                    let names: Vec<String> = list
                        .iter()
                        .filter_map(|item| item.get("name")?.as_str().map(str::to_string))
                        .collect();
                    let Some(pos) = list
                        .iter()
                        .position(|item| item.get("name").and_then(Value::as_str) == Some(name))
                    else {
                        return Err(fail(SetReason::NoItemNamed {
                            here,
                            name: name.clone(),
                            names,
                        }));
                    };
                    at = format!("{at}[{pos}]");
                    &mut list[pos]
                }
            };
            if !last
                && let Some(Step::Key(k)) = steps.get(i + 1)
                && k == "job"
                && cur.get("jobFile").is_some()
                && cur.get("job").is_none()
            {
                return Err(fail(SetReason::JobFile(at)));
            }
        }
        *cur = self.value.clone();
        Ok(at)
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "empty",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc() -> Value {
        json!({"spec": {
            "cluster": {"nodePools": [{"name": "batch", "count": 6}]},
            "workloads": [{"name": "etl", "count": 60, "job": {"spec": {"parallelism": 4}}},
                          {"name": "ml", "jobFile": "ml.yaml"}]
        }})
    }

    fn set(d: &mut Value, given: &str) -> Result<String, SetError> {
        parse_setting(given)?.apply(d)
    }

    #[test]
    fn sets_by_index_by_name_and_creates_missing_keys() {
        let mut d = doc();
        assert_eq!(
            set(&mut d, "spec.cluster.nodePools[0].count=8").unwrap(),
            "spec.cluster.nodePools[0].count"
        );
        assert_eq!(d["spec"]["cluster"]["nodePools"][0]["count"], json!(8));
        assert_eq!(
            set(&mut d, "spec.workloads[etl].job.spec.parallelism=12").unwrap(),
            "spec.workloads[0].job.spec.parallelism"
        );
        assert_eq!(d["spec"]["workloads"][0]["job"]["spec"]["parallelism"], json!(12));
        set(&mut d, "spec.controllerManager.kubeAPIQPS=50").unwrap();
        assert_eq!(d["spec"]["controllerManager"]["kubeAPIQPS"], json!(50));
        set(&mut d, "spec.workloads[etl].pods.runtime={constant: 5m}").unwrap();
        assert_eq!(d["spec"]["workloads"][0]["pods"]["runtime"], json!({"constant": "5m"}));
        set(&mut d, "spec.until=\"6h\"").unwrap();
        assert_eq!(d["spec"]["until"], json!("6h"));
        set(&mut d, "spec.until=~").unwrap();
        assert_eq!(d["spec"]["until"], Value::Null);
    }

    #[test]
    fn says_what_is_wrong_with_a_path() {
        let mut d = doc();
        let e = set(&mut d, "spec.workloads[etl2].count=1").unwrap_err();
        assert_eq!(
            e.to_string(),
            "--set spec.workloads[etl2].count=1: spec.workloads has no item named \"etl2\"; its names are etl, ml"
        );
        let e = set(&mut d, "spec.cluster.nodePools[3].count=1").unwrap_err();
        assert!(
            e.reason.to_string().contains("has 1 item; index 3 is past its end"),
            "{e}"
        );
        let e = set(&mut d, "spec.cluster.nodePools.count=1").unwrap_err();
        assert!(e.reason.to_string().contains("is a list, not a mapping"), "{e}");
        let e = set(&mut d, "cluster.nodePools[0].count=1").unwrap_err();
        assert!(e.reason.to_string().contains("must start at spec"), "{e}");
        let e = set(&mut d, "spec.workloads[ml].job.spec.parallelism=2").unwrap_err();
        assert!(e.reason.to_string().contains("reads its Job from jobFile"), "{e}");
        assert!(
            parse_setting("spec.seed")
                .unwrap_err()
                .reason
                .to_string()
                .contains("expected PATH=VALUE")
        );
        assert!(
            parse_setting("spec.seed=")
                .unwrap_err()
                .reason
                .to_string()
                .contains("empty")
        );
        assert!(
            parse_setting("spec.a[=1")
                .unwrap_err()
                .reason
                .to_string()
                .contains("bracket")
        );
    }
}
