//! The key cache under load and failure: single-flight, cooldown, rotation, outages.

mod support;

use std::time::Duration;

use scalekit_auth::testing::{ManualClock, TestSigner};
use scalekit_auth::{Algorithm, ScalekitAuth};
use serde_json::json;
use support::{NOW, Provider};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_concurrent_validations_on_a_cold_client_fetch_once() {
    let provider = Provider::start().await;
    // Slow keys so that every validation starts while the first fetch is in flight.
    provider.reset().await;
    provider.mount_discovery().await;
    provider.serve_keys(&[&provider.signer], Duration::from_millis(300)).await;
    let client = provider.client(&ManualClock::at(NOW));
    let token = provider.signer.sign(&provider.claims());

    let tasks: Vec<_> = (0..200)
        .map(|_| {
            let (client, token) = (client.clone(), token.clone());
            tokio::spawn(async move { client.validate_access_token(&token).await })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    assert_eq!(provider.hits("/keys").await, 1);
    assert_eq!(provider.hits("/.well-known/openid-configuration").await, 1);
}

#[tokio::test]
async fn unknown_kids_refetch_at_most_once_per_cooldown() {
    let provider = Provider::start().await;
    let clock = ManualClock::at(NOW);
    let client = provider.client(&clock);
    let forger = TestSigner::new(Algorithm::RS256, "unused");
    let forged = |i: usize| {
        forger.sign_with_header(&json!({"alg": "RS256", "kid": format!("forged-{i}")}), &json!({}))
    };

    // 300 tokens with distinct unknown kids within one cooldown: the cold fetch only.
    for i in 0..300 {
        let err = client.validate_access_token(&forged(i)).await.unwrap_err();
        assert_eq!(err.code(), "token_key_not_found");
    }
    assert_eq!(provider.hits("/keys").await, 1);

    // After the cooldown, one more fetch for the next unknown kid, then quiet again.
    clock.advance(30);
    for i in 300..600 {
        client.validate_access_token(&forged(i)).await.unwrap_err();
    }
    assert_eq!(provider.hits("/keys").await, 2);
}

#[tokio::test]
async fn a_rotated_key_is_picked_up_after_the_cooldown() {
    let provider = Provider::start().await;
    let clock = ManualClock::at(NOW);
    let client = provider.client(&clock);
    let old_token = provider.signer.sign(&provider.claims());
    client.validate_access_token(&old_token).await.unwrap();

    let rotated = TestSigner::new(Algorithm::RS256, "key-2");
    provider.reset().await;
    provider.mount_discovery().await;
    provider.serve_keys(&[&rotated], Duration::ZERO).await;
    let new_token = rotated.sign(&provider.claims());

    // Within the cooldown the new kid is unknown and no fetch happens.
    clock.advance(5);
    assert_eq!(client.validate_access_token(&new_token).await.unwrap_err().code(), "token_key_not_found");
    assert_eq!(provider.hits("/keys").await, 0, "no refetch within the cooldown");
    // Past the cooldown, the unknown kid triggers one refetch and validates.
    clock.advance(30);
    let claims = client.validate_access_token(&new_token).await.unwrap();
    assert_eq!(claims.sub, "usr_123");
    assert_eq!(client.jwks_status().key_ids, ["key-2"]);
}

#[tokio::test]
async fn keys_are_refetched_after_the_ttl() {
    let provider = Provider::start().await;
    let clock = ManualClock::at(NOW);
    let client = ScalekitAuth::new(provider.config(&clock).jwks_cache_ttl_seconds(120)).unwrap();
    let token = provider.signer.sign(&provider.claims());
    client.validate_access_token(&token).await.unwrap();
    clock.advance(119);
    client.validate_access_token(&token).await.unwrap();
    assert_eq!(provider.hits("/keys").await, 1);
    clock.advance(1);
    client.validate_access_token(&token).await.unwrap();
    assert_eq!(provider.hits("/keys").await, 2);
}

#[tokio::test]
async fn a_provider_outage_keeps_known_keys_serving_and_is_reported() {
    let provider = Provider::start().await;
    let clock = ManualClock::at(NOW);
    let client = provider.client(&clock);
    let token = provider.signer.sign(&provider.claims());
    client.validate_access_token(&token).await.unwrap();

    // The provider goes down (every path answers 503), and the TTL passes.
    provider.reset().await;
    wiremock::Mock::given(wiremock::matchers::any())
        .respond_with(wiremock::ResponseTemplate::new(503))
        .mount(&provider.server)
        .await;
    clock.advance(601);
    let token = provider.signer.sign(&patched_exp(&provider, NOW + 3600));
    let claims = client.validate_access_token(&token).await.unwrap();
    assert_eq!(claims.sub, "usr_123");
    let status = client.jwks_status();
    assert_eq!(status.last_error.as_ref().map(|e| e.code()), Some("provider_unavailable"));
    assert_eq!(status.key_ids, ["key-1"]);

    // A token needing a key we never had cannot be checked: jwks_unavailable, typed.
    clock.advance(31);
    let stranger = TestSigner::new(Algorithm::RS256, "key-9").sign(&provider.claims());
    let err = client.validate_access_token(&stranger).await.unwrap_err();
    assert_eq!(err.code(), "jwks_unavailable");
}

#[tokio::test]
async fn a_stopped_provider_gives_typed_errors_on_a_cold_client() {
    let provider = Provider::start().await;
    let token = provider.signer.sign(&provider.claims());
    // A port that nothing listens on: bind one, note it, close it.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let client = ScalekitAuth::new(
        scalekit_auth::Config::new(url, support::CLIENT_ID, "s").clock(ManualClock::at(NOW)),
    )
    .unwrap();
    let err = client.validate_access_token(&token).await.unwrap_err();
    assert_eq!(err.code(), "jwks_unavailable");
    assert!(err.to_string().contains("cannot reach"), "{err}");
}

#[tokio::test]
async fn a_slow_provider_times_out_with_a_typed_error() {
    let provider = Provider::start().await;
    provider.reset().await;
    provider.mount_discovery().await;
    provider.serve_keys(&[&provider.signer], Duration::from_secs(5)).await;
    let client = ScalekitAuth::new(provider.config(&ManualClock::at(NOW)).http_timeout_seconds(1)).unwrap();
    let err = client.validate_access_token(&provider.signer.sign(&provider.claims())).await.unwrap_err();
    assert_eq!(err.code(), "jwks_unavailable");
    assert_eq!(client.jwks_status().last_error.map(|e| e.code()), Some("provider_timeout"));
}

#[tokio::test]
async fn a_broken_key_set_does_not_replace_good_keys() {
    let provider = Provider::start().await;
    let clock = ManualClock::at(NOW);
    let client = provider.client(&clock);
    let token = provider.signer.sign(&patched_exp(&provider, NOW + 100_000));
    client.validate_access_token(&token).await.unwrap();
    for body in ["not json", r#"{"keys": []}"#, r#"{"keys": [{"kty":"oct","k":"AA"}]}"#] {
        provider.reset().await;
        provider.mount_discovery().await;
        provider.serve_jwks_body(body.into(), Duration::ZERO).await;
        clock.advance(601);
        client.validate_access_token(&token).await.unwrap();
        let status = client.jwks_status();
        assert!(status.last_error.is_some(), "{body}");
        assert_eq!(status.key_ids, ["key-1"]);
    }
}

fn patched_exp(provider: &Provider, exp: i64) -> serde_json::Value {
    support::patched(&provider.claims(), json!({ "exp": exp, "iat": NOW, "nbf": NOW }))
}

#[tokio::test]
async fn a_remembered_token_stops_validating_once_its_key_is_withdrawn() {
    let provider = Provider::start().await;
    let clock = ManualClock::at(NOW);
    let client = provider.client(&clock);
    let token = provider.signer.sign(&patched_exp(&provider, NOW + 100_000));
    client.validate_access_token(&token).await.unwrap();
    client.validate_access_token(&token).await.unwrap(); // answered from the memory of verified tokens

    let other = TestSigner::new(Algorithm::RS256, "key-2");
    provider.reset().await;
    provider.mount_discovery().await;
    provider.serve_keys(&[&other], Duration::ZERO).await;
    clock.advance(601); // past the key cache's TTL: the next use refetches the key set
    let err = client.validate_access_token(&token).await.unwrap_err();
    assert_eq!(err.code(), "token_key_not_found");
}

#[tokio::test]
async fn the_memory_of_verified_tokens_can_be_turned_off() {
    let provider = Provider::start().await;
    let clock = ManualClock::at(NOW);
    let client = ScalekitAuth::new(provider.config(&clock).verified_token_cache_size(0)).unwrap();
    let token = provider.signer.sign(&provider.claims());
    for _ in 0..3 {
        client.validate_access_token(&token).await.unwrap();
    }
    clock.advance(400);
    assert_eq!(client.validate_access_token(&token).await.unwrap_err().code(), "token_expired");
}

#[tokio::test]
async fn a_cold_client_backs_off_after_a_failed_fetch() {
    let provider = Provider::start().await;
    provider.reset().await;
    wiremock::Mock::given(wiremock::matchers::any())
        .respond_with(wiremock::ResponseTemplate::new(503))
        .mount(&provider.server)
        .await;
    let clock = ManualClock::at(NOW);
    let client = provider.client(&clock);
    let token = provider.signer.sign(&provider.claims());
    for _ in 0..20 {
        assert_eq!(client.validate_access_token(&token).await.unwrap_err().code(), "jwks_unavailable");
    }
    assert_eq!(provider.hits("/.well-known/openid-configuration").await, 1, "one attempt, then the backoff");
    // After the backoff the provider is tried again, and works once it is back.
    provider.reset().await;
    provider.mount_discovery().await;
    provider.serve_keys(&[&provider.signer], Duration::ZERO).await;
    clock.advance(2);
    client.validate_access_token(&token).await.unwrap();
}

/// A `kid` republished with other key material ends the tokens of the old key, even
/// those the memory of verified tokens already holds.
#[tokio::test]
async fn a_kid_republished_with_new_key_material_ends_remembered_tokens() {
    use scalekit_auth::testing::TestSigner;
    let provider = support::Provider::start().await;
    let clock = scalekit_auth::testing::ManualClock::at(support::NOW);
    let client = ScalekitAuth::new(provider.config(&clock).jwks_cache_ttl_seconds(1)).unwrap();
    let token = provider.signer.sign(&provider.claims());
    client.validate_access_token(&token).await.unwrap();
    client.validate_access_token(&token).await.unwrap(); // now remembered
    // The same kid, another key.
    let impostor = TestSigner::new(scalekit_auth::Algorithm::RS256, "key-1");
    provider.reset().await;
    provider.mount_discovery().await;
    provider.serve_keys(&[&impostor], std::time::Duration::ZERO).await;
    clock.advance(31); // past the key cache's TTL and the refetch cooldown
    let err = client.validate_access_token(&token).await.unwrap_err();
    assert_eq!(err.code(), "token_signature_invalid");
    // Tokens of the new key material validate.
    let fresh = impostor.sign(&provider.claims());
    client.validate_access_token(&fresh).await.unwrap();
}
