//! The scheduling directives of a pod (`core/v1`): `nodeSelector`, required
//! and preferred node affinity, tolerations; node taints; how kube-scheduler
//! matches them (`k8s.io/component-helpers/scheduling/corev1/nodeaffinity`,
//! `Toleration.ToleratesTaint`); and the API server's checks of them
//! (`ValidateNodeSelector`, `ValidatePreferredSchedulingTerms`,
//! `ValidateTolerations`, `validateNodeTaints` in
//! `pkg/apis/core/validation`).
//!
//! A pod template keeps these fields in its `extra` map, as written, so that
//! `jobs.yaml` gives them back untouched; [`Directives::read`] reads them.

use super::field::{FieldError, go_quote, is_qualified_name, is_valid_label_value};
use super::pod::PodSpec;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// The label the kubelet sets to the node's name.
pub const LABEL_HOSTNAME: &str = "kubernetes.io/hostname";
/// Labels every node of the model has, as a Linux amd64 kubelet sets them
/// (a pool's `labels` may override them).
pub const DEFAULT_NODE_LABELS: [(&str, &str); 2] = [("kubernetes.io/arch", "amd64"), ("kubernetes.io/os", "linux")];
/// The taint of a cordoned node (`TaintNodeUnschedulable`).
pub const TAINT_NODE_UNSCHEDULABLE: &str = "node.kubernetes.io/unschedulable";
/// The taint of a node whose kubelet stopped reporting (`TaintNodeUnreachable`).
pub const TAINT_NODE_UNREACHABLE: &str = "node.kubernetes.io/unreachable";
/// The one field `matchFields` may name.
const OBJECT_NAME_FIELD: &str = "metadata.name";

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum TaintEffect {
    NoSchedule,
    PreferNoSchedule,
    NoExecute,
}

impl TaintEffect {
    pub const NAMES: [&'static str; 3] = ["NoSchedule", "PreferNoSchedule", "NoExecute"];

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "NoSchedule" => Some(TaintEffect::NoSchedule),
            "PreferNoSchedule" => Some(TaintEffect::PreferNoSchedule),
            "NoExecute" => Some(TaintEffect::NoExecute),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        Self::NAMES[self as usize]
    }

    /// `NoSchedule` and `NoExecute` keep pods off a node
    /// (`DoNotScheduleTaintsFilterFunc`); `PreferNoSchedule` only scores.
    pub fn filters(self) -> bool {
        self != TaintEffect::PreferNoSchedule
    }
}

/// `v1.Taint` (without `timeAdded`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Taint {
    pub key: String,
    pub value: String,
    pub effect: TaintEffect,
}

/// `v1.Toleration`. An empty operator is `Equal`; an empty effect matches
/// every effect.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Toleration {
    pub key: String,
    pub operator: String,
    pub value: String,
    pub effect: String,
    pub toleration_seconds: Option<i64>,
}

impl Toleration {
    /// `ToleratesTaint`: effect (when given), key (when given), then the
    /// value for `Equal`; `Exists` with no key tolerates every taint.
    pub fn tolerates(&self, taint: &Taint) -> bool {
        if !self.effect.is_empty() && self.effect != taint.effect.as_str() {
            return false;
        }
        if !self.key.is_empty() && self.key != taint.key {
            return false;
        }
        match self.operator.as_str() {
            "" | "Equal" => self.value == taint.value,
            "Exists" => true,
            _ => false,
        }
    }
}

/// `TolerationsTolerateTaint`.
pub fn tolerated(tolerations: &[Toleration], taint: &Taint) -> bool {
    tolerations.iter().any(|t| t.tolerates(taint))
}

/// `v1.NodeSelectorRequirement`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Requirement {
    pub key: String,
    pub operator: String,
    pub values: Vec<String>,
}

impl Requirement {
    /// As `labels.Requirement.Matches` does for a node's labels (`get`):
    /// `NotIn` and `DoesNotExist` hold for a node without the label; `Gt` and
    /// `Lt` compare whole numbers, and hold for no node when either side is
    /// not one.
    pub fn matches<'a>(&self, get: impl Fn(&str) -> Option<&'a str>) -> bool {
        let value = get(&self.key);
        let contains = |v: &str| self.values.iter().any(|x| x == v);
        match self.operator.as_str() {
            "In" => value.is_some_and(contains),
            "NotIn" => !value.is_some_and(contains),
            "Exists" => value.is_some(),
            "DoesNotExist" => value.is_none(),
            op @ ("Gt" | "Lt") => {
                let (Some(have), [want]) = (value, self.values.as_slice()) else {
                    return false;
                };
                match (have.parse::<i64>(), want.parse::<i64>()) {
                    (Ok(h), Ok(w)) => (op == "Gt" && h > w) || (op == "Lt" && h < w),
                    _ => false,
                }
            }
            _ => false,
        }
    }
}

