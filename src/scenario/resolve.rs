//! Checks a scenario file and builds the model: every problem is reported
//! with file, line, column and field path, in the API server's style.

use super::limits;
use super::schema::*;
use super::*;
use crate::api::defaults::prepare_for_create;
use crate::api::validation::{ValidationOptions, validate_job};
use crate::manifest::{self, Diagnostic, from_value_at, parse_documents};
use crate::suggest::did_you_mean;
use crate::yaml_source::{DocumentMap, map_documents};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Loads and checks a scenario file. All problems are returned together.
pub fn load(path: &Path) -> Result<Scenario, Vec<Diagnostic>> {
    load_with(path, &[])
}

/// Loads a scenario file with `--set` changes applied before it is checked.
pub fn load_with(path: &Path, sets: &[Setting]) -> Result<Scenario, Vec<Diagnostic>> {
    let (name, text) = manifest::read_source(path)?;
    load_str_with(&name, &text, path.parent(), sets)
}

/// What to say when `run` is handed a Job manifest: that it is one, and the
/// smallest scenario that simulates it.
fn job_not_scenario(file: &str, job: &serde_json::Value) -> String {
    let name = job["metadata"]["name"]
        .as_str()
        .filter(|n| crate::api::validation::is_dns1123_subdomain(n).is_empty())
        .unwrap_or("my-job");
    let base = Path::new(file).file_name().map_or(file.into(), |f| f.to_string_lossy());
    format!(
        "this is a Job manifest (kind: Job), not a scenario. To simulate it, save a scenario beside it, \
         e.g. {name}-scenario.yaml, that names it with jobFile:\n\n\
         apiVersion: jobsim/v1alpha1\nkind: Scenario\nmetadata:\n  name: {name}\nspec:\n  workloads:\n    \
         - name: {name}\n      jobFile: {base}\n      pods:\n        runtime: {{constant: 30s}}\n\n\
         and run that file (docs/scenario.md describes pods:, the cluster and the rest)"
    )
}

/// Loads scenario text; `dir` resolves `jobFile` and `empirical.file` paths.
pub fn load_str(name: &str, text: &str, dir: Option<&Path>) -> Result<Scenario, Vec<Diagnostic>> {
    load_str_with(name, text, dir, &[])
}

/// Loads scenario text with `--set` changes applied to the document first. A
/// problem with a set value is reported against its flag, not a line of the file.
pub fn load_str_with(
    name: &str,
    text: &str,
    dir: Option<&Path>,
    sets: &[Setting],
) -> Result<Scenario, Vec<Diagnostic>> {
    let docs = parse_documents(name, text).map_err(|d| vec![d])?;
    let maps = map_documents(text);
    let start = maps.first().and_then(|m| m.start);
    let one = |message: String| {
        vec![Diagnostic {
            file: name.to_string(),
            position: start,
            message,
            warning: false,
        }]
    };
    let value = match docs.as_slice() {
        [v] if !v.is_null() => v,
        _ if docs.iter().all(|d| d.is_null()) => {
            return Err(one(
                "empty file: expected a Scenario (apiVersion: jobsim/v1alpha1, kind: Scenario)".into(),
            ));
        }
        _ => return Err(one("a scenario file holds one document; found several".into())),
    };
    if !value.is_object() {
        let got = match value {
            serde_json::Value::Array(_) => "a list",
            serde_json::Value::String(_) => "a string",
            serde_json::Value::Number(_) => "a number",
            _ => "a single value",
        };
        return Err(one(format!(
            "expected a Scenario, a mapping of apiVersion, kind, metadata and spec; got {got}"
        )));
    }
    if value.get("kind").and_then(|k| k.as_str()) == Some("Job") {
        return Err(one(job_not_scenario(name, value)));
    }
    let map = maps.into_iter().next().unwrap_or_default();
    let mut changed;
    let value = if sets.is_empty() {
        value
    } else {
        changed = value.clone();
        let mut at = Vec::new();
        for s in sets {
            match s.apply(&mut changed) {
                Ok(path) => at.push((path, s.given())),
                Err(e) => return Err(one(e.to_string())),
            }
        }
        let loaded = load_value(name, &changed, map, dir);
        return loaded.map_err(|diags| diags.into_iter().map(|d| blame_setting(d, &at)).collect());
    };
    load_value(name, value, map, dir)
}

/// A diagnostic about a field that a `--set` wrote names the flag, not the
/// line where the file had the field.
fn blame_setting(mut d: Diagnostic, sets: &[(String, String)]) -> Diagnostic {
    let hit = sets.iter().rev().find(|(path, _)| {
        d.message
            .strip_prefix(path.as_str())
            .is_some_and(|rest| rest.starts_with([':', '.', '[']))
    });
    if let Some((_, given)) = hit {
        d.file = format!("{}: --set {given}", d.file);
        d.position = None;
    }
    d
}

/// Checks a scenario document and builds the model.
fn load_value(
    name: &str,
    value: &serde_json::Value,
    map: DocumentMap,
    dir: Option<&Path>,
) -> Result<Scenario, Vec<Diagnostic>> {
    let raw: ScenarioFile =
        from_value_at(value, name, Some(&map), "").map_err(|d| vec![explain(d, &map, "", value)])?;
    let mut r = Resolver {
        file: name.to_string(),
        map,
        dir: dir.map(Path::to_path_buf),
        diags: Vec::new(),
        pods: Vec::new(),
    };
    let scenario = r.scenario(raw, value);
    if r.diags.iter().any(|d| !d.warning) {
        Err(r.diags)
    } else {
        Ok(scenario)
    }
}

/// The node at a field path (`spec.workloads[0].pods`) of a document.
fn node_at<'a>(root: &'a serde_json::Value, path: &str) -> Option<&'a serde_json::Value> {
    let mut v = root;
    for seg in path.split('.').filter(|s| !s.is_empty()) {
        let (key, mut rest) = seg.split_once('[').map_or((seg, ""), |(k, r)| (k, r));
        if !key.is_empty() {
            v = v.get(key)?;
        }
        while let Some((ix, after)) = rest.split_once(']') {
            v = v.get(ix.parse::<usize>().ok()?)?;
            rest = after.trim_start_matches('[');
        }
    }
    Some(v)
}

/// Rewrites serde's "unknown field"/"unknown variant" messages with the
/// field's own position and a "did you mean" hint.
fn explain(mut d: Diagnostic, map: &DocumentMap, prefix: &str, root: &serde_json::Value) -> Diagnostic {
    let msg = d.message.clone();
    let (path, reason) = match msg.split_once(": ") {
        Some((p, r)) if !p.contains(' ') => (p.to_string(), r.to_string()),
        _ => (String::new(), msg.clone()),
    };
    for (marker, what) in [("unknown field `", "field"), ("unknown variant `", "distribution")] {
        if let Some(rest) = reason.strip_prefix(marker)
            && let Some((word, tail)) = rest.split_once('`')
        {
            let expected: Vec<&str> = tail.split('`').skip(1).step_by(2).collect();
            let hint = did_you_mean(word, &expected)
                .map(|s| format!(" (did you mean \"{s}\"?)"))
                .unwrap_or_default();
            if what == "distribution"
                && expected.contains(&"constant")
                && let Some(serde_json::Value::String(text)) = node_at(root, &path)
            {
                // A bare string where a distribution goes (`runtime: 10s`).
                d.message = format!(
                    "{path}: expected a distribution such as {{constant: 10s}}, got the string {text:?}; one of: {}",
                    expected.join(", ")
                );
                continue;
            }
            let full = if path.is_empty() {
                word.to_string()
            } else if word.is_empty() || path == word || path.ends_with(&format!(".{word}")) {
                path.clone()
            } else {
                format!("{path}.{word}")
            };
            let what = if what == "distribution" && !path.ends_with("policy") {
                "distribution"
            } else {
                "field"
            };
            d.message = format!(
                "{full}: unknown {what} \"{word}\"{hint}; expected one of: {}",
                expected.join(", ")
            );
            if let Some(p) = map.locate(&format!("{prefix}{full}")) {
                d.position = Some(p);
            }
        }
    }
    d
}

