//! `scalekit-auth`: checks a web app's Scalekit configuration (`check-env`), its
//! connection to the environment (`test-connection`), both (`doctor`), or signs in for
//! real from the terminal (`login`).
//!
//! One implementation for every way it is started: the binary (`cargo install`), the
//! Python package (`python -m scalekit_auth`, the `scalekit-auth` script) and the npm
//! package (`npx scalekit-auth`) all call [`run`].
//!
//! # I/O boundary
//! Variables are read once at start from the process environment and `.env`
//! ([`vars`]); the checks of `check-env` make no network call; `test-connection`
//! talks to the provider through the core client plus one key-set download
//! ([`keys`]), each request bounded by the timeout; `login` also listens on the
//! redirect URI's loopback address. Instructions and a spinner go to stderr, the report
//! to stdout once at the end ([`output`]).
#![forbid(unsafe_code)]

mod app_urls;
mod args;
mod callback_server;
mod check_env;
mod connection;
mod core_rules;
mod dotenv;
mod keys;
mod login;
mod output;
mod report;
mod session_secret;
mod spinner;
mod vars;

use std::ffi::OsString;
use std::path::Path;

use clap::Parser;

use crate::args::{Args, Command};
use crate::report::{Report, Step, has_errors};
use crate::spinner::Spinner;
use crate::vars::Vars;

/// Runs the command line `args` (the program name first) and returns the exit code: 0
/// when no step failed (warnings allowed), 1 when one did, 2 for a usage error (0 for
/// `--help` and `--version`).
///
/// ```no_run
/// let code = scalekit_auth_cli::run(["scalekit-auth", "check-env", "--json"]);
/// std::process::exit(i32::from(code));
/// ```
pub fn run<I, T>(args: I) -> u8
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let args = match Args::try_parse_from(args) {
        Ok(args) => args,
        Err(e) => {
            // Help and version go to stdout; usage errors to stderr.
            let _ = e.print();
            return u8::try_from(e.exit_code()).unwrap_or(2);
        }
    };
    let vars = Vars::load(Path::new(".env"));
    let spinner = Spinner::start(args.json);
    let steps = match &args.command {
        Command::CheckEnv => check_env::check_env(&vars),
        Command::TestConnection(options) => {
            run_async(connection::test_connection(&vars, options.timeout, &spinner))
        }
        Command::Doctor(options) => {
            let mut steps = check_env::check_env(&vars);
            if has_errors(&steps) {
                steps.push(Step::skipped(
                    "test_connection",
                    "skipped: check-env found errors; fix them first",
                ));
            } else {
                steps.extend(run_async(connection::test_connection(&vars, options.timeout, &spinner)));
            }
            steps
        }
        Command::Login(options) => run_async(login::login(&vars, &options.to_options(), &spinner)),
    };
    drop(spinner);
    let report = Report::new(args.command.name(), steps);
    if let Err(e) = output::print(&report, args.json) {
        // A closed pipe or a full disk: nothing more can be said on stdout.
        eprintln!("scalekit-auth: cannot write the report: {e}");
        return 1;
    }
    report.exit_code()
}

/// Runs `future` on a single-threaded runtime: the checks run one after another.
fn run_async<T>(future: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a current-thread runtime builds")
        .block_on(future)
}
