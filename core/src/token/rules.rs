//! The claim checks of DESIGN.md "Validation rules", applied after the signature verified.

use super::claims::Claims;
use crate::error::{Error, Result};
use crate::secret::constant_time_eq;

/// What a token must satisfy. Built by the client from its configuration and discovery.
#[derive(Debug, Clone)]
pub(crate) struct Expectations<'a> {
    /// Accepted `iss` values (the configured issuers, or discovery's).
    pub(crate) issuers: &'a [String],
    /// The client id: always an accepted audience, and the only accepted `azp`.
    pub(crate) client_id: &'a str,
    /// Further accepted audiences (access tokens only).
    pub(crate) audiences: &'a [String],
    /// Leeway in seconds for the time claims.
    pub(crate) leeway: u64,
    /// The validation time, seconds since the epoch.
    pub(crate) now: i64,
    /// For ID tokens: the nonce sent with the login request.
    pub(crate) nonce: Option<&'a str>,
    /// A protected resource validates: only `audiences` count, and `azp` names the
    /// client that called, which is not this server.
    pub(crate) resource_server: bool,
}

/// Applies every rule; the first failure is returned.
pub(crate) fn check(claims: &Claims, expect: &Expectations<'_>) -> Result<()> {
    check_issuer(&claims.iss, expect)?;
    check_audience(&claims.aud, claims.azp.as_deref(), expect)?;
    check_times(claims.exp, claims.nbf, claims.iat, expect)?;
    // 7. The nonce of an ID token matches the login request's (OpenID Core §3.1.3.7 step 11).
    if let Some(expected) = expect.nonce {
        match &claims.nonce {
            Some(found) if constant_time_eq(found.as_bytes(), expected.as_bytes()) => {}
            _ => return Err(Error::TokenInvalidNonce),
        }
    }
    Ok(())
}

/// The issuer is exactly one of the accepted issuers (rule 1, OpenID Core §3.1.3.7
/// step 2).
pub(crate) fn check_issuer(iss: &str, expect: &Expectations<'_>) -> Result<()> {
    if expect.issuers.iter().any(|i| i == iss) {
        return Ok(());
    }
    Err(Error::TokenInvalidIssuer { expected: expect.issuers.to_vec(), found: iss.to_owned() })
}

/// The audience contains the client id or a configured audience (rule 2, OpenID Core
/// §3.1.3.7 step 3); with several audiences, an azp must name this client (rule 3,
/// steps 4-5).
pub(crate) fn check_audience(aud: &[String], azp: Option<&str>, expect: &Expectations<'_>) -> Result<()> {
    let accepted =
        |a: &String| (!expect.resource_server && a == expect.client_id) || expect.audiences.contains(a);
    // A protected resource accepts a token for itself alone: one also audienced to another
    // resource could be replayed here by that resource.
    let shared = expect.resource_server && !aud.iter().all(accepted);
    if shared || !aud.iter().any(accepted) {
        let mut expected =
            if expect.resource_server { Vec::new() } else { vec![expect.client_id.to_owned()] };
        expected.extend(expect.audiences.iter().cloned());
        return Err(Error::TokenInvalidAudience { expected, found: aud.to_vec() });
    }
    if !expect.resource_server
        && aud.len() > 1
        && let Some(azp) = azp
        && azp != expect.client_id
    {
        return Err(Error::TokenInvalidAudience {
            expected: vec![expect.client_id.to_owned()],
            found: vec![azp.to_owned()],
        });
    }
    Ok(())
}

/// The current time MUST be before exp (rule 4, RFC 7519 §4.1.4), give or take the
/// leeway; it MUST NOT be before nbf (rule 5, §4.1.5); a token issued in the future
/// comes from a broken clock or a forger (rule 6).
pub(crate) fn check_times(
    exp: i64,
    nbf: Option<i64>,
    iat: Option<i64>,
    expect: &Expectations<'_>,
) -> Result<()> {
    let leeway = i64::try_from(expect.leeway).unwrap_or(i64::MAX);
    if expect.now >= exp.saturating_add(leeway) {
        return Err(Error::TokenExpired { exp, now: expect.now, leeway: expect.leeway });
    }
    for (claim, value) in [("nbf", nbf), ("iat", iat)] {
        if let Some(value) = value
            && expect.now.saturating_add(leeway) < value
        {
            return Err(Error::TokenNotYetValid { claim, value, now: expect.now, leeway: expect.leeway });
        }
    }
    Ok(())
}