struct Resolver {
    file: String,
    map: DocumentMap,
    dir: Option<PathBuf>,
    diags: Vec<Diagnostic>,
    /// Per workload: where its pod estimate comes from (a field path), how it
    /// is made, the estimate (see `limits::PODS`) and its Jobs.
    pods: Vec<(String, String, u64, u64)>,
}

impl Resolver {
    fn err(&mut self, path: &str, message: impl Into<String>) {
        self.diags.push(Diagnostic {
            file: self.file.clone(),
            position: self.map.locate(path),
            message: format!("{path}: {}", message.into()),
            warning: false,
        });
    }

    /// A distribution, refused when its draws could pass the longest
    /// duration jobsim simulates (a lognormal with a huge sigma once ended
    /// pods at 18446744073709551.615 s).
    fn dist(&mut self, spec: &DistSpec, path: &str) -> Dist {
        let dist = self.dist_unchecked(spec, path);
        let max = dist.practical_max();
        if max.is_nan() || max > crate::time::MAX_DRAW as f64 {
            let kind = path_kind(spec);
            self.err(
                &format!("{path}.{kind}"),
                format!(
                    "Invalid value: its draws reach {} (about one in a billion beyond); durations must stay under 100 years",
                    describe_ms(max),
                ),
            );
        }
        dist
    }

    fn dist_unchecked(&mut self, spec: &DistSpec, path: &str) -> Dist {
        let ms = |d: Dur| d.0 as f64;
        match spec {
            DistSpec::Constant(d) => Dist::Constant(ms(*d)),
            DistSpec::Uniform { min, max } => {
                if max.0 < min.0 {
                    self.err(
                        &format!("{path}.uniform.max"),
                        "Invalid value: must be greater than or equal to min",
                    );
                }
                Dist::Uniform {
                    min: ms(*min),
                    max: ms(*max),
                }
            }
            DistSpec::Exponential { mean } => {
                if mean.0 == 0 {
                    self.err(
                        &format!("{path}.exponential.mean"),
                        "Invalid value: must be greater than 0",
                    );
                }
                Dist::Exponential { mean: ms(*mean) }
            }
            DistSpec::Normal { mean, stddev } => Dist::Normal {
                mean: ms(*mean),
                stddev: ms(*stddev),
            },
            DistSpec::Lognormal { median, sigma } => {
                if !(sigma.is_finite() && *sigma >= 0.0) {
                    self.err(
                        &format!("{path}.lognormal.sigma"),
                        format!("Invalid value: {sigma}: must be greater than or equal to 0"),
                    );
                }
                Dist::LogNormal {
                    median: ms(*median),
                    sigma: *sigma,
                }
            }
            DistSpec::Weibull { shape, scale } => {
                if !(shape.is_finite() && *shape > 0.0) {
                    self.err(
                        &format!("{path}.weibull.shape"),
                        format!("Invalid value: {shape}: must be greater than 0"),
                    );
                }
                Dist::Weibull {
                    shape: *shape,
                    scale: ms(*scale),
                }
            }
            DistSpec::Gamma { shape, scale } => {
                if !(shape.is_finite() && *shape > 0.0) {
                    self.err(
                        &format!("{path}.gamma.shape"),
                        format!("Invalid value: {shape}: must be greater than 0"),
                    );
                }
                Dist::Gamma {
                    shape: *shape,
                    scale: ms(*scale),
                }
            }
            DistSpec::Empirical(e) => {
                let p = format!("{path}.empirical");
                let values: Vec<f64> = match (&e.values, &e.file) {
                    (Some(v), None) => v.iter().map(|d| ms(*d)).collect(),
                    (None, Some(f)) => self.empirical_file(f, &format!("{p}.file")),
                    _ => {
                        self.err(&p, "Invalid value: give exactly one of values or file");
                        Vec::new()
                    }
                };
                if values.is_empty() && !self.diags.iter().any(|d| d.message.starts_with(&p)) {
                    self.err(&p, "Invalid value: needs at least one value");
                }
                Dist::Empirical(values)
            }
        }
    }

    /// A CSV file whose first column holds durations (`12.5s`) or seconds
    /// (`12.5`). It is read through a bound (`limits::EMPIRICAL_FILE_BYTES`,
    /// `limits::EMPIRICAL_VALUES`), so that `/dev/zero` or `/dev/urandom`
    /// given by mistake is refused at once; a bad line is named by its number,
    /// never echoed.
    fn empirical_file(&mut self, file: &str, path: &str) -> Vec<f64> {
        let full = self
            .dir
            .as_deref()
            .map(|d| d.join(file))
            .unwrap_or_else(|| PathBuf::from(file));
        let quoted = crate::api::validation::go_quote(file);
        let bytes = match manifest::read_bounded(&full, limits::EMPIRICAL_FILE_BYTES) {
            Ok(Some(bytes)) => bytes,
            Ok(None) => {
                self.err(
                    path,
                    format!(
                        "Invalid value: {quoted}: must be no more than {} MiB",
                        limits::EMPIRICAL_FILE_BYTES >> 20
                    ),
                );
                return Vec::new();
            }
            Err(e) => {
                self.err(path, format!("cannot read {}: {e}", full.display()));
                return Vec::new();
            }
        };
        if let Err(e) = std::str::from_utf8(&bytes) {
            let (at, _) = manifest::invalid_utf8(&bytes, e.valid_up_to());
            self.err(
                path,
                format!("Invalid value: {quoted}: line {} is not UTF-8 text", at.line),
            );
            return Vec::new();
        }
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .trim(csv::Trim::All)
            .from_reader(bytes.as_slice());
        let mut values = Vec::new();
        let mut bad: Option<(u64, usize)> = None;
        for (i, rec) in reader.records().enumerate() {
            let line = rec
                .as_ref()
                .ok()
                .and_then(|r| r.position())
                .map_or(i as u64 + 1, |p| p.line());
            let Ok(rec) = rec else {
                bad = Some(bad.map_or((line, 1), |(first, n)| (first, n + 1)));
                continue;
            };
            let Some(cell) = rec.get(0).filter(|c| !c.is_empty()) else {
                continue;
            };
            if values.len() == limits::EMPIRICAL_VALUES {
                self.err(
                    path,
                    format!(
                        "Invalid value: {quoted}: must be no more than {} values",
                        limits::EMPIRICAL_VALUES
                    ),
                );
                return Vec::new();
            }
            if let Ok(secs) = cell.parse::<f64>() {
                if secs.is_finite() && secs >= 0.0 {
                    values.push(secs * 1000.0);
                    continue;
                }
            } else if let Ok(ms) = crate::time::parse_duration(cell) {
                values.push(ms as f64);
                continue;
            } else if i == 0 {
                continue; // a header
            }
            bad = Some(bad.map_or((line, 1), |(first, n)| (first, n + 1)));
        }
        if let Some((line, n)) = bad {
            let others = match n {
                1 => String::new(),
                2 => " (and 1 more line)".to_string(),
                n => format!(" (and {} more lines)", n - 1),
            };
            self.err(
                path,
                format!(
                    "Invalid value: {quoted}: line {line}{others}: the first column must be a duration such as 12.5s, or seconds such as 12.5"
                ),
            );
        }
        values
    }

    fn opt_dist(&mut self, spec: &Option<DistSpec>, path: &str) -> Dist {
        spec.as_ref().map(|s| self.dist(s, path)).unwrap_or(Dist::ZERO)
    }

