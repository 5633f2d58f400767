//! Webhook and interceptor signatures (the Standard Webhooks scheme Scalekit uses).
//!
//! 1. Headers `{prefix}-id`, `{prefix}-timestamp`, `{prefix}-signature`, matched
//!    case-insensitively.
//! 2. The timestamp is within ±300 s of now.
//! 3. The signed content is `"{id}.{timestamp}.{raw body}"`, HMAC-SHA256 keyed with the
//!    base64-decoded part of the secret after `whsec_`.
//! 4. The signature header holds space-separated `v1,<base64>` entries; one matching
//!    entry (compared in constant time) suffices.

use aws_lc_rs::hmac;
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};

use crate::error::{Error, Result};

/// Seconds a webhook timestamp may differ from now.
pub const WEBHOOK_TOLERANCE_SECONDS: i64 = 300;

/// Which family of headers a signed payload carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WebhookKind {
    /// `webhook-id`, `webhook-timestamp`, `webhook-signature`.
    Webhook,
    /// `interceptor-id`, `interceptor-timestamp`, `interceptor-signature`.
    Interceptor,
}

impl WebhookKind {
    fn prefix(self) -> &'static str {
        match self {
            WebhookKind::Webhook => "webhook",
            WebhookKind::Interceptor => "interceptor",
        }
    }
}

/// Verifies a payload against its headers at time `now`.
pub(crate) fn verify<'a, H>(kind: WebhookKind, secret: &str, headers: H, body: &[u8], now: i64) -> Result<()>
where
    H: IntoIterator<Item = (&'a str, &'a str)>,
{
    let key = signing_key(secret)?;
    let prefix = kind.prefix();
    let (mut id, mut timestamp, mut signature) = (None, None, None);
    for (name, value) in headers {
        let (Some(head), Some(suffix)) = (name.get(..prefix.len()), name.get(prefix.len()..)) else {
            continue;
        };
        if !head.eq_ignore_ascii_case(prefix) {
            continue;
        }
        if suffix.eq_ignore_ascii_case("-id") {
            id = Some(value.trim());
        } else if suffix.eq_ignore_ascii_case("-timestamp") {
            timestamp = Some(value.trim());
        } else if suffix.eq_ignore_ascii_case("-signature") {
            signature = Some(value.trim());
        }
    }
    let missing = |h: &str| Error::WebhookMalformed(format!("the {prefix}-{h} header is missing or empty"));
    let id = id.filter(|v| !v.is_empty()).ok_or_else(|| missing("id"))?;
    let timestamp_text = timestamp.filter(|v| !v.is_empty()).ok_or_else(|| missing("timestamp"))?;
    let signature = signature.filter(|v| !v.is_empty()).ok_or_else(|| missing("signature"))?;

    // 2. A replayed or delayed delivery is refused before any MAC work.
    let timestamp: i64 = timestamp_text.parse().map_err(|_| {
        Error::WebhookMalformed(format!(
            "the {prefix}-timestamp header {timestamp_text:?} is not a number of seconds"
        ))
    })?;
    // abs_diff: a timestamp near i64::MIN or MAX must not overflow the subtraction.
    if now.abs_diff(timestamp) > WEBHOOK_TOLERANCE_SECONDS.unsigned_abs() {
        return Err(Error::WebhookTimestampInvalid { timestamp, now, tolerance: WEBHOOK_TOLERANCE_SECONDS });
    }

    // 3. The signed content.
    let mut signed = Vec::with_capacity(id.len() + timestamp_text.len() + body.len() + 2);
    signed.extend_from_slice(id.as_bytes());
    signed.push(b'.');
    signed.extend_from_slice(timestamp_text.as_bytes());
    signed.push(b'.');
    signed.extend_from_slice(body);

    // 4. Any v1 entry that verifies is enough; others (other versions, garbage) are skipped.
    for entry in signature.split(' ').filter(|e| !e.is_empty()) {
        let Some(("v1", encoded)) = entry.split_once(',') else { continue };
        let Ok(tag) = STANDARD.decode(encoded) else { continue };
        if hmac::verify(&key, &signed, &tag).is_ok() {
            return Ok(());
        }
    }
    Err(Error::WebhookInvalidSignature)
}