/// `v1.NodeSelectorTerm`: its expressions and fields are ANDed; a term with
/// neither matches no node.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Term {
    pub match_expressions: Vec<Requirement>,
    pub match_fields: Vec<Requirement>,
}

impl Term {
    pub fn matches<'a>(&self, get: impl Fn(&str) -> Option<&'a str> + Copy, node_name: &'a str) -> bool {
        if self.match_expressions.is_empty() && self.match_fields.is_empty() {
            return false;
        }
        self.match_expressions.iter().all(|r| r.matches(get))
            && self
                .match_fields
                .iter()
                .all(|r| r.key == OBJECT_NAME_FIELD && r.matches(|_| Some(node_name)))
    }

    /// Whether the term reads a node's own name (its hostname label or
    /// `metadata.name`), which differs from node to node of a pool.
    pub fn names_nodes(&self) -> bool {
        !self.match_fields.is_empty() || self.match_expressions.iter().any(|r| r.key == LABEL_HOSTNAME)
    }
}

/// `v1.PreferredSchedulingTerm`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Preferred {
    pub weight: i32,
    pub preference: Term,
}

/// What a pod template says about where its pods may go.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Directives {
    pub node_selector: BTreeMap<String, String>,
    /// `requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms`
    /// (ORed); `None` without a required node affinity.
    pub required: Option<Vec<Term>>,
    /// `preferredDuringSchedulingIgnoredDuringExecution`.
    pub preferred: Vec<Preferred>,
    pub tolerations: Vec<Toleration>,
}

impl Directives {
    /// The directives of a pod spec; fields that are not well formed (which
    /// validation reports) are left out.
    pub fn of(spec: &PodSpec) -> Self {
        Self::read(&spec.extra, "", &mut Vec::new())
    }

    /// Reads the directives of a pod spec's fields, reporting each field of
    /// the wrong type or unknown at its path under `prefix`
    /// (`spec.template.spec.`).
    pub fn read(extra: &BTreeMap<String, Value>, prefix: &str, errs: &mut Vec<FieldError>) -> Self {
        let mut r = Reader { errs };
        let mut d = Directives::default();
        if let Some(v) = extra.get("nodeSelector") {
            d.node_selector = r.string_map(v, &format!("{prefix}nodeSelector"));
        }
        let aff_path = format!("{prefix}affinity");
        if let Some(na) = extra
            .get("affinity")
            .and_then(|a| r.object(a, &aff_path, None))
            .and_then(|a| a.get("nodeAffinity"))
        {
            let p = format!("{aff_path}.nodeAffinity");
            if let Some(na) = r.object(
                na,
                &p,
                Some(&[
                    "requiredDuringSchedulingIgnoredDuringExecution",
                    "preferredDuringSchedulingIgnoredDuringExecution",
                ]),
            ) {
                let req_path = format!("{p}.requiredDuringSchedulingIgnoredDuringExecution");
                if let Some(sel) = na
                    .get("requiredDuringSchedulingIgnoredDuringExecution")
                    .and_then(|s| r.object(s, &req_path, Some(&["nodeSelectorTerms"])))
                {
                    let terms_path = format!("{req_path}.nodeSelectorTerms");
                    let terms = sel.get("nodeSelectorTerms").map_or(&[][..], |t| r.list(t, &terms_path));
                    d.required = Some(
                        terms
                            .iter()
                            .enumerate()
                            .map(|(i, t)| r.term(t, &format!("{terms_path}[{i}]")))
                            .collect(),
                    );
                }
                let pref_path = format!("{p}.preferredDuringSchedulingIgnoredDuringExecution");
                if let Some(list) = na.get("preferredDuringSchedulingIgnoredDuringExecution") {
                    for (i, t) in r.list(list, &pref_path).iter().enumerate() {
                        let tp = format!("{pref_path}[{i}]");
                        let Some(o) = r.object(t, &tp, Some(&["weight", "preference"])) else {
                            continue;
                        };
                        let weight = o.get("weight").map_or(0, |w| r.int(w, &format!("{tp}.weight")));
                        let preference = o
                            .get("preference")
                            .map(|t| r.term(t, &format!("{tp}.preference")))
                            .unwrap_or_default();
                        d.preferred.push(Preferred {
                            weight: weight.clamp(i32::MIN as i64, i32::MAX as i64) as i32,
                            preference,
                        });
                    }
                }
            }
        }
        if let Some(v) = extra.get("tolerations") {
            let p = format!("{prefix}tolerations");
            for (i, t) in r.list(v, &p).iter().enumerate() {
                let tp = format!("{p}[{i}]");
                let Some(o) = r.object(
                    t,
                    &tp,
                    Some(&["key", "operator", "value", "effect", "tolerationSeconds"]),
                ) else {
                    continue;
                };
                let s =
                    |r: &mut Reader, k: &str| o.get(k).map(|v| r.string(v, &format!("{tp}.{k}"))).unwrap_or_default();
                d.tolerations.push(Toleration {
                    key: s(&mut r, "key"),
                    operator: s(&mut r, "operator"),
                    value: s(&mut r, "value"),
                    effect: s(&mut r, "effect"),
                    toleration_seconds: o
                        .get("tolerationSeconds")
                        .filter(|v| !v.is_null())
                        .map(|v| r.int(v, &format!("{tp}.tolerationSeconds"))),
                });
            }
        }
        d
    }

