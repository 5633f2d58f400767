//! `NativeTestSigner`: mints tokens and publishes its JWKS, for apps' own tests.

use napi_derive::napi;
use scalekit_auth::Algorithm;
use serde_json::Value;

use crate::errors::invalid_argument;

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
