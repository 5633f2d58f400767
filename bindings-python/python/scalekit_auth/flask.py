"""Login, logout, sessions and protected views for Flask, on the Rust session engine.

>>> from flask import Flask
>>> from scalekit_auth.flask import ScalekitFlask, current_identity
>>> app = Flask(__name__)
>>> app.config.update(
...     SCALEKIT_ENVIRONMENT_URL="https://acme.scalekit.com", SCALEKIT_CLIENT_ID="skc_1",
...     SCALEKIT_CLIENT_SECRET="secret", SCALEKIT_REDIRECT_URI="http://localhost:5000/auth/callback",
...     SCALEKIT_SESSION_SECRET="x" * 32)
>>> auth = ScalekitFlask(app)  # /auth/login, /auth/signup, /auth/callback, /auth/logout
>>> @app.get("/dashboard")
... @auth.login_required
... def dashboard() -> str:
...     return f"hello {current_identity.user.id}"

Settings come from ``app.config`` (``SCALEKIT_ENVIRONMENT_URL``, ``SCALEKIT_CLIENT_ID``,
``SCALEKIT_CLIENT_SECRET``, ``SCALEKIT_REDIRECT_URI``, ``SCALEKIT_SESSION_SECRET``, and
any option as ``SCALEKIT_`` + its name in upper case, e.g. ``SCALEKIT_COOKIE_DOMAIN``),
each from the environment when ``app.config`` lacks it. Every decision (redirect to log
in, error page or 401/403 JSON, refreshed cookies) comes from the engine; this module only
moves it between Flask and the engine. Error details go to the ``scalekit_auth`` logger.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from flask import Blueprint, Flask, Response, current_app, g, has_app_context, request
from werkzeug.local import LocalProxy

from . import _native, _wsgi
from ._client import ScalekitAuth
from ._native import AuthResult, Decision, Identity, ScalekitAuthError

__all__ = ["AfterCallback", "ErrorHandler", "ScalekitFlask", "current_identity", "get_identity"]

#: ``after_callback(request, login)``: runs once a login's tokens are validated, before its
#: session opens. Return a JSON-compatible mapping to keep in the session
#: (``identity.app_data``), ``None``, or a ``Response`` of the app's own (it keeps its own
#: session: none of this package's opens); raise :class:`~scalekit_auth.LoginDeniedError`
#: with a reason to refuse the login.
AfterCallback = Callable[[Any, AuthResult], "Mapping[str, Any] | Response | None"]

#: ``on_error(request, error, retry_path)``: the app's own response to a refused request
#: (``str(error)`` is safe to show, ``error.detail`` is for logs), or ``None`` for the
#: built-in page or JSON.
ErrorHandler = Callable[[Any, ScalekitAuthError, "str | None"], "Response | None"]

_View = TypeVar("_View", bound=Callable[..., Any])

_EXTENSION = "scalekit_auth"
# Per request, in the WSGI environ (flask.g may outlive a request: it belongs to the app
# context, which a request reuses when one is already pushed): the identity once known,
# and the cookies to write.
_IDENTITY = "scalekit_auth.identity"
_COOKIES = "scalekit_auth.set_cookies"


@dataclass(frozen=True)
class _AppAuth:
    """What ``init_app`` built for one app: each app has its own, so one extension object
    can serve several apps (application factories, tests) without sharing their secrets."""

    client: ScalekitAuth
    engine: _native.SessionEngine
    extension: ScalekitFlask


def _app_auth() -> _AppAuth:
    try:
        return cast(_AppAuth, current_app.extensions[_EXTENSION])
    except KeyError:
        raise RuntimeError("scalekit_auth: call ScalekitFlask(app) or auth.init_app(app) first") from None


def get_identity() -> Identity | None:
    """Who made the current request: the identity a guard of this view found, else the
    session's or bearer token's if there is a valid one, else ``None`` (a page that shows
    both states). Refreshes an expiring session like the guards."""
    environ = request.environ
    if _IDENTITY not in environ:
        _remember(_app_auth().extension._optional())
    return cast("Identity | None", environ[_IDENTITY])


def _remember(identity: Identity | None) -> None:
    """The request's identity, for ``current_identity`` and as ``g.scalekit_identity``."""
    request.environ[_IDENTITY] = identity
    g.scalekit_identity = identity


def _forget_previous() -> None:
    # flask.g belongs to the app context, which a request may share with an earlier one.
    g.pop("scalekit_identity", None)


#: The current request's :class:`~scalekit_auth.Identity`, as Flask-Login's
#: ``current_user``: ``current_identity.user.email``; ``if current_identity:`` is false
#: when signed out (a proxy is never ``None`` itself: use :func:`get_identity` for that).
current_identity: Identity = cast(Identity, LocalProxy(get_identity))


def _response(decision: Decision) -> Response:
    _wsgi.log(decision)
    # The engine's headers at construction: its Content-Type replaces Flask's default.
    response = Response(decision.body or "", status=decision.status, headers=list(decision.headers))
    for cookie in decision.set_cookies:
        response.headers.add("Set-Cookie", cookie)
    return response