    fn scenario(&mut self, raw: ScenarioFile, value: &serde_json::Value) -> Scenario {
        if raw.api_version != "jobsim/v1alpha1" {
            self.err(
                "apiVersion",
                format!(
                    "Unsupported value: {:?}: supported values: \"jobsim/v1alpha1\"",
                    raw.api_version
                ),
            );
        }
        if raw.kind != "Scenario" {
            self.err(
                "kind",
                format!("Unsupported value: {:?}: supported values: \"Scenario\"", raw.kind),
            );
        }
        // The name becomes the default output folder, `output/<name>`: only what the API
        // server accepts as an object name (`ValidateObjectMeta`) can never leave it.
        if !raw.metadata.name.is_empty() {
            for m in crate::api::validation::is_dns1123_subdomain(&raw.metadata.name) {
                let value = crate::api::validation::go_quote(&raw.metadata.name);
                self.err("metadata.name", format!("Invalid value: {value}: {m}"));
            }
        }
        let spec = raw.spec;
        let minor = match spec.kubernetes_version.as_deref().map(Profile::parse_version) {
            None => crate::controller::gates::NEWEST_MINOR,
            Some(Ok(m)) => m,
            Some(Err(e)) => {
                self.err("spec.kubernetesVersion", format!("Invalid value: {e}"));
                crate::controller::gates::NEWEST_MINOR
            }
        };
        let profile = match Profile::new(minor).with_gates(&spec.feature_gates) {
            Ok(p) => p,
            Err(e) => {
                self.err("spec.featureGates", format!("Invalid value: {e}"));
                Profile::new(minor)
            }
        };
        let epoch = match spec.epoch.as_deref() {
            None => Time::parse_rfc3339("2026-01-01T00:00:00Z").expect("valid"),
            Some(s) => Time::parse_rfc3339(s).unwrap_or_else(|e| {
                self.err("spec.epoch", format!("Invalid value: {e}"));
                Time(0)
            }),
        };
        let replications = spec.replications.map_or(1, |c| c.0);
        if replications == 0 {
            self.err("spec.replications", "Invalid value: 0: must be at least 1");
        }
        self.at_most("spec.replications", replications, limits::REPLICATIONS, "");
        let control_plane = self.control_plane(spec.controller_manager.unwrap_or_default());
        let cluster = self.cluster(spec.cluster.unwrap_or_default());
        if spec.workloads.is_empty() {
            self.err("spec.workloads", "Required value: at least one workload");
        }
        let mut workloads: Vec<Workload> = Vec::new();
        for (i, w) in spec.workloads.into_iter().enumerate() {
            let path = format!("spec.workloads[{i}]");
            if workloads.iter().any(|o| o.name == w.name) {
                self.err(&format!("{path}.name"), format!("Duplicate value: {:?}", w.name));
            }
            if let Some(wl) = self.workload(
                w,
                &path,
                &value["spec"]["workloads"][i],
                &profile,
                &cluster.priority_classes,
            ) {
                workloads.push(wl);
            }
        }
        let pods_needed = self.pod_estimate();
        let actions = self.actions(spec.actions, &workloads, &cluster);
        let outputs = self.outputs(spec.outputs, pods_needed);
        let pools: Vec<&str> = cluster.pools.iter().map(|p| p.name.as_str()).collect();
        let expect = self.expect(&spec.expect, &workloads, &pools);
        Scenario {
            name: if raw.metadata.name.is_empty() {
                "scenario".into()
            } else {
                raw.metadata.name
            },
            seed: spec.seed,
            replications: replications.clamp(1, limits::REPLICATIONS) as u32,
            until: spec.until.map(|d| d.0),
            epoch,
            profile,
            control_plane,
            cluster,
            workloads,
            actions,
            outputs,
            expect,
        }
    }

    /// `value` at most `limit`, or an error at `path` that names the limit.
    fn at_most(&mut self, path: &str, value: u64, limit: u64, unit: &str) {
        if value > limit {
            self.err(
                path,
                format!("Invalid value: {value}: must be no more than {limit}{unit}"),
            );
        }
    }

    /// The pods the Jobs need to succeed once each, held to `limits::PODS`:
    /// reported at the workload that alone passes it, or at `spec.workloads`.
    fn pod_estimate(&mut self) -> u64 {
        let pods = std::mem::take(&mut self.pods);
        let jobs: u64 = pods.iter().map(|p| p.3).sum();
        if jobs > limits::JOBS && pods.len() > 1 {
            self.err(
                "spec.workloads",
                format!(
                    "Invalid value: {jobs} Jobs in all: must be no more than {} Jobs in a scenario (the sum of the workloads' count)",
                    limits::JOBS
                ),
            );
        }
        let total = pods.iter().fold(0u64, |sum, p| sum.saturating_add(p.2));
        if total <= limits::PODS {
            return total;
        }
        let why = "the pods its Jobs need to succeed once each";
        match pods.iter().find(|p| p.2 > limits::PODS) {
            Some((path, how, n, _)) => self.err(
                path,
                format!(
                    "Invalid value: {how} = {n} pods: must be no more than {} pods in a scenario ({why})",
                    limits::PODS
                ),
            ),
            None => self.err(
                "spec.workloads",
                format!(
                    "Invalid value: {total} pods in all: must be no more than {} pods in a scenario ({why}: count × completions, or × parallelism without completions)",
                    limits::PODS
                ),
            ),
        }
        total
    }

    /// `spec.expect`: each problem reported at its field (`spec.expect[2].stat`).
    fn expect(&mut self, specs: &[expect::ExpectSpec], workloads: &[Workload], pools: &[&str]) -> Vec<Expectation> {
        expect::check(specs, workloads, pools, |path, message, warning| {
            self.err(path, message);
            if warning && let Some(d) = self.diags.last_mut() {
                d.warning = true;
            }
        })
    }

    /// `spec.outputs`: every name is checked, each bad one reported at its line.
    /// Without it, every output, but `trace.json` only for a scenario whose
    /// Jobs need at most [`limits::TRACE_PODS`] pods (a trace of more is
    /// more than a viewer shows; `--outputs all` or `trace` still asks for it).
    fn outputs(&mut self, names: Option<Vec<String>>, pods_needed: u64) -> Outputs {
        let Some(names) = names else {
            return if pods_needed <= limits::TRACE_PODS {
                Outputs::ALL
            } else {
                Outputs::ALL.without(Output::Trace)
            };
        };
        let mut ok = true;
        for (i, name) in names.iter().enumerate() {
            if let Err(e) = Outputs::from_names([name.as_str()]) {
                self.err(&format!("spec.outputs[{i}]"), format!("Invalid value: {e}"));
                ok = false;
            }
        }
        match Outputs::from_names(names.iter().map(String::as_str)) {
            Ok(set) => set,
            Err(e) => {
                if ok {
                    self.err("spec.outputs", format!("Invalid value: {e}"));
                }
                Outputs::ALL
            }
        }
    }

    fn control_plane(&mut self, cm: ControllerManagerSpec) -> ControlPlane {
        let p = "spec.controllerManager";
        if let Some(q) = cm.kube_api_qps.filter(|q| !(q.is_finite() && *q > 0.0)) {
            self.err(
                &format!("{p}.kubeAPIQPS"),
                format!("Invalid value: {q}: must be greater than 0"),
            );
        }
        if cm.kube_api_burst == Some(0) {
            self.err(&format!("{p}.kubeAPIBurst"), "Invalid value: 0: must be at least 1");
        }
        if cm.concurrent_job_syncs == Some(0) {
            self.err(
                &format!("{p}.concurrentJobSyncs"),
                "Invalid value: 0: must be at least 1",
            );
        }
        if let Some(r) = cm.api_error_rate.filter(|r| !(0.0..=1.0).contains(r)) {
            self.err(
                &format!("{p}.apiErrorRate"),
                format!("Invalid value: {r}: must be between 0 and 1"),
            );
        }
        ControlPlane {
            kube_api_qps: cm.kube_api_qps.unwrap_or(20.0),
            kube_api_burst: cm.kube_api_burst.unwrap_or(30),
            concurrent_job_syncs: cm.concurrent_job_syncs.unwrap_or(5),
            concurrent_ttl_syncs: cm.concurrent_ttl_after_finished_syncs.unwrap_or(5),
            api_latency: self.opt_dist(&cm.api_latency, &format!("{p}.apiLatency")),
            informer_delay: self.opt_dist(&cm.informer_delay, &format!("{p}.informerDelay")),
            api_error_rate: cm.api_error_rate.unwrap_or(0.0),
        }
    }

