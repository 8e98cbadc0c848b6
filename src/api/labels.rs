//! `map[string]string` of labels: a Job's, its pod template's and its
//! selector's. Held as a vector of pairs in key order, not a `BTreeMap`: a
//! B-tree's first node has room for eleven pairs (544 bytes) where a Job's
//! maps hold two to four, and every Job the simulation creates copies three of
//! them from its workload's prototype. Reads, iterates, compares and
//! serializes as the `BTreeMap` it replaces: in key order, one value per key
//! (a later duplicate key in a manifest replaces the earlier value, as
//! decoding into a Go map or a `BTreeMap` does). The well-known keys the API
//! server adds to every Job (`job-name`, `controller-uid` and their
//! `batch.kubernetes.io/` forms) point at one static string instead of a
//! heap copy per Job: they are nine of a Job's nine to a dozen pairs. Values
//! are shared strings, so that a Job's name and UID, which stand in five of
//! its nine values, are one string each.

use super::keys::{CONTROLLER_UID_LABEL, JOB_NAME_LABEL, LEGACY_CONTROLLER_UID_LABEL, LEGACY_JOB_NAME_LABEL};
use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::borrow::Cow;
use std::sync::Arc;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Labels(Vec<(Cow<'static, str>, Arc<str>)>);

/// A key, static when it is one of the well-known ones.
fn key(k: String) -> Cow<'static, str> {
    const WELL_KNOWN: [&str; 4] = [
        JOB_NAME_LABEL,
        LEGACY_JOB_NAME_LABEL,
        CONTROLLER_UID_LABEL,
        LEGACY_CONTROLLER_UID_LABEL,
    ];
    match WELL_KNOWN.iter().find(|w| **w == k) {
        Some(w) => Cow::Borrowed(w),
        None => Cow::Owned(k),
    }
}

impl Labels {
    pub fn new() -> Self {
        Labels(Vec::new())
    }

    fn find(&self, key: &str) -> Result<usize, usize> {
        self.0.binary_search_by(|(k, _)| (**k).cmp(key))
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.find(key).ok().map(|i| &*self.0[i].1)
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.find(key).is_ok()
    }

    /// Sets `key` to `value`; returns the value it replaced.
    pub fn insert(&mut self, key: String, value: impl Into<Arc<str>>) -> Option<Arc<str>> {
        let value = value.into();
        match self.find(&key) {
            Ok(i) => Some(std::mem::replace(&mut self.0[i].1, value)),
            Err(i) => {
                self.0.insert(i, (self::key(key), value));
                None
            }
        }
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The pairs in key order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&str, &str)> + Clone {
        self.0.iter().map(|(k, v)| (&**k, &**v))
    }

    /// The same keys, each value passed through `f`, in one exact allocation.
    pub fn map_values(&self, mut f: impl FnMut(&Arc<str>) -> Arc<str>) -> Labels {
        Labels(self.0.iter().map(|(k, v)| (k.clone(), f(v))).collect())
    }
}

impl std::ops::Index<&str> for Labels {
    type Output = str;
    fn index(&self, key: &str) -> &str {
        self.get(key).expect("no such label")
    }
}

impl<'a> IntoIterator for &'a Labels {
    type Item = (&'a str, &'a str);
    type IntoIter = std::iter::Map<
        std::slice::Iter<'a, (Cow<'static, str>, Arc<str>)>,
        fn(&'a (Cow<'static, str>, Arc<str>)) -> Self::Item,
    >;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter().map(|(k, v)| (&**k, &**v))
    }
}

impl FromIterator<(String, String)> for Labels {
    fn from_iter<I: IntoIterator<Item = (String, String)>>(pairs: I) -> Self {
        let mut labels = Labels::new();
        labels.extend(pairs);
        labels
    }
}

impl Extend<(String, String)> for Labels {
    fn extend<I: IntoIterator<Item = (String, String)>>(&mut self, pairs: I) {
        for (k, v) in pairs {
            self.insert(k, v);
        }
    }
}

impl<const N: usize> From<[(String, String); N]> for Labels {
    fn from(pairs: [(String, String); N]) -> Self {
        pairs.into_iter().collect()
    }
}

impl Serialize for Labels {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.len()))?;
        for (k, v) in self {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for Labels {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct LabelsVisitor;
        impl<'de> Visitor<'de> for LabelsVisitor {
            type Value = Labels;
            /// What a `BTreeMap` says it expected.
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a map")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Labels, A::Error> {
                let mut labels = Labels(Vec::with_capacity(access.size_hint().unwrap_or(0).min(64)));
                while let Some((k, v)) = access.next_entry::<String, String>()? {
                    labels.insert(k, v);
                }
                Ok(labels)
            }
        }
        d.deserialize_map(LabelsVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    proptest! {
        /// Any sequence of inserts (new keys and replaced values) leaves the
        /// same pairs, in the same order, as a `BTreeMap`, and both read and
        /// serialize alike.
        #[test]
        fn behaves_as_a_btreemap(ops in proptest::collection::vec((0u8..6, 0u8..3), 0..40)) {
            let (mut labels, mut map) = (Labels::new(), BTreeMap::new());
            for (k, v) in ops {
                let (k, v) = (format!("k{k}"), format!("v{v}"));
                prop_assert_eq!(labels.insert(k.clone(), v.clone()).map(|v| v.to_string()), map.insert(k, v));
                prop_assert!(labels.iter().eq(map.iter().map(|(k, v)| (k.as_str(), v.as_str()))));
                prop_assert_eq!(labels.len(), map.len());
                for probe in ["k0", "k3", "k5", "x"] {
                    prop_assert_eq!(labels.get(probe), map.get(probe).map(String::as_str));
                    prop_assert_eq!(labels.contains_key(probe), map.contains_key(probe));
                }
            }
            prop_assert_eq!(serde_json::to_string(&labels).unwrap(), serde_json::to_string(&map).unwrap());
        }
    }

    /// The keys every Job carries point at the static constants; others are
    /// held as given.
    #[test]
    fn well_known_keys_are_not_copied() {
        let labels: Labels = [
            (JOB_NAME_LABEL.to_string(), "pi".to_string()),
            ("app".to_string(), "x".to_string()),
            (LEGACY_CONTROLLER_UID_LABEL.to_string(), "u".to_string()),
        ]
        .into();
        let copy = labels.clone();
        for (k, _) in [&labels.0, &copy.0].into_iter().flatten() {
            assert_eq!(matches!(k, Cow::Borrowed(_)), k != "app", "{k}");
        }
        assert_eq!(labels.get(JOB_NAME_LABEL), Some("pi"));
    }

    #[test]
    fn decodes_as_a_map_with_later_duplicates_winning() {
        let json = r#"{"b":"2","a":"1","b":"3"}"#;
        let labels: Labels = serde_json::from_str(json).unwrap();
        let map: BTreeMap<String, String> = serde_json::from_str(json).unwrap();
        assert!(labels.iter().eq(map.iter().map(|(k, v)| (k.as_str(), v.as_str()))));
        assert_eq!(&labels["b"], "3");
        let err = |s: &str| serde_json::from_str::<Labels>(s).unwrap_err().to_string();
        let map_err = |s: &str| {
            serde_json::from_str::<BTreeMap<String, String>>(s)
                .unwrap_err()
                .to_string()
        };
        for bad in [r#"["a"]"#, r#"{"a":1}"#, r#""a""#] {
            assert_eq!(err(bad), map_err(bad), "{bad}");
        }
    }
}