    /// Whether a node with these labels (`get`) and name passes the
    /// `NodeAffinity` filter: every `nodeSelector` label, and one of the
    /// required terms (`GetRequiredNodeAffinity(pod).Match`).
    pub fn match_node<'a>(&self, get: impl Fn(&str) -> Option<&'a str> + Copy, node_name: &'a str) -> bool {
        self.node_selector.iter().all(|(k, v)| get(k) == Some(v.as_str()))
            && self
                .required
                .as_ref()
                .is_none_or(|terms| terms.iter().any(|t| t.matches(get, node_name)))
    }

    /// The `NodeAffinity` score of a node before normalising: the weights of
    /// the preferred terms it matches.
    pub fn preference<'a>(&self, get: impl Fn(&str) -> Option<&'a str> + Copy, node_name: &'a str) -> i64 {
        self.preferred
            .iter()
            .filter(|p| p.preference.matches(get, node_name))
            .map(|p| p.weight as i64)
            .sum()
    }

    /// Whether matching depends on a node's own name, not only on its pool's labels.
    pub fn names_nodes(&self) -> bool {
        self.node_selector.contains_key(LABEL_HOSTNAME) || self.required.iter().flatten().any(Term::names_nodes)
    }

    /// Whether the preference score depends on a node's own name.
    pub fn prefers_nodes(&self) -> bool {
        self.preferred.iter().any(|p| p.preference.names_nodes())
    }

    /// The first of `taints` with a filtering effect that no toleration
    /// tolerates (`FindMatchingUntoleratedTaint` with
    /// `DoNotScheduleTaintsFilterFunc`).
    pub fn untolerated<'t>(&self, taints: &'t [Taint]) -> Option<&'t Taint> {
        taints
            .iter()
            .find(|t| t.effect.filters() && !tolerated(&self.tolerations, t))
    }

    /// `PreferNoSchedule` taints not tolerated by the tolerations with that
    /// effect or none (the `TaintToleration` score, fewer is better).
    pub fn intolerable_preferences(&self, taints: &[Taint]) -> u32 {
        let tols: Vec<Toleration> = self
            .tolerations
            .iter()
            .filter(|t| t.effect.is_empty() || t.effect == "PreferNoSchedule")
            .cloned()
            .collect();
        taints
            .iter()
            .filter(|t| t.effect == TaintEffect::PreferNoSchedule && !tolerated(&tols, t))
            .count() as u32
    }

    /// Whether the pods tolerate the `NoSchedule` taint a node carries under `key`.
    pub fn tolerates_no_schedule(&self, key: &str) -> bool {
        let taint = Taint {
            key: key.into(),
            value: String::new(),
            effect: TaintEffect::NoSchedule,
        };
        tolerated(&self.tolerations, &taint)
    }

    /// The API server's checks of the directives a pod spec holds, reported
    /// under `prefix`, in `ValidatePodSpec`'s order (tolerations come after
    /// other fields). Fields of the wrong type are reported by [`Directives::read`].
    pub fn validate(&self, prefix: &str, errs: &mut Vec<FieldError>) {
        self.validate_affinity(prefix, errs);
        self.validate_tolerations(prefix, errs);
    }

    /// `nodeSelector` (`ValidateLabels`) and node affinity (`validateAffinity`).
    pub fn validate_affinity(&self, prefix: &str, errs: &mut Vec<FieldError>) {
        for (k, v) in &self.node_selector {
            let p = format!("{prefix}nodeSelector");
            for m in is_qualified_name(k) {
                errs.push(FieldError::invalid(&p, go_quote(k), m));
            }
            for m in is_valid_label_value(v) {
                errs.push(FieldError::invalid(&p, go_quote(v), m));
            }
        }
        let na = format!("{prefix}affinity.nodeAffinity");
        if let Some(terms) = &self.required {
            let p = format!("{na}.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms");
            if terms.is_empty() {
                errs.push(FieldError::required(&p, "must have at least one node selector term"));
            }
            for (i, t) in terms.iter().enumerate() {
                validate_term(t, &format!("{p}[{i}]"), errs);
            }
        }
        for (i, pref) in self.preferred.iter().enumerate() {
            let p = format!("{na}.preferredDuringSchedulingIgnoredDuringExecution[{i}]");
            if !(1..=100).contains(&pref.weight) {
                errs.push(FieldError::invalid(
                    &format!("{p}.weight"),
                    pref.weight,
                    "must be in the range 1-100",
                ));
            }
            validate_term(&pref.preference, &format!("{p}.preference"), errs);
        }
    }

    /// `ValidateTolerations`.
    pub fn validate_tolerations(&self, prefix: &str, errs: &mut Vec<FieldError>) {
        for (i, t) in self.tolerations.iter().enumerate() {
            validate_toleration(t, &format!("{prefix}tolerations[{i}]"), errs);
        }
    }
}