    fn cluster(&mut self, c: ClusterSpec) -> Cluster {
        let mut pools: Vec<NodePool> = Vec::new();
        for (i, p) in c.node_pools.iter().enumerate() {
            let path = format!("spec.cluster.nodePools[{i}]");
            if pools.iter().any(|o| o.name == p.name) {
                self.err(&format!("{path}.name"), format!("Duplicate value: {:?}", p.name));
            }
            self.at_most(&format!("{path}.count"), p.count.0, limits::NODES_PER_POOL, " nodes");
            pools.push(self.node_pool(p, &path));
        }
        let sched = c.scheduling.unwrap_or_default();
        let placement = match sched.policy.as_deref() {
            None | Some("LeastAllocated") => Placement::LeastAllocated,
            Some("MostAllocated") => Placement::MostAllocated,
            Some(other) => {
                self.err(
                    "spec.cluster.scheduling.policy",
                    format!("Unsupported value: {other:?}: supported values: \"LeastAllocated\", \"MostAllocated\""),
                );
                Placement::LeastAllocated
            }
        };
        let scheduling_latency = self.opt_dist(&sched.latency, "spec.cluster.scheduling.latency");
        let mut node_losses = Vec::new();
        for (i, d) in c.disruptions.iter().enumerate() {
            let path = format!("spec.cluster.disruptions[{i}]");
            let Some(nl) = &d.node_loss else {
                self.err(&path, "Required value: nodeLoss");
                continue;
            };
            let Some(pool) = pools.iter().position(|p| p.name == nl.pool) else {
                self.err(
                    &format!("{path}.nodeLoss.pool"),
                    format!("Not found: {:?}: no node pool has this name", nl.pool),
                );
                continue;
            };
            if nl.every.is_none() && nl.at.is_empty() {
                self.err(&format!("{path}.nodeLoss"), "Required value: every or at");
            }
            let every = nl
                .every
                .as_ref()
                .map(|e| self.dist(e, &format!("{path}.nodeLoss.every")));
            node_losses.push(NodeLoss {
                pool,
                every,
                at: nl.at.iter().map(|d| d.0).collect(),
                recovery: nl.recovery.map(|d| d.0),
            });
        }
        let autoscaled = pools.iter().any(|p| p.autoscaling.is_some());
        let autoscaler = match (c.autoscaler, autoscaled) {
            (Some(_), false) => {
                self.err(
                    "spec.cluster.autoscaler",
                    "Invalid value: no node pool has autoscaling: {min, max}",
                );
                None
            }
            (a, true) => Some(self.autoscaler(a.unwrap_or_default())),
            (None, false) => None,
        };
        let priority_classes = self.priority_classes(&c.priority_classes);
        Cluster {
            pools,
            scheduling_latency,
            placement,
            node_losses,
            autoscaler,
            priority_classes,
        }
    }

    /// PriorityClasses, checked as the API server checks them
    /// (`ValidatePriorityClass`, and the `Priority` admission plugin's one
    /// global default).
    fn priority_classes(&mut self, specs: &[PriorityClassSpec]) -> Vec<PriorityClass> {
        let mut out: Vec<PriorityClass> = Vec::new();
        for (i, pc) in specs.iter().enumerate() {
            let path = format!("spec.cluster.priorityClasses[{i}]");
            for m in crate::api::validation::is_dns1123_subdomain(&pc.name) {
                let value = crate::api::validation::go_quote(&pc.name);
                self.err(&format!("{path}.name"), format!("Invalid value: {value}: {m}"));
            }
            if out.iter().any(|o| o.name == pc.name) {
                self.err(&format!("{path}.name"), format!("Duplicate value: {:?}", pc.name));
            }
            if pc.name.starts_with("system-") {
                self.err(
                    &format!("{path}.name"),
                    format!(
                        "Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: {} is not a known system priority class",
                        pc.name
                    ),
                );
            } else if pc.value > PriorityClass::HIGHEST_USER_DEFINABLE {
                self.err(
                    &format!("{path}.value"),
                    format!(
                        "Forbidden: maximum allowed value of a user defined priority is {}",
                        PriorityClass::HIGHEST_USER_DEFINABLE
                    ),
                );
            } else if pc.value < i64::from(i32::MIN) {
                self.err(
                    &format!("{path}.value"),
                    format!("Invalid value: {}: must be a 32-bit integer", pc.value),
                );
            }
            let preempts = match pc.preemption_policy.as_deref() {
                None | Some("PreemptLowerPriority") => true,
                Some("Never") => false,
                Some(other) => {
                    self.err(
                        &format!("{path}.preemptionPolicy"),
                        format!("Unsupported value: {other:?}: supported values: \"Never\", \"PreemptLowerPriority\""),
                    );
                    true
                }
            };
            if pc.global_default
                && let Some(other) = out.iter().find(|o| o.global_default)
            {
                self.err(
                    &format!("{path}.globalDefault"),
                    format!(
                        "Forbidden: PriorityClass {} is already marked as default. Only one default can exist",
                        other.name
                    ),
                );
            }
            out.push(PriorityClass {
                name: pc.name.clone(),
                value: pc
                    .value
                    .clamp(i64::from(i32::MIN), PriorityClass::HIGHEST_USER_DEFINABLE) as i32,
                global_default: pc.global_default,
                preempts,
            });
        }
        out
    }

    /// The autoscaler's settings, cluster-autoscaler's defaults where not given.
    fn autoscaler(&mut self, a: AutoscalerSpec) -> Autoscaler {
        let path = "spec.cluster.autoscaler";
        let scan_interval = a.scan_interval.map_or(Autoscaler::DEFAULT_SCAN_INTERVAL, |d| d.0);
        if scan_interval == 0 {
            self.err(
                &format!("{path}.scanInterval"),
                "Invalid value: \"0s\": must be greater than 0",
            );
        }
        let provisioning = match &a.provisioning {
            Some(d) => self.dist(d, &format!("{path}.provisioning")),
            None => Dist::Constant(Autoscaler::DEFAULT_PROVISIONING as f64),
        };
        Autoscaler {
            scan_interval: scan_interval.max(1),
            provisioning,
            unneeded_time: a
                .scale_down_unneeded_time
                .map_or(Autoscaler::DEFAULT_UNNEEDED_TIME, |d| d.0),
            delay_after_add: a
                .scale_down_delay_after_add
                .map_or(Autoscaler::DEFAULT_DELAY_AFTER_ADD, |d| d.0),
            utilization_threshold: match a.scale_down_utilization_threshold {
                Some(t) if !(0.0..=1.0).contains(&t) => {
                    self.err(
                        &format!("{path}.scaleDownUtilizationThreshold"),
                        format!("Invalid value: {t}: must be between 0 and 1"),
                    );
                    Autoscaler::DEFAULT_UTILIZATION_THRESHOLD
                }
                Some(t) => t,
                None => Autoscaler::DEFAULT_UTILIZATION_THRESHOLD,
            },
        }
    }

