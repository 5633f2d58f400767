//! `login`: a real sign-in through the provider, from the terminal. A loopback server on
//! the redirect URI's host and port receives the callback; the code is exchanged, both
//! tokens are validated, their claims shown, a refresh tried and the logout URL printed.

use std::time::Duration;

use scalekit_auth::{
    AuthResult, AuthenticateOptions, AuthorizationUrlOptions, ENV_POST_LOGOUT_REDIRECT_URI, ENV_REDIRECT_URI,
    ENV_SCOPES, LogoutUrlOptions, ScalekitAuth, is_loopback,
};
use url::Url;

use crate::callback_server::{Callback, CallbackServer};
use crate::check_env::DEFAULT_SESSION_SCOPES;
use crate::connection::{DEFAULT_TIMEOUT_SECONDS, client, hint};
use crate::core_rules;
use crate::report::Step;
use crate::spinner::Spinner;
use crate::vars::Vars;

/// How `login` runs.
#[derive(Debug, Clone)]
pub struct LoginOptions {
    /// Start at the sign-up form (`prompt=create`).
    pub signup: bool,
    /// How long to wait for the browser to come back, in seconds.
    pub wait_seconds: u64,
    /// The time limit of each request to the provider, in seconds.
    pub timeout_seconds: Option<u64>,
    /// Open the URL in the system's browser when there is one.
    pub open_browser: bool,
    /// Use this redirect URI instead of `SCALEKIT_REDIRECT_URI`.
    pub redirect_uri: Option<String>,
}

/// Every step of one sign-in; each later step is skipped once one fails.
pub async fn login(vars: &Vars, options: &LoginOptions, spinner: &Spinner) -> Vec<Step> {
    let mut steps = Vec::new();
    let result = run(vars, options, spinner, &mut steps).await;
    if let Err(failed) = result {
        steps.push(failed);
        let done: Vec<&str> = steps.iter().map(|s| s.name).collect();
        for name in STEPS.iter().filter(|n| !done.contains(n)) {
            steps.push(Step::skipped(name, "needs the steps before it"));
        }
    }
    steps
}

const STEPS: [&str; 10] = [
    "configuration",
    "redirect_uri",
    "callback_server",
    "authorization_request",
    "callback",
    "token_exchange",
    "id_token",
    "access_token",
    "refresh",
    "logout_url",
];

