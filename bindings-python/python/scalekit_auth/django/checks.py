"""System checks (``manage.py check``, ``runserver``, ``migrate``): the settings build a
client and engine, the routes are in the URLconf, and the middleware is in place."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks

from .._native import ConfigurationError

MIDDLEWARE = "scalekit_auth.django.middleware.ScalekitMiddleware"
AUTH_MIDDLEWARE = "django.contrib.auth.middleware.AuthenticationMiddleware"


def check_settings(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    from .conf import build

    errors: list[checks.CheckMessage] = []
    try:
        build()
    except ConfigurationError as error:
        errors.append(
            checks.Error(
                str(error),
                hint="Set it in settings.SCALEKIT or as a SCALEKIT_* environment variable.",
                obj="settings.SCALEKIT",
                id="scalekit_auth.E001",
            )
        )
    middleware = list(getattr(settings, "MIDDLEWARE", None) or [])
    if MIDDLEWARE not in middleware:
        errors.append(
            checks.Error(
                f"{MIDDLEWARE} is not in MIDDLEWARE: request.user would not be the Scalekit user and "
                "refreshed sessions would not be written",
                hint=f"Add it to MIDDLEWARE, after {AUTH_MIDDLEWARE} if you have that.",
                id="scalekit_auth.E002",
            )
        )
    elif AUTH_MIDDLEWARE in middleware and middleware.index(AUTH_MIDDLEWARE) > middleware.index(MIDDLEWARE):
        errors.append(
            checks.Error(
                f"{AUTH_MIDDLEWARE} comes after {MIDDLEWARE} and replaces the request.user it sets",
                hint=f"Move {MIDDLEWARE} below {AUTH_MIDDLEWARE}.",
                id="scalekit_auth.E003",
            )
        )
    apps = list(getattr(settings, "INSTALLED_APPS", None) or [])
    for needed in ("django.contrib.auth", "django.contrib.contenttypes"):
        if needed not in apps:
            errors.append(
                checks.Error(
                    f"{needed} is not in INSTALLED_APPS (Django's AnonymousUser and permission checks need it; "
                    "no migration of it is needed for Scalekit users)",
                    id="scalekit_auth.E004",
                )
            )
    return errors


def register() -> None:
    checks.register(check_settings)
