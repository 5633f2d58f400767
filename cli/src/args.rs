//! The command line: `check-env`, `test-connection`, `doctor`, and `--json`.

use clap::{Args as ClapArgs, Parser, Subcommand};

/// Checks a Scalekit app's configuration and its connection to the environment.
///
/// Variables are read from the process environment and from `.env` in the current
/// directory (the environment wins). Exit status: 0 when no step failed (warnings
/// allowed), 1 when one did, 2 for usage errors.
#[derive(Debug, Parser)]
#[command(name = "scalekit-auth", version)]
pub struct Args {
    /// What to check.
    #[command(subcommand)]
    pub command: Command,
    /// Print one JSON document: {"command", "ok", "steps": [{"name", "status", "message", "fix"?}]}.
    #[arg(long, global = true)]
    pub json: bool,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check the SCALEKIT_* variables without any network call.
    CheckEnv,
    /// Reach the environment: discovery, signing keys, client credentials, login and logout URLs.
    TestConnection(ConnectionArgs),
    /// check-env, then test-connection when check-env found no error.
    Doctor(ConnectionArgs),
}

impl Command {
    /// The name reported in the output.
    pub fn name(&self) -> &'static str {
        match self {
            Command::CheckEnv => "check-env",
            Command::TestConnection(_) => "test-connection",
            Command::Doctor(_) => "doctor",
        }
    }
}

/// Options of the commands that go on the network.
#[derive(Debug, ClapArgs)]
pub struct ConnectionArgs {
    /// Time limit of each request to the provider, in seconds [default: 10, the client's HTTP timeout].
    #[arg(long, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..=300))]
    pub timeout: Option<u64>,
}
