//! `ValidateJob` and `ValidateJobUpdate` (`pkg/apis/batch/validation`), with
//! errors in the API server's `field.Error` form:
//! `spec.completions: Required value: when completion mode is Indexed`.

use super::field::*;
pub use super::field::{
    ErrorType, FieldError, go_quote, is_dns1123_label, is_dns1123_subdomain, is_qualified_name, is_valid_label_value,
};
use super::job::*;
use super::keys::*;
use super::labels::Labels;
use super::meta::{LabelSelector, ObjectMeta};
use super::pod::PodTemplateSpec;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

const MAX_PARALLELISM_FOR_INDEXED_JOB: i32 = 100_000;
const MAX_FAILED_INDEXES_FOR_INDEXED_JOB: i32 = 100_000;
const COMPLETIONS_SOFT_LIMIT: i32 = 100_000;
const PARALLELISM_LIMIT_FOR_HIGH_COMPLETIONS: i32 = 10_000;
const MAX_FAILED_INDEXES_LIMIT_FOR_HIGH_COMPLETIONS: i32 = 10_000;
const MAX_POD_FAILURE_POLICY_RULES: usize = 20;
const MAX_ON_EXIT_CODES_VALUES: usize = 255;
const MAX_ON_POD_CONDITIONS_PATTERNS: usize = 20;
const MAX_MANAGED_BY_LENGTH: usize = 63;
const MAX_SUCCEEDED_INDEXES_LENGTH: usize = 64 * 1024;
const MAX_SUCCESS_POLICY_RULES: usize = 20;

fn validate_labels(labels: &Labels, path: &str, errs: &mut Vec<FieldError>) {
    for (k, v) in labels {
        for m in is_qualified_name(k) {
            errs.push(invalid_str(path, k, m));
        }
        for m in is_valid_label_value(v) {
            errs.push(invalid_str(path, v, m));
        }
    }
}

fn validate_annotations(annotations: &BTreeMap<String, String>, path: &str, errs: &mut Vec<FieldError>) {
    let mut total = 0;
    for (k, v) in annotations {
        for m in is_qualified_name(&k.to_lowercase()) {
            errs.push(invalid_str(path, k, m));
        }
        total += k.len() + v.len();
    }
    if total > 256 * 1024 {
        errs.push(err(ErrorType::TooLong, path, None, "must have at most 262144 bytes"));
    }
}

/// `ValidateObjectMeta` for a namespaced object named like a ReplicationController.
fn validate_object_meta(meta: &ObjectMeta, errs: &mut Vec<FieldError>) {
    if meta.name.is_empty() && meta.generate_name.is_empty() {
        errs.push(required("metadata.name", "name or generateName is required"));
    } else if !meta.name.is_empty() {
        for m in is_dns1123_subdomain(&meta.name) {
            errs.push(invalid_str("metadata.name", &meta.name, m));
        }
    }
    if meta.namespace.is_empty() {
        errs.push(required("metadata.namespace", ""));
    } else {
        for m in is_dns1123_label(&meta.namespace) {
            errs.push(invalid_str("metadata.namespace", &meta.namespace, m));
        }
    }
    validate_labels(&meta.labels, "metadata.labels", errs);
    validate_annotations(&meta.annotations, "metadata.annotations", errs);
}

/// `ValidateHasLabel`.
fn validate_has_label(meta: &ObjectMeta, key: &str, expected: &str, errs: &mut Vec<FieldError>) {
    let path = format!("spec.template.metadata.labels[{key}]");
    match meta.labels.get(key) {
        None => errs.push(required(&path, format!("must be '{expected}'"))),
        Some(v) if v != expected => errs.push(invalid(&path, go_map(&meta.labels), format!("must be '{expected}'"))),
        _ => {}
    }
}

fn go_map<'m>(m: impl IntoIterator<Item = (&'m str, &'m str)>) -> String {
    let items: Vec<String> = m
        .into_iter()
        .map(|(k, v)| format!("{}:{}", go_quote(k), go_quote(v)))
        .collect();
    format!("map[string]string{{{}}}", items.join(", "))
}

fn go_selector(s: &LabelSelector) -> String {
    let exprs = if s.match_expressions.is_empty() {
        "[]v1.LabelSelectorRequirement(nil)".to_string()
    } else {
        format!("[]v1.LabelSelectorRequirement{{/* {} */}}", s.match_expressions.len())
    };
    let labels = if s.match_labels.is_empty() {
        "map[string]string(nil)".to_string()
    } else {
        go_map(&s.match_labels)
    };
    format!("v1.LabelSelector{{MatchLabels:{labels}, MatchExpressions:{exprs}}}")
}

