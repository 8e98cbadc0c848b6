//! jobsim: a deterministic simulator of the Kubernetes `batch/v1` Job controller.
//!
//! The controller core ([`controller::sync_job`]) is a pure function of a Job,
//! its pods, the controller's memory of the Job and the clock; it makes its API
//! calls through a [`controller::JobClient`]. It reads pods through
//! [`api::PodView`], so it runs on `Pod` objects as here, or on the
//! simulation's compact pod records, and gets them from a
//! [`controller::JobPods`]: a plain list, as here, or the simulation's pods
//! with the counts it keeps as they change:
//!
//! ```
//! use jobsim::api::{Job, JobStatus, Pod, Time};
//! use jobsim::controller::{ApiError, JobClient, JobState, PodCreate, PodLists, Profile, SyncEnv, sync_job};
//!
//! struct Api(Vec<PodCreate>);
//! impl JobClient<Pod> for Api {
//!     fn create_pod(&mut self, _: &Job, req: PodCreate) -> Result<(), ApiError> { self.0.push(req); Ok(()) }
//!     fn delete_pod(&mut self, _: &Job, _: &Pod) -> Result<(), ApiError> { Ok(()) }
//!     fn remove_tracking_finalizer(&mut self, _: &Pod) -> Result<(), ApiError> { Ok(()) }
//!     fn update_status(&mut self, _: &Job, _: JobStatus) -> Result<(), ApiError> { Ok(()) }
//! }
//!
//! let mut job = Job::default();
//! job.metadata.name = "pi".into();
//! job.spec.parallelism = Some(3);
//! job.spec.completions = Some(5);
//! let mut api = Api(Vec::new());
//! let env = SyncEnv { now: Time::from_secs(0), profile: Profile::newest() };
//! let pods: Vec<&Pod> = Vec::new();
//! sync_job(&job, &pods[..], &mut JobState::default(), &env, &mut api, &mut PodLists::default());
//! assert_eq!(api.0.len(), 3); // slow start: batches of 1 and 2
//! ```
//!
//! See `ARCHITECTURE.md` for the map of the crate.

pub mod alloc;
pub mod api;
pub mod app;
pub mod calibrate;
pub mod cli;
pub mod cluster;
pub mod conformance;
pub mod controller;
pub mod dist;
pub mod engine;
pub mod manifest;
pub mod output;
pub mod prefetch;
pub mod record;
pub mod rng;
pub mod scenario;
pub mod study;
pub mod suggest;
pub mod time;
pub mod workload;
pub mod world;
pub mod yaml_source;
