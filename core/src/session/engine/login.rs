//! Logins: the start (provider URL, login-transaction cookie), pending logins and the
//! callback that opens the session.

use std::collections::HashMap;
use std::sync::PoisonError;

use aws_lc_rs::digest;

use super::used_states::state_key;
use super::*;
use crate::authorize::{AuthorizationUrlOptions, random_token};
use crate::error::{Error, Result};
use crate::exchange::{AuthResult, User};
use crate::flows::AuthenticateOptions;
use crate::secret::constant_time_eq;
use crate::session::cookies::RequestCookies;
use crate::session::data::{LoginTransaction, SessionData};
use crate::session::records::Held;
use crate::session::return_to::safe_return_to;
use crate::session::seal::Purpose;
use crate::token::claims::Claims;

impl SessionEngine {
    pub(super) fn login_cookie_name(&self, state: &str) -> String {
        let hash = digest::digest(&digest::SHA256, state.as_bytes());
        format!("{}{}", self.login_prefix, crate::session::keys::hex(&hash.as_ref()[..8]))
    }

    /// `Set-Cookie` values that drop the oldest login transactions of this browser, so
    /// that with the one about to start it holds at most [`MAX_PENDING_LOGINS`]; expired
    /// or unreadable ones go too.
    pub(super) fn prune_logins(&self, cookies: &RequestCookies, now: i64) -> Vec<String> {
        let mut pending: Vec<(i64, &str)> = cookies
            .names_with_prefix(&self.login_prefix)
            .map(|name| {
                let created = cookies
                    .get(name)
                    .and_then(|sealed| self.open_login(sealed))
                    .map_or(i64::MIN, |txn| txn.created);
                (created, name)
            })
            .collect();
        pending.sort_unstable_by_key(|b| std::cmp::Reverse(b.0));
        pending.dedup_by(|a, b| a.1 == b.1);
        let live = |created: i64| now.saturating_sub(created) <= LOGIN_TIMEOUT_SECONDS;
        pending
            .iter()
            .enumerate()
            .filter(|(i, (created, _))| *i >= MAX_PENDING_LOGINS - 1 || !live(*created))
            .map(|(_, (_, name))| self.login_attrs.clear(name))
            .collect()
    }

    pub(super) fn open_login(&self, sealed: &str) -> Option<LoginTransaction> {
        let bytes = self.sealer.open(Purpose::Login, sealed).ok()?;
        serde_json::from_slice(&bytes).ok()
    }

    /// Call on the app's login route with the request's `Cookie` header: builds the
    /// provider URL (random state and nonce, PKCE) and the login-transaction cookie, and
    /// drops this browser's oldest transactions past [`MAX_PENDING_LOGINS`]. An
    /// `idp_initiated_login` token is validated and its hints used; its `relay_state`,
    /// when a safe path, becomes the return-to (the `state` stays random so that it
    /// keeps protecting the callback).
    pub async fn begin_login(&self, params: &LoginParams, cookie_header: Option<&str>) -> Result<LoginStart> {
        let mut return_to = safe_return_to(params.return_to.as_deref().unwrap_or("/"));
        let mut options = AuthorizationUrlOptions {
            scopes: Some(self.config.scopes.clone()),
            prompt: if params.signup { Some("create".into()) } else { params.prompt.clone() },
            organization_id: params.organization_id.clone(),
            connection_id: params.connection_id.clone(),
            login_hint: params.login_hint.clone(),
            domain_hint: params.domain_hint.clone(),
            provider: params.provider.clone(),
            max_age: params.max_age,
            acr_values: params.acr_values.clone(),
            ..Default::default()
        };
        if let Some(token) = &params.idp_initiated_login {
            let hints = self.auth.idp_initiated_login_claims(token).await?;
            options.connection_id = hints.connection_id.or(options.connection_id);
            options.organization_id = hints.organization_id.or(options.organization_id);
            options.login_hint = hints.login_hint.or(options.login_hint);
            if let Some(relay) = hints.relay_state.filter(|r| safe_return_to(r) == *r) {
                return_to = relay;
            }
        }
        let login = self.auth.create_login(&self.config.redirect_uri, &options)?;
        tracing::info!(
            signup = params.signup,
            organization_id = options.organization_id.as_deref(),
            connection_id = options.connection_id.as_deref(),
            idp_initiated = params.idp_initiated_login.is_some(),
            "login started"
        );
        let transaction = LoginTransaction {
            state: login.state.clone(),
            nonce: login.nonce,
            verifier: login.code_verifier,
            return_to,
            created: self.now(),
            max_age: params.max_age,
            acr_values: params.acr_values.clone(),
        };
        let sealed = self.sealer.seal(Purpose::Login, &to_json(&transaction));
        let mut set_cookies = self.prune_logins(&RequestCookies::parse(cookie_header), transaction.created);
        set_cookies.push(self.login_attrs.set(
            &self.login_cookie_name(&login.state),
            &sealed,
            LOGIN_TIMEOUT_SECONDS,
        ));
        Ok(LoginStart { redirect_url: login.url, set_cookies })
    }

