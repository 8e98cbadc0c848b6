//! A Job's `status` in `jobs.yaml`, written field by field. A status has no
//! unknown fields, so its shape is fixed: this writes exactly what the
//! generic writer (`yaml::Writer`) writes for it, at a fraction of the cost,
//! and a property test holds the two to the same text.

use super::yaml::{indent, push_scalar_str};
use crate::api::{JobCondition, JobStatus, Time};

/// The entries of one block map, written as they come (callers go in key order).
struct Map<'o> {
    out: &'o mut String,
    /// Column of the keys.
    col: usize,
    /// Follows `key:` (the first entry starts a new line), or `- ` (it shares the dash's line).
    after_key: bool,
    empty: bool,
}

impl<'o> Map<'o> {
    fn after_key(out: &'o mut String, col: usize) -> Self {
        Map {
            out,
            col,
            after_key: true,
            empty: true,
        }
    }

    fn item(out: &'o mut String, col: usize) -> Self {
        Map {
            out,
            col,
            after_key: false,
            empty: true,
        }
    }

    /// Writes `key:`; the caller writes the value.
    fn key(&mut self, key: &str) -> &mut String {
        if std::mem::take(&mut self.empty) {
            if self.after_key {
                self.out.push('\n');
                indent(self.out, self.col);
            }
        } else {
            indent(self.out, self.col);
        }
        self.out.push_str(key);
        self.out.push(':');
        self.out
    }

    fn int(&mut self, key: &str, v: i32) {
        let out = self.key(key);
        out.push(' ');
        out.push_str(itoa::Buffer::new().format(v));
        out.push('\n');
    }

    fn str(&mut self, key: &str, v: &str) {
        let out = self.key(key);
        out.push(' ');
        push_scalar_str(out, v);
        out.push('\n');
    }

    fn time(&mut self, key: &str, t: Time) {
        t.with_rfc3339(|s| {
            // RFC 3339 in 20 bytes (years 0 to 9999) always reads as a YAML
            // timestamp, so it is quoted, and holds nothing to escape: written
            // without the quoting checks, which cost more than the rest.
            if s.len() == 20 {
                debug_assert!(super::yaml::needs_quotes(s));
                let out = self.key(key);
                out.push_str(" \"");
                out.push_str(s);
                out.push_str("\"\n");
            } else {
                self.str(key, s);
            }
        });
    }

    /// A sequence of strings.
    fn strs<S: std::ops::Deref<Target = str>>(&mut self, key: &str, items: &[S]) {
        let col = self.col;
        let out = self.key(key);
        out.push('\n');
        for s in items {
            indent(out, col);
            out.push_str("- ");
            push_scalar_str(out, s);
            out.push('\n');
        }
    }

    fn finish(self) {
        if self.empty {
            self.out.push_str(if self.after_key { " {}\n" } else { "{}\n" });
        }
    }
}

/// Appends `status` as it follows `status:` in a list item (keys at column 4).
pub fn write_status(out: &mut String, s: &JobStatus) {
    let mut m = Map::after_key(out, 4);
    if s.active != 0 {
        m.int("active", s.active);
    }
    if !s.completed_indexes.is_empty() {
        m.str("completedIndexes", &s.completed_indexes);
    }
    if let Some(t) = s.completion_time {
        m.time("completionTime", t);
    }
    if !s.conditions.is_empty() {
        let out = m.key("conditions");
        out.push('\n');
        for c in &s.conditions {
            indent(out, 4);
            out.push_str("- ");
            write_condition(out, c);
        }
    }
    if s.failed != 0 {
        m.int("failed", s.failed);
    }
    if let Some(f) = &s.failed_indexes {
        m.str("failedIndexes", f);
    }
    if let Some(r) = s.ready {
        m.int("ready", r);
    }
    if let Some(t) = s.start_time {
        m.time("startTime", t);
    }
    if s.succeeded != 0 {
        m.int("succeeded", s.succeeded);
    }
    if let Some(t) = s.terminating {
        m.int("terminating", t);
    }
    if let Some(u) = &s.uncounted_terminated_pods {
        let out = m.key("uncountedTerminatedPods");
        let mut inner = Map::after_key(out, 6);
        if !u.failed.is_empty() {
            inner.strs("failed", &u.failed);
        }
        if !u.succeeded.is_empty() {
            inner.strs("succeeded", &u.succeeded);
        }
        inner.finish();
    }
    m.finish();
}

