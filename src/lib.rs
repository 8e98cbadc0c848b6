//! jobsim: a deterministic discrete-event simulator of the Kubernetes
//! `batch/v1` Job controller. See `ARCHITECTURE.md` for the map.

pub mod api;
pub mod app;
pub mod cli;
pub mod conformance;
pub mod controller;
