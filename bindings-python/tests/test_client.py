"""Every client method, blocking and awaitable, against a local signer and against the
local OpenID provider."""

from __future__ import annotations

import base64
import hashlib
import hmac
import socket
import time
import urllib.parse

import pytest

import scalekit_auth as sk
from scalekit_auth.testing import LocalProvider

from .conftest import REDIRECT_URI, Idp


@pytest.fixture(scope="module")
def provider() -> LocalProvider:
    with LocalProvider(client_id="skc_unit") as p:
        yield p  # type: ignore[misc]


def test_construction_makes_no_network_call_and_checks_configuration() -> None:
    sk.ScalekitAuth("https://unreachable.invalid", "c", "s")  # would fail if it connected
    with pytest.raises(sk.ConfigurationError) as info:
        sk.ScalekitAuth("http://example.com", "c", "s")
    assert info.value.code == "invalid_config"
    assert "SCALEKIT_ENVIRONMENT_URL" in str(info.value)
    with pytest.raises(sk.ConfigurationError):
        sk.ScalekitAuth("https://a.scalekit.com", "c", "s", leeway_seconds=9999)


def test_from_env_names_the_missing_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("SCALEKIT_ENVIRONMENT_URL", "SCALEKIT_CLIENT_ID", "SCALEKIT_CLIENT_SECRET"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SCALEKIT_ENVIRONMENT_URL", "https://a.scalekit.com")
    with pytest.raises(sk.ConfigurationError, match="SCALEKIT_CLIENT_ID"):
        sk.ScalekitAuth.from_env()
    monkeypatch.setenv("SCALEKIT_CLIENT_ID", "c")
    monkeypatch.setenv("SCALEKIT_CLIENT_SECRET", "s")
    assert isinstance(sk.AsyncScalekitAuth.from_env(leeway_seconds=5), sk.AsyncScalekitAuth)


def test_validate_access_token_returns_typed_claims(provider: LocalProvider) -> None:
    auth = provider.client()
    token = provider.mint("usr_1", roles=["admin"], permissions=["read"], scope="openid email", tier="gold")
    claims = auth.validate_access_token(token)
    assert claims.sub == "usr_1"
    assert claims.aud == ["skc_unit"]
    assert claims.roles == ["admin"] and claims.permissions == ["read"]
    assert claims.scopes == ["openid", "email"]
    assert claims.oid == "org_test"
    assert claims["tier"] == "gold" and claims.get("missing", 7) == 7 and "tier" in claims
    assert claims.to_dict()["sub"] == "usr_1"
    assert set(claims) == set(claims.keys())
    with pytest.raises(KeyError):
        claims["missing"]


@pytest.mark.parametrize(
    ("overrides", "error", "code"),
    [
        ({"exp": int(time.time()) - 3600}, sk.TokenExpiredError, "token_expired"),
        ({"aud": ["someone-else"]}, sk.TokenError, "token_invalid_audience"),
        ({"iss": "https://evil.example"}, sk.TokenError, "token_invalid_issuer"),
        ({"nbf": int(time.time()) + 3600}, sk.TokenError, "token_not_yet_valid"),
    ],
)
def test_invalid_tokens_raise_typed_errors(
    provider: LocalProvider, overrides: dict[str, object], error: type[Exception], code: str
) -> None:
    with pytest.raises(error) as info:
        provider.client().validate_access_token(provider.mint(**overrides))  # type: ignore[arg-type]
    assert info.value.code == code  # type: ignore[attr-defined]


def test_malformed_and_forged_tokens(provider: LocalProvider) -> None:
    auth = provider.client()
    for bad in ["", "a.b.c", "x" * 20000, provider.mint() + "x"]:
        with pytest.raises(sk.TokenError):
            auth.validate_access_token(bad)
    forged = sk._native.TestSigner("RS256", "local-test-key").sign({"iss": provider.url, "sub": "x", "aud": "skc_unit", "exp": 9999999999})
    with pytest.raises(sk.TokenError) as info:
        auth.validate_access_token(forged)
    assert info.value.code == "token_signature_invalid"


def test_id_token_nonce_and_idp_initiated_claims(provider: LocalProvider) -> None:
    auth = provider.client()
    id_token = provider.mint(nonce="n-1", email="a@b.co")
    assert auth.validate_id_token(id_token, nonce="n-1").email == "a@b.co"
    with pytest.raises(sk.TokenError) as info:
        auth.validate_id_token(id_token, nonce="other")
    assert info.value.code == "token_invalid_nonce"
    idp_token = provider.mint(connection_id="conn_1", organization_id="org_1", login_hint="a@b.co", relay_state="/x")
    hints = auth.get_idp_initiated_login_claims(idp_token)
    assert (hints.connection_id, hints.organization_id, hints.login_hint, hints.relay_state) == (
        "conn_1", "org_1", "a@b.co", "/x"
    )


@pytest.mark.anyio
async def test_async_validation(provider: LocalProvider) -> None:
    auth = provider.async_client()
    token = provider.mint("usr_async")
    first = await auth.validate_access_token(token)  # cold: fetches discovery and keys
    second = await auth.validate_access_token(token)  # warm: answered without waiting
    assert first.sub == second.sub == "usr_async"
    assert (await auth.validate_id_token(provider.mint(nonce="n"), nonce="n")).nonce == "n"
    assert (await auth.get_idp_initiated_login_claims(provider.mint(connection_id="c"))).connection_id == "c"
    with pytest.raises(sk.TokenExpiredError):
        await auth.validate_access_token(provider.mint(expires_in=-3600))
    assert auth.jwks_status()["key_ids"] == ["local-test-key"]


def test_webhooks_verify_against_an_independent_signer() -> None:
    auth = sk.ScalekitAuth("https://a.scalekit.com", "c", "s")
    key = b"independent-test-key-of-32-bytes"
    secret = "whsec_" + base64.b64encode(key).decode()
    body = b'{"type":"user.created"}'
    ts = str(int(time.time()))
    mac = base64.b64encode(hmac.new(key, f"msg_1.{ts}.".encode() + body, hashlib.sha256).digest()).decode()
    headers = {"Webhook-Id": "msg_1", "Webhook-Timestamp": ts, "Webhook-Signature": f"v1,{mac}"}
    assert auth.verify_webhook_payload(secret, headers, body) is True
    assert auth.verify_webhook_payload(secret, list(headers.items()), body.decode()) is True
    with pytest.raises(sk.WebhookVerificationError) as info:
        auth.verify_webhook_payload(secret, headers, body + b" ")
    assert info.value.code == "webhook_invalid_signature"
    interceptor = {k.replace("Webhook", "Interceptor"): v for k, v in headers.items()}
    assert auth.verify_interceptor_payload(secret, interceptor, body)


def test_an_unreachable_provider_is_a_typed_error() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    auth = sk.ScalekitAuth(f"http://127.0.0.1:{port}", "c", "s", http_timeout_seconds=2)
    with pytest.raises(sk.ProviderError) as info:
        auth.refresh_access_token("rt")
    assert info.value.code == "provider_unreachable"
    assert "s" not in info.value.code


def _login(idp: Idp, auth: sk.ScalekitAuth | sk.AsyncScalekitAuth, username: str) -> tuple[str, sk.LoginRequest]:
    login = auth.create_login(REDIRECT_URI, scopes=["openid", "profile", "email", "offline_access"])
    callback = idp.browse(login.url, username, username)
    query = urllib.parse.parse_qs(urllib.parse.urlparse(callback).query)
    assert query["state"] == [login.state]
    return query["code"][0], login


def test_login_refresh_replay_logout_and_client_credentials(idp: Idp) -> None:
    auth = sk.ScalekitAuth(idp.url, idp.client_id, idp.client_secret)
    code, login = _login(idp, auth, "admin")
    result = auth.authenticate_with_code(code, REDIRECT_URI, code_verifier=login.code_verifier, nonce=login.nonce)
    assert result.user.id == "usr_admin" and result.user.email == "admin@example.com"
    assert result.access_token_claims.roles == ["admin"]
    assert result.id_token_claims is not None and result.refresh_token
    assert "access_token" not in repr(result) and result.access_token not in repr(result)

    refreshed = auth.refresh_access_token(result.refresh_token)
    assert refreshed.refresh_token != result.refresh_token
    with pytest.raises(sk.ProviderError) as info:
        auth.refresh_access_token(result.refresh_token)
    assert info.value.code == "provider_error" and info.value.oauth_error == "invalid_grant"

    url = auth.get_logout_url(id_token_hint=result.id_token, post_logout_redirect_uri="http://localhost/", state="bye")
    assert idp.browse(url, "admin", "admin") == "http://localhost/?state=bye"

    token = auth.get_client_access_token()
    assert auth.validate_access_token(token).sub == idp.client_id
    assert auth.get_client_token().access_token == token


@pytest.mark.anyio
async def test_async_login_refresh_and_client_credentials(idp: Idp) -> None:
    auth = sk.AsyncScalekitAuth(idp.url, idp.client_id, idp.client_secret)
    code, login = _login(idp, auth, "viewer")
    result = await auth.authenticate_with_code(code, REDIRECT_URI, code_verifier=login.code_verifier, nonce=login.nonce)
    assert result.access_token_claims.roles == ["viewer"]
    assert result.refresh_token is not None
    refreshed = await auth.refresh_access_token(result.refresh_token)
    assert refreshed.user.id == "usr_viewer"
    token = await auth.get_client_access_token()
    assert (await auth.validate_access_token(token)).sub == idp.client_id
    assert (await auth.get_client_token()).expires_at is not None
    with pytest.raises(sk.ProviderError):
        await auth.authenticate_with_code("bad-code", REDIRECT_URI)


@pytest.mark.parametrize(
    "options",
    [{"leeway_seconds": "x"}, {"leeway_seconds": -5}, {"audience": 7}, {"max_token_bytes": 1.5}],
)
def test_bad_option_values_are_configuration_errors(options: dict[str, object]) -> None:
    with pytest.raises(sk.ConfigurationError) as info:
        sk.ScalekitAuth("https://a.scalekit.com", "c", "s", **options)  # type: ignore[arg-type]
    assert info.value.code == "invalid_argument"


def test_bad_argument_types_raise_and_never_crash(provider: LocalProvider) -> None:
    auth = provider.client()
    with pytest.raises(TypeError):
        auth.validate_access_token(None)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        auth.verify_webhook_payload("whsec_c2VjcmV0", None, b"{}")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        auth.verify_webhook_payload("whsec_c2VjcmV0", {}, 42)  # type: ignore[arg-type]
    with pytest.raises(sk.ConfigurationError):
        auth.get_authorization_url("not a url")
    with pytest.raises(sk.ConfigurationError):
        auth.get_authorization_url("https://app/cb", scopes=[])
    assert auth.validate_access_token(provider.mint()).sub == "usr_test", "the client still works"


def test_a_login_may_ask_for_a_recent_authentication_and_a_context_class() -> None:
    auth = sk.ScalekitAuth("https://acme.scalekit.com", "skc_1", "secret")
    url = auth.get_authorization_url("https://app.example/cb", max_age=0, acr_values="urn:scalekit:mfa")
    assert url.endswith("&max_age=0&acr_values=urn%3Ascalekit%3Amfa"), url
    login = auth.create_login("https://app.example/cb", max_age=300)
    assert "&max_age=300" in login.url
    with pytest.raises(sk.ConfigurationError, match="max_age"):
        auth.get_authorization_url("https://app.example/cb", max_age=-1)
