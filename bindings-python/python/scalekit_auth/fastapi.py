"""Login, logout, sessions and protected routes for FastAPI, on the Rust session engine.

>>> from fastapi import Depends, FastAPI
>>> from scalekit_auth import Identity
>>> from scalekit_auth.fastapi import ScalekitFastAPI
>>> app = FastAPI()
>>> auth = ScalekitFastAPI.from_settings(
...     environment_url="https://acme.scalekit.com", client_id="skc_1", client_secret="secret",
...     redirect_uri="http://localhost:8000/auth/callback", session_secret="x" * 32)
>>> auth.install(app)  # /auth/login, /auth/signup, /auth/callback, /auth/logout
>>> @app.get("/dashboard")
... async def dashboard(me: Identity = Depends(auth.require_user)) -> dict[str, str]:
...     return {"hello": me.user.id}

Every decision (redirect to login, error page or 401/403 JSON, refreshed cookies) comes
from the engine; this module only moves it between Starlette objects and the engine.
Error details are logged to the ``scalekit_auth`` logger (warning for 5xx, debug
otherwise); responses carry only the error code and a short message.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from . import _native
from ._client import ScalekitAuth
from ._native import REQUEST_HEADERS, Decision, Identity

logger = logging.getLogger("scalekit_auth")

# The scope key of the list where dependencies leave the cookies of a continued request
# (a refreshed session) for the cookie writer.
_COOKIES = "scalekit_auth.set_cookies"


class _DecisionReached(Exception):
    """Raised by a dependency whose decision is not to run the route."""

    def __init__(self, decision: Decision) -> None:
        super().__init__(decision.kind)
        self.decision = decision


def _request(request: Request) -> tuple[str, str, dict[str, str]]:
    """The request as the engine takes it: method, path and query, and the headers it
    reads (by lower-case name; a repeated header joined as one)."""
    query = request.url.query
    path_and_query = f"{request.url.path}?{query}" if query else request.url.path
    headers: dict[str, str] = {}
    for name in REQUEST_HEADERS:
        values = request.headers.getlist(name)
        if values:
            headers[name] = ("; " if name == "cookie" else ", ").join(values)
    return request.method, path_and_query, headers


_MAX_BACKCHANNEL_BODY = 64 * 1024


def _log(decision: Decision) -> None:
    """Logs the error behind a decision with its details (never sent to the client)."""
    if decision.error_detail is not None:
        level = logging.WARNING if decision.status >= 500 else logging.DEBUG
        logger.log(level, "%s (%s): %s", decision.error_code, decision.status, decision.error_detail)


def _response(decision: Decision) -> Response:
    _log(decision)
    response = Response(decision.body or "", status_code=decision.status)
    for name, value in decision.headers:
        response.headers.append(name, value)
    for cookie in decision.set_cookies:
        response.headers.append("set-cookie", cookie)
    return response


def _keep_cookies(request: Request, decision: Decision) -> None:
    """Hands the cookies of a continued request to the cookie writer."""
    cookies: list[str] | None = request.scope.get(_COOKIES)
    if cookies is None:
        raise RuntimeError("scalekit_auth: call auth.install(app) before serving requests")
    cookies.extend(decision.set_cookies)


def _cookie_name(set_cookie: bytes) -> bytes:
    """The name a ``Set-Cookie`` value sets."""
    return set_cookie.split(b"=", 1)[0].strip()


class _CookieWriter:
    """ASGI wrapper around the whole app, outside Starlette's error handling, that adds
    the cookies a dependency decided on (a refreshed session) to whatever response the
    request ends with: a route that raises answers 500, and the rotated refresh token
    must still reach the browser."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or _COOKIES in scope:  # another writer is further out
            await self.app(scope, receive, send)
            return
        cookies: list[str] = []
        scope[_COOKIES] = cookies

        async def send_with_cookies(message: Message) -> None:
            if message["type"] == "http.response.start" and cookies:
                # A cookie the route sets itself (the logout's clearing, a new login's
                # session) wins over what a dependency kept for this request.
                headers = list(message.get("headers", []))
                own = {_cookie_name(v) for k, v in headers if k.lower() == b"set-cookie"}
                kept = [c.encode("latin-1") for c in cookies]
                headers.extend((b"set-cookie", c) for c in kept if _cookie_name(c) not in own)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_cookies)