    /// A node pool's allocatable resources, labels, taints and price,
    /// checked as the API server checks a Node's (`validateResourceName`,
    /// `ValidateLabels`, `validateNodeTaints`).
    fn node_pool(&mut self, p: &NodePoolSpec, path: &str) -> NodePool {
        let mut scalar = BTreeMap::new();
        let whole = |r: &mut Self, key: &str, q: &crate::api::Quantity| {
            let at = format!("{path}.allocatable.{key}");
            if q.milli_value() < 0 {
                r.err(
                    &at,
                    format!("Invalid value: {:?}: must be greater than or equal to 0", q.as_str()),
                );
            } else if q.milli_value() % 1000 != 0
                && (key == "pods" || crate::api::validation::is_extended_resource_name(key))
            {
                r.err(&at, format!("Invalid value: {:?}: must be an integer", q.as_str()));
            }
        };
        for (key, q) in &p.allocatable {
            let at = format!("{path}.allocatable.{key}");
            whole(self, key, q);
            if ["cpu", "memory", "pods"].contains(&key.as_str()) {
                continue;
            }
            let standard = ["ephemeral-storage"].contains(&key.as_str()) || key.starts_with("hugepages-");
            let qualified = crate::api::validation::is_qualified_name(key);
            if !qualified.is_empty() {
                for m in qualified {
                    self.err(&at, format!("Invalid value: {key:?}: {m}"));
                }
            } else if !key.contains('/') && !standard {
                let hint = did_you_mean(key, &["cpu", "memory", "pods", "ephemeral-storage"])
                    .map(|s| format!(" (did you mean \"{s}\"?)"))
                    .unwrap_or_default();
                self.err(
                    &at,
                    format!(
                        "Invalid value: {key:?}{hint}: must be a standard resource type (cpu, memory, pods, ephemeral-storage, hugepages-<size>) or fully qualified (nvidia.com/gpu)"
                    ),
                );
            } else {
                scalar.insert(key.clone(), q.value().clamp(0, i64::MAX as i128) as i64);
            }
        }
        let labels_path = format!("{path}.labels");
        for (k, v) in &p.labels {
            for m in crate::api::validation::is_qualified_name(k) {
                self.err(&labels_path, format!("Invalid value: {k:?}: {m}"));
            }
            for m in crate::api::validation::is_valid_label_value(v) {
                self.err(&labels_path, format!("Invalid value: {v:?}: {m}"));
            }
            if k == crate::api::scheduling::LABEL_HOSTNAME {
                self.err(
                    &format!("{labels_path}.{k}"),
                    format!("Forbidden: {k} is each node's own name (<pool>-<n>), set by the kubelet"),
                );
            }
        }
        let written: Vec<(String, String, String)> = (p.taints.iter())
            .map(|t| (t.key.clone(), t.value.clone(), t.effect.clone()))
            .collect();
        for e in crate::api::scheduling::validate_taints(&written, &format!("{path}.taints")) {
            self.diags.push(Diagnostic {
                file: self.file.clone(),
                position: self.map.locate(&e.field),
                message: e.to_string(),
                warning: false,
            });
        }
        let taints = (p.taints.iter())
            .filter_map(|t| {
                Some(crate::api::scheduling::Taint {
                    key: t.key.clone(),
                    value: t.value.clone(),
                    effect: crate::api::scheduling::TaintEffect::parse(&t.effect)?,
                })
            })
            .collect();
        if let Some(price) = p.price_per_hour.filter(|x| !(x.is_finite() && *x >= 0.0)) {
            self.err(
                &format!("{path}.pricePerHour"),
                format!("Invalid value: {price}: must be a number greater than or equal to 0"),
            );
        }
        let autoscaling = p.autoscaling.as_ref().map(|a| {
            let at = format!("{path}.autoscaling");
            if a.max.0 < a.min.0 {
                self.err(
                    &format!("{at}.max"),
                    format!(
                        "Invalid value: {}: must be greater than or equal to min ({})",
                        a.max.0, a.min.0
                    ),
                );
            } else if p.count.0 < a.min.0 || p.count.0 > a.max.0 {
                self.err(
                    &format!("{path}.count"),
                    format!(
                        "Invalid value: {}: the starting size must be within autoscaling min ({}) and max ({})",
                        p.count.0, a.min.0, a.max.0
                    ),
                );
            }
            self.at_most(&format!("{at}.max"), a.max.0, limits::NODES_PER_POOL, " nodes");
            let cap = |n: u64| n.min(limits::NODES_PER_POOL) as u32;
            (cap(a.min.0), cap(a.max.0))
        });
        let spot = p.spot.as_ref().map(|s| Spot {
            lifetime: self.dist(&s.lifetime, &format!("{path}.spot.lifetime")),
            notice: s.notice.map_or(Spot::DEFAULT_NOTICE, |d| d.0),
        });
        let q = |k: &str| p.allocatable.get(k).map(|q| q.milli_value());
        NodePool {
            autoscaling,
            spot,
            name: p.name.clone(),
            count: p.count.0.min(limits::NODES_PER_POOL) as u32,
            cpu_milli: q("cpu").map_or(i64::MAX, |v| v as i64),
            memory_bytes: q("memory").map_or(i64::MAX, |v| (v / 1000) as i64),
            pods: q("pods").map_or(110, |v| (v / 1000) as i64),
            scalar,
            labels: p.labels.clone(),
            taints,
            price_per_hour: p.price_per_hour,
        }
    }

    fn workload(
        &mut self,
        w: WorkloadSpec,
        path: &str,
        raw: &serde_json::Value,
        profile: &Profile,
        classes: &[PriorityClass],
    ) -> Option<Workload> {
        let count = w.count.map_or(1, |c| c.0);
        if count == 0 {
            self.err(&format!("{path}.count"), "Invalid value: 0: must be at least 1");
        }
        self.at_most(&format!("{path}.count"), count, limits::JOBS, " Jobs in a workload");
        let count = count.min(limits::JOBS) as u32;
        let manifest = match (&w.job, &w.job_file) {
            (Some(_), Some(_)) => {
                self.err(path, "Invalid value: give either job or jobFile, not both");
                return None;
            }
            (None, None) => {
                self.err(
                    &format!("{path}.job"),
                    "Required value: a batch/v1 Job manifest (job) or a path to one (jobFile)",
                );
                return None;
            }
            (Some(_), None) => self.embedded_job(&raw["job"], &format!("{path}.job."))?,
            (None, Some(f)) => self.job_file(f, &format!("{path}.jobFile"))?,
        };
        let (job, source) = manifest;
        // Without completions a Job runs `parallelism` pods (default 1) until one succeeds.
        let (which, need) = match (job.spec.completions, job.spec.parallelism) {
            (Some(c), _) => ("completions", c),
            (None, Some(p)) => ("parallelism", p),
            (None, None) => ("parallelism", 1),
        };
        let need = u64::try_from(need).unwrap_or(0);
        let field = if w.job.is_some() {
            format!("{path}.job.spec.{which}")
        } else {
            format!("{path}.jobFile")
        };
        self.pods.push((
            field,
            format!("{count} Jobs × {need} {which}"),
            u64::from(count).saturating_mul(need),
            u64::from(count),
        ));
        let arrival = match &w.arrival {
            None => Arrival::AtStart,
            Some(ArrivalSpec {
                every: Some(e),
                at: None,
            }) => Arrival::Every(self.dist(e, &format!("{path}.arrival.every"))),
            Some(ArrivalSpec {
                every: None,
                at: Some(at),
            }) => {
                if at.len() != count as usize {
                    self.err(
                        &format!("{path}.arrival.at"),
                        format!(
                            "Invalid value: {} times for {count} Jobs: give one time per Job",
                            at.len()
                        ),
                    );
                }
                Arrival::At(at.iter().map(|d| d.0).collect())
            }
            _ => {
                self.err(
                    &format!("{path}.arrival"),
                    "Invalid value: give exactly one of every or at",
                );
                Arrival::AtStart
            }
        };
        let pods = self.behavior(&w.pods, &PodBehavior::default(), &format!("{path}.pods"), &job);
        let mut index_overrides = Vec::new();
        for (key, spec) in &w.pods.indexes {
            let p = format!("{path}.pods.indexes.{key}");
            if !job.is_indexed() {
                self.err(
                    &p,
                    "Invalid value: per-index overrides need an Indexed Job (completionMode: Indexed)",
                );
                continue;
            }
            let completions = job.spec.completions.unwrap_or(0);
            if let Err(e) = crate::api::validation::validate_indexes_format(key, completions.max(1)) {
                self.err(&p, format!("Invalid value: {key:?}: {e}"));
                continue;
            }
            let set = crate::controller::intervals::OrderedIntervals::parse(key, i32::MAX);
            if !spec.indexes.is_empty() {
                self.err(&format!("{p}.indexes"), "Invalid value: overrides cannot nest");
            }
            let b = self.behavior(spec, &pods, &p, &job);
            index_overrides.push((set, b));
        }
        let (file, map, prefix) = source;
        let (priority, preempts) = self.pod_priority(&job, classes, &file, &map, &prefix);
        // Check the manifest as the API server would check the longest-named Job of the workload.
        let mut sample = job.clone();
        let wl = Workload {
            name: w.name.clone(),
            id: crate::rng::name_id(&w.name),
            count,
            arrival,
            manifest: job,
            pods,
            index_overrides,
            priority,
            preempts,
        };
        sample.metadata.name = wl.job_name(count.saturating_sub(1));
        let dropped = prepare_for_create(&mut sample, "00000000-0000-4000-8000-000000000000", Time(0), profile);
        for d in dropped {
            self.diags.push(Diagnostic {
                file: file.clone(),
                position: map.locate(&format!("{prefix}{d}")),
                message: format!("{prefix}{d}: not part of Kubernetes {profile} (or its feature gate is off): ignored"),
                warning: true,
            });
        }
        // kubectl's default `--validate=strict`: an unknown field of a Job's spec
        // (a typo such as backofLimit) is refused, not silently defaulted.
        for u in crate::api::strict::unknown_fields(&sample) {
            let hint = did_you_mean(&u.name, u.known)
                .map(|s| format!(" (did you mean {s:?}?)"))
                .unwrap_or_default();
            self.diags.push(Diagnostic {
                file: file.clone(),
                position: map.locate(&format!("{prefix}{}", u.path)),
                message: format!("{prefix}{}: unknown field {:?}{hint}", u.path, u.name),
                warning: false,
            });
        }
        for e in validate_job(
            &sample,
            &ValidationOptions {
                require_prefixed_labels: true,
                ..Default::default()
            },
        ) {
            self.diags.push(Diagnostic {
                file: file.clone(),
                position: map.locate(&format!("{prefix}{}", e.field)),
                // A `jobFile:` error points into that file, where the Job is the whole document.
                message: match prefix.trim_end_matches('.') {
                    "" => format!("The Job {:?} is invalid: {e}", sample.metadata.name),
                    head => format!("{head}: The Job {:?} is invalid: {e}", sample.metadata.name),
                },
                warning: false,
            });
        }
        Some(wl)
    }