    /// Call on the app's callback route with its query string and the request's
    /// `Cookie` header: checks the state against this browser's login, exchanges the
    /// code, validates the tokens and opens the session.
    pub async fn complete_login(&self, callback_query: &str, cookie_header: Option<&str>) -> CallbackOutcome {
        let pending = self.exchange_callback(callback_query, cookie_header).await;
        self.open_pending(pending, LoginVerdict::Allow).await
    }

    /// The first half of a callback: every check and the code exchange, but no session
    /// yet, so that the app can look at the user and tokens and decide
    /// ([`SessionEngine::finish_callback`]).
    pub(crate) async fn exchange_callback(
        &self,
        callback_query: &str,
        cookie_header: Option<&str>,
    ) -> PendingLogin {
        let cookies = RequestCookies::parse(cookie_header);
        let query: HashMap<String, String> =
            url::form_urlencoded::parse(callback_query.trim_start_matches('?').as_bytes())
                .into_owned()
                .collect();
        let state = query.get("state").cloned().unwrap_or_default();
        let txn_cookie = (!state.is_empty()).then(|| self.login_cookie_name(&state));
        let set_cookies: Vec<String> = txn_cookie
            .iter()
            .filter(|name| cookies.get(name).is_some())
            .map(|name| self.login_attrs.clear(name))
            .collect();
        let mut redirect_to = "/".to_owned();
        let result =
            self.exchange_code(&query, &state, txn_cookie.as_deref(), &cookies, &mut redirect_to).await;
        PendingLogin { result, redirect_to, set_cookies, cookies }
    }

    /// The second half: opens the session of `pending` unless the verdict denies it, with
    /// the app's data when it gives some.
    pub(crate) async fn open_pending(&self, pending: PendingLogin, verdict: LoginVerdict) -> CallbackOutcome {
        let PendingLogin { result, redirect_to, mut set_cookies, cookies } = pending;
        let result = match (result, verdict) {
            (Err(err), _) => Err(err),
            (Ok(_), LoginVerdict::Deny(reason)) => Err(Error::LoginDenied(reason)),
            (Ok(result), LoginVerdict::WithoutSession) => Ok(result.user),
            (Ok(result), verdict) => {
                let app = match verdict {
                    LoginVerdict::AllowWith(value) => Some(value),
                    _ => None,
                };
                self.open_session(&result, app, &cookies, &mut set_cookies).await
            }
        };
        match &result {
            Ok(user) => tracing::info!(
                user = %user.id,
                organization_id = user.organization_id.as_deref(),
                "login finished"
            ),
            // The detail may hold request input (an `error_description`): quoted and
            // escaped by `?`, so it cannot forge log lines.
            Err(err) if err.http_status() >= 500 => {
                tracing::warn!(code = err.code(), detail = ?err.to_string(), "login failed");
            }
            Err(err) => tracing::info!(code = err.code(), detail = ?err.to_string(), "login failed"),
        }
        CallbackOutcome { result, redirect_to, set_cookies }
    }

    /// Saves the session of a completed login and returns its user.
    pub(super) async fn open_session(
        &self,
        result: &AuthResult,
        app: Option<serde_json::Value>,
        cookies: &RequestCookies,
        set_cookies: &mut Vec<String>,
    ) -> Result<User> {
        if let Some(app) = &app {
            // An app bug, not the user's: a 500 naming the hook. Depth first, measured
            // without recursion, so the size check's serializer never meets a deep value.
            if json_depth(app) > MAX_APP_DATA_DEPTH {
                return Err(Error::InvalidConfig(format!(
                    "the after-callback hook returned app data nesting arrays and objects more than \
                     {MAX_APP_DATA_DEPTH} levels deep; flatten it"
                )));
            }
            let size = serde_json::to_vec(app).map_or(usize::MAX, |v| v.len());
            if size > MAX_APP_DATA_BYTES {
                return Err(Error::InvalidConfig(format!(
                    "the after-callback hook returned {size} bytes of app data; keep it under \
                     {MAX_APP_DATA_BYTES} (store larger data in the app's database, keyed by the user id)"
                )));
            }
        }
        let now = self.now();
        let mut data = SessionData::from_result(result, None, now);
        data.app = app;
        data.ms = Some(self.auth.config().clock.now_millis());
        let held = if self.config.server_side_sessions { Held::Server(random_token()) } else { Held::Cookie };
        set_cookies.extend(self.save_session(&data, &held, cookies, now, true).await?);
        Ok(data.user)
    }

