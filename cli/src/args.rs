//! The command line: `check-env`, `test-connection`, `doctor`, `login`, and `--json`.

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
    /// Sign in for real: a browser goes to the provider and back to this command, which
    /// exchanges the code, validates the tokens, shows their claims and tries a refresh.
    Login(LoginArgs),
}

impl Command {
    /// The name reported in the output.
    pub fn name(&self) -> &'static str {
        match self {
            Command::CheckEnv => "check-env",
            Command::TestConnection(_) => "test-connection",
            Command::Doctor(_) => "doctor",
            Command::Login(_) => "login",
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

/// Options of `login`.
#[derive(Debug, ClapArgs)]
pub struct LoginArgs {
    /// Start at the sign-up form instead of the sign-in form.
    #[arg(long)]
    pub signup: bool,
    /// How long to wait for the browser to come back, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 300, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub wait: u64,
    /// Time limit of each request to the provider, in seconds [default: 10].
    #[arg(long, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..=300))]
    pub timeout: Option<u64>,
    /// Print the URL without opening a browser.
    #[arg(long)]
    pub no_browser: bool,
    /// Listen on this loopback redirect URI (registered in Scalekit) instead of SCALEKIT_REDIRECT_URI.
    #[arg(long, value_name = "URL")]
    pub redirect_uri: Option<String>,
}

impl LoginArgs {
    /// The options `login` runs with.
    pub fn to_options(&self) -> crate::login::LoginOptions {
        crate::login::LoginOptions {
            signup: self.signup,
            wait_seconds: self.wait,
            timeout_seconds: self.timeout,
            open_browser: !self.no_browser,
            redirect_uri: self.redirect_uri.clone(),
        }
    }
}
