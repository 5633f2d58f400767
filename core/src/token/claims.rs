//! The typed claims of a validated token.

use serde::Serialize;
use serde_json::{Map, Value};

use crate::error::{Error, Result};

/// Claim names read into typed fields; everything else is reachable through
/// [`Claims::extra`].
const KNOWN: &[&str] = &[
    "sub",
    "iss",
    "aud",
    "exp",
    "iat",
    "nbf",
    "jti",
    "sid",
    "oid",
    "client_id",
    "azp",
    "nonce",
    "roles",
    "permissions",
    "scope",
    "scopes",
    "email",
    "email_verified",
    "name",
    "given_name",
    "family_name",
    "preferred_username",
    "picture",
    "locale",
    "amr",
    "at_hash",
    "xoid",
    "xuid",
];

/// The claims of a token that passed validation.
///
/// Time claims are seconds since the Unix epoch. `aud` is always a list, and `scopes`
/// merges a space-separated `scope` string with a `scopes` array.
///
/// ```
/// let payload = br#"{"sub":"usr_1","iss":"https://a.scalekit.com","aud":"skc_1","exp":2000000000,
///                   "scope":"read write","scopes":["write","admin"],"tier":"gold"}"#;
/// let claims = scalekit_auth::Claims::from_json(payload)?;
/// assert_eq!(claims.aud, ["skc_1"]);
/// assert_eq!(claims.scopes, ["read", "write", "admin"]);
/// assert_eq!(claims.get("tier").and_then(|v| v.as_str()), Some("gold"));
/// # Ok::<(), scalekit_auth::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Claims {
    /// Subject: the user id (`usr_...`), or the client id for machine tokens.
    pub sub: String,
    /// Issuer.
    pub iss: String,
    /// Audiences.
    pub aud: Vec<String>,
    /// Expiry.
    pub exp: i64,
    /// Issued at.
    pub iat: Option<i64>,
    /// Not before.
    pub nbf: Option<i64>,
    /// Token id.
    pub jti: Option<String>,
    /// Session id at the provider.
    pub sid: Option<String>,
    /// Organization id.
    pub oid: Option<String>,
    /// The client the token was issued to.
    pub client_id: Option<String>,
    /// Authorized party.
    pub azp: Option<String>,
    /// ID-token nonce.
    pub nonce: Option<String>,
    /// Roles in the organization.
    pub roles: Vec<String>,
    /// Permissions.
    pub permissions: Vec<String>,
    /// Granted scopes (`scope` and `scopes` merged, first occurrence kept).
    pub scopes: Vec<String>,
    /// Email address.
    pub email: Option<String>,
    /// Whether the provider verified the email address.
    pub email_verified: Option<bool>,
    /// Full name.
    pub name: Option<String>,
    /// Given name.
    pub given_name: Option<String>,
    /// Family name.
    pub family_name: Option<String>,
    /// Username.
    pub preferred_username: Option<String>,
    /// Picture URL.
    pub picture: Option<String>,
    /// Locale.
    pub locale: Option<String>,
    /// Authentication methods (Scalekit puts the connection id here).
    pub amr: Vec<String>,
    /// Access-token hash of an ID token.
    pub at_hash: Option<String>,
    /// External organization id.
    pub xoid: Option<String>,
    /// External user id.
    pub xuid: Option<String>,
    #[serde(skip)]
    raw: Map<String, Value>,
}

impl Claims {
    /// Reads claims from a JSON payload, checking the type of every known claim.
    /// This checks shapes only; it is not validation (see `ScalekitAuth`).
    pub fn from_json(payload: &[u8]) -> Result<Self> {
        let raw: Map<String, Value> = serde_json::from_slice(payload)
            .map_err(|e| Error::malformed(format!("the payload is not a JSON object ({e})")))?;
        Self::from_map(raw)
    }

