"""Login, logout, sessions and ``request.user`` for Django (and Django REST framework), on
the Rust session engine.

Settings (``settings.py``)::

    INSTALLED_APPS = [..., "django.contrib.auth", "django.contrib.contenttypes", "scalekit_auth.django"]
    MIDDLEWARE = [
        ...,
        "django.contrib.auth.middleware.AuthenticationMiddleware",  # if you have it: before ours
        "scalekit_auth.django.middleware.ScalekitMiddleware",
    ]
    SCALEKIT = {"REDIRECT_URI": "http://localhost:8000/auth/callback"}  # the rest from SCALEKIT_* variables
    LOGIN_URL = "scalekit_auth:login"

and in ``urls.py`` ``path("auth/", include("scalekit_auth.django.urls"))``. Then
``request.user`` is a :class:`~scalekit_auth.django.user.ScalekitUser` (or Django's
``AnonymousUser``), so ``login_required``, ``permission_required``, the mixins,
``request.auser()`` and ``{% if user.is_authenticated %}`` work unchanged;
:mod:`scalekit_auth.django.decorators` adds role and scope requirements and
:mod:`scalekit_auth.django.rest_framework` the DRF classes.

Each ``SCALEKIT`` key is a ``SCALEKIT_*`` variable's name without the prefix
(``ENVIRONMENT_URL``, ``CLIENT_ID``, ``CLIENT_SECRET``, ``REDIRECT_URI``, ``SESSION_SECRET``,
...) or an option's name in upper case (``COOKIE_DOMAIN``, ``IDLE_TIMEOUT_SECONDS``, ...);
what it lacks comes from the environment. ``ON_ERROR`` and ``AFTER_CALLBACK`` name the
hooks (a callable or its dotted path). ``manage.py check`` reports a missing or wrong
setting as the error ``scalekit_auth.E001``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .conf import DjangoAuth, get_auth

if TYPE_CHECKING:
    from django.http import HttpRequest

    from .._native import Identity


def get_identity(request: HttpRequest) -> Identity | None:
    """Who made ``request``: the identity a guard found, else its session's or bearer
    token's if valid, else ``None`` (``request.user`` is the same as a Django user)."""
    # Imported here: the middleware needs Django's auth models, which need the app
    # registry, and settings.py imports nothing of it.
    from .middleware import get_identity as identity_of_request

    return identity_of_request(request)


__all__ = ["DjangoAuth", "get_auth", "get_identity"]
