//! The typed claims of a validated token.

use std::sync::{Arc, OnceLock};

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use super::read;
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
    "events",
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
#[derive(Debug, Clone, Serialize)]
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
    /// The payload as signed; every claim is read from it.
    #[serde(skip)]
    payload: Arc<str>,
    /// Forms built on first use (most requests read typed fields only), shared by
    /// clones: the memory of verified tokens hands out clones, so a token presented
    /// again finds them built.
    #[serde(skip)]
    derived: Arc<Derived>,
    /// Whether an `events` claim is present (a logout token, OpenID Back-Channel Logout).
    #[serde(skip)]
    has_events: bool,
}

/// `scope` (space-separated) and `scopes` (a list) as one list, first occurrence kept.
fn merged_scopes(scope: Option<&RawValue>, scopes: Option<&RawValue>) -> Result<Vec<String>> {
    let mut merged: Vec<String> = Vec::new();
    let scope_string = read::string(scope, "scope")?;
    let from_string = scope_string.iter().flat_map(|s| s.split_ascii_whitespace().map(str::to_owned));
    for s in from_string.chain(read::strings(scopes, "scopes")?) {
        if !merged.contains(&s) {
            merged.push(s);
        }
    }
    Ok(merged)
}

/// One `"name":value` member after the others, the name JSON-escaped again.
fn push_member(out: &mut String, name: &str, value: &str) {
    if out.len() > 1 {
        out.push(',');
    }
    out.push_str(&Value::from(name).to_string());
    out.push(':');
    out.push_str(value);
}

/// The members of a JSON object in order, names unescaped (borrowed when they hold no
/// escape), values as their raw text.
#[derive(Default)]
struct Entries<'a>(Vec<(std::borrow::Cow<'a, str>, &'a RawValue)>);

impl<'de> Deserialize<'de> for Entries<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        struct Members;
        impl<'de> serde::de::Visitor<'de> for Members {
            type Value = Entries<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> std::result::Result<Self::Value, A::Error> {
                let mut members = Vec::new();
                while let Some(Name(name)) = map.next_key()? {
                    members.push((name, map.next_value()?));
                }
                Ok(Entries(members))
            }
        }
        deserializer.deserialize_map(Members)
    }
}

/// A member name, borrowed from the payload unless it had to be unescaped.
struct Name<'a>(std::borrow::Cow<'a, str>);

impl<'de> Deserialize<'de> for Name<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        struct Text;
        impl<'de> serde::de::Visitor<'de> for Text {
            type Value = Name<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a member name")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> std::result::Result<Self::Value, E> {
                Ok(Name(std::borrow::Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> std::result::Result<Self::Value, E> {
                Ok(Name(std::borrow::Cow::Owned(v.to_owned())))
            }
        }
        deserializer.deserialize_str(Text)
    }
}

/// The forms of the claims built on first use.
#[derive(Debug, Default)]
struct Derived {
    raw: OnceLock<Map<String, Value>>,
    json: OnceLock<Box<str>>,
}

impl PartialEq for Claims {
    fn eq(&self, other: &Self) -> bool {
        // Every field is read from the payload: equal payloads, equal claims.
        self.payload == other.payload
    }
}

