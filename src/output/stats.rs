//! One replication's statistics: dotted names (`jobs.total`,
//! `turnaroundSeconds.p95`) and their values, in the names' order.
//!
//! A run keeps every replication's statistics until the summary, and a study
//! every unit's: held as a map of owned strings, each replication cost about
//! 7 KB, and thousands of replications grew the run by that much each. Here
//! they are one sorted vector, and each name is held once per process
//! ([`intern`]): about 24 bytes a statistic.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex, OnceLock};

/// Statistics of one replication, by name, in the names' order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Stats(Vec<(Arc<str>, f64)>);

impl Stats {
    pub fn new() -> Self {
        Stats::default()
    }

    /// Sets `name` to `value`, returning the value it replaces.
    pub fn insert(&mut self, name: impl AsRef<str>, value: f64) -> Option<f64> {
        let name = name.as_ref();
        match self.0.binary_search_by(|(k, _)| (**k).cmp(name)) {
            Ok(i) => Some(std::mem::replace(&mut self.0[i].1, value)),
            Err(i) => {
                self.0.insert(i, (intern(name), value));
                None
            }
        }
    }

    pub fn get(&self, name: &str) -> Option<&f64> {
        let i = self.0.binary_search_by(|(k, _)| (**k).cmp(name)).ok()?;
        Some(&self.0[i].1)
    }

    pub fn contains_key(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// The names, in order.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|(k, _)| &**k)
    }

    /// The names and values, in the names' order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &f64)> {
        self.0.iter().map(|(k, v)| (&**k, v))
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<K: AsRef<str>> FromIterator<(K, f64)> for Stats {
    fn from_iter<I: IntoIterator<Item = (K, f64)>>(iter: I) -> Self {
        let mut s = Stats::new();
        for (k, v) in iter {
            s.insert(k, v);
        }
        s
    }
}

impl<K: AsRef<str>, const N: usize> From<[(K, f64); N]> for Stats {
    fn from(pairs: [(K, f64); N]) -> Self {
        pairs.into_iter().collect()
    }
}

/// `stats["name"]`, as a map reads: panics when the name is absent.
impl std::ops::Index<&str> for Stats {
    type Output = f64;
    fn index(&self, name: &str) -> &f64 {
        self.get(name).unwrap_or_else(|| panic!("no statistic {name:?}"))
    }
}

/// Written as a map of name to value, as the map it replaces was (a
/// sweep's shard files hold them).
impl serde::Serialize for Stats {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.iter())
    }
}

impl<'de> serde::Deserialize<'de> for Stats {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let map = std::collections::BTreeMap::<String, f64>::deserialize(deserializer)?;
        Ok(map.into_iter().collect())
    }
}

/// The process's one copy of a statistic's name. The names are few (the
/// metrics, and the Job statuses and reasons a run meets), so the set stays
/// small however many replications use them.
fn intern(name: &str) -> Arc<str> {
    static NAMES: OnceLock<Mutex<BTreeSet<Arc<str>>>> = OnceLock::new();
    let mut names = NAMES.get_or_init(Default::default).lock().expect("no poisoning");
    match names.get(name) {
        Some(n) => Arc::clone(n),
        None => {
            let n: Arc<str> = Arc::from(name);
            names.insert(Arc::clone(&n));
            n
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Names come back in order whatever the order of the inserts; a second
    /// insert replaces the value; absent names are absent.
    #[test]
    fn reads_as_an_ordered_map() {
        let mut s = Stats::new();
        for (k, v) in [("b.x", 2.0), ("a", 1.0), ("c", 3.0), ("b", 4.0)] {
            assert_eq!(s.insert(k, v), None);
        }
        assert_eq!(s.insert("a", 5.0), Some(1.0));
        assert_eq!(s.keys().collect::<Vec<_>>(), ["a", "b", "b.x", "c"]);
        assert_eq!(s.get("a"), Some(&5.0));
        assert_eq!(s.get("b.y"), None);
        assert!(!s.contains_key("d"));
        assert_eq!(s.len(), 4);
        let map: std::collections::BTreeMap<&str, f64> = s.iter().map(|(k, v)| (k, *v)).collect();
        assert_eq!(
            map.into_iter().collect::<Vec<_>>(),
            [("a", 5.0), ("b", 4.0), ("b.x", 2.0), ("c", 3.0)]
        );
    }

    /// Two replications' statistics share each name's text.
    #[test]
    fn names_are_held_once() {
        let a: Stats = [("jobs.total", 1.0)].into_iter().collect();
        let b: Stats = [("jobs.total".to_string(), 2.0)].into_iter().collect();
        assert!(Arc::ptr_eq(&a.0[0].0, &b.0[0].0));
    }
}
