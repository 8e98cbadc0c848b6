//! The API server's field errors (`field.Error` of apimachinery's
//! `pkg/util/validation/field`, in its printed form) and the name checks of
//! `pkg/util/validation` they report: what `ValidateJob` and the scheduling
//! directives' checks both build on.

use std::fmt;

/// `field.ErrorType`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorType {
    Required,
    Invalid,
    NotSupported,
    Duplicate,
    TooMany,
    TooLong,
    Forbidden,
}

impl ErrorType {
    /// The Go constant name, e.g. `FieldValueInvalid`.
    pub fn go_name(self) -> &'static str {
        match self {
            ErrorType::Required => "FieldValueRequired",
            ErrorType::Invalid => "FieldValueInvalid",
            ErrorType::NotSupported => "FieldValueNotSupported",
            ErrorType::Duplicate => "FieldValueDuplicate",
            ErrorType::TooMany => "FieldValueTooMany",
            ErrorType::TooLong => "FieldValueTooLong",
            ErrorType::Forbidden => "FieldValueForbidden",
        }
    }
    fn text(self) -> &'static str {
        match self {
            ErrorType::Required => "Required value",
            ErrorType::Invalid => "Invalid value",
            ErrorType::NotSupported => "Unsupported value",
            ErrorType::Duplicate => "Duplicate value",
            ErrorType::TooMany => "Too many",
            ErrorType::TooLong => "Too long",
            ErrorType::Forbidden => "Forbidden",
        }
    }
}

/// `field.Error`: a field path, an error type, the bad value as Go prints it, and a detail.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    pub type_: ErrorType,
    pub field: String,
    /// The bad value already rendered (`"x"`, `5`, `[]int32{1, 2}`); `None` omits it.
    pub value: Option<String>,
    pub detail: String,
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.type_.text())?;
        let shows_value = !matches!(
            self.type_,
            ErrorType::Required | ErrorType::Forbidden | ErrorType::TooLong
        );
        if let (true, Some(v)) = (shows_value, &self.value) {
            write!(f, ": {v}")?;
        }
        if !self.detail.is_empty() {
            write!(f, ": {}", self.detail)?;
        }
        Ok(())
    }
}

/// Constructors in the words of `field.Required`, `field.Invalid` and the rest.
impl FieldError {
    pub fn required(field: &str, detail: impl Into<String>) -> Self {
        required(field, detail)
    }
    pub fn forbidden(field: &str, detail: impl Into<String>) -> Self {
        err(ErrorType::Forbidden, field, None, detail)
    }
    /// `value` is the bad value as Go prints it (`"x"`, `5`).
    pub fn invalid(field: &str, value: impl fmt::Display, detail: impl Into<String>) -> Self {
        invalid(field, value, detail)
    }
    /// An invalid value that the message does not repeat.
    pub fn invalid_detail(field: &str, detail: impl Into<String>) -> Self {
        invalid_omit(field, detail)
    }
    pub fn not_supported(field: &str, value: &str, valid: &[&str]) -> Self {
        not_supported(field, value, valid)
    }
    pub fn duplicate(field: &str, value: impl fmt::Display, detail: impl Into<String>) -> Self {
        err(ErrorType::Duplicate, field, Some(value.to_string()), detail)
    }
}

pub(super) fn err(type_: ErrorType, field: &str, value: Option<String>, detail: impl Into<String>) -> FieldError {
    FieldError {
        type_,
        field: field.to_string(),
        value,
        detail: detail.into(),
    }
}
pub(super) fn required(field: &str, detail: impl Into<String>) -> FieldError {
    err(ErrorType::Required, field, None, detail)
}
pub(super) fn invalid(field: &str, value: impl fmt::Display, detail: impl Into<String>) -> FieldError {
    err(ErrorType::Invalid, field, Some(value.to_string()), detail)
}
pub(super) fn invalid_str(field: &str, value: &str, detail: impl Into<String>) -> FieldError {
    invalid(field, go_quote(value), detail)
}
pub(super) fn invalid_omit(field: &str, detail: impl Into<String>) -> FieldError {
    err(ErrorType::Invalid, field, None, detail)
}
pub(super) fn not_supported(field: &str, value: &str, valid: &[&str]) -> FieldError {
    let list: Vec<String> = valid.iter().map(|v| go_quote(v)).collect();
    err(
        ErrorType::NotSupported,
        field,
        Some(go_quote(value)),
        format!("supported values: {}", list.join(", ")),
    )
}
pub(super) fn too_many(field: &str, actual: usize, max: usize) -> FieldError {
    err(
        ErrorType::TooMany,
        field,
        Some(actual.to_string()),
        format!("must have at most {max} items"),
    )
}
pub(super) fn non_negative(field: &str, v: i64) -> Option<FieldError> {
    (v < 0).then(|| invalid(field, v, "must be greater than or equal to 0"))
}

