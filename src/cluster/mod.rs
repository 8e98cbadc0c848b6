//! The models around the controller: its work queue, the API client's rate limit, the scheduler and nodes, the kubelet.

pub mod apiclient;
pub mod kubelet;
pub mod nodes;
pub mod workqueue;
