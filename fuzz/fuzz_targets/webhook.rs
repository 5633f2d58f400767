//! Webhook verification: any headers and body. Only the right secret's signature passes,
//! and no timestamp overflows.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scalekit_auth::{WebhookKind, sign_webhook, verify_payload_at};

const SECRET: &str = "whsec_c2NhbGVraXQtYXV0aCBmdXp6IGtleSBvZiAzMiBieXRlcw==";

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut parts = text.splitn(5, '\n');
    let (id, timestamp, signature, now, body) = (
        parts.next().unwrap_or(""),
        parts.next().unwrap_or(""),
        parts.next().unwrap_or(""),
        parts.next().unwrap_or(""),
        parts.next().unwrap_or(""),
    );
    let now: i64 = now.parse().unwrap_or(1_767_225_600);
    let headers = [("webhook-id", id), ("webhook-timestamp", timestamp), ("webhook-signature", signature)];
    let _ = verify_payload_at(WebhookKind::Interceptor, SECRET, headers, body.as_bytes(), now);
    if verify_payload_at(WebhookKind::Webhook, SECRET, headers, body.as_bytes(), now).is_ok() {
        // Accepted: then the signature really is ours for this id, time and body.
        let ts: i64 = timestamp.trim().parse().expect("an accepted timestamp is a number");
        let ours = sign_webhook(SECRET, id.trim(), ts, body.as_bytes()).unwrap();
        assert!(signature.split(' ').any(|s| s.trim() == ours), "accepted a foreign signature");
    }
});