/// Go's `%q` for the strings that appear in validation messages.
pub fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `%q` of a `[]string`: `["a" "b"]`.
pub(super) fn go_quote_list(items: &[&str]) -> String {
    format!("[{}]", items.iter().map(|s| go_quote(s)).collect::<Vec<_>>().join(" "))
}

// ---------------------------------------------------------------------------
// Name and label checks (`k8s.io/apimachinery/pkg/util/validation`).

pub(super) const DNS1123_LABEL_FMT: &str = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
pub(super) const DNS1123_SUBDOMAIN_FMT: &str = "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*";
pub(super) const QUALIFIED_NAME_FMT: &str = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
pub(super) const LABEL_VALUE_FMT: &str = "(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?";

pub(super) fn is_alnum(c: u8) -> bool {
    c.is_ascii_alphanumeric()
}

pub(super) fn dns_label_ok(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
        && b[0] != b'-'
        && b[b.len() - 1] != b'-'
}

/// `IsDNS1123Label`.
pub fn is_dns1123_label(s: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if s.len() > 63 {
        errs.push("must be no more than 63 characters".to_string());
    }
    if !dns_label_ok(s) {
        errs.push(format!(
            "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '{DNS1123_LABEL_FMT}')"
        ));
    }
    errs
}

/// `IsDNS1123Subdomain`.
pub fn is_dns1123_subdomain(s: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if s.len() > 253 {
        errs.push("must be no more than 253 characters".to_string());
    }
    if s.is_empty() || !s.split('.').all(dns_label_ok) {
        errs.push(format!(
            "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '{DNS1123_SUBDOMAIN_FMT}')"
        ));
    }
    errs
}

pub(super) fn qualified_name_part_ok(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && is_alnum(b[0])
        && is_alnum(b[b.len() - 1])
        && b.iter().all(|c| is_alnum(*c) || matches!(c, b'-' | b'_' | b'.'))
}

/// `IsQualifiedName`: `[prefix/]name` as used by label keys and condition types.
pub fn is_qualified_name(value: &str) -> Vec<String> {
    let mut errs = Vec::new();
    let parts: Vec<&str> = value.split('/').collect();
    let name = match parts.as_slice() {
        [name] => *name,
        [prefix, name] => {
            if prefix.is_empty() {
                errs.push("prefix part must be non-empty".to_string());
            } else {
                errs.extend(
                    is_dns1123_subdomain(prefix)
                        .into_iter()
                        .map(|m| format!("prefix part {m}")),
                );
            }
            name
        }
        _ => {
            return vec![format!(
                "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '{QUALIFIED_NAME_FMT}') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
            )];
        }
    };
    if name.is_empty() {
        errs.push("name part must be non-empty".to_string());
    } else if name.len() > 63 {
        errs.push("name part must be no more than 63 characters".to_string());
    }
    if !name.is_empty() && !qualified_name_part_ok(name) {
        errs.push(format!(
            "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '{QUALIFIED_NAME_FMT}')"
        ));
    }
    errs
}

/// `IsValidLabelValue`.
pub fn is_valid_label_value(value: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if value.len() > 63 {
        errs.push("must be no more than 63 characters".to_string());
    }
    if !value.is_empty() && !qualified_name_part_ok(value) {
        errs.push(format!(
            "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '{LABEL_VALUE_FMT}')"
        ));
    }
    errs
}
