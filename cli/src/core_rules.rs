//! The core's own validation, asked one setting at a time so that `check-env` reports
//! exactly the messages the library would raise at start-up.

use scalekit_auth::{Config, Error, ScalekitAuth, SessionConfig, SessionEngine};

/// A callback and a secret that pass every rule, standing in for the settings not
/// under test.
const STAND_IN_REDIRECT: &str = "https://app.example.com/auth/callback";
const STAND_IN_SECRET: &str = "k3J9vQ2mZx7LpR4tW8yB1nC6hF0dG5sAe";

/// The message of a missing variable, as `Config::from_lookup` or
/// `SessionConfig::from_lookup` words it, split into what is wrong and how to fix it.
pub fn missing(name: &str) -> (String, String) {
    let lookup = |n: &str| (n != name).then(|| "https://stand-in.example.com".to_owned());
    let err = Config::from_lookup(lookup).err().or_else(|| SessionConfig::from_lookup(lookup).err());
    let text = err.as_ref().map(message).unwrap_or_else(|| format!("{name} is not set"));
    match text.split_once("; ") {
        Some((what, fix)) => (what.to_owned(), fix.replacen("set it", &format!("set {name}"), 1)),
        None => (text, format!("set {name}")),
    }
}

/// The core's objection to an environment URL, if any.
pub fn environment_url(url: &str) -> Option<String> {
    ScalekitAuth::new(Config::new(url, "stand-in", "stand-in")).err().map(|e| message(&e))
}

/// The core's objection to a session configuration, if any. Pass `None` for the
/// settings not under test.
pub fn session(
    redirect_uri: Option<&str>,
    post_logout_redirect_uri: Option<&str>,
    secrets: Option<&[String]>,
    scopes: Option<&[String]>,
) -> Option<String> {
    let secrets = secrets.map(<[String]>::to_vec).unwrap_or_else(|| vec![STAND_IN_SECRET.to_owned()]);
    let mut config = SessionConfig::new(redirect_uri.unwrap_or(STAND_IN_REDIRECT), secrets);
    if let Some(uri) = post_logout_redirect_uri {
        config = config.post_logout_redirect_uri(uri);
    }
    if let Some(scopes) = scopes {
        config = config.scopes(scopes.iter().cloned());
    }
    let auth = match ScalekitAuth::new(Config::new("https://stand-in.example.com", "stand-in", "stand-in")) {
        Ok(auth) => auth,
        Err(e) => return Some(message(&e)),
    };
    SessionEngine::new(auth, config).err().map(|e| message(&e))
}

/// Splits a list the way `SessionConfig::from_lookup` does for scopes.
pub fn split_scopes(raw: &str) -> Vec<String> {
    raw.split([' ', ',']).filter(|s| !s.is_empty()).map(str::to_owned).collect()
}

/// Splits a list the way `SessionConfig::from_lookup` does for session secrets.
pub fn split_secrets(raw: &str) -> Vec<String> {
    raw.trim().split(',').map(|s| s.trim().to_owned()).collect()
}

/// The message without the "invalid configuration: " prefix of its display.
fn message(error: &Error) -> String {
    match error {
        Error::InvalidConfig(m) => m.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_variables_get_the_core_wording() {
        let (what, fix) = missing("SCALEKIT_CLIENT_SECRET");
        assert_eq!(what, "SCALEKIT_CLIENT_SECRET is not set");
        assert!(
            fix.starts_with("set SCALEKIT_CLIENT_SECRET to") && fix.contains("Scalekit dashboard"),
            "{fix}"
        );
        let (what, fix) = missing("SCALEKIT_SESSION_SECRET");
        assert_eq!(what, "SCALEKIT_SESSION_SECRET is not set");
        assert!(fix.contains("openssl rand"), "{fix}");
    }

    #[test]
    fn the_stand_ins_pass_and_real_problems_surface() {
        assert_eq!(session(None, None, None, None), None);
        assert_eq!(environment_url("https://acme.scalekit.com"), None);
        assert!(environment_url("http://acme.scalekit.com").unwrap().contains("http://"));
        assert!(session(Some("http://app.example.com/cb"), None, None, None).unwrap().contains("https"));
        let short = vec!["short".to_owned()];
        assert!(session(None, None, Some(&short), None).unwrap().contains("#1 is 5 bytes"));
        let scopes = split_scopes("email,profile");
        assert!(session(None, None, None, Some(&scopes)).unwrap().contains("openid"));
    }
}
