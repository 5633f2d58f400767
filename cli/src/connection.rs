//! `test-connection`: the client from the environment against the real provider:
//! discovery, signing keys, a client-credentials request that proves the client id and
//! secret, and the login and logout URLs the app would use. Every request is bounded by
//! the HTTP timeout.

use std::time::Duration;

use scalekit_auth::{
    AuthorizationUrlOptions, Config, ENV_CLIENT_ID, ENV_CLIENT_SECRET, ENV_ENVIRONMENT_URL,
    ENV_POST_LOGOUT_REDIRECT_URI, ENV_REDIRECT_URI, ENV_SCOPES, Error, LogoutUrlOptions, ScalekitAuth,
};

use crate::check_env::DEFAULT_SESSION_SCOPES;
use crate::report::Step;
use crate::spinner::Spinner;
use crate::vars::Vars;
use crate::{core_rules, keys};

/// The core's default `http_timeout_seconds` (the config has no public getter).
pub const DEFAULT_TIMEOUT_SECONDS: u64 = 10;

/// Runs every step; `timeout_seconds` overrides the HTTP timeout of each request.
pub async fn test_connection(vars: &Vars, timeout_seconds: Option<u64>, spinner: &Spinner) -> Vec<Step> {
    let seconds = timeout_seconds.unwrap_or(DEFAULT_TIMEOUT_SECONDS);
    let auth = match client(vars, seconds) {
        Ok(auth) => auth,
        Err(step) => {
            let mut steps = vec![step];
            for name in ["discovery", "jwks", "client_credentials", "authorization_url", "logout_url"] {
                steps.push(Step::skipped(name, "needs a valid client configuration"));
            }
            return steps;
        }
    };
    let environment = auth.environment_url().as_str().trim_end_matches('/').to_owned();
    let mut steps = vec![Step::ok(
        "configuration",
        format!("client {} at {environment}, {seconds} s timeout per request", auth.config().client_id()),
    )];
    spinner.set(format!("reading {environment}'s discovery document"));
    match auth.provider_metadata().await {
        Ok(meta) => {
            let source = if meta.from_discovery {
                "discovery document".to_owned()
            } else {
                "no discovery document (HTTP 404), Scalekit's default paths".to_owned()
            };
            let message = format!(
                "issuer {} matches {ENV_ENVIRONMENT_URL} ({source}); authorize {}, token {}, keys {}, logout {}",
                meta.issuer,
                meta.authorization_endpoint,
                meta.token_endpoint,
                meta.jwks_uri,
                meta.end_session_endpoint
            );
            steps.push(if meta.from_discovery {
                Step::ok("discovery", message)
            } else {
                Step::warning(
                    "discovery",
                    message,
                    "check that SCALEKIT_ENVIRONMENT_URL is a Scalekit environment",
                )
            });
            spinner.set(format!("fetching the signing keys from {}", meta.jwks_uri));
            steps.push(keys::check(&meta.jwks_uri, Duration::from_secs(seconds)).await);
            spinner.set("asking for a client-credentials token");
            steps.push(client_credentials(&auth, &environment).await);
        }
        Err(e) => {
            steps.push(Step::error("discovery", e.to_string(), hint(&e, &environment)));
            steps.push(Step::skipped("jwks", "needs discovery"));
            steps.push(Step::skipped("client_credentials", "needs discovery"));
        }
    }
    steps.push(authorization_url(&auth, vars));
    steps.push(logout_url(&auth, vars));
    steps
}

/// The client from the environment, or the `configuration` error step.
pub fn client(vars: &Vars, seconds: u64) -> Result<ScalekitAuth, Step> {
    let fix = format!(
        "set {ENV_ENVIRONMENT_URL}, {ENV_CLIENT_ID} and {ENV_CLIENT_SECRET} (run `scalekit-auth check-env`)"
    );
    Config::from_lookup(vars.lookup())
        .and_then(|config| ScalekitAuth::new(config.http_timeout_seconds(seconds)))
        .map_err(|e| Step::error("configuration", e.to_string(), fix))
}

async fn client_credentials(auth: &ScalekitAuth, environment: &str) -> Step {
    const NAME: &str = "client_credentials";
    match auth.client_credentials_token().await {
        Ok(token) => {
            let lifetime = token.expires_in.map(|s| format!(", expires in {s} s")).unwrap_or_default();
            Step::ok(
                NAME,
                format!(
                    "the provider issued a {} token{lifetime}: {ENV_CLIENT_ID} and {ENV_CLIENT_SECRET} are accepted",
                    token.token_type.as_deref().unwrap_or("bearer")
                ),
            )
        }
        Err(e) => Step::error(NAME, e.to_string(), hint(&e, environment)),
    }
}

fn authorization_url(auth: &ScalekitAuth, vars: &Vars) -> Step {
    const NAME: &str = "authorization_url";
    let Some(redirect) = vars.non_empty(ENV_REDIRECT_URI) else {
        return Step::skipped(NAME, format!("{ENV_REDIRECT_URI} is not set"));
    };
    let scopes = vars
        .non_empty(ENV_SCOPES)
        .map(|raw| core_rules::split_scopes(&raw))
        .unwrap_or_else(|| core_rules::split_scopes(DEFAULT_SESSION_SCOPES));
    let options = AuthorizationUrlOptions { scopes: Some(scopes), ..Default::default() };
    match auth.authorization_url(&redirect, &options) {
        Ok(url) => Step::ok(NAME, format!("{url} (each login adds state, nonce and a PKCE challenge)")),
        Err(e) => Step::error(
            NAME,
            e.to_string(),
            format!("fix {ENV_REDIRECT_URI} (run `scalekit-auth check-env`)"),
        ),
    }
}

fn logout_url(auth: &ScalekitAuth, vars: &Vars) -> Step {
    let options = LogoutUrlOptions {
        post_logout_redirect_uri: vars.non_empty(ENV_POST_LOGOUT_REDIRECT_URI),
        ..Default::default()
    };
    Step::ok("logout_url", format!("{} (the app adds id_token_hint)", auth.logout_url(&options)))
}

/// A one-line fix for a failed provider call.
pub fn hint(error: &Error, environment: &str) -> String {
    match error {
        Error::ProviderError { error, .. } if error == "invalid_client" => format!(
            "check {ENV_CLIENT_ID} and {ENV_CLIENT_SECRET}: they must be a pair from the Scalekit dashboard \
             (Settings > API credentials) of the environment {environment}"
        ),
        Error::ProviderError { error, .. } if error == "unauthorized_client" => {
            "allow the client-credentials grant for this client in the Scalekit dashboard".into()
        }
        Error::ProviderUnreachable { url, .. } => format!(
            "{url} cannot be reached: check {ENV_ENVIRONMENT_URL} ({environment}) and this machine's network"
        ),
        Error::ProviderTimeout { url, .. } => format!(
            "{url} did not answer in time: check {ENV_ENVIRONMENT_URL} ({environment}) and the network, or raise \
             --timeout"
        ),
        Error::ProviderUnavailable { .. } => "the provider is down or overloaded: try again later".into(),
        Error::ProviderInvalidResponse { .. } => format!(
            "check that {ENV_ENVIRONMENT_URL} ({environment}) is your Scalekit environment's URL, as the dashboard \
             shows it"
        ),
        _ => "see the message; check the client's settings in the Scalekit dashboard".into(),
    }
}
