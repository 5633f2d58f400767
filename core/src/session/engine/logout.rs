//! Ending sessions: the logout route and the provider's back-channel logout.

use super::*;
use crate::authorize::random_token;
use crate::error::{Error, Result};
use crate::flows::LogoutUrlOptions;
use crate::session::cookies::RequestCookies;
use crate::session::records::Held;
use crate::session::seal::Purpose;

/// How long a logout waits for the provider to revoke the refresh token before it
/// answers anyway.
const REVOCATION_WAIT: std::time::Duration = std::time::Duration::from_millis(1500);

impl SessionEngine {
    /// Call on the app's logout route: clears every session cookie, deletes a
    /// server-side session, revokes the session's refresh token where the provider
    /// offers revocation (RFC 7009; waiting at most 1.5 seconds for it, a failure only
    /// logged), and returns the provider's logout URL (with the ID token as hint and the
    /// configured post-logout URL). Works with a missing or broken session too.
    pub async fn logout(&self, cookie_header: Option<&str>) -> LogoutOutcome {
        let cookies = RequestCookies::parse(cookie_header);
        let mut id_token_hint = None;
        let mut store_error = None;
        let mut revocation = None;
        if let Some(sealed) = cookies.read_chunked(&self.session_cookie) {
            let ended = match self.open_cookie(&sealed).await {
                Ok((data, held)) => {
                    id_token_hint = data.it.clone();
                    // A session whose lifetime is over has nothing left to revoke for (and
                    // an old cookie replayed at the logout route costs the provider nothing).
                    if self.lifetime_over(&data, self.now()).is_none() {
                        revocation = data.rt.clone().map(|token| self.revoke_in_background(token));
                    }
                    match held {
                        Held::Server(id) => self.records.delete(&id, Some(&data.user.id)).await,
                        Held::Cookie => self.records.mark_logged_out(&data, self.now()).await,
                    }
                }
                // The record could not be read (for the ID token): deleted by the id the
                // cookie names all the same, and the logout goes on without the hint. A
                // store that failed is reported even when the delete then went through.
                Err(err) => {
                    let outage = matches!(err, Error::StoreUnavailable(_));
                    match self.sealed_session_id(&sealed) {
                        Some(id) => {
                            let deleted = self.records.delete(&id, None).await;
                            if outage { deleted.and(Err(err)) } else { deleted }
                        }
                        None if outage => Err(err),
                        None => Ok(()),
                    }
                }
            };
            if let Err(err) = ended {
                tracing::warn!(
                    code = err.code(),
                    detail = ?err.to_string(),
                    "logout cleared the browser's session, but the store could not end it"
                );
                store_error = Some(err);
            }
        }
        let redirect_url = self.auth.logout_url(&LogoutUrlOptions {
            id_token_hint,
            post_logout_redirect_uri: self.config.post_logout_redirect_uri.clone(),
            state: Some(random_token()),
        });
        let mut set_cookies = self.clear_session(&cookies);
        set_cookies.extend(cookies.names_with_prefix(&self.login_prefix).map(|n| self.login_attrs.clear(n)));
        if let Some(revocation) = revocation {
            // The browser leaves at once if the provider is slow; the task goes on.
            let _ = tokio::time::timeout(REVOCATION_WAIT, revocation).await;
        }
        LogoutOutcome { redirect_url, set_cookies, store_error }
    }

    /// Revokes `refresh_token` in a task of its own, which finishes (and logs a failure)
    /// whether or not the logout waits for it.
    fn revoke_in_background(&self, refresh_token: String) -> tokio::task::JoinHandle<()> {
        let auth = self.auth.clone();
        tokio::spawn(async move {
            match auth.revoke_refresh_token(&refresh_token).await {
                Ok(true) => tracing::debug!("logout revoked the session's refresh token"),
                Ok(false) => {}
                Err(err) => tracing::warn!(
                    code = err.code(),
                    detail = ?err.to_string(),
                    "logout could not revoke the session's refresh token; it stays valid until it expires"
                ),
            }
        })
    }

    /// The id of a server-side session that `sealed` names, read without the store.
    pub(super) fn sealed_session_id(&self, sealed: &str) -> Option<String> {
        String::from_utf8(self.sealer.open(Purpose::SessionId, sealed).ok()?).ok()
    }

    /// Ends every session of the user `user_id` (the `sub`) begun until now, on every
    /// instance sharing the store (with the in-process store, in this process): each is
    /// refused, and its cookie cleared, on its next request. A login after the call opens
    /// a new session as usual. For an app that bans a user, or ends their sessions after a
    /// password or role change.
    ///
    /// ```no_run
    /// # async fn run(engine: scalekit_auth::SessionEngine) -> scalekit_auth::Result<()> {
    /// engine.end_sessions_for("usr_123").await?;
    /// # Ok(()) }
    /// ```
    pub async fn end_sessions_for(&self, user_id: &str) -> Result<()> {
        if user_id.is_empty() {
            return Err(Error::invalid_argument("end_sessions_for needs a user id"));
        }
        self.records.end_user(user_id, self.auth.config().clock.now_millis()).await?;
        if self.records.store.is_shared() {
            tracing::info!(user = ?user_id, "the app ended the user's sessions");
        } else {
            tracing::warn!(
                user = ?user_id,
                "the app ended the user's sessions in this process only: other processes and instances \
                 keep serving them until they share a store (SCALEKIT_REDIS_URL)"
            );
        }
        Ok(())
    }

    /// Call on the app's back-channel logout route (`POST`, form body with
    /// `logout_token`): validates the token, refuses a replayed one, and ends the
    /// sessions it names on every instance sharing the store.
    ///
    /// ```no_run
    /// # async fn run(engine: scalekit_auth::SessionEngine, body: &str) -> scalekit_auth::Result<()> {
    /// engine.backchannel_logout(body).await?; // then answer 200
    /// # Ok(()) }
    /// ```
    pub async fn backchannel_logout(&self, form_body: &str) -> Result<crate::LogoutTokenClaims> {
        let token = url::form_urlencoded::parse(form_body.as_bytes())
            .find(|(k, _)| k == "logout_token")
            .map(|(_, v)| v.into_owned())
            .filter(|v| !v.is_empty())
            .ok_or_else(|| Error::invalid_argument("the request has no logout_token"))?;
        let claims = self.auth.validate_logout_token(&token).await?;
        self.records.record_logout(&claims, self.now()).await?;
        tracing::info!(
            sid = claims.sid.as_deref(),
            sub = claims.sub.as_deref(),
            "back-channel logout ended the provider's session"
        );
        Ok(claims)
    }
}