/// The known claims as raw JSON text, borrowed from the payload.
#[derive(Deserialize)]
struct KnownClaims<'a> {
    #[serde(borrow)]
    sub: Option<&'a RawValue>,
    #[serde(borrow)]
    iss: Option<&'a RawValue>,
    #[serde(borrow)]
    aud: Option<&'a RawValue>,
    #[serde(borrow)]
    exp: Option<&'a RawValue>,
    #[serde(borrow)]
    iat: Option<&'a RawValue>,
    #[serde(borrow)]
    nbf: Option<&'a RawValue>,
    #[serde(borrow)]
    jti: Option<&'a RawValue>,
    #[serde(borrow)]
    sid: Option<&'a RawValue>,
    #[serde(borrow)]
    oid: Option<&'a RawValue>,
    #[serde(borrow)]
    client_id: Option<&'a RawValue>,
    #[serde(borrow)]
    azp: Option<&'a RawValue>,
    #[serde(borrow)]
    nonce: Option<&'a RawValue>,
    #[serde(borrow)]
    roles: Option<&'a RawValue>,
    #[serde(borrow)]
    permissions: Option<&'a RawValue>,
    #[serde(borrow)]
    scope: Option<&'a RawValue>,
    #[serde(borrow)]
    scopes: Option<&'a RawValue>,
    #[serde(borrow)]
    email: Option<&'a RawValue>,
    #[serde(borrow)]
    email_verified: Option<&'a RawValue>,
    #[serde(borrow)]
    name: Option<&'a RawValue>,
    #[serde(borrow)]
    given_name: Option<&'a RawValue>,
    #[serde(borrow)]
    family_name: Option<&'a RawValue>,
    #[serde(borrow)]
    preferred_username: Option<&'a RawValue>,
    #[serde(borrow)]
    picture: Option<&'a RawValue>,
    #[serde(borrow)]
    locale: Option<&'a RawValue>,
    #[serde(borrow)]
    amr: Option<&'a RawValue>,
    #[serde(borrow)]
    at_hash: Option<&'a RawValue>,
    #[serde(borrow)]
    xoid: Option<&'a RawValue>,
    #[serde(borrow)]
    xuid: Option<&'a RawValue>,
    /// Only its presence matters: it marks a logout (security event) token.
    #[serde(borrow)]
    events: Option<&'a RawValue>,
}

impl Claims {
    /// Reads claims from a JSON payload, checking the type of every known claim.
    /// This checks shapes only; it is not validation (see `ScalekitAuth`).
    pub fn from_json(payload: &[u8]) -> Result<Self> {
        let text = std::str::from_utf8(payload).map_err(|_| Error::malformed("the payload is not UTF-8"))?;
        let k: KnownClaims<'_> = read::object(text)?;
        let scopes = merged_scopes(k.scope, k.scopes)?;
        Ok(Claims {
            // A logout token may name the session (`sid`) alone; its `sub` reads as empty.
            sub: match read::string(k.sub, "sub")? {
                Some(sub) => sub,
                None if k.events.is_some() => String::new(),
                None => return Err(Error::TokenMissingClaim("sub")),
            },
            iss: read::string(k.iss, "iss")?.ok_or(Error::TokenMissingClaim("iss"))?,
            aud: read::strings(k.aud, "aud")?,
            exp: read::numeric_date(k.exp, "exp")?.ok_or(Error::TokenMissingClaim("exp"))?,
            iat: read::numeric_date(k.iat, "iat")?,
            nbf: read::numeric_date(k.nbf, "nbf")?,
            jti: read::string(k.jti, "jti")?,
            sid: read::string(k.sid, "sid")?,
            oid: read::string(k.oid, "oid")?,
            client_id: read::string(k.client_id, "client_id")?,
            azp: read::string(k.azp, "azp")?,
            nonce: read::string(k.nonce, "nonce")?,
            roles: read::strings(k.roles, "roles")?,
            permissions: read::strings(k.permissions, "permissions")?,
            scopes,
            email: read::string(k.email, "email")?,
            email_verified: read::boolean(k.email_verified, "email_verified")?,
            name: read::string(k.name, "name")?,
            given_name: read::string(k.given_name, "given_name")?,
            family_name: read::string(k.family_name, "family_name")?,
            preferred_username: read::string(k.preferred_username, "preferred_username")?,
            picture: read::string(k.picture, "picture")?,
            locale: read::string(k.locale, "locale")?,
            amr: read::strings(k.amr, "amr")?,
            at_hash: read::string(k.at_hash, "at_hash")?,
            xoid: read::string(k.xoid, "xoid")?,
            xuid: read::string(k.xuid, "xuid")?,
            payload: Arc::from(text),
            derived: Arc::default(),
            has_events: k.events.is_some(),
        })
    }