    pub(super) async fn exchange_code(
        &self,
        query: &HashMap<String, String>,
        state: &str,
        txn_cookie: Option<&str>,
        cookies: &RequestCookies,
        redirect_to: &mut String,
    ) -> Result<AuthResult> {
        if let Some(error) = query.get("error") {
            return Err(Error::AuthorizationDenied {
                error: error.clone(),
                description: query.get("error_description").cloned(),
            });
        }
        let txn_cookie =
            txn_cookie.ok_or_else(|| Error::StateMismatch("the callback has no state".into()))?;
        let Some(sealed) = cookies.get(txn_cookie) else {
            return Err(if self.state_was_used(state) {
                Error::CallbackReplayed
            } else {
                Error::StateMismatch("no login with this state was started in this browser".into())
            });
        };
        let txn = self
            .open_login(sealed)
            .ok_or_else(|| Error::StateMismatch("the login cookie is invalid".into()))?;
        if !constant_time_eq(txn.state.as_bytes(), state.as_bytes()) {
            return Err(Error::StateMismatch("the state does not match the login cookie".into()));
        }
        *redirect_to = txn.return_to.clone();
        let now = self.now();
        if now - txn.created > LOGIN_TIMEOUT_SECONDS {
            return Err(Error::LoginExpired(LOGIN_TIMEOUT_SECONDS));
        }
        // RFC 9207: a provider that names itself must be the one we sent the user to.
        if let Some(iss) = query.get("iss") {
            let expected = self.auth.provider_metadata().await?.issuer.clone();
            if *iss != expected {
                return Err(Error::CallbackInvalidIssuer { expected, found: iss.clone() });
            }
        }
        if !self.mark_state_used(state, &txn.return_to, now) {
            return Err(Error::CallbackReplayed);
        }
        let code = query.get("code").filter(|c| !c.is_empty()).ok_or_else(|| Error::AuthorizationDenied {
            error: "missing_code".into(),
            description: Some("the callback has no code".into()),
        })?;
        let options = AuthenticateOptions { code_verifier: Some(txn.verifier), nonce: Some(txn.nonce) };
        let result = self.auth.authenticate_with_code(code, &self.config.redirect_uri, &options).await?;
        if let Some(max_age) = txn.max_age {
            let leeway = i64::try_from(self.auth.config().leeway().as_secs()).unwrap_or(i64::MAX);
            check_auth_time(result.id_token_claims.as_ref(), max_age, leeway, now)?;
        }
        if let Some(acr_values) = &txn.acr_values {
            check_acr(result.id_token_claims.as_ref(), acr_values)?;
        }
        Ok(result)
    }

    /// Remembers a completed state (and where it was headed) for the login timeout;
    /// false if it was already used.
    pub(super) fn mark_state_used(&self, state: &str, return_to: &str, now: i64) -> bool {
        let mut used = self.used_states.lock().unwrap_or_else(PoisonError::into_inner);
        used.insert(state_key(state), now.saturating_add(LOGIN_TIMEOUT_SECONDS), return_to, now)
    }

    pub(super) fn state_was_used(&self, state: &str) -> bool {
        let used = self.used_states.lock().unwrap_or_else(PoisonError::into_inner);
        used.contains(&state_key(state), self.now())
    }

    /// Where a login of `state` that already completed was headed (a callback URL
    /// visited again, e.g. with the back button).
    pub(crate) fn used_state_return_to(&self, state: &str) -> Option<String> {
        let used = self.used_states.lock().unwrap_or_else(PoisonError::into_inner);
        used.return_to(&state_key(state), self.now()).map(str::to_owned)
    }
}

/// How deeply `value` nests arrays and objects (a scalar is 0), counted without recursion
/// so that any value, however built, is measured safely.
fn json_depth(value: &serde_json::Value) -> usize {
    let mut deepest = 0;
    let mut pending = vec![(value, 0usize)];
    while let Some((value, depth)) = pending.pop() {
        let children: Box<dyn Iterator<Item = &serde_json::Value>> = match value {
            serde_json::Value::Array(items) => Box::new(items.iter()),
            serde_json::Value::Object(map) => Box::new(map.values()),
            _ => continue,
        };
        deepest = deepest.max(depth + 1);
        pending.extend(children.map(|child| (child, depth + 1)));
    }
    deepest
}

