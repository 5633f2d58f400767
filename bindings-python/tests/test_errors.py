"""Every error code maps to its exception family, with `.code` and `.status`, and the
list of codes is the one every language shares."""

from __future__ import annotations

import pytest

import scalekit_auth as sk
from scalekit_auth import _native

from .conftest import load_vectors

FAMILY = {
    "invalid_config": sk.ConfigurationError,
    "invalid_argument": sk.ConfigurationError,
    "token_expired": sk.TokenExpiredError,
    "insufficient_scope": sk.InsufficientScopeError,
    "session_missing": sk.SessionError,
    "session_invalid": sk.SessionError,
    "session_expired": sk.SessionError,
    "cross_site_request": sk.SessionError,
    "state_mismatch": sk.SessionError,
    "login_expired": sk.SessionError,
    "callback_replayed": sk.SessionError,
    "callback_invalid_issuer": sk.SessionError,
    "authorization_denied": sk.SessionError,
    "login_denied": sk.LoginDeniedError,
    "store_unavailable": sk.StoreError,
}


def expected_family(code: str) -> type[sk.ScalekitAuthError]:
    if code in FAMILY:
        return FAMILY[code]
    if code.startswith("token_"):
        return sk.TokenError
    if code.startswith("webhook_"):
        return sk.WebhookVerificationError
    return sk.ProviderError


def test_the_codes_are_the_shared_list() -> None:
    assert sk.ERROR_CODES == load_vectors("error_codes.json")["codes"]


@pytest.mark.parametrize("code", sk.ERROR_CODES)
def test_every_code_raises_its_family(code: str) -> None:
    with pytest.raises(sk.ScalekitAuthError) as info:
        _native._raise_for_code(code)
    error = info.value
    assert type(error) is expected_family(code)
    assert error.code == code
    assert 400 <= error.status < 600
    assert str(error)
    assert error.public_message and error.public_message.endswith((".", "again.")), error.public_message
    assert error.detail is None and error.reason is None


def test_oauth_details_are_attributes() -> None:
    with pytest.raises(sk.ProviderError) as info:
        _native._raise_for_code("provider_error")
    assert info.value.oauth_error == "invalid_grant"
    assert info.value.description == "d"
    assert issubclass(sk.TokenExpiredError, sk.TokenError)


def test_an_exception_the_app_raises_has_every_declared_attribute() -> None:
    denied = sk.LoginDeniedError("Use your work account.")
    assert (denied.code, denied.status, str(denied)) == ("login_denied", 403, "Use your work account.")
    assert denied.public_message is None and denied.detail is None and denied.oauth_error is None


def test_every_family_has_a_class_of_its_own() -> None:
    assert _native.ERROR_FAMILIES == load_vectors("error_codes.json")["families"]
    for family in _native._FAMILY_NAMES:
        cls = _native._family_class(family)
        assert issubclass(cls, sk.ScalekitAuthError) and cls is not sk.ScalekitAuthError, family


def test_exceptions_show_their_public_module_and_the_package_leaks_no_imports() -> None:
    for name in ["ScalekitAuthError", "ConfigurationError", "TokenExpiredError", "LoginDeniedError", "StoreError"]:
        cls = getattr(sk, name)
        assert cls.__module__ == "scalekit_auth", (name, cls.__module__)
        assert f"scalekit_auth.{name}" in repr(cls)
    assert not hasattr(sk, "os")
    assert set(sk.__all__) <= set(dir(sk))


# A sample value for every option of the core's tables: a new core option without one here
# fails, so no option is forgotten in this binding.
OPTION_SAMPLES: dict[str, object] = {
    "issuer": ["https://acme.scalekit.com"], "audience": ["skc_app"], "leeway_seconds": 30,
    "jwks_cache_ttl_seconds": 600, "jwks_refetch_cooldown_seconds": 5, "http_timeout_seconds": 5,
    "max_token_bytes": 16384, "verified_token_cache_size": 100,
    "post_logout_redirect_uri": "http://localhost:3000/", "scopes": ["openid", "email"], "cookie_name": "app_session",
    "cookie_domain": "localhost", "same_site": "strict", "login_path": "/auth/login", "callback_path": "/auth/callback",
    "secure_cookies": False, "absolute_lifetime_seconds": 86400, "idle_timeout_seconds": 3600,
    "refresh_window_seconds": 60, "redis_url": "redis://127.0.0.1:6379/0", "server_side_sessions": False,
    "store_timeout_ms": 500,
}


def test_every_client_and_session_option_of_the_core_is_accepted() -> None:
    for name in sorted(_native.CLIENT_OPTIONS):
        assert name in OPTION_SAMPLES, f"no sample for the client option {name}"
        sk.ScalekitAuth("https://acme.scalekit.com", "skc_app", "secret", **{name: OPTION_SAMPLES[name]})
    client = sk.ScalekitAuth("https://acme.scalekit.com", "skc_app", "secret")
    for name in sorted(_native.SESSION_OPTIONS):
        assert name in OPTION_SAMPLES, f"no sample for the session option {name}"
        _native.SessionEngine(client._native, "http://localhost:3000/auth/callback", ["s" * 32], {name: OPTION_SAMPLES[name]})
    with pytest.raises(sk.ConfigurationError, match="leeway_seconds"):
        sk.ScalekitAuth("https://acme.scalekit.com", "skc_app", "secret", leeway_seconds=-1)
    for name in sorted(_native.URL_OPTIONS):
        assert name in URL_SAMPLES, f"no sample for the login-URL option {name}"
        # A PKCE challenge and its method go together.
        pair = {"code_challenge": "x" * 43, "code_challenge_method": "S256"} if name.startswith("code_challenge") else {}
        client._native.get_authorization_url("http://localhost:3000/auth/callback", {name: URL_SAMPLES[name], **pair})
    with pytest.raises(sk.ConfigurationError, match="organization_id"):
        client._native.get_authorization_url("http://localhost:3000/auth/callback", {"organization_id": 7})


URL_SAMPLES: dict[str, object] = {
    "scopes": ["openid", "offline_access"], "state": "s", "nonce": "n", "login_hint": "a@b.co", "domain_hint": "b.co",
    "connection_id": "conn_1", "organization_id": "org_1", "provider": "google", "prompt": "login", "max_age": 0,
    "acr_values": "urn:scalekit:mfa", "code_challenge": "x" * 43, "code_challenge_method": "S256",
}