/// `validateGeneratedSelector`.
fn validate_generated_selector(job: &Job, require_prefixed_labels: bool, errs: &mut Vec<FieldError>) {
    if job.spec.manual_selector == Some(true) {
        return;
    }
    let Some(selector) = &job.spec.selector else {
        return;
    };
    let (uid, name) = (job.metadata.uid.text(), job.metadata.name.as_str());
    let uid = &*uid;
    if uid.is_empty() {
        errs.push(required("metadata.uid", ""));
    }
    let tmeta = &job.spec.template.metadata;
    validate_has_label(tmeta, LEGACY_CONTROLLER_UID_LABEL, uid, errs);
    validate_has_label(tmeta, LEGACY_JOB_NAME_LABEL, name, errs);
    let mut expected = Labels::new();
    if require_prefixed_labels {
        validate_has_label(tmeta, CONTROLLER_UID_LABEL, uid, errs);
        validate_has_label(tmeta, JOB_NAME_LABEL, name, errs);
        expected.insert(CONTROLLER_UID_LABEL.to_string(), uid.to_string());
        expected.insert(JOB_NAME_LABEL.to_string(), name.to_string());
    }
    expected.insert(LEGACY_CONTROLLER_UID_LABEL.to_string(), uid.to_string());
    expected.insert(LEGACY_JOB_NAME_LABEL.to_string(), name.to_string());
    if !selector.matches(&expected) {
        errs.push(invalid(
            "spec.selector",
            go_selector(selector),
            "`selector` not auto-generated",
        ));
    }
}

/// Options of `ValidateJob` / `ValidateJobUpdate` (`JobValidationOptions`).
#[derive(Clone, Copy, Debug, Default)]
pub struct ValidationOptions {
    pub require_prefixed_labels: bool,
    pub allow_mutable_scheduling_directives: bool,
    pub allow_elastic_indexed_jobs: bool,
}

impl ValidationOptions {
    /// `getValidationOptionsFromJob` for an update of `old`: an Indexed Job's
    /// completions may change with its parallelism (`ElasticIndexedJob`);
    /// the template's scheduling directives may change while the Job is
    /// suspended and never started, or (1.36,
    /// `MutableSchedulingDirectivesForSuspendedJobs`) suspended with no active pod.
    pub fn for_update(old: &Job, profile: &super::Profile) -> ValidationOptions {
        let suspended = old.spec.suspend == Some(true);
        let never_started = old.status.start_time.is_none();
        let quiet = old
            .status
            .conditions
            .iter()
            .any(|c| c.type_ == COND_SUSPENDED && c.status == "True")
            && old.status.active == 0;
        ValidationOptions {
            require_prefixed_labels: true,
            allow_mutable_scheduling_directives: suspended
                && (never_started || (profile.gates.mutable_scheduling_directives_for_suspended_jobs && quiet)),
            allow_elastic_indexed_jobs: profile.gates.elastic_indexed_job,
        }
    }
}

/// `ValidateJob`: every problem of a Job about to be created.
pub fn validate_job(job: &Job, opts: &ValidationOptions) -> Vec<FieldError> {
    let mut errs = Vec::new();
    validate_object_meta(&job.metadata, &mut errs);
    validate_generated_selector(job, opts.require_prefixed_labels, &mut errs);
    validate_job_spec_with_selector(&job.spec, &mut errs);
    if job.is_indexed()
        && let Some(c) = job.spec.completions.filter(|c| *c > 0)
    {
        let hostname = format!("{}-{}", job.metadata.name, c - 1);
        if !is_dns1123_label(&hostname).is_empty() {
            errs.push(invalid_str(
                "metadata.name",
                &job.metadata.name,
                format!("will not able to create pod with invalid DNS label: {hostname}"),
            ));
        }
    }
    errs
}

/// `ValidateJobSpec`: the spec rules plus the selector.
fn validate_job_spec_with_selector(spec: &JobSpec, errs: &mut Vec<FieldError>) {
    validate_job_spec(spec, errs);
    match &spec.selector {
        None => errs.push(required("spec.selector", "")),
        Some(sel) => {
            validate_labels(&sel.match_labels, "spec.selector.matchLabels", errs);
            for (i, r) in sel.match_expressions.iter().enumerate() {
                let p = format!("spec.selector.matchExpressions[{i}]");
                match r.operator.as_str() {
                    "In" | "NotIn" if r.values.is_empty() => errs.push(required(
                        &format!("{p}.values"),
                        "must be specified when `operator` is 'In' or 'NotIn'",
                    )),
                    "Exists" | "DoesNotExist" if !r.values.is_empty() => errs.push(err(
                        ErrorType::Forbidden,
                        &format!("{p}.values"),
                        None,
                        "may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
                    )),
                    "In" | "NotIn" | "Exists" | "DoesNotExist" => {}
                    op => errs.push(invalid_str(
                        &format!("{p}.operator"),
                        op,
                        "not a valid selector operator",
                    )),
                }
                for m in is_qualified_name(&r.key) {
                    errs.push(invalid_str(&format!("{p}.key"), &r.key, m));
                }
            }
            if !sel.matches(&spec.template.metadata.labels) {
                errs.push(invalid(
                    "spec.template.metadata.labels",
                    go_map(&spec.template.metadata.labels),
                    "`selector` does not match template `labels`",
                ));
            }
        }
    }
}

