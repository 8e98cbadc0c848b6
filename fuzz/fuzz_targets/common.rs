//! What both targets share: the bytes as the readers get them, and which
//! inputs are left out.

use jobsim::manifest::{invalid_utf8, parse_documents};
use serde_json::Value;

/// The input as text, as `manifest::read_source` makes it from a file's bytes;
/// `None` for bytes that are not UTF-8 (after locating the bad byte, as the
/// reader does to report it).
pub fn text(data: &[u8]) -> Option<&str> {
    match std::str::from_utf8(data) {
        Ok(text) => Some(text),
        Err(e) => {
            invalid_utf8(data, e.valid_up_to());
            None
        }
    }
}

/// Whether the text names another file (`jobFile:`, `empirical: {file: ...}`):
/// the scenario reader would open it, relative to the fuzzer's folder or
/// absolute, and a FIFO or `/dev/stdin` would block. Keys are read from the
/// parsed documents, so quoted or escaped spellings are caught too.
pub fn names_a_file(text: &str) -> bool {
    fn walk(v: &Value) -> bool {
        match v {
            Value::Object(m) => m.iter().any(|(k, v)| k == "jobFile" || k == "file" || walk(v)),
            Value::Array(a) => a.iter().any(walk),
            _ => false,
        }
    }
    parse_documents("fuzz.yaml", text).is_ok_and(|docs| docs.iter().any(walk))
}
