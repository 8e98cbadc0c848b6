//! The scenario reader: `scenario::load_str`, which `jobsim run`, `check` and
//! `validate` load every scenario through (parsing, schema, checks, the
//! embedded Job manifests' defaulting and validation). Any input must give a
//! scenario or diagnostics, never a panic.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some(text) = common::text(data) else { return };
    if common::names_a_file(text) {
        return;
    }
    if let Err(diags) = jobsim::scenario::load_str("fuzz.yaml", text, None) {
        assert!(!diags.is_empty(), "an invalid scenario without a diagnostic");
        for d in &diags {
            let _ = d.to_string();
        }
    }
});
