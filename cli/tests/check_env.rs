//! `check-env` through the built binary: no provider needed.

mod common;

use common::{GOOD_SESSION_SECRET, TempDir, good_env, run, with, without};

const ENVIRONMENT: &str = "https://acme.scalekit.com";
const REDIRECT: &str = "https://app.example.com/auth/callback";
const POST_LOGOUT: &str = "https://app.example.com/";

fn good() -> Vec<(&'static str, String)> {
    good_env(ENVIRONMENT, REDIRECT, POST_LOGOUT)
}

#[test]
fn a_good_configuration_passes_every_check() {
    let dir = TempDir::new();
    let out = run(&dir, &good(), &["check-env", "--json"]);
    assert_eq!(out.code, 0, "{}", out.stdout);
    let json = out.json();
    assert_eq!(json["ok"], true);
    for step in json["steps"].as_array().unwrap() {
        assert_eq!(step["status"], "ok", "{step}");
    }
}

#[test]
fn a_missing_variable_fails_and_names_the_variable() {
    let dir = TempDir::new();
    let out = run(&dir, &without(good(), "SCALEKIT_CLIENT_SECRET"), &["check-env", "--json"]);
    assert_eq!(out.code, 1);
    let step = out.step("client_secret");
    assert_eq!(step["status"], "error");
    assert!(step["message"].as_str().unwrap().contains("SCALEKIT_CLIENT_SECRET is not set"), "{step}");
    assert!(step["fix"].as_str().unwrap().starts_with("set SCALEKIT_CLIENT_SECRET"), "{step}");
    assert_eq!(out.json()["ok"], false);
}

#[test]
fn a_placeholder_session_secret_fails() {
    let dir = TempDir::new();
    let env = with(good(), "SCALEKIT_SESSION_SECRET", "change-me-to-a-long-random-value-please");
    let out = run(&dir, &env, &["check-env", "--json"]);
    assert_eq!(out.code, 1);
    let step = out.step("session_secret");
    assert_eq!(step["status"], "error");
    assert!(step["message"].as_str().unwrap().contains("placeholder"), "{step}");
    assert!(step["fix"].as_str().unwrap().contains("openssl rand"), "{step}");

    // A short second entry fails in the core's words; the first entry stays fine.
    let env = with(good(), "SCALEKIT_SESSION_SECRET", &format!("{GOOD_SESSION_SECRET},short"));
    let step = run(&dir, &env, &["check-env", "--json"]).step("session_secret");
    assert!(step["message"].as_str().unwrap().contains("session secret #2 is 5 bytes"), "{step}");
}

#[test]
fn a_post_logout_uri_on_another_origin_warns_without_failing() {
    let dir = TempDir::new();
    let env = with(good(), "SCALEKIT_POST_LOGOUT_REDIRECT_URI", "https://www.example.com/");
    let out = run(&dir, &env, &["check-env", "--json"]);
    assert_eq!(out.code, 0, "{}", out.stdout);
    let step = out.step("post_logout_redirect_uri");
    assert_eq!(step["status"], "warning");
    assert!(step["message"].as_str().unwrap().contains("another origin"), "{step}");
    assert!(step["fix"].is_string());
}

#[test]
fn url_scope_and_cookie_rules_are_reported() {
    let dir = TempDir::new();
    let env = with(good(), "SCALEKIT_ENVIRONMENT_URL", "http://acme.scalekit.com/api");
    let env = with(env, "SCALEKIT_REDIRECT_URI", "https://app.example.com");
    let env = with(env, "SCALEKIT_SCOPES", "profile email");
    let out = run(&dir, &env, &["check-env", "--json"]);
    assert_eq!(out.code, 1);
    assert_eq!(out.status("environment_url"), "error");
    assert_eq!(out.status("redirect_uri"), "error");
    assert_eq!(out.status("scopes"), "error");
    assert_eq!(out.status("cookies"), "skipped");

    let env = with(good(), "SCALEKIT_SCOPES", "openid email");
    let env = with(env, "SCALEKIT_REDIRECT_URI", "http://localhost:3000/auth/callback");
    let env = with(env, "SCALEKIT_POST_LOGOUT_REDIRECT_URI", "http://localhost:3000/");
    let out = run(&dir, &env, &["check-env", "--json"]);
    assert_eq!(out.code, 0, "{}", out.stdout);
    assert_eq!(out.status("scopes"), "warning");
    assert!(out.step("scopes")["message"].as_str().unwrap().contains("offline_access"));
    assert_eq!(out.status("cookies"), "warning");
    assert!(out.step("cookies")["message"].as_str().unwrap().contains("not Secure"));
}

