//! The variables the commands read: the process environment over `.env` in the current
//! directory, captured once at start.

use std::collections::HashMap;
use std::path::Path;

use scalekit_auth::{
    ENV_CLIENT_ID, ENV_CLIENT_SECRET, ENV_ENVIRONMENT_URL, ENV_POST_LOGOUT_REDIRECT_URI, ENV_REDIRECT_URI,
    ENV_SCOPES, ENV_SESSION_SECRET,
};

use crate::dotenv::{self, DotEnv};

/// Every variable the commands look at.
pub const NAMES: [&str; 7] = [
    ENV_ENVIRONMENT_URL,
    ENV_CLIENT_ID,
    ENV_CLIENT_SECRET,
    ENV_REDIRECT_URI,
    ENV_POST_LOGOUT_REDIRECT_URI,
    ENV_SESSION_SECRET,
    ENV_SCOPES,
];

/// What happened to the `.env` file.
#[derive(Debug, PartialEq, Eq)]
pub enum DotEnvFile {
    /// There is none in the current directory.
    Missing,
    /// It was read (its problems are in [`DotEnv::problems`]).
    Read,
    /// It exists but could not be read.
    Unreadable(String),
}

/// Where a value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// The process environment.
    Process,
    /// The `.env` file.
    DotEnv,
}

impl Origin {
    /// Words for messages: "from the environment" / "from .env".
    pub fn describe(self) -> &'static str {
        match self {
            Origin::Process => "from the environment",
            Origin::DotEnv => "from .env",
        }
    }
}

/// The variables, resolved.
#[derive(Debug)]
pub struct Vars {
    process: HashMap<String, String>,
    /// The parsed `.env` file (empty when there is none).
    pub dotenv: DotEnv,
    /// Whether `.env` was found and read.
    pub file: DotEnvFile,
}

impl Vars {
    /// Reads [`NAMES`] from the process environment and `path` (a `.env` file).
    pub fn load(path: &Path) -> Self {
        let process =
            NAMES.iter().filter_map(|&n| std::env::var(n).ok().map(|v| (n.to_owned(), v))).collect();
        let (dotenv, file) = match std::fs::read_to_string(path) {
            Ok(text) => (dotenv::parse(&text), DotEnvFile::Read),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => (DotEnv::default(), DotEnvFile::Missing),
            Err(e) => (DotEnv::default(), DotEnvFile::Unreadable(e.to_string())),
        };
        Vars { process, dotenv, file }
    }

    /// A variable set in the process environment wins over `.env`, even when empty.
    pub fn get(&self, name: &str) -> Option<String> {
        self.get_with_origin(name).map(|(v, _)| v)
    }

    /// The value and where it came from.
    pub fn get_with_origin(&self, name: &str) -> Option<(String, Origin)> {
        match self.process.get(name) {
            Some(v) => Some((v.clone(), Origin::Process)),
            None => self.dotenv.get(name).map(|v| (v.to_owned(), Origin::DotEnv)),
        }
    }

    /// The trimmed value, `None` when unset or blank (as the core reads it).
    pub fn non_empty(&self, name: &str) -> Option<String> {
        self.get(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
    }

    /// A lookup for the core's `from_lookup` constructors.
    pub fn lookup(&self) -> impl Fn(&str) -> Option<String> + '_ {
        |name| self.get(name)
    }
}

#[cfg(test)]
impl Vars {
    /// Variables from lists, for unit tests.
    pub fn from_pairs(process: &[(&str, &str)], dotenv_text: &str) -> Self {
        Vars {
            process: process.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect(),
            dotenv: dotenv::parse(dotenv_text),
            file: DotEnvFile::Read,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_process_environment_overrides_dotenv() {
        let vars = Vars::from_pairs(
            &[(ENV_CLIENT_ID, "from-env")],
            "SCALEKIT_CLIENT_ID=a\nSCALEKIT_SCOPES=openid\n",
        );
        assert_eq!(vars.get_with_origin(ENV_CLIENT_ID), Some(("from-env".into(), Origin::Process)));
        assert_eq!(vars.get_with_origin(ENV_SCOPES), Some(("openid".into(), Origin::DotEnv)));
        assert_eq!(vars.get(ENV_REDIRECT_URI), None);
        assert_eq!((vars.lookup())(ENV_SCOPES).as_deref(), Some("openid"));
    }
}
