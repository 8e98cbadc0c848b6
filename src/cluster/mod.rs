//! The models around the controller: the kubelet's handling of pods.

pub mod kubelet;
