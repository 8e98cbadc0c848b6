//! The models around the controller: the kubelet's handling of pods.

pub mod api;
pub mod kubelet;
pub mod nodes;
