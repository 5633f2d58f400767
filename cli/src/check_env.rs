//! `check-env`: every `SCALEKIT_*` setting of a web app, checked without a network call.

use scalekit_auth::{
    ENV_CLIENT_ID, ENV_CLIENT_SECRET, ENV_ENVIRONMENT_URL, ENV_POST_LOGOUT_REDIRECT_URI, ENV_REDIRECT_URI,
    ENV_SCOPES, ENV_SESSION_SECRET,
};

use crate::report::Step;
use crate::vars::{DotEnvFile, Vars};
use crate::{app_urls, core_rules, session_secret};

/// The scopes the session engine requests when `SCALEKIT_SCOPES` is unset.
pub const DEFAULT_SESSION_SCOPES: &str = "openid profile email offline_access";

/// Runs every check, in a fixed order.
pub fn check_env(vars: &Vars) -> Vec<Step> {
    let mut steps = vec![dotenv(vars), environment_url(vars), client_id(vars), client_secret(vars)];
    let redirect = match vars.non_empty(ENV_REDIRECT_URI) {
        Some(raw) => {
            let (step, url) = app_urls::redirect_uri(&raw);
            steps.push(step);
            url
        }
        None => {
            steps.push(missing("redirect_uri", ENV_REDIRECT_URI));
            None
        }
    };
    let post_logout = vars.non_empty(ENV_POST_LOGOUT_REDIRECT_URI);
    steps.push(app_urls::post_logout_redirect_uri(post_logout.as_deref(), redirect.as_ref()));
    steps.push(match vars.non_empty(ENV_SESSION_SECRET) {
        Some(raw) => session_secret::check(&raw),
        None => missing("session_secret", ENV_SESSION_SECRET),
    });
    steps.push(scopes(vars));
    steps.push(app_urls::cookies(redirect.as_ref()));
    steps
}

fn dotenv(vars: &Vars) -> Step {
    const NAME: &str = "dotenv";
    match &vars.file {
        DotEnvFile::Missing => {
            Step::ok(NAME, "no .env in the current directory; using the process environment")
        }
        DotEnvFile::Unreadable(e) => {
            Step::warning(NAME, format!(".env cannot be read ({e})"), "make .env readable or remove it")
        }
        DotEnvFile::Read if !vars.dotenv.problems.is_empty() => Step::warning(
            NAME,
            format!(".env has lines that are not KEY=VALUE: {}", vars.dotenv.problems.join("; ")),
            "write one KEY=VALUE per line (quotes optional, # starts a comment)",
        ),
        DotEnvFile::Read => Step::ok(
            NAME,
            format!(
                "read {} variables from .env (the process environment overrides them)",
                vars.dotenv.entries.len()
            ),
        ),
    }
}

fn environment_url(vars: &Vars) -> Step {
    const NAME: &str = "environment_url";
    let Some(raw) = vars.non_empty(ENV_ENVIRONMENT_URL) else { return missing(NAME, ENV_ENVIRONMENT_URL) };
    match core_rules::environment_url(&raw) {
        Some(problem) => Step::error(
            NAME,
            problem,
            format!(
                "set {ENV_ENVIRONMENT_URL} to the environment URL from the Scalekit dashboard: an origin such \
                 as https://yourapp.scalekit.com (http only on localhost)"
            ),
        ),
        None => Step::ok(NAME, format!("{raw} ({})", origin_of(vars, ENV_ENVIRONMENT_URL))),
    }
}

fn client_id(vars: &Vars) -> Step {
    const NAME: &str = "client_id";
    match vars.non_empty(ENV_CLIENT_ID) {
        Some(id) => Step::ok(NAME, format!("{id} ({})", origin_of(vars, ENV_CLIENT_ID))),
        None => missing(NAME, ENV_CLIENT_ID),
    }
}

fn client_secret(vars: &Vars) -> Step {
    const NAME: &str = "client_secret";
    match vars.non_empty(ENV_CLIENT_SECRET) {
        Some(secret) => Step::ok(
            NAME,
            format!(
                "set, {} characters, not shown ({})",
                secret.chars().count(),
                origin_of(vars, ENV_CLIENT_SECRET)
            ),
        ),
        None => missing(NAME, ENV_CLIENT_SECRET),
    }
}

fn scopes(vars: &Vars) -> Step {
    const NAME: &str = "scopes";
    let Some(raw) = vars.non_empty(ENV_SCOPES) else {
        return Step::ok(NAME, format!("{ENV_SCOPES} is not set; requesting {DEFAULT_SESSION_SCOPES}"));
    };
    let list = core_rules::split_scopes(&raw);
    if let Some(problem) = core_rules::session(None, None, None, Some(&list)) {
        return Step::error(
            NAME,
            problem,
            format!("add openid to {ENV_SCOPES}, e.g. {DEFAULT_SESSION_SCOPES:?}"),
        );
    }
    if !list.iter().any(|s| s == "offline_access") {
        return Step::warning(
            NAME,
            format!(
                "{} has no offline_access: no refresh token, users log in again when the access token expires",
                list.join(" ")
            ),
            format!("add offline_access to {ENV_SCOPES}"),
        );
    }
    Step::ok(NAME, list.join(" "))
}

/// An error step for a required variable that is unset, in the core's words.
fn missing(name: &'static str, variable: &str) -> Step {
    let (what, fix) = core_rules::missing(variable);
    Step::error(name, what, format!("{fix}, in the environment or in .env"))
}

fn origin_of(vars: &Vars, name: &str) -> &'static str {
    vars.get_with_origin(name).map(|(_, o)| o.describe()).unwrap_or("unset")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{Status, has_errors};

    fn good() -> Vec<(&'static str, &'static str)> {
        vec![
            (ENV_ENVIRONMENT_URL, "https://acme.scalekit.com"),
            (ENV_CLIENT_ID, "skc_1"),
            (ENV_CLIENT_SECRET, "test-client-value"),
            (ENV_REDIRECT_URI, "https://app.example.com/auth/callback"),
            (ENV_POST_LOGOUT_REDIRECT_URI, "https://app.example.com/"),
            (ENV_SESSION_SECRET, "k3J9vQ2mZx7LpR4tW8yB1nC6hF0dG5sAe"),
        ]
    }

    fn step<'a>(steps: &'a [Step], name: &str) -> &'a Step {
        steps.iter().find(|s| s.name == name).unwrap()
    }

    #[test]
    fn a_good_configuration_is_all_ok() {
        let steps = check_env(&Vars::from_pairs(&good(), ""));
        assert!(steps.iter().all(|s| s.status == Status::Ok), "{steps:#?}");
    }

    #[test]
    fn each_problem_names_its_step() {
        let mut vars = good();
        vars.retain(|(k, _)| ![ENV_CLIENT_SECRET, ENV_ENVIRONMENT_URL].contains(k));
        vars.push((ENV_SCOPES, "openid profile"));
        let vars = Vars::from_pairs(&vars, "SCALEKIT_ENVIRONMENT_URL=https://acme.scalekit.com/api\n");
        let steps = check_env(&vars);
        assert!(has_errors(&steps));
        assert_eq!(step(&steps, "client_secret").status, Status::Error);
        assert!(step(&steps, "client_secret").message.contains(ENV_CLIENT_SECRET));
        assert_eq!(step(&steps, "environment_url").status, Status::Error);
        assert!(step(&steps, "environment_url").message.contains("has a path"));
        assert_eq!(step(&steps, "scopes").status, Status::Warning);
    }
}