/// `validateJobSpec`.
fn validate_job_spec(spec: &JobSpec, errs: &mut Vec<FieldError>) {
    let nn = |field: &str, v: Option<i64>, errs: &mut Vec<FieldError>| {
        if let Some(e) = v.and_then(|v| non_negative(field, v)) {
            errs.push(e);
        }
    };
    nn("spec.parallelism", spec.parallelism.map(i64::from), errs);
    nn("spec.completions", spec.completions.map(i64::from), errs);
    nn("spec.activeDeadlineSeconds", spec.active_deadline_seconds, errs);
    nn("spec.backoffLimit", spec.backoff_limit.map(i64::from), errs);
    nn(
        "spec.ttlSecondsAfterFinished",
        spec.ttl_seconds_after_finished.map(i64::from),
        errs,
    );
    nn(
        "spec.backoffLimitPerIndex",
        spec.backoff_limit_per_index.map(i64::from),
        errs,
    );
    if let Some(m) = spec.max_failed_indexes {
        nn("spec.maxFailedIndexes", Some(m as i64), errs);
        if spec.backoff_limit_per_index.is_none() {
            errs.push(required(
                "spec.backoffLimitPerIndex",
                "when maxFailedIndexes is specified",
            ));
        }
    }
    if let Some(m) = &spec.managed_by {
        validate_domain_prefixed_path("spec.managedBy", m, errs);
        if m.len() > MAX_MANAGED_BY_LENGTH {
            errs.push(err(
                ErrorType::TooLong,
                "spec.managedBy",
                None,
                format!("may not be longer than {MAX_MANAGED_BY_LENGTH}"),
            ));
        }
    }
    if let Some(mode) = &spec.completion_mode {
        if mode != NON_INDEXED && mode != INDEXED {
            errs.push(not_supported("spec.completionMode", mode, &[NON_INDEXED, INDEXED]));
        }
        if mode == INDEXED {
            if spec.completions.is_none() {
                errs.push(required("spec.completions", "when completion mode is Indexed"));
            }
            if let Some(p) = spec.parallelism.filter(|p| *p > MAX_PARALLELISM_FOR_INDEXED_JOB) {
                errs.push(invalid("spec.parallelism", p, format!("must be less than or equal to {MAX_PARALLELISM_FOR_INDEXED_JOB} when completion mode is Indexed")));
            }
            if let (Some(c), Some(m)) = (spec.completions, spec.max_failed_indexes)
                && m > c
            {
                errs.push(invalid(
                    "spec.maxFailedIndexes",
                    m,
                    "must be less than or equal to completions",
                ));
            }
            if let Some(m) = spec
                .max_failed_indexes
                .filter(|m| *m > MAX_FAILED_INDEXES_FOR_INDEXED_JOB)
            {
                errs.push(invalid(
                    "spec.maxFailedIndexes",
                    m,
                    format!("must be less than or equal to {MAX_FAILED_INDEXES_FOR_INDEXED_JOB}"),
                ));
            }
            if spec.completions.is_some_and(|c| c > COMPLETIONS_SOFT_LIMIT) && spec.backoff_limit_per_index.is_some() {
                if spec.max_failed_indexes.is_none() {
                    errs.push(required(
                        "spec.maxFailedIndexes",
                        format!("must be specified when completions is above {COMPLETIONS_SOFT_LIMIT}"),
                    ));
                }
                if let Some(p) = spec.parallelism.filter(|p| *p > PARALLELISM_LIMIT_FOR_HIGH_COMPLETIONS) {
                    errs.push(invalid(
                        "spec.parallelism",
                        p,
                        format!("must be less than or equal to {PARALLELISM_LIMIT_FOR_HIGH_COMPLETIONS} when completions are above {COMPLETIONS_SOFT_LIMIT} and used with backoff limit per index"),
                    ));
                }
                if let Some(m) = spec
                    .max_failed_indexes
                    .filter(|m| *m > MAX_FAILED_INDEXES_LIMIT_FOR_HIGH_COMPLETIONS)
                {
                    errs.push(invalid(
                        "spec.maxFailedIndexes",
                        m,
                        format!("must be less than or equal to {MAX_FAILED_INDEXES_LIMIT_FOR_HIGH_COMPLETIONS} when completions are above {COMPLETIONS_SOFT_LIMIT} and used with backoff limit per index"),
                    ));
                }
            }
        }
    }
    if spec.completion_mode.as_deref().is_none_or(|m| m == NON_INDEXED) {
        if let Some(b) = spec.backoff_limit_per_index {
            errs.push(invalid(
                "spec.backoffLimitPerIndex",
                b,
                "requires indexed completion mode",
            ));
        }
        if let Some(m) = spec.max_failed_indexes {
            errs.push(invalid("spec.maxFailedIndexes", m, "requires indexed completion mode"));
        }
    }
    if let Some(pfp) = &spec.pod_failure_policy {
        validate_pod_failure_policy(spec, pfp, errs);
    }
    if let Some(sp) = &spec.success_policy {
        if spec.completion_mode.as_deref() != Some(INDEXED) {
            let rules = if sp.rules.is_empty() {
                "[]batch.SuccessPolicyRule{}".to_string()
            } else {
                format!("[]batch.SuccessPolicyRule{{/* {} */}}", sp.rules.len())
            };
            errs.push(invalid(
                "spec.successPolicy",
                format!("batch.SuccessPolicy{{Rules:{rules}}}"),
                "requires indexed completion mode",
            ));
        } else {
            validate_success_policy(spec, sp, errs);
        }
    }
    if let Some(prp) = &spec.pod_replacement_policy {
        if spec.pod_failure_policy.is_some() {
            if prp != FAILED {
                errs.push(not_supported("spec.podReplacementPolicy", prp, &[FAILED]));
            }
        } else if prp != FAILED && prp != TERMINATING_OR_FAILED {
            errs.push(not_supported(
                "spec.podReplacementPolicy",
                prp,
                &[FAILED, TERMINATING_OR_FAILED],
            ));
        }
    }
    validate_pod_template_spec(&spec.template, errs);
    let rp = spec.template.spec.restart_policy.as_str();
    let rp_path = "spec.template.spec.restartPolicy";
    if rp == "Always" || rp.is_empty() {
        errs.push(required(rp_path, "valid values: \"OnFailure\", \"Never\""));
    } else if rp != "OnFailure" && rp != "Never" {
        errs.push(not_supported(rp_path, rp, &["OnFailure", "Never"]));
    } else if spec.pod_failure_policy.is_some() && rp != "Never" {
        errs.push(invalid_str(
            rp_path,
            rp,
            "only \"Never\" is supported when podFailurePolicy is specified",
        ));
    }
}

