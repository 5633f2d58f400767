//! Back-channel logout tokens (OpenID Connect Back-Channel Logout 1.0 §2.4, §2.6): the
//! provider POSTs a signed token naming a session (`sid`) or a user (`sub`) that has
//! logged out, and the app ends the matching sessions.

use serde::Serialize;

use crate::client::ScalekitAuth;
use crate::error::{Error, Result};
use crate::token::claims::Claims;
use crate::token::compact::CompactJws;
use crate::token::rules;

/// The `events` member that makes a JWT a logout token.
pub const BACKCHANNEL_LOGOUT_EVENT: &str = "http://schemas.openid.net/event/backchannel-logout";

/// The claims of a validated logout token: at least one of `sid` and `sub` is present.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct LogoutTokenClaims {
    /// The issuer that ended the session(s).
    pub iss: String,
    /// The user whose sessions all end, when the token names no single session.
    pub sub: Option<String>,
    /// The provider's session that ended.
    pub sid: Option<String>,
    /// The token's unique id, remembered to refuse a replay.
    pub jti: String,
    /// When the logout happened.
    pub iat: i64,
    /// When the token expires.
    pub exp: i64,
}

impl ScalekitAuth {
    /// Validates a back-channel logout token: signature with a published key, `iss`,
    /// `aud` (this client), `iat` and `exp` (within the leeway), an `events` claim with
    /// the back-channel logout member, `sid` or `sub`, a `jti`, and no `nonce` (so an
    /// ID token can never pass as one). Replay of the `jti` is the caller's to refuse
    /// ([`crate::SessionEngine::backchannel_logout`] does, in its session store).
    ///
    /// ```no_run
    /// # async fn run(auth: scalekit_auth::ScalekitAuth, token: &str) -> scalekit_auth::Result<()> {
    /// let claims = auth.validate_logout_token(token).await?;
    /// println!("session {:?} of user {:?} logged out", claims.sid, claims.sub);
    /// # Ok(()) }
    /// ```
    pub async fn validate_logout_token(&self, token: &str) -> Result<LogoutTokenClaims> {
        let max = self.config().max_token_bytes;
        if token.len() > max {
            return Err(Error::TokenTooLarge { size: token.len(), max });
        }
        // §2.4: `typ` is `logout+jwt`, or absent (or plain `JWT`) from older providers;
        // any other explicit type (`at+jwt` included) is another kind of token.
        let header = CompactJws::parse(token, max)?.header;
        let typ = header.typ.as_deref().map(str::to_ascii_lowercase);
        let typ = typ.as_deref().map(|t| t.strip_prefix("application/").unwrap_or(t));
        if !matches!(typ, None | Some("jwt" | "logout+jwt")) {
            return Err(Error::TokenWrongType("a token of another type"));
        }
        let (payload, _alg) = self.verified_payload(token).await?;
        let claims = Claims::from_json(&payload)?;
        self.with_expectations(&[], |expect| rules::check(&claims, expect)).await?;
        logout_claims(&claims)
    }
}

/// The logout-specific rules of §2.6 steps 4-7, after the signature and the common rules.
fn logout_claims(claims: &Claims) -> Result<LogoutTokenClaims> {
    let event = claims
        .get("events")
        .ok_or(Error::TokenMissingClaim("events"))?
        .as_object()
        .ok_or_else(|| Error::invalid_claim("events", "is not a JSON object"))?
        .get(BACKCHANNEL_LOGOUT_EVENT)
        .ok_or_else(|| Error::invalid_claim("events", "has no back-channel logout member"))?;
    if !event.is_object() {
        return Err(Error::invalid_claim("events", "the back-channel logout member is not a JSON object"));
    }
    if claims.nonce.is_some() {
        return Err(Error::invalid_claim("nonce", "a logout token must not carry a nonce"));
    }
    let iat = claims.iat.ok_or(Error::TokenMissingClaim("iat"))?;
    let jti = claims.jti.clone().filter(|j| !j.is_empty()).ok_or(Error::TokenMissingClaim("jti"))?;
    let sub = Some(claims.sub.clone()).filter(|s| !s.is_empty());
    let sid = claims.sid.clone().filter(|s| !s.is_empty());
    if sub.is_none() && sid.is_none() {
        return Err(Error::TokenMissingClaim("sid"));
    }
    Ok(LogoutTokenClaims { iss: claims.iss.clone(), sub, sid, jti, iat, exp: claims.exp })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn claims(value: serde_json::Value) -> Result<LogoutTokenClaims> {
        logout_claims(&Claims::from_json(value.to_string().as_bytes())?)
    }

    fn base() -> serde_json::Value {
        json!({
            "iss": "https://idp", "aud": "c", "iat": 10, "exp": 100, "jti": "j1", "sid": "s1",
            "events": { BACKCHANNEL_LOGOUT_EVENT: {} }
        })
    }

    #[test]
    fn a_token_with_sid_alone_is_accepted() {
        let c = claims(base()).unwrap();
        assert_eq!((c.sid.as_deref(), c.sub.as_deref(), c.jti.as_str()), (Some("s1"), None, "j1"));
    }

    #[test]
    fn every_logout_rule_is_enforced() {
        let with = |f: &dyn Fn(&mut serde_json::Map<String, serde_json::Value>)| {
            let mut v = base();
            f(v.as_object_mut().unwrap());
            claims(v).map(|_| ()).unwrap_err().code()
        };
        assert_eq!(with(&|m| drop(m.remove("events"))), "token_missing_claim");
        assert_eq!(with(&|m| drop(m.insert("events".into(), json!({"other": {}})))), "token_invalid_claim");
        assert_eq!(
            with(&|m| drop(m.insert("events".into(), json!({ BACKCHANNEL_LOGOUT_EVENT: "x" })))),
            "token_invalid_claim"
        );
        assert_eq!(with(&|m| drop(m.insert("nonce".into(), json!("n")))), "token_invalid_claim");
        assert_eq!(with(&|m| drop(m.remove("jti"))), "token_missing_claim");
        assert_eq!(with(&|m| drop(m.remove("iat"))), "token_missing_claim");
        assert_eq!(with(&|m| drop(m.remove("sid"))), "token_missing_claim");
        // Without events, a missing `sub` is the usual error.
        assert_eq!(Claims::from_json(br#"{"iss":"i","exp":1}"#).unwrap_err().code(), "token_missing_claim");
    }
}
