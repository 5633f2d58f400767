//! Every validation rule of DESIGN.md, accepted and rejected, against an in-process
//! provider on 127.0.0.1.

mod support;

use scalekit_auth::testing::{ManualClock, TestSigner, jwks_json};
use scalekit_auth::{Algorithm, Config, Error, ScalekitAuth};
use serde_json::json;
use support::{CLIENT_ID, NOW, Provider, patched};

async fn setup() -> (Provider, ManualClock, ScalekitAuth) {
    let provider = Provider::start().await;
    let clock = ManualClock::at(NOW);
    let client = provider.client(&clock);
    (provider, clock, client)
}

async fn code_of(client: &ScalekitAuth, token: &str) -> &'static str {
    client.validate_access_token(token).await.unwrap_err().code()
}

#[tokio::test]
async fn a_valid_access_token_returns_typed_claims() {
    let (provider, _clock, client) = setup().await;
    let token =
        provider.signer.sign(&patched(&provider.claims(), json!({"scopes": ["billing"], "tier": "gold"})));
    let claims = client.validate_access_token(&token).await.unwrap();
    assert_eq!(claims.sub, "usr_123");
    assert_eq!(claims.iss, provider.url());
    assert_eq!(claims.aud, [CLIENT_ID]);
    assert_eq!(claims.exp, NOW + 300);
    assert_eq!(claims.oid.as_deref(), Some("org_1"));
    assert_eq!(claims.sid.as_deref(), Some("ses_1"));
    assert_eq!(claims.roles, ["admin"]);
    assert_eq!(claims.permissions, ["read:all"]);
    assert_eq!(claims.scopes, ["openid", "profile", "billing"]);
    assert_eq!(claims.get("tier"), Some(&json!("gold")));
}

#[tokio::test]
async fn every_supported_algorithm_verifies() {
    for alg in [
        Algorithm::RS256,
        Algorithm::RS384,
        Algorithm::RS512,
        Algorithm::PS256,
        Algorithm::PS384,
        Algorithm::PS512,
        Algorithm::ES256,
        Algorithm::ES384,
        Algorithm::EdDSA,
    ] {
        let provider = Provider::with_signer(TestSigner::new(alg, format!("k-{alg}"))).await;
        let client = provider.client(&ManualClock::at(NOW));
        let token = provider.signer.sign(&provider.claims());
        let result = client.validate_access_token(&token).await;
        assert!(result.is_ok(), "{alg}: {result:?}");
    }
}

#[tokio::test]
async fn signature_must_verify() {
    let (provider, _clock, client) = setup().await;
    let token = provider.signer.sign(&provider.claims());
    // Flip one character of the signature, then one of the payload.
    let mut bad_sig = token.clone().into_bytes();
    let last = bad_sig.len() - 2;
    bad_sig[last] = if bad_sig[last] == b'A' { b'B' } else { b'A' };
    assert_eq!(code_of(&client, std::str::from_utf8(&bad_sig).unwrap()).await, "token_signature_invalid");

    let parts: Vec<&str> = token.split('.').collect();
    let other = provider.signer.sign(&patched(&provider.claims(), json!({"sub": "usr_admin"})));
    let forged = format!("{}.{}.{}", parts[0], other.split('.').nth(1).unwrap(), parts[2]);
    assert_eq!(code_of(&client, &forged).await, "token_signature_invalid");
}

#[tokio::test]
async fn a_token_signed_by_another_key_with_the_same_kid_is_rejected() {
    let (provider, _clock, client) = setup().await;
    let impostor = TestSigner::new(Algorithm::RS256, "key-1");
    let token = impostor.sign(&provider.claims());
    assert_eq!(code_of(&client, &token).await, "token_signature_invalid");
}

