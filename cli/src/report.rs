//! The result of a command: named steps, each ok, a warning, an error or skipped, with
//! a one-line fix. The JSON form is a stable document:
//! `{"command": ..., "ok": bool, "steps": [{"name", "status", "message", "fix"?}]}`.

use serde::Serialize;

/// How a step ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// The check passed.
    Ok,
    /// The configuration works but should change (never fails the command).
    Warning,
    /// The configuration cannot work; the command exits with 1.
    Error,
    /// The check did not run (a step it needs failed, or a value is missing).
    Skipped,
}

/// One finding.
#[derive(Debug, Clone, Serialize)]
pub struct Step {
    /// Stable identifier of what was checked (`environment_url`, `discovery`, ...).
    pub name: &'static str,
    /// How it ended.
    pub status: Status,
    /// What was found, in one line.
    pub message: String,
    /// How to fix it, in one line (warnings and errors).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
}

impl Step {
    /// A passed check.
    pub fn ok(name: &'static str, message: impl Into<String>) -> Self {
        Step { name, status: Status::Ok, message: message.into(), fix: None }
    }

    /// A working but doubtful setting.
    pub fn warning(name: &'static str, message: impl Into<String>, fix: impl Into<String>) -> Self {
        Step { name, status: Status::Warning, message: message.into(), fix: Some(fix.into()) }
    }

    /// A setting that cannot work.
    pub fn error(name: &'static str, message: impl Into<String>, fix: impl Into<String>) -> Self {
        Step { name, status: Status::Error, message: message.into(), fix: Some(fix.into()) }
    }

    /// A check that did not run, and why.
    pub fn skipped(name: &'static str, message: impl Into<String>) -> Self {
        Step { name, status: Status::Skipped, message: message.into(), fix: None }
    }
}

/// Everything one command found.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The command that ran (`check-env`, `test-connection`, `doctor`).
    pub command: &'static str,
    /// Whether no step is an error (warnings allowed).
    pub ok: bool,
    /// The steps, in the order they ran.
    pub steps: Vec<Step>,
}

impl Report {
    /// A report of `steps`; `ok` unless one of them is an error.
    pub fn new(command: &'static str, steps: Vec<Step>) -> Self {
        let ok = !has_errors(&steps);
        Report { command, ok, steps }
    }

    /// The process exit code: 0 when ok, 1 otherwise (2, usage errors, comes from clap).
    pub fn exit_code(&self) -> u8 {
        if self.ok { 0 } else { 1 }
    }
}

/// Whether any of `steps` is an error.
pub fn has_errors(steps: &[Step]) -> bool {
    steps.iter().any(|s| s.status == Status::Error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warnings_keep_the_report_ok_and_errors_do_not() {
        let warned = Report::new("check-env", vec![Step::ok("a", "fine"), Step::warning("b", "hm", "do x")]);
        assert!(warned.ok);
        assert_eq!(warned.exit_code(), 0);
        let failed =
            Report::new("check-env", vec![Step::error("a", "bad", "fix it"), Step::skipped("b", "-")]);
        assert!(!failed.ok);
        assert_eq!(failed.exit_code(), 1);
    }

    #[test]
    fn json_has_the_documented_shape() {
        let report = Report::new("doctor", vec![Step::ok("a", "fine"), Step::error("b", "bad", "fix it")]);
        let json = serde_json::to_value(&report).unwrap();
        assert_eq!(json["command"], "doctor");
        assert_eq!(json["ok"], false);
        assert!(json["steps"][0].get("fix").is_none());
        assert_eq!(json["steps"][1]["status"], "error");
        assert_eq!(json["steps"][1]["fix"], "fix it");
    }
}
