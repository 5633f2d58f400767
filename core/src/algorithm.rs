//! The signature algorithms accepted for provider tokens.

use std::fmt;

use aws_lc_rs::signature::{self, RsaParameters, VerificationAlgorithm};

/// A JWS algorithm this library verifies. `none` and every HMAC algorithm are absent on
/// purpose: a token from the provider is always signed with an asymmetric key.
///
/// ```
/// use scalekit_auth::Algorithm;
/// assert_eq!(Algorithm::from_name("RS256"), Some(Algorithm::RS256));
/// assert_eq!(Algorithm::from_name("HS256"), None);
/// assert_eq!(Algorithm::from_name("none"), None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Algorithm {
    /// RSASSA-PKCS1-v1_5 with SHA-256 (Scalekit's algorithm).
    RS256,
    /// RSASSA-PKCS1-v1_5 with SHA-384.
    RS384,
    /// RSASSA-PKCS1-v1_5 with SHA-512.
    RS512,
    /// RSASSA-PSS with SHA-256.
    PS256,
    /// RSASSA-PSS with SHA-384.
    PS384,
    /// RSASSA-PSS with SHA-512.
    PS512,
    /// ECDSA on P-256 with SHA-256.
    ES256,
    /// ECDSA on P-384 with SHA-384.
    ES384,
    /// Ed25519.
    EdDSA,
}

impl Algorithm {
    /// All RSA algorithms, for RSA keys that do not name one.
    pub(crate) const RSA: [Algorithm; 6] = [
        Algorithm::RS256,
        Algorithm::RS384,
        Algorithm::RS512,
        Algorithm::PS256,
        Algorithm::PS384,
        Algorithm::PS512,
    ];

    /// Parses a JOSE `alg` name; `None` for names that are never accepted.
    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "RS256" => Algorithm::RS256,
            "RS384" => Algorithm::RS384,
            "RS512" => Algorithm::RS512,
            "PS256" => Algorithm::PS256,
            "PS384" => Algorithm::PS384,
            "PS512" => Algorithm::PS512,
            "ES256" => Algorithm::ES256,
            "ES384" => Algorithm::ES384,
            "EdDSA" => Algorithm::EdDSA,
            _ => return None,
        })
    }

    /// The JOSE `alg` name.
    pub fn name(self) -> &'static str {
        match self {
            Algorithm::RS256 => "RS256",
            Algorithm::RS384 => "RS384",
            Algorithm::RS512 => "RS512",
            Algorithm::PS256 => "PS256",
            Algorithm::PS384 => "PS384",
            Algorithm::PS512 => "PS512",
            Algorithm::ES256 => "ES256",
            Algorithm::ES384 => "ES384",
            Algorithm::EdDSA => "EdDSA",
        }
    }

    /// The aws-lc-rs verification parameters. RSA parameters refuse moduli outside
    /// 2048..=8192 bits at verification time as a second line behind the key parser.
    pub(crate) fn verification(self) -> &'static dyn VerificationAlgorithm {
        if let Some(rsa) = self.rsa_parameters() {
            return rsa;
        }
        match self {
            Algorithm::ES256 => &signature::ECDSA_P256_SHA256_FIXED,
            Algorithm::ES384 => &signature::ECDSA_P384_SHA384_FIXED,
            _ => &signature::ED25519,
        }
    }

    /// The RSA parameters, for RSA algorithms only.
    pub(crate) fn rsa_parameters(self) -> Option<&'static RsaParameters> {
        Some(match self {
            Algorithm::RS256 => &signature::RSA_PKCS1_2048_8192_SHA256,
            Algorithm::RS384 => &signature::RSA_PKCS1_2048_8192_SHA384,
            Algorithm::RS512 => &signature::RSA_PKCS1_2048_8192_SHA512,
            Algorithm::PS256 => &signature::RSA_PSS_2048_8192_SHA256,
            Algorithm::PS384 => &signature::RSA_PSS_2048_8192_SHA384,
            Algorithm::PS512 => &signature::RSA_PSS_2048_8192_SHA512,
            Algorithm::ES256 | Algorithm::ES384 | Algorithm::EdDSA => return None,
        })
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