/// `IsDomainPrefixedPath`.
fn validate_domain_prefixed_path(path: &str, value: &str, errs: &mut Vec<FieldError>) {
    if value.is_empty() {
        errs.push(required(path, ""));
        return;
    }
    let Some((host, rest)) = value.split_once('/').filter(|(h, r)| !h.is_empty() && !r.is_empty()) else {
        errs.push(invalid_str(
            path,
            value,
            "must be a domain-prefixed path (such as \"acme.io/foo\")",
        ));
        return;
    };
    for m in is_dns1123_subdomain(host) {
        errs.push(invalid_str(path, host, m));
    }
    if !rest
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "/-._~%!$&'()*+,;=:".contains(c))
    {
        errs.push(invalid_str(
            path,
            rest,
            "Invalid path (regex used for validation is '[A-Za-z0-9/\\-._~%!$&'()*+,;=:]+')",
        ));
    }
}

const PFP_ACTIONS: [&str; 4] = [ACTION_COUNT, ACTION_FAIL_INDEX, ACTION_FAIL_JOB, ACTION_IGNORE];

fn validate_pod_failure_policy(spec: &JobSpec, pfp: &PodFailurePolicy, errs: &mut Vec<FieldError>) {
    let rules_path = "spec.podFailurePolicy.rules";
    if pfp.rules.len() > MAX_POD_FAILURE_POLICY_RULES {
        errs.push(too_many(rules_path, pfp.rules.len(), MAX_POD_FAILURE_POLICY_RULES));
    }
    let names: BTreeSet<&str> = spec
        .template
        .spec
        .containers
        .iter()
        .chain(&spec.template.spec.init_containers)
        .map(|c| c.name.as_str())
        .collect();
    for (i, rule) in pfp.rules.iter().enumerate() {
        let rule_path = format!("{rules_path}[{i}]");
        let action_path = format!("{rule_path}.action");
        if rule.action.is_empty() {
            errs.push(required(
                &action_path,
                format!("valid values: {}", go_quote_list(&PFP_ACTIONS)),
            ));
        } else if rule.action == ACTION_FAIL_INDEX {
            if spec.backoff_limit_per_index.is_none() {
                errs.push(invalid_str(
                    &action_path,
                    &rule.action,
                    "requires the backoffLimitPerIndex to be set",
                ));
            }
        } else if !PFP_ACTIONS.contains(&rule.action.as_str()) {
            errs.push(not_supported(&action_path, &rule.action, &PFP_ACTIONS));
        }
        if let Some(oec) = &rule.on_exit_codes {
            validate_on_exit_codes(oec, &format!("{rule_path}.onExitCodes"), &names, errs);
        }
        let conditions = rule.on_pod_conditions.as_deref().unwrap_or_default();
        if !conditions.is_empty() {
            let p = format!("{rule_path}.onPodConditions");
            if conditions.len() > MAX_ON_POD_CONDITIONS_PATTERNS {
                errs.push(too_many(&p, conditions.len(), MAX_ON_POD_CONDITIONS_PATTERNS));
            }
            for (j, pattern) in conditions.iter().enumerate() {
                let pp = format!("{p}[{j}]");
                for m in is_qualified_name(&pattern.type_) {
                    errs.push(invalid_str(&format!("{pp}.type"), &pattern.type_, m));
                }
                let statuses = ["False", "True", "Unknown"];
                if pattern.status.is_empty() {
                    errs.push(required(
                        &format!("{pp}.status"),
                        format!("valid values: {}", go_quote_list(&statuses)),
                    ));
                } else if !statuses.contains(&pattern.status.as_str()) {
                    errs.push(not_supported(&format!("{pp}.status"), &pattern.status, &statuses));
                }
            }
        }
        if rule.on_exit_codes.is_some() && !conditions.is_empty() {
            errs.push(invalid_omit(
                &rule_path,
                "specifying both OnExitCodes and OnPodConditions is not supported",
            ));
        }
        if rule.on_exit_codes.is_none() && conditions.is_empty() {
            errs.push(invalid_omit(
                &rule_path,
                "specifying one of OnExitCodes and OnPodConditions is required",
            ));
        }
    }
}

