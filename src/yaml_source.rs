//! Where each field of a YAML file is: a map from field paths
//! (`spec.template.spec.containers[0].name`) to line and column, per
//! document, built from the YAML parser's events. Errors found after
//! deserialisation (validation, type errors) use it to point at the source.

use granit_parser::{Event, Parser};
use std::collections::BTreeMap;

/// 1-based line and column.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Position {
    pub line: usize,
    pub col: usize,
}

/// Positions of every node of one YAML document.
#[derive(Clone, Debug, Default)]
pub struct DocumentMap {
    /// Where the document starts.
    pub start: Option<Position>,
    paths: BTreeMap<String, Position>,
    /// The text of every plain (unquoted) scalar value, by path: what the
    /// user wrote, for messages about a value YAML read as another type.
    plain: BTreeMap<String, String>,
}

enum Frame {
    Map { key: Option<String> },
    Seq { index: usize },
}

impl DocumentMap {
    /// The position of `path`, or of its nearest ancestor present in the file.
    /// Accepts Kubernetes field paths, where map keys may be written `labels[key]`.
    pub fn locate(&self, path: &str) -> Option<Position> {
        let mut p = normalize(path);
        loop {
            if let Some(pos) = self.paths.get(&p) {
                return Some(*pos);
            }
            match p.rfind(['.', '[']) {
                Some(i) => p.truncate(i),
                None => return self.start,
            }
        }
    }

    /// Paths directly under `prefix`'s mapping that exist in the source (for "did you mean").
    pub fn contains(&self, path: &str) -> bool {
        self.paths.contains_key(&normalize(path))
    }

    /// The text of the plain (unquoted) scalar at `path`, as written.
    pub fn plain_scalar(&self, path: &str) -> Option<&str> {
        self.plain.get(&normalize(path)).map(String::as_str)
    }
}

/// `a.labels[key]` → `a.labels.key`; numeric indexes stay `[n]`.
fn normalize(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut rest = path;
    while let Some(open) = rest.find('[') {
        out.push_str(&rest[..open]);
        let Some(close) = rest[open..].find(']') else { break };
        let inner = &rest[open + 1..open + close];
        if inner.bytes().all(|b| b.is_ascii_digit()) {
            out.push_str(&rest[open..=open + close]);
        } else {
            out.push('.');
            out.push_str(inner);
        }
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    out
}

fn join(path: &[String]) -> String {
    let mut s = String::new();
    for seg in path {
        if seg.starts_with('[') || s.is_empty() {
            s.push_str(seg);
        } else {
            s.push('.');
            s.push_str(seg);
        }
    }
    s
}

/// Builds one map per document. A syntax error yields the maps built so far
/// (the deserialiser reports the error itself, with its position).
pub fn map_documents(text: &str) -> Vec<DocumentMap> {
    let mut docs: Vec<DocumentMap> = Vec::new();
    let mut stack: Vec<Frame> = Vec::new();
    let mut path: Vec<String> = Vec::new();
    for item in Parser::new_from_str(text) {
        let Ok((event, span)) = item else { break };
        let pos = Position {
            line: span.start.line(),
            col: span.start.col() + 1,
        };
        match event {
            Event::DocumentStart(..) => {
                docs.push(DocumentMap {
                    start: Some(pos),
                    ..Default::default()
                });
                stack.clear();
                path.clear();
            }
            Event::Scalar(value, style, ..) => {
                let Some(doc) = docs.last_mut() else { continue };
                match stack.last_mut() {
                    Some(Frame::Map { key }) if key.is_none() => {
                        *key = Some(value.to_string());
                        path.push(value.to_string());
                        doc.paths.insert(join(&path), pos);
                        path.pop();
                    }
                    _ => {
                        if let Some(seg) = value_node(doc, &mut stack, &path, pos)
                            && style == granit_parser::ScalarStyle::Plain
                        {
                            let mut full = path.clone();
                            full.push(seg);
                            doc.plain.insert(join(&full), value.to_string());
                        }
                        finish_value(&mut stack);
                    }
                }
            }
            Event::Alias(..) => {
                if let Some(doc) = docs.last_mut() {
                    value_node(doc, &mut stack, &path, pos);
                }
                finish_value(&mut stack);
            }
            Event::MappingStart(..) | Event::SequenceStart(..) => {
                let Some(doc) = docs.last_mut() else { continue };
                if let Some(seg) = value_node(doc, &mut stack, &path, pos) {
                    path.push(seg);
                }
                let is_map = matches!(event, Event::MappingStart(..));
                stack.push(if is_map {
                    Frame::Map { key: None }
                } else {
                    Frame::Seq { index: 0 }
                });
            }
            Event::MappingEnd | Event::SequenceEnd => {
                stack.pop();
                if !stack.is_empty() {
                    path.pop();
                }
                finish_value(&mut stack);
            }
            _ => {}
        }
    }
    docs
}

/// Records a value node; returns the path segment it occupies.
fn value_node(doc: &mut DocumentMap, stack: &mut [Frame], path: &[String], pos: Position) -> Option<String> {
    let seg = match stack.last()? {
        Frame::Map { key } => key.clone()?,
        Frame::Seq { index } => format!("[{index}]"),
    };
    let mut full = path.to_vec();
    full.push(seg.clone());
    doc.paths.entry(join(&full)).or_insert(pos);
    Some(seg)
}

/// After a value: a mapping expects its next key, a sequence its next item.
fn finish_value(stack: &mut [Frame]) {
    match stack.last_mut() {
        Some(Frame::Map { key }) => *key = None,
        Some(Frame::Seq { index }) => *index += 1,
        None => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: pi\nspec:\n  template:\n    spec:\n      containers:\n      - name: pi\n        image: perl\n      - {name: b, image: c}\n---\nkind: Job\nspec: {completions: 3}\n";

    #[test]
    fn locates_keys_items_and_ancestors() {
        let docs = map_documents(DOC);
        assert_eq!(docs.len(), 2);
        let d = &docs[0];
        assert_eq!(d.locate("metadata.name"), Some(Position { line: 4, col: 3 }));
        assert_eq!(
            d.locate("spec.template.spec.containers[0].image"),
            Some(Position { line: 10, col: 9 })
        );
        assert_eq!(
            d.locate("spec.template.spec.containers[1].name"),
            Some(Position { line: 11, col: 10 })
        );
        // Missing fields point at their nearest ancestor.
        assert_eq!(d.locate("spec.completions"), Some(Position { line: 5, col: 1 }));
        assert_eq!(
            d.locate("spec.template.metadata.labels[controller-uid]"),
            Some(Position { line: 6, col: 3 })
        );
        assert_eq!(docs[1].locate("spec.completions"), Some(Position { line: 14, col: 8 }));
    }
}
