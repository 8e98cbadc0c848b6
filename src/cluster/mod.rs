//! The models around the controller: its work queue, the API client's rate limit, the scheduler and nodes, the cluster autoscaler, the kubelet.

pub mod apiclient;
pub mod autoscaler;
pub mod kubelet;
pub mod nodes;
pub mod workqueue;
