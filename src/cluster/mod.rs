//! The models around the controller: its work queue, the API client's rate limit, the scheduler and nodes, its preemption, the cluster autoscaler, the kubelet.

pub mod apiclient;
pub mod autoscaler;
pub mod kubelet;
pub mod nodes;
pub mod preemption;
pub mod workqueue;
