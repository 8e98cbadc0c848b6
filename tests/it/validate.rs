use super::{jobsim, repo};

fn run(files: &[&str]) -> (Option<i32>, String, String) {
    let mut cmd = jobsim();
    cmd.arg("validate");
    for f in files {
        cmd.arg(repo(&format!("tests/manifests/{f}")));
    }
    let out = cmd.output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn documentation_examples_are_valid() {
    let (code, stdout, stderr) = run(&[
        "pi.yaml",
        "indexed-job.yaml",
        "pod-failure-policy.yaml",
        "newer-fields.yaml",
    ]);
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    assert!(stdout.contains("pi.yaml: 1 Job valid"));
    assert!(stdout.contains("pod-failure-policy.yaml: 2 Jobs valid"));
    assert!(stdout.contains("newer-fields.yaml: 2 Jobs valid; skipped ConfigMap/settings"));
}

#[test]
fn indexed_without_completions_names_field_and_line() {
    let (code, _, stderr) = run(&["invalid-indexed-no-completions.yaml"]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("invalid-indexed-no-completions.yaml:5:1: The Job \"indexed\" is invalid: spec.completions: Required value: when completion mode is Indexed"), "{stderr}");
}

#[test]
fn unsorted_exit_codes_point_at_the_values() {
    let (code, _, stderr) = run(&["invalid-unsorted-exit-codes.yaml"]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains(":17:9: The Job \"unsorted\" is invalid: spec.podFailurePolicy.rules[0].onExitCodes.values: Invalid value: []int32{42, 3, 7}: must be ordered"), "{stderr}");
}

#[test]
fn restart_policy_always_is_rejected() {
    let (code, _, stderr) = run(&["invalid-restart-always.yaml"]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains(":8:7: The Job \"always\" is invalid: spec.template.spec.restartPolicy: Required value: valid values: \"OnFailure\", \"Never\""), "{stderr}");
}

#[test]
fn every_file_is_reported_even_after_a_bad_one() {
    let (code, stdout, _) = run(&["invalid-restart-always.yaml", "pi.yaml"]);
    assert_eq!(code, Some(2));
    assert!(
        stdout.contains("invalid-restart-always.yaml: invalid (1 error)") && stdout.contains("pi.yaml: 1 Job valid"),
        "{stdout}"
    );
}

#[test]
fn typos_and_type_errors_are_reported_with_positions() {
    let dir = super::scratch("validate");
    std::fs::create_dir_all(&dir).unwrap();
    let typo = dir.join("typo.yaml");
    std::fs::write(&typo, "apiVersion: batch/v1\nkind: Job\nmetadata: {name: t}\nspec:\n  backofLimit: 2\n  template:\n    spec:\n      restartPolicy: Never\n      containers: [{name: m, image: b}]\n").unwrap();
    let out = jobsim().arg("validate").arg(&typo).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(2),
        "an unknown field is an error, as with kubectl's --validate=strict: {stderr}"
    );
    assert!(
        stderr
            .contains("typo.yaml:5:3: Job \"t\": unknown field \"spec.backofLimit\" (did you mean \"backoffLimit\"?)"),
        "{stderr}"
    );

    let bad_type = dir.join("type.yaml");
    std::fs::write(
        &bad_type,
        "apiVersion: batch/v1\nkind: Job\nmetadata: {name: t}\nspec:\n  parallelism: lots\n",
    )
    .unwrap();
    let out = jobsim().arg("validate").arg(&bad_type).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr.contains("type.yaml:5:3: spec.parallelism: expected a whole number in digits, got the string \"lots\""),
        "{stderr}"
    );
}