    /// The priority of a workload's pods, as the `Priority` admission plugin
    /// resolves it when the Job controller creates them: the class their
    /// `priorityClassName` names (a name no class has refuses every pod, so
    /// the scenario is refused), else the global default class, else 0; a
    /// `priority` or `preemptionPolicy` the template sets must be the class's.
    fn pod_priority(
        &mut self,
        job: &Job,
        classes: &[PriorityClass],
        file: &str,
        map: &DocumentMap,
        prefix: &str,
    ) -> (i32, bool) {
        let spec = &job.spec.template.spec.extra;
        let mut err = |field: &str, message: String| {
            self.diags.push(Diagnostic {
                file: file.to_string(),
                position: map.locate(&format!("{prefix}spec.template.spec.{field}")),
                message: format!("{prefix}spec.template.spec.{field}: pods is forbidden: {message}"),
                warning: false,
            });
        };
        let system = PriorityClass::system();
        let (value, preempts) = match spec.get("priorityClassName").and_then(|v| v.as_str()) {
            Some(name) if !name.is_empty() => match (classes.iter()).chain(system.iter()).find(|c| c.name == name) {
                Some(c) => (c.value, c.preempts),
                None => {
                    err(
                        "priorityClassName",
                        format!("no PriorityClass with name {name} was found"),
                    );
                    (0, true)
                }
            },
            _ => (classes.iter())
                .find(|c| c.global_default)
                .map_or((0, true), |c| (c.value, c.preempts)),
        };
        if let Some(p) = spec.get("priority").and_then(serde_json::Value::as_i64)
            && p != i64::from(value)
        {
            err(
                "priority",
                format!(
                    "the integer value of priority ({p}) must not be provided in pod spec; priority admission controller computed {value} from the given PriorityClass name"
                ),
            );
        }
        let policy = if preempts { "PreemptLowerPriority" } else { "Never" };
        if let Some(p) = spec.get("preemptionPolicy").and_then(|v| v.as_str())
            && p != policy
        {
            err(
                "preemptionPolicy",
                format!(
                    "the string value of PreemptionPolicy ({p}) must not be provided in pod spec; priority admission controller computed {policy} from the given PriorityClass name"
                ),
            );
        }
        (value, preempts)
    }

    /// The embedded `job:` manifest, with positions inside the scenario file.
    fn embedded_job(&mut self, raw: &serde_json::Value, prefix: &str) -> Option<(Job, (String, DocumentMap, String))> {
        match from_value_at::<Job>(raw, &self.file, Some(&self.map), prefix) {
            Ok(job) => {
                self.check_job_kind(&job, prefix.trim_end_matches('.'));
                Some((job, (self.file.clone(), self.map.clone(), prefix.to_string())))
            }
            Err(d) => {
                self.diags.push(d);
                None
            }
        }
    }

    /// A `jobFile:` manifest, relative to the scenario, with positions in that file.
    fn job_file(&mut self, file: &str, path: &str) -> Option<(Job, (String, DocumentMap, String))> {
        let full = self
            .dir
            .as_deref()
            .map(|d| d.join(file))
            .unwrap_or_else(|| PathBuf::from(file));
        match manifest::load(&full) {
            Ok(mut m) => {
                if m.jobs.len() != 1 {
                    self.err(
                        path,
                        format!(
                            "Invalid value: {} holds {} Jobs: a workload takes exactly one",
                            full.display(),
                            m.jobs.len()
                        ),
                    );
                    return None;
                }
                let found = m.jobs.remove(0);
                let map = m.maps.get(found.document).cloned().unwrap_or_default();
                Some((found.job, (full.display().to_string(), map, found.prefix)))
            }
            Err(mut diags) => {
                if diags.iter().all(|d| d.position.is_none()) {
                    self.err(
                        path,
                        format!(
                            "cannot load {}: {}",
                            full.display(),
                            diags.iter().map(|d| d.message.clone()).collect::<Vec<_>>().join("; ")
                        ),
                    );
                } else {
                    self.diags.append(&mut diags);
                }
                None
            }
        }
    }

    fn check_job_kind(&mut self, job: &Job, path: &str) {
        if !job.kind.is_empty() && job.kind != "Job" {
            self.err(
                &format!("{path}.kind"),
                format!("Unsupported value: {:?}: supported values: \"Job\"", job.kind),
            );
        }
        if !job.api_version.is_empty() && job.api_version != "batch/v1" {
            self.err(
                &format!("{path}.apiVersion"),
                format!(
                    "Unsupported value: {:?}: supported values: \"batch/v1\"",
                    job.api_version
                ),
            );
        }
        if job.metadata.name.is_empty() {
            self.err(&format!("{path}.metadata.name"), "Required value: the Job needs a name");
        }
    }

    fn behavior(&mut self, s: &PodsSpec, base: &PodBehavior, path: &str, job: &Job) -> PodBehavior {
        let mut b = base.clone();
        if let Some(d) = &s.startup {
            b.startup = self.dist(d, &format!("{path}.startup"));
        }
        if let Some(d) = &s.readiness {
            b.readiness = self.dist(d, &format!("{path}.readiness"));
        }
        if let Some(d) = &s.runtime {
            b.runtime = self.dist(d, &format!("{path}.runtime"));
        }
        if let Some(d) = &s.shutdown {
            b.shutdown = self.dist(d, &format!("{path}.shutdown"));
        }
        if let Some(outcomes) = &s.outcomes {
            b.outcomes.clear();
            let mut total = 0.0;
            let containers: Vec<&str> = job
                .spec
                .template
                .spec
                .containers
                .iter()
                .chain(&job.spec.template.spec.init_containers)
                .map(|c| c.name.as_str())
                .collect();
            for (i, o) in outcomes.iter().enumerate() {
                let p = format!("{path}.outcomes[{i}]");
                if !(o.probability.is_finite() && (0.0..=1.0).contains(&o.probability)) {
                    self.err(
                        &format!("{p}.probability"),
                        format!("Invalid value: {}: must be between 0 and 1", o.probability),
                    );
                }
                total += o.probability;
                if o.exit_code == 0 {
                    self.err(
                        &format!("{p}.exitCode"),
                        "Invalid value: 0: a failure needs a non-zero exit code",
                    );
                }
                if let Some(c) = &o.container
                    && !containers.is_empty()
                    && !containers.contains(&c.as_str())
                {
                    let hint = did_you_mean(c, &containers)
                        .map(|s| format!(" (did you mean \"{s}\"?)"))
                        .unwrap_or_default();
                    self.err(
                        &format!("{p}.container"),
                        format!("Invalid value: {c:?}{hint}: must be one of the containers of the Job's pod template"),
                    );
                }
                let at = o.at.as_ref().map(|d| self.dist(d, &format!("{p}.at")));
                b.outcomes.push(Outcome {
                    probability: o.probability,
                    exit_code: o.exit_code,
                    at,
                    container: o.container.clone(),
                    conditions: o.conditions.clone(),
                });
            }
            if total > 1.0 + 1e-9 && outcomes.iter().all(|o| (0.0..=1.0).contains(&o.probability)) {
                self.err(
                    &format!("{path}.outcomes"),
                    format!("Invalid value: probabilities add up to {total}: must be at most 1"),
                );
            }
        }
        b
    }

