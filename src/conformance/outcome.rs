//! A case's outcome, shared by every kind of case.

/// A case's result: `Err` says what differed from the Kubernetes test (or what
/// is wrong with its vector), as the report prints it.
pub type R<T> = Result<T, String>;

/// `Ok` when `got` is what the Kubernetes test expects, else what differed.
pub fn check<T: PartialEq + std::fmt::Debug>(what: &str, got: T, want: T) -> R<()> {
    if got == want {
        Ok(())
    } else {
        Err(format!("{what}: got {got:?}, want {want:?}"))
    }
}
