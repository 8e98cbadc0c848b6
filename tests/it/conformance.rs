use super::{jobsim, repo};

#[test]
fn shipped_vectors_all_pass_and_none_is_skipped() {
    let out = jobsim().current_dir(repo("")).arg("conformance").output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let last = stdout.lines().last().unwrap_or_default().to_string();
    assert!(out.status.success(), "conformance failed:\n{stdout}");
    let n: usize = last.split(' ').next().unwrap().parse().unwrap();
    assert!(n >= 364, "expected every shipped case to run: {last}");
    assert!(last.ends_with(" passed, 0 failed, 0 skipped"), "{last}");
}

#[test]
fn a_wrong_expectation_is_reported_and_fails_the_run() {
    let dir = tempfile_dir();
    let text = std::fs::read_to_string(repo("tests/conformance/indexes.json")).unwrap();
    // Corrupt one expected value: the formatted name of a pod.
    let broken = text.replacen(
        "\"generateName\": \"indexed-job-1-\"",
        "\"generateName\": \"indexed-job-9-\"",
        1,
    );
    assert_ne!(text, broken, "fixture changed: pick another value to corrupt");
    std::fs::write(dir.join("broken.json"), broken).unwrap();
    let out = jobsim().arg("conformance").arg(&dir).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("FAIL broken.json: short job name: generateName"),
        "{stdout}"
    );
    assert!(stdout.trim_end().ends_with("1 failed, 0 skipped"), "{stdout}");
}

/// A path that is not there, and a file that is not a vector file: exit 2, naming the file.
#[test]
fn unreadable_vector_files_are_bad_input() {
    let dir = fresh_dir("unreadable");
    let missing = dir.join("missing");
    let out = jobsim().arg("conformance").arg(&missing).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!("error: {}: no such file or directory\n", missing.display())
    );
    let broken = dir.join("broken.json");
    std::fs::write(&broken, "[").unwrap();
    let out = jobsim().arg("conformance").arg(&broken).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!(
            "error: {}: not a vector file: EOF while parsing a list at line 1 column 1\n",
            broken.display()
        )
    );
}

/// A case whose vector cannot be built into API objects fails with what is wrong with it.
#[test]
fn a_malformed_case_fails_with_the_reason() {
    let dir = fresh_dir("malformed");
    let case = |name: &str, job_status: &str| {
        format!(
            r#"{{"name": "{name}", "kind": "syncJob", "input": {{"job": {{"spec": {{"parallelism": 1, "completions": 1, "template": {{"restartPolicy": "Never", "containers": ["main"]}}}}, "status": {job_status}}}, "pods": []}}, "expect": {{}}}}"#
        )
    };
    let cases = [
        case("offset", r#"{"startTime": "now+ten"}"#),
        case("rfc3339", r#"{"startTime": "2026-13-01T00:00:00Z"}"#),
        case("type", r#"{"startTime": 5}"#),
    ];
    std::fs::write(dir.join("bad.json"), format!("[{}]", cases.join(","))).unwrap();
    let out = jobsim().arg("conformance").arg(&dir).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert_eq!(
        stdout,
        "FAIL bad.json: offset: bad time offset now+ten\n\
         FAIL bad.json: rfc3339: \"2026-13-01T00:00:00Z\" is not an RFC 3339 time (for example \"2026-01-01T00:00:00Z\")\n\
         FAIL bad.json: type: bad time 5\n\
         0 passed, 3 failed, 0 skipped\n"
    );
}

fn tempfile_dir() -> std::path::PathBuf {
    // Shared by the tests that read its vectors: made once, never emptied.
    let dir = super::scratch_root().join("conf");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A folder of its own, beside `tempfile_dir()`'s, whose vectors only its test reads.
fn fresh_dir(name: &str) -> std::path::PathBuf {
    let dir = super::scratch(&format!("conf-{name}"));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
