//! The native module of the `scalekit-auth` npm package. It only converts between
//! JavaScript and the `scalekit-auth` core; the public API is the hand-written
//! `index.js` / `express.js` / `testing.js` around it.

#![deny(clippy::all)]

mod authorize;
mod claims;
mod client;
mod decision;
mod error;
mod exchange;
mod idp;
mod log_lines;
mod m2m;
mod request;
mod resource_server;
mod session;
mod testing;

use napi_derive::napi;

/// Every error code, in the core's order.
#[napi]
pub fn error_codes() -> Vec<&'static str> {
    scalekit_auth::Error::ALL_CODES.to_vec()
}

/// The family of each error code (`{ token_expired: 'token_expired', ... }`): the error
/// class a code gets is chosen from it.
#[napi]
pub fn error_families() -> std::collections::HashMap<&'static str, &'static str> {
    scalekit_auth::Error::ALL_CODES
        .iter()
        .filter_map(|code| Some((*code, scalekit_auth::Error::family_of_code(code)?.name())))
        .collect()
}

/// The client options of the core's table, as JavaScript spells them.
#[napi]
pub fn client_option_names() -> Vec<String> {
    scalekit_auth::CLIENT_OPTIONS.iter().map(|name| error::camel(name)).collect()
}

/// The session options of the core's table, as JavaScript spells them.
#[napi]
pub fn session_option_names() -> Vec<String> {
    scalekit_auth::SESSION_OPTIONS.iter().map(|name| error::camel(name)).collect()
}

/// The login-URL options of the core's table, as JavaScript spells them.
#[napi]
pub fn url_option_names() -> Vec<String> {
    scalekit_auth::URL_OPTIONS.iter().map(|name| error::camel(name)).collect()
}

/// The headers of the answer to a CORS preflight of a protected resource (MCP).
#[napi]
pub fn mcp_preflight_headers() -> std::collections::HashMap<&'static str, &'static str> {
    scalekit_auth::PREFLIGHT_HEADERS.iter().copied().collect()
}

/// Every error family's name, for the test that each has a class.
#[napi]
pub fn error_family_names() -> Vec<&'static str> {
    scalekit_auth::ErrorFamily::ALL.iter().map(|f| f.name()).collect()
}

/// An identity for tests (`createIdentity` in scalekit-auth/testing).
#[napi]
pub fn test_identity(options: Option<serde_json::Value>) -> napi::Result<decision::Identity> {
    testing::test_identity(options)
}

/// Sends the core's log events (`{ level, message }`) to `logger`; `null` stops them.
/// One logger per process: the last call wins.
#[napi]
pub fn set_logger(
    logger: Option<napi::bindgen_prelude::Function<log_lines::LogRecord, ()>>,
) -> napi::Result<()> {
    log_lines::set_logger(logger)
}

/// Runs the `scalekit-auth` command line `argv` (without the program name) and returns
/// its exit code, for `npx scalekit-auth` (bin/scalekit-auth.js). It blocks the calling
/// thread until the command is done: call it from a command-line entry point only.
#[napi]
pub fn cli_main(argv: Vec<String>) -> u32 {
    let args = std::iter::once("scalekit-auth".to_owned()).chain(argv);
    u32::from(scalekit_auth_cli::run(args))
}

/// The scopes an MCP call with `body` (JSON text) needs: `scopes` for every call, those
/// of `toolScopes` for each tool it calls, every tool's when the body is not readable
/// JSON-RPC (`null`: a call without a body).
#[napi]
pub fn mcp_required_scopes(
    scopes: Vec<String>,
    tool_scopes: std::collections::HashMap<String, Vec<String>>,
    body: Option<String>,
) -> Vec<String> {
    scalekit_auth::ToolScopes::new(scopes, tool_scopes).required(body.as_deref().map(str::as_bytes))
}

/// Throws the error a core error with `code` maps to (for the mapping tests).
#[napi]
pub fn raise_for_code(code: String) -> napi::Result<()> {
    match scalekit_auth::Error::sample_for_code(&code) {
        Some(err) => Err(error::to_napi(err)),
        None => Err(error::invalid_argument(format!("unknown code {code:?}"))),
    }
}
