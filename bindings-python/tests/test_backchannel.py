"""Back-channel logout and the shared-store options, through the native engine and the
FastAPI route."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

import scalekit_auth as sk
from scalekit_auth import _native
from scalekit_auth.fastapi import ScalekitFastAPI
from scalekit_auth.testing import LocalProvider

from .conftest import REDIRECT_URI

EVENT = {"http://schemas.openid.net/event/backchannel-logout": {}}


@pytest.fixture(scope="module")
def provider() -> Iterator[LocalProvider]:
    with LocalProvider(client_id="skc_bcl") as p:
        yield p


def logout_token(provider: LocalProvider, jti: str, **claims: object) -> bytes:
    token = provider.mint("usr_1", events=EVENT, sid="ses_1", jti=jti, oid=None, **claims)
    return b"logout_token=" + token.encode()


@pytest.mark.anyio
async def test_a_logout_token_is_accepted_once(provider: LocalProvider) -> None:
    engine = _native.SessionEngine(provider.client()._native, REDIRECT_URI, ["s" * 32])
    assert engine.store_kind == "memory"
    done = await engine.handle_backchannel_logout("POST", logout_token(provider, "jti-1"))
    assert (done.status, done.error_code, done.set_cookies) == (200, None, [])
    replay = await engine.handle_backchannel_logout("POST", logout_token(provider, "jti-1"))
    assert (replay.status, replay.error_code) == (400, "token_replayed")
    assert replay.body is not None and '"invalid_request"' in replay.body


@pytest.mark.anyio
async def test_bad_logout_requests_get_their_codes(provider: LocalProvider) -> None:
    engine = _native.SessionEngine(provider.client()._native, REDIRECT_URI, ["s" * 32])
    no_events = b"logout_token=" + provider.mint("usr_1", sid="ses_1", jti="j").encode()
    cases = [
        ("POST", b"", 400, "invalid_argument"),
        ("POST", b"logout_token=abc", 400, "token_malformed"),
        ("POST", no_events, 400, "token_missing_claim"),
        ("POST", logout_token(provider, "jti-2", aud="someone-else"), 400, "token_invalid_audience"),
        ("POST", b"\xff\xfe", 400, "invalid_argument"),
        ("GET", b"", 405, "invalid_argument"),
    ]
    for method, body, status, code in cases:
        decision = await engine.handle_backchannel_logout(method, body)
        assert (decision.status, decision.error_code) == (status, code), body


def test_store_options_are_checked(provider: LocalProvider) -> None:
    native = provider.client()._native
    with pytest.raises(sk.ConfigurationError, match="redis://"):
        _native.SessionEngine(native, REDIRECT_URI, ["s" * 32], {"redis_url": "http://127.0.0.1:1"})
    with pytest.raises(sk.ConfigurationError, match="unknown session option \"redis\""):
        _native.SessionEngine(native, REDIRECT_URI, ["s" * 32], {"redis": "redis://127.0.0.1"})
    engine = _native.SessionEngine(
        native, REDIRECT_URI, ["s" * 32],
        {"redis_url": "redis://127.0.0.1:1/0", "server_side_sessions": True, "store_timeout_ms": 200},
    )
    assert engine.store_kind == "redis"


@pytest.mark.anyio
async def test_an_unreachable_redis_is_a_store_error_not_a_hang(provider: LocalProvider) -> None:
    # Nothing listens on port 1: the back-channel logout cannot record the token.
    engine = _native.SessionEngine(
        provider.client()._native, REDIRECT_URI, ["s" * 32], {"redis_url": "redis://127.0.0.1:1/0", "store_timeout_ms": 300}
    )
    decision = await engine.handle_backchannel_logout("POST", logout_token(provider, "jti-3"))
    assert (decision.status, decision.error_code) == (503, "store_unavailable")
    with pytest.raises(sk.StoreError) as info:
        _native._raise_for_code("store_unavailable")
    assert info.value.code == "store_unavailable"


def test_the_fastapi_route_takes_the_providers_post(provider: LocalProvider) -> None:
    auth = ScalekitFastAPI.from_settings(
        environment_url=provider.url, client_id=provider.client_id, client_secret=provider.client_secret,
        redirect_uri=REDIRECT_URI, session_secret="s" * 32,
    )
    app = FastAPI()
    auth.install(app)
    with TestClient(app) as client:
        body = logout_token(provider, "jti-fastapi")
        headers = {"content-type": "application/x-www-form-urlencoded"}
        ok = client.post("/auth/backchannel-logout", content=body, headers=headers)
        assert ok.status_code == 200 and ok.headers["cache-control"] == "no-store"
        again = client.post("/auth/backchannel-logout", content=body, headers=headers)
        assert (again.status_code, again.json()["code"]) == (400, "token_replayed")
        huge = client.post("/auth/backchannel-logout", content=b"x" * 70_000, headers=headers)
        assert huge.status_code == 413
        assert client.get("/auth/backchannel-logout").status_code == 405
