//! `validate_access_token` with cached keys against a bare `jsonwebtoken::decode` of the
//! same RS256-2048 token (with the same issuer, audience and expiry checks): one token
//! presented again, and a pool of distinct tokens (every signature verified); plus the
//! raw RSA-2048 verification (aws-lc, parsed key) as the ceiling, the signature layer
//! and claim parsing alone.
//!
//! Run: `cargo bench -p scalekit-auth --bench validate` (scripts/bench.sh reads the
//! medians criterion writes under `target/criterion/validate_rs256/`).

use criterion::{Criterion, criterion_group, criterion_main};
use futures_util::FutureExt as _;
use jsonwebtoken::{Algorithm as JwtAlgorithm, DecodingKey, Validation};
use scalekit_auth::testing::TestSigner;
use scalekit_auth::{Algorithm, Config, ScalekitAuth};
use serde_json::{Value, json};
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

const CLIENT_ID: &str = "skc_bench";

fn bench_validate(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let signer = TestSigner::new(Algorithm::RS256, "bench-key");
    let server = rt.block_on(async {
        let server = MockServer::start().await;
        Mock::given(path("/keys"))
            .respond_with(ResponseTemplate::new(200).set_body_raw(signer.jwks_json(), "application/json"))
            .mount(&server)
            .await;
        server
    });
    let issuer = server.uri();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    let token = signer.sign(&json!({
        "iss": issuer, "sub": "usr_1234567890", "aud": [CLIENT_ID], "exp": now + 3600,
        "iat": now, "nbf": now, "jti": "tkn_0123456789abcdef", "sid": "ses_0123456789",
        "oid": "org_0123456789", "client_id": CLIENT_ID, "roles": ["admin", "member"],
        "permissions": ["read:all", "write:own"], "scope": "openid profile email offline_access",
    }));

    // Distinct tokens cycle through a pool far larger than the memory of verified tokens
    // of the client that validates them: none is still remembered when it comes round.
    let pool: Vec<String> = (0..2048)
        .map(|i| {
            signer.sign(&json!({
                "iss": issuer, "sub": "usr_1234567890", "aud": [CLIENT_ID], "exp": now + 3600,
                "iat": now, "jti": format!("tkn_{i}"), "roles": ["admin", "member"],
                "scope": "openid profile email offline_access",
            }))
        })
        .collect();
    let mut next = pool.iter().cycle();

    let client = ScalekitAuth::new(Config::new(issuer.clone(), CLIENT_ID, "secret")).unwrap();
    let for_distinct =
        ScalekitAuth::new(Config::new(issuer.clone(), CLIENT_ID, "secret").verified_token_cache_size(16))
            .unwrap();
    rt.block_on(for_distinct.validate_access_token(&token)).expect("warm-up validation");
    rt.block_on(client.validate_access_token(&token)).expect("warm-up validation");
    // The same, verifying the signature every time (no memory of verified tokens).
    let cold =
        ScalekitAuth::new(Config::new(issuer.clone(), CLIENT_ID, "secret").verified_token_cache_size(0))
            .unwrap();
    rt.block_on(cold.validate_access_token(&token)).expect("warm-up validation");

    let jwk = signer.jwk();
    let key =
        DecodingKey::from_rsa_components(jwk["n"].as_str().unwrap(), jwk["e"].as_str().unwrap()).unwrap();
    let mut validation = Validation::new(JwtAlgorithm::RS256);
    validation.set_issuer(&[&issuer]);
    validation.set_audience(&[CLIENT_ID]);
    validation.leeway = 60;
    jsonwebtoken::decode::<Value>(&token, &key, &validation).expect("baseline decodes");

    let mut group = c.benchmark_group("validate_rs256");
    group.bench_function("scalekit_auth::validate_access_token", |b| {
        // With keys cached the future completes on its first poll: no runtime needed.
        b.iter(|| client.validate_access_token(&token).now_or_never().expect("cached path").unwrap())
    });
    group.bench_function("scalekit_auth::validate_access_token (signature every time)", |b| {
        b.iter(|| cold.validate_access_token(&token).now_or_never().expect("cached path").unwrap())
    });
    group.bench_function("scalekit_auth::validate_access_token (distinct tokens)", |b| {
        b.iter(|| {
            let t = next.next().unwrap();
            for_distinct.validate_access_token(t).now_or_never().expect("cached path").unwrap()
        })
    });
    group.bench_function("jsonwebtoken::decode", |b| {
        b.iter(|| jsonwebtoken::decode::<Value>(&token, &key, &validation).unwrap())
    });
    group.bench_function("jsonwebtoken::decode (distinct tokens)", |b| {
        b.iter(|| jsonwebtoken::decode::<Value>(next.next().unwrap(), &key, &validation).unwrap())
    });
    // The ceiling: RSA-2048 PKCS#1 v1.5 verification alone, key parsed once.
    let raw_key = aws_lc_rs::signature::RsaPublicKeyComponents {
        n: base64_url(jwk["n"].as_str().unwrap()),
        e: base64_url(jwk["e"].as_str().unwrap()),
    }
    .to_parsed_public_key(&aws_lc_rs::signature::RSA_PKCS1_2048_8192_SHA256)
    .unwrap();
    let (signing_input, signature) = token.rsplit_once('.').unwrap();
    let signature = base64_url(signature);
    group.bench_function("aws_lc_rs RSA-2048 verify", |b| {
        b.iter(|| raw_key.verify_sig(signing_input.as_bytes(), &signature).unwrap())
    });
    // The signature layer alone, to see what the claim checks cost on top.
    let keys = scalekit_auth::JwkSet::from_json(signer.jwks_json().as_bytes()).unwrap();
    group.bench_function("JwkSet::verify_jws", |b| b.iter(|| keys.verify_jws(&token).unwrap()));
    let payload = keys.verify_jws(&token).unwrap();
    group.bench_function("Claims::from_json", |b| {
        b.iter(|| scalekit_auth::Claims::from_json(&payload).unwrap())
    });
    group.finish();
}

fn base64_url(text: &str) -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(text).unwrap()
}

criterion_group!(benches, bench_validate);
criterion_main!(benches);
