//! The protocol flows of [`ScalekitAuth`]: login URLs, code exchange, refresh, logout,
//! client credentials, webhooks and IdP-initiated login.

use crate::authorize::{self, AuthorizationUrlOptions, LoginRequest};
use crate::client::{ScalekitAuth, TokenKind};
use crate::error::{Error, Result};
use crate::exchange::{AuthResult, TokenResponse, User, check_at_hash};
use crate::idp::{self, IdpInitiatedLoginClaims};
use crate::m2m::ClientToken;
use crate::query::build_url;
use crate::webhook::{self, WebhookKind};

/// Scalekit's fixed paths, used to build URLs without a network call (as the official
/// SDKs do); the token endpoint comes from discovery.
const AUTHORIZE_PATH: &str = "/oauth/authorize";
const LOGOUT_PATH: &str = "/oidc/logout";

/// Options of [`ScalekitAuth::authenticate_with_code`].
#[derive(Clone, Default, PartialEq, Eq)]
pub struct AuthenticateOptions {
    /// The PKCE verifier of the login (required when a challenge was sent).
    pub code_verifier: Option<String>,
    /// The nonce of the login; the ID token must carry it.
    pub nonce: Option<String>,
}

impl std::fmt::Debug for AuthenticateOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The verifier is what makes a stolen code useless: never in logs.
        f.debug_struct("AuthenticateOptions")
            .field("code_verifier", &self.code_verifier.as_ref().map(|_| "[redacted]"))
            .field("nonce", &self.nonce.as_ref().map(|_| "[redacted]"))
            .finish()
    }
}

/// Options of [`ScalekitAuth::logout_url`].
#[derive(Clone, Default, PartialEq, Eq)]
pub struct LogoutUrlOptions {
    /// The ID token of the session, so the provider knows whom to log out.
    pub id_token_hint: Option<String>,
    /// Where the provider sends the browser afterwards (registered in the dashboard).
    pub post_logout_redirect_uri: Option<String>,
    /// Opaque value returned with that redirect.
    pub state: Option<String>,
}

impl std::fmt::Debug for LogoutUrlOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LogoutUrlOptions")
            .field("id_token_hint", &self.id_token_hint.as_ref().map(|_| "[redacted]"))
            .field("post_logout_redirect_uri", &self.post_logout_redirect_uri)
            .field("state", &self.state)
            .finish()
    }
}

impl ScalekitAuth {
    fn endpoint(&self, path: &str) -> String {
        format!("{}{path}", self.environment_url().as_str().trim_end_matches('/'))
    }

    fn client_secret(&self) -> Result<&str> {
        let secret = &self.inner.config.client_secret;
        if secret.is_empty() {
            return Err(Error::InvalidConfig(
                "the client secret is empty; set SCALEKIT_CLIENT_SECRET to call the token endpoint".into(),
            ));
        }
        Ok(secret.secret())
    }

    /// The URL that sends a browser to the provider's login page. No network call.
    ///
    /// ```
    /// # use scalekit_auth::{AuthorizationUrlOptions, Config, ScalekitAuth};
    /// let auth = ScalekitAuth::new(Config::new("https://acme.scalekit.com", "skc_1", "s"))?;
    /// let url = auth.authorization_url("https://app.example/callback", &AuthorizationUrlOptions {
    ///     state: Some("xyz".into()),
    ///     ..Default::default()
    /// })?;
    /// assert!(url.starts_with("https://acme.scalekit.com/oauth/authorize?response_type=code&client_id=skc_1"));
    /// # Ok::<(), scalekit_auth::Error>(())
    /// ```
    pub fn authorization_url(&self, redirect_uri: &str, options: &AuthorizationUrlOptions) -> Result<String> {
        let endpoint = self.endpoint(AUTHORIZE_PATH);
        authorize::authorization_url(&endpoint, &self.inner.config.client_id, redirect_uri, options)
    }

    /// Starts a login the safe way: random `state` and `nonce` (unless given) and a PKCE
    /// S256 pair. Keep the returned secrets until the callback.
    pub fn create_login(
        &self,
        redirect_uri: &str,
        options: &AuthorizationUrlOptions,
    ) -> Result<LoginRequest> {
        let endpoint = self.endpoint(AUTHORIZE_PATH);
        authorize::create_login(&endpoint, &self.inner.config.client_id, redirect_uri, options)
    }

