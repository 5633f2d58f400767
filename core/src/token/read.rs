//! Reading one claim from its raw JSON text with the type the rules expect, and an
//! error that names the claim when it has another.

use serde_json::value::RawValue;
use serde_json::{Number, Value};

use crate::error::{Error, Result};

type Raw<'a> = Option<&'a RawValue>;

fn text(raw: &RawValue) -> &str {
    raw.get().trim_start()
}

/// A string claim (`null` counts as absent).
pub(crate) fn string(raw: Raw<'_>, name: &str) -> Result<Option<String>> {
    let Some(raw) = raw else { return Ok(None) };
    serde_json::from_str::<Option<String>>(raw.get())
        .map_err(|_| Error::invalid_claim(name, "must be a string"))
}

/// A string or an array of strings (RFC 7519 allows both for `aud`).
pub(crate) fn strings(raw: Raw<'_>, name: &str) -> Result<Vec<String>> {
    let Some(raw) = raw else { return Ok(Vec::new()) };
    let parsed = match text(raw).as_bytes().first() {
        Some(b'"') => serde_json::from_str::<String>(raw.get()).map(|s| vec![s]).ok(),
        Some(b'[') => serde_json::from_str::<Vec<String>>(raw.get()).ok(),
        Some(b'n') => serde_json::from_str::<Option<String>>(raw.get()).ok().map(|_| Vec::new()),
        _ => None,
    };
    parsed.ok_or_else(|| Error::invalid_claim(name, "must be a string or an array of strings"))
}

/// RFC 7519 §2 NumericDate: a JSON number (fractions allowed, truncated). Strings are
/// refused: "1700000000" as a string is a classic way to slip past expiry checks.
pub(crate) fn numeric_date(raw: Raw<'_>, name: &str) -> Result<Option<i64>> {
    let Some(raw) = raw else { return Ok(None) };
    let number = serde_json::from_str::<Option<Number>>(raw.get())
        .map_err(|_| Error::invalid_claim(name, "must be a number of seconds since the epoch"))?;
    let Some(n) = number else { return Ok(None) };
    if let Some(i) = n.as_i64() {
        return Ok(Some(i));
    }
    match n.as_f64() {
        Some(f) if f.is_finite() && f.abs() < 1e15 => Ok(Some(f.trunc() as i64)),
        _ => Err(Error::invalid_claim(name, "is out of range")),
    }
}

/// A boolean; the strings "true"/"false" are read too, as some providers send them.
pub(crate) fn boolean(raw: Raw<'_>, name: &str) -> Result<Option<bool>> {
    let Some(raw) = raw else { return Ok(None) };
    match serde_json::from_str::<Value>(raw.get()) {
        Ok(Value::Null) => Ok(None),
        Ok(Value::Bool(b)) => Ok(Some(b)),
        Ok(Value::String(s)) if s == "true" => Ok(Some(true)),
        Ok(Value::String(s)) if s == "false" => Ok(Some(false)),
        _ => Err(Error::invalid_claim(name, "must be a boolean")),
    }
}

/// Parses a payload into `T` (a struct of raw claims), as a JSON object.
pub(crate) fn object<'a, T: serde::Deserialize<'a>>(payload: &'a str) -> Result<T> {
    // A derived struct would also accept a JSON array, field by position.
    if !payload.trim_start().starts_with('{') {
        return Err(Error::malformed("the payload is not a JSON object"));
    }
    serde_json::from_str(payload)
        .map_err(|e| Error::malformed(format!("the payload is not a JSON object ({e})")))
}