    fn actions(&mut self, actions: Vec<ActionSpec>, workloads: &[Workload], cluster: &Cluster) -> Vec<Action> {
        let mut out = Vec::new();
        for (i, a) in actions.into_iter().enumerate() {
            let path = format!("spec.actions[{i}]");
            let job_sel = |r: &mut Self, j: &JobRef, key: &str| -> Option<JobSelector> {
                let Some(w) = workloads.iter().position(|w| w.name == j.workload) else {
                    let names: Vec<&str> = workloads.iter().map(|w| w.name.as_str()).collect();
                    let hint = did_you_mean(&j.workload, &names)
                        .map(|s| format!(" (did you mean \"{s}\"?)"))
                        .unwrap_or_default();
                    r.err(
                        &format!("{path}.{key}.workload"),
                        format!("Not found: {:?}{hint}: no workload has this name", j.workload),
                    );
                    return None;
                };
                if let Some(o) = j.job
                    && o >= workloads[w].count
                {
                    r.err(
                        &format!("{path}.{key}.job"),
                        format!(
                            "Not found: {o}: workload {:?} has {} Jobs (ordinals 0 to {})",
                            j.workload,
                            workloads[w].count,
                            workloads[w].count - 1
                        ),
                    );
                    return None;
                }
                Some(JobSelector {
                    workload: w,
                    ordinal: j.job,
                })
            };
            let pool = |r: &mut Self, n: &NodesRef, key: &str| -> Option<(usize, u32)> {
                let Some(p) = cluster.pools.iter().position(|p| p.name == n.pool) else {
                    r.err(
                        &format!("{path}.{key}.pool"),
                        format!("Not found: {:?}: no node pool has this name", n.pool),
                    );
                    return None;
                };
                Some((p, n.nodes.unwrap_or(1)))
            };
            let mut kinds = Vec::new();
            if let Some(j) = &a.suspend {
                kinds.push(job_sel(self, j, "suspend").map(ActionKind::Suspend));
            }
            if let Some(j) = &a.resume {
                kinds.push(job_sel(self, j, "resume").map(ActionKind::Resume));
            }
            if let Some(j) = &a.delete {
                kinds.push(job_sel(self, j, "delete").map(ActionKind::Delete));
            }
            if let Some(s) = &a.set_parallelism {
                if s.parallelism < 0 {
                    self.err(
                        &format!("{path}.setParallelism.parallelism"),
                        format!("Invalid value: {}: must be greater than or equal to 0", s.parallelism),
                    );
                }
                let r = JobRef {
                    workload: s.workload.clone(),
                    job: s.job,
                };
                kinds.push(
                    job_sel(self, &r, "setParallelism").map(|sel| ActionKind::SetParallelism(sel, s.parallelism)),
                );
            }
            if let Some(p) = &a.patch {
                if !p.spec.is_object() {
                    self.err(
                        &format!("{path}.patch.spec"),
                        "Invalid value: a merge patch of the Job's spec, a mapping such as {completions: 8, parallelism: 8}",
                    );
                }
                let r = JobRef {
                    workload: p.workload.clone(),
                    job: p.job,
                };
                kinds.push(job_sel(self, &r, "patch").map(|sel| ActionKind::Patch(sel, p.spec.clone())));
            }
            if let Some(n) = &a.drain {
                kinds.push(pool(self, n, "drain").map(|(pool, nodes)| ActionKind::Drain { pool, nodes }));
            }
            if let Some(n) = &a.lose_nodes {
                kinds.push(pool(self, n, "loseNodes").map(|(pool, nodes)| ActionKind::LoseNodes {
                    pool,
                    nodes,
                    recovery: n.recovery.map(|d| d.0),
                }));
            }
            if let Some(n) = &a.add_nodes {
                kinds.push(pool(self, n, "addNodes").map(|(pool, nodes)| ActionKind::AddNodes { pool, nodes }));
            }
            if let Some(n) = &a.remove_nodes {
                kinds.push(pool(self, n, "removeNodes").map(|(pool, nodes)| ActionKind::RemoveNodes { pool, nodes }));
            }
            match kinds.len() {
                1 => {
                    if let Some(kind) = kinds.pop().flatten() {
                        out.push(Action { at: a.at.0, kind });
                    }
                }
                0 => self.err(&path, "Required value: one of suspend, resume, delete, setParallelism, patch, drain, loseNodes, addNodes, removeNodes"),
                _ => self.err(&path, "Invalid value: one action per entry"),
            }
        }
        // Actions at the same time apply in file order.
        out.sort_by_key(|a| a.at);
        out
    }
}

/// The key naming a distribution's kind in the file.
fn path_kind(spec: &DistSpec) -> &'static str {
    match spec {
        DistSpec::Constant(_) => "constant",
        DistSpec::Uniform { .. } => "uniform",
        DistSpec::Exponential { .. } => "exponential",
        DistSpec::Normal { .. } => "normal",
        DistSpec::Lognormal { .. } => "lognormal",
        DistSpec::Weibull { .. } => "weibull",
        DistSpec::Gamma { .. } => "gamma",
        DistSpec::Empirical(_) => "empirical",
    }
}

