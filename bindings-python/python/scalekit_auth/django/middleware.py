"""``ScalekitMiddleware``: ``request.user`` from the session or bearer token, and the
cookies the engine decided on (a refreshed session) on every response."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import asyncio

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import SynchronousOnlyOperation
from django.http import HttpRequest, HttpResponseBase
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.encoding import escape_uri_path
from django.utils.functional import SimpleLazyObject

from .. import _wsgi
from .._native import Decision, Identity
from .conf import DjangoAuth, get_auth
from .responses import add_cookies
from .user import ScalekitUser

_STATE = "_scalekit_auth"


def engine_request(request: HttpRequest) -> tuple[str, str, dict[str, str]]:
    """The request as the engine takes it: Django's own escaped path (script prefix
    included, right under ASGI too), the query and the headers the engine reads."""
    return _wsgi.engine_request(request.META, escape_uri_path(request.path))


class RequestAuth:
    """One request's authentication: its identity once known, and the cookies to write."""

    def __init__(self, auth: DjangoAuth) -> None:
        self.auth = auth
        self.decision: Decision | None = None
        self.set_cookies: list[str] = []

    def keep(self, decision: Decision) -> None:
        """Takes a decision to continue: its identity, and its cookies for the response."""
        self.decision = decision
        self.set_cookies.extend(decision.set_cookies)

    def identity(self, request: HttpRequest) -> Identity | None:
        """The identity of a valid session or bearer token, or ``None``."""
        if self.decision is None:
            try:
                asyncio.get_running_loop()
            except RuntimeError:
                pass
            else:
                # Waiting here would hold up the event loop (a refresh, a store timeout).
                raise SynchronousOnlyOperation(
                    "request.user reads the session synchronously: in an async view, use `await request.auser()`"
                )
            decision = self.auth.engine.optional_auth_sync(*engine_request(request))
            _wsgi.log(decision)
            self.keep(decision)
        return self.decision.identity if self.decision and self.decision.kind == "continue" else None

    async def aidentity(self, request: HttpRequest) -> Identity | None:
        if self.decision is None:
            decision = await self.auth.engine.optional_auth(*engine_request(request))
            _wsgi.log(decision)
            self.keep(decision)
        return self.decision.identity if self.decision and self.decision.kind == "continue" else None


def request_auth(request: HttpRequest) -> RequestAuth:
    """The authentication state the middleware gave ``request``."""
    state = getattr(request, _STATE, None)
    if state is None:
        raise RuntimeError(
            "scalekit_auth: add scalekit_auth.django.middleware.ScalekitMiddleware to MIDDLEWARE "
            "(after django.contrib.auth.middleware.AuthenticationMiddleware)"
        )
    return state  # type: ignore[no-any-return]


def get_identity(request: HttpRequest) -> Identity | None:
    """Who made ``request``: the identity its guard found, else its session's or bearer
    token's if valid, else ``None``. ``request.user`` is the same as a Django user."""
    return request_auth(request).identity(request)


def user_of(identity: Identity | None, fallback: Any = None) -> Any:
    """The Scalekit user of ``identity``; without one, the user Django's own
    ``AuthenticationMiddleware`` found (an account of the app's, such as admin staff), or
    ``AnonymousUser``."""
    if identity is not None:
        return ScalekitUser(identity)
    return fallback if fallback is not None else AnonymousUser()


class ScalekitMiddleware:
    """Sets ``request.user`` (lazily: the session is read when first asked for) and
    ``request.auser()``, and writes the engine's cookies on every response, error pages
    included. Place it after Django's ``AuthenticationMiddleware``, which it overrides.
    Works in WSGI and ASGI (async views) deployments."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable[[HttpRequest], Any]) -> None:
        self.get_response = get_response
        # Built now: a missing setting stops the server at startup (gunicorn loads the
        # middleware when it imports the app; system checks do not run there).
        self.auth = get_auth()
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def _install(self, request: HttpRequest) -> RequestAuth:
        state = RequestAuth(get_auth())
        setattr(request, _STATE, state)
        # What Django's AuthenticationMiddleware (before this one) found: the app's own
        # accounts still sign in where no Scalekit session is.
        django_user = getattr(request, "user", None)
        django_auser = getattr(request, "auser", None)
        request.user = SimpleLazyObject(lambda: user_of(state.identity(request), django_user))  # type: ignore[assignment]

        async def auser() -> Any:
            identity = await state.aidentity(request)
            if identity is None and django_auser is not None:
                return await django_auser()
            return user_of(identity)

        request.auser = auser
        return state

    def _finish(self, state: RequestAuth, response: HttpResponseBase) -> HttpResponseBase:
        if state.decision is not None:
            # The answer depends on who asked: shared caches must not serve it to others.
            patch_vary_headers(response, ("Cookie", "Authorization"))
        if state.set_cookies:
            add_cookies(response, state.set_cookies)
            patch_cache_control(response, private=True)
        return response

    def __call__(self, request: HttpRequest) -> HttpResponseBase | Awaitable[HttpResponseBase]:
        if self.is_async:
            return self.__acall__(request)
        state = self._install(request)
        return self._finish(state, self.get_response(request))

    async def __acall__(self, request: HttpRequest) -> HttpResponseBase:
        state = self._install(request)
        return self._finish(state, await self.get_response(request))
