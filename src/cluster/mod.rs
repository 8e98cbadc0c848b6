//! The models around the controller, one module per upstream component: its
//! work queue, the API client's rate limit, the scheduler and nodes, the
//! scheduler's preemption, the cluster autoscaler, the kubelet's pod
//! lifecycle, the node lifecycle controller with its taint manager (and the
//! Eviction API's writes), the TTL-after-finished controller.

pub mod apiclient;
pub mod autoscaler;
pub mod kubelet;
pub mod nodelifecycle;
pub mod nodes;
pub mod preemption;
pub mod ttl;
pub mod workqueue;