#[test]
fn dotenv_values_are_read_and_the_environment_overrides_them() {
    let dir = TempDir::new();
    let mut text = String::from("# written by a test\n");
    for (name, value) in good() {
        text.push_str(&format!("export {name}=\"{value}\"\n"));
    }
    text.push_str("SCALEKIT_CLIENT_ID=skc_from_dotenv # a comment\n");
    dir.write(".env", &text);

    let only_dotenv = run(&dir, &[], &["check-env", "--json"]);
    assert_eq!(only_dotenv.code, 0, "{}", only_dotenv.stdout);
    assert_eq!(only_dotenv.status("dotenv"), "ok");
    let client = only_dotenv.step("client_id")["message"].as_str().unwrap().to_owned();
    assert!(client.contains("skc_from_dotenv") && client.contains("from .env"), "{client}");

    let env = vec![("SCALEKIT_CLIENT_ID", "skc_from_env".to_owned())];
    let overridden = run(&dir, &env, &["check-env", "--json"]);
    let client = overridden.step("client_id")["message"].as_str().unwrap().to_owned();
    assert!(client.contains("skc_from_env") && client.contains("from the environment"), "{client}");

    dir.write(".env", "not a pair\n");
    let broken = run(&dir, &good(), &["check-env", "--json"]);
    assert_eq!(broken.code, 0);
    assert_eq!(broken.status("dotenv"), "warning");
}

#[test]
fn json_output_has_the_documented_shape() {
    let dir = TempDir::new();
    let out = run(&dir, &without(good(), "SCALEKIT_REDIRECT_URI"), &["--json", "doctor"]);
    assert_eq!(out.code, 1);
    let json = out.json();
    let object = json.as_object().unwrap();
    assert_eq!(object.keys().collect::<Vec<_>>(), ["command", "ok", "steps"]);
    assert_eq!(json["command"], "doctor");
    assert_eq!(json["ok"], false);
    let steps = json["steps"].as_array().unwrap();
    assert!(!steps.is_empty());
    for step in steps {
        let fields = step.as_object().unwrap();
        for key in fields.keys() {
            assert!(["name", "status", "message", "fix"].contains(&key.as_str()), "{step}");
        }
        assert!(step["name"].is_string() && step["message"].is_string(), "{step}");
        assert!(["ok", "warning", "error", "skipped"].contains(&step["status"].as_str().unwrap()), "{step}");
        if let Some(fix) = fields.get("fix") {
            assert!(fix.is_string());
        }
        if step["status"] == "error" {
            assert!(fields.contains_key("fix"), "{step}");
        }
    }
    // check-env failed, so the network checks did not run.
    assert_eq!(out.status("test_connection"), "skipped");
}

#[test]
fn piped_output_is_plain_lines_and_usage_errors_exit_2() {
    let dir = TempDir::new();
    let out = run(&dir, &good(), &["check-env"]);
    assert_eq!(out.code, 0);
    assert!(!out.stdout.contains('\x1b'), "{}", out.stdout);
    assert!(out.stdout.contains("✓ environment_url: https://acme.scalekit.com"), "{}", out.stdout);
    assert!(
        out.stdout.ends_with("check-env: ok (9 ok, 0 warnings, 0 errors, 0 skipped)\n"),
        "{}",
        out.stdout
    );

    let failing = run(&dir, &without(good(), "SCALEKIT_CLIENT_ID"), &["check-env"]);
    assert!(
        failing.stdout.contains("✗ client_id: SCALEKIT_CLIENT_ID is not set\n    fix: "),
        "{}",
        failing.stdout
    );

    for args in [&["no-such-command"][..], &["doctor", "--timeout", "0"], &["check-env", "--bogus"], &[]] {
        let out = run(&dir, &good(), args);
        assert_eq!(out.code, 2, "{args:?}: {}", out.stderr);
    }
    assert_eq!(run(&dir, &[], &["--help"]).code, 0);
}