def _keep_cookies(decision: Decision) -> None:
    cookies: list[str] = request.environ.setdefault(_COOKIES, [])
    cookies.extend(decision.set_cookies)


def _write_cookies(response: Response) -> Response:
    """Adds the cookies a guard decided on (a refreshed session) to whatever response the
    request ends with, error responses included (Flask runs ``after_request`` on the 500
    of a view that raised). A response that depends on who asked says so to caches."""
    environ = request.environ
    if _IDENTITY in environ or _COOKIES in environ:
        response.vary.update(("Cookie", "Authorization"))
    cookies: list[str] = environ.pop(_COOKIES, [])
    if cookies:
        own = [_wsgi.cookie_name(c) for c in response.headers.getlist("Set-Cookie")]
        added = _wsgi.missing_cookies(cookies, own)
        for cookie in added:
            response.headers.add("Set-Cookie", cookie)
        if added:
            response.cache_control.private = True
    return response


class ScalekitFlask:
    """Sessions for Flask apps: ``ScalekitFlask(app)``, or ``auth = ScalekitFlask()`` and
    ``auth.init_app(app)`` in an application factory. Registers the auth blueprint
    (``url_prefix``, default ``/auth``) and the cookie writer; protect views with
    :meth:`login_required`, :meth:`require_roles`, :meth:`require_permissions` or
    :meth:`require_scopes` (under ``@app.get``), and read :data:`current_identity`.

    A missing or wrong setting raises :class:`~scalekit_auth.ConfigurationError` in
    ``init_app``, at startup, naming it.
    """

    def __init__(
        self,
        app: Flask | None = None,
        *,
        url_prefix: str = "/auth",
        on_error: ErrorHandler | None = None,
        after_callback: AfterCallback | None = None,
    ) -> None:
        self.url_prefix = url_prefix.rstrip("/")
        self.on_error = on_error
        self.after_callback = after_callback
        self.blueprint = self._blueprint()
        self._last: _AppAuth | None = None
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask) -> None:
        """Reads the settings of ``app`` and installs the routes, the cookie writer and
        ``current_identity`` in templates."""
        values = {k.removeprefix("SCALEKIT_"): v for k, v in app.config.items() if k.startswith("SCALEKIT_")}
        settings = _wsgi.read_settings(values, lambda name: f"SCALEKIT_{name}")
        client, engine = _wsgi.build(settings, f"{self.url_prefix}/login", f"{self.url_prefix}/callback")
        self._last = app.extensions[_EXTENSION] = _AppAuth(client, engine, self)
        app.register_blueprint(self.blueprint)
        app.before_request(_forget_previous)
        app.after_request(_write_cookies)
        app.context_processor(lambda: {"current_identity": current_identity})
        # Before or after Flask-WTF's CSRFProtect: exempted now if it is there, else at the
        # first request (its check runs after this one then).
        with app.app_context():
            self._exempt_from_csrf()
        app.before_request(self._exempt_from_csrf)

    def _exempt_from_csrf(self) -> None:
        """Flask-WTF's CSRF protection would refuse the provider's back-channel POST and
        the logout form, which the engine guards itself (a logout only from this site)."""
        csrf = current_app.extensions.get("csrf")
        exempt = getattr(csrf, "exempt", None)
        if exempt is not None and self.blueprint.name not in getattr(csrf, "_exempt_blueprints", ()):
            exempt(self.blueprint)

    @property
    def client(self) -> ScalekitAuth:
        """The current app's client (outside a request, the app ``init_app`` saw last)."""
        return self._installed().client

    @property
    def engine(self) -> _native.SessionEngine:
        """The current app's session engine (outside a request, the app ``init_app`` saw
        last): what ``scalekit_auth.testing.session_cookies_for(auth, provider)`` seals with."""
        return self._installed().engine

    def _installed(self) -> _AppAuth:
        if has_app_context() and _EXTENSION in current_app.extensions:
            return _app_auth()
        if self._last is None:
            raise RuntimeError("scalekit_auth: call ScalekitFlask(app) or auth.init_app(app) first")
        return self._last

    def _blueprint(self) -> Blueprint:
        bp = Blueprint("scalekit_auth", __name__, url_prefix=self.url_prefix or None)
        bp.add_url_rule("/login", "login", lambda: self._route("login"), methods=["GET"])
        bp.add_url_rule("/signup", "signup", lambda: self._route("signup"), methods=["GET"])
        bp.add_url_rule("/callback", "callback", self._callback, methods=["GET"])
        bp.add_url_rule("/logout", "logout", lambda: self._route("logout"), methods=["GET", "POST"])
        bp.add_url_rule("/backchannel-logout", "backchannel_logout", self._backchannel_logout, methods=["POST"])
        return bp

    # ---- routes -----------------------------------------------------------------------

    def _answer(self, decision: Decision) -> Response:
        """The response of a decision: the app's own through ``on_error`` for a refusal,
        else the engine's redirect, page or JSON."""
        custom = _wsgi.custom_answer(self.on_error, request, decision, Response)
        if custom is None:
            return _response(decision)
        _wsgi.log(decision)
        for cookie in decision.set_cookies:
            custom.headers.add("Set-Cookie", cookie)
        return cast(Response, custom)

    def _route(self, name: str) -> Response:
        method, path_and_query, headers = _wsgi.engine_request(request.environ)
        if name == "logout":
            return self._answer(self.engine.handle_logout_sync(method, path_and_query, headers))
        # Flask-Login's `next` is read as the engine's `return_to` (which it checks).
        path_and_query = _wsgi.following(path_and_query)
        return self._answer(self.engine.handle_login_sync(method, path_and_query, headers, name == "signup"))

    def _callback(self) -> Response:
        parts = _wsgi.engine_request(request.environ)
        if self.after_callback is None:
            return self._answer(self.engine.handle_callback_sync(*parts))
        pending = self.engine.begin_callback_sync(*parts)
        # Where the login was headed, for a hook that answers itself.
        g.scalekit_return_to = pending.return_to
        verdict = _wsgi.run_after_callback(self.after_callback, request, pending.result, Response)
        if verdict.answer is not None:
            decision = self.engine.finish_callback_sync(*parts, pending, None, verdict.deny, open_session=False)
            if decision.error is not None:
                return self._answer(decision)
            answer = cast(Response, verdict.answer)
            for cookie in decision.set_cookies:
                answer.headers.add("Set-Cookie", cookie)
            return answer
        try:
            decision = self.engine.finish_callback_sync(*parts, pending, verdict.app_data, verdict.deny)
        except TypeError as error:
            raise TypeError(f"the app data after_callback returned is not JSON: {error}") from error
        return self._answer(decision)

    def _backchannel_logout(self) -> Response:
        # The provider's POST of a logout token: no browser, no cookies, a bounded body.
        if (request.content_length or 0) > _MAX_BACKCHANNEL_BODY:
            return Response('{"error":"invalid_request"}', status=413, mimetype="application/json")
        body = request.stream.read(_MAX_BACKCHANNEL_BODY + 1)
        if len(body) > _MAX_BACKCHANNEL_BODY:
            return Response('{"error":"invalid_request"}', status=413, mimetype="application/json")
        return _response(self.engine.handle_backchannel_logout_sync(request.method, body))

    # ---- guards -----------------------------------------------------------------------

    def _optional(self) -> Identity | None:
        decision = self.engine.optional_auth_sync(*_wsgi.engine_request(request.environ))
        _wsgi.log(decision)
        _keep_cookies(decision)
        return decision.identity if decision.kind == "continue" else None

    def _requiring(
        self, roles: Sequence[str] = (), permissions: Sequence[str] = (), scopes: Sequence[str] = ()
    ) -> Callable[[_View], _View]:
        needed = (list(roles), list(permissions), list(scopes))

        def decide() -> Response | None:
            decision = self.engine.require_auth_sync(*_wsgi.engine_request(request.environ), *needed)
            if decision.kind != "continue" or decision.identity is None:
                return self._answer(decision)
            _keep_cookies(decision)
            _remember(decision.identity)
            return None

        def decorate(view: _View) -> _View:
            if inspect.iscoroutinefunction(view):

                @functools.wraps(view)
                async def guarded_async(*args: Any, **kwargs: Any) -> Any:
                    refusal = decide()
                    return refusal if refusal is not None else await view(*args, **kwargs)

                return cast(_View, guarded_async)

            @functools.wraps(view)
            def guarded(*args: Any, **kwargs: Any) -> Any:
                refusal = decide()
                return refusal if refusal is not None else view(*args, **kwargs)

            return cast(_View, guarded)

        return decorate

    def end_sessions_for(self, user_id: str) -> None:
        """Ends every session of the user ``user_id`` begun until now, on every instance
        sharing the store (``SCALEKIT_REDIS_URL``; otherwise in this process): each is
        refused, and its cookie cleared, on its next request. A later login works as
        usual. For banning a user, or after a password or role change."""
        self.engine.end_sessions_for_sync(user_id)

    def login_required(self, view: _View) -> _View:
        """Decorator: the view runs for a signed-in user (session or bearer token). A
        browser loading a page without a session is sent to log in (and comes back); other
        callers (``fetch()``, API clients) get 401 JSON with the error code."""
        return self._requiring()(view)

    def require_roles(self, *roles: str) -> Callable[[_View], _View]:
        """Decorator: a user holding every role (else 403: an HTML page for a page load,
        JSON ``insufficient_scope`` for other callers)."""
        return self._requiring(roles=roles)

    def require_permissions(self, *permissions: str) -> Callable[[_View], _View]:
        """Decorator: a user holding every permission."""
        return self._requiring(permissions=permissions)

    def require_scopes(self, *scopes: str) -> Callable[[_View], _View]:
        """Decorator: a token granting every scope (for APIs with bearer tokens)."""
        return self._requiring(scopes=scopes)


_MAX_BACKCHANNEL_BODY = 64 * 1024