    pub(crate) fn from_map(raw: Map<String, Value>) -> Result<Self> {
        let r = Reader(&raw);
        let (scope_string, scopes_array) = (r.string("scope")?, r.strings("scopes")?);
        let mut scopes: Vec<String> = Vec::new();
        for s in scope_string
            .iter()
            .flat_map(|s| s.split_ascii_whitespace().map(str::to_owned))
            .chain(scopes_array)
        {
            if !scopes.contains(&s) {
                scopes.push(s);
            }
        }
        Ok(Claims {
            sub: r.string("sub")?.ok_or(Error::TokenMissingClaim("sub"))?,
            iss: r.string("iss")?.ok_or(Error::TokenMissingClaim("iss"))?,
            aud: r.strings("aud")?,
            exp: r.numeric_date("exp")?.ok_or(Error::TokenMissingClaim("exp"))?,
            iat: r.numeric_date("iat")?,
            nbf: r.numeric_date("nbf")?,
            jti: r.string("jti")?,
            sid: r.string("sid")?,
            oid: r.string("oid")?,
            client_id: r.string("client_id")?,
            azp: r.string("azp")?,
            nonce: r.string("nonce")?,
            roles: r.strings("roles")?,
            permissions: r.strings("permissions")?,
            scopes,
            email: r.string("email")?,
            email_verified: r.boolean("email_verified")?,
            name: r.string("name")?,
            given_name: r.string("given_name")?,
            family_name: r.string("family_name")?,
            preferred_username: r.string("preferred_username")?,
            picture: r.string("picture")?,
            locale: r.string("locale")?,
            amr: r.strings("amr")?,
            at_hash: r.string("at_hash")?,
            xoid: r.string("xoid")?,
            xuid: r.string("xuid")?,
            raw,
        })
    }

    /// Any claim by name, as JSON.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.raw.get(name)
    }

    /// Every claim of the token, as it was signed.
    pub fn raw(&self) -> &Map<String, Value> {
        &self.raw
    }

    /// The claims without a typed field (custom claims).
    pub fn extra(&self) -> impl Iterator<Item = (&String, &Value)> {
        self.raw.iter().filter(|(k, _)| !KNOWN.contains(&k.as_str()))
    }

    /// Whether the token grants every scope in `required`.
    pub fn has_scopes<S: AsRef<str>>(&self, required: &[S]) -> bool {
        required.iter().all(|r| self.scopes.iter().any(|s| s == r.as_ref()))
    }

    /// `Ok` when the token grants every scope in `required`, else `insufficient_scope`
    /// naming the missing ones (an API answers 403).
    pub fn require_scopes<S: AsRef<str>>(&self, required: &[S]) -> Result<()> {
        require("scope", &self.scopes, required)
    }

    /// `Ok` when the token carries every role in `required`.
    pub fn require_roles<S: AsRef<str>>(&self, required: &[S]) -> Result<()> {
        require("role", &self.roles, required)
    }

    /// `Ok` when the token carries every permission in `required`.
    pub fn require_permissions<S: AsRef<str>>(&self, required: &[S]) -> Result<()> {
        require("permission", &self.permissions, required)
    }
}

fn require<S: AsRef<str>>(kind: &'static str, granted: &[String], required: &[S]) -> Result<()> {
    let missing: Vec<String> = required
        .iter()
        .map(AsRef::as_ref)
        .filter(|r| !granted.iter().any(|g| g == r))
        .map(str::to_owned)
        .collect();
    if missing.is_empty() { Ok(()) } else { Err(Error::InsufficientScope { kind, missing }) }
}

/// Typed access to the claims map, with errors that name the claim.
pub(crate) struct Reader<'a>(pub(crate) &'a Map<String, Value>);

