//! `map[string]string` of labels: a Job's, its pod template's and its
//! selector's. Held as a vector of pairs in key order, not a `BTreeMap`: a
//! B-tree's first node has room for eleven pairs (544 bytes) where a Job's
//! maps hold two to four, and every Job the simulation creates copies three of
//! them from its workload's prototype. Reads, iterates, compares and
//! serializes as the `BTreeMap` it replaces: in key order, one value per key
//! (a later duplicate key in a manifest replaces the earlier value, as
//! decoding into a Go map or a `BTreeMap` does).

use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Labels(Vec<(String, String)>);

impl Labels {
    pub fn new() -> Self {
        Labels(Vec::new())
    }

    fn find(&self, key: &str) -> Result<usize, usize> {
        self.0.binary_search_by(|(k, _)| k.as_str().cmp(key))
    }

    pub fn get(&self, key: &str) -> Option<&String> {
        self.find(key).ok().map(|i| &self.0[i].1)
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.find(key).is_ok()
    }

    /// Sets `key` to `value`; returns the value it replaced.
    pub fn insert(&mut self, key: String, value: String) -> Option<String> {
        match self.find(&key) {
            Ok(i) => Some(std::mem::replace(&mut self.0[i].1, value)),
            Err(i) => {
                self.0.insert(i, (key, value));
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
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&String, &String)> + Clone {
        self.0.iter().map(|(k, v)| (k, v))
    }

    /// The same keys, each value passed through `f`, in one exact allocation.
    pub fn map_values(&self, mut f: impl FnMut(&String) -> String) -> Labels {
        Labels(self.0.iter().map(|(k, v)| (k.clone(), f(v))).collect())
    }

    pub fn values_mut(&mut self) -> impl Iterator<Item = &mut String> {
        self.0.iter_mut().map(|(_, v)| v)
    }
}

impl std::ops::Index<&str> for Labels {
    type Output = String;
    fn index(&self, key: &str) -> &String {
        self.get(key).expect("no such label")
    }
}

impl<'a> IntoIterator for &'a Labels {
    type Item = (&'a String, &'a String);
    type IntoIter = std::iter::Map<std::slice::Iter<'a, (String, String)>, fn(&'a (String, String)) -> Self::Item>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter().map(|(k, v)| (k, v))
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
                prop_assert_eq!(labels.insert(k.clone(), v.clone()), map.insert(k, v));
                prop_assert!(labels.iter().eq(map.iter()));
                prop_assert_eq!(labels.len(), map.len());
                for probe in ["k0", "k3", "k5", "x"] {
                    prop_assert_eq!(labels.get(probe), map.get(probe));
                    prop_assert_eq!(labels.contains_key(probe), map.contains_key(probe));
                }
            }
            prop_assert_eq!(serde_json::to_string(&labels).unwrap(), serde_json::to_string(&map).unwrap());
        }
    }

    #[test]
    fn decodes_as_a_map_with_later_duplicates_winning() {
        let json = r#"{"b":"2","a":"1","b":"3"}"#;
        let labels: Labels = serde_json::from_str(json).unwrap();
        let map: BTreeMap<String, String> = serde_json::from_str(json).unwrap();
        assert!(labels.iter().eq(map.iter()));
        assert_eq!(labels["b"], "3");
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
