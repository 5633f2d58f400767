"""The shared JSON vectors: URLs as the official SDK builds them, signed webhooks, and
token types (an ID or logout token is never accepted as an access token)."""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest

import scalekit_auth as sk

from .conftest import load_vectors

URLS = load_vectors("urls.json")
WEBHOOKS = load_vectors("webhooks.json")["cases"]


@pytest.fixture
def client() -> sk.ScalekitAuth:
    return sk.ScalekitAuth(URLS["environment_url"], URLS["client_id"], "secret")


@pytest.mark.parametrize("case", URLS["authorization"], ids=lambda c: c["name"])
def test_authorization_urls(client: sk.ScalekitAuth, case: dict[str, Any]) -> None:
    assert client.get_authorization_url(case["redirect_uri"], **case["options"]) == case["url"]


@pytest.mark.parametrize("case", URLS["logout"], ids=lambda c: c["name"])
def test_logout_urls(client: sk.ScalekitAuth, case: dict[str, Any]) -> None:
    assert client.get_logout_url(**case["options"]) == case["url"]


@pytest.mark.parametrize("case", WEBHOOKS, ids=lambda c: c["name"])
def test_webhooks(client: sk.ScalekitAuth, case: dict[str, Any]) -> None:
    verify = (
        client._native.verify_webhook_payload
        if case["kind"] == "webhook"
        else client._native.verify_interceptor_payload
    )
    try:
        verdict = "ok" if verify(case["secret"], case["headers"], case["body"], case["now"]) else "false"
    except sk.ScalekitAuthError as error:
        verdict = error.code
    assert verdict == case["expected"]


TOKEN_TYPES = load_vectors("token_types.json")


@pytest.fixture(scope="module")
def jwks_url() -> Iterator[str]:
    """A loopback server publishing the vectors' key at ``/keys``, without discovery (404),
    so the client falls back to Scalekit's default paths."""
    body = json.dumps(TOKEN_TYPES["jwks"]).encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (the name http.server calls)
            found = self.path == "/keys"
            self.send_response(200 if found else 404)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body) if found else 0))
            self.end_headers()
            if found:
                self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def verdict_of(run: Callable[[], object]) -> str | None:
    try:
        claims = run()
    except sk.ScalekitAuthError as error:
        assert isinstance(error, sk.TokenError)
        return error.code
    assert isinstance(claims, sk.Claims) and claims.sub == "usr_1"
    return None


@pytest.mark.parametrize("case", TOKEN_TYPES["cases"], ids=lambda c: c["name"])
def test_token_types_blocking(jwks_url: str, case: dict[str, Any]) -> None:
    client = sk.ScalekitAuth(
        environment_url=jwks_url, client_id=TOKEN_TYPES["client_id"], client_secret="x",
        issuer=[TOKEN_TYPES["issuer"]],
    )
    assert verdict_of(lambda: client.validate_access_token(case["token"])) == case["code"]


@pytest.mark.anyio
@pytest.mark.parametrize("case", TOKEN_TYPES["cases"], ids=lambda c: c["name"])
async def test_token_types_awaitable(jwks_url: str, case: dict[str, Any]) -> None:
    client = sk.AsyncScalekitAuth(
        environment_url=jwks_url, client_id=TOKEN_TYPES["client_id"], client_secret="x",
        issuer=[TOKEN_TYPES["issuer"]],
    )
    for _ in range(2):  # cold (keys fetched), then warm (answered without waiting)
        try:
            claims = await client.validate_access_token(case["token"])
        except sk.TokenError as error:
            assert error.code == case["code"]
        else:
            assert case["code"] is None and claims.sub == "usr_1"
