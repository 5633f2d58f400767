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
}

/// Applies every rule; the first failure is returned.
pub(crate) fn check(claims: &Claims, expect: &Expectations<'_>) -> Result<()> {
    // 1. The issuer is exactly one of the accepted issuers (OpenID Core §3.1.3.7 step 2).
    if !expect.issuers.iter().any(|i| i == &claims.iss) {
        return Err(Error::TokenInvalidIssuer {
            expected: expect.issuers.to_vec(),
            found: claims.iss.clone(),
        });
    }
    // 2. The audience contains the client id or a configured audience (step 3).
    let accepted = |aud: &String| aud == expect.client_id || expect.audiences.contains(aud);
    if !claims.aud.iter().any(accepted) {
        let mut expected = vec![expect.client_id.to_owned()];
        expected.extend(expect.audiences.iter().cloned());
        return Err(Error::TokenInvalidAudience { expected, found: claims.aud.clone() });
    }
    // 3. With several audiences, an azp must name this client (steps 4-5).
    if claims.aud.len() > 1
        && let Some(azp) = &claims.azp
        && azp != expect.client_id
    {
        return Err(Error::TokenInvalidAudience {
            expected: vec![expect.client_id.to_owned()],
            found: vec![azp.clone()],
        });
    }
    let leeway = i64::try_from(expect.leeway).unwrap_or(i64::MAX);
    // 4. The current time MUST be before exp (RFC 7519 §4.1.4), give or take the leeway.
    if expect.now >= claims.exp.saturating_add(leeway) {
        return Err(Error::TokenExpired { exp: claims.exp, now: expect.now, leeway: expect.leeway });
    }
    // 5. The current time MUST NOT be before nbf (§4.1.5); 6. a token issued in the
    //    future comes from a broken clock or a forger.
    for (claim, value) in [("nbf", claims.nbf), ("iat", claims.iat)] {
        if let Some(value) = value
            && expect.now.saturating_add(leeway) < value
        {
            return Err(Error::TokenNotYetValid { claim, value, now: expect.now, leeway: expect.leeway });
        }
    }
    // 7. The nonce of an ID token matches the login request's (OpenID Core §3.1.3.7 step 11).
    if let Some(expected) = expect.nonce {
        match &claims.nonce {
            Some(found) if constant_time_eq(found.as_bytes(), expected.as_bytes()) => {}
            _ => return Err(Error::TokenInvalidNonce),
        }
    }
    Ok(())
}
