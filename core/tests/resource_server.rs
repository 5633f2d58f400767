//! A protected resource (an MCP server): tokens minted for it pass, everything else is
//! refused with a challenge that leads a client to the metadata and the authorization
//! server. Tokens come from a local provider shaped like a Scalekit environment.

#![cfg(feature = "testing")]

use scalekit_auth::testing::LocalProvider;
use scalekit_auth::{Action, Algorithm, Requirements, ResourceServer, ResourceServerConfig};
use serde_json::json;

const RESOURCE_ID: &str = "res_notes";
const RESOURCE_URL: &str = "http://localhost:8931/mcp";

fn challenge(decision: &scalekit_auth::Decision) -> String {
    decision.headers().into_iter().find(|(n, _)| *n == "www-authenticate").map(|(_, v)| v).unwrap_or_default()
}

#[tokio::test]
async fn only_tokens_minted_for_the_resource_pass_and_refusals_point_at_the_metadata() {
    let provider = LocalProvider::start("skc_app", "secret", Algorithm::RS256).await.unwrap();
    let env = provider.url().to_owned();
    let server = ResourceServer::new(
        ResourceServerConfig::new(&env, RESOURCE_ID, RESOURCE_URL)
            .scopes_supported(["notes:read", "notes:write"]),
    )
    .unwrap();
    let metadata = "http://localhost:8931/.well-known/oauth-protected-resource/mcp";
    assert_eq!(server.metadata_url(), metadata);
    let issuer = format!("{env}/resources/{RESOURCE_ID}");
    let anyone = Requirements::default();
    let writer = Requirements { scopes: vec!["notes:write".into()], ..Default::default() };

    let missing = server.authorize(None, &anyone).await;
    assert_eq!(missing.status(), 401);
    assert_eq!(challenge(&missing), format!(r#"Bearer resource_metadata="{metadata}""#));

    // Minted for the resource: by id or by URL, under either issuer form.
    for (iss, aud) in [(&issuer, RESOURCE_ID), (&issuer, RESOURCE_URL), (&env, RESOURCE_URL)] {
        let token = provider
            .mint(&json!({"iss": iss, "aud": [aud], "azp": "mcp_client_1", "scopes": ["notes:read"]}), 300);
        let decision = server.authorize(Some(&format!("Bearer {token}")), &anyone).await;
        let Action::Continue(Some(identity)) = decision.action else {
            panic!("{iss} {aud}: {:?}", decision.error)
        };
        assert_eq!(identity.user.id, "usr_test");
        assert_eq!(identity.claims.scopes, ["notes:read"]);
    }

    // Everything else: an app's own token, another resource's, an expired one, a forged issuer.
    let refused = [
        provider.mint(&json!({}), 300),
        provider.mint(&json!({"iss": issuer, "aud": ["res_other"]}), 300),
        provider.mint(&json!({"iss": issuer, "aud": [RESOURCE_ID]}), -3600),
        provider.mint(&json!({"iss": "https://evil.example", "aud": [RESOURCE_ID]}), 300),
    ];
    for token in refused {
        let decision = server.authorize(Some(&format!("Bearer {token}")), &anyone).await;
        assert_eq!(decision.status(), 401, "{:?}", decision.error);
        assert_eq!(
            challenge(&decision),
            format!(r#"Bearer error="invalid_token", resource_metadata="{metadata}""#)
        );
    }

    // A valid token without the scope a tool needs: 403 naming the scope.
    let reader = provider.mint(&json!({"iss": issuer, "aud": [RESOURCE_ID], "scopes": ["notes:read"]}), 300);
    let decision = server.authorize(Some(&format!("Bearer {reader}")), &writer).await;
    assert_eq!(decision.status(), 403);
    assert_eq!(decision.error.as_ref().map(|e| e.code()), Some("insufficient_scope"));
    assert_eq!(
        challenge(&decision),
        format!(r#"Bearer error="insufficient_scope", scope="notes:write", resource_metadata="{metadata}""#)
    );
}

#[tokio::test]
async fn a_token_also_meant_for_another_resource_is_refused_and_challenges_name_the_scopes() {
    let provider = LocalProvider::start("skc_app", "secret", Algorithm::RS256).await.unwrap();
    let server =
        ResourceServer::new(ResourceServerConfig::new(provider.url(), RESOURCE_ID, RESOURCE_URL)).unwrap();
    let issuer = format!("{}/resources/{RESOURCE_ID}", provider.url());
    let shared = provider.mint(&json!({"iss": issuer, "aud": [RESOURCE_ID, "res_other"]}), 300);
    let decision = server.authorize(Some(&format!("Bearer {shared}")), &Requirements::default()).await;
    assert_eq!(decision.status(), 401, "replayable by the other resource");
    let both_forms = provider.mint(&json!({"iss": issuer, "aud": [RESOURCE_ID, RESOURCE_URL]}), 300);
    let decision = server.authorize(Some(&format!("Bearer {both_forms}")), &Requirements::default()).await;
    assert!(decision.error.is_none(), "{:?}", decision.error);

    let reading = Requirements { scopes: vec!["notes:read".into()], ..Default::default() };
    let missing = server.authorize(None, &reading).await;
    assert_eq!(
        challenge(&missing),
        format!(r#"Bearer scope="notes:read", resource_metadata="{}""#, server.metadata_url())
    );
}