    /// What kind of token other than an access token these claims betray, if any: an
    /// ID token carries `nonce` or `at_hash` (OpenID Core §2, §3.1.3.6), a logout token
    /// an `events` claim (Back-Channel Logout §2.4).
    /// Whether the token carries an `events` claim (OpenID Back-Channel Logout).
    pub(crate) fn is_logout_token(&self) -> bool {
        self.has_events
    }

    pub(crate) fn other_token_type(&self) -> Option<&'static str> {
        if self.nonce.is_some() || self.at_hash.is_some() {
            Some("an ID token")
        } else if self.has_events {
            Some("a logout token")
        } else {
            None
        }
    }

    /// Any claim by name, as JSON.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.raw().get(name)
    }

    /// Every claim of the token, as it was signed.
    pub fn raw(&self) -> &Map<String, Value> {
        // from_json already parsed the payload as an object, so this parse succeeds.
        self.derived.raw.get_or_init(|| serde_json::from_str(&self.payload).unwrap_or_default())
    }

    /// Every claim as one JSON object, with `aud`, `roles`, `permissions`, `amr` as
    /// arrays and `scopes` merged from `scope` and `scopes`; other claims keep the text
    /// they were signed with. This is the object the JavaScript binding hands out: one
    /// `JSON.parse` there builds it faster than setting properties one by one. It is the
    /// token as signed: changes made to this value's fields do not show in it.
    ///
    /// ```
    /// let payload = br#"{"sub":"usr_1","iss":"https://a.scalekit.com","aud":"skc_1","exp":2000000000,
    ///                   "scope":"read","tier":{"level":2}}"#;
    /// let claims = scalekit_auth::Claims::from_json(payload)?;
    /// let json: serde_json::Value = serde_json::from_str(claims.to_json())?;
    /// assert_eq!(json["aud"], serde_json::json!(["skc_1"]));
    /// assert_eq!(json["scopes"], serde_json::json!(["read"]));
    /// assert_eq!(json["tier"]["level"], 2);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn to_json(&self) -> &str {
        self.derived.json.get_or_init(|| self.normalized_json())
    }

    fn normalized_json(&self) -> Box<str> {
        const LISTS: [&str; 5] = ["aud", "roles", "permissions", "scopes", "amr"];
        // Read from the payload alone, never from the public fields: the text is shared
        // by every clone, and a clone's fields may have been changed by its holder.
        // from_json already read the payload with these rules, so nothing fails here.
        let signed: Entries<'_> = serde_json::from_str(&self.payload).unwrap_or_default();
        let raw = |name: &str| signed.0.iter().rev().find(|(n, _)| n == name).map(|(_, v)| *v);
        let list = |name: &'static str| read::strings(raw(name), name).unwrap_or_default();
        let lists = [
            list("aud"),
            list("roles"),
            list("permissions"),
            merged_scopes(raw("scope"), raw("scopes")).unwrap_or_default(),
            list("amr"),
        ];
        let mut out = String::with_capacity(self.payload.len() + 64);
        out.push('{');
        // In the order signed; a repeated name is written again, and JSON.parse keeps
        // the last, as a map of the payload would.
        for (name, value) in signed.0.iter().filter(|(name, _)| !LISTS.contains(&name.as_ref())) {
            push_member(&mut out, name, value.get());
        }
        for (name, values) in LISTS.into_iter().zip(lists) {
            push_member(&mut out, name, &Value::from(values).to_string());
        }
        out.push('}');
        out.into_boxed_str()
    }

    /// The claims without a typed field (custom claims).
    pub fn extra(&self) -> impl Iterator<Item = (&String, &Value)> {
        self.raw().iter().filter(|(k, _)| !KNOWN.contains(&k.as_str()))
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

#[cfg(test)]
mod tests;
