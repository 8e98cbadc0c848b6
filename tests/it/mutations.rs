//! Every scenario in `scenarios/`, broken one edit at a time (a line deleted,
//! duplicated or re-indented, a value retyped, the file cut short), must be
//! refused plainly (exit 2) or accepted (exit 0) by `validate`, never panic,
//! and end within bounded time and memory; `run` must agree with `validate`
//! and end too. The edits are drawn from a fixed seed, so a failure names an
//! edit that reproduces.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Edits per scenario (`JOBSIM_MUTATION_EDITS` for more, when hunting).
const EDITS: usize = 40;
/// The seed of the edits (`JOBSIM_MUTATION_SEED` for others); a scenario's
/// stream is keyed by its file name too, so adding a scenario leaves the
/// others' edits as they were.
const SEED: u64 = 0x6a6f_6273_696d;
/// Wall time allowed to one command (a debug build, on a loaded machine).
const TIMEOUT: Duration = Duration::from_secs(30);
/// Address space allowed to one command (`ulimit -v`, KiB).
const MEMORY_KIB: u64 = 2 << 20;
/// Simulated time of the runs: bad values must not make a short run long.
const UNTIL: &str = "10m";

/// A setting from the environment, or its default.
fn setting<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// One edit of a scenario, said so that it can be redone by hand.
struct Mutation {
    kind: &'static str,
    /// 1-based line of the edit (of the cut, for a truncation).
    line: usize,
    /// What the line was, and what it became.
    before: String,
    after: String,
    text: String,
}

impl std::fmt::Display for Mutation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} at line {}: {:?} -> {:?}",
            self.kind, self.line, self.before, self.after
        )
    }
}

/// Values a scalar of each kind is replaced with: other types, out of range,
/// negative, empty.
const FOR_NUMBER: &[&str] = &[
    "[1, 2]",
    "\"7\"",
    "1e99",
    "-1",
    "0",
    "4294967296",
    "-9223372036854775809",
    ".nan",
    "~",
    "{a: 1}",
];
const FOR_DURATION: &[&str] = &[
    "-5s",
    "0s",
    "1e99",
    "99999999999h",
    "5",
    "[30s]",
    "\"5x\"",
    "1.5.5s",
    "~",
];
const FOR_BOOLEAN: &[&str] = &["1e99", "\"true\"", "yes", "[]", "1"];
const FOR_STRING: &[&str] = &[
    "42",
    "[a, b]",
    "{}",
    "\"\"",
    "~",
    "true",
    "-5s",
    "\"\\u0000\"",
    "&a x",
    "*a",
];

/// The scalar values of a line (not its keys or comment), as byte ranges.
fn scalars(line: &str) -> Vec<(usize, usize)> {
    let line = line.trim_end_matches(['\n', '\r']);
    let code = line.find(" #").map_or(line, |i| &line[..i]);
    let b = code.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if matches!(b[i], b' ' | b'{' | b'}' | b'[' | b']' | b',') || (b[i] == b'-' && b.get(i + 1) == Some(&b' ')) {
            i += 1;
            continue;
        }
        let start = i;
        if matches!(b[i], b'"' | b'\'') {
            let quote = b[i];
            i += 1;
            while i < b.len() && b[i] != quote {
                i += if b[i] == b'\\' { 2 } else { 1 };
            }
            i = (i + 1).min(b.len());
        } else {
            while i < b.len()
                && !matches!(b[i], b',' | b'}' | b']')
                && !(b[i] == b':' && b.get(i + 1).is_none_or(|c| *c == b' '))
            {
                i += 1;
            }
        }
        let end = start + code[start..i].trim_end().len();
        let after = code[i..].trim_start();
        if after.starts_with(':') {
            i = code.len() - after.len() + 1; // a key: skip its colon
        } else if end > start {
            out.push((start, end));
        }
    }
    out
}

/// What a scalar is replaced with, by what it looks like.
fn replacements(value: &str) -> &'static [&'static str] {
    let duration = value.starts_with(|c: char| c.is_ascii_digit())
        && value.ends_with(['s', 'm', 'h'])
        && value.chars().all(|c| c.is_ascii_alphanumeric() || c == '.');
    if duration {
        FOR_DURATION
    } else if value.parse::<f64>().is_ok() {
        FOR_NUMBER
    } else if value == "true" || value == "false" {
        FOR_BOOLEAN
    } else {
        FOR_STRING
    }
}