#[test]
fn older_releases_drop_newer_fields_with_a_warning() {
    let mut cmd = jobsim();
    let out = cmd
        .args(["validate", "--kubernetes-version", "1.27"])
        .arg(repo("tests/manifests/newer-fields.yaml"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("spec.backoffLimitPerIndex is not part of Kubernetes 1.27"),
        "{stderr}"
    );
    assert!(
        stderr.contains("spec.successPolicy is not part of Kubernetes 1.27"),
        "{stderr}"
    );
}

/// Values a scenario's reader parses itself (release, gates, epoch, index lists): each is
/// reported in the parser's words, at the value's line, and all of them at once.
#[test]
fn scenario_values_are_reported_in_the_parsers_words() {
    use jobsim::api::profile::{NEWEST_MINOR, OLDEST_MINOR, known_gate_names};
    let path = repo("tests/scenarios/bad-values.yaml");
    let out = jobsim().arg("validate").arg(&path).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    let wants = [
        format!(
            ":6:3: spec.kubernetesVersion: Invalid value: unsupported Kubernetes version \"1.2\": supported versions are 1.{OLDEST_MINOR} to 1.{NEWEST_MINOR}\n"
        ),
        format!(
            ":7:3: spec.featureGates: Invalid value: unrecognized feature gate: NoSuchGate (known gates: {})\n",
            known_gate_names().join(", ")
        ),
        ":5:3: spec.epoch: Invalid value: \"2026-13-01T00:00:00Z\" is not an RFC 3339 time (for example \"2026-01-01T00:00:00Z\")\n".into(),
        ":23:11: spec.workloads[0].pods.indexes.3,1: Invalid value: \"3,1\": non-increasing order, previous: 3, current: 1\n".into(),
        ":24:11: spec.workloads[0].pods.indexes.9: Invalid value: \"9\": too large index: \"9\"\n".into(),
        ":25:11: spec.workloads[0].pods.indexes.1-2-3: Invalid value: \"1-2-3\": the fragment \"1-2-3\" violates the requirement that an index interval can have at most two parts separated by '-'\n".into(),
        ":26:11: spec.workloads[0].pods.indexes.x: Invalid value: \"x\": cannot convert string to integer for index: \"x\"\n".into(),
    ];
    for want in &wants {
        assert!(
            stderr.contains(&format!("{}{want}", path.display())),
            "want {want:?} in:\n{stderr}"
        );
    }
    assert_eq!(stderr.lines().count(), wants.len(), "{stderr}");
}

#[test]
fn an_unsupported_release_is_refused_before_any_file_is_read() {
    use jobsim::api::profile::{NEWEST_MINOR, OLDEST_MINOR};
    let out = jobsim()
        .args(["validate", "--kubernetes-version", "1.2"])
        .arg(repo("tests/manifests/pi.yaml"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!(
            "error: --kubernetes-version: unsupported Kubernetes version \"1.2\": supported versions are 1.{OLDEST_MINOR} to 1.{NEWEST_MINOR}\n"
        )
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn a_folder_checks_its_yaml_files_in_order_and_skips_other_objects() {
    let dir = super::scratch("validate-dir");
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    std::fs::copy(repo("tests/manifests/pi.yaml"), dir.join("b-pi.yaml")).unwrap();
    std::fs::copy(repo("scenarios/backoff-limit.yaml"), dir.join("c-scenario.yml")).unwrap();
    std::fs::copy(
        repo("tests/manifests/invalid-restart-always.yaml"),
        dir.join("sub/bad.yaml"),
    )
    .unwrap();
    let pvc = "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: results}\n";
    std::fs::write(dir.join("a-pvc.yaml"), pvc).unwrap();
    std::fs::write(dir.join("notes.txt"), "not yaml").unwrap();
    let out = jobsim().arg("validate").arg(&dir).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{stdout}");
    assert!(lines[0].ends_with("a-pvc.yaml: skipped: no batch/v1 Job or scenario (PersistentVolumeClaim/results)"));
    assert!(lines[1].ends_with("b-pi.yaml: 1 Job valid"));
    assert!(lines[2].contains("c-scenario.yml: valid scenario"));
    // Given by name, a file with no Job is still refused; so is an empty folder.
    jobsim().arg("validate").arg(dir.join("a-pvc.yaml")).assert().code(2);
    let out = jobsim().arg("validate").arg(dir.join("sub")).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "the invalid file in the folder");
    std::fs::remove_file(dir.join("sub/bad.yaml")).unwrap();
    let out = jobsim().arg("validate").arg(dir.join("sub")).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no *.yaml or *.yml file in the folder"));
    std::fs::remove_dir_all(&dir).unwrap();
}
