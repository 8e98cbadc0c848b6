//! `validateJob` and `validateJobUpdate` vectors.

use super::fixtures as fx;
use super::outcome::{R, check};
use crate::api::Job;
use crate::api::validation::{ValidationOptions, validate_job as validate, validate_job_update as validate_update};
use serde_json::{Map, Value};

/// Expands the vectors' generator notation (`$repeat`, `$concat`).
fn expand(v: &Value) -> Value {
    match v {
        Value::Object(m) if m.contains_key("$repeat") => Value::String(
            m["$repeat"]
                .as_str()
                .unwrap_or("")
                .repeat(m["times"].as_u64().unwrap_or(0) as usize),
        ),
        Value::Object(m) if m.contains_key("$concat") => Value::String(
            m["$concat"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|p| expand(p).as_str().unwrap_or("").to_string())
                .collect(),
        ),
        Value::Object(m) => Value::Object(m.iter().map(|(k, v)| (k.clone(), expand(v))).collect::<Map<_, _>>()),
        Value::Array(a) => Value::Array(a.iter().map(expand).collect()),
        other => other.clone(),
    }
}

/// The vectors write a template's node affinity as `nodeAffinityRequired`,
/// the match expressions of its one required term.
fn normalize_template(spec: &mut Value) {
    if let Some(aff) = spec.pointer_mut("/template/affinity").and_then(Value::as_object_mut)
        && let Some(na) = aff.remove("nodeAffinityRequired")
    {
        let na = match na {
            Value::Array(exprs) => serde_json::json!({
                "requiredDuringSchedulingIgnoredDuringExecution": {
                    "nodeSelectorTerms": [{"matchExpressions": exprs}]
                }
            }),
            other => other,
        };
        aff.insert("nodeAffinity".into(), na);
    }
}

fn job_from(meta: &Value, spec: &Value) -> Job {
    let mut spec = expand(spec);
    normalize_template(&mut spec);
    let mut job = Job::default();
    job.metadata.name = fx::opt_str(&meta["name"]).unwrap_or_default();
    job.metadata.namespace = fx::opt_str(&meta["namespace"]).unwrap_or_default();
    job.metadata.uid = fx::opt_str(&meta["uid"]).unwrap_or_default().into();
    job.metadata.annotations = fx::str_map(&meta["annotations"]);
    job.spec = fx::job_spec(&spec);
    job
}

fn options(v: &Value) -> ValidationOptions {
    ValidationOptions {
        require_prefixed_labels: v["requirePrefixedLabels"].as_bool().unwrap_or(false),
        allow_mutable_scheduling_directives: v["allowMutableSchedulingDirectives"].as_bool().unwrap_or(false),
        allow_elastic_indexed_jobs: v["allowElasticIndexedJobs"].as_bool().unwrap_or(false),
    }
}

pub fn validate_job(input: &Value, expect: &Value) -> R<()> {
    let job = job_from(&input["metadata"], &input["spec"]);
    let errs = validate(&job, &options(&input["options"]));
    if expect["valid"].as_bool() == Some(true) {
        return if errs.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "want valid, got {}",
                errs.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("; ")
            ))
        };
    }
    let Some(first) = errs.first() else {
        return Err("want an error, got none".into());
    };
    check(
        "first error field",
        first.field.as_str(),
        expect["firstErrorField"].as_str().unwrap_or(""),
    )?;
    let want = expect["firstErrorContains"].as_str().unwrap_or("");
    if first.to_string().contains(want) {
        Ok(())
    } else {
        Err(format!("first error {:?} does not contain {want:?}", first.to_string()))
    }
}

/// Applies `spec.a.b: value` paths to a spec in the vectors' shape.
fn apply_update(spec: &mut Value, path: &str, value: &Value) {
    let rest = path.strip_prefix("spec.").unwrap_or(path);
    let rest = rest.replace(
        "template.spec.affinity.nodeAffinity",
        "template.affinity.nodeAffinityRequired",
    );
    let rest = rest
        .replacen("template.spec.", "template.", 1)
        .replacen("template.metadata.", "template.", 1);
    let mut cur = spec;
    let parts: Vec<&str> = rest.split('.').collect();
    for (i, p) in parts.iter().enumerate() {
        if !cur.is_object() {
            *cur = Value::Object(Map::new());
        }
        let obj = cur.as_object_mut().expect("object");
        if i + 1 == parts.len() {
            obj.insert(p.to_string(), value.clone());
            return;
        }
        cur = obj.entry(p.to_string()).or_insert(Value::Object(Map::new()));
    }
}

pub fn validate_job_update(input: &Value, expect: &Value) -> R<()> {
    let meta = serde_json::json!({"name": "myjob", "namespace": "default", "uid": "1a2b3c"});
    let old_spec = expand(&input["oldSpec"]);
    let mut new_spec = old_spec.clone();
    for (path, value) in input["update"].as_object().into_iter().flatten() {
        apply_update(&mut new_spec, path, &expand(value));
    }
    let old = job_from(&meta, &old_spec);
    let new = job_from(&meta, &new_spec);
    let errs = validate_update(&new, &old, &options(&input["options"]));
    let got: Vec<(String, String)> = errs
        .iter()
        .map(|e| (e.type_.go_name().to_string(), e.field.clone()))
        .collect();
    let want: Vec<(String, String)> = expect["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| {
            (
                e["type"].as_str().unwrap_or("").to_string(),
                e["field"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    check("errors", got, want)
}