fn validate_on_exit_codes(
    oec: &PodFailurePolicyOnExitCodesRequirement,
    path: &str,
    containers: &BTreeSet<&str>,
    errs: &mut Vec<FieldError>,
) {
    let op_path = format!("{path}.operator");
    if oec.operator.is_empty() {
        errs.push(required(
            &op_path,
            format!("valid values: {}", go_quote_list(&["In", "NotIn"])),
        ));
    } else if oec.operator != "In" && oec.operator != "NotIn" {
        errs.push(not_supported(&op_path, &oec.operator, &["In", "NotIn"]));
    }
    if let Some(name) = &oec.container_name
        && !containers.contains(name.as_str())
    {
        errs.push(invalid_str(
            &format!("{path}.containerName"),
            name,
            "must be one of the container or initContainer names in the pod template",
        ));
    }
    let values_path = format!("{path}.values");
    let rendered = format!(
        "[]int32{{{}}}",
        oec.values.iter().map(|v| v.to_string()).collect::<Vec<_>>().join(", ")
    );
    if oec.values.is_empty() {
        errs.push(invalid(
            &values_path,
            rendered.clone(),
            "at least one value is required",
        ));
    } else if oec.values.len() > MAX_ON_EXIT_CODES_VALUES {
        errs.push(too_many(&values_path, oec.values.len(), MAX_ON_EXIT_CODES_VALUES));
    }
    let mut seen = BTreeSet::new();
    let mut ordered = true;
    for (j, &v) in oec.values.iter().enumerate() {
        let vp = format!("{values_path}[{j}]");
        if oec.operator == "In" && v == 0 {
            errs.push(invalid(&vp, v, "must not be 0 for the In operator"));
        }
        if !seen.insert(v) {
            errs.push(err(ErrorType::Duplicate, &vp, Some(v.to_string()), ""));
        }
        if j > 0 && oec.values[j - 1] > v {
            ordered = false;
        }
    }
    if !ordered {
        errs.push(invalid(&values_path, rendered, "must be ordered"));
    }
}

fn validate_success_policy(spec: &JobSpec, sp: &SuccessPolicy, errs: &mut Vec<FieldError>) {
    let rules_path = "spec.successPolicy.rules";
    if sp.rules.is_empty() {
        errs.push(required(
            rules_path,
            "at least one rules must be specified when the successPolicy is specified",
        ));
    }
    if sp.rules.len() > MAX_SUCCESS_POLICY_RULES {
        errs.push(too_many(rules_path, sp.rules.len(), MAX_SUCCESS_POLICY_RULES));
    }
    let completions = spec.completions.unwrap_or(0);
    for (i, rule) in sp.rules.iter().enumerate() {
        let rp = format!("{rules_path}[{i}]");
        if rule.succeeded_count.is_none() && rule.succeeded_indexes.is_none() {
            errs.push(required(
                &rp,
                "at least one of succeededCount or succeededIndexes must be specified",
            ));
        }
        let mut total = 0;
        if let Some(ix) = &rule.succeeded_indexes {
            let p = format!("{rp}.succeededIndexes");
            if ix.len() > MAX_SUCCEEDED_INDEXES_LENGTH {
                errs.push(err(
                    ErrorType::TooLong,
                    &p,
                    None,
                    format!("must have at most {MAX_SUCCEEDED_INDEXES_LENGTH} bytes"),
                ));
            }
            match validate_indexes_format(ix, completions) {
                Ok(t) => total = t,
                Err(e) => errs.push(invalid_str(&p, ix, format!("error parsing succeededIndexes: {e}"))),
            }
        }
        if let Some(c) = rule.succeeded_count {
            let p = format!("{rp}.succeededCount");
            if let Some(e) = non_negative(&p, c as i64) {
                errs.push(e);
            }
            if c > completions {
                errs.push(invalid(
                    &p,
                    c,
                    format!("must be less than or equal to {completions} (the number of specified completions)"),
                ));
            }
            if rule.succeeded_indexes.is_some() && c > total {
                errs.push(invalid(&p, c, format!("must be less than or equal to {total} (the number of indexes in the specified succeededIndexes field)")));
            }
        }
    }
}

/// Why an index list (`succeededIndexes`, a per-index override's key) is not valid, in the
/// words of `validateIndexesFormat` and `parseIndexInterval`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum IndexesError {
    #[error(
        "the fragment {} violates the requirement that an index interval can have at most two parts separated by '-'",
        go_quote(.0)
    )]
    TooManyParts(String),
    #[error("cannot convert string to integer for index: {}", go_quote(.0))]
    NotAnInteger(String),
    #[error("too large index: {}", go_quote(.0))]
    TooLarge(String),
    #[error("non-increasing order, previous: {previous}, current: {current}")]
    NonIncreasing { previous: i64, current: i64 },
}

/// `validateIndexesFormat`: strictly increasing `a` / `a-b` pieces below `completions`.
pub fn validate_indexes_format(s: &str, completions: i32) -> Result<i32, IndexesError> {
    if s.is_empty() {
        return Ok(0);
    }
    let mut last: Option<i64> = None;
    let mut total: i64 = 0;
    for piece in s.split(',') {
        let (x, y) = parse_index_interval(piece, completions)?;
        if let Some(l) = last
            && l >= x
        {
            return Err(IndexesError::NonIncreasing {
                previous: l,
                current: x,
            });
        }
        total += y - x + 1;
        last = Some(y);
    }
    Ok(total as i32)
}

