//! Kubernetes API types the simulator reads and writes, with the API
//! server's defaulting and validation.

pub mod defaults;
pub mod job;
pub mod meta;
pub mod pod;
pub mod quantity;
pub mod time;
pub mod validation;

pub use job::*;
pub use meta::*;
pub use pod::*;
pub use quantity::Quantity;
pub use time::{GO_ZERO_TIME, Time};
