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

import inspect
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI, HTTPException, Request, Security
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer
from fastapi.security.base import SecurityBase
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from . import _native
from ._client import AsyncScalekitAuth, ScalekitAuth
from ._native import CLIENT_OPTIONS, REQUEST_HEADERS, AuthResult, Decision, Identity, LoginDeniedError, ScalekitAuthError

__all__ = ["AfterCallback", "ErrorHandler", "ScalekitBearer", "ScalekitFastAPI"]

#: ``after_callback(request, login)``: runs once a login's tokens are validated, before
#: its session opens. Return a JSON-compatible mapping to keep in the session
#: (``identity.app_data`` on every request; at most 2 KiB) or ``None``; raise
#: :class:`~scalekit_auth.LoginDeniedError` with a reason for the user to refuse the login.
#: An app that keeps its own sessions (Modular SSO) returns a ``Response`` instead: no
#: session of this package's opens, and that response (with the app's own session cookie)
#: is the answer; ``request.state.scalekit_return_to`` is where the login was headed (a
#: safe path of the app). May be async.
AfterCallback = Callable[
    [Request, AuthResult],
    Mapping[str, Any] | Response | None | Awaitable[Mapping[str, Any] | Response | None],
]

#: ``on_error(request, error, retry_path)``: the app's own answer to a refused request
#: (``str(error)`` is safe to show, ``error.detail`` is for logs; ``error.code``,
#: ``error.status``; ``retry_path`` starts a failed login again), or ``None`` for the
#: built-in page or JSON. May be async.
ErrorHandler = Callable[[Request, ScalekitAuthError, str | None], Response | None | Awaitable[Response | None]]


