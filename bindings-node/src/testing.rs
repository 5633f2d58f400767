//! `NativeTestSigner`: mints tokens and publishes its JWKS, for apps' own tests.

use napi_derive::napi;
use scalekit_auth::Algorithm;
use serde_json::Value;

use crate::error::invalid_argument;

#[napi]
pub struct NativeTestSigner {
    signer: scalekit_auth::testing::TestSigner,
}

#[napi]
impl NativeTestSigner {
    #[napi(constructor)]
    pub fn new(algorithm: Option<String>, kid: Option<String>) -> napi::Result<Self> {
        let name = algorithm.unwrap_or_else(|| "RS256".into());
        let alg = Algorithm::from_name(&name)
            .ok_or_else(|| invalid_argument(format!("unsupported algorithm {name:?}")))?;
        Ok(NativeTestSigner {
            signer: scalekit_auth::testing::TestSigner::new(alg, kid.unwrap_or_else(|| "test-key-1".into())),
        })
    }

    #[napi(getter)]
    pub fn kid(&self) -> String {
        self.signer.kid().to_owned()
    }

    #[napi(getter)]
    pub fn algorithm(&self) -> String {
        self.signer.algorithm().name().to_owned()
    }

    /// Signs `claims`; `header` replaces the default JOSE header.
    #[napi]
    pub fn sign(&self, claims: Value, header: Option<Value>) -> String {
        match header {
            Some(h) => self.signer.sign_with_header(&h, &claims),
            None => self.signer.sign(&claims),
        }
    }

    /// The JWKS document (`{"keys": [...]}`).
    #[napi]
    pub fn jwks(&self) -> Value {
        serde_json::json!({ "keys": [self.signer.jwk()] })
    }
}

/// Discovery and a JWKS on 127.0.0.1 (served on the Rust runtime), and tokens its
/// clients accept.
#[napi]
pub struct NativeLocalProvider {
    pub(crate) provider: scalekit_auth::testing::LocalProvider,
}

#[napi]
impl NativeLocalProvider {
    #[napi(constructor)]
    pub fn new(client_id: String, client_secret: String, algorithm: Option<String>) -> napi::Result<Self> {
        let name = algorithm.unwrap_or_else(|| "RS256".into());
        let alg = Algorithm::from_name(&name)
            .ok_or_else(|| invalid_argument(format!("unsupported algorithm {name:?}")))?;
        let provider = napi::bindgen_prelude::block_on(scalekit_auth::testing::LocalProvider::start(
            &client_id,
            &client_secret,
            alg,
        ))
        .map_err(|e| napi::Error::from_reason(format!("cannot start the local provider: {e}")))?;
        Ok(NativeLocalProvider { provider })
    }

    #[napi(getter)]
    pub fn url(&self) -> String {
        self.provider.url().to_owned()
    }

    #[napi(getter)]
    pub fn kid(&self) -> String {
        self.provider.signer().kid().to_owned()
    }

    /// A signed access token; `claims` add, replace or (with `null`) remove claims.
    #[napi]
    pub fn mint(&self, claims: Option<Value>, expires_in: Option<i64>) -> String {
        self.provider.mint(&claims.unwrap_or(Value::Null), expires_in.unwrap_or(300))
    }

    /// The JWKS document the provider serves.
    #[napi]
    pub fn jwks(&self) -> Value {
        serde_json::json!({ "keys": [self.provider.signer().jwk()] })
    }

    #[napi]
    pub fn stop(&self) {
        self.provider.stop();
    }
}

/// The test session of JavaScript options (camelCase names of
/// `scalekit_auth::testing::TestSession::with_options`).
pub(crate) fn test_session(options: Option<Value>) -> napi::Result<scalekit_auth::testing::TestSession> {
    let options = match options {
        Some(Value::Object(map)) => map,
        None | Some(Value::Null) => serde_json::Map::new(),
        Some(_) => return Err(invalid_argument("test session options must be an object")),
    };
    let snake: serde_json::Map<String, Value> =
        options.into_iter().map(|(name, value)| (crate::error::snake(&name), value)).collect();
    scalekit_auth::testing::TestSession::with_options(&snake).map_err(crate::error::to_napi)
}

/// An identity for tests of code that takes one (`req.auth`, a route's user): the
/// user and claims a session described by `options` would carry.
pub(crate) fn test_identity(options: Option<Value>) -> napi::Result<crate::decision::Identity> {
    let session = test_session(options)?;
    let claims = session.try_claims().map_err(crate::error::to_napi)?;
    let source = scalekit_auth::IdentitySource::Session;
    Ok(crate::decision::Identity::from_parts(&claims, source, "test-access-token"))
}