    /// Exchanges the callback's `code` for tokens (`client_secret_post`), then validates
    /// the ID token (signature, `iss`, `aud`, `azp`, `exp`, `nonce`, `at_hash`) and the
    /// access token.
    pub async fn authenticate_with_code(
        &self,
        code: &str,
        redirect_uri: &str,
        options: &AuthenticateOptions,
    ) -> Result<AuthResult> {
        if code.trim().is_empty() {
            return Err(Error::invalid_argument("the authorization code is empty"));
        }
        authorize::check_redirect_uri(redirect_uri)?;
        let mut form = vec![
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", redirect_uri),
            ("client_id", self.inner.config.client_id.as_str()),
            ("client_secret", self.client_secret()?),
        ];
        if let Some(verifier) = options.code_verifier.as_deref() {
            form.push(("code_verifier", verifier));
        }
        let response = self.token_request(&form).await?;
        let id_token = response.id_token.clone().ok_or_else(|| Error::ProviderInvalidResponse {
            url: self.endpoint("/oauth/token"),
            reason: "the token response has no id_token; request the \"openid\" scope".into(),
        })?;
        self.validated_result(response, Some(id_token), options.nonce.as_deref(), None).await
    }

    /// Trades a refresh token for fresh tokens. The provider rotates refresh tokens: use
    /// the returned one from now on (the old one is kept only when the provider sent no
    /// new one). An `invalid_grant` error means the session is over.
    pub async fn refresh_access_token(&self, refresh_token: &str) -> Result<AuthResult> {
        if refresh_token.trim().is_empty() {
            return Err(Error::invalid_argument("the refresh token is empty"));
        }
        let response = self.refresh_grant(refresh_token).await?;
        self.validated_refresh(response, refresh_token).await
    }

    /// The provider's answer to a refresh grant, not yet validated: the session engine
    /// shares it with other instances, each of which validates it itself.
    pub(crate) async fn refresh_grant(&self, refresh_token: &str) -> Result<TokenResponse> {
        let form = [
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
            ("client_id", self.inner.config.client_id.as_str()),
            ("client_secret", self.client_secret()?),
        ];
        self.token_request(&form).await
    }

    /// Validates the answer to a refresh grant of `refresh_token`.
    pub(crate) async fn validated_refresh(
        &self,
        response: TokenResponse,
        refresh_token: &str,
    ) -> Result<AuthResult> {
        let id_token = response.id_token.clone();
        self.validated_result(response, id_token, None, Some(refresh_token)).await
    }

    /// Revokes a refresh token at the provider (RFC 7009, `client_secret_post`), ending
    /// the grant it belongs to. `Ok(false)` when the provider announces no
    /// `revocation_endpoint` (nothing was sent); an unknown or already revoked token is
    /// success, as RFC 7009 answers it.
    ///
    /// ```no_run
    /// # async fn run(auth: scalekit_auth::ScalekitAuth, refresh_token: &str) -> scalekit_auth::Result<()> {
    /// if !auth.revoke_refresh_token(refresh_token).await? {
    ///     // the provider offers no revocation: the token lives until it expires
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn revoke_refresh_token(&self, refresh_token: &str) -> Result<bool> {
        let metadata = self.provider_metadata().await?;
        let Some(endpoint) = metadata.revocation_endpoint.as_deref() else {
            return Ok(false);
        };
        let form = [
            ("token", refresh_token),
            ("token_type_hint", "refresh_token"),
            ("client_id", self.inner.config.client_id.as_str()),
            ("client_secret", self.client_secret()?),
        ];
        self.inner.http.post_form_without_answer(endpoint, &form).await?;
        Ok(true)
    }

    async fn token_request(&self, form: &[(&str, &str)]) -> Result<TokenResponse> {
        let metadata = self.provider_metadata().await?;
        self.inner.http.post_form(&metadata.token_endpoint, form).await
    }

    async fn validated_result(
        &self,
        response: TokenResponse,
        id_token: Option<String>,
        nonce: Option<&str>,
        previous_refresh_token: Option<&str>,
    ) -> Result<AuthResult> {
        let id_token_claims = match &id_token {
            Some(token) => {
                let (claims, alg) = self.validate(token, TokenKind::Id, nonce).await?;
                check_at_hash(&claims, alg, &response.access_token)?;
                Some(claims)
            }
            None => None,
        };
        let access_token_claims = self.validate_access_token(&response.access_token).await?;
        // Both tokens speak of one user (on refresh, OpenID Core §12.2 requires the new
        // ID token's `sub` to be the login's; the session engine checks that part).
        if let Some(id) = &id_token_claims
            && id.sub != access_token_claims.sub
        {
            return Err(Error::invalid_claim(
                "sub",
                "the ID token and the access token name different users",
            ));
        }
        let user = User::from_claims(id_token_claims.as_ref().unwrap_or(&access_token_claims));
        Ok(AuthResult {
            user,
            id_token,
            refresh_token: response.refresh_token.or_else(|| previous_refresh_token.map(str::to_owned)),
            expires_in: response.expires_in,
            token_type: response.token_type,
            access_token: response.access_token,
            access_token_claims,
            id_token_claims,
        })
    }

