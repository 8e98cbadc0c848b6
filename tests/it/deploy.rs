//! `deploy/`: the manifests are valid Jobs, the sweep Job's shards are as many
//! as its completions, and the command lines of its containers, run as the
//! kubelet would run them, merge into the whole sweep byte for byte.

use super::{jobsim, repo, tree};
use jobsim::api::Job;
use std::path::{Path, PathBuf};

fn tmp(name: &str) -> PathBuf {
    super::scratch(&format!("deploy-{name}"))
}

/// The one Job of a file of `deploy/`, read as `jobsim validate` reads it.
fn job(file: &str) -> Job {
    let path = repo(&format!("deploy/{file}"));
    let text = std::fs::read_to_string(&path).unwrap();
    let mut f = jobsim::manifest::load_str(file, &text).unwrap_or_else(|d| panic!("{d:?}"));
    assert_eq!(f.jobs.len(), 1, "{file} holds one Job");
    f.jobs.remove(0).job
}

/// The strings of a container's `command` or `args`.
fn strings(job: &Job, field: &str) -> Vec<String> {
    let c = &job.spec.template.spec.containers[0];
    c.extra
        .get(field)
        .and_then(|v| v.as_array())
        .map(|a| a.iter().map(|s| s.as_str().unwrap().to_string()).collect())
        .unwrap_or_default()
}

/// The value of an environment variable of the Job's container.
fn env(job: &Job, name: &str) -> Option<String> {
    let c = &job.spec.template.spec.containers[0];
    c.extra
        .get("env")?
        .as_array()?
        .iter()
        .find_map(|e| (e["name"] == name).then(|| e["value"].as_str().unwrap_or_default().to_string()))
}

#[test]
fn validate_accepts_the_deploy_folder() {
    let out = jobsim().arg("validate").arg(repo("deploy")).assert().code(0);
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    for line in [
        "deploy/sweep-job.yaml: 1 Job valid",
        "deploy/merge-job.yaml: 1 Job valid",
        "deploy/results-pvc.yaml: skipped: no batch/v1 Job or scenario (PersistentVolumeClaim/jobsim-results)",
    ] {
        assert!(stdout.contains(line), "{line:?} not in:\n{stdout}");
    }
}

#[test]
fn the_sweep_job_is_indexed_with_as_many_completions_as_its_shard_count() {
    let sweep = job("sweep-job.yaml");
    assert_eq!(sweep.spec.completion_mode.as_deref(), Some("Indexed"));
    let n = sweep.spec.completions.expect("completions");
    assert_eq!(env(&sweep, "JOB_COMPLETION_COUNT"), Some(n.to_string()));
    assert!(sweep.spec.parallelism.is_some_and(|p| p >= 1 && p <= n));
    assert_eq!(strings(&sweep, "args")[0], "sweep");
    assert!(
        strings(&sweep, "args").contains(&"/results/shard-$(JOB_COMPLETION_INDEX)".to_string()),
        "each index writes its own folder"
    );
    assert_eq!(
        strings(&sweep, "command"),
        Vec::<String>::new(),
        "the image's entrypoint runs jobsim"
    );
    let merge = job("merge-job.yaml");
    assert!(strings(&merge, "args")[0].contains("jobsim merge /results/shard-* "));
}

/// `$(NAME)` expanded from `vars`, as the kubelet expands a container's args.
fn expand(arg: &str, vars: &[(&str, String)]) -> String {
    vars.iter().fold(arg.to_string(), |a, (name, value)| {
        a.replace(&format!("$({name})"), value)
    })
}

/// The manifests' paths moved to this machine: the image's /scenarios is the
/// repository's, the results volume a folder of the test.
fn local(arg: &str, results: &Path) -> String {
    arg.replace("/scenarios/", &format!("{}/", repo("scenarios").display()))
        .replace("/results", &results.display().to_string())
}

#[test]
fn the_jobs_command_lines_shard_and_merge_into_the_whole_sweep() {
    let sweep = job("sweep-job.yaml");
    let n = sweep.spec.completions.unwrap();
    let count = env(&sweep, "JOB_COMPLETION_COUNT").unwrap();
    let results = tmp("results");
    // Each index's pod: the container's args with its index, and the environment
    // the manifest and the Job controller give it; fewer replications, for time.
    for k in 0..n {
        let vars = [
            ("JOB_COMPLETION_INDEX", k.to_string()),
            ("JOB_COMPLETION_COUNT", count.clone()),
        ];
        let args: Vec<String> = strings(&sweep, "args")
            .iter()
            .map(|a| local(&expand(a, &vars), &results))
            .collect();
        jobsim()
            .args(&args)
            .args(["--replications", "3"])
            .envs(vars.iter().map(|(k, v)| (*k, v.as_str())))
            .assert()
            .success();
        assert!(results.join(format!("shard-{k}/sweep-shard-{k}-of-{n}.json")).is_file());
    }
    // The merge Job's shell command, with this build of jobsim.
    let merge = job("merge-job.yaml");
    let command = strings(&merge, "command");
    assert_eq!(command, ["sh", "-c"]);
    let script = strings(&merge, "args")[0].clone();
    let local_script = local(&script, &results).replacen("jobsim ", &format!("{} ", env!("CARGO_BIN_EXE_jobsim")), 1);
    let out = std::process::Command::new("sh")
        .args(["-c", &local_script])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{local_script}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The same sweep in one process, with the merge's chart flags.
    let mut flags: Vec<&str> = script
        .split_whitespace()
        .skip_while(|w| *w != "/results/shard-*")
        .skip(1)
        .collect();
    if let Some(i) = flags.iter().position(|w| *w == "--out") {
        flags.drain(i..i + 2);
    }
    let whole = tmp("whole");
    let args: Vec<String> = strings(&sweep, "args")
        .iter()
        .take_while(|a| *a != "--out")
        .map(|a| local(a, &results))
        .collect();
    jobsim()
        .args(&args)
        .args(["--replications", "3"])
        .args(&flags)
        .arg("--out")
        .arg(&whole)
        .env_remove("JOB_COMPLETION_INDEX")
        .env_remove("JOB_COMPLETION_COUNT")
        .assert()
        .success();
    let merged = tree(&results.join("merged"));
    assert!(merged.iter().any(|(p, _)| p == Path::new("sweep-makespanSeconds.svg")));
    assert_eq!(merged, tree(&whole));
}
