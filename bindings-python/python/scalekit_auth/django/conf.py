"""``settings.SCALEKIT`` into the client and session engine, built once per process (again
when a test overrides the settings)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, cast

from django.conf import settings
from django.core.signals import setting_changed
from django.urls import NoReverseMatch, reverse
from django.utils.module_loading import import_string

from .. import _native, _wsgi
from .._client import ScalekitAuth
from .._native import ConfigurationError

#: The ``SCALEKIT`` keys that name hooks rather than settings of the core.
HOOKS = ("ON_ERROR", "AFTER_CALLBACK")


@dataclass(frozen=True)
class DjangoAuth:
    """The app's client and session engine, and its hooks. ``get_auth()`` returns it;
    ``scalekit_auth.testing.session_cookie_for(get_auth(), provider)`` seals test sessions
    with it."""

    client: ScalekitAuth
    engine: _native.SessionEngine
    on_error: Callable[..., Any] | None = None
    after_callback: Callable[..., Any] | None = None

    def end_sessions_for(self, user_id: str) -> None:
        """Ends every session of the user ``user_id`` begun until now, on every instance
        sharing the store (``REDIS_URL``; otherwise in this process): each is refused on
        its next request, and a later login works as usual."""
        self.engine.end_sessions_for_sync(user_id)

    async def aend_sessions_for(self, user_id: str) -> None:
        """``end_sessions_for`` for async code."""
        await self.engine.end_sessions_for(user_id)


_lock = threading.Lock()
_auth: DjangoAuth | None = None


def _hook(values: Mapping[str, Any], name: str) -> Callable[..., Any] | None:
    hook = values.get(name)
    if hook is None:
        return None
    if isinstance(hook, str):
        try:
            hook = import_string(hook)
        except ImportError as error:
            raise ConfigurationError(f"SCALEKIT[{name!r}] names {values[name]!r}, which cannot be imported: {error}") from None
    if not callable(hook):
        raise ConfigurationError(f"SCALEKIT[{name!r}] must be a callable or its dotted path")
    return cast("Callable[..., Any]", hook)


def _route(name: str) -> str:
    try:
        return reverse(f"scalekit_auth:{name}")
    except NoReverseMatch:
        raise ConfigurationError(
            'the scalekit-auth routes are not in the URLconf: add path("auth/", include("scalekit_auth.django.urls")) '
            "to urls.py"
        ) from None


def build() -> DjangoAuth:
    """A new client and engine from the current settings; a missing or wrong setting
    raises :class:`~scalekit_auth.ConfigurationError` naming it."""
    values = getattr(settings, "SCALEKIT", None) or {}
    if not isinstance(values, Mapping):
        raise ConfigurationError(f"settings.SCALEKIT must be a dict, not {type(values).__name__}")
    hooks = {name: _hook(values, name) for name in HOOKS}
    core = {k: v for k, v in values.items() if k not in HOOKS}
    parsed = _wsgi.read_settings(core, lambda name: f"SCALEKIT[{name!r}]")
    client, engine = _wsgi.build(parsed, _route("login"), _route("callback"))
    return DjangoAuth(client, engine, hooks["ON_ERROR"], hooks["AFTER_CALLBACK"])


def get_auth() -> DjangoAuth:
    """The app's :class:`DjangoAuth`, built on first use from ``settings.SCALEKIT`` and
    the environment."""
    global _auth
    auth = _auth
    if auth is None:
        with _lock:
            if _auth is None:
                _auth = build()
            auth = _auth
    return auth


def _reset(*, setting: str, **_: Any) -> None:
    global _auth
    if setting in ("SCALEKIT", "ROOT_URLCONF", "FORCE_SCRIPT_NAME"):
        with _lock:
            _auth = None


setting_changed.connect(_reset)
