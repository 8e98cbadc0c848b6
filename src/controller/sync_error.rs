//! Why a sync failed, worded as upstream's `syncJob` words it. A failed sync
//! sends the Job's key back to the queue with the per-key error backoff.

use super::client::ApiError;

/// The error `syncJob` returns.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SyncError {
    /// The first failed pod create or delete of `manageJob` / `deleteActivePods`.
    #[error("{0}")]
    Api(ApiError),
    /// `deleteJobPods`: the finalizer patch before a delete failed.
    #[error("removing completion finalizer: {0}")]
    RemovingFinalizer(ApiError),
    /// `trackJobStatusAndRemoveFinalizers` failed.
    #[error("tracking status: {0}")]
    Tracking(TrackError),
    /// New failed pods, which releases before 1.28 return as an error (the Job's key).
    #[error("failed pod(s) detected for job key {0:?}")]
    NewFailures(String),
}

/// The error `trackJobStatusAndRemoveFinalizers` returns.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TrackError {
    /// The status update that records newly finished pods as uncounted.
    #[error("adding uncounted pods to status: {0}")]
    AddingUncounted(ApiError),
    /// The status update that moves uncounted pods to the counters.
    #[error("removing uncounted pods from status: {0}")]
    RemovingUncounted(ApiError),
    /// The first failed finalizer removal.
    #[error("{0}")]
    RemovingFinalizer(ApiError),
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The messages upstream's `syncJob` returns, which reach the decisions log.
    #[test]
    fn errors_read_as_upstream_words_them() {
        let e = || ApiError::Other("conflict".into());
        let cases = [
            (SyncError::Api(e()), "conflict"),
            (
                SyncError::RemovingFinalizer(e()),
                "removing completion finalizer: conflict",
            ),
            (
                SyncError::Tracking(TrackError::AddingUncounted(e())),
                "tracking status: adding uncounted pods to status: conflict",
            ),
            (
                SyncError::Tracking(TrackError::RemovingUncounted(e())),
                "tracking status: removing uncounted pods from status: conflict",
            ),
            (
                SyncError::Tracking(TrackError::RemovingFinalizer(e())),
                "tracking status: conflict",
            ),
            (
                SyncError::NewFailures("ns/j".into()),
                "failed pod(s) detected for job key \"ns/j\"",
            ),
        ];
        for (err, want) in cases {
            assert_eq!(err.to_string(), want);
        }
    }
}