/// The HMAC key: the base64 part of `whsec_<base64>` (a bare base64 secret is accepted).
fn signing_key(secret: &str) -> Result<hmac::Key> {
    let encoded = secret.trim().strip_prefix("whsec_").unwrap_or(secret.trim());
    let bytes = STANDARD
        .decode(encoded)
        .or_else(|_| STANDARD_NO_PAD.decode(encoded))
        .ok()
        .filter(|b| !b.is_empty())
        .ok_or_else(|| {
            Error::InvalidConfig(
                "the webhook secret must be the whsec_... value from the Scalekit dashboard (whsec_ followed by base64)"
                    .into(),
            )
        })?;
    Ok(hmac::Key::new(hmac::HMAC_SHA256, &bytes))
}

/// Verifies a webhook or interceptor payload at time `now` (seconds since the epoch),
/// for callers that keep their own clock; [`crate::ScalekitAuth::verify_webhook_payload`]
/// reads the client's.
pub fn verify_payload_at<'a>(
    kind: WebhookKind,
    secret: &str,
    headers: impl IntoIterator<Item = (&'a str, &'a str)>,
    body: &[u8],
    now: i64,
) -> Result<()> {
    verify(kind, secret, headers, body, now)
}

/// Signs a payload as the provider does: the `{prefix}-signature` header value. For
/// tests of apps that receive webhooks, and for the shared test vectors.
///
/// ```
/// let sig = scalekit_auth::sign_webhook("whsec_c2VjcmV0", "msg_1", 1_700_000_000, b"{}").unwrap();
/// assert!(sig.starts_with("v1,"));
/// ```
pub fn sign_webhook(secret: &str, id: &str, timestamp: i64, body: &[u8]) -> Result<String> {
    let key = signing_key(secret)?;
    let mut signed = format!("{id}.{timestamp}.").into_bytes();
    signed.extend_from_slice(body);
    Ok(format!("v1,{}", STANDARD.encode(hmac::sign(&key, &signed))))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const NOW: i64 = 1_700_000_000;

    fn headers(sig: &str) -> Vec<(&'static str, String)> {
        vec![
            ("Webhook-Id", "msg_1".to_owned()),
            ("WEBHOOK-TIMESTAMP", NOW.to_string()),
            ("webhook-signature", sig.to_owned()),
        ]
    }

    fn check(h: &[(&str, String)], body: &[u8], now: i64) -> Result<()> {
        verify(WebhookKind::Webhook, SECRET, h.iter().map(|(k, v)| (*k, v.as_str())), body, now)
    }

    #[test]
    fn valid_signature_with_mixed_case_headers() {
        let sig = sign_webhook(SECRET, "msg_1", NOW, b"{\"a\":1}").unwrap();
        assert!(check(&headers(&sig), b"{\"a\":1}", NOW + 299).is_ok());
        assert_eq!(check(&headers(&sig), b"{\"a\":2}", NOW).unwrap_err(), Error::WebhookInvalidSignature);
        assert_eq!(
            check(&headers(&sig), b"{\"a\":1}", NOW + 301).unwrap_err().code(),
            "webhook_timestamp_invalid"
        );
    }

    #[test]
    fn extreme_timestamps_are_refused_without_overflow() {
        for timestamp in [i64::MIN, i64::MIN + 1, -1, i64::MAX - 1, i64::MAX] {
            let sig = sign_webhook(SECRET, "msg_1", timestamp, b"x").unwrap();
            let mut h = headers(&sig);
            h[1].1 = timestamp.to_string();
            for now in [i64::MIN, 0, NOW, i64::MAX] {
                let verdict = check(&h, b"x", now);
                if now.abs_diff(timestamp) > 300 {
                    assert_eq!(
                        verdict.unwrap_err().code(),
                        "webhook_timestamp_invalid",
                        "{timestamp} at {now}"
                    );
                }
            }
        }
    }

    #[test]
    fn garbage_entries_are_skipped_and_missing_headers_named() {
        let sig = sign_webhook(SECRET, "msg_1", NOW, b"x").unwrap();
        let several = format!("v2,abc v1,!!!notbase64 v1 {sig}");
        assert!(check(&headers(&several), b"x", NOW).is_ok());
        let err = check(&headers(&sig)[..2], b"x", NOW).unwrap_err();
        assert_eq!(err.code(), "webhook_malformed");
        assert!(err.to_string().contains("webhook-signature"));
        let bad_secret = verify(WebhookKind::Webhook, "whsec_", [("webhook-id", "1")], b"", NOW).unwrap_err();
        assert_eq!(bad_secret.code(), "invalid_config");
    }
}