fn parse_index_interval(piece: &str, completions: i32) -> Result<(i64, i64), IndexesError> {
    let limits: Vec<&str> = piece.split('-').collect();
    if limits.len() > 2 {
        return Err(IndexesError::TooManyParts(piece.to_string()));
    }
    let atoi = |s: &str| super::pod::parse_go_int(s).ok_or_else(|| IndexesError::NotAnInteger(s.to_string()));
    let x = atoi(limits[0])?;
    if x >= completions as i64 {
        return Err(IndexesError::TooLarge(limits[0].to_string()));
    }
    if let Some(l) = limits.get(1) {
        let y = atoi(l)?;
        if y >= completions as i64 {
            return Err(IndexesError::TooLarge(l.to_string()));
        }
        if x >= y {
            return Err(IndexesError::NonIncreasing {
                previous: x,
                current: y,
            });
        }
        return Ok((x, y));
    }
    Ok((x, x))
}

/// `IsExtendedResourceName`: a fully qualified name outside the
/// `kubernetes.io/` domain (`nvidia.com/gpu`), not a quota's `requests.*`.
pub fn is_extended_resource_name(name: &str) -> bool {
    name.contains('/')
        && !name.contains("kubernetes.io/")
        && !name.starts_with("requests.")
        && is_qualified_name(name).is_empty()
}

/// The parts of `ValidatePodTemplateSpec` that matter to Jobs: labels,
/// annotations, containers (names, images, resources) and the pod-level fields
/// the simulator reads.
fn validate_pod_template_spec(t: &PodTemplateSpec, errs: &mut Vec<FieldError>) {
    validate_labels(&t.metadata.labels, "spec.template.metadata.labels", errs);
    validate_annotations(&t.metadata.annotations, "spec.template.metadata.annotations", errs);
    let spec = &t.spec;
    // nodeSelector, node affinity and tolerations as written: a field of the
    // wrong type fails the decoding, before any check.
    let prefix = "spec.template.spec.";
    let directives = super::scheduling::Directives::read(&spec.extra, prefix, errs);
    let mut names = BTreeSet::new();
    for (kind, list) in [
        ("initContainers", &spec.init_containers),
        ("containers", &spec.containers),
    ] {
        for (i, c) in list.iter().enumerate() {
            let p = format!("spec.template.spec.{kind}[{i}]");
            if c.name.is_empty() {
                errs.push(required(&format!("{p}.name"), ""));
            } else {
                for m in is_dns1123_label(&c.name) {
                    errs.push(invalid_str(&format!("{p}.name"), &c.name, m));
                }
                if !names.insert(c.name.as_str()) {
                    errs.push(err(
                        ErrorType::Duplicate,
                        &format!("{p}.name"),
                        Some(go_quote(&c.name)),
                        "",
                    ));
                }
            }
            if c.image.as_deref().is_none_or(|i| i.trim().is_empty()) {
                errs.push(required(&format!("{p}.image"), ""));
            }
            for (res, q) in c.resources.requests.iter().chain(&c.resources.limits) {
                if q.milli_value() < 0 {
                    errs.push(invalid(
                        &format!("{p}.resources.requests[{res}]"),
                        go_quote(q.as_str()),
                        "must be greater than or equal to 0",
                    ));
                }
            }
            // Extended resources (`nvidia.com/gpu`) are whole numbers and
            // cannot be overcommitted: a request needs a limit equal to it.
            for (kind, list) in [("limits", &c.resources.limits), ("requests", &c.resources.requests)] {
                // `validateContainerResourceName`.
                for res in list.keys() {
                    let at = format!("{p}.resources.{kind}[{res}]");
                    let qualified = is_qualified_name(res);
                    if !qualified.is_empty() {
                        errs.extend(qualified.into_iter().map(|m| invalid_str(&at, res, m)));
                    } else if !res.contains('/') {
                        if !["cpu", "memory", "ephemeral-storage"].contains(&res.as_str())
                            && !res.starts_with("hugepages-")
                        {
                            errs.push(invalid_str(&at, res, "must be a standard resource for containers"));
                        }
                    } else if !res.contains("kubernetes.io/") && !is_extended_resource_name(res) {
                        errs.push(invalid_str(&at, res, "doesn't follow extended resource name standard"));
                    }
                }
                for (res, q) in list.iter().filter(|(res, _)| is_extended_resource_name(res)) {
                    if q.milli_value() % 1000 != 0 {
                        errs.push(invalid(
                            &format!("{p}.resources.{kind}[{res}]"),
                            go_quote(q.as_str()),
                            "must be an integer",
                        ));
                    }
                }
            }
            for (res, q) in &c.resources.requests {
                let overcommit = !is_extended_resource_name(res) && !res.starts_with("hugepages-");
                match c.resources.limits.get(res) {
                    Some(l) if !overcommit && q.milli_value() != l.milli_value() => errs.push(invalid(
                        &format!("{p}.resources.requests"),
                        go_quote(q.as_str()),
                        format!("must be equal to {res} limit of {}", l.as_str()),
                    )),
                    Some(l) if q.milli_value() > l.milli_value() => errs.push(invalid(
                        &format!("{p}.resources.requests"),
                        go_quote(q.as_str()),
                        format!("must be less than or equal to {res} limit of {}", l.as_str()),
                    )),
                    None if !overcommit => errs.push(required(
                        &format!("{p}.resources.limits"),
                        "Limit must be set for non overcommitable resources",
                    )),
                    _ => {}
                }
            }
            if let Some(rp) = &c.restart_policy
                && (kind == "containers" || rp != "Always")
            {
                errs.push(err(
                    ErrorType::NotSupported,
                    &format!("{p}.restartPolicy"),
                    Some(go_quote(rp)),
                    "supported values: \"Always\"",
                ));
            }
        }
    }
    if spec.containers.is_empty() {
        errs.push(required("spec.template.spec.containers", ""));
    }
    match spec.restart_policy.as_str() {
        "" => errs.push(required("spec.template.spec.restartPolicy", "")),
        "Always" | "OnFailure" | "Never" => {}
        rp => errs.push(not_supported(
            "spec.template.spec.restartPolicy",
            rp,
            &["Always", "OnFailure", "Never"],
        )),
    }
    directives.validate_affinity(prefix, errs);
    if let Some(e) = spec
        .termination_grace_period_seconds
        .and_then(|g| non_negative("spec.template.spec.terminationGracePeriodSeconds", g))
    {
        errs.push(e);
    }
    if let Some(a) = spec.active_deadline_seconds.filter(|a| *a < 1) {
        errs.push(invalid(
            "spec.template.spec.activeDeadlineSeconds",
            a,
            "must be between 1 and 2147483647, inclusive",
        ));
    }
    directives.validate_tolerations(prefix, errs);
}

