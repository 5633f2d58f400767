"""Test helpers for apps built on scalekit_auth: a local signer that mints tokens, a
tiny provider on 127.0.0.1 that serves its discovery document and JWKS, and signed-in
session cookies, so protected routes can be tested without Scalekit.

>>> from scalekit_auth.testing import LocalProvider
>>> with LocalProvider(client_id="skc_test") as provider:
...     auth = provider.client()
...     token = provider.mint(sub="usr_1", roles=["admin"])
...     auth.validate_access_token(token).roles
['admin']

A FastAPI app configured with the provider as its environment accepts the cookie of
:func:`session_cookie_for`:

>>> from fastapi import Depends, FastAPI
>>> from fastapi.testclient import TestClient
>>> from scalekit_auth import Identity
>>> from scalekit_auth.fastapi import ScalekitFastAPI
>>> with LocalProvider() as provider:
...     auth = ScalekitFastAPI.from_settings(
...         environment_url=provider.url, client_id=provider.client_id, client_secret=provider.client_secret,
...         redirect_uri="http://localhost:8000/auth/callback", session_secret="s" * 32)
...     app = FastAPI()
...     auth.install(app)
...     @app.get("/admin")
...     async def admin(me: Identity = Depends(auth.require_roles("admin"))) -> str:
...         return me.user.id
...     cookie = session_cookie_for(auth, provider, user_id="usr_ada", roles=["admin"])
...     TestClient(app).get("/admin", headers={"cookie": cookie}).json()
'usr_ada'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from . import _native
from ._client import AsyncScalekitAuth, ScalekitAuth
from ._native import TestSigner



class HasEngine(Protocol):
    """An integration with a session engine: ``ScalekitFastAPI``, ``ScalekitFlask``,
    Django's ``scalekit_auth.django.get_auth()``."""

    @property
    def engine(self) -> _native.SessionEngine: ...

__all__ = ["HasEngine", "LocalProvider", "TestSigner", "session_cookie_for", "session_cookies_for"]


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


def session_cookie_for(
    auth: HasEngine | _native.SessionEngine,
    provider: LocalProvider,
    *,
    user_id: str = "usr_test",
    email: str | None = None,
    name: str | None = None,
    roles: Sequence[str] | None = None,
    permissions: Sequence[str] | None = None,
    scopes: Sequence[str] | None = None,
    organization_id: str | None = None,
    expires_in: int = 3600,
    claims: Mapping[str, Any] | None = None,
) -> str:
    """A ``Cookie`` header value that ``auth`` (the app's integration: ``ScalekitFastAPI``,
    ``ScalekitFlask``, Django's ``get_auth()``; or its session engine) accepts as a signed-in session: sealed with the app's own
    session secret, the access token signed by ``provider`` (which the app must use as
    its environment). ``expires_in`` is the access token's remaining life in seconds
    (negative for an expired one); ``claims`` adds or overrides token claims."""
    engine = auth if isinstance(auth, _native.SessionEngine) else auth.engine
    options: dict[str, Any] = {
        "user_id": user_id, "email": email, "name": name, "organization_id": organization_id,
        "roles": list(roles) if roles is not None else None,
        "permissions": list(permissions) if permissions is not None else None,
        "scopes": list(scopes) if scopes is not None else None,
        "expires_in": expires_in, "claims": dict(claims) if claims is not None else None,
    }
    return engine.test_session_cookie(provider._started(), options)


def session_cookies_for(auth: HasEngine | _native.SessionEngine, provider: LocalProvider, **session: Any) -> dict[str, str]:
    """The cookies of :func:`session_cookie_for` (same arguments) by name, for test
    clients that keep their own cookie jar: Flask's ``client.set_cookie(name, value)`` for
    each, Django's ``client.cookies.load(cookies)``.

    >>> from flask import Flask
    >>> from scalekit_auth.flask import ScalekitFlask
    >>> with LocalProvider() as provider:
    ...     app = Flask(__name__)
    ...     app.config.update(
    ...         SCALEKIT_ENVIRONMENT_URL=provider.url, SCALEKIT_CLIENT_ID=provider.client_id,
    ...         SCALEKIT_CLIENT_SECRET=provider.client_secret, SCALEKIT_SESSION_SECRET="s" * 32,
    ...         SCALEKIT_REDIRECT_URI="http://localhost:5000/auth/callback")
    ...     auth = ScalekitFlask(app)
    ...     client = app.test_client()
    ...     for name, value in session_cookies_for(auth, provider, user_id="usr_ada").items():
    ...         client.set_cookie(name, value)
    ...     @app.get("/me")
    ...     @auth.login_required
    ...     def me() -> str:
    ...         from scalekit_auth.flask import current_identity
    ...         return current_identity.user.id
    ...     client.get("/me").get_data(as_text=True)
    'usr_ada'
    """
    header = session_cookie_for(auth, provider, **session)
    return dict(pair.split("=", 1) for pair in header.split("; ") if "=" in pair)
