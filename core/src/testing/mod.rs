//! Helpers for testing apps built on this crate without a provider: a local signer that
//! mints tokens and publishes its JWKS, a [`LocalProvider`] serving that JWKS on
//! 127.0.0.1, and a clock the test moves by hand.
//!
//! Enabled by the `testing` feature. Never use these keys outside tests.
//!
//! ```
//! use scalekit_auth::testing::TestSigner;
//! use scalekit_auth::{Algorithm, JwkSet};
//! let signer = TestSigner::new(Algorithm::RS256, "key-1");
//! let token = signer.sign(&serde_json::json!({"sub": "usr_1"}));
//! let keys = JwkSet::from_json(signer.jwks_json().as_bytes())?;
//! assert_eq!(keys.verify_jws(&token)?, br#"{"sub":"usr_1"}"#);
//! # Ok::<(), scalekit_auth::Error>(())
//! ```

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::{KeyPair as RsaKeyPair, KeySize, PublicKeyComponents};
use aws_lc_rs::signature::{
    self, ECDSA_P256_SHA256_FIXED_SIGNING, ECDSA_P384_SHA384_FIXED_SIGNING, EcdsaKeyPair, Ed25519KeyPair,
    KeyPair as _, RsaEncoding,
};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

use crate::algorithm::Algorithm;
use crate::clock::Clock;

mod provider;
mod session;

pub use provider::LocalProvider;
pub use session::TestSession;

enum Private {
    Rsa(RsaKeyPair),
    Ec(EcdsaKeyPair),
    Ed(Ed25519KeyPair),
}

/// A signing key pair with its `kid` and algorithm, generated in memory.
pub struct TestSigner {
    kid: String,
    alg: Algorithm,
    private: Private,
    jwk: Value,
}

impl std::fmt::Debug for TestSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestSigner").field("kid", &self.kid).field("alg", &self.alg).finish()
    }
}

impl TestSigner {
    /// Generates a fresh key for `alg` (RSA keys are 2048 bits).
    ///
    /// # Panics
    /// If the system random generator fails, which makes any test meaningless.
    pub fn new(alg: Algorithm, kid: impl Into<String>) -> Self {
        let kid = kid.into();
        let rng = SystemRandom::new();
        let (private, mut jwk) = match alg {
            Algorithm::ES256 | Algorithm::ES384 => {
                let (signing, crv, size) = if alg == Algorithm::ES256 {
                    (&ECDSA_P256_SHA256_FIXED_SIGNING, "P-256", 32)
                } else {
                    (&ECDSA_P384_SHA384_FIXED_SIGNING, "P-384", 48)
                };
                let pkcs8 = EcdsaKeyPair::generate_pkcs8(signing, &rng).expect("EC key generation");
                let pair = EcdsaKeyPair::from_pkcs8(signing, pkcs8.as_ref()).expect("EC key parsing");
                let point = pair.public_key().as_ref();
                let (x, y) = (&point[1..=size], &point[size + 1..]);
                let jwk = json!({"kty": "EC", "crv": crv, "x": b64(x), "y": b64(y)});
                (Private::Ec(pair), jwk)
            }
            Algorithm::EdDSA => {
                let pkcs8 = Ed25519KeyPair::generate_pkcs8(&rng).expect("Ed25519 key generation");
                let pair = Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).expect("Ed25519 key parsing");
                let jwk = json!({"kty": "OKP", "crv": "Ed25519", "x": b64(pair.public_key().as_ref())});
                (Private::Ed(pair), jwk)
            }
            _ => {
                let pair = RsaKeyPair::generate(KeySize::Rsa2048).expect("RSA key generation");
                let public = PublicKeyComponents::<Vec<u8>>::from(pair.public_key());
                let jwk = json!({"kty": "RSA", "n": b64(&public.n), "e": b64(&public.e)});
                (Private::Rsa(pair), jwk)
            }
        };
        jwk["kid"] = json!(kid);
        jwk["alg"] = json!(alg.name());
        jwk["use"] = json!("sig");
        TestSigner { kid, alg, private, jwk }
    }

    /// The key id.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The algorithm.
    pub fn algorithm(&self) -> Algorithm {
        self.alg
    }

    /// The public key as a JWK.
    pub fn jwk(&self) -> Value {
        self.jwk.clone()
    }

    /// A JWKS document holding this key only.
    pub fn jwks_json(&self) -> String {
        jwks_json(&[self])
    }

    /// Signs `claims` with the header `{"alg", "kid", "typ": "JWT"}`.
    pub fn sign(&self, claims: &Value) -> String {
        self.sign_with_header(&json!({"alg": self.alg.name(), "kid": self.kid, "typ": "JWT"}), claims)
    }

    /// Signs `claims` under an arbitrary header, for tests of hostile headers.
    pub fn sign_with_header(&self, header: &Value, claims: &Value) -> String {
        self.sign_raw(header.to_string().as_bytes(), claims.to_string().as_bytes())
    }

    /// Signs arbitrary header and payload bytes.
    pub fn sign_raw(&self, header: &[u8], payload: &[u8]) -> String {
        let signing_input = format!("{}.{}", b64(header), b64(payload));
        let signature = self.signature(signing_input.as_bytes());
        format!("{signing_input}.{}", b64(&signature))
    }

    fn signature(&self, message: &[u8]) -> Vec<u8> {
        let rng = SystemRandom::new();
        match &self.private {
            Private::Rsa(pair) => {
                let encoding: &'static dyn RsaEncoding = match self.alg {
                    Algorithm::RS384 => &signature::RSA_PKCS1_SHA384,
                    Algorithm::RS512 => &signature::RSA_PKCS1_SHA512,
                    Algorithm::PS256 => &signature::RSA_PSS_SHA256,
                    Algorithm::PS384 => &signature::RSA_PSS_SHA384,
                    Algorithm::PS512 => &signature::RSA_PSS_SHA512,
                    _ => &signature::RSA_PKCS1_SHA256,
                };
                let mut sig = vec![0; pair.public_modulus_len()];
                pair.sign(encoding, &rng, message, &mut sig).expect("RSA signing");
                sig
            }
            Private::Ec(pair) => pair.sign(&rng, message).expect("ECDSA signing").as_ref().to_vec(),
            Private::Ed(pair) => pair.sign(message).as_ref().to_vec(),
        }
    }
}

/// A JWKS document holding the public keys of `signers`.
pub fn jwks_json(signers: &[&TestSigner]) -> String {
    json!({"keys": signers.iter().map(|s| s.jwk()).collect::<Vec<_>>()}).to_string()
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A clock that stands still until the test moves it. Clones share the time.
///
/// ```
/// use scalekit_auth::{Clock, testing::ManualClock};
/// let clock = ManualClock::at(1_000);
/// clock.advance(30);
/// assert_eq!(clock.now_seconds(), 1_030);
/// ```
#[derive(Debug, Clone)]
pub struct ManualClock(Arc<AtomicI64>);

impl ManualClock {
    /// A clock reading `seconds` since the epoch.
    pub fn at(seconds: i64) -> Self {
        ManualClock(Arc::new(AtomicI64::new(seconds * 1000)))
    }

    /// Moves the clock forward (or back, with a negative value).
    pub fn advance(&self, seconds: i64) {
        self.0.fetch_add(seconds * 1000, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now_millis(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}
