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

from typing import Any

from . import _native
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
        self.algorithm = algorithm
        self._native: _native.LocalProvider | None = None

    @property
    def url(self) -> str:
        """The environment URL (the issuer)."""
        return self._started().url

    @property
    def kid(self) -> str:
        """The ``kid`` of the signing key."""
        return self._started().kid

    def _started(self) -> _native.LocalProvider:
        if self._native is None:
            raise RuntimeError("the local provider is not started")
        return self._native

    def start(self) -> LocalProvider:
        self._native = _native.LocalProvider(self.client_id, self.client_secret, self.algorithm)
        return self

    def stop(self) -> None:
        if self._native is not None:
            self._native.stop()
            self._native = None

    def __enter__(self) -> LocalProvider:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def jwks(self) -> dict[str, Any]:
        """The JWKS document the provider serves."""
        return self._started().jwks()

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
        payload: dict[str, Any] = {"sub": sub, "oid": oid}
        for name, value in (("roles", roles), ("permissions", permissions), ("scopes", scopes)):
            if value is not None:
                payload[name] = value
        payload.update(claims)
        return self._started().mint(payload, expires_in)