/// `edits` edits of `text`, drawn from `rng`.
fn mutations(text: &str, edits: usize, rng: &mut ChaCha8Rng) -> Vec<Mutation> {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    // Comments and blank lines are left alone: editing them changes nothing.
    let content: Vec<usize> = (0..lines.len())
        .filter(|&i| {
            let t = lines[i].trim();
            !t.is_empty() && !t.starts_with('#')
        })
        .collect();
    let with_scalars: Vec<usize> = content
        .iter()
        .copied()
        .filter(|&i| !scalars(lines[i]).is_empty())
        .collect();
    let mut pick = |n: usize| (rng.next_u64() % n as u64) as usize;
    let join = |i: usize, new: &str| {
        let mut t: String = lines[..i].concat();
        t.push_str(new);
        t.extend(lines[i + 1..].iter().copied());
        t
    };
    let mut out = Vec::new();
    for k in 0..edits {
        let i = content[pick(content.len())];
        let line = lines[i];
        let m = match k % 5 {
            0 => Mutation {
                kind: "delete",
                line: i + 1,
                before: line.into(),
                after: String::new(),
                text: join(i, ""),
            },
            1 => Mutation {
                kind: "duplicate",
                line: i + 1,
                before: line.into(),
                after: line.repeat(2),
                text: join(i, &line.repeat(2)),
            },
            2 => {
                let i = with_scalars[pick(with_scalars.len())];
                let line = lines[i];
                let spans = scalars(line);
                let (s, e) = spans[pick(spans.len())];
                let choices = replacements(&line[s..e]);
                let new = format!("{}{}{}", &line[..s], choices[pick(choices.len())], &line[e..]);
                Mutation {
                    kind: "retype",
                    line: i + 1,
                    before: line.into(),
                    text: join(i, &new),
                    after: new,
                }
            }
            3 => {
                // A cut inside the opening comment would leave an empty file every time.
                let first = lines[..content[0]].concat().len();
                let mut cut = first + pick(text.len() - first);
                while !text.is_char_boundary(cut) {
                    cut -= 1;
                }
                let line = text[..cut].matches('\n').count();
                Mutation {
                    kind: "truncate",
                    line: line + 1,
                    before: lines.get(line).copied().unwrap_or_default().into(),
                    after: text[..cut].rsplit('\n').next().unwrap_or_default().into(),
                    text: text[..cut].into(),
                }
            }
            _ => {
                let new = match line.strip_prefix("  ") {
                    Some(rest) if pick(2) == 0 => rest.to_string(),
                    _ => format!("  {line}"),
                };
                Mutation {
                    kind: "re-indent",
                    line: i + 1,
                    before: line.into(),
                    text: join(i, &new),
                    after: new,
                }
            }
        };
        out.push(m);
    }
    out
}

/// Wall time bounds the commands and is reported, never simulated.
#[allow(clippy::disallowed_methods)]
fn now() -> Instant {
    Instant::now()
}

/// A command's exit code (`None`: killed by a signal) and stderr, or a
/// description of why it did not end in time.
fn jobsim(args: &[&std::ffi::OsStr], dir: &Path) -> Result<(Option<i32>, String), String> {
    // The shell applies the memory bound, then becomes jobsim.
    let script = format!("ulimit -v {MEMORY_KIB} && exec \"$0\" \"$@\"");
    let stderr_path = dir.join("stderr");
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(script)
        .arg(env!("CARGO_BIN_EXE_jobsim"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&stderr_path).unwrap())
        .spawn()
        .unwrap();
    let started = now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("still running after {} s, killed", TIMEOUT.as_secs()));
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let stderr = String::from_utf8_lossy(&std::fs::read(&stderr_path).unwrap()).into_owned();
    Ok((status.code(), stderr))
}

/// What is wrong with a command's ending, if anything.
fn judge(what: &str, ended: Result<(Option<i32>, String), String>, allowed: &[i32]) -> Option<String> {
    match ended {
        Err(why) => Some(format!("{what}: {why}")),
        Ok((code, stderr)) if stderr.contains("panicked") || !code.is_some_and(|c| allowed.contains(&c)) => {
            let tail: String = stderr
                .lines()
                .rev()
                .take(8)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect::<Vec<_>>()
                .join("\n");
            Some(format!("{what}: exit {code:?} (allowed {allowed:?}), stderr:\n{tail}"))
        }
        Ok(_) => None,
    }
}

#[test]
fn mutated_scenarios_are_refused_or_run_never_panic_or_hang() {
    let started = now();
    let mut paths: Vec<_> = std::fs::read_dir(super::repo("scenarios"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    paths.sort();
    assert!(paths.len() >= 10, "scenarios/ holds {} scenarios", paths.len());
    let dir = tempfile::tempdir().unwrap();
    let (file, out) = (dir.path().join("mutated.yaml"), dir.path().join("out"));
    let (edits, seed) = (
        setting("JOBSIM_MUTATION_EDITS", EDITS),
        setting("JOBSIM_MUTATION_SEED", SEED),
    );
    let mut failures = Vec::new();
    let (mut accepted, mut total) = (0, 0);
    for path in &paths {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(path).unwrap();
        let mut rng = ChaCha8Rng::seed_from_u64(seed ^ jobsim::rng::name_id(&name));
        // The benchmark is validated only: with an edit such as its arrival
        // deleted, its 100,000 Jobs all start at once, a valid and long run.
        let runs = !name.starts_with("bench");
        for m in mutations(&text, edits, &mut rng) {
            total += 1;
            std::fs::write(&file, &m.text).unwrap();
            let validated = jobsim(&["validate".as_ref(), file.as_os_str()], dir.path());
            let valid = matches!(validated, Ok((Some(0), _)));
            accepted += usize::from(valid);
            let mut problems: Vec<String> = judge("validate", validated, &[0, 2]).into_iter().collect();
            if runs {
                let args = [
                    "run".as_ref(),
                    file.as_os_str(),
                    "--until".as_ref(),
                    UNTIL.as_ref(),
                    "--outputs".as_ref(),
                    "summary".as_ref(),
                    "--threads".as_ref(),
                    "1".as_ref(),
                    "--quiet".as_ref(),
                    "--out".as_ref(),
                    out.as_os_str(),
                ];
                // `run` loads scenarios as `validate` does: it must reach the same verdict.
                let allowed: &[i32] = if valid { &[0, 1] } else { &[2] };
                problems.extend(judge("run", jobsim(&args, dir.path()), allowed));
            }
            for p in problems {
                failures.push(format!("scenarios/{name}: {m}\n  {p}"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {total} edits failed (seed {seed:#x}, {edits} edits a scenario):\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
    // The edits must reach the simulator now and then, or `run` is not tested.
    assert!(
        accepted * 10 >= total,
        "only {accepted} of {total} edited scenarios were valid"
    );
    eprintln!(
        "{total} edits, {accepted} valid, in {:.1} s",
        started.elapsed().as_secs_f64()
    );
}
