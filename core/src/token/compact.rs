//! JWS compact serialization (RFC 7515 §7.1), parsed strictly: three unpadded base64url
//! parts, a JSON object header whose `alg` is accepted and whose `crit` we understand.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;

use crate::algorithm::Algorithm;
use crate::error::{Error, Result};
use crate::jwks::key::VerifyingKey;

/// The protected header members this library reads. `jku`, `x5u`, `x5c` and `jwk` are
/// deliberately not read: a token must never choose the key that verifies it.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Header {
    pub(crate) alg: String,
    #[serde(default)]
    pub(crate) kid: Option<String>,
    #[serde(default)]
    crit: Option<Vec<String>>,
    /// The media type of the whole token (RFC 7515 §4.1.9): `at+jwt` for access tokens
    /// (RFC 9068), `logout+jwt` for logout tokens.
    #[serde(default)]
    pub(crate) typ: Option<String>,
}

impl Header {
    /// The other token type a `typ` header names, if it names one: `logout+jwt` and any
    /// other `+jwt` type but `at+jwt` (RFC 9068) are never access tokens. `JWT`, `JOSE`
    /// or no `typ` say nothing. The comparison ignores case and an `application/`
    /// prefix (RFC 7515 §4.1.9).
    pub(crate) fn other_token_type(&self) -> Option<&'static str> {
        let typ = self.typ.as_deref()?.to_ascii_lowercase();
        let typ = typ.strip_prefix("application/").unwrap_or(&typ);
        match typ {
            "at+jwt" => None,
            "logout+jwt" => Some("a logout token"),
            t if t.ends_with("+jwt") => Some("a token of another type"),
            _ => None,
        }
    }
}

/// A compact JWS whose structure and header have been checked, not yet its signature.
#[derive(Debug)]
pub(crate) struct CompactJws<'a> {
    pub(crate) header: Header,
    pub(crate) alg: Algorithm,
    /// `BASE64URL(header) || '.' || BASE64URL(payload)`, the signed bytes.
    signing_input: &'a str,
    payload_b64: &'a str,
    signature: Vec<u8>,
}

impl<'a> CompactJws<'a> {
    /// Parses `token`, refusing anything over `max_bytes` before looking at it.
    pub(crate) fn parse(token: &'a str, max_bytes: usize) -> Result<Self> {
        // 1. Size cap first: nothing is decoded from an oversized token.
        if token.len() > max_bytes {
            return Err(Error::TokenTooLarge { size: token.len(), max: max_bytes });
        }
        // 2. Exactly three parts (RFC 7515 §7.1); JSON serialization is not accepted.
        let mut parts = token.split('.');
        let (Some(header_b64), Some(payload_b64), Some(signature_b64), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(Error::malformed("expected three base64url parts separated by '.'"));
        };
        if header_b64.is_empty() || signature_b64.is_empty() {
            return Err(Error::malformed("the header or signature part is empty"));
        }
        let signing_input = &token[..header_b64.len() + 1 + payload_b64.len()];
        // 3. The header: strict base64url, then a JSON object.
        let header_json = decode_part(header_b64, "header")?;
        let header: Header = serde_json::from_slice(&header_json)
            .map_err(|e| Error::malformed(format!("the header is not a valid JOSE header ({e})")))?;
        // 4. The algorithm comes from an allow-list; `none` and HMAC are never on it.
        let alg = Algorithm::from_name(&header.alg)
            .ok_or_else(|| Error::TokenUnsupportedAlgorithm(header.alg.clone()))?;
        // 5. RFC 7515 §4.1.11: a critical extension we do not understand invalidates the
        //    token; an empty list is itself invalid. We implement no extension.
        if let Some(crit) = &header.crit {
            return Err(Error::malformed(if crit.is_empty() {
                "the \"crit\" header is an empty list".to_owned()
            } else {
                format!("the header marks unsupported extensions as critical: {crit:?}")
            }));
        }
        let signature = decode_part(signature_b64, "signature")?;
        // The payload is decoded only after the signature verifies; check its alphabet now.
        if !payload_b64.bytes().all(is_base64url_byte) {
            return Err(Error::malformed("the payload is not unpadded base64url"));
        }
        Ok(CompactJws { header, alg, signing_input, payload_b64, signature })
    }

    /// Verifies the signature with `key` and returns the decoded payload.
    pub(crate) fn verify(&self, key: &VerifyingKey) -> Result<Vec<u8>> {
        if !key.verify(self.alg, self.signing_input.as_bytes(), &self.signature) {
            return Err(Error::TokenSignatureInvalid);
        }
        decode_part(self.payload_b64, "payload")
    }
}

fn is_base64url_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'_'
}

/// Decodes one part: URL-safe alphabet, no padding, no stray trailing bits.
fn decode_part(part: &str, name: &str) -> Result<Vec<u8>> {
    URL_SAFE_NO_PAD
        .decode(part)
        .map_err(|e| Error::malformed(format!("the {name} is not unpadded base64url ({e})")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b64(s: &str) -> String {
        URL_SAFE_NO_PAD.encode(s)
    }

    fn token_with_header(header: &str) -> String {
        format!("{}.{}.{}", b64(header), b64("{}"), b64("sig"))
    }

    fn err(token: &str) -> Error {
        CompactJws::parse(token, 16384).unwrap_err()
    }

    #[test]
    fn structure_errors_are_malformed() {
        for token in ["", "a", "a.b", "a.b.c.d", ".b.c", "a.b.", "e30.e30.c2ln=", "e30.e30 .c2ln"] {
            assert_eq!(err(token).code(), "token_malformed", "{token:?}");
        }
    }

    #[test]
    fn header_must_be_a_json_object_with_an_accepted_alg() {
        assert_eq!(err(&token_with_header("[]")).code(), "token_malformed");
        assert_eq!(err(&token_with_header("not json")).code(), "token_malformed");
        assert_eq!(err(&token_with_header(r#"{"kid":"k"}"#)).code(), "token_malformed");
        assert_eq!(err(&token_with_header(r#"{"alg":"RS256","alg":"none"}"#)).code(), "token_malformed");
        for alg in ["none", "HS256", "HS512", "ES512", "RSA-OAEP", ""] {
            let header = format!(r#"{{"alg":"{alg}"}}"#);
            assert_eq!(err(&token_with_header(&header)).code(), "token_unsupported_algorithm", "{alg}");
        }
    }

    #[test]
    fn critical_extensions_are_rejected() {
        let e = err(&token_with_header(r#"{"alg":"RS256","crit":["exp"],"exp":1}"#));
        assert_eq!(e.code(), "token_malformed");
        assert!(e.to_string().contains("critical"));
        assert_eq!(err(&token_with_header(r#"{"alg":"RS256","crit":[]}"#)).code(), "token_malformed");
    }

    #[test]
    fn key_urls_in_the_header_are_ignored() {
        let header = r#"{"alg":"RS256","kid":"k","jku":"https://evil.example/jwks","x5u":"https://evil.example/c","jwk":{"kty":"RSA"}}"#;
        let token = token_with_header(header);
        let jws = CompactJws::parse(&token, 16384).unwrap();
        assert_eq!(jws.header.kid.as_deref(), Some("k"));
    }

    #[test]
    fn oversized_tokens_are_refused_before_decoding() {
        let big = "a".repeat(1 << 20);
        let e = CompactJws::parse(&big, 16384).unwrap_err();
        assert_eq!(e, Error::TokenTooLarge { size: 1 << 20, max: 16384 });
    }
}
