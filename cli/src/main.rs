//! `scalekit-auth`: checks a web app's Scalekit configuration (`check-env`), its
//! connection to the environment (`test-connection`), or both (`doctor`).
//!
//! # I/O boundary
//! Variables are read once at start from the process environment and `.env`
//! ([`vars`]); the checks of `check-env` make no network call; `test-connection`
//! talks to the provider through the core client plus one key-set download
//! ([`keys`]), each request bounded by the timeout. The report is printed once at the
//! end ([`output`]).
#![forbid(unsafe_code)]

mod app_urls;
mod args;
mod check_env;
mod connection;
mod core_rules;
mod dotenv;
mod keys;
mod output;
mod report;
mod session_secret;
mod vars;

use std::path::Path;
use std::process::ExitCode;

use clap::Parser;

use crate::args::{Args, Command};
use crate::report::{Report, Step, has_errors};
use crate::vars::Vars;

fn main() -> ExitCode {
    // Usage errors exit with 2 (clap's convention), --help and --version with 0.
    let args = Args::parse();
    let vars = Vars::load(Path::new(".env"));
    let steps = match &args.command {
        Command::CheckEnv => check_env::check_env(&vars),
        Command::TestConnection(options) => run_async(connection::test_connection(&vars, options.timeout)),
        Command::Doctor(options) => {
            let mut steps = check_env::check_env(&vars);
            if has_errors(&steps) {
                steps.push(Step::skipped(
                    "test_connection",
                    "skipped: check-env found errors; fix them first",
                ));
            } else {
                steps.extend(run_async(connection::test_connection(&vars, options.timeout)));
            }
            steps
        }
    };
    let report = Report::new(args.command.name(), steps);
    if let Err(e) = output::print(&report, args.json) {
        // A closed pipe or a full disk: nothing more can be said on stdout.
        eprintln!("scalekit-auth: cannot write the report: {e}");
        return ExitCode::from(1);
    }
    ExitCode::from(report.exit_code())
}

/// Runs `future` on a single-threaded runtime: the checks run one after another.
fn run_async<T>(future: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a current-thread runtime builds")
        .block_on(future)
}
