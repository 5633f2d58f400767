//! Signed-in test sessions: a [`TestSession`] describes the user, and
//! [`SessionEngine::test_session_cookie`] turns it into a `Cookie` header the app's own
//! engine accepts, or [`TestSession::identity`] into an [`Identity`] for unit tests of
//! code that takes one.

use serde_json::{Map, Value, json};

use super::TestSigner;
use crate::authorize::random_token;
use crate::clock::Clock as _;
use crate::error::{Error, Result};
use crate::exchange::User;
use crate::session::data::SessionData;
use crate::session::records::Held;
use crate::session::{Identity, IdentitySource, SessionEngine};
use crate::token::claims::Claims;

/// The user, grants and lifetime of a test session. Every claim can be set; the
/// defaults are a user `usr_test` without email, roles, permissions, scopes or
/// organization, whose access token lives for an hour.
///
/// ```
/// use scalekit_auth::testing::TestSession;
/// let identity = TestSession::new("usr_1").email("ada@example.com").roles(["admin"]).identity();
/// assert_eq!(identity.user.email.as_deref(), Some("ada@example.com"));
/// assert_eq!(identity.claims.roles, ["admin"]);
/// ```
#[derive(Debug, Clone)]
pub struct TestSession {
    claims: Map<String, Value>,
    expires_in: i64,
}

impl Default for TestSession {
    fn default() -> Self {
        TestSession::new("usr_test")
    }
}

impl TestSession {
    /// A session of the user `user_id` (the `sub` claim).
    pub fn new(user_id: impl Into<String>) -> Self {
        let mut claims = Map::new();
        claims.insert("sub".into(), Value::String(user_id.into()));
        TestSession { claims, expires_in: 3600 }
    }

    /// The user's email (`email`, verified).
    #[must_use]
    pub fn email(self, email: impl Into<String>) -> Self {
        self.claim("email", Value::String(email.into())).claim("email_verified", Value::Bool(true))
    }

    /// The user's display name (`name`).
    #[must_use]
    pub fn name(self, name: impl Into<String>) -> Self {
        self.claim("name", Value::String(name.into()))
    }

    /// The user's roles (`roles`).
    #[must_use]
    pub fn roles<I: IntoIterator<Item = S>, S: Into<String>>(self, roles: I) -> Self {
        self.claim("roles", list(roles))
    }

    /// The user's permissions (`permissions`).
    #[must_use]
    pub fn permissions<I: IntoIterator<Item = S>, S: Into<String>>(self, permissions: I) -> Self {
        self.claim("permissions", list(permissions))
    }

    /// The scopes the access token grants (`scopes`).
    #[must_use]
    pub fn scopes<I: IntoIterator<Item = S>, S: Into<String>>(self, scopes: I) -> Self {
        self.claim("scopes", list(scopes))
    }

    /// The organization the user logged in to (`oid`).
    #[must_use]
    pub fn organization(self, organization_id: impl Into<String>) -> Self {
        self.claim("oid", Value::String(organization_id.into()))
    }

    /// How long the access token stays valid, in seconds (default 3600; negative for
    /// a token that expired that long ago). A test session has no refresh token: once
    /// the access token expires the session ends, as one whose refresh was refused.
    #[must_use]
    pub fn expires_in_seconds(mut self, seconds: i64) -> Self {
        self.expires_in = seconds;
        self
    }

    /// Any other claim of the access token (`null` removes one). `iss`, `aud`, `iat`
    /// and `exp` are set when the cookie is made; setting them here overrides that, to
    /// test how the app treats a token it should refuse.
    #[must_use]
    pub fn claim(mut self, name: impl Into<String>, value: Value) -> Self {
        self.claims.insert(name.into(), value);
        self
    }

    /// The access-token payload for `issuer` and `audience` at `now`.
    fn payload(&self, issuer: &str, audience: &str, now: i64) -> Value {
        let mut payload = json!({
            "iss": issuer, "aud": [audience], "client_id": audience,
            "iat": now, "nbf": now, "exp": now.saturating_add(self.expires_in),
            "sid": format!("ses_test_{}", random_token()),
        });
        if let Some(out) = payload.as_object_mut() {
            for (name, value) in &self.claims {
                if value.is_null() {
                    out.remove(name);
                } else {
                    out.insert(name.clone(), value.clone());
                }
            }
        }
        payload
    }

