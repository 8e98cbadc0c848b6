use clap::Parser;
use jobsim::cli::{Cli, Command};
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let code = match cli.command {
        Command::Validate { files } => jobsim::app::validate(&files),
        Command::Conformance { paths, verbose } => jobsim::app::conformance(&paths, verbose),
    };
    ExitCode::from(code)
}