async fn run(
    vars: &Vars,
    options: &LoginOptions,
    spinner: &Spinner,
    steps: &mut Vec<Step>,
) -> Result<(), Step> {
    let seconds = options.timeout_seconds.unwrap_or(DEFAULT_TIMEOUT_SECONDS);
    let auth = client(vars, seconds)?;
    let environment = auth.environment_url().as_str().trim_end_matches('/').to_owned();
    steps.push(Step::ok("configuration", format!("client {} at {environment}", auth.config().client_id())));

    let redirect = redirect_uri(vars, options)?;
    steps.push(Step::ok("redirect_uri", format!("{redirect} (a loopback address this command listens on)")));

    let scopes = vars
        .non_empty(ENV_SCOPES)
        .map(|raw| core_rules::split_scopes(&raw))
        .unwrap_or_else(|| core_rules::split_scopes(DEFAULT_SESSION_SCOPES));
    let url_options = AuthorizationUrlOptions {
        scopes: Some(scopes),
        prompt: options.signup.then(|| "create".to_owned()),
        ..Default::default()
    };
    let login = auth.create_login(redirect.as_str(), &url_options).map_err(|e| {
        Step::error("authorization_request", e.to_string(), format!("fix {ENV_REDIRECT_URI}"))
    })?;
    let mut server = CallbackServer::bind(&redirect, &login.state).await.map_err(|e| {
        let port = redirect.port_or_known_default().unwrap_or(80);
        let (message, fix) = if e.kind() == std::io::ErrorKind::AddrInUse {
            (
                format!("port {port} of {} is in use", redirect.host_str().unwrap_or("localhost")),
                format!(
                    "stop what listens there (your app?) or pass --redirect-uri with a free port, registered in \
                     Scalekit (e.g. http://localhost:{}/auth/callback)",
                    port.wrapping_add(1).max(1024)
                ),
            )
        } else {
            (format!("cannot listen on {redirect}: {e}"), "pass --redirect-uri with a free loopback port".into())
        };
        Step::error("callback_server", message, fix)
    })?;
    steps.push(Step::ok("callback_server", format!("listening for the callback at {redirect}")));

    spinner.set(format!("asking {environment} whether it accepts the redirect URI"));
    steps.push(probe(&login.url, &redirect, seconds).await?);

    let form = if options.signup { "sign-up" } else { "sign-in" };
    spinner.say(format!("Open this URL in a browser to reach the {form} form:\n\n    {}\n", login.url));
    if options.open_browser && open_browser(&login.url) {
        spinner.say("(asked the system to open it in a browser)");
    }
    spinner.set(format!(
        "waiting for the browser to come back to {redirect} (up to {} s)",
        options.wait_seconds
    ));
    let callback = server.next(Duration::from_secs(options.wait_seconds)).await.ok_or_else(|| {
        Step::error(
            "callback",
            format!("no callback reached {redirect} within {} s", options.wait_seconds),
            "open the URL above and sign in; if the provider shows an error page, register the redirect URI \
             in Scalekit; raise --wait for a slower sign-in",
        )
    })?;
    drop(server);
    let code = callback_code(&callback)?;
    steps.push(Step::ok("callback", format!("the provider sent the browser back to {redirect} with a code")));

    spinner.set("exchanging the code for tokens");
    let verify = AuthenticateOptions {
        code_verifier: Some(login.code_verifier.clone()),
        nonce: Some(login.nonce.clone()),
    };
    let result = auth
        .authenticate_with_code(&code, redirect.as_str(), &verify)
        .await
        .map_err(|e| Step::error("token_exchange", e.to_string(), hint(&e, &environment)))?;
    steps.push(Step::ok("token_exchange", issued(&result)));
    steps.push(Step::ok("id_token", id_token(&result)));
    steps.push(Step::ok("access_token", access_token(&result)));

    spinner.set("trying a refresh");
    steps.push(refresh(&auth, &result, &environment).await);
    let logout = LogoutUrlOptions {
        id_token_hint: result.id_token.clone(),
        post_logout_redirect_uri: vars.non_empty(ENV_POST_LOGOUT_REDIRECT_URI),
        ..Default::default()
    };
    // The ID token in the hint is the user's signed profile: not for terminals and CI logs.
    let mut shown = auth.logout_url(&logout);
    if let Some(id_token) = result.id_token.as_deref() {
        shown = shown.replace(id_token, "<ID token>");
    }
    steps.push(Step::ok("logout_url", format!("{shown} (ends the session at the provider)")));
    Ok(())
}

/// The redirect URI to listen on: given, or the app's; it must be a loopback `http` URL.
fn redirect_uri(vars: &Vars, options: &LoginOptions) -> Result<Url, Step> {
    let fix = format!(
        "register a loopback redirect URI in Scalekit (e.g. http://localhost:8765/auth/callback) and pass it with \
         --redirect-uri, or set {ENV_REDIRECT_URI} to it"
    );
    let raw = options.redirect_uri.clone().or_else(|| vars.non_empty(ENV_REDIRECT_URI)).ok_or_else(|| {
        Step::error(
            "redirect_uri",
            format!("{ENV_REDIRECT_URI} is not set and no --redirect-uri was given"),
            &fix,
        )
    })?;
    let url = Url::parse(&raw)
        .map_err(|e| Step::error("redirect_uri", format!("{raw:?} is not an absolute URL ({e})"), &fix))?;
    if url.scheme() != "http" || !is_loopback(&url) {
        return Err(Step::error(
            "redirect_uri",
            format!("{url} is not a loopback http address, where this command could receive the callback"),
            fix,
        ));
    }
    Ok(url)
}

/// Asks the provider for the authorization page without following it: an unregistered
/// redirect URI is refused there, before anyone opens a browser.
async fn probe(url: &str, redirect: &Url, seconds: u64) -> Result<Step, Step> {
    const NAME: &str = "authorization_request";
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(seconds))
        .build()
        .map_err(|e| Step::error(NAME, format!("cannot make an HTTP client: {e}"), "report this as a bug"))?;
    let endpoint = url.split('?').next().unwrap_or(url).to_owned();
    let response = http.get(url).send().await.map_err(|e| {
        let what = if e.is_timeout() { "did not answer in time" } else { "cannot be reached" };
        Step::error(
            NAME,
            format!("{endpoint} {what}: {e}"),
            "check SCALEKIT_ENVIRONMENT_URL and the network, or raise --timeout",
        )
    })?;
    let status = response.status();
    // A provider may answer an unregistered redirect URI with a redirect to its own error
    // page instead of a 400: never back to the app, and naming an error.
    let to_error_page = status.is_redirection()
        && response.headers().get("location").and_then(|l| l.to_str().ok()).is_some_and(|location| {
            let location = location.to_ascii_lowercase();
            location.contains("error") && !location.starts_with(&redirect.as_str().to_ascii_lowercase())
        });
    if status.is_client_error() || status.is_server_error() || to_error_page {
        return Err(Step::error(
            NAME,
            format!("{endpoint} refused the authorization request (HTTP {})", status.as_u16()),
            format!(
                "register {redirect} as a redirect URI of this client in the Scalekit dashboard (Authentication > \
                 Redirect URLs), and check SCALEKIT_CLIENT_ID"
            ),
        ));
    }
    Ok(Step::ok(NAME, format!("{endpoint} accepts the request for {redirect} (HTTP {})", status.as_u16())))
}

