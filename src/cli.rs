//! Command-line definitions (clap derive) and nothing else.

use clap::{Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "jobsim",
    version,
    about = "Deterministic simulator of the Kubernetes batch/v1 Job controller"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Check scenario files and Job manifests (single documents, `---` streams, `kind: List`).
    Validate {
        /// Files to check.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Validate as this Kubernetes release does (1.27 to the newest supported).
        #[arg(long, value_name = "VERSION")]
        kubernetes_version: Option<String>,
    },
    /// Run the Kubernetes test vectors against the controller core.
    Conformance {
        /// Vector files or folders (default: the vectors shipped in tests/conformance/).
        paths: Vec<PathBuf>,
        /// Also list the skipped cases.
        #[arg(long)]
        verbose: bool,
    },
}
