"""View decorators with the engine's answers: a page load without a session goes to log
in, other callers get 401 JSON, a user without the roles, permissions or scopes gets 403
(a page, or JSON). Django's own ``login_required`` and ``permission_required`` work too;
these add roles and scopes and answer API callers with JSON instead of a redirect.

>>> from scalekit_auth.django.decorators import require_roles
>>> @require_roles("admin")
... def admin(request):
...     ...
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any, TypeVar, cast

from asgiref.sync import iscoroutinefunction
from django.http import HttpRequest, HttpResponseBase

from .._native import Decision
from .middleware import engine_request, request_auth, user_of
from .responses import answer

__all__ = ["require_permissions", "require_roles", "require_scopes", "require_user"]

_View = TypeVar("_View", bound=Callable[..., Any])


def _continue(request: HttpRequest, decision: Decision) -> HttpResponseBase | None:
    """Lets the view run with the decision's identity, or answers for it."""
    if decision.kind != "continue" or decision.identity is None:
        return answer(request, decision)
    request_auth(request).keep(decision)
    request.user = user_of(decision.identity)
    return None


def _requiring(roles: Sequence[str] = (), permissions: Sequence[str] = (), scopes: Sequence[str] = ()) -> Callable[[_View], _View]:
    needed = (list(roles), list(permissions), list(scopes))

    def decorate(view: _View) -> _View:
        if iscoroutinefunction(view):

            @functools.wraps(view)
            async def guarded_async(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
                state = request_auth(request)
                parts = engine_request(request)
                decision = await state.auth.engine.require_auth(*parts, *needed)
                refusal = _continue(request, decision)
                return refusal if refusal is not None else await view(request, *args, **kwargs)

            return cast(_View, guarded_async)

        @functools.wraps(view)
        def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            state = request_auth(request)
            decision = state.auth.engine.require_auth_sync(*engine_request(request), *needed)
            refusal = _continue(request, decision)
            return refusal if refusal is not None else view(request, *args, **kwargs)

        return cast(_View, guarded)

    return decorate


def require_user(view: _View) -> _View:
    """The view runs for a signed-in user (session or bearer token)."""
    return _requiring()(view)


def require_roles(*roles: str) -> Callable[[_View], _View]:
    """The view runs for a user holding every role."""
    return _requiring(roles=roles)


def require_permissions(*permissions: str) -> Callable[[_View], _View]:
    """The view runs for a user holding every permission."""
    return _requiring(permissions=permissions)


def require_scopes(*scopes: str) -> Callable[[_View], _View]:
    """The view runs for a token granting every scope (APIs with bearer tokens)."""
    return _requiring(scopes=scopes)
