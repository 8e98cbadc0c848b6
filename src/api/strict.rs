//! kubectl's default `--validate=strict`: a field the API does not define is
//! refused, not silently dropped (a typo such as `backofLimit` or
//! `containrs` would otherwise run with the default). The model keeps fields
//! it does not use in `extra` maps; these lists say which of them the API
//! defines (core/v1 and batch/v1 of the newest supported release).

use super::Job;

/// `PodSpec`'s fields.
pub const POD_SPEC_FIELDS: &[&str] = &[
    "activeDeadlineSeconds",
    "affinity",
    "automountServiceAccountToken",
    "containers",
    "dnsConfig",
    "dnsPolicy",
    "enableServiceLinks",
    "ephemeralContainers",
    "hostAliases",
    "hostIPC",
    "hostNetwork",
    "hostPID",
    "hostUsers",
    "hostname",
    "hostnameOverride",
    "imagePullSecrets",
    "initContainers",
    "nodeName",
    "nodeSelector",
    "os",
    "overhead",
    "preemptionPolicy",
    "priority",
    "priorityClassName",
    "readinessGates",
    "resourceClaims",
    "resources",
    "restartPolicy",
    "runtimeClassName",
    "schedulerName",
    "schedulingGates",
    "securityContext",
    "serviceAccount",
    "serviceAccountName",
    "setHostnameAsFQDN",
    "shareProcessNamespace",
    "subdomain",
    "terminationGracePeriodSeconds",
    "tolerations",
    "topologySpreadConstraints",
    "volumes",
];

/// `Container`'s fields.
pub const CONTAINER_FIELDS: &[&str] = &[
    "args",
    "command",
    "env",
    "envFrom",
    "image",
    "imagePullPolicy",
    "lifecycle",
    "livenessProbe",
    "name",
    "ports",
    "readinessProbe",
    "resizePolicy",
    "resources",
    "restartPolicy",
    "restartPolicyRules",
    "securityContext",
    "startupProbe",
    "stdin",
    "stdinOnce",
    "terminationMessagePath",
    "terminationMessagePolicy",
    "tty",
    "volumeDevices",
    "volumeMounts",
    "workingDir",
];

/// `ObjectMeta`'s fields.
pub const OBJECT_META_FIELDS: &[&str] = &[
    "annotations",
    "creationTimestamp",
    "deletionGracePeriodSeconds",
    "deletionTimestamp",
    "finalizers",
    "generateName",
    "generation",
    "labels",
    "managedFields",
    "name",
    "namespace",
    "ownerReferences",
    "resourceVersion",
    "selfLink",
    "uid",
];

/// A field the API does not define.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownField {
    /// Its path in the Job (`spec.template.spec.containers[0].imag`).
    pub path: String,
    pub name: String,
    /// The fields defined where it stands, for a "did you mean".
    pub known: &'static [&'static str],
}

/// Every field of `job` that the API does not define, in document order of
/// the parts (spec, template metadata, pod spec, containers).
pub fn unknown_fields(job: &Job) -> Vec<UnknownField> {
    let mut out = Vec::new();
    let mut check = |keys: &mut dyn Iterator<Item = &String>, at: &str, known: &'static [&'static str]| {
        for key in keys.filter(|k| !known.contains(&k.as_str())) {
            out.push(UnknownField {
                path: format!("{at}.{key}"),
                name: key.clone(),
                known,
            });
        }
    };
    check(&mut job.spec.extra.keys(), "spec", super::JOB_SPEC_FIELDS);
    let tpl = &job.spec.template;
    check(
        &mut tpl.metadata.extra.keys(),
        "spec.template.metadata",
        OBJECT_META_FIELDS,
    );
    let pod = &tpl.spec;
    check(&mut pod.extra.keys(), "spec.template.spec", POD_SPEC_FIELDS);
    for (list, name) in [
        (&pod.containers, "containers"),
        (&pod.init_containers, "initContainers"),
    ] {
        for (i, c) in list.iter().enumerate() {
            check(
                &mut c.extra.keys(),
                &format!("spec.template.spec.{name}[{i}]"),
                CONTAINER_FIELDS,
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typos_anywhere_in_the_job_are_found_with_a_hint_and_defined_fields_pass() {
        let job: Job = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "pi"},
            "spec": {
                "backofLimit": 3,
                "template": {
                    "metadata": {"lables": {"a": "b"}},
                    "spec": {
                        "restartPolicy": "Never",
                        "dnsPolicy": "Default",
                        "nodeSelecter": {"pool": "gpu"},
                        "tolerations": [],
                        "containers": [{"name": "c", "image": "busybox", "comand": ["x"], "env": []}],
                        "initContainers": [{"name": "i", "image": "busybox", "volumeMount": []}]
                    }
                }
            }
        }))
        .unwrap();
        let hint = |u: &UnknownField| crate::suggest::did_you_mean(&u.name, u.known);
        let got: Vec<(String, Option<&str>)> = unknown_fields(&job).iter().map(|u| (u.path.clone(), hint(u))).collect();
        assert_eq!(
            got,
            [
                ("spec.backofLimit".to_string(), Some("backoffLimit")),
                ("spec.template.metadata.lables".to_string(), Some("labels")),
                ("spec.template.spec.nodeSelecter".to_string(), Some("nodeSelector")),
                ("spec.template.spec.containers[0].comand".to_string(), Some("command")),
                (
                    "spec.template.spec.initContainers[0].volumeMount".to_string(),
                    Some("volumeMounts")
                ),
            ]
        );
    }
}