/// `validateNodeSelectorTerm`.
fn validate_term(t: &Term, path: &str, errs: &mut Vec<FieldError>) {
    for (j, r) in t.match_expressions.iter().enumerate() {
        let p = format!("{path}.matchExpressions[{j}]");
        match r.operator.as_str() {
            "In" | "NotIn" if r.values.is_empty() => errs.push(FieldError::required(
                &format!("{p}.values"),
                "must be specified when `operator` is 'In' or 'NotIn'",
            )),
            "Exists" | "DoesNotExist" if !r.values.is_empty() => errs.push(FieldError::forbidden(
                &format!("{p}.values"),
                "may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
            )),
            "Gt" | "Lt" if r.values.len() != 1 => errs.push(FieldError::required(
                &format!("{p}.values"),
                "must be specified single value when `operator` is 'Lt' or 'Gt'",
            )),
            "In" | "NotIn" | "Exists" | "DoesNotExist" | "Gt" | "Lt" => {}
            op => errs.push(FieldError::invalid(
                &format!("{p}.operator"),
                go_quote(op),
                "not a valid selector operator",
            )),
        }
        for m in is_qualified_name(&r.key) {
            errs.push(FieldError::invalid(&format!("{p}.key"), go_quote(&r.key), m));
        }
    }
    // `ValidateNodeFieldSelectorRequirement`.
    for (j, r) in t.match_fields.iter().enumerate() {
        let p = format!("{path}.matchFields[{j}]");
        match r.operator.as_str() {
            "In" | "NotIn" if r.values.len() != 1 => errs.push(FieldError::required(
                &format!("{p}.values"),
                "must be only one value when `operator` is 'In' or 'NotIn' for node field selector",
            )),
            "In" | "NotIn" => {}
            op => errs.push(FieldError::invalid(
                &format!("{p}.operator"),
                go_quote(op),
                "not a valid selector operator",
            )),
        }
        if r.key != OBJECT_NAME_FIELD {
            errs.push(FieldError::invalid(
                &format!("{p}.key"),
                go_quote(&r.key),
                "not a valid field selector key",
            ));
        }
    }
}

