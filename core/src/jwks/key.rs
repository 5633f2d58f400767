//! One JSON Web Key turned into a ready-to-use verification key, or a reason why it
//! cannot be used.

use aws_lc_rs::signature::{ParsedPublicKey, RsaPublicKeyComponents};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;

use crate::algorithm::Algorithm;

/// The smallest RSA modulus accepted, in bits.
pub(crate) const MIN_RSA_BITS: usize = 2048;
/// The largest RSA modulus accepted, in bits (aws-lc's verification limit).
const MAX_RSA_BITS: usize = 8192;

/// The members of a JWK that matter for verification. Unknown members are ignored and
/// every member is optional here, so one odd key never spoils a whole key set.
#[derive(Debug, Deserialize)]
pub(crate) struct JwkFields {
    kty: Option<String>,
    kid: Option<String>,
    #[serde(rename = "use")]
    use_: Option<String>,
    key_ops: Option<Vec<String>>,
    alg: Option<String>,
    crv: Option<String>,
    n: Option<String>,
    e: Option<String>,
    x: Option<String>,
    y: Option<String>,
}

/// An RFC 7638 JWK thumbprint.
pub(crate) type Thumbprint = [u8; 32];

/// A public key parsed once for each algorithm it may verify, so that verification
/// does no key parsing on the hot path.
pub(crate) struct VerifyingKey {
    pub(crate) kid: Option<String>,
    /// The RFC 7638 thumbprint (SHA-256) of the key material: what a remembered token
    /// is bound to, since a `kid` can be republished with another key.
    pub(crate) thumbprint: Thumbprint,
    /// (algorithm, parsed key) pairs; one pair unless an RSA key names no `alg`.
    parsed: Vec<(Algorithm, ParsedPublicKey)>,
}

impl std::fmt::Debug for VerifyingKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let algs: Vec<_> = self.parsed.iter().map(|(a, _)| a.name()).collect();
        f.debug_struct("VerifyingKey").field("kid", &self.kid).field("algs", &algs).finish()
    }
}

impl VerifyingKey {
    /// The parsed key for `alg`, if this key may verify it.
    pub(crate) fn for_algorithm(&self, alg: Algorithm) -> Option<&ParsedPublicKey> {
        self.parsed.iter().find(|(a, _)| *a == alg).map(|(_, k)| k)
    }

    /// Whether the signature verifies. A key never verifies an algorithm it was not
    /// parsed for.
    pub(crate) fn verify(&self, alg: Algorithm, message: &[u8], signature: &[u8]) -> bool {
        self.for_algorithm(alg).is_some_and(|k| k.verify_sig(message, signature).is_ok())
    }

    /// Parses one JWK. `Err` says why the key is not usable for verification.
    pub(crate) fn from_jwk(jwk: JwkFields) -> Result<Self, String> {
        // RFC 7517 §4.2/§4.3: a key meant for encryption must not verify signatures.
        if let Some(use_) = &jwk.use_
            && use_ != "sig"
        {
            return Err(format!("\"use\" is {use_:?}, not \"sig\""));
        }
        if let Some(ops) = &jwk.key_ops
            && !ops.iter().any(|op| op == "verify")
        {
            return Err(format!("\"key_ops\" {ops:?} does not include \"verify\""));
        }
        let declared = match jwk.alg.as_deref() {
            None => None,
            Some(name) => Some(
                Algorithm::from_name(name)
                    .ok_or_else(|| format!("\"alg\" {name:?} is not a supported signature algorithm"))?,
            ),
        };
        let kty = jwk.kty.as_deref().ok_or("no \"kty\"")?;
        let parsed = match kty {
            "RSA" => parse_rsa(&jwk, declared)?,
            "EC" => parse_ec(&jwk, declared)?,
            "OKP" => parse_okp(&jwk, declared)?,
            other => return Err(format!("\"kty\" {other:?} is not an asymmetric signing key type")),
        };
        let thumbprint = thumbprint(&jwk, kty)?;
        Ok(VerifyingKey { kid: jwk.kid, thumbprint, parsed })
    }
}

/// RFC 7638 §3: SHA-256 of the required members in lexicographic order, without
/// white space. Members are the base64url text as published (already checked to decode).
fn thumbprint(jwk: &JwkFields, kty: &str) -> Result<Thumbprint, String> {
    let members: Vec<(&str, &str)> = match kty {
        "RSA" => vec![("e", member(&jwk.e, "e")?), ("kty", kty), ("n", member(&jwk.n, "n")?)],
        "EC" => vec![
            ("crv", member(&jwk.crv, "crv")?),
            ("kty", kty),
            ("x", member(&jwk.x, "x")?),
            ("y", member(&jwk.y, "y")?),
        ],
        _ => vec![("crv", member(&jwk.crv, "crv")?), ("kty", kty), ("x", member(&jwk.x, "x")?)],
    };
    let mut canonical = serde_json::Map::new();
    for (name, value) in members {
        canonical.insert(name.to_owned(), serde_json::Value::from(value));
    }
    // serde_json's Map is ordered by key and serializes without white space.
    let json = serde_json::to_vec(&canonical).map_err(|e| e.to_string())?;
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, &json);
    let mut out = [0u8; 32];
    out.copy_from_slice(digest.as_ref());
    Ok(out)
}

