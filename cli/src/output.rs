//! Writes a [`Report`]: `✓`/`!`/`✗`/`-` lines (coloured only on a terminal without
//! `NO_COLOR`), or one JSON document.

use std::io::{IsTerminal, Write};

use crate::report::{Report, Status};

/// Whether stdout gets ANSI colours: a terminal, and `NO_COLOR` unset or empty
/// (<https://no-color.org>).
pub fn use_colour() -> bool {
    // Not on Windows: its classic console prints the escape codes instead of colours.
    !cfg!(windows)
        && std::io::stdout().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// Text for a terminal line: control characters (a provider's message could carry escape
/// sequences) shown escaped instead of acted on.
fn printable(text: &str) -> String {
    text.chars()
        .flat_map(|c| if c.is_control() { c.escape_default().collect::<Vec<_>>() } else { vec![c] })
        .collect()
}

/// The report as lines, ending with a summary line.
pub fn text(report: &Report, colour: bool) -> String {
    let paint = |code: &str, s: &str| if colour { format!("\x1b[{code}m{s}\x1b[0m") } else { s.to_owned() };
    let mut out = String::new();
    for step in &report.steps {
        let mark = match step.status {
            Status::Ok => paint("32", "✓"),
            Status::Warning => paint("33", "!"),
            Status::Error => paint("31", "✗"),
            Status::Skipped => paint("2", "-"),
        };
        out.push_str(&format!("{mark} {}: {}\n", step.name, printable(&step.message)));
        if let Some(fix) = &step.fix {
            out.push_str(&format!("    fix: {}\n", printable(fix)));
        }
    }
    let count = |status| report.steps.iter().filter(|s| s.status == status).count();
    let verdict = if report.ok { paint("32", "ok") } else { paint("31", "failed") };
    out.push_str(&format!(
        "{}: {verdict} ({} ok, {} warnings, {} errors, {} skipped)\n",
        report.command,
        count(Status::Ok),
        count(Status::Warning),
        count(Status::Error),
        count(Status::Skipped),
    ));
    out
}

/// Prints the report to stdout, as JSON when `json`.
pub fn print(report: &Report, json: bool) -> std::io::Result<()> {
    let rendered = if json {
        let mut doc = serde_json::to_string_pretty(report).map_err(std::io::Error::other)?;
        doc.push('\n');
        doc
    } else {
        text(report, use_colour())
    };
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(rendered.as_bytes())?;
    stdout.flush()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Step;

    #[test]
    fn plain_text_has_marks_fixes_and_a_summary() {
        let report = Report::new(
            "check-env",
            vec![Step::ok("a", "fine"), Step::warning("b", "hm", "do x"), Step::error("c", "bad", "do y")],
        );
        let out = text(&report, false);
        assert_eq!(
            out,
            "✓ a: fine\n! b: hm\n    fix: do x\n✗ c: bad\n    fix: do y\n\
             check-env: failed (1 ok, 1 warnings, 1 errors, 0 skipped)\n"
        );
        assert!(!out.contains('\x1b'));
        let hostile = Report::new("login", vec![Step::error("callback", "error=x\x1b[2J\nFAKE ✓", "retry")]);
        assert!(text(&hostile, false).starts_with("✗ callback: error=x\\u{1b}[2J\\nFAKE ✓\n"));
        assert!(text(&report, true).contains("\x1b[31m✗\x1b[0m"));
    }
}