/// `ValidateTolerations`, for one toleration.
fn validate_toleration(t: &Toleration, path: &str, errs: &mut Vec<FieldError>) {
    if !t.key.is_empty() {
        for m in is_qualified_name(&t.key) {
            errs.push(FieldError::invalid(&format!("{path}.key"), go_quote(&t.key), m));
        }
    }
    if t.key.is_empty() && t.operator != "Exists" {
        errs.push(FieldError::invalid(
            &format!("{path}.operator"),
            go_quote(&t.operator),
            "operator must be Exists when `key` is empty, which means \"match all values and all keys\"",
        ));
    }
    if t.toleration_seconds.is_some() && t.effect != "NoExecute" {
        errs.push(FieldError::invalid(
            &format!("{path}.effect"),
            go_quote(&t.effect),
            "effect must be 'NoExecute' when `tolerationSeconds` is set",
        ));
    }
    match t.operator.as_str() {
        "" | "Equal" => {
            let ms = is_valid_label_value(&t.value);
            if !ms.is_empty() {
                errs.push(FieldError::invalid(
                    &format!("{path}.operator"),
                    go_quote(&t.value),
                    ms.join(";"),
                ));
            }
        }
        "Exists" => {
            if !t.value.is_empty() {
                errs.push(FieldError::invalid(
                    &format!("{path}.operator"),
                    format!(
                        "core.Toleration{{Key:{}, Operator:\"Exists\", Value:{}, Effect:{}, TolerationSeconds:{}}}",
                        go_quote(&t.key),
                        go_quote(&t.value),
                        go_quote(&t.effect),
                        t.toleration_seconds
                            .map_or("(*int64)(nil)".to_string(), |s| format!("(*int64)({s})"))
                    ),
                    "value must be empty when `operator` is 'Exists'",
                ));
            }
        }
        op => errs.push(FieldError::not_supported(
            &format!("{path}.operator"),
            op,
            &["Equal", "Exists"],
        )),
    }
    if !t.effect.is_empty() && TaintEffect::parse(&t.effect).is_none() {
        errs.push(FieldError::not_supported(
            &format!("{path}.effect"),
            &t.effect,
            &TaintEffect::NAMES,
        ));
    }
}

/// `validateNodeTaints`: keys and values as label keys and values, an
/// effect (required) of the three, no two taints with the same key and
/// effect. `taints` are as written: (key, value, effect).
pub fn validate_taints(taints: &[(String, String, String)], path: &str) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let mut seen: Vec<(&str, &str)> = Vec::new();
    for (i, (key, value, effect)) in taints.iter().enumerate() {
        let p = format!("{path}[{i}]");
        for m in is_qualified_name(key) {
            errs.push(FieldError::invalid(&format!("{p}.key"), go_quote(key), m));
        }
        let ms = is_valid_label_value(value);
        if !ms.is_empty() {
            errs.push(FieldError::invalid(
                &format!("{p}.value"),
                go_quote(value),
                ms.join(";"),
            ));
        }
        if effect.is_empty() {
            errs.push(FieldError::required(&format!("{p}.effect"), ""));
        } else if TaintEffect::parse(effect).is_none() {
            errs.push(FieldError::not_supported(
                &format!("{p}.effect"),
                effect,
                &TaintEffect::NAMES,
            ));
        }
        if seen.contains(&(key.as_str(), effect.as_str())) {
            errs.push(FieldError::duplicate(
                &p,
                format!(
                    "core.Taint{{Key:{}, Value:{}, Effect:{}, TimeAdded:(*v1.Time)(nil)}}",
                    go_quote(key),
                    go_quote(value),
                    go_quote(effect)
                ),
                "taints must be unique by key and effect pair",
            ));
            continue;
        }
        seen.push((key, effect));
    }
    errs
}

/// Reads JSON fields, reporting those of the wrong type or unknown.
struct Reader<'e> {
    errs: &'e mut Vec<FieldError>,
}

/// What a JSON value is, in the words of a message (`the string "x"`).
fn found(v: &Value) -> String {
    match v {
        Value::String(s) => format!("the string {}", go_quote(s)),
        Value::Number(n) => format!("the number {n}"),
        Value::Bool(b) => format!("the boolean {b}"),
        Value::Array(_) => "a list".into(),
        Value::Object(_) => "a mapping".into(),
        Value::Null => "null".into(),
    }
}