fn member<'a>(value: &'a Option<String>, name: &str) -> Result<&'a str, String> {
    value.as_deref().ok_or_else(|| format!("no {name:?} member"))
}

fn decode_member(value: &Option<String>, name: &str) -> Result<Vec<u8>, String> {
    URL_SAFE_NO_PAD
        .decode(member(value, name)?)
        .map_err(|e| format!("{name:?} is not unpadded base64url ({e})"))
}

fn parse_with(alg: Algorithm, bytes: &[u8]) -> Result<(Algorithm, ParsedPublicKey), String> {
    ParsedPublicKey::new(alg.verification(), bytes)
        .map(|key| (alg, key))
        .map_err(|e| format!("not a valid {alg} public key ({e})"))
}

fn parse_rsa(
    jwk: &JwkFields,
    declared: Option<Algorithm>,
) -> Result<Vec<(Algorithm, ParsedPublicKey)>, String> {
    let algs: Vec<Algorithm> = match declared {
        Some(alg) if Algorithm::RSA.contains(&alg) => vec![alg],
        Some(alg) => return Err(format!("RSA key declares non-RSA \"alg\" {alg}")),
        None => Algorithm::RSA.to_vec(),
    };
    let n = decode_member(&jwk.n, "n")?;
    let e = decode_member(&jwk.e, "e")?;
    // Minimal big-endian is the rule (RFC 7518 §6.3.1.1); tolerate stray leading zeros.
    let n = strip_leading_zeros(&n);
    let e = strip_leading_zeros(&e);
    let bits = bit_length(n);
    if bits < MIN_RSA_BITS {
        return Err(format!("RSA key of {bits} bits is under the {MIN_RSA_BITS}-bit minimum"));
    }
    if bits > MAX_RSA_BITS {
        return Err(format!("RSA key of {bits} bits is over the {MAX_RSA_BITS}-bit maximum"));
    }
    if e.is_empty() {
        return Err("RSA exponent is zero".into());
    }
    let components = RsaPublicKeyComponents { n, e };
    algs.into_iter()
        .map(|alg| {
            let params = alg.rsa_parameters().ok_or_else(|| format!("{alg} is not an RSA algorithm"))?;
            components
                .to_parsed_public_key(params)
                .map(|key| (alg, key))
                .map_err(|e| format!("not a valid RSA public key ({e})"))
        })
        .collect()
}

fn parse_ec(
    jwk: &JwkFields,
    declared: Option<Algorithm>,
) -> Result<Vec<(Algorithm, ParsedPublicKey)>, String> {
    let (alg, size) = match member(&jwk.crv, "crv")? {
        "P-256" => (Algorithm::ES256, 32),
        "P-384" => (Algorithm::ES384, 48),
        other => return Err(format!("EC curve {other:?} is not supported (P-256, P-384)")),
    };
    if declared.is_some_and(|d| d != alg) {
        return Err(format!("EC key on {} declares \"alg\" {:?}", alg, jwk.alg));
    }
    let x = decode_member(&jwk.x, "x")?;
    let y = decode_member(&jwk.y, "y")?;
    // RFC 7518 §6.2.1.2: coordinates are the full size of the curve, no more, no less.
    if x.len() != size || y.len() != size {
        return Err(format!("EC coordinates must be {size} bytes each"));
    }
    let mut point = Vec::with_capacity(1 + 2 * size);
    point.push(0x04);
    point.extend_from_slice(&x);
    point.extend_from_slice(&y);
    Ok(vec![parse_with(alg, &point)?])
}

fn parse_okp(
    jwk: &JwkFields,
    declared: Option<Algorithm>,
) -> Result<Vec<(Algorithm, ParsedPublicKey)>, String> {
    match member(&jwk.crv, "crv")? {
        "Ed25519" => {}
        other => return Err(format!("OKP curve {other:?} is not supported (Ed25519)")),
    }
    if declared.is_some_and(|d| d != Algorithm::EdDSA) {
        return Err(format!("Ed25519 key declares \"alg\" {:?}", jwk.alg));
    }
    let x = decode_member(&jwk.x, "x")?;
    if x.len() != 32 {
        return Err("Ed25519 public key must be 32 bytes".into());
    }
    Ok(vec![parse_with(Algorithm::EdDSA, &x)?])
}

fn strip_leading_zeros(bytes: &[u8]) -> &[u8] {
    let first = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
    &bytes[first..]
}

fn bit_length(minimal: &[u8]) -> usize {
    match minimal.first() {
        None => 0,
        Some(top) => (minimal.len() - 1) * 8 + (8 - top.leading_zeros() as usize),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example of RFC 7638 §3.1.
    #[test]
    fn thumbprint_of_the_rfc_7638_example() {
        let jwk: JwkFields = serde_json::from_value(serde_json::json!({
            "kty": "RSA",
            "n": "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw",
            "e": "AQAB",
            "alg": "RS256",
            "kid": "2011-04-29"
        }))
        .unwrap();
        let key = VerifyingKey::from_jwk(jwk).unwrap();
        assert_eq!(URL_SAFE_NO_PAD.encode(key.thumbprint), "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
    }
}
