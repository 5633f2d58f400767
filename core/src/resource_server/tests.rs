//! Tests of the resource server: its configuration, metadata and challenges.

use super::*;

#[test]
fn metadata_is_published_below_the_resource_path() {
    let config =
        ResourceServerConfig::new("https://acme.scalekit.com", "res_1", "https://mcp.example.com/mcp")
            .scopes_supported(["todo:read"]);
    let server = ResourceServer::new(config).unwrap();
    assert_eq!(server.metadata_url(), "https://mcp.example.com/.well-known/oauth-protected-resource/mcp");
    assert_eq!(server.metadata_path(), "/.well-known/oauth-protected-resource/mcp");
    assert_eq!(server.authorization_server(), "https://acme.scalekit.com/resources/res_1");
    let doc = server.metadata();
    assert_eq!(doc["resource"], "https://mcp.example.com/mcp");
    assert_eq!(doc["authorization_servers"][0], "https://acme.scalekit.com/resources/res_1");
    assert_eq!(doc["scopes_supported"][0], "todo:read");
    let root = ResourceServerConfig::new("https://acme.scalekit.com", "res_1", "https://mcp.example.com/");
    assert_eq!(
        ResourceServer::new(root).unwrap().metadata_url(),
        "https://mcp.example.com/.well-known/oauth-protected-resource"
    );
    let slash =
        ResourceServerConfig::new("https://acme.scalekit.com", "res_1", "https://mcp.example.com/mcp/");
    assert_eq!(
        ResourceServer::new(slash).unwrap().metadata_path(),
        "/.well-known/oauth-protected-resource/mcp/"
    );
}

#[test]
fn bad_settings_name_their_variable() {
    let bad = |env: &str, id: &str, url: &str| {
        ResourceServer::new(ResourceServerConfig::new(env, id, url)).unwrap_err().to_string()
    };
    assert!(bad("https://a.scalekit.com", "", "https://m.example/mcp").contains(ENV_RESOURCE_ID));
    assert!(bad("https://a.scalekit.com", "res/1", "https://m.example/mcp").contains(ENV_RESOURCE_ID));
    assert!(bad("https://a.scalekit.com", "res_1", "http://m.example/mcp").contains(ENV_RESOURCE_URL));
    assert!(bad("https://a.scalekit.com", "res_1", "/mcp").contains(ENV_RESOURCE_URL));
    assert!(bad("https://a.scalekit.com", "res_1", "https://m.example/mcp#x").contains(ENV_RESOURCE_URL));
    assert!(
        bad("https://a.scalekit.com/path", "res_1", "https://m.example/mcp").contains(ENV_ENVIRONMENT_URL)
    );
    let missing = ResourceServerConfig::from_lookup(|_| None).unwrap_err().to_string();
    assert!(missing.contains(ENV_ENVIRONMENT_URL), "{missing}");
    assert!(
        ResourceServer::new(ResourceServerConfig::new(
            "http://127.0.0.1:9",
            "res_1",
            "http://localhost:3000/mcp"
        ))
        .is_ok()
    );
}