    /// The provider's logout URL (RP-initiated logout). No network call.
    ///
    /// ```
    /// # use scalekit_auth::{Config, LogoutUrlOptions, ScalekitAuth};
    /// let auth = ScalekitAuth::new(Config::new("https://acme.scalekit.com", "skc_1", "s"))?;
    /// let url = auth.logout_url(&LogoutUrlOptions {
    ///     post_logout_redirect_uri: Some("https://app.example/".into()),
    ///     ..Default::default()
    /// });
    /// assert_eq!(url, "https://acme.scalekit.com/oidc/logout?post_logout_redirect_uri=https%3A%2F%2Fapp.example%2F");
    /// # Ok::<(), scalekit_auth::Error>(())
    /// ```
    pub fn logout_url(&self, options: &LogoutUrlOptions) -> String {
        build_url(
            &self.endpoint(LOGOUT_PATH),
            [
                ("id_token_hint", options.id_token_hint.as_deref()),
                ("post_logout_redirect_uri", options.post_logout_redirect_uri.as_deref()),
                ("state", options.state.as_deref()),
            ],
        )
    }

    /// An access token for machine-to-machine calls (client-credentials grant), cached
    /// until shortly before it expires; concurrent callers share one request.
    pub async fn client_credentials_token(&self) -> Result<ClientToken> {
        let cache = &self.inner.client_token;
        if let Some(token) = cache.get(self.inner.config.clock.now_seconds()) {
            return Ok(token);
        }
        let this = self.clone();
        cache.flight.run(move || async move { this.fetch_client_token().await }).await
    }

    async fn fetch_client_token(&self) -> Result<ClientToken> {
        let form = [
            ("grant_type", "client_credentials"),
            ("client_id", self.inner.config.client_id.as_str()),
            ("client_secret", self.client_secret()?),
        ];
        let response = self.token_request(&form).await?;
        let now = self.inner.config.clock.now_seconds();
        let token = ClientToken {
            expires_at: response.expires_in.map(|s| now.saturating_add(i64::try_from(s).unwrap_or(i64::MAX))),
            expires_in: response.expires_in,
            scopes: response
                .scope
                .as_deref()
                .unwrap_or("")
                .split_ascii_whitespace()
                .map(str::to_owned)
                .collect(),
            token_type: response.token_type,
            access_token: response.access_token,
        };
        self.inner.client_token.store(&token);
        Ok(token)
    }

    /// Verifies a webhook from Scalekit: `webhook-id`, `webhook-timestamp` and
    /// `webhook-signature` headers (any case), ±300 s, HMAC-SHA256 with the `whsec_`
    /// secret over the raw body. `Ok(())` or a `webhook_*` error.
    ///
    /// ```
    /// # use scalekit_auth::{Config, ScalekitAuth, sign_webhook};
    /// let auth = ScalekitAuth::new(Config::new("https://acme.scalekit.com", "skc_1", "s"))?;
    /// let secret = "whsec_c2VjcmV0LWtleS1mb3ItdGVzdHM=";
    /// let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    /// let signature = sign_webhook(secret, "evt_1", now, b"{}")?;
    /// let ts = now.to_string();
    /// let headers = [("webhook-id", "evt_1"), ("webhook-timestamp", ts.as_str()), ("webhook-signature", signature.as_str())];
    /// auth.verify_webhook_payload(secret, headers, b"{}")?;
    /// # Ok::<(), scalekit_auth::Error>(())
    /// ```
    pub fn verify_webhook_payload<'a>(
        &self,
        secret: &str,
        headers: impl IntoIterator<Item = (&'a str, &'a str)>,
        body: &[u8],
    ) -> Result<()> {
        webhook::verify(WebhookKind::Webhook, secret, headers, body, self.inner.config.clock.now_seconds())
    }

    /// Verifies an interceptor request: the same scheme with `interceptor-*` headers.
    pub fn verify_interceptor_payload<'a>(
        &self,
        secret: &str,
        headers: impl IntoIterator<Item = (&'a str, &'a str)>,
        body: &[u8],
    ) -> Result<()> {
        webhook::verify(
            WebhookKind::Interceptor,
            secret,
            headers,
            body,
            self.inner.config.clock.now_seconds(),
        )
    }

    /// Validates the `idp_initiated_login` token of an IdP-initiated login and returns
    /// its hints; start a normal login with
    /// [`IdpInitiatedLoginClaims::authorization_options`].
    pub async fn idp_initiated_login_claims(&self, token: &str) -> Result<IdpInitiatedLoginClaims> {
        let (payload, _alg) = self.verified_payload(token).await?;
        self.with_expectations(&[], |expect| idp::claims_from_payload(&payload, expect)).await
    }
}
