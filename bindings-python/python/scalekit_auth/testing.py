"""Test helpers for apps built on scalekit_auth: a local signer that mints tokens and a
tiny provider on 127.0.0.1 that serves its discovery document and JWKS, so protected
routes can be tested without Scalekit.

>>> from scalekit_auth.testing import LocalProvider
>>> with LocalProvider(client_id="skc_test") as provider:
...     auth = provider.client()
...     token = provider.mint(sub="usr_1", roles=["admin"])
...     auth.validate_access_token(token).roles
['admin']
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from ._client import AsyncScalekitAuth, ScalekitAuth
from ._native import TestSigner

__all__ = ["LocalProvider", "TestSigner"]


class LocalProvider:
    """Serves ``/.well-known/openid-configuration`` and ``/keys`` on 127.0.0.1 and mints
    tokens whose issuer and audience match, signed with a fresh key. Use as a context
    manager, or call :meth:`start` and :meth:`stop`."""

    def __init__(self, client_id: str = "skc_test", client_secret: str = "test-secret", algorithm: str = "RS256") -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.signer = TestSigner(algorithm, "local-test-key")
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The environment URL (the issuer)."""
        if self._server is None:
            raise RuntimeError("the local provider is not started")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> LocalProvider:
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                if self.path == "/.well-known/openid-configuration":
                    body = json.dumps({
                        "issuer": provider.url,
                        "authorization_endpoint": f"{provider.url}/oauth/authorize",
                        "token_endpoint": f"{provider.url}/oauth/token",
                        "jwks_uri": f"{provider.url}/keys",
                        "end_session_endpoint": f"{provider.url}/oidc/logout",
                    })
                elif self.path == "/keys":
                    body = provider.signer.jwks_json()
                else:
                    self.send_error(404)
                    return
                data = body.encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> LocalProvider:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def client(self, **options: Any) -> ScalekitAuth:
        """A blocking client of this provider."""
        return ScalekitAuth(self.url, self.client_id, self.client_secret, **options)

    def async_client(self, **options: Any) -> AsyncScalekitAuth:
        """An awaitable client of this provider."""
        return AsyncScalekitAuth(self.url, self.client_id, self.client_secret, **options)

    def mint(
        self,
        sub: str = "usr_test",
        *,
        expires_in: int = 300,
        roles: list[str] | None = None,
        permissions: list[str] | None = None,
        scopes: list[str] | None = None,
        oid: str | None = "org_test",
        **claims: Any,
    ) -> str:
        """A signed access token for this provider's client; keyword arguments add or
        override claims (``aud=...``, ``exp=...``, custom ones)."""
        now = int(time.time())
        payload: dict[str, Any] = {
            "iss": self.url, "sub": sub, "aud": [self.client_id], "iat": now, "nbf": now,
            "exp": now + expires_in, "client_id": self.client_id,
        }
        if oid is not None:
            payload["oid"] = oid
        for name, value in (("roles", roles), ("permissions", permissions), ("scopes", scopes)):
            if value is not None:
                payload[name] = value
        payload.update(claims)
        return self.signer.sign(payload)