/// `ValidateJobUpdate`: the spec rules for the new object plus immutability.
pub fn validate_job_update(job: &Job, old: &Job, opts: &ValidationOptions) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let (spec, old_spec) = (&job.spec, &old.spec);
    validate_job_spec_with_selector(spec, &mut errs);
    let immutable = |field: &str, value: String| invalid(field, value, "field is immutable");
    // validateCompletions: Elastic Indexed Jobs may change completions together with parallelism.
    if spec.completions != old_spec.completions {
        if !opts.allow_elastic_indexed_jobs || !job.is_indexed() {
            errs.push(immutable("spec.completions", fmt_opt(spec.completions)));
        } else if let Some(c) = spec.completions
            && Some(c) != spec.parallelism
        {
            errs.push(invalid(
                "spec.completions",
                c,
                "can only be modified in tandem with spec.parallelism",
            ));
        }
    }
    if spec.selector != old_spec.selector {
        errs.push(immutable(
            "spec.selector",
            spec.selector
                .as_deref()
                .map(go_selector)
                .unwrap_or_else(|| "null".into()),
        ));
    }
    let mut old_template = old_spec.template.clone();
    if opts.allow_mutable_scheduling_directives {
        copy_scheduling_directives(&spec.template, &mut old_template);
    }
    if spec.template != old_template {
        errs.push(immutable("spec.template", "core.PodTemplateSpec{...}".into()));
    }
    if spec.completion_mode != old_spec.completion_mode {
        errs.push(immutable(
            "spec.completionMode",
            spec.completion_mode
                .as_deref()
                .map(go_quote)
                .unwrap_or_else(|| "null".into()),
        ));
    }
    if spec.pod_failure_policy != old_spec.pod_failure_policy {
        errs.push(immutable("spec.podFailurePolicy", "batch.PodFailurePolicy{...}".into()));
    }
    if spec.backoff_limit_per_index != old_spec.backoff_limit_per_index {
        errs.push(immutable(
            "spec.backoffLimitPerIndex",
            fmt_opt(spec.backoff_limit_per_index),
        ));
    }
    if spec.managed_by != old_spec.managed_by {
        errs.push(immutable(
            "spec.managedBy",
            spec.managed_by
                .as_deref()
                .map(go_quote)
                .unwrap_or_else(|| "null".into()),
        ));
    }
    if spec.success_policy != old_spec.success_policy {
        errs.push(immutable("spec.successPolicy", "batch.SuccessPolicy{...}".into()));
    }
    errs
}

fn fmt_opt(v: Option<i32>) -> String {
    v.map_or_else(|| "null".to_string(), |v| v.to_string())
}