/// A length in milliseconds for a message: years past a year, else a Go duration.
fn describe_ms(ms: f64) -> String {
    let year = 365.25 * 24.0 * 3600.0 * 1000.0;
    if !ms.is_finite() {
        "an unbounded time".into()
    } else if ms >= year {
        format!("{:.3e} years", ms / year)
    } else {
        crate::time::format_duration(ms as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &str = "apiVersion: jobsim/v1alpha1\nkind: Scenario\nmetadata: {name: t}\nspec:\n  workloads:\n    - name: w\n      pods: {runtime: {constant: 1s}}\n";

    fn first_error(job: &str) -> String {
        let errs = load_str("s.yaml", &format!("{HEAD}      job: {job}\n"), None).unwrap_err();
        errs[0].to_string()
    }

    #[test]
    fn priority_classes_resolve_pods_priority_as_admission_does() {
        let sc = |classes: &str, spec: &str| {
            format!(
                "apiVersion: jobsim/v1alpha1\nkind: Scenario\nmetadata: {{name: t}}\nspec:\n  cluster:\n    priorityClasses:\n{classes}  workloads:\n    - name: w\n      pods: {{runtime: {{constant: 1s}}}}\n      job: {{metadata: {{name: w}}, spec: {{template: {{spec: {{{spec}restartPolicy: Never, containers: [{{name: c, image: i}}]}}}}}}}}\n"
            )
        };
        let errors = |text: String| -> Vec<String> {
            (load_str("s.yaml", &text, None).unwrap_err().iter())
                .map(|d| d.to_string())
                .collect()
        };
        let classes = "      - {name: high, value: 1000}\n      - {name: low, value: -10, globalDefault: true, preemptionPolicy: Never}\n";
        let ok = load_str("s.yaml", &sc(classes, "priorityClassName: high, "), None).unwrap();
        assert_eq!((ok.workloads[0].priority, ok.workloads[0].preempts), (1000, true));
        // Without a class name: the global default.
        let ok = load_str("s.yaml", &sc(classes, ""), None).unwrap();
        assert_eq!((ok.workloads[0].priority, ok.workloads[0].preempts), (-10, false));
        // The system classes exist on every cluster.
        let ok = load_str(
            "s.yaml",
            &sc(classes, "priorityClassName: system-node-critical, "),
            None,
        )
        .unwrap();
        assert_eq!(ok.workloads[0].priority, 2_000_001_000);
        assert_eq!(
            errors(sc(classes, "priorityClassName: hihg, ")),
            [
                "s.yaml:12:59: spec.workloads[0].job.spec.template.spec.priorityClassName: pods is forbidden: no PriorityClass with name hihg was found"
            ]
        );
        assert_eq!(
            errors(sc(classes, "priorityClassName: high, priority: 5, ")),
            [
                "s.yaml:12:84: spec.workloads[0].job.spec.template.spec.priority: pods is forbidden: the integer value of priority (5) must not be provided in pod spec; priority admission controller computed 1000 from the given PriorityClass name"
            ]
        );
        let bad = "      - {name: a, value: 2000000000, globalDefault: true}\n      - {name: system-x, value: 1}\n      - {name: b, value: 1, globalDefault: true, preemptionPolicy: Sometimes}\n";
        assert_eq!(
            errors(sc(bad, "")),
            [
                "s.yaml:7:19: spec.cluster.priorityClasses[0].value: Forbidden: maximum allowed value of a user defined priority is 1000000000",
                "s.yaml:8:10: spec.cluster.priorityClasses[1].name: Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: system-x is not a known system priority class",
                "s.yaml:9:50: spec.cluster.priorityClasses[2].preemptionPolicy: Unsupported value: \"Sometimes\": supported values: \"Never\", \"PreemptLowerPriority\"",
                "s.yaml:9:29: spec.cluster.priorityClasses[2].globalDefault: Forbidden: PriorityClass a is already marked as default. Only one default can exist",
            ]
        );
    }

    #[test]
    fn autoscaling_bounds_and_settings_are_checked() {
        let sc = |pool: &str, autoscaler: &str| {
            format!(
                "apiVersion: jobsim/v1alpha1\nkind: Scenario\nmetadata: {{name: t}}\nspec:\n  cluster:\n    nodePools:\n      - {pool}\n{autoscaler}  workloads:\n    - name: w\n      pods: {{runtime: {{constant: 1s}}}}\n      job: {{metadata: {{name: w}}, spec: {{template: {{spec: {{restartPolicy: Never, containers: [{{name: c, image: i}}]}}}}}}}}\n"
            )
        };
        let errors = |text: String| -> Vec<String> {
            (load_str("s.yaml", &text, None).unwrap_err().iter())
                .map(|d| d.to_string())
                .collect()
        };
        let p = "spec.cluster.nodePools[0]";
        assert_eq!(
            errors(sc("{name: a, count: 5, autoscaling: {min: 1, max: 3}}", "")),
            [format!(
                "s.yaml:7:19: {p}.count: Invalid value: 5: the starting size must be within autoscaling min (1) and max (3)"
            )]
        );
        assert_eq!(
            errors(sc("{name: a, count: 2, autoscaling: {min: 3, max: 1}}", "")),
            [format!(
                "s.yaml:7:51: {p}.autoscaling.max: Invalid value: 1: must be greater than or equal to min (3)"
            )]
        );
        assert_eq!(
            errors(sc("{name: a, count: 2}", "    autoscaler: {scanInterval: 5s}\n")),
            ["s.yaml:8:5: spec.cluster.autoscaler: Invalid value: no node pool has autoscaling: {min, max}"]
        );
        // Without settings, cluster-autoscaler's defaults.
        let ok = load_str(
            "s.yaml",
            &sc("{name: a, count: 2, autoscaling: {min: 0, max: 4}}", ""),
            None,
        )
        .unwrap();
        assert_eq!(ok.cluster.pools[0].autoscaling, Some((0, 4)));
        let a = ok.cluster.autoscaler.expect("an autoscaled pool");
        assert_eq!(
            (a.scan_interval, a.unneeded_time, a.delay_after_add),
            (10_000, 600_000, 600_000)
        );
        assert!(matches!(a.provisioning, Dist::Constant(c) if c == 60_000.0));
        assert_eq!(a.utilization_threshold, 0.5);
        let pool = "{name: a, count: 2, autoscaling: {min: 0, max: 4}}";
        assert_eq!(
            errors(sc(pool, "    autoscaler: {scaleDownUtilizationThreshold: 1.5}\n")),
            [
                "s.yaml:8:18: spec.cluster.autoscaler.scaleDownUtilizationThreshold: Invalid value: 1.5: must be between 0 and 1"
            ]
        );
        // No pool autoscaled: no autoscaler.
        let none = load_str("s.yaml", &sc("{name: a, count: 2}", ""), None).unwrap();
        assert!(none.cluster.autoscaler.is_none());
        // Spot pools: the two-minute notice by default.
        let spot = load_str(
            "s.yaml",
            &sc("{name: a, count: 2, spot: {lifetime: {constant: 1h}}}", ""),
            None,
        )
        .unwrap();
        assert_eq!(spot.cluster.pools[0].spot.as_ref().map(|s| s.notice), Some(120_000));
    }

    #[test]
    fn node_pools_are_checked_as_nodes_are() {
        let pools = "apiVersion: jobsim/v1alpha1\nkind: Scenario\nmetadata: {name: t}\nspec:\n  cluster:\n    nodePools:\n      - name: gpu\n        count: 2\n        allocatable: {cpu: \"8\", gpus: \"4\", nvidia.com/gpu: 500m, example.com/fpga: \"-1\"}\n        labels: {kubernetes.io/hostname: x, accelerator: \"a 100\"}\n        taints:\n          - {key: nvidia.com/gpu, value: \"true\", effect: NoSchedule}\n          - {key: nvidia.com/gpu, effect: NoSchedule}\n          - {key: spot, effect: Sometimes}\n        pricePerHour: -2\n  workloads:\n    - name: w\n      pods: {runtime: {constant: 1s}}\n      job: {metadata: {name: w}, spec: {template: {spec: {restartPolicy: Never, containers: [{name: c, image: i}]}}}}\n";
        let errs: Vec<String> = load_str("s.yaml", pools, None)
            .unwrap_err()
            .iter()
            .map(|d| d.to_string())
            .collect();
        let p = "spec.cluster.nodePools[0]";
        assert_eq!(
            errs,
            [
                format!(
                    "s.yaml:9:66: {p}.allocatable.example.com/fpga: Invalid value: \"-1\": must be greater than or equal to 0"
                ),
                format!(
                    "s.yaml:9:33: {p}.allocatable.gpus: Invalid value: \"gpus\" (did you mean \"cpu\"?): must be a standard resource type (cpu, memory, pods, ephemeral-storage, hugepages-<size>) or fully qualified (nvidia.com/gpu)"
                ),
                format!("s.yaml:9:44: {p}.allocatable.nvidia.com/gpu: Invalid value: \"500m\": must be an integer"),
                format!(
                    "s.yaml:10:9: {p}.labels: Invalid value: \"a 100\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
                ),
                format!(
                    "s.yaml:10:18: {p}.labels.kubernetes.io/hostname: Forbidden: kubernetes.io/hostname is each node's own name (<pool>-<n>), set by the kubelet"
                ),
                format!(
                    "s.yaml:13:13: {p}.taints[1]: Duplicate value: core.Taint{{Key:\"nvidia.com/gpu\", Value:\"\", Effect:\"NoSchedule\", TimeAdded:(*v1.Time)(nil)}}: taints must be unique by key and effect pair"
                ),
                format!(
                    "s.yaml:14:25: {p}.taints[2].effect: Unsupported value: \"Sometimes\": supported values: \"NoSchedule\", \"PreferNoSchedule\", \"NoExecute\""
                ),
                format!(
                    "s.yaml:15:9: {p}.pricePerHour: Invalid value: -2: must be a number greater than or equal to 0"
                ),
            ]
        );
    }

    #[test]
    fn an_embedded_job_of_the_wrong_type_is_named_by_its_path() {
        // A file cut short inside `job:` leaves a string where the manifest goes.
        assert_eq!(
            first_error("apiVers"),
            "s.yaml:8:7: spec.workloads[0].job: expected a mapping of fields, got the string \"apiVers\""
        );
        assert_eq!(
            first_error("5"),
            "s.yaml:8:7: spec.workloads[0].job: expected a mapping of fields, got the number 5"
        );
        assert_eq!(
            first_error("{spec: {completions: many}}"),
            "s.yaml:8:20: spec.workloads[0].job.spec.completions: expected a whole number in digits, got the string \"many\""
        );
    }
}