/// A condition as an item of `conditions:` (after `- `, keys at column 6).
fn write_condition(out: &mut String, c: &JobCondition) {
    let mut m = Map::item(out, 6);
    if let Some(t) = c.last_probe_time {
        m.time("lastProbeTime", t);
    }
    if let Some(t) = c.last_transition_time {
        m.time("lastTransitionTime", t);
    }
    if !c.message.is_empty() {
        m.str("message", &c.message);
    }
    if !c.reason.is_empty() {
        m.str("reason", &c.reason);
    }
    m.str("status", &c.status);
    m.str("type", &c.type_);
    m.finish();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::{Uid, UncountedTerminatedPods};
    use crate::output::yaml::Writer;
    use proptest::prelude::*;

    /// Strings the quoting rules treat differently, and plain ones.
    fn text() -> impl Strategy<Value = String> {
        prop_oneof![
            Just(String::new()),
            Just("True".to_string()),
            Just("2".to_string()),
            Just("1,3-5".to_string()),
            Just("a: b".to_string()),
            Just("Job has reached the specified backoff limit".to_string()),
            Just("7499be2c-ba0e-432d-80e2-e2d92baa6390".to_string()),
            "[ -~]{0,12}",
        ]
    }

    fn time() -> impl Strategy<Value = Option<Time>> {
        // Mostly this century; some past year 9999, whose RFC 3339 is longer.
        let millis = prop_oneof![4 => 0i64..4_000_000_000_000, 1 => 253_402_300_800_000i64..320_000_000_000_000];
        proptest::option::of(millis.prop_map(Time::from_millis))
    }

    fn condition() -> impl Strategy<Value = JobCondition> {
        (time(), time(), text(), text(), text(), text()).prop_map(|(p, t, m, r, s, ty)| JobCondition {
            last_probe_time: p,
            last_transition_time: t,
            message: m,
            reason: r,
            status: s,
            type_: ty,
        })
    }

    fn status() -> impl Strategy<Value = JobStatus> {
        (
            (-2i32..3, text(), time(), proptest::collection::vec(condition(), 0..3)),
            (
                -2i32..3,
                proptest::option::of(text()),
                proptest::option::of(-1i32..3),
                time(),
            ),
            (
                -2i32..3,
                proptest::option::of(-1i32..3),
                proptest::option::of((
                    proptest::collection::vec(text(), 0..3),
                    proptest::collection::vec(text(), 0..3),
                )),
            ),
        )
            .prop_map(
                |((active, ci, ct, conditions), (failed, fi, ready, st), (succeeded, terminating, u))| JobStatus {
                    active,
                    completed_indexes: ci,
                    completion_time: ct,
                    conditions,
                    failed,
                    failed_indexes: fi,
                    ready,
                    start_time: st,
                    succeeded,
                    terminating,
                    uncounted_terminated_pods: u.map(|(failed, succeeded): (Vec<String>, Vec<String>)| {
                        UncountedTerminatedPods {
                            failed: failed.into_iter().map(Uid::from).collect(),
                            succeeded: succeeded.into_iter().map(Uid::from).collect(),
                        }
                    }),
                },
            )
    }

    proptest! {
        #[test]
        fn writes_what_the_generic_writer_writes(s in status()) {
            let mut direct = String::new();
            write_status(&mut direct, &s);
            let mut generic = String::new();
            Writer::default().value(&mut generic, 2, &s);
            prop_assert_eq!(direct, generic);
        }
    }

    #[test]
    fn an_empty_status_is_an_empty_map() {
        let mut out = String::new();
        write_status(&mut out, &JobStatus::default());
        assert_eq!(out, " {}\n");
    }
}