/// `validatePodTemplateUpdate` with `AllowMutableSchedulingDirectives`: node
/// affinity, node selector, tolerations, labels, annotations and scheduling
/// gates may change.
fn copy_scheduling_directives(new: &PodTemplateSpec, old: &mut PodTemplateSpec) {
    let new_aff = new.spec.extra.get("affinity").filter(|v| !v.is_null());
    let old_aff = old.spec.extra.get("affinity").filter(|v| !v.is_null()).cloned();
    let node_affinity = new_aff.and_then(|a| a.get("nodeAffinity")).cloned();
    let old_extra = Arc::make_mut(&mut Arc::make_mut(&mut old.spec).extra);
    match (new_aff, old_aff) {
        (None, Some(mut o)) => {
            if let Some(m) = o.as_object_mut() {
                m.remove("nodeAffinity");
                if m.is_empty() {
                    old_extra.remove("affinity");
                } else {
                    old_extra.insert("affinity".into(), o);
                }
            }
        }
        (Some(_), None) => {
            let mut m = serde_json::Map::new();
            if let Some(na) = node_affinity {
                m.insert("nodeAffinity".into(), na);
            }
            old_extra.insert("affinity".into(), serde_json::Value::Object(m));
        }
        (Some(_), Some(mut o)) => {
            if let Some(m) = o.as_object_mut() {
                match node_affinity {
                    Some(na) => m.insert("nodeAffinity".into(), na),
                    None => m.remove("nodeAffinity"),
                };
            }
            old_extra.insert("affinity".into(), o);
        }
        (None, None) => {}
    }
    for key in ["nodeSelector", "tolerations", "schedulingGates"] {
        match new.spec.extra.get(key) {
            Some(v) => old_extra.insert(key.into(), v.clone()),
            None => old_extra.remove(key),
        };
    }
    old.metadata.annotations = new.metadata.annotations.clone();
    old.metadata.labels = new.metadata.labels.clone();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn valid_job() -> Job {
        let mut job = Job::default();
        job.metadata.name = "pi".into();
        job.metadata.namespace = "default".into();
        job.metadata.uid = "u1".into();
        let labels: Labels = [
            (LEGACY_CONTROLLER_UID_LABEL, "u1"),
            (LEGACY_JOB_NAME_LABEL, "pi"),
            (CONTROLLER_UID_LABEL, "u1"),
            (JOB_NAME_LABEL, "pi"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        job.spec.selector = Some(Box::new(LabelSelector {
            match_labels: [(CONTROLLER_UID_LABEL.to_string(), "u1".to_string())].into(),
            ..Default::default()
        }));
        job.spec.template.metadata.labels = labels;
        Arc::make_mut(&mut job.spec.template.spec).restart_policy = "Never".into();
        Arc::make_mut(&mut job.spec.template.spec)
            .containers
            .push(super::super::pod::Container {
                name: "pi".into(),
                image: Some("perl".into()),
                ..Default::default()
            });
        job
    }

    fn messages(job: &Job) -> Vec<String> {
        validate_job(
            job,
            &ValidationOptions {
                require_prefixed_labels: true,
                ..Default::default()
            },
        )
        .iter()
        .map(|e| e.to_string())
        .collect()
    }

    #[test]
    fn a_minimal_job_is_valid() {
        assert_eq!(messages(&valid_job()), Vec::<String>::new());
    }

    #[test]
    fn indexed_without_completions_reads_like_the_api_server() {
        let mut job = valid_job();
        job.spec.completion_mode = Some(INDEXED.into());
        assert_eq!(
            messages(&job),
            vec!["spec.completions: Required value: when completion mode is Indexed"]
        );
    }

    #[test]
    fn restart_policy_always_is_required_error() {
        let mut job = valid_job();
        Arc::make_mut(&mut job.spec.template.spec).restart_policy = "Always".into();
        assert_eq!(
            messages(&job),
            vec!["spec.template.spec.restartPolicy: Required value: valid values: \"OnFailure\", \"Never\""]
        );
    }

    #[test]
    fn extended_resources_are_whole_and_not_overcommitted() {
        use super::super::quantity::Quantity;
        let q = |s: &str| Quantity::parse(s).unwrap();
        let mut job = valid_job();
        let res = &mut Arc::make_mut(&mut job.spec.template.spec).containers[0].resources;
        res.requests.insert("nvidia.com/gpu".into(), q("1"));
        res.limits.insert("nvidia.com/gpu".into(), q("1"));
        res.requests.insert("cpu".into(), q("500m"));
        assert_eq!(
            messages(&job),
            Vec::<String>::new(),
            "requests equal to limits; cpu may be fractional"
        );
        let res = &mut Arc::make_mut(&mut job.spec.template.spec).containers[0].resources;
        res.limits.insert("nvidia.com/gpu".into(), q("2"));
        res.requests.insert("example.com/fpga".into(), q("500m"));
        res.requests.insert("gpu".into(), q("1"));
        let p = "spec.template.spec.containers[0].resources";
        assert_eq!(
            messages(&job),
            vec![
                format!("{p}.requests[gpu]: Invalid value: \"gpu\": must be a standard resource for containers"),
                format!("{p}.requests[example.com/fpga]: Invalid value: \"500m\": must be an integer"),
                format!("{p}.limits: Required value: Limit must be set for non overcommitable resources"),
                format!("{p}.requests: Invalid value: \"1\": must be equal to nvidia.com/gpu limit of 2"),
            ]
        );
    }

    #[test]
    fn unsorted_exit_codes_must_be_ordered() {
        let mut job = valid_job();
        job.spec.pod_failure_policy = Some(PodFailurePolicy {
            rules: vec![PodFailurePolicyRule {
                action: "FailJob".into(),
                on_exit_codes: Some(PodFailurePolicyOnExitCodesRequirement {
                    container_name: None,
                    operator: "In".into(),
                    values: vec![3, 1],
                }),
                ..Default::default()
            }],
        });
        assert_eq!(
            messages(&job),
            vec!["spec.podFailurePolicy.rules[0].onExitCodes.values: Invalid value: []int32{3, 1}: must be ordered"]
        );
    }

    #[test]
    fn index_string_format() {
        assert_eq!(validate_indexes_format("0,2-4", 5), Ok(4));
        let msg = |s: &str| validate_indexes_format(s, 5).unwrap_err().to_string();
        assert_eq!(msg("2,1"), "non-increasing order, previous: 2, current: 1");
        assert_eq!(msg("3-1"), "non-increasing order, previous: 3, current: 1");
        assert_eq!(msg("7"), "too large index: \"7\"");
        assert_eq!(msg("1-9"), "too large index: \"9\"");
        assert_eq!(msg("x"), "cannot convert string to integer for index: \"x\"");
        assert_eq!(
            msg("1-2-3"),
            "the fragment \"1-2-3\" violates the requirement that an index interval can have at most two parts \
             separated by '-'"
        );
    }
}