#[tokio::test]
async fn none_and_hmac_are_rejected_even_with_a_valid_looking_signature() {
    let (provider, _clock, client) = setup().await;
    let claims = provider.claims().to_string();
    let b64 = |s: &str| base64_url(s.as_bytes());
    let none = format!("{}.{}.", b64(r#"{"alg":"none","kid":"key-1"}"#), b64(&claims));
    assert_eq!(code_of(&client, &none).await, "token_malformed");
    let none_sig = format!("{}.{}.AAAA", b64(r#"{"alg":"none","kid":"key-1"}"#), b64(&claims));
    assert_eq!(code_of(&client, &none_sig).await, "token_unsupported_algorithm");
    // The classic key-confusion attack: HS256 keyed with the RSA public key.
    let hs = provider.signer.sign_with_header(&json!({"alg": "HS256", "kid": "key-1"}), &provider.claims());
    assert_eq!(code_of(&client, &hs).await, "token_unsupported_algorithm");
}

#[tokio::test]
async fn the_algorithm_comes_from_the_key() {
    // An RS256 key published with alg RS256 never verifies a PS256 token, even one the
    // holder of the private key signed.
    let provider = Provider::start().await;
    let client = provider.client(&ManualClock::at(NOW));
    let ps = TestSigner::new(Algorithm::PS256, "key-1");
    let token = ps.sign(&provider.claims());
    assert_eq!(code_of(&client, &token).await, "token_key_not_found");
}

#[tokio::test]
async fn embedded_keys_and_key_urls_are_ignored() {
    let (provider, _clock, client) = setup().await;
    let attacker = TestSigner::new(Algorithm::RS256, "key-1");
    let header = json!({
        "alg": "RS256", "kid": "key-1",
        "jwk": attacker.jwk(),
        "jku": "http://127.0.0.1:1/attacker-jwks",
        "x5u": "http://127.0.0.1:1/attacker-cert",
    });
    let token = attacker.sign_with_header(&header, &provider.claims());
    assert_eq!(code_of(&client, &token).await, "token_signature_invalid");
    // The same header on a token signed by the real key is fine: the members are ignored.
    let token = provider.signer.sign_with_header(&header, &provider.claims());
    assert!(client.validate_access_token(&token).await.is_ok());
}

#[tokio::test]
async fn unknown_critical_headers_are_rejected() {
    let (provider, _clock, client) = setup().await;
    let header = json!({"alg": "RS256", "kid": "key-1", "crit": ["b64"], "b64": false});
    let token = provider.signer.sign_with_header(&header, &provider.claims());
    assert_eq!(code_of(&client, &token).await, "token_malformed");
}

#[tokio::test]
async fn expiry_is_required_and_enforced_with_leeway() {
    let (provider, clock, client) = setup().await;
    let claims = provider.claims();
    let no_exp = provider.signer.sign(&patched(&claims, json!({"exp": null})));
    assert_eq!(code_of(&client, &no_exp).await, "token_missing_claim");
    let string_exp = provider.signer.sign(&patched(&claims, json!({"exp": (NOW + 300).to_string()})));
    assert_eq!(code_of(&client, &string_exp).await, "token_invalid_claim");

    let token = provider.signer.sign(&patched(&claims, json!({"exp": NOW + 10})));
    clock.advance(10 + 59); // within the 60 s leeway
    assert!(client.validate_access_token(&token).await.is_ok());
    clock.advance(1);
    let err = client.validate_access_token(&token).await.unwrap_err();
    assert_eq!(err, Error::TokenExpired { exp: NOW + 10, now: NOW + 70, leeway: 60 });
}

#[tokio::test]
async fn leeway_is_configurable() {
    let provider = Provider::start().await;
    let clock = ManualClock::at(NOW);
    let client = ScalekitAuth::new(provider.config(&clock).leeway_seconds(0)).unwrap();
    let token = provider.signer.sign(&patched(&provider.claims(), json!({"exp": NOW + 1})));
    assert!(client.validate_access_token(&token).await.is_ok());
    clock.advance(1);
    assert_eq!(code_of(&client, &token).await, "token_expired");
}

#[tokio::test]
async fn nbf_and_iat_in_the_future_are_rejected() {
    let (provider, _clock, client) = setup().await;
    let claims = provider.claims();
    let ok = provider.signer.sign(&patched(&claims, json!({"nbf": NOW + 60, "iat": NOW + 60})));
    assert!(client.validate_access_token(&ok).await.is_ok(), "within leeway");
    let nbf = provider.signer.sign(&patched(&claims, json!({"nbf": NOW + 61})));
    let err = client.validate_access_token(&nbf).await.unwrap_err();
    assert_eq!(err.code(), "token_not_yet_valid");
    assert!(err.to_string().contains("nbf"));
    let iat = provider.signer.sign(&patched(&claims, json!({"iat": NOW + 3600})));
    let err = client.validate_access_token(&iat).await.unwrap_err();
    assert_eq!(err.code(), "token_not_yet_valid");
    assert!(err.to_string().contains("iat"));
}

#[tokio::test]
async fn issuer_must_match_exactly() {
    let (provider, _clock, client) = setup().await;
    let claims = provider.claims();
    for iss in [
        json!("https://evil.example"),
        json!(format!("{}/", provider.url())),
        json!(provider.url().to_uppercase()),
    ] {
        let token = provider.signer.sign(&patched(&claims, json!({ "iss": iss })));
        assert_eq!(code_of(&client, &token).await, "token_invalid_issuer", "{iss}");
    }
    let token = provider.signer.sign(&patched(&claims, json!({"iss": null})));
    assert_eq!(code_of(&client, &token).await, "token_missing_claim");
}

#[tokio::test]
async fn a_configured_issuer_list_replaces_discovery() {
    let provider = Provider::start().await;
    let clock = ManualClock::at(NOW);
    let config = provider.config(&clock).issuer(["https://a.example", "https://b.example"]);
    let client = ScalekitAuth::new(config).unwrap();
    let b = provider.signer.sign(&patched(&provider.claims(), json!({"iss": "https://b.example"})));
    assert!(client.validate_access_token(&b).await.is_ok());
    let own = provider.signer.sign(&provider.claims());
    assert_eq!(code_of(&client, &own).await, "token_invalid_issuer");
}

#[tokio::test]
async fn audience_must_contain_the_client_id_or_a_configured_audience() {
    let provider = Provider::start().await;
    let clock = ManualClock::at(NOW);
    let claims = provider.claims();
    let client = provider.client(&clock);
    for aud in [json!("other"), json!(["other", "more"]), json!([])] {
        let token = provider.signer.sign(&patched(&claims, json!({ "aud": aud })));
        assert_eq!(code_of(&client, &token).await, "token_invalid_audience", "{aud}");
    }
    let string_aud = provider.signer.sign(&patched(&claims, json!({"aud": CLIENT_ID})));
    assert!(client.validate_access_token(&string_aud).await.is_ok());

    let api = ScalekitAuth::new(provider.config(&clock).audience(["https://api.example"])).unwrap();
    let token = provider.signer.sign(&patched(&claims, json!({"aud": ["https://api.example"]})));
    assert!(api.validate_access_token(&token).await.is_ok());
    assert_eq!(code_of(&client, &token).await, "token_invalid_audience");
    // ID tokens accept the client id only, never the API audience.
    let id_token = provider.signer.sign(&patched(&claims, json!({"aud": ["https://api.example"]})));
    assert_eq!(api.validate_id_token(&id_token, None).await.unwrap_err().code(), "token_invalid_audience");
}

#[tokio::test]
async fn azp_must_name_the_client_when_there_are_several_audiences() {
    let (provider, _clock, client) = setup().await;
    let claims = provider.claims();
    let other = provider.signer.sign(&patched(&claims, json!({"aud": [CLIENT_ID, "x"], "azp": "intruder"})));
    assert_eq!(code_of(&client, &other).await, "token_invalid_audience");
    let ours = provider.signer.sign(&patched(&claims, json!({"aud": [CLIENT_ID, "x"], "azp": CLIENT_ID})));
    assert!(client.validate_access_token(&ours).await.is_ok());
    let single = provider.signer.sign(&patched(&claims, json!({"aud": [CLIENT_ID], "azp": "someone"})));
    assert!(
        client.validate_access_token(&single).await.is_ok(),
        "azp is only checked with several audiences"
    );
}

#[tokio::test]
async fn id_token_nonce_is_checked() {
    let (provider, _clock, client) = setup().await;
    let claims =
        patched(&provider.claims(), json!({"nonce": "n-123", "email": "a@b.c", "email_verified": true}));
    let token = provider.signer.sign(&claims);
    let ok = client.validate_id_token(&token, Some("n-123")).await.unwrap();
    assert_eq!(ok.email.as_deref(), Some("a@b.c"));
    assert_eq!(ok.email_verified, Some(true));
    assert!(client.validate_id_token(&token, None).await.is_ok());
    let err = client.validate_id_token(&token, Some("other")).await.unwrap_err();
    assert_eq!(err.code(), "token_invalid_nonce");
    let without = provider.signer.sign(&provider.claims());
    assert_eq!(
        client.validate_id_token(&without, Some("n-123")).await.unwrap_err().code(),
        "token_invalid_nonce"
    );
}

#[tokio::test]
async fn oversized_tokens_are_rejected_before_any_decoding() {
    let (provider, _clock, client) = setup().await;
    let huge = "A".repeat(1 << 20);
    let err = client.validate_access_token(&huge).await.unwrap_err();
    assert_eq!(err, Error::TokenTooLarge { size: 1 << 20, max: 16384 });
    // Nothing was fetched: the token was refused before looking for a key.
    assert_eq!(provider.hits("/keys").await, 0);
    // A real token over a custom cap is refused too.
    let small = ScalekitAuth::new(provider.config(&ManualClock::at(NOW)).max_token_bytes(100)).unwrap();
    let token = provider.signer.sign(&provider.claims());
    assert_eq!(small.validate_access_token(&token).await.unwrap_err().code(), "token_too_large");
}

#[tokio::test]
async fn malformed_inputs_get_typed_errors_and_never_panic() {
    let (provider, _clock, client) = setup().await;
    let valid = provider.signer.sign(&provider.claims());
    let mut inputs: Vec<String> = vec![
        "".into(),
        ".".into(),
        "..".into(),
        "...".into(),
        "a.b.c".into(),
        "e30.e30.e30".into(),
        format!("{valid}."),
        format!(" {valid}"),
        valid.replace('.', ".."),
        "\u{0}\u{1}\u{2}".into(),
        "ü.ö.ä".into(),
    ];
    // Every prefix and single-byte mutation of a valid token.
    for cut in (0..valid.len()).step_by(7) {
        inputs.push(valid[..cut].to_owned());
    }
    for i in (0..valid.len()).step_by(11) {
        let mut bytes = valid.clone().into_bytes();
        bytes[i] ^= 0x01;
        inputs.push(String::from_utf8_lossy(&bytes).into_owned());
    }
    for input in &inputs {
        let err = client.validate_access_token(input).await.unwrap_err();
        assert!(err.code().starts_with("token_"), "{input:?} gave {err:?}");
    }
    // Payloads that are signed but not claims.
    for payload in ["null", "[]", "\"str\"", "{", "{\"sub\":\"a\"}"] {
        let token = provider.signer.sign_raw(br#"{"alg":"RS256","kid":"key-1"}"#, payload.as_bytes());
        let err = client.validate_access_token(&token).await.unwrap_err();
        assert!(matches!(err.code(), "token_malformed" | "token_missing_claim"), "{payload}: {err:?}");
    }
}

#[tokio::test]
async fn weak_and_encryption_keys_are_never_used() {
    let provider = Provider::start().await;
    let good = TestSigner::new(Algorithm::RS256, "good");
    let enc = TestSigner::new(Algorithm::RS256, "enc");
    let mut enc_jwk = enc.jwk();
    enc_jwk["use"] = json!("enc");
    // A 1024-bit modulus (top bit set): refused whatever it signs.
    let weak_jwk = json!({"kty": "RSA", "kid": "weak", "n": base64_url(&[0xC1; 128]), "e": "AQAB"});
    let body =
        json!({"keys": [good.jwk(), enc_jwk, weak_jwk, {"kty": "oct", "k": "c2VjcmV0", "kid": "hmac"}]});
    provider.reset().await;
    provider.mount_discovery().await;
    provider.serve_jwks_body(body.to_string(), std::time::Duration::ZERO).await;
    let client = provider.client(&ManualClock::at(NOW));

    assert!(client.validate_access_token(&good.sign(&provider.claims())).await.is_ok());
    assert_eq!(code_of(&client, &enc.sign(&provider.claims())).await, "token_key_not_found");
    let weak = provider.signer.sign_with_header(&json!({"alg": "RS256", "kid": "weak"}), &provider.claims());
    assert_eq!(code_of(&client, &weak).await, "token_key_not_found");
    assert_eq!(client.jwks_status().key_ids, ["good"]);
}

#[tokio::test]
async fn a_token_without_kid_uses_the_only_candidate_key() {
    let (provider, _clock, client) = setup().await;
    let token = provider.signer.sign_with_header(&json!({"alg": "RS256"}), &provider.claims());
    assert!(client.validate_access_token(&token).await.is_ok());

    let second = TestSigner::new(Algorithm::RS256, "key-2");
    provider.reset().await;
    provider.mount_discovery().await;
    provider.serve_keys(&[&provider.signer, &second], std::time::Duration::ZERO).await;
    let fresh = provider.client(&ManualClock::at(NOW));
    assert_eq!(code_of(&fresh, &token).await, "token_key_not_found", "ambiguous without kid");
}

#[tokio::test]
async fn no_network_call_at_construction_and_config_errors_are_typed() {
    let provider = Provider::start().await;
    let _client = provider.client(&ManualClock::at(NOW));
    assert_eq!(provider.server.received_requests().await.unwrap().len(), 0);
    let err = ScalekitAuth::new(Config::new("http://example.com", CLIENT_ID, "s")).unwrap_err();
    assert_eq!(err.code(), "invalid_config");
    assert!(err.to_string().contains("SCALEKIT_ENVIRONMENT_URL"));
}

#[tokio::test]
async fn without_discovery_the_scalekit_paths_and_environment_issuer_are_used() {
    let signer = TestSigner::new(Algorithm::RS256, "key-1");
    let server = wiremock::MockServer::start().await;
    wiremock::Mock::given(wiremock::matchers::path("/keys"))
        .respond_with(
            wiremock::ResponseTemplate::new(200).set_body_raw(jwks_json(&[&signer]), "application/json"),
        )
        .mount(&server)
        .await;
    // Trailing slash on the environment URL is harmless.
    let config = Config::new(format!("{}/", server.uri()), CLIENT_ID, "s").clock(ManualClock::at(NOW));
    let client = ScalekitAuth::new(config).unwrap();
    let claims = json!({"iss": server.uri(), "sub": "u", "aud": CLIENT_ID, "exp": NOW + 60});
    assert!(client.validate_access_token(&signer.sign(&claims)).await.is_ok());
    let meta = client.provider_metadata().await.unwrap();
    assert!(!meta.from_discovery);
    assert_eq!(meta.token_endpoint, format!("{}/oauth/token", server.uri()));
}

fn base64_url(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}
