//! Authenticating a request: a bearer token, or the session cookie opened, its
//! lifetimes checked, its access token validated or refreshed, and the session
//! continued or ended.

use super::*;
use crate::decision::{Identity, IdentitySource};
use crate::error::{Error, Result};
use crate::exchange::User;
use crate::session::cookies::RequestCookies;
use crate::session::data::SessionData;
use crate::session::keys::session_key;
use crate::session::records::Held;
use crate::session::seal::Purpose;
use crate::token::claims::Claims;

impl SessionEngine {
    /// Call on every request that needs the user: a bearer token is validated alone;
    /// otherwise the session cookie is opened, its lifetimes checked, and its access
    /// token validated or, near expiry, refreshed (once for concurrent requests).
    pub async fn authenticate(
        &self,
        cookie_header: Option<&str>,
        authorization: Option<&str>,
    ) -> AuthOutcome {
        self.authenticate_in(cookie_header, authorization, Access::ReadWrite).await
    }

    /// Like [`SessionEngine::authenticate`], but never refreshes and never writes a
    /// cookie (`set_cookies` is always empty): for code that cannot send cookies, such as
    /// a page rendered behind a proxy that already did the refresh. A session whose
    /// access token is valid (inside the refresh window too) is served; an expired one is
    /// refused.
    pub async fn authenticate_read_only(
        &self,
        cookie_header: Option<&str>,
        authorization: Option<&str>,
    ) -> AuthOutcome {
        self.authenticate_in(cookie_header, authorization, Access::ReadOnly).await
    }

    pub(crate) async fn authenticate_in(
        &self,
        cookie_header: Option<&str>,
        authorization: Option<&str>,
        access: Access,
    ) -> AuthOutcome {
        match bearer_token(authorization) {
            Some(Ok(token)) => {
                let result = self.auth.validate_access_token(token).await.map(|claims| Identity {
                    user: User::from_claims(&claims),
                    claims,
                    source: IdentitySource::Bearer,
                    app_data: None,
                    access_token: token.to_owned(),
                });
                return AuthOutcome { result, set_cookies: Vec::new() };
            }
            Some(Err(err)) => return AuthOutcome { result: Err(err), set_cookies: Vec::new() },
            None => {}
        }
        let cookies = RequestCookies::parse(cookie_header);
        if access == Access::ReadOnly {
            return AuthOutcome { result: self.read_session(&cookies).await, set_cookies: Vec::new() };
        }
        let mut outcome = self.session_from_cookies(&cookies).await;
        outcome.set_cookies.extend(self.clear_unprefixed(&cookies));
        outcome
    }

    /// The identity of the session cookie without changing anything.
    pub(super) async fn read_session(&self, cookies: &RequestCookies) -> Result<Identity> {
        let sealed = cookies.read_chunked(&self.session_cookie).ok_or(Error::SessionMissing)?;
        let (data, held) = self.open_cookie(&sealed).await?;
        let now = self.now();
        if let Some(reason) = self.lifetime_over(&data, now) {
            return Err(Error::SessionExpired(reason.into()));
        }
        if let Some(reason) = self.provider_ended(&data, &held).await? {
            return Err(Error::SessionExpired(reason.into()));
        }
        if now >= data.exp {
            return Err(Error::SessionExpired(
                "the access token expired; requests that may write cookies refresh it".into(),
            ));
        }
        let claims = self.auth.validate_access_token(&data.at).await?;
        Ok(Identity {
            user: data.user,
            claims,
            source: IdentitySource::Session,
            app_data: data.app,
            access_token: data.at,
        })
    }

    /// The session a cookie carries, or the server-side session it names, and where it
    /// is held.
    pub(super) async fn open_cookie(&self, sealed: &str) -> Result<(SessionData, Held)> {
        if let Ok(bytes) = self.sealer.open(Purpose::Session, sealed) {
            let data = serde_json::from_slice(&bytes)
                .map_err(|_| Error::SessionInvalid("the session is not in the expected format".into()))?;
            return Ok((data, Held::Cookie));
        }
        let id = self.sealer.open(Purpose::SessionId, sealed).map_err(|r| Error::SessionInvalid(r.into()))?;
        let id =
            String::from_utf8(id).map_err(|_| Error::SessionInvalid("the session id is not text".into()))?;
        let data = self.records.load(&id).await?;
        Ok((data, Held::Server(id)))
    }

