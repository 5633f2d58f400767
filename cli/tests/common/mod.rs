//! Runs the built `scalekit-auth` binary in a temporary directory with a controlled
//! environment: only `PATH`, `HOME` and the variables a test passes.

// Each test file uses a different part of this module.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::Value;

/// The client the private local provider registers (`tests/e2e/src/lib.rs`, `Idp::spawn_with`).
pub const IDP_CLIENT_ID: &str = "skc_e2e_client";
/// Its secret.
pub const IDP_CLIENT_SECRET: &str = "e2e-client-secret";
/// A session secret that passes every rule.
pub const GOOD_SESSION_SECRET: &str = "k3J9vQ2mZx7LpR4tW8yB1nC6hF0dG5sAeU";

/// A directory removed when dropped.
pub struct TempDir(PathBuf);

impl TempDir {
    /// A fresh empty directory under the system's temporary directory.
    pub fn new() -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!("scalekit-auth-cli-test-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("temp dir");
        TempDir(path)
    }

    /// Its path.
    pub fn path(&self) -> &Path {
        &self.0
    }

    /// Writes `.env` (or any file) in it.
    pub fn write(&self, name: &str, text: &str) {
        std::fs::write(self.0.join(name), text).expect("write file");
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// What one run printed and returned.
#[derive(Debug)]
pub struct Run {
    /// The exit code.
    pub code: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl Run {
    /// Stdout parsed as JSON.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.stdout))
    }

    /// The JSON step called `name`.
    pub fn step(&self, name: &str) -> Value {
        let json = self.json();
        let steps = json["steps"].as_array().expect("steps").clone();
        steps.into_iter().find(|s| s["name"] == name).unwrap_or_else(|| panic!("no step {name}: {json:#}"))
    }

    /// The status of the JSON step called `name`.
    pub fn status(&self, name: &str) -> String {
        self.step(name)["status"].as_str().expect("status").to_owned()
    }
}

/// The binary with `args`, to run in `dir` with only `env` (plus `PATH` and `HOME`).
pub fn command(dir: &TempDir, env: &[(&str, String)], args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_scalekit-auth"));
    command.args(args).current_dir(dir.path()).env_clear();
    for name in ["PATH", "HOME"] {
        if let Some(value) = std::env::var_os(name) {
            command.env(name, value);
        }
    }
    command.envs(env.iter().map(|(k, v)| (k, v)));
    command
}

/// Runs the binary in `dir` with only `env` (plus `PATH` and `HOME`).
pub fn run(dir: &TempDir, env: &[(&str, String)], args: &[&str]) -> Run {
    let output = command(dir, env, args).output().expect("the binary runs");
    Run {
        code: output.status.code().expect("exit code"),
        stdout: String::from_utf8(output.stdout).expect("UTF-8 stdout"),
        stderr: String::from_utf8(output.stderr).expect("UTF-8 stderr"),
    }
}

/// A complete configuration for a web app on `environment_url`.
pub fn good_env(
    environment_url: &str,
    redirect_uri: &str,
    post_logout_uri: &str,
) -> Vec<(&'static str, String)> {
    vec![
        ("SCALEKIT_ENVIRONMENT_URL", environment_url.to_owned()),
        ("SCALEKIT_CLIENT_ID", IDP_CLIENT_ID.to_owned()),
        ("SCALEKIT_CLIENT_SECRET", IDP_CLIENT_SECRET.to_owned()),
        ("SCALEKIT_REDIRECT_URI", redirect_uri.to_owned()),
        ("SCALEKIT_POST_LOGOUT_REDIRECT_URI", post_logout_uri.to_owned()),
        ("SCALEKIT_SESSION_SECRET", GOOD_SESSION_SECRET.to_owned()),
        ("SCALEKIT_SCOPES", "openid profile email offline_access".to_owned()),
    ]
}

/// `env` with `name` set to `value` (replaced or added).
pub fn with(
    mut env: Vec<(&'static str, String)>,
    name: &'static str,
    value: &str,
) -> Vec<(&'static str, String)> {
    env.retain(|(k, _)| *k != name);
    env.push((name, value.to_owned()));
    env
}

/// `env` without `name`.
pub fn without(mut env: Vec<(&'static str, String)>, name: &str) -> Vec<(&'static str, String)> {
    env.retain(|(k, _)| *k != name);
    env
}