def _split_options(options: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Client options and session options of one set of keyword arguments."""
    client = {k: v for k, v in options.items() if k in CLIENT_OPTIONS}
    return client, {k: v for k, v in options.items() if k not in CLIENT_OPTIONS}


logger = logging.getLogger("scalekit_auth")

# The scope key of the list where dependencies leave the cookies of a continued request
# (a refreshed session) for the cookie writer.
_COOKIES = "scalekit_auth.set_cookies"


class _DecisionReached(Exception):
    """Raised by a dependency whose decision is not to run the route."""

    def __init__(self, decision: Decision) -> None:
        super().__init__(decision.kind)
        self.decision = decision


_READ_HEADERS = frozenset(name.encode("latin-1") for name in REQUEST_HEADERS)


def _request(request: Request) -> tuple[str, str, dict[str, str]]:
    """The request as the engine takes it: method, path and query, and the headers it
    reads (by lower-case name; a repeated header joined as one). Read from the ASGI scope
    in one pass: this runs on every protected request."""
    scope = request.scope
    # As Starlette's request.url.path: the full path (root_path included), with the
    # characters that would end a path escaped.
    path = scope["path"].replace("?", "%3F").replace("#", "%23").replace("\\", "%5C")
    query = scope.get("query_string", b"")
    path_and_query = f"{path}?{query.decode('latin-1')}" if query else path
    headers: dict[str, str] = {}
    for raw_name, raw_value in scope["headers"]:
        name = raw_name.lower()
        if name in _READ_HEADERS:
            key, value = name.decode("latin-1"), raw_value.decode("latin-1")
            if key in headers:
                value = headers[key] + ("; " if key == "cookie" else ", ") + value
            headers[key] = value
    return scope["method"], path_and_query, headers


_MAX_BACKCHANNEL_BODY = 64 * 1024


def _log(decision: Decision) -> None:
    """Logs the error behind a decision with its details (never sent to the client)."""
    if decision.error_detail is not None:
        # By the error's own status: a logout whose store failed is still a redirect.
        level = logging.WARNING if (decision.error_status or decision.status) >= 500 else logging.DEBUG
        # %r: the details may carry request input (an OAuth error description), which must
        # not start log lines of its own.
        logger.log(level, "%s (%s): %r", decision.error_code, decision.status, decision.error_detail)


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


async def _custom_answer(
    on_error: ErrorHandler | None, request: Request, decision: Decision
) -> Response | None:
    """The app's own answer to a refusal, through ``on_error``; ``None`` for the default.
    A hook that raises is logged and the default answer used."""
    error = decision.error
    # Only refusals: never a redirect to log in, nor the page that confirms a logout
    # started on another site.
    if on_error is None or not decision.is_refusal or error is None:
        return None
    try:
        answer = on_error(request, error, decision.retry_path)
        if inspect.isawaitable(answer):
            answer = await answer
    except Exception:
        logger.exception("scalekit_auth: on_error raised; answering with the default page")
        return None
    if answer is not None and not isinstance(answer, Response):
        logger.error("scalekit_auth: on_error returned %r, not a Response or None", type(answer).__name__)
        return None
    return answer


#: The bearer scheme in OpenAPI: every protected route takes access tokens.
_BEARER = HTTPBearer(
    scheme_name="ScalekitBearer", bearerFormat="JWT", auto_error=False,
    description="An access token of this Scalekit environment.",
)


class _SessionGuard(SecurityBase):
    """A session dependency that is also the session-cookie scheme it puts in OpenAPI
    (the lock in ``/docs``), with the bearer scheme as its one sub-dependency. FastAPI's
    cost per dependency is most of what protecting a route costs, so a route gets two
    dependencies, not one per scheme plus the check; the engine reads the request itself."""

    def __init__(self, cookie_name: str, description: str, decide: Callable[[Request], Awaitable[Any]]) -> None:
        self.model = APIKeyCookie(name=cookie_name, description=description, auto_error=False).model
        self.scheme_name = "ScalekitSession"
        self._decide = decide

    async def __call__(
        self, request: Request, _token: HTTPAuthorizationCredentials | None = Security(_BEARER)
    ) -> Any:
        return await self._decide(request)


# The guards are instances, and this module's annotations are strings: FastAPI versions
# that resolve a string annotation through the callable's __globals__ (which an instance
# lacks) would not see `request: Request`. The annotations FastAPI reads are given as objects.
_SessionGuard.__call__.__annotations__.update(request=Request, _token=HTTPAuthorizationCredentials | None)


class _BearerGuard(SecurityBase):
    """A bearer-token dependency that is also the bearer scheme it puts in OpenAPI: one
    dependency per protected route."""

    def __init__(self, decide: Callable[[Request], Awaitable[Identity]]) -> None:
        self.model = _BEARER.model
        self.scheme_name = "ScalekitBearer"
        self._decide = decide

    async def __call__(self, request: Request) -> Identity:
        return await self._decide(request)


_BearerGuard.__call__.__annotations__.update(request=Request)


class ScalekitFastAPI:
    """Sessions for one FastAPI app. Build it once (``from_env()`` or
    ``from_settings()``), call :meth:`install`, then protect routes with
    ``Depends(auth.require_user)``, ``Depends(auth.optional_user)`` or
    ``Depends(auth.require_roles("admin"))``.

    The dependencies are ``Security`` dependencies: ``/docs`` shows the session cookie
    and bearer schemes and a lock on every protected route. The same arguments give the
    same dependency, so tests can override one::

        app.dependency_overrides[auth.require_roles("admin")] = lambda: Identity(...)

    ``Annotated`` aliases keep signatures short::

        CurrentUser = Annotated[Identity, Depends(auth.require_user)]

        @app.get("/me")
        async def me(user: CurrentUser) -> dict[str, str]: ...
    """

    require_user: Callable[..., Awaitable[Identity]]
    """Dependency: the signed-in user. A browser loading a page without a session is
    redirected to log in (and comes back here); other callers (``fetch()``, API
    clients) get 401 JSON with the error code."""

    optional_user: Callable[..., Awaitable[Identity | None]]
    """Dependency: the user if signed in, else ``None`` (a bad bearer token still gets
    401)."""

    def __init__(
        self,
        client: ScalekitAuth,
        engine: _native.SessionEngine,
        *,
        prefix: str = "/auth",
        on_error: ErrorHandler | None = None,
        after_callback: AfterCallback | None = None,
    ) -> None:
        self.client = client
        self.engine = engine
        self.prefix = prefix
        self.on_error = on_error
        self.after_callback = after_callback
        self._installed: set[int] = set()
        self._dependencies: dict[tuple[tuple[str, ...], ...], Callable[..., Awaitable[Identity]]] = {}
        self._cookie_description = f"The session cookie set by {prefix}/callback after login."
        self.router = APIRouter(prefix=prefix, tags=["auth"], lifespan=self._check_installed)
        self.router.add_api_route("/login", self._login, methods=["GET"], include_in_schema=False)
        self.router.add_api_route("/signup", self._signup, methods=["GET"], include_in_schema=False)
        self.router.add_api_route("/callback", self._callback, methods=["GET"], include_in_schema=False)
        self.router.add_api_route("/logout", self._logout, methods=["GET", "POST"], include_in_schema=False)
        self.router.add_api_route(
            "/backchannel-logout", self._backchannel_logout, methods=["POST"], include_in_schema=False
        )
        self.require_user = self._requiring()

        async def optional_user(request: Request) -> Identity | None:
            decision = await self.engine.optional_auth(*_request(request))
            if decision.kind != "continue":
                raise _DecisionReached(decision)
            _log(decision)
            _keep_cookies(request, decision)
            return decision.identity

        self.optional_user = _SessionGuard(engine.session_cookie_name, self._cookie_description, optional_user)

    @asynccontextmanager
    async def _check_installed(self, app: Any) -> AsyncIterator[None]:
        """Fails the app's startup when only the router was included: without
        :meth:`install` refusals would not be answered and refreshed cookies not sent."""
        if id(app) not in self._installed:
            raise RuntimeError(
                "scalekit_auth: app.include_router(auth.router) alone is not enough; "
                "call auth.install(app) instead (it includes the router, the error handler "
                "and the cookie writer)"
            )
        yield

    @classmethod
    def from_env(
        cls,
        *,
        prefix: str = "/auth",
        on_error: ErrorHandler | None = None,
        after_callback: AfterCallback | None = None,
        **options: Any,
    ) -> ScalekitFastAPI:
        """Configured from the ``SCALEKIT_*`` variables (environment URL, client id and
        secret, ``SCALEKIT_REDIRECT_URI``, ``SCALEKIT_SESSION_SECRET``, optionally
        ``SCALEKIT_POST_LOGOUT_REDIRECT_URI``, ``SCALEKIT_SCOPES``, ``SCALEKIT_REDIS_URL``
        and ``SCALEKIT_SERVER_SIDE_SESSIONS``). Keyword arguments are client options
        (``audience``, ``leeway_seconds``, ...) or session options (``cookie_name``,
        ``same_site``, ``cookie_domain``, ``idle_timeout_seconds``, ...), as for
        :meth:`from_settings`."""
        client_options, session_options = _split_options(options)
        client = ScalekitAuth.from_env(**client_options)
        session_options = {**_route_options(prefix), **session_options}
        engine = _native.SessionEngine.from_env(client._native, session_options)
        return cls(client, engine, prefix=prefix, on_error=on_error, after_callback=after_callback)

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
        on_error: ErrorHandler | None = None,
        after_callback: AfterCallback | None = None,
        **options: Any,
    ) -> ScalekitFastAPI:
        """Configured from values (e.g. a pydantic settings object). ``session_secret``
        may be a list for rotation: the first seals, all open. Other keyword arguments
        are client options (``leeway_seconds``, ``audience``, ...) or session options
        (``idle_timeout_seconds``, ``absolute_lifetime_seconds``,
        ``refresh_window_seconds``, ``cookie_name``, ``cookie_domain``, ``same_site``
        (``"lax"``, ``"strict"``, ``"none"``), ``secure_cookies``, ``redis_url``,
        ``server_side_sessions``, ``store_timeout_ms``). ``on_error`` renders the
        app's own page for refused requests (see :data:`ErrorHandler`);
        ``after_callback`` looks at each login before its session opens (see
        :data:`AfterCallback`)."""
        client_options, session_options = _split_options(options)
        client = ScalekitAuth(environment_url, client_id, client_secret, **client_options)
        secrets = [session_secret] if isinstance(session_secret, str) else list(session_secret)
        session_options.update(
            post_logout_redirect_uri=post_logout_redirect_uri,
            scopes=list(scopes) if scopes is not None else None,
            **_route_options(prefix),
        )
        engine = _native.SessionEngine(client._native, redirect_uri, secrets, session_options)
        return cls(client, engine, prefix=prefix, on_error=on_error, after_callback=after_callback)

    def install(self, app: FastAPI) -> None:
        """Adds the auth routes, the cookie writer (outermost, so that it also writes on
        the 500 of a route that raised) and the handler that turns a denied request into
        its redirect, error page or JSON answer. Call before the app starts."""
        if app.middleware_stack is not None:
            raise RuntimeError("install() must be called before the app serves requests")
        self._installed.add(id(app))
        app.include_router(self.router)
        build = app.build_middleware_stack
        # Starlette's ServerErrorMiddleware is always the outermost middleware of the
        # stack it builds; the cookie writer wraps the built stack instead.
        setattr(app, "build_middleware_stack", lambda: _CookieWriter(build()))

        async def handle(request: Request, exc: Exception) -> Response:
            assert isinstance(exc, _DecisionReached)
            return await self._answer(request, exc.decision)

        app.add_exception_handler(_DecisionReached, handle)

    async def _answer(self, request: Request, decision: Decision) -> Response:
        """The response of a decision: the app's own page through ``on_error`` for a
        refusal, else the engine's redirect, page or JSON."""
        custom = await _custom_answer(self.on_error, request, decision)
        if custom is None:
            return _response(decision)
        _log(decision)
        for cookie in decision.set_cookies:
            custom.headers.append("set-cookie", cookie)
        return custom

    async def _login(self, request: Request) -> Response:
        return await self._answer(request, await self.engine.handle_login(*_request(request), False))

    async def _signup(self, request: Request) -> Response:
        return await self._answer(request, await self.engine.handle_login(*_request(request), True))

    async def _callback(self, request: Request) -> Response:
        parts = _request(request)
        if self.after_callback is None:
            return await self._answer(request, await self.engine.handle_callback(*parts))
        pending = await self.engine.begin_callback(*parts)
        app_data: Mapping[str, Any] | Response | None = None
        deny: str | None = None
        # Where the login was headed, for a hook that answers itself.
        request.state.scalekit_return_to = pending.return_to
        if pending.result is not None:
            try:
                verdict = self.after_callback(request, pending.result)
                app_data = await verdict if inspect.isawaitable(verdict) else verdict
            except LoginDeniedError as denied:
                deny = str(denied) or "This sign-in is not allowed."
        if isinstance(app_data, Response):
            # The app keeps its own session: the login transaction ends here, none opens.
            decision = await self.engine.finish_callback(*parts, pending, None, deny, open_session=False)
            if decision.error is not None:
                return await self._answer(request, decision)
            for cookie in decision.set_cookies:
                app_data.headers.append("set-cookie", cookie)
            return app_data
        if app_data is not None and not isinstance(app_data, Mapping):
            raise TypeError(
                "after_callback must return a mapping (the app data kept in the session) or None, "
                f"not {type(app_data).__name__}"
            )
        data = dict(app_data) if app_data is not None else None
        try:
            decision = await self.engine.finish_callback(*parts, pending, data, deny)
        except TypeError as error:
            raise TypeError(f"the app data after_callback returned is not JSON: {error}") from error
        return await self._answer(request, decision)

    async def _logout(self, request: Request) -> Response:
        return await self._answer(request, await self.engine.handle_logout(*_request(request)))

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

    def _requiring(
        self, roles: Sequence[str] = (), permissions: Sequence[str] = (), scopes: Sequence[str] = ()
    ) -> Callable[..., Awaitable[Identity]]:
        """The dependency for these requirements: one object per distinct set, so that
        ``app.dependency_overrides`` finds it again."""
        key = (tuple(roles), tuple(permissions), tuple(scopes))
        found = self._dependencies.get(key)
        if found is not None:
            return found
        needed = [list(part) for part in key]

        async def decide(request: Request) -> Identity:
            return await self._decide(request, *needed)

        dependency = _SessionGuard(self.engine.session_cookie_name, self._cookie_description, decide)
        self._dependencies[key] = dependency
        return dependency

    async def end_sessions_for(self, user_id: str) -> None:
        """Ends every session of the user ``user_id`` begun until now, on every instance
        sharing the store (``SCALEKIT_REDIS_URL``; otherwise in this process): each is
        refused, and its cookie cleared, on its next request. A later login works as
        usual. For banning a user, or after a password or role change::

            @app.post("/admin/users/{user_id}/ban")
            async def ban(user_id: str, me: Identity = Depends(auth.require_roles("admin"))) -> None:
                await auth.end_sessions_for(user_id)
        """
        await self.engine.end_sessions_for(user_id)

    def require_roles(self, *roles: str) -> Callable[..., Awaitable[Identity]]:
        """Dependency: a user holding every role (else 403: an HTML page for a browser
        loading a page, JSON ``insufficient_scope`` for other callers)."""
        return self._requiring(roles=roles)

    def require_permissions(self, *permissions: str) -> Callable[..., Awaitable[Identity]]:
        """Dependency: a user holding every permission."""
        return self._requiring(permissions=permissions)

    def require_scopes(self, *scopes: str) -> Callable[..., Awaitable[Identity]]:
        """Dependency: a token granting every scope (for APIs with bearer tokens)."""
        return self._requiring(scopes=scopes)


def _route_options(prefix: str) -> dict[str, str]:
    """The session options the auth routes imply: where logins start, and the callback
    path the redirect URI must end with (checked when the engine is built)."""
    return {"login_path": f"{prefix}/login", "callback_path": f"{prefix}/callback"}


class ScalekitBearer:
    """Authorization for API services that take access tokens only: no redirect URI,
    no session secret, no cookies, nothing to install.

    >>> from fastapi import Depends, FastAPI
    >>> from scalekit_auth import Identity
    >>> from scalekit_auth.fastapi import ScalekitBearer
    >>> api = FastAPI()
    >>> bearer = ScalekitBearer.from_settings(
    ...     environment_url="https://acme.scalekit.com", client_id="skc_1", client_secret="secret")
    >>> @api.get("/reports")
    ... async def reports(caller: Identity = Depends(bearer.require_scopes("reports:read"))) -> list[str]:
    ...     return []

    A request without a valid token gets 401, one without the scopes 403, each with a
    ``WWW-Authenticate: Bearer`` challenge and the body
    ``{"detail": {"error": <code>, "message": <text>}}`` (a FastAPI ``HTTPException``,
    so the app's own exception handlers apply). ``/docs`` shows the bearer scheme.
    """

    require_token: Callable[..., Awaitable[Identity]]
    """Dependency: the identity of a valid access token."""

    def __init__(self, client: ScalekitAuth | AsyncScalekitAuth) -> None:
        self.client = client
        self._dependencies: dict[tuple[tuple[str, ...], ...], Callable[..., Awaitable[Identity]]] = {}
        self.require_token = self._requiring()

    @classmethod
    def from_env(cls, **client_options: Any) -> ScalekitBearer:
        """From ``SCALEKIT_ENVIRONMENT_URL``, ``SCALEKIT_CLIENT_ID`` and
        ``SCALEKIT_CLIENT_SECRET``; keyword arguments are client options (``audience``,
        ``leeway_seconds``, ...)."""
        return cls(ScalekitAuth.from_env(**client_options))

    @classmethod
    def from_settings(
        cls, *, environment_url: str, client_id: str, client_secret: str, **client_options: Any
    ) -> ScalekitBearer:
        """From values; keyword arguments are client options."""
        return cls(ScalekitAuth(environment_url, client_id, client_secret, **client_options))

    def _requiring(
        self, roles: Sequence[str] = (), permissions: Sequence[str] = (), scopes: Sequence[str] = ()
    ) -> Callable[..., Awaitable[Identity]]:
        key = (tuple(roles), tuple(permissions), tuple(scopes))
        found = self._dependencies.get(key)
        if found is not None:
            return found
        native = self.client._native
        needed = [list(part) for part in key]

        async def decide(request: Request) -> Identity:
            authorization = request.headers.get("authorization")
            decision = native.try_authorize_bearer(authorization, *needed)
            if decision is None:
                decision = await native.authorize_bearer(authorization, *needed)
            if decision.kind == "continue" and decision.identity is not None:
                return decision.identity
            _log(decision)
            headers = {name: value for name, value in decision.headers if name == "www-authenticate"}
            raise HTTPException(decision.status, detail=json.loads(decision.body or "{}"), headers=headers)

        dependency = _BearerGuard(decide)
        self._dependencies[key] = dependency
        return dependency

    def require_scopes(self, *scopes: str) -> Callable[..., Awaitable[Identity]]:
        """Dependency: a token granting every scope."""
        return self._requiring(scopes=scopes)

    def require_roles(self, *roles: str) -> Callable[..., Awaitable[Identity]]:
        """Dependency: a token whose user holds every role."""
        return self._requiring(roles=roles)

    def require_permissions(self, *permissions: str) -> Callable[..., Awaitable[Identity]]:
        """Dependency: a token whose user holds every permission."""
        return self._requiring(permissions=permissions)