class ScalekitFastAPI:
    """Sessions for one FastAPI app. Build it once (``from_env()`` or
    ``from_settings()``), call :meth:`install`, then protect routes with
    ``Depends(auth.require_user)``, ``Depends(auth.optional_user)`` or
    ``Depends(auth.require_roles("admin"))``."""

    def __init__(self, client: ScalekitAuth, engine: _native.SessionEngine, *, prefix: str = "/auth") -> None:
        self.client = client
        self.engine = engine
        self.router = APIRouter(prefix=prefix, tags=["auth"])
        self.router.add_api_route("/login", self._login, methods=["GET"], include_in_schema=False)
        self.router.add_api_route("/signup", self._signup, methods=["GET"], include_in_schema=False)
        self.router.add_api_route("/callback", self._callback, methods=["GET"], include_in_schema=False)
        self.router.add_api_route("/logout", self._logout, methods=["GET", "POST"], include_in_schema=False)
        self.router.add_api_route(
            "/backchannel-logout", self._backchannel_logout, methods=["POST"], include_in_schema=False
        )

    @classmethod
    def from_env(cls, *, prefix: str = "/auth", **session_options: Any) -> ScalekitFastAPI:
        """Configured from the ``SCALEKIT_*`` variables (environment URL, client id and
        secret, ``SCALEKIT_REDIRECT_URI``, ``SCALEKIT_SESSION_SECRET``, optionally
        ``SCALEKIT_POST_LOGOUT_REDIRECT_URI``, ``SCALEKIT_SCOPES``, ``SCALEKIT_REDIS_URL``
        and ``SCALEKIT_SERVER_SIDE_SESSIONS``)."""
        client = ScalekitAuth.from_env()
        options = {"login_path": f"{prefix}/login", **session_options}
        return cls(client, _native.SessionEngine.from_env(client._native, options), prefix=prefix)

    @classmethod
    def from_settings(
        cls,
        *,
        environment_url: str,
        client_id: str,
        client_secret: str,
        redirect_uri: str,
        session_secret: str | Sequence[str],
        post_logout_redirect_uri: str | None = None,
        scopes: Sequence[str] | None = None,
        prefix: str = "/auth",
        **options: Any,
    ) -> ScalekitFastAPI:
        """Configured from values (e.g. a pydantic settings object). ``session_secret``
        may be a list for rotation: the first seals, all open. Other keyword arguments
        are client options (``leeway_seconds``, ``audience``, ...) or session options
        (``idle_timeout_seconds``, ``absolute_lifetime_seconds``,
        ``refresh_window_seconds``, ``cookie_name``, ``secure_cookies``, ``redis_url``,
        ``server_side_sessions``, ``store_timeout_ms``)."""
        session_keys = {
            "cookie_name", "secure_cookies", "absolute_lifetime_seconds",
            "idle_timeout_seconds", "refresh_window_seconds", "redis_url",
            "server_side_sessions", "store_timeout_ms",
        }
        session_options = {k: v for k, v in options.items() if k in session_keys}
        client = ScalekitAuth(
            environment_url, client_id, client_secret,
            **{k: v for k, v in options.items() if k not in session_keys},
        )
        secrets = [session_secret] if isinstance(session_secret, str) else list(session_secret)
        session_options.update(
            post_logout_redirect_uri=post_logout_redirect_uri,
            scopes=list(scopes) if scopes is not None else None,
            login_path=f"{prefix}/login",
        )
        engine = _native.SessionEngine(client._native, redirect_uri, secrets, session_options)
        return cls(client, engine, prefix=prefix)

    def install(self, app: FastAPI) -> None:
        """Adds the auth routes, the cookie writer (outermost, so that it also writes on
        the 500 of a route that raised) and the handler that turns a denied request into
        its redirect, error page or JSON answer. Call before the app starts."""
        if app.middleware_stack is not None:
            raise RuntimeError("install() must be called before the app serves requests")
        app.include_router(self.router)
        build = app.build_middleware_stack
        # Starlette's ServerErrorMiddleware is always the outermost middleware of the
        # stack it builds; the cookie writer wraps the built stack instead.
        setattr(app, "build_middleware_stack", lambda: _CookieWriter(build()))

        async def handle(_request: Request, exc: Exception) -> Response:
            assert isinstance(exc, _DecisionReached)
            return _response(exc.decision)

        app.add_exception_handler(_DecisionReached, handle)

    async def _login(self, request: Request) -> Response:
        return _response(await self.engine.handle_login(*_request(request), False))

    async def _signup(self, request: Request) -> Response:
        return _response(await self.engine.handle_login(*_request(request), True))

    async def _callback(self, request: Request) -> Response:
        return _response(await self.engine.handle_callback(*_request(request)))

    async def _logout(self, request: Request) -> Response:
        return _response(await self.engine.handle_logout(*_request(request)))

    async def _backchannel_logout(self, request: Request) -> Response:
        # The provider's POST of a logout token (OpenID Back-Channel Logout): no browser,
        # no cookies; a bounded body, as a logout token is a few kilobytes.
        body = b""
        async for chunk in request.stream():
            body += chunk
            if len(body) > _MAX_BACKCHANNEL_BODY:
                return Response('{"error":"invalid_request"}', status_code=413, media_type="application/json")
        return _response(await self.engine.handle_backchannel_logout(request.method, body))

    async def _decide(
        self, request: Request, roles: list[str], permissions: list[str], scopes: list[str]
    ) -> Identity:
        method, path_and_query, headers = _request(request)
        decision = self.engine.try_require_auth(method, path_and_query, headers, roles, permissions, scopes)
        if decision is None:
            decision = await self.engine.require_auth(method, path_and_query, headers, roles, permissions, scopes)
        if decision.kind != "continue" or decision.identity is None:
            raise _DecisionReached(decision)
        _keep_cookies(request, decision)
        return decision.identity

    async def require_user(self, request: Request) -> Identity:
        """Dependency: the signed-in user. A browser loading a page without a session is
        redirected to log in (and comes back here); other callers (``fetch()``, API
        clients) get 401 JSON with the error code."""
        return await self._decide(request, [], [], [])

    async def optional_user(self, request: Request) -> Identity | None:
        """Dependency: the user if signed in, else ``None`` (a bad bearer token still
        gets 401)."""
        decision = await self.engine.optional_auth(*_request(request))
        if decision.kind != "continue":
            raise _DecisionReached(decision)
        _log(decision)
        _keep_cookies(request, decision)
        return decision.identity

    def _requiring(
        self, roles: Sequence[str] = (), permissions: Sequence[str] = (), scopes: Sequence[str] = ()
    ) -> Callable[[Request], Awaitable[Identity]]:
        async def dependency(request: Request) -> Identity:
            return await self._decide(request, list(roles), list(permissions), list(scopes))

        return dependency

    def require_roles(self, *roles: str) -> Callable[[Request], Awaitable[Identity]]:
        """Dependency: a user holding every role (else 403 JSON ``insufficient_scope``)."""
        return self._requiring(roles=roles)

    def require_permissions(self, *permissions: str) -> Callable[[Request], Awaitable[Identity]]:
        """Dependency: a user holding every permission."""
        return self._requiring(permissions=permissions)

    def require_scopes(self, *scopes: str) -> Callable[[Request], Awaitable[Identity]]:
        """Dependency: a token granting every scope (for APIs with bearer tokens)."""
        return self._requiring(scopes=scopes)
