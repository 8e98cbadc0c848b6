//! Sets of completion indexes as ordered intervals, and their compressed
//! string form used by `status.completedIndexes` and `status.failedIndexes`
//! (`orderedIntervals` in `indexed_job_utils.go`).

use std::fmt;

/// An inclusive range of indexes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Interval {
    pub first: i32,
    pub last: i32,
}

/// Sorted, non-overlapping, non-adjacent intervals.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OrderedIntervals(pub Vec<Interval>);

impl OrderedIntervals {
    pub fn new() -> Self {
        OrderedIntervals(Vec::new())
    }

    /// `parseIndexesFromString`: pieces that do not parse are skipped, parsing
    /// stops at the first piece starting at or past `completions`, an end past
    /// it is clamped, and adjacent pieces are merged.
    pub fn parse(s: &str, completions: i32) -> Self {
        let mut result: Vec<Interval> = Vec::new();
        if s.is_empty() {
            return OrderedIntervals(result);
        }
        for piece in s.split(',') {
            let mut limits = piece.split('-');
            let Some(first) = limits.next().and_then(go_atoi) else {
                continue;
            };
            if first >= completions as i64 {
                break;
            }
            let last = match limits.next() {
                Some(l) => match go_atoi(l) {
                    Some(l) => l.min(completions as i64 - 1),
                    None => continue,
                },
                None => first,
            };
            let (first, last) = (first as i32, last as i32);
            match result.last_mut() {
                Some(prev) if prev.last == first - 1 => prev.last = last,
                _ => result.push(Interval { first, last }),
            }
        }
        OrderedIntervals(result)
    }

    /// `total`: number of indexes covered.
    pub fn total(&self) -> i64 {
        self.0.iter().map(|iv| (iv.last - iv.first + 1) as i64).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `has`: binary search for the interval that could hold `ix`.
    pub fn has(&self, ix: i32) -> bool {
        let pos = self.0.partition_point(|iv| iv.last < ix);
        pos < self.0.len() && self.0[pos].first <= ix
    }

    /// `withOrderedIndexes`: the union with `indexes`, which must be ascending.
    pub fn with_ordered_indexes(&self, indexes: &[i32]) -> Self {
        let other: Vec<Interval> = indexes.iter().map(|&i| Interval { first: i, last: i }).collect();
        self.merge(&OrderedIntervals(other))
    }

    /// `merge`: the union of two ordered interval lists.
    pub fn merge(&self, other: &OrderedIntervals) -> Self {
        let mut result: Vec<Interval> = Vec::with_capacity(self.0.len() + other.0.len());
        let mut push = |iv: Interval| match result.last_mut() {
            Some(last) if iv.first <= last.last + 1 => last.last = last.last.max(iv.last),
            _ => result.push(iv),
        };
        let (a, b) = (&self.0, &other.0);
        let (mut i, mut j) = (0, 0);
        while i < a.len() && j < b.len() {
            if a[i].first < b[j].first {
                push(a[i]);
                i += 1;
            } else {
                push(b[j]);
                j += 1;
            }
        }
        a[i..].iter().chain(&b[j..]).for_each(|iv| push(*iv));
        OrderedIntervals(result)
    }

    /// Every index, ascending.
    pub fn iter(&self) -> impl Iterator<Item = i32> + '_ {
        self.0.iter().flat_map(|iv| iv.first..=iv.last)
    }
}

/// `String()`: runs of one are `a`, runs of two are `a,b`, longer runs `a-b`.
impl fmt::Display for OrderedIntervals {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (n, iv) in self.0.iter().enumerate() {
            if n > 0 {
                f.write_str(",")?;
            }
            write!(f, "{}", iv.first)?;
            if iv.last == iv.first + 1 {
                write!(f, ",{}", iv.last)?;
            } else if iv.last > iv.first {
                write!(f, "-{}", iv.last)?;
            }
        }
        Ok(())
    }
}

/// `strconv.Atoi` for index strings; values outside `i32` are treated as unparseable.
fn go_atoi(s: &str) -> Option<i64> {
    crate::api::pod::parse_go_int(s).filter(|v| *v >= i32::MIN as i64 && *v <= i32::MAX as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ivs(v: &[(i32, i32)]) -> OrderedIntervals {
        OrderedIntervals(v.iter().map(|&(first, last)| Interval { first, last }).collect())
    }

    #[test]
    fn formats_runs_like_kubernetes() {
        assert_eq!(ivs(&[(1, 1), (3, 5), (7, 7)]).to_string(), "1,3-5,7");
        assert_eq!(ivs(&[(0, 1)]).to_string(), "0,1");
        assert_eq!(ivs(&[(0, 2)]).to_string(), "0-2");
        assert_eq!(ivs(&[]).to_string(), "");
    }

    #[test]
    fn parse_clamps_skips_and_merges() {
        assert_eq!(OrderedIntervals::parse("0,1,2-4,9", 7), ivs(&[(0, 4)]));
        assert_eq!(OrderedIntervals::parse("1-3,x,5-9", 7), ivs(&[(1, 3), (5, 6)]));
        assert_eq!(OrderedIntervals::parse("", 7), ivs(&[]));
    }

    #[test]
    fn merge_and_membership() {
        let a = ivs(&[(0, 1), (5, 6)]);
        let m = a.with_ordered_indexes(&[2, 4, 9]);
        assert_eq!(m, ivs(&[(0, 2), (4, 6), (9, 9)]));
        assert!(m.has(4) && m.has(9) && !m.has(3) && !m.has(10));
        assert_eq!(m.total(), 7);
        assert_eq!(m.iter().collect::<Vec<_>>(), vec![0, 1, 2, 4, 5, 6, 9]);
    }
}
