//! The source layout: no file and no folder of `src/` imports another that
//! imports it back (through `crate::` or `super::` paths outside tests and
//! comments), so each can be read and changed from the bottom up.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("src/ readable") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// `api/job` for `src/api/job.rs`, `api` for `src/api/mod.rs`.
fn module_of(src: &Path, file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src).expect("under src").with_extension("");
    let mut parts: Vec<String> = rel.iter().map(|p| p.to_string_lossy().into_owned()).collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    parts
}

/// The code of a file without its test module and its comments.
fn code(text: &str) -> String {
    let body = text.split("#[cfg(test)]").next().unwrap_or("");
    body.lines()
        .map(|l| l.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The paths after each `prefix` in `code`: `a::b` → `["a", "b"]` (two segments at most).
fn paths_after<'a>(code: &'a str, prefix: &str) -> Vec<Vec<&'a str>> {
    let ident = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_';
    let mut out = Vec::new();
    for (at, _) in code.match_indices(prefix) {
        if code[..at].ends_with(|c: char| c.is_alphanumeric() || c == '_' || c == ':') {
            continue;
        }
        let rest = &code[at + prefix.len()..];
        let mut segments = Vec::new();
        let mut s = rest;
        while segments.len() < 2 {
            let end = s.find(|c: char| !ident(c)).unwrap_or(s.len());
            if end == 0 {
                break;
            }
            segments.push(&s[..end]);
            match s[end..].strip_prefix("::") {
                Some(next) => s = next,
                None => break,
            }
        }
        if !segments.is_empty() {
            out.push(segments);
        }
    }
    out
}

/// The cycles of a graph, as its strongly connected components of more than one node.
fn cycles(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    // Kosaraju: order by finish time, then walk the reversed graph.
    fn visit(n: &str, g: &BTreeMap<String, BTreeSet<String>>, seen: &mut BTreeSet<String>, order: &mut Vec<String>) {
        if !seen.insert(n.to_string()) {
            return;
        }
        for m in g.get(n).into_iter().flatten() {
            visit(m, g, seen, order);
        }
        order.push(n.to_string());
    }
    let mut seen = BTreeSet::new();
    let mut order = Vec::new();
    for n in graph.keys() {
        visit(n, graph, &mut seen, &mut order);
    }
    let mut reversed: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (a, bs) in graph {
        for b in bs {
            reversed.entry(b.clone()).or_default().insert(a.clone());
        }
    }
    let mut assigned = BTreeSet::new();
    let mut out = Vec::new();
    for n in order.iter().rev() {
        let mut component = Vec::new();
        visit(n, &reversed, &mut assigned, &mut component);
        if component.len() > 1 {
            component.sort();
            out.push(component);
        }
    }
    out
}

#[test]
fn no_file_or_folder_imports_one_that_imports_it_back() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let modules: BTreeSet<String> = files.iter().map(|f| module_of(&src, f).join("/")).collect();
    // The module a path names: the longest prefix that is a file of src/.
    let resolve = |mut parts: Vec<&str>| -> Option<String> {
        while !parts.is_empty() {
            let m = parts.join("/");
            if modules.contains(&m) {
                return Some(m);
            }
            parts.pop();
        }
        None
    };
    let mut by_file: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut by_folder: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for f in &files {
        let me = module_of(&src, f);
        let name = me.join("/");
        let code = code(&std::fs::read_to_string(f).expect("readable"));
        let parent: Vec<&str> = me[..me.len().saturating_sub(1)].iter().map(String::as_str).collect();
        let mut targets: Vec<Vec<&str>> = paths_after(&code, "crate::");
        for p in paths_after(&code, "super::") {
            let mut t = parent.clone();
            t.extend(p);
            targets.push(t);
        }
        for t in targets {
            let Some(first) = t.first() else { continue };
            if let Some(folder) = me.first()
                && first != folder
                && me.len() > 1
            {
                by_folder.entry(folder.clone()).or_default().insert(first.to_string());
            }
            // A folder's root and its files depend on each other by nature.
            if let Some(target) = resolve(t)
                && target != name
                && !name.starts_with(&format!("{target}/"))
                && !target.starts_with(&format!("{name}/"))
            {
                by_file.entry(name.clone()).or_default().insert(target);
            }
        }
    }
    assert!(
        by_file.len() > 50,
        "the scan found too few imports to mean anything: {by_file:?}"
    );
    assert_eq!(
        cycles(&by_file),
        Vec::<Vec<String>>::new(),
        "files that import each other"
    );
    assert_eq!(
        cycles(&by_folder),
        Vec::<Vec<String>>::new(),
        "folders that import each other"
    );
}

#[test]
fn the_cycle_finder_finds_a_cycle() {
    let mut g: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut edge = |a: &str, b: &str| {
        g.entry(a.into()).or_default().insert(b.into());
    };
    edge("a", "b");
    edge("b", "c");
    edge("c", "a");
    edge("c", "d");
    assert_eq!(cycles(&g), vec![vec!["a".to_string(), "b".into(), "c".into()]]);
    let code = "use crate::api::job::Job;\nlet x = super::nodes::Nodes::new();";
    assert_eq!(paths_after(code, "crate::"), vec![vec!["api", "job"]]);
    assert_eq!(paths_after(code, "super::"), vec![vec!["nodes"]]);
}