/// OpenID Core §3.1.3.7 (13): with `max_age` asked, the ID token's `auth_time` must be
/// within it (plus the clock `leeway`). Without `auth_time` the login counts from now,
/// when it completed: Scalekit does not promise the claim.
fn check_auth_time(id_token: Option<&Claims>, max_age: u64, leeway: i64, now: i64) -> Result<()> {
    let Some(value) = id_token.and_then(|claims| claims.get("auth_time")) else { return Ok(()) };
    // A NumericDate may carry a fraction (RFC 7519 §2).
    let auth_time = value
        .as_f64()
        .filter(|t| t.is_finite())
        .map(|t| t.floor() as i64)
        .ok_or_else(|| Error::invalid_claim("auth_time", "it is not a number"))?;
    let allowed = i64::try_from(max_age).unwrap_or(i64::MAX).saturating_add(leeway);
    let age = now.saturating_sub(auth_time);
    if age > allowed {
        return Err(Error::invalid_claim(
            "auth_time",
            format!(
                "the provider's login is {age}s old, more than the max_age of {max_age}s the login asked"
            ),
        ));
    }
    Ok(())
}

/// OpenID Core §3.1.3.7 (12): with `acr_values` asked, an `acr` the ID token names must
/// be one of them. A provider that names none is taken at its word (it may not support
/// the request), as `auth_time` is.
fn check_acr(id_token: Option<&Claims>, acr_values: &str) -> Result<()> {
    let Some(value) = id_token.and_then(|claims| claims.get("acr")) else { return Ok(()) };
    let acr = value.as_str().ok_or_else(|| Error::invalid_claim("acr", "it is not a string"))?;
    if acr_values.split_whitespace().any(|asked| asked == acr) {
        return Ok(());
    }
    Err(Error::invalid_claim(
        "acr",
        format!("the login's context class {acr:?} is not one the login asked for"),
    ))
}

#[cfg(test)]
mod auth_time_tests {
    use super::*;

    fn id_token(auth_time: serde_json::Value) -> Claims {
        let payload = serde_json::json!({"sub": "usr_1", "iss": "https://a.example", "aud": "skc_1", "exp": 2_000_000_000, "auth_time": auth_time});
        Claims::from_json(payload.to_string().as_bytes()).unwrap()
    }

    #[test]
    fn a_login_older_than_max_age_is_refused_and_a_missing_auth_time_counts_from_now() {
        let now = 1_700_000_000;
        assert!(check_auth_time(Some(&id_token((now - 100).into())), 300, 60, now).is_ok());
        assert!(
            check_auth_time(Some(&id_token((now - 350).into())), 300, 60, now).is_ok(),
            "within the leeway"
        );
        let old = check_auth_time(Some(&id_token((now - 400).into())), 300, 60, now).unwrap_err();
        assert_eq!(old.code(), "token_invalid_claim", "{old}");
        let odd = check_auth_time(Some(&id_token("yesterday".into())), 300, 60, now).unwrap_err();
        assert_eq!(odd.code(), "token_invalid_claim");
        assert!(check_auth_time(None, 0, 60, now).is_ok());
        let without =
            Claims::from_json(br#"{"sub":"usr_1","iss":"https://a.example","aud":"skc_1","exp":2000000000}"#)
                .unwrap();
        assert!(check_auth_time(Some(&without), 0, 60, now).is_ok());
    }

    #[test]
    fn an_acr_other_than_those_asked_is_refused_and_none_is_accepted() {
        let with_acr = |value: serde_json::Value| {
            let payload = serde_json::json!({"sub": "usr_1", "iss": "https://a.example", "aud": "skc_1", "exp": 2_000_000_000, "acr": value});
            Claims::from_json(payload.to_string().as_bytes()).unwrap()
        };
        assert!(check_acr(Some(&with_acr("urn:mfa".into())), "urn:pwd urn:mfa").is_ok());
        assert_eq!(
            check_acr(Some(&with_acr("urn:pwd".into())), "urn:mfa").unwrap_err().code(),
            "token_invalid_claim"
        );
        assert_eq!(
            check_acr(Some(&with_acr(2.into())), "urn:mfa").unwrap_err().code(),
            "token_invalid_claim"
        );
        assert!(check_acr(None, "urn:mfa").is_ok());
    }
}
