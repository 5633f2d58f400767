//! The `session_secret` check: every entry of `SCALEKIT_SESSION_SECRET` long enough
//! (the core's rule) and not a placeholder copied from an example.

use scalekit_auth::ENV_SESSION_SECRET;

use crate::core_rules;
use crate::report::Step;

const NAME: &str = "session_secret";
const FIX: &str = "set SCALEKIT_SESSION_SECRET to random bytes, e.g. `openssl rand -base64 48` (comma-separate \
                   several to rotate: the first seals)";

/// Words that mark a value copied from an example rather than generated.
const PLACEHOLDER_WORDS: [&str; 10] = [
    "change-me",
    "changeme",
    "change_me",
    "secret",
    "xxx",
    "your-",
    "your_",
    "example",
    "placeholder",
    "replace",
];

/// Checks the session secret list `raw` (already known to be set).
pub fn check(raw: &str) -> Step {
    let secrets = core_rules::split_secrets(raw);
    let mut problems: Vec<String> = Vec::new();
    if let Some(core) = core_rules::session(None, None, Some(&secrets), None) {
        problems.push(core);
    }
    for (index, secret) in secrets.iter().enumerate() {
        if let Some(reason) = placeholder(secret) {
            problems.push(format!("session secret #{} looks like a placeholder ({reason})", index + 1));
        }
    }
    if !problems.is_empty() {
        return Step::error(NAME, problems.join("; "), FIX);
    }
    match secrets.len() {
        1 => Step::ok(NAME, format!("1 secret of {} bytes", secrets[0].len())),
        n => Step::ok(
            NAME,
            format!(
                "{n} secrets: the first seals new sessions, all {n} open existing ones (rotation); remove the \
                 old ones from {ENV_SESSION_SECRET} once their sessions have expired"
            ),
        ),
    }
}

/// Why `secret` looks like a placeholder, if it does.
fn placeholder(secret: &str) -> Option<String> {
    let lower = secret.to_ascii_lowercase();
    if let Some(word) = PLACEHOLDER_WORDS.iter().find(|w| lower.contains(*w)) {
        return Some(format!("contains {word:?}"));
    }
    let mut distinct: Vec<char> = secret.chars().collect();
    distinct.sort_unstable();
    distinct.dedup();
    match distinct.len() {
        0 => None,
        1 => Some("one character repeated".into()),
        // Random base64 or hex of 32+ bytes uses far more distinct characters.
        n if n < 8 => Some(format!("only {n} distinct characters")),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Status;

    const GOOD: &str = "k3J9vQ2mZx7LpR4tW8yB1nC6hF0dG5sAe";

    #[test]
    fn random_secrets_pass_and_rotation_is_noted() {
        assert_eq!(check(GOOD).status, Status::Ok);
        let two = check(&format!("{GOOD}, 9f8e7d6c5b4a39281706f5e4d3c2b1a0ff"));
        assert_eq!(two.status, Status::Ok);
        assert!(two.message.contains("rotation"), "{}", two.message);
    }

    #[test]
    fn placeholders_and_short_entries_fail_each_by_number() {
        for raw in [
            "change-me-change-me-change-me-change-me",
            "my-super-secret-session-key-0123456789",
            "your-session-key-goes-here-0123456789",
            "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
            "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            "abababababababababababababababababababab",
        ] {
            assert_eq!(check(raw).status, Status::Error, "{raw}");
        }
        let step = check(&format!("{GOOD},short,{}", "CHANGE-ME".repeat(4)));
        assert_eq!(step.status, Status::Error);
        assert!(step.message.contains("#2 is 5 bytes"), "{}", step.message);
        assert!(step.message.contains("#3 looks like a placeholder"), "{}", step.message);
        assert!(step.fix.unwrap().contains("openssl rand"));
    }
}
