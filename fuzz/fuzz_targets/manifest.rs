//! The Job manifest reader, as `jobsim validate` uses it: `---` streams and
//! Lists read by `manifest::load_str`, each Job defaulted and validated as the
//! API server would a create (text that looks like a scenario goes to the
//! scenario reader, as in `validate`). The Kubernetes release is picked from
//! the input's length, so that the fields older releases drop are covered
//! too. Any input must give a verdict, never a panic.
#![no_main]

mod common;

use jobsim::api::Profile;
use jobsim::api::profile::{NEWEST_MINOR, OLDEST_MINOR};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some(text) = common::text(data) else { return };
    if common::names_a_file(text) {
        return;
    }
    let releases = (NEWEST_MINOR - OLDEST_MINOR + 1) as usize;
    let profile = Profile::new(OLDEST_MINOR + (data.len() % releases) as u32);
    let (diags, summary) = jobsim::app::validate_text("fuzz.yaml", text, None, &profile);
    assert!(!summary.is_empty());
    for d in &diags {
        let _ = d.to_string();
    }
});
