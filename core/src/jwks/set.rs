//! A parsed JSON Web Key Set and the lookup of the key that verifies a token.

use std::sync::Arc;

use serde::Deserialize;

use super::key::{JwkFields, VerifyingKey};
use crate::algorithm::Algorithm;
use crate::error::{Error, Result};

/// A key of the set that cannot verify signatures, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedKey {
    /// The key's `kid`, if it has one.
    pub kid: Option<String>,
    /// Why it is not used (encryption key, RSA under 2048 bits, unsupported curve...).
    pub reason: String,
}

/// The provider's public signing keys, each parsed once for the algorithms it may
/// verify. Keys that must not verify signatures are kept out and listed in
/// [`JwkSet::skipped`].
///
/// ```
/// let set = scalekit_auth::JwkSet::from_json(br#"{"keys":[{"kty":"oct","k":"c2VjcmV0"}]}"#)?;
/// assert!(set.is_empty());
/// assert_eq!(set.skipped().len(), 1);
/// # Ok::<(), scalekit_auth::Error>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct JwkSet {
    keys: Vec<Arc<VerifyingKey>>,
    skipped: Vec<SkippedKey>,
}

#[derive(Deserialize)]
struct JwksDocument {
    keys: Vec<serde_json::Value>,
}

/// The outcome of looking a token's key up.
pub(crate) enum Lookup<'a> {
    Found(&'a Arc<VerifyingKey>),
    /// A key has this kid but may not verify this algorithm: a refetch will not help.
    AlgorithmMismatch,
    /// No key has this kid (or, for a token without kid, no single candidate exists).
    Unknown,
}

impl JwkSet {
    /// Parses a JWKS document (`{"keys": [...]}`).
    pub fn from_json(json: &[u8]) -> Result<Self> {
        let doc: JwksDocument = serde_json::from_slice(json)
            .map_err(|e| Error::JwksUnavailable(format!("the key set is not a JWKS document ({e})")))?;
        let mut set = JwkSet::default();
        for value in doc.keys {
            let kid = value.get("kid").and_then(|k| k.as_str()).map(str::to_owned);
            let parsed = serde_json::from_value::<JwkFields>(value)
                .map_err(|e| format!("not a JWK ({e})"))
                .and_then(VerifyingKey::from_jwk);
            match parsed {
                Ok(key) => set.keys.push(Arc::new(key)),
                Err(reason) => set.skipped.push(SkippedKey { kid, reason }),
            }
        }
        Ok(set)
    }

    /// Whether the set holds no usable key.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The `kid`s of the usable keys.
    pub fn key_ids(&self) -> Vec<String> {
        self.keys.iter().filter_map(|k| k.kid.clone()).collect()
    }

    /// The keys left out, with reasons.
    pub fn skipped(&self) -> &[SkippedKey] {
        &self.skipped
    }

    pub(crate) fn lookup(&self, kid: Option<&str>, alg: Algorithm) -> Lookup<'_> {
        match kid {
            Some(kid) => {
                let mut kid_seen = false;
                for key in self.keys.iter().filter(|k| k.kid.as_deref() == Some(kid)) {
                    kid_seen = true;
                    if key.for_algorithm(alg).is_some() {
                        return Lookup::Found(key);
                    }
                }
                if kid_seen { Lookup::AlgorithmMismatch } else { Lookup::Unknown }
            }
            // Without a kid, only an unambiguous key is used: trying every key would
            // multiply the cost of each forged token by the size of the set.
            None => {
                let mut candidates = self.keys.iter().filter(|k| k.for_algorithm(alg).is_some());
                match (candidates.next(), candidates.next()) {
                    (Some(only), None) => Lookup::Found(only),
                    _ => Lookup::Unknown,
                }
            }
        }
    }
}

impl JwkSet {
    /// Verifies a compact JWS with this key set and returns its payload, without any
    /// claim checks: the building block of token validation, also usable for offline
    /// checks. The same strict parsing applies (size cap of 16 KiB, allowed algorithms,
    /// `crit`, key selection by `kid` and algorithm).
    pub fn verify_jws(&self, token: &str) -> Result<Vec<u8>> {
        let jws = crate::token::compact::CompactJws::parse(token, 16 * 1024)?;
        match self.lookup(jws.header.kid.as_deref(), jws.alg) {
            Lookup::Found(key) => jws.verify(key),
            _ => Err(Error::TokenKeyNotFound { kid: jws.header.kid.clone(), alg: jws.alg.name().to_owned() }),
        }
    }
}
