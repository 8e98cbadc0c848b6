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

/// `types.UID`. A pod's UID goes into the Job's `uncountedTerminatedPods`,
/// the controller's finalizer expectations and every copy of the status a
/// sync and an update make, so it is held compactly: a UID in the canonical
/// form the API server generates (`8-4-4-4-12` lowercase hex digits) as its
/// 128 bits, copied and compared without touching the heap; any other string
/// (the test vectors' `"a"`, `"b"`) as a shared string. Every canonical
/// string becomes bits, so equal UIDs always have the same form. Reads,
/// orders and serializes as the string it stands for: fixed-width lowercase
/// hex orders as its value does.
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct Uid(UidRepr);

#[derive(Clone, Default, PartialEq, Eq, Hash)]
enum UidRepr {
    /// The empty UID, which orders first as "" does.
    #[default]
    Empty,
    /// A canonical UUID: its high and low 64 bits.
    Uuid(u64, u64),
    Text(Arc<str>),
}

/// A UID's text: borrowed, or written out on the stack from its bits.
pub enum UidText<'a> {
    Borrowed(&'a str),
    Canonical([u8; 36]),
}

impl std::ops::Deref for UidText<'_> {
    type Target = str;
    fn deref(&self) -> &str {
        match self {
            UidText::Borrowed(s) => s,
            UidText::Canonical(b) => std::str::from_utf8(b).expect("hex digits and dashes"),
        }
    }
}

/// Where the dashes of the canonical form stand.
const UUID_DASHES: [usize; 4] = [8, 13, 18, 23];

impl Uid {
    pub const EMPTY: Uid = Uid(UidRepr::Empty);

    /// The UID whose canonical form spells `bits` in hex.
    pub fn from_bits(bits: u128) -> Self {
        Uid(UidRepr::Uuid((bits >> 64) as u64, bits as u64))
    }

    /// The 128 bits of a UID in canonical form.
    fn parse_canonical(s: &str) -> Option<u128> {
        let b = s.as_bytes();
        if b.len() != 36 {
            return None;
        }
        let mut bits = 0u128;
        for (i, &c) in b.iter().enumerate() {
            let digit = match c {
                b'-' if UUID_DASHES.contains(&i) => continue,
                b'0'..=b'9' if !UUID_DASHES.contains(&i) => c - b'0',
                b'a'..=b'f' if !UUID_DASHES.contains(&i) => c - b'a' + 10,
                _ => return None,
            };
            bits = bits << 4 | digit as u128;
        }
        Some(bits)
    }

    pub fn text(&self) -> UidText<'_> {
        match &self.0 {
            UidRepr::Empty => UidText::Borrowed(""),
            UidRepr::Text(s) => UidText::Borrowed(s),
            UidRepr::Uuid(hi, lo) => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                let bits = (*hi as u128) << 64 | *lo as u128;
                let mut b = [b'-'; 36];
                let mut shift = 128;
                for (i, c) in b.iter_mut().enumerate() {
                    if !UUID_DASHES.contains(&i) {
                        shift -= 4;
                        *c = HEX[(bits >> shift) as usize & 0xf];
                    }
                }
                UidText::Canonical(b)
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        matches!(self.0, UidRepr::Empty)
    }
}

impl Ord for Uid {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        match (&self.0, &other.0) {
            (UidRepr::Uuid(a, b), UidRepr::Uuid(c, d)) => (a, b).cmp(&(c, d)),
            _ => (*self.text()).cmp(&*other.text()),
        }
    }
}

impl PartialOrd for Uid {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl From<&str> for Uid {
    fn from(s: &str) -> Self {
        if s.is_empty() {
            Uid(UidRepr::Empty)
        } else if let Some(bits) = Uid::parse_canonical(s) {
            Uid::from_bits(bits)
        } else {
            Uid(UidRepr::Text(Arc::from(s)))
        }
    }
}

impl From<String> for Uid {
    fn from(s: String) -> Self {
        Uid::from(s.as_str())
    }
}

impl PartialEq<str> for Uid {
    fn eq(&self, other: &str) -> bool {
        *self.text() == *other
    }
}

impl PartialEq<&str> for Uid {
    fn eq(&self, other: &&str) -> bool {
        *self.text() == **other
    }
}

impl std::fmt::Debug for Uid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&*self.text(), f)
    }
}

impl std::fmt::Display for Uid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text())
    }
}

impl Serialize for Uid {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.text())
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
    #[serde(default, skip_serializing_if = "Uid::is_empty")]
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
                    "In" => value.is_some_and(|v| r.values.iter().any(|x| x == v)),
                    "NotIn" => value.is_none_or(|v| !r.values.iter().any(|x| x == v)),
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
        assert_eq!(*Uid::default().text(), *"");
        // Sets of UIDs order and look up as sets of strings do, whether a UID
        // is held as bits (the canonical form) or as text (anything else,
        // upper case hex included): the order across the two forms is the
        // strings' order.
        let names = [
            "b-2",
            "a-10",
            "",
            "a-9",
            "b-10",
            "0a000001-1c2d-4e5f-8a9b-0c1d2e3f4a5b",
            "0a000001-1c2d-4e5f-8a9b-0c1d2e3f4a5a",
            "ffffffff-ffff-ffff-ffff-ffffffffffff",
            "00000000-0000-0000-0000-000000000000",
            "0A000001-1C2D-4E5F-8A9B-0C1D2E3F4A5B",
            "0a0000011c2d-4e5f-8a9b-0c1d2e3f4a5b-",
            "9fffffff-ffff-ffff-ffff-ffffffffffff",
        ];
        let uids: BTreeSet<Uid> = names.iter().map(|&n| Uid::from(n)).collect();
        let strings: BTreeSet<&str> = names.into_iter().collect();
        assert!(
            uids.iter()
                .map(|u| u.to_string())
                .eq(strings.iter().map(|s| s.to_string()))
        );
        for n in names {
            assert!(uids.contains(&Uid::from(n)), "{n}");
            assert_eq!(Uid::from(n), n, "reads back as it was written");
            assert_eq!(serde_json::to_string(&Uid::from(n)).unwrap(), format!("\"{n}\""));
        }
        assert!(!uids.contains(&Uid::from("a-1")));
        assert!(!uids.contains(&Uid::from("0a000001-1c2d-4e5f-8a9b-0c1d2e3f4a5c")));
        // The canonical form is held as its bits, which spell it in hex.
        let bits = 0x0a00_0001_1c2d_4e5f_8a9b_0c1d_2e3f_4a5b_u128;
        assert_eq!(Uid::from_bits(bits), Uid::from("0a000001-1c2d-4e5f-8a9b-0c1d2e3f4a5b"));
        assert_ne!(Uid::from_bits(bits), Uid::from("0A000001-1C2D-4E5F-8A9B-0C1D2E3F4A5B"));
        // A copy of any other string shares it instead of allocating another.
        let a = Uid::from("x-1");
        let b = a.clone();
        assert!(std::ptr::eq(&*a.text(), &*b.text()));
    }
}
