"""Django REST framework: an authentication class for the session cookie and bearer
tokens, and permission classes for roles, permissions and scopes.

>>> from rest_framework.views import APIView
>>> from scalekit_auth.django.rest_framework import HasRoles, ScalekitAuthentication
>>> class Reports(APIView):
...     authentication_classes = [ScalekitAuthentication]
...     permission_classes = [HasRoles("admin")]

List :class:`ScalekitAuthentication` first in ``DEFAULT_AUTHENTICATION_CLASSES``: DRF
answers an unauthenticated request with 401 and ``WWW-Authenticate: Bearer`` only when
the first class names a challenge (else 403). ``request.auth`` is the
:class:`~scalekit_auth.Identity`, ``request.user`` the
:class:`~scalekit_auth.django.user.ScalekitUser`.
"""

from __future__ import annotations

from typing import Any

from rest_framework.authentication import BaseAuthentication, CSRFCheck
from rest_framework.exceptions import AuthenticationFailed, NotAuthenticated, PermissionDenied
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from .._native import Identity
from .middleware import request_auth
from .user import ScalekitUser

__all__ = ["HasPermissions", "HasRoles", "HasScopes", "ScalekitAuthentication", "identity_of"]

_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


class ScalekitAuthentication(BaseAuthentication):
    """The Scalekit session cookie or an ``Authorization: Bearer`` access token. A request
    with neither is unauthenticated (the permission classes decide); an invalid token or
    an ended session is refused with 401 and ``{"error": <code>, "message": <text>}``. A session cookie on an unsafe method needs Django's CSRF
    token, as with DRF's own ``SessionAuthentication`` (a bearer token does not)."""

    def authenticate(self, request: Request) -> tuple[ScalekitUser, Identity] | None:
        django_request = request._request
        state = request_auth(django_request)
        identity = state.identity(django_request)  # reads the session or token once per request
        decision = state.decision
        if identity is None:
            # No credentials: unauthenticated, for the permission classes to judge. Dead
            # ones (an ended or invalid session, a bad token): refused with their code, in
            # the JSON the other integrations answer with (the cookie is cleared meanwhile).
            if decision is None or decision.error_code in (None, "session_missing"):
                return None
            raise AuthenticationFailed(
                {"error": decision.error_code, "message": _message(decision.error)}, code=decision.error_code
            )
        if identity.source == "session" and request.method not in _SAFE_METHODS:
            _enforce_csrf(django_request)
        return ScalekitUser(identity), identity

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'


def _message(error: Any) -> str:
    return str(error) if error is not None else "Authentication failed."


def _enforce_csrf(request: Any) -> None:
    check = CSRFCheck(lambda _request: None)  # type: ignore[arg-type]
    check.process_request(request)
    reason = check.process_view(request, None, (), {})  # type: ignore[arg-type]
    if reason:
        raise PermissionDenied(f"CSRF Failed: {reason}")


def _identity(request: Request) -> Identity | None:
    if isinstance(request.auth, Identity):
        return request.auth
    # A user authenticated otherwise (APIClient.force_authenticate(user=ScalekitUser(...))).
    user = getattr(request, "user", None)
    return user.identity if isinstance(user, ScalekitUser) else None


def identity_of(request: Request) -> Identity:
    """The caller's :class:`~scalekit_auth.Identity` (``request.auth``, typed), or
    DRF's 401 ``NotAuthenticated`` for a view whose permissions let anonymous callers in.

    >>> from rest_framework.views import APIView
    >>> class Me(APIView):
    ...     def get(self, request):
    ...         return {"id": identity_of(request).user.id}
    """
    identity = _identity(request)
    if identity is None:
        raise NotAuthenticated()
    return identity


def _requirement(name: str, claim: str, needed: tuple[str, ...]) -> type[BasePermission]:
    """A permission class named ``name(...)``: the caller's ``claim`` (roles,
    permissions, scopes) holds every one of ``needed``."""
    noun = claim if len(needed) != 1 else claim[:-1]

    class Requirement(BasePermission):
        message = f"This needs the {noun} {', '.join(needed)}."

        def has_permission(self, request: Request, view: Any) -> bool:
            identity = _identity(request)
            return identity is not None and set(needed) <= set(getattr(identity.claims, claim))

    Requirement.__name__ = Requirement.__qualname__ = f"{name}({', '.join(map(repr, needed))})"
    return Requirement


def HasRoles(*roles: str) -> type[BasePermission]:  # noqa: N802 (a class factory, named like a class)
    """A permission class: the caller holds every role (``permission_classes =
    [HasRoles("admin")]``)."""
    return _requirement("HasRoles", "roles", roles)


def HasPermissions(*permissions: str) -> type[BasePermission]:  # noqa: N802
    """A permission class: the caller holds every Scalekit permission."""
    return _requirement("HasPermissions", "permissions", permissions)


def HasScopes(*scopes: str) -> type[BasePermission]:  # noqa: N802
    """A permission class: the caller's token grants every scope."""
    return _requirement("HasScopes", "scopes", scopes)