    /// Why the session's lifetime is over, if it is.
    pub(super) fn lifetime_over(&self, data: &SessionData, now: i64) -> Option<&'static str> {
        let secs = |d: std::time::Duration| i64::try_from(d.as_secs()).unwrap_or(i64::MAX);
        if now >= data.created.saturating_add(secs(self.config.absolute_lifetime)) {
            return Some("absolute lifetime reached");
        }
        if now >= data.seen.saturating_add(secs(self.config.idle_timeout)) {
            return Some("idle timeout reached");
        }
        None
    }

    /// Whether a back-channel logout ended the session. A cookie session whose store
    /// cannot tell goes on (its tokens are in the cookie, and a store outage must not
    /// log everyone out); a server-side session cannot go on without the store anyway.
    pub(super) async fn provider_ended(
        &self,
        data: &SessionData,
        held: &Held,
    ) -> Result<Option<&'static str>> {
        match self.records.ended_elsewhere(data).await {
            Err(Error::StoreUnavailable(_)) if *held == Held::Cookie => Ok(None),
            other => other,
        }
    }

    pub(super) async fn session_from_cookies(&self, cookies: &RequestCookies) -> AuthOutcome {
        let Some(sealed) = cookies.read_chunked(&self.session_cookie) else {
            return AuthOutcome { result: Err(Error::SessionMissing), set_cookies: Vec::new() };
        };
        match self.open_cookie(&sealed).await {
            Ok((data, held)) => self.session_identity(data, held, cookies).await,
            // The session may be fine; the store cannot say: keep the cookie.
            Err(err @ Error::StoreUnavailable(_)) => {
                AuthOutcome { result: Err(err), set_cookies: Vec::new() }
            }
            Err(err) => AuthOutcome { result: Err(err), set_cookies: self.clear_session(cookies) },
        }
    }

    /// With `__Host-` names in use, the session cookies an earlier version set under the
    /// plain name are cleared, so they do not sit next to the new ones for days.
    pub(super) fn clear_unprefixed(&self, cookies: &RequestCookies) -> Vec<String> {
        if self.session_cookie == self.config.cookie_name {
            return Vec::new();
        }
        // Those were host-only cookies: cleared as such, whatever Domain is set now.
        cookies.chunk_names(&self.config.cookie_name).iter().map(|n| self.login_attrs.clear(n)).collect()
    }

    /// Ends a session: its cookies cleared, its server-side record (if any) deleted.
    pub(super) async fn end_session(&self, err: Error, held: &Held, cookies: &RequestCookies) -> AuthOutcome {
        if let Held::Server(id) = held {
            // Best effort: the record expires by itself, and the cookie goes now.
            let _ = self.records.store.delete(&session_key(id)).await;
        }
        AuthOutcome { result: Err(err), set_cookies: self.clear_session(cookies) }
    }

    pub(super) async fn session_identity(
        &self,
        data: SessionData,
        held: Held,
        cookies: &RequestCookies,
    ) -> AuthOutcome {
        let now = self.now();
        let expired = |reason: &str| Error::SessionExpired(reason.to_owned());
        if let Some(reason) = self.lifetime_over(&data, now) {
            return self.end_session(expired(reason), &held, cookies).await;
        }
        match self.provider_ended(&data, &held).await {
            Ok(None) => {}
            Ok(Some(reason)) => return self.end_session(expired(reason), &held, cookies).await,
            Err(err) => return AuthOutcome { result: Err(err), set_cookies: Vec::new() },
        }
        if data.rt.is_some() && data.exp.saturating_sub(now) <= self.refresh_window(&data) {
            return self.refresh_session(data, held, cookies, now).await;
        }
        // Without a refresh token (never granted, or refused) a session ends with its
        // access token's `exp`, not `exp` plus the validation leeway.
        let no_refresh = "the access token expired and the session has no refresh token";
        if data.rt.is_none() && now >= data.exp {
            return self.end_session(expired(no_refresh), &held, cookies).await;
        }
        match self.auth.validate_access_token(&data.at).await {
            Ok(claims) => self.continue_session(data, claims, &held, cookies, now, false).await,
            // The provider's keys are unreachable: not the session's fault, keep it.
            Err(err @ Error::JwksUnavailable(_)) => AuthOutcome { result: Err(err), set_cookies: vec![] },
            // The token no longer validates (e.g. its key was withdrawn): a refresh may mend it.
            Err(_) if data.rt.is_some() => self.refresh_session(data, held, cookies, now).await,
            Err(Error::TokenExpired { .. }) => self.end_session(expired(no_refresh), &held, cookies).await,
            Err(err) => self.end_session(err, &held, cookies).await,
        }
    }

    /// How long before its expiry an access token is refreshed: the configured window,
    /// but at most a quarter of the token's own lifetime, so a 15-second token serves
    /// most of its life instead of being refreshed on every request.
    pub(super) fn refresh_window(&self, data: &SessionData) -> i64 {
        let configured = i64::try_from(self.config.refresh_window.as_secs()).unwrap_or(i64::MAX);
        match data.iat {
            Some(iat) if data.exp > iat => configured.min(data.exp.saturating_sub(iat) / 4),
            _ => configured,
        }
    }

    /// Refreshes the session's tokens. A refusal (a 4xx grant or client error, e.g.
    /// `invalid_grant`) ends the session once its access token is no longer valid; an
    /// outage (5xx, `temporarily_unavailable`, timeout, the store) never ends it while
    /// the token is valid.
    pub(super) async fn refresh_session(
        &self,
        mut data: SessionData,
        held: Held,
        cookies: &RequestCookies,
        now: i64,
    ) -> AuthOutcome {
        let Some(refresh_token) = data.rt.clone() else {
            return self.end_session(Error::SessionMissing, &held, cookies).await;
        };
        let err = match self.refresher.refresh(&self.auth, &refresh_token, now).await {
            // OpenID Core §12.2: a refresh must not turn the session into another user's.
            Ok(result) if result.access_token_claims.sub != data.user.id => {
                let err =
                    Error::invalid_claim("sub", "the refreshed tokens name another user than the session");
                return self.end_session(err, &held, cookies).await;
            }
            Ok(result) => {
                tracing::debug!(user = %data.user.id, "session refreshed");
                let next = SessionData::from_result(&result, Some(&data), now);
                return match self.save_session(&next, &held, cookies, now, false).await {
                    Ok(set_cookies) => AuthOutcome {
                        result: Ok(Identity {
                            user: next.user,
                            claims: result.access_token_claims,
                            source: IdentitySource::Session,
                            app_data: next.app,
                            access_token: result.access_token,
                        }),
                        set_cookies,
                    },
                    Err(err @ Error::StoreUnavailable(_)) => {
                        AuthOutcome { result: Err(err), set_cookies: vec![] }
                    }
                    Err(err) => self.end_session(err, &held, cookies).await,
                };
            }
            Err(err) => err,
        };
        let still_valid = self.auth.validate_access_token(&data.at).await;
        if err.is_provider_outage() || matches!(err, Error::StoreUnavailable(_)) {
            tracing::warn!(
                code = err.code(),
                user = %data.user.id,
                detail = ?err.to_string(),
                "refreshing a session failed; it goes on while its access token is valid"
            );
            // The provider or the store is down: a still-valid access token keeps the user in.
            return match still_valid {
                Ok(claims) => self.continue_session(data, claims, &held, cookies, now, false).await,
                Err(_) => AuthOutcome { result: Err(err), set_cookies: vec![] },
            };
        }
        match (err, still_valid) {
            // Refused (revoked, expired, replayed): the session lives until its access
            // token expires (its `exp`, without the leeway), without the refresh token,
            // so no request asks again.
            (Error::ProviderError { .. }, Ok(claims)) if data.exp > now => {
                data.rt = None;
                self.continue_session(data, claims, &held, cookies, now, true).await
            }
            (Error::ProviderError { error, .. }, _) => {
                tracing::info!(user = %data.user.id, oauth_error = %error, "the provider refused a refresh; the session ends");
                let reason = format!("the provider refused to refresh it ({error})");
                self.end_session(Error::SessionExpired(reason), &held, cookies).await
            }
            // The new tokens did not validate (a key not yet fetched, a clock ahead): not
            // the user's doing; the session goes on while its token is valid and the
            // refresh is tried again later.
            (_, Ok(claims)) => self.continue_session(data, claims, &held, cookies, now, false).await,
            (err, Err(_)) => self.end_session(err, &held, cookies).await,
        }
    }

    /// An authenticated session; it is saved again only when it `changed` or the idle
    /// clock needs moving (at most every 5 minutes), not on every request.
    pub(super) async fn continue_session(
        &self,
        mut data: SessionData,
        claims: Claims,
        held: &Held,
        cookies: &RequestCookies,
        now: i64,
        changed: bool,
    ) -> AuthOutcome {
        let touch_every = (self.config.idle_timeout.as_secs() / 10).clamp(1, 300);
        let mut set_cookies = Vec::new();
        if changed || now - data.seen >= i64::try_from(touch_every).unwrap_or(300) {
            data.seen = now;
            // A failed save costs only the idle clock's move; the request goes on.
            set_cookies = self.save_session(&data, held, cookies, now, false).await.unwrap_or_default();
        }
        AuthOutcome {
            result: Ok(Identity {
                user: data.user,
                claims,
                source: IdentitySource::Session,
                app_data: data.app,
                access_token: data.at,
            }),
            set_cookies,
        }
    }
}

/// The token of an `Authorization: Bearer` header; `None` when there is no such header
/// (another scheme is left to other middleware).
pub(crate) fn bearer_token(authorization: Option<&str>) -> Option<Result<&str>> {
    let header = authorization?.trim();
    let (scheme, rest) = header.split_once(' ').unwrap_or((header, ""));
    if !scheme.eq_ignore_ascii_case("bearer") {
        return None;
    }
    let token = rest.trim();
    if token.is_empty() {
        return Some(Err(Error::TokenMalformed("the Authorization header has no bearer token".into())));
    }
    Some(Ok(token))
}