    /// A session described by options, as the language bindings receive them:
    /// `user_id`, `email`, `name`, `organization_id` (strings), `roles`, `permissions`,
    /// `scopes` (lists of strings), `expires_in` (seconds) and `claims` (an object of
    /// other claims). `null` keeps the default; an unknown name is an error.
    ///
    /// ```
    /// use scalekit_auth::testing::TestSession;
    /// let options = serde_json::json!({"user_id": "usr_1", "roles": ["admin"], "claims": {"tier": "gold"}});
    /// let claims = TestSession::with_options(options.as_object().unwrap())?.try_claims()?;
    /// assert_eq!((claims.sub.as_str(), claims.get("tier").and_then(|t| t.as_str())), ("usr_1", Some("gold")));
    /// # Ok::<(), scalekit_auth::Error>(())
    /// ```
    pub fn with_options(options: &Map<String, Value>) -> Result<Self> {
        let text = |name: &str, value: &Value| {
            value.as_str().map(str::to_owned).ok_or_else(|| {
                Error::invalid_argument(format!("test session option {name:?} must be a string"))
            })
        };
        let mut session = TestSession::default();
        for (name, value) in options.iter().filter(|(_, v)| !v.is_null()) {
            session = match name.as_str() {
                "user_id" => session.claim("sub", Value::String(text(name, value)?)),
                "email" => session.email(text(name, value)?),
                "name" => session.name(text(name, value)?),
                "organization_id" => session.organization(text(name, value)?),
                "roles" | "permissions" | "scopes" => session.claim(name.clone(), value.clone()),
                "expires_in" => session.expires_in_seconds(value.as_i64().ok_or_else(|| {
                    Error::invalid_argument(
                        "test session option \"expires_in\" must be a whole number of seconds",
                    )
                })?),
                "claims" => {
                    let extra = value.as_object().ok_or_else(|| {
                        Error::invalid_argument("test session option \"claims\" must be an object")
                    })?;
                    extra.iter().fold(session, |s, (k, v)| s.claim(k.clone(), v.clone()))
                }
                _ => return Err(Error::invalid_argument(format!("unknown test session option {name:?}"))),
            };
        }
        session.try_claims()?;
        Ok(session)
    }

    /// The claims as an access token of `https://test.invalid` for `skc_test` would
    /// carry them, valid from now; an error names a claim of the wrong type (e.g.
    /// `roles` as a number).
    pub fn try_claims(&self) -> Result<Claims> {
        let now = crate::clock::SystemClock.now_seconds();
        let payload = self.payload("https://test.invalid", "skc_test", now);
        Claims::from_json(payload.to_string().as_bytes())
    }

    /// [`TestSession::try_claims`], for tests.
    ///
    /// # Panics
    /// If a claim set with [`TestSession::claim`] has the wrong type, which the test
    /// should fix.
    pub fn claims(&self) -> Claims {
        self.try_claims().expect("test claims of the expected types")
    }

    /// The user these claims describe.
    pub fn user(&self) -> User {
        User::from_claims(&self.claims())
    }

    /// An [`Identity`] as a request signed in with this session would carry, for unit
    /// tests of code that takes one. Its access token is a placeholder, not a token.
    pub fn identity(&self) -> Identity {
        let claims = self.claims();
        Identity::new(User::from_claims(&claims), claims, IdentitySource::Session, "test-access-token".into())
    }
}

fn list<I: IntoIterator<Item = S>, S: Into<String>>(items: I) -> Value {
    Value::Array(items.into_iter().map(|s| Value::String(s.into())).collect())
}

impl SessionEngine {
    /// A `Cookie` header value that this engine accepts as `session`, signed in: the
    /// access token is signed by `signer` for this client (its issuer and audience),
    /// and the session is sealed with the engine's own secret (or, with server-side
    /// sessions, stored and named by the cookie). The app must trust `signer`, e.g. by
    /// using a [`LocalProvider`](super::LocalProvider) as its environment.
    ///
    /// ```
    /// # #[tokio::main] async fn main() -> scalekit_auth::Result<()> {
    /// use scalekit_auth::testing::{LocalProvider, TestSession};
    /// use scalekit_auth::{Algorithm, ScalekitAuth, SessionConfig, SessionEngine};
    /// let provider = LocalProvider::start("skc_test", "secret", Algorithm::ES256).await.unwrap();
    /// let engine = SessionEngine::new(
    ///     ScalekitAuth::new(provider.config())?,
    ///     SessionConfig::new("http://localhost:3000/auth/callback", ["x".repeat(32)]),
    /// )?;
    /// let cookie = engine
    ///     .test_session_cookie(provider.signer(), &TestSession::new("usr_1").roles(["admin"]))
    ///     .await?;
    /// let identity = engine.authenticate(Some(&cookie), None).await.result?;
    /// assert_eq!((identity.user.id.as_str(), identity.claims.roles.as_slice()), ("usr_1", &["admin".to_owned()][..]));
    /// # Ok(()) }
    /// ```
    pub async fn test_session_cookie(&self, signer: &TestSigner, session: &TestSession) -> Result<String> {
        let config = self.auth.config();
        let issuer = match config.issuer.first() {
            Some(issuer) => issuer.clone(),
            None => self.auth.provider_metadata().await?.issuer.clone(),
        };
        let audience = config.audience.first().cloned().unwrap_or_else(|| config.client_id.clone());
        let now = self.auth.now_seconds();
        let payload = session.payload(&issuer, &audience, now);
        let claims = Claims::from_json(payload.to_string().as_bytes())?;
        let data = SessionData {
            at: signer.sign(&payload),
            rt: None,
            it: None,
            exp: claims.exp,
            iat: claims.iat,
            created: now,
            seen: now,
            user: User::from_claims(&claims),
            sid: claims.sid.clone(),
            app: None,
            id: Some(random_token()),
            pat: claims.iat,
            ms: Some(self.auth.config().clock.now_millis()),
        };
        let held = if self.config.server_side_sessions { Held::Server(random_token()) } else { Held::Cookie };
        let set_cookies = self.save_new_session(&data, &held, now).await?;
        let pairs: Vec<&str> = set_cookies
            .iter()
            .filter_map(|line| line.split(';').next())
            .filter(|pair| pair.split_once('=').is_some_and(|(_, v)| !v.is_empty()))
            .collect();
        if pairs.is_empty() {
            return Err(Error::invalid_argument("the test session produced no cookie"));
        }
        Ok(pairs.join("; "))
    }
}