/// The code of a callback (the server passes on only those with this login's state), or
/// the step saying what came back instead.
fn callback_code(callback: &Callback) -> Result<String, Step> {
    let param = |name: &str| callback.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    if let Some(error) = param("error") {
        let description = param("error_description").map(|d| format!(": {d}")).unwrap_or_default();
        let fix = if error == "access_denied" {
            "the sign-in was cancelled or refused at the provider; run login again"
        } else {
            "see the provider's message; check the client's settings in the Scalekit dashboard"
        };
        return Err(Step::error(
            "callback",
            format!("the provider answered error={error}{description}"),
            fix,
        ));
    }
    param("code").filter(|c| !c.is_empty()).map(str::to_owned).ok_or_else(|| {
        Step::error(
            "callback",
            "the callback has no code",
            "check the client's settings in the Scalekit dashboard",
        )
    })
}

fn issued(result: &AuthResult) -> String {
    let lifetime = result.expires_in.map(|s| format!(" (expires in {s} s)")).unwrap_or_default();
    let refresh = if result.refresh_token.is_some() { "a refresh token" } else { "no refresh token" };
    format!("an access token{lifetime}, an ID token and {refresh}")
}

fn id_token(result: &AuthResult) -> String {
    let user = &result.user;
    let mut who = vec![format!("user {}", user.id)];
    who.extend(user.email.as_ref().map(|e| format!("email {e}")));
    who.extend(user.name.as_ref().map(|n| format!("name {n:?}")));
    format!("valid (signature, issuer, audience, expiry, nonce): {}", who.join(", "))
}

fn access_token(result: &AuthResult) -> String {
    let claims = &result.access_token_claims;
    let list = |items: &[String]| if items.is_empty() { "none".to_owned() } else { items.join(" ") };
    format!(
        "valid: roles {}, permissions {}, organization {}, scopes {}",
        list(&claims.roles),
        list(&claims.permissions),
        claims.oid.as_deref().unwrap_or("none"),
        list(&claims.scopes),
    )
}

async fn refresh(auth: &ScalekitAuth, result: &AuthResult, environment: &str) -> Step {
    const NAME: &str = "refresh";
    let Some(token) = &result.refresh_token else {
        return Step::warning(
            NAME,
            "no refresh token was issued: sessions end when the access token expires",
            format!("add offline_access to {ENV_SCOPES}"),
        );
    };
    match auth.refresh_access_token(token).await {
        Ok(fresh) => {
            let rotated =
                if fresh.refresh_token.as_deref() == Some(token.as_str()) { "kept" } else { "rotated" };
            let lifetime = fresh.expires_in.map(|s| format!(", expires in {s} s")).unwrap_or_default();
            Step::ok(NAME, format!("a new access token was issued{lifetime}; the refresh token {rotated}"))
        }
        Err(e) => Step::error(NAME, e.to_string(), hint(&e, environment)),
    }
}

/// Opens `url` in the system's browser when one can be shown; whether it was started.
fn open_browser(url: &str) -> bool {
    let command = if cfg!(target_os = "macos") {
        Some(("open", vec![url]))
    } else if cfg!(windows) {
        Some(("rundll32", vec!["url.dll,FileProtocolHandler", url]))
    } else if std::env::var_os("DISPLAY").is_some() || std::env::var_os("WAYLAND_DISPLAY").is_some() {
        Some(("xdg-open", vec![url]))
    } else {
        None
    };
    command.is_some_and(|(program, args)| {
        std::process::Command::new(program)
            .args(args)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .is_ok()
    })
}