impl Reader<'_> {
    /// A present, non-null claim.
    pub(crate) fn value(&self, name: &str) -> Option<&Value> {
        self.0.get(name).filter(|v| !v.is_null())
    }

    pub(crate) fn string(&self, name: &str) -> Result<Option<String>> {
        match self.value(name) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(Error::invalid_claim(name, "must be a string")),
        }
    }

    /// A string or an array of strings (RFC 7519 allows both for `aud`).
    pub(crate) fn strings(&self, name: &str) -> Result<Vec<String>> {
        match self.value(name) {
            None => Ok(Vec::new()),
            Some(Value::String(s)) => Ok(vec![s.clone()]),
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| v.as_str().map(str::to_owned))
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| Error::invalid_claim(name, "must be an array of strings")),
            Some(_) => Err(Error::invalid_claim(name, "must be a string or an array of strings")),
        }
    }

    /// RFC 7519 §2 NumericDate: a JSON number (fractions allowed, truncated). Strings are
    /// refused: "1700000000" as a string is a classic way to slip past expiry checks.
    pub(crate) fn numeric_date(&self, name: &str) -> Result<Option<i64>> {
        let Some(value) = self.value(name) else { return Ok(None) };
        let Value::Number(n) = value else {
            return Err(Error::invalid_claim(name, "must be a number of seconds since the epoch"));
        };
        if let Some(i) = n.as_i64() {
            return Ok(Some(i));
        }
        match n.as_f64() {
            Some(f) if f.is_finite() && f.abs() < 1e15 => Ok(Some(f.trunc() as i64)),
            _ => Err(Error::invalid_claim(name, "is out of range")),
        }
    }

    /// A boolean; the strings "true"/"false" are read too, as some providers send them.
    pub(crate) fn boolean(&self, name: &str) -> Result<Option<bool>> {
        match self.value(name) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(Value::String(s)) if s == "true" => Ok(Some(true)),
            Some(Value::String(s)) if s == "false" => Ok(Some(false)),
            Some(_) => Err(Error::invalid_claim(name, "must be a boolean")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: &str) -> Result<Claims> {
        Claims::from_json(json.as_bytes())
    }

    #[test]
    fn required_claims_must_be_present() {
        assert_eq!(parse(r#"{"iss":"i","exp":1}"#).unwrap_err(), Error::TokenMissingClaim("sub"));
        assert_eq!(parse(r#"{"sub":"s","exp":1}"#).unwrap_err(), Error::TokenMissingClaim("iss"));
        assert_eq!(parse(r#"{"sub":"s","iss":"i"}"#).unwrap_err(), Error::TokenMissingClaim("exp"));
    }

    #[test]
    fn time_claims_must_be_numbers() {
        for bad in [r#""2000000000""#, "true", "[1]", "1e300"] {
            let json = format!(r#"{{"sub":"s","iss":"i","exp":{bad}}}"#);
            assert_eq!(parse(&json).unwrap_err().code(), "token_invalid_claim", "{bad}");
        }
        assert_eq!(parse(r#"{"sub":"s","iss":"i","exp":1.9}"#).unwrap().exp, 1);
    }

    #[test]
    fn wrong_types_name_the_claim() {
        let err = parse(r#"{"sub":"s","iss":"i","exp":1,"aud":[1]}"#).unwrap_err();
        assert_eq!(err, Error::invalid_claim("aud", "must be an array of strings"));
        let err = parse(r#"{"sub":5,"iss":"i","exp":1}"#).unwrap_err();
        assert_eq!(err.code(), "token_invalid_claim");
        assert!(parse("[1,2]").is_err());
        assert!(parse("not json").is_err());
    }

    #[test]
    fn typed_fields_and_extras() {
        let c = parse(
            r#"{"sub":"usr_1","iss":"i","exp":10,"aud":["a","b"],"roles":["admin"],"permissions":"read",
                "email_verified":"true","oid":"org_1","nonce":null,"custom":{"x":1}}"#,
        )
        .unwrap();
        assert_eq!(c.aud, ["a", "b"]);
        assert_eq!(c.roles, ["admin"]);
        assert_eq!(c.permissions, ["read"]);
        assert_eq!(c.email_verified, Some(true));
        assert_eq!(c.oid.as_deref(), Some("org_1"));
        assert_eq!(c.nonce, None);
        let extra: Vec<_> = c.extra().map(|(k, _)| k.as_str()).collect();
        assert_eq!(extra, ["custom"]);
        assert!(c.has_scopes::<&str>(&[]));
        assert!(!c.has_scopes(&["read"]));
        assert!(c.require_roles(&["admin"]).is_ok());
        assert_eq!(
            c.require_permissions(&["read", "write"]).unwrap_err(),
            Error::InsufficientScope { kind: "permission", missing: vec!["write".into()] }
        );
    }
}
