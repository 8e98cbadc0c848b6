//! Kubernetes API types the simulator reads and writes, with the API
//! server's defaulting and validation, and the version profile (the release
//! and feature gates) they depend on. Depends on nothing else in the crate.

pub mod defaults;
pub mod field;
pub mod job;
pub mod keys;
pub mod labels;
pub mod meta;
pub mod pod;
pub mod profile;
pub mod quantity;
pub mod scheduling;
pub mod strict;
pub mod time;
pub mod validation;

pub use job::*;
pub use keys::*;
pub use labels::Labels;
pub use meta::*;
pub use pod::*;
pub use profile::{FeatureGates, Profile};
pub use quantity::Quantity;
pub use time::{GO_ZERO_TIME, Time};
