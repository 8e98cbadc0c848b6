use clap::Parser;
use jobsim::cli::{Cli, Command};
use std::process::ExitCode;

#[global_allocator]
static GLOBAL: jobsim::alloc::MiMalloc = jobsim::alloc::MiMalloc;

fn main() -> ExitCode {
    jobsim::alloc::without_transparent_huge_pages();
    let cli = Cli::parse();
    jobsim::output::files::clean_up_on_interrupt();
    let code = match cli.command {
        Command::Run(args) => jobsim::app::run(&args),
        Command::Sweep(args) => jobsim::app::sweep(&args),
        Command::Plan(args) => jobsim::app::plan(&args),
        Command::Compare(args) => jobsim::app::compare(&args),
        Command::Merge { dirs, out, charts, png } => jobsim::app::merge(&dirs, &out, &charts, png),
        Command::Plot { dir, png } => jobsim::app::plot(&dir, png),
        Command::Explain { dir, job } => jobsim::app::explain(&dir, &job),
        Command::Validate {
            files,
            kubernetes_version,
        } => jobsim::app::validate(&files, kubernetes_version.as_deref()),
        Command::Calibrate(args) => jobsim::app::calibrate(&args),
        Command::Check { paths, threads } => jobsim::app::check(&paths, threads),
        Command::Conformance { paths, verbose } => jobsim::app::conformance(&paths, verbose),
    };
    ExitCode::from(code)
}
