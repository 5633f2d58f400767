//! The JSON vectors in tests/vectors/ that every language runs: URLs as the official
//! Scalekit SDK builds them, and signed webhook deliveries.

use scalekit_auth::testing::ManualClock;
use scalekit_auth::{AuthorizationUrlOptions, Config, LogoutUrlOptions, ScalekitAuth};
use serde_json::Value;

fn load(name: &str) -> Value {
    let path = format!("{}/../tests/vectors/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).expect(&path)).unwrap()
}

fn text(options: &Value, key: &str) -> Option<String> {
    options.get(key).and_then(Value::as_str).map(str::to_owned)
}

#[test]
fn authorization_and_logout_urls_match_the_official_sdk() {
    let doc = load("urls.json");
    let env = doc["environment_url"].as_str().unwrap();
    let client = ScalekitAuth::new(Config::new(env, doc["client_id"].as_str().unwrap(), "s")).unwrap();
    let cases = doc["authorization"].as_array().unwrap();
    assert!(cases.len() >= 15);
    for case in cases {
        let o = &case["options"];
        let options = AuthorizationUrlOptions {
            scopes: o
                .get("scopes")
                .and_then(Value::as_array)
                .map(|a| a.iter().map(|s| s.as_str().unwrap().to_owned()).collect()),
            state: text(o, "state"),
            nonce: text(o, "nonce"),
            login_hint: text(o, "login_hint"),
            domain_hint: text(o, "domain_hint"),
            connection_id: text(o, "connection_id"),
            organization_id: text(o, "organization_id"),
            provider: text(o, "provider"),
            prompt: text(o, "prompt"),
            code_challenge: text(o, "code_challenge"),
            code_challenge_method: text(o, "code_challenge_method"),
            ..Default::default()
        };
        let url = client.authorization_url(case["redirect_uri"].as_str().unwrap(), &options).unwrap();
        assert_eq!(url, case["url"].as_str().unwrap(), "{}", case["name"]);
    }
    for case in doc["logout"].as_array().unwrap() {
        let o = &case["options"];
        let options = LogoutUrlOptions {
            id_token_hint: text(o, "id_token_hint"),
            post_logout_redirect_uri: text(o, "post_logout_redirect_uri"),
            state: text(o, "state"),
        };
        assert_eq!(client.logout_url(&options), case["url"].as_str().unwrap(), "{}", case["name"]);
    }
}

#[test]
fn webhook_vectors_get_their_expected_verdicts() {
    let doc = load("webhooks.json");
    let cases = doc["cases"].as_array().unwrap();
    assert!(cases.len() >= 10);
    for case in cases {
        let clock = ManualClock::at(case["now"].as_i64().unwrap());
        let client =
            ScalekitAuth::new(Config::new("https://acme.scalekit.com", "c", "s").clock(clock)).unwrap();
        let headers: Vec<(&str, &str)> = case["headers"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str().unwrap()))
            .collect();
        let secret = case["secret"].as_str().unwrap();
        let body = case["body"].as_str().unwrap().as_bytes();
        let outcome = match case["kind"].as_str().unwrap() {
            "webhook" => client.verify_webhook_payload(secret, headers, body),
            _ => client.verify_interceptor_payload(secret, headers, body),
        };
        let verdict = outcome.map_or_else(|e| e.code().to_owned(), |()| "ok".to_owned());
        assert_eq!(verdict, case["expected"].as_str().unwrap(), "{}", case["name"]);
    }
}

#[test]
fn the_error_codes_are_the_shared_list() {
    let doc = load("error_codes.json");
    let codes: Vec<&str> = doc["codes"].as_array().unwrap().iter().map(|c| c.as_str().unwrap()).collect();
    assert_eq!(codes, scalekit_auth::Error::ALL_CODES);
    // Each code's family, as every binding picks its exception class from it.
    let families = doc["families"].as_object().unwrap();
    assert_eq!(families.len(), codes.len());
    for err in scalekit_auth::Error::samples() {
        assert_eq!(families[err.code()].as_str(), Some(err.family().name()), "{}", err.code());
    }
}

/// tests/vectors/token_types.json: tokens signed by Node's crypto under one key; ID and
/// logout tokens are never access tokens, whatever their signature and audience.
#[tokio::test]
async fn token_types_do_not_mix() {
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};
    let doc = load("token_types.json");
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/keys"))
        .respond_with(ResponseTemplate::new(200).set_body_json(doc["jwks"].clone()))
        .mount(&server)
        .await;
    let config = Config::new(server.uri(), doc["client_id"].as_str().unwrap(), "s")
        .issuer([doc["issuer"].as_str().unwrap()]);
    let client = ScalekitAuth::new(config).unwrap();
    let cases = doc["cases"].as_array().unwrap();
    assert!(cases.len() >= 10);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let verdict = client.validate_access_token(case["token"].as_str().unwrap()).await;
        match case["code"].as_str() {
            None => assert!(verdict.is_ok(), "{name}: {verdict:?}"),
            Some(code) => assert_eq!(verdict.map(|_| ()).unwrap_err().code(), code, "{name}"),
        }
        // Presented again (from the memory of verified tokens), the verdict is the same.
        let again = client.validate_access_token(case["token"].as_str().unwrap()).await;
        assert_eq!(again.is_ok(), case["code"].is_null(), "{name}, second time");
    }
    // An ID token stays a valid ID token.
    let id = cases.iter().find(|c| c["name"] == "ID token (nonce)").unwrap();
    assert!(client.validate_id_token(id["token"].as_str().unwrap(), None).await.is_ok());
}
