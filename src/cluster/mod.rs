//! The models around the controller, one module per upstream component: its
//! work queue, the API client's rate limit, the scheduler and nodes, the
//! scheduler's preemption, the cluster autoscaler, the kubelet, the taint
//! manager of the node lifecycle controller, the TTL-after-finished
//! controller.

pub mod apiclient;
pub mod autoscaler;
pub mod kubelet;
pub mod nodelifecycle;
pub mod nodes;
pub mod preemption;
pub mod ttl;
pub mod workqueue;