impl Reader<'_> {
    fn wrong(&mut self, path: &str, expected: &str, v: &Value) {
        self.errs.push(FieldError::invalid_detail(
            path,
            format!("expected {expected}, got {}", found(v)),
        ));
    }

    /// A mapping; with `fields`, each key must be one of them. `null` is absent.
    fn object<'v>(&mut self, v: &'v Value, path: &str, fields: Option<&[&str]>) -> Option<&'v Map<String, Value>> {
        match v {
            Value::Null => None,
            Value::Object(o) => {
                for key in o.keys() {
                    if let Some(fields) = fields.filter(|f| !f.contains(&key.as_str())) {
                        self.errs.push(FieldError::invalid_detail(
                            &format!("{path}.{key}"),
                            format!(
                                "unknown field {}; expected one of: {}",
                                go_quote(key),
                                fields.join(", ")
                            ),
                        ));
                    }
                }
                Some(o)
            }
            _ => {
                self.wrong(path, "a mapping of fields", v);
                None
            }
        }
    }

    fn list<'v>(&mut self, v: &'v Value, path: &str) -> &'v [Value] {
        match v {
            Value::Null => &[],
            Value::Array(a) => a,
            _ => {
                self.wrong(path, "a list", v);
                &[]
            }
        }
    }

    fn string(&mut self, v: &Value, path: &str) -> String {
        match v {
            Value::Null => String::new(),
            Value::String(s) => s.clone(),
            _ => {
                self.wrong(path, "a string", v);
                String::new()
            }
        }
    }

    fn int(&mut self, v: &Value, path: &str) -> i64 {
        match v.as_i64() {
            Some(n) => n,
            None => {
                self.wrong(path, "a whole number", v);
                0
            }
        }
    }

    fn strings(&mut self, v: &Value, path: &str) -> Vec<String> {
        let list = self.list(v, path);
        list.iter()
            .enumerate()
            .map(|(i, s)| self.string(s, &format!("{path}[{i}]")))
            .collect()
    }

    fn string_map(&mut self, v: &Value, path: &str) -> BTreeMap<String, String> {
        let Some(o) = self.object(v, path, None) else {
            return BTreeMap::new();
        };
        o.iter()
            .map(|(k, v)| (k.clone(), self.string(v, &format!("{path}.{k}"))))
            .collect()
    }

    fn requirements(&mut self, v: Option<&Value>, path: &str) -> Vec<Requirement> {
        let Some(v) = v else { return Vec::new() };
        let list = self.list(v, path);
        let mut out = Vec::with_capacity(list.len());
        for (i, r) in list.iter().enumerate() {
            let p = format!("{path}[{i}]");
            let Some(o) = self.object(r, &p, Some(&["key", "operator", "values"])) else {
                continue;
            };
            out.push(Requirement {
                key: o
                    .get("key")
                    .map(|k| self.string(k, &format!("{p}.key")))
                    .unwrap_or_default(),
                operator: o
                    .get("operator")
                    .map(|k| self.string(k, &format!("{p}.operator")))
                    .unwrap_or_default(),
                values: o
                    .get("values")
                    .map(|k| self.strings(k, &format!("{p}.values")))
                    .unwrap_or_default(),
            });
        }
        out
    }

    fn term(&mut self, v: &Value, path: &str) -> Term {
        let Some(o) = self.object(v, path, Some(&["matchExpressions", "matchFields"])) else {
            return Term::default();
        };
        Term {
            match_expressions: self.requirements(o.get("matchExpressions"), &format!("{path}.matchExpressions")),
            match_fields: self.requirements(o.get("matchFields"), &format!("{path}.matchFields")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn labels(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<&'static str> + Copy {
        move |k: &str| pairs.iter().find(|(key, _)| *key == k).map(|(_, v)| *v)
    }

    fn req(key: &str, op: &str, values: &[&str]) -> Requirement {
        Requirement {
            key: key.into(),
            operator: op.into(),
            values: values.iter().map(|s| s.to_string()).collect(),
        }
    }

    fn directives(extra: Value) -> (Directives, Vec<String>) {
        let extra: BTreeMap<String, Value> = serde_json::from_value(extra).unwrap();
        let mut errs = Vec::new();
        let d = Directives::read(&extra, "spec.template.spec.", &mut errs);
        d.validate("spec.template.spec.", &mut errs);
        (d, errs.iter().map(|e| e.to_string()).collect())
    }

    #[test]
    fn each_operator_matches_as_label_requirements_do() {
        let node = labels(&[("zone", "a"), ("gpus", "4"), ("tier", "x1")]);
        for (r, want) in [
            (req("zone", "In", &["a", "b"]), true),
            (req("zone", "In", &["b"]), false),
            (req("missing", "In", &["a"]), false),
            (req("zone", "NotIn", &["b"]), true),
            (req("zone", "NotIn", &["a"]), false),
            (req("missing", "NotIn", &["a"]), true),
            (req("zone", "Exists", &[]), true),
            (req("missing", "Exists", &[]), false),
            (req("zone", "DoesNotExist", &[]), false),
            (req("missing", "DoesNotExist", &[]), true),
            (req("gpus", "Gt", &["3"]), true),
            (req("gpus", "Gt", &["4"]), false),
            (req("gpus", "Lt", &["5"]), true),
            (req("gpus", "Lt", &["4"]), false),
            (req("tier", "Gt", &["0"]), false),
            (req("gpus", "Gt", &["x"]), false),
            (req("missing", "Lt", &["9"]), false),
        ] {
            assert_eq!(r.matches(node), want, "{r:?}");
        }
    }

    #[test]
    fn terms_are_ored_and_their_expressions_anded() {
        let node = labels(&[("zone", "a"), ("disk", "ssd")]);
        let term = |rs: Vec<Requirement>| Term {
            match_expressions: rs,
            match_fields: vec![],
        };
        let d = Directives {
            required: Some(vec![
                term(vec![req("zone", "In", &["b"]), req("disk", "Exists", &[])]),
                term(vec![req("zone", "In", &["a"]), req("disk", "In", &["ssd"])]),
            ]),
            ..Default::default()
        };
        assert!(d.match_node(node, "n-0"));
        let d = Directives {
            required: Some(vec![
                term(vec![req("zone", "In", &["a"]), req("disk", "In", &["hdd"])]),
                term(vec![]),
            ]),
            ..Default::default()
        };
        assert!(
            !d.match_node(node, "n-0"),
            "no term holds; an empty term matches nothing"
        );
        let by_name = Directives {
            required: Some(vec![Term {
                match_expressions: vec![],
                match_fields: vec![req("metadata.name", "In", &["n-1"])],
            }]),
            ..Default::default()
        };
        assert!(!by_name.match_node(node, "n-0"));
        assert!(by_name.match_node(node, "n-1"));
        assert!(by_name.names_nodes());
    }

    #[test]
    fn node_selector_needs_every_label_and_the_affinity_too() {
        let node = labels(&[("accelerator", "a100"), ("zone", "a")]);
        let mut d = Directives::default();
        d.node_selector.insert("accelerator".into(), "a100".into());
        assert!(d.match_node(node, "n"));
        d.node_selector.insert("zone".into(), "b".into());
        assert!(!d.match_node(node, "n"));
        d.node_selector.insert("zone".into(), "a".into());
        d.required = Some(vec![Term {
            match_expressions: vec![req("zone", "NotIn", &["a"])],
            match_fields: vec![],
        }]);
        assert!(!d.match_node(node, "n"), "selector and affinity are ANDed");
    }

    #[test]
    fn tolerations_match_key_value_and_effect() {
        let taint = Taint {
            key: "nvidia.com/gpu".into(),
            value: "true".into(),
            effect: TaintEffect::NoSchedule,
        };
        let tol = |key: &str, op: &str, value: &str, effect: &str| Toleration {
            key: key.into(),
            operator: op.into(),
            value: value.into(),
            effect: effect.into(),
            toleration_seconds: None,
        };
        for (t, want) in [
            (tol("nvidia.com/gpu", "Equal", "true", "NoSchedule"), true),
            (tol("nvidia.com/gpu", "", "true", ""), true),
            (tol("nvidia.com/gpu", "Equal", "false", "NoSchedule"), false),
            (tol("nvidia.com/gpu", "Exists", "", "NoSchedule"), true),
            (tol("nvidia.com/gpu", "Exists", "", "NoExecute"), false),
            (tol("other", "Exists", "", ""), false),
            (tol("", "Exists", "", ""), true),
            (tol("", "Exists", "", "NoExecute"), false),
        ] {
            assert_eq!(t.tolerates(&taint), want, "{t:?}");
        }
        let d = Directives {
            tolerations: vec![tol("a", "Exists", "", "")],
            ..Default::default()
        };
        let taints = [
            Taint {
                key: "a".into(),
                value: "1".into(),
                effect: TaintEffect::NoSchedule,
            },
            Taint {
                key: "soft".into(),
                value: String::new(),
                effect: TaintEffect::PreferNoSchedule,
            },
            Taint {
                key: "b".into(),
                value: String::new(),
                effect: TaintEffect::NoExecute,
            },
        ];
        assert_eq!(d.untolerated(&taints).map(|t| t.key.as_str()), Some("b"));
        assert_eq!(d.untolerated(&taints[..2]), None, "PreferNoSchedule does not filter");
        assert_eq!(d.intolerable_preferences(&taints), 1);
    }

    #[test]
    fn directives_are_read_from_the_template_and_checked_as_the_api_server_does() {
        let (d, errs) = directives(json!({
            "nodeSelector": {"accelerator": "a100"},
            "tolerations": [{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}],
            "affinity": {"nodeAffinity": {
                "requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
                    {"matchExpressions": [{"key": "zone", "operator": "In", "values": ["a"]}]}
                ]},
                "preferredDuringSchedulingIgnoredDuringExecution": [
                    {"weight": 10, "preference": {"matchExpressions": [{"key": "spot", "operator": "DoesNotExist"}]}}
                ]
            }}
        }));
        assert_eq!(errs, Vec::<String>::new());
        assert_eq!(d.node_selector.len(), 1);
        assert_eq!(d.required.as_ref().map(Vec::len), Some(1));
        assert_eq!(d.preferred[0].weight, 10);
        assert_eq!(d.tolerations[0].operator, "Exists");

        let (_, errs) = directives(json!({
            "tolerations": [
                {"operator": "Equal", "value": "x"},
                {"key": "a", "operator": "Exists", "value": "v"},
                {"key": "a", "operator": "Gt", "effect": "Sometimes"},
                {"key": "a", "tolerationSeconds": 5, "effect": "NoSchedule"},
                {"key": "a", "operater": "Exists"}
            ],
            "affinity": {"nodeAffinity": {
                "requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
                    {"matchExpressions": [
                        {"key": "zone", "operator": "In"},
                        {"key": "zone", "operator": "Exists", "values": ["a"]},
                        {"key": "n", "operator": "Gt", "values": ["1", "2"]},
                        {"key": "zone", "operator": "Near", "values": ["a"]}
                    ]}
                ]},
                "preferredDuringSchedulingIgnoredDuringExecution": [{"weight": 0, "preference": {}}]
            }},
            "nodeSelector": {"accelerator": true}
        }));
        let p = "spec.template.spec.";
        assert_eq!(
            errs,
            [
                format!("{p}nodeSelector.accelerator: Invalid value: expected a string, got the boolean true"),
                format!(
                    "{p}tolerations[4].operater: Invalid value: unknown field \"operater\"; expected one of: key, operator, value, effect, tolerationSeconds"
                ),
                format!(
                    "{p}affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'"
                ),
                format!(
                    "{p}affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[1].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'"
                ),
                format!(
                    "{p}affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[2].values: Required value: must be specified single value when `operator` is 'Lt' or 'Gt'"
                ),
                format!(
                    "{p}affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[3].operator: Invalid value: \"Near\": not a valid selector operator"
                ),
                format!(
                    "{p}affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight: Invalid value: 0: must be in the range 1-100"
                ),
                format!(
                    "{p}tolerations[0].operator: Invalid value: \"Equal\": operator must be Exists when `key` is empty, which means \"match all values and all keys\""
                ),
                format!(
                    "{p}tolerations[1].operator: Invalid value: core.Toleration{{Key:\"a\", Operator:\"Exists\", Value:\"v\", Effect:\"\", TolerationSeconds:(*int64)(nil)}}: value must be empty when `operator` is 'Exists'"
                ),
                format!(
                    "{p}tolerations[2].operator: Unsupported value: \"Gt\": supported values: \"Equal\", \"Exists\""
                ),
                format!(
                    "{p}tolerations[2].effect: Unsupported value: \"Sometimes\": supported values: \"NoSchedule\", \"PreferNoSchedule\", \"NoExecute\""
                ),
                format!(
                    "{p}tolerations[3].effect: Invalid value: \"NoSchedule\": effect must be 'NoExecute' when `tolerationSeconds` is set"
                ),
            ]
        );
    }

    #[test]
    fn taints_are_checked_as_a_node_spec_is() {
        let t = |k: &str, v: &str, e: &str| (k.to_string(), v.to_string(), e.to_string());
        let errs: Vec<String> = validate_taints(
            &[
                t("nvidia.com/gpu", "true", "NoSchedule"),
                t("nvidia.com/gpu", "false", "NoSchedule"),
                t("", "x", "Never"),
                t("ok", "", ""),
            ],
            "taints",
        )
        .iter()
        .map(|e| e.to_string())
        .collect();
        assert_eq!(
            errs,
            [
                "taints[1]: Duplicate value: core.Taint{Key:\"nvidia.com/gpu\", Value:\"false\", Effect:\"NoSchedule\", TimeAdded:(*v1.Time)(nil)}: taints must be unique by key and effect pair",
                "taints[2].key: Invalid value: \"\": name part must be non-empty",
                "taints[2].effect: Unsupported value: \"Never\": supported values: \"NoSchedule\", \"PreferNoSchedule\", \"NoExecute\"",
                "taints[3].effect: Required value",
            ]
        );
    }
}
