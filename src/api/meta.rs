//! `metav1` types shared by Jobs and Pods: object metadata and label selectors.

use super::labels::Labels;
use super::time::Time;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Fields of a manifest the simulator does not model, kept verbatim so that
/// a Job written back out (`jobs.yaml`) still carries them. Shared, not
/// copied: every Job of a workload is stamped from one prototype, and these
/// maps (the defaulted pod spec's and containers' fields) were a third of a
/// pending Job's memory; the few writers go through `Arc::make_mut`.
pub type Extra = Arc<BTreeMap<String, serde_json::Value>>;

/// `types.UID`. Shared, not copied: a pod's UID goes into the Job's
/// `uncountedTerminatedPods` and the controller's finalizer expectations, and
/// with the status into every copy of it a sync and an update make. Reads,
/// compares, orders and serializes as the string it holds.
///
/// The empty UID holds nothing: `None`, which orders first as "" does.
#[derive(Clone, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Uid(Option<Arc<str>>);

/// As the string, as `Borrow<str>` requires.
impl std::hash::Hash for Uid {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        self.as_str().hash(h);
    }
}

impl Uid {
    pub fn as_str(&self) -> &str {
        self.0.as_deref().unwrap_or("")
    }
}

impl std::ops::Deref for Uid {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl std::borrow::Borrow<str> for Uid {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl From<&str> for Uid {
    fn from(s: &str) -> Self {
        Uid((!s.is_empty()).then(|| Arc::from(s)))
    }
}

impl From<String> for Uid {
    fn from(s: String) -> Self {
        Uid((!s.is_empty()).then(|| Arc::from(s)))
    }
}

impl PartialEq<str> for Uid {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<String> for Uid {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Uid {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl std::fmt::Debug for Uid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.as_str(), f)
    }
}

impl std::fmt::Display for Uid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Uid {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Uid {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(Uid::from)
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectMeta {
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creation_timestamp: Option<Time>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deletion_grace_period_seconds: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deletion_timestamp: Option<Time>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    /// `Cow` so that the tracking finalizer every pod carries points at one
    /// static string instead of a heap copy per pod (cache-friendly scans).
    pub finalizers: Vec<std::borrow::Cow<'static, str>>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub generate_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generation: Option<i64>,
    #[serde(default, skip_serializing_if = "Labels::is_empty")]
    pub labels: Labels,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub namespace: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub owner_references: Vec<OwnerReference>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub resource_version: String,
    #[serde(default, skip_serializing_if = "str::is_empty")]
    pub uid: Uid,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OwnerReference {
    pub api_version: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub block_owner_deletion: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub controller: Option<bool>,
    pub kind: String,
    pub name: String,
    pub uid: Uid,
}

/// `metav1.LabelSelector`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LabelSelector {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub match_expressions: Vec<LabelSelectorRequirement>,
    #[serde(default, skip_serializing_if = "Labels::is_empty")]
    pub match_labels: Labels,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LabelSelectorRequirement {
    pub key: String,
    pub operator: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<String>,
}

impl LabelSelector {
    /// Whether the selector selects nothing or everything is decided as in
    /// `metav1.LabelSelectorAsSelector`: an empty selector matches everything.
    pub fn matches(&self, labels: &Labels) -> bool {
        self.match_labels.iter().all(|(k, v)| labels.get(k) == Some(v))
            && self.match_expressions.iter().all(|r| {
                let value = labels.get(&r.key);
                match r.operator.as_str() {
                    "In" => value.is_some_and(|v| r.values.contains(v)),
                    "NotIn" => value.is_none_or(|v| !r.values.contains(v)),
                    "Exists" => value.is_some(),
                    "DoesNotExist" => value.is_none(),
                    _ => false,
                }
            })
    }

    pub fn is_empty(&self) -> bool {
        self.match_labels.is_empty() && self.match_expressions.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn labels(pairs: &[(&str, &str)]) -> Labels {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn selector_matches_labels_and_expressions() {
        let sel = LabelSelector {
            match_labels: labels(&[("app", "etl")]),
            match_expressions: vec![LabelSelectorRequirement {
                key: "tier".into(),
                operator: "In".into(),
                values: vec!["batch".into()],
            }],
        };
        assert!(sel.matches(&labels(&[("app", "etl"), ("tier", "batch")])));
        assert!(!sel.matches(&labels(&[("app", "etl"), ("tier", "web")])));
        assert!(!sel.matches(&labels(&[("tier", "batch")])));
        assert!(LabelSelector::default().matches(&labels(&[])));
    }

    #[test]
    fn uids_read_compare_and_serialize_as_their_string() {
        let meta: ObjectMeta = serde_json::from_str(r#"{"name":"p","uid":"b-2"}"#).unwrap();
        assert_eq!(meta.uid, "b-2");
        assert_eq!(serde_json::to_string(&meta).unwrap(), r#"{"name":"p","uid":"b-2"}"#);
        // The empty UID is the default, and is left out like an empty string.
        let empty = ObjectMeta {
            name: "p".into(),
            ..Default::default()
        };
        assert_eq!(serde_json::to_string(&empty).unwrap(), r#"{"name":"p"}"#);
        assert_eq!(Uid::from(""), Uid::default());
        assert_eq!(Uid::default().as_str(), "");
        // Sets of UIDs order and look up as sets of strings do.
        let names = ["b-2", "a-10", "", "a-9", "b-10"];
        let uids: BTreeSet<Uid> = names.iter().map(|&n| Uid::from(n)).collect();
        let strings: BTreeSet<&str> = names.into_iter().collect();
        assert!(uids.iter().map(Uid::as_str).eq(strings.iter().copied()));
        assert!(uids.contains("a-9") && !uids.contains("a-1"));
        // A copy shares the string instead of allocating another.
        let a = Uid::from("x-1");
        let b = a.clone();
        assert!(std::ptr::eq(a.as_str(), b.as_str()));
    }
}
