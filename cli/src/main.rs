//! The `scalekit-auth` binary: the command line of [`scalekit_auth_cli::run`].
#![forbid(unsafe_code)]

use std::process::ExitCode;

fn main() -> ExitCode {
    ExitCode::from(scalekit_auth_cli::run(std::env::args_os()))
}
