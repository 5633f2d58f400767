"""What the Flask and Django integrations share: settings read from the framework's own
configuration (the environment as fallback, per setting), the request as the engine takes
it from a WSGI environ (Django's ``request.META`` has the same shape, under ASGI too), the
after-callback hook, and logging. No framework is imported here.
"""

from __future__ import annotations

import inspect
import logging
import os
import re
import urllib.parse
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from . import _native
from ._client import ScalekitAuth
from ._native import CLIENT_OPTIONS, REQUEST_HEADERS, SESSION_OPTIONS, AuthResult, ConfigurationError, Decision

logger = logging.getLogger("scalekit_auth")

#: The settings the core reads as ``SCALEKIT_*`` variables. Their values are text (a list
#: is joined as the variable would be); every other setting is an option by name.
ENV_SETTINGS = (
    "ENVIRONMENT_URL",
    "CLIENT_ID",
    "CLIENT_SECRET",
    "REDIRECT_URI",
    "SESSION_SECRET",
    "POST_LOGOUT_REDIRECT_URI",
    "SCOPES",
    "REDIS_URL",
    "SERVER_SIDE_SESSIONS",
)

#: The options the login and callback routes' own place decides, never a setting.
_ROUTE_OPTIONS = frozenset({"login_path", "callback_path"})

#: Every setting name a framework's configuration may hold (upper case, without prefix).
SETTING_NAMES = frozenset(ENV_SETTINGS) | {
    name.upper() for name in (CLIENT_OPTIONS | SESSION_OPTIONS) - _ROUTE_OPTIONS
}

# The environ keys of the headers the engine reads.
_ENVIRON_HEADERS = tuple(
    (name, "CONTENT_TYPE" if name == "content-type" else "HTTP_" + name.upper().replace("-", "_"))
    for name in REQUEST_HEADERS
)

# Characters left as they are when a WSGI path (decoded) is quoted again.
_PATH_SAFE = "/:@!$&'()*+,;=-._~"


def _as_text(name: str, value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        return ("," if name == "SESSION_SECRET" else " ").join(value)
    raise ConfigurationError(f"the setting {name} must be text, not {type(value).__name__}")


@dataclass(frozen=True)
class Settings:
    """One app's settings split the way the core takes them (kept out of reprs: they hold
    the client secret and the session secrets)."""

    variables: dict[str, str] = field(repr=False)
    client_options: dict[str, Any] = field(repr=False)
    session_options: dict[str, Any] = field(repr=False)


# The options whose value is a list, and those that are whole numbers or flags, for an
# option read from an environment variable (text).
_LIST_OPTIONS = frozenset({"issuer", "audience", "scopes"})
_FLAG_OPTIONS = frozenset({"secure_cookies", "server_side_sessions"})
_NUMBER_OPTION = re.compile(r"_(seconds|ms|bytes|size)$")


def _from_environment(name: str, text: str) -> Any:
    """An option's value as its environment variable spells it."""
    option = name.lower()
    if option in _LIST_OPTIONS:
        return [part for part in re.split(r"[\s,]+", text.strip()) if part]
    if option in _FLAG_OPTIONS:
        flag = text.strip().lower()
        if flag in ("1", "true", "yes", "on"):
            return True
        if flag in ("0", "false", "no", "off"):
            return False
        raise ConfigurationError(f"SCALEKIT_{name} must be true or false, not {text!r}")
    if _NUMBER_OPTION.search(option):
        try:
            return int(text.strip())
        except ValueError:
            raise ConfigurationError(f"SCALEKIT_{name} must be a whole number, not {text!r}") from None
    return text


def read_settings(values: Mapping[str, Any], spelled: Callable[[str], str]) -> Settings:
    """The settings among ``values`` (a framework's configuration, names already without
    their prefix), refusing names it does not know: a misspelt setting must not be
    silently ignored. ``spelled(name)`` is how the app writes a name, for messages."""
    unknown = sorted(set(values) - SETTING_NAMES)
    if unknown:
        names = ", ".join(spelled(n) for n in unknown)
        raise ConfigurationError(
            f"unknown scalekit-auth setting {names}; the settings are "
            + ", ".join(spelled(n) for n in sorted(SETTING_NAMES))
        )
    variables = {
        f"SCALEKIT_{name}": _as_text(spelled(name), values[name])
        for name in ENV_SETTINGS
        if values.get(name) is not None
    }
    # Every other setting the configuration lacks comes from its variable too (the core
    # reads the nine above from the environment itself).
    options = {name.lower(): value for name, value in values.items() if name not in ENV_SETTINGS}
    for name in SETTING_NAMES - set(ENV_SETTINGS) - set(values):
        text = os.environ.get(f"SCALEKIT_{name}")
        if text is not None and text.strip():
            options[name.lower()] = _from_environment(name, text)
    client = {k: v for k, v in options.items() if k in CLIENT_OPTIONS}
    session = {k: v for k, v in options.items() if k not in CLIENT_OPTIONS}
    return Settings(variables, client, session)


def build(settings: Settings, login_path: str, callback_path: str) -> tuple[ScalekitAuth, _native.SessionEngine]:
    """The client and session engine of ``settings``: each ``SCALEKIT_*`` variable from
    the settings when they have it, from the environment otherwise. A missing or wrong
    setting raises :class:`~scalekit_auth.ConfigurationError` with the message every
    framework gives."""
    client = ScalekitAuth.__new__(ScalekitAuth)
    client._native = _native.Client.from_env(settings.client_options, settings.variables)
    options = {**settings.session_options, "login_path": login_path, "callback_path": callback_path}
    engine = _native.SessionEngine.from_env(client._native, options, settings.variables)
    name = engine.session_cookie_name
    if name.lower() in _RESERVED_COOKIE_NAMES:
        raise ConfigurationError(f"the cookie name {name!r} is a cookie attribute's name; choose another cookie_name")
    return client, engine


# Names that cookie parsers read as attributes (`Path`, `Expires`, ...), never as a cookie.
_RESERVED_COOKIE_NAMES = frozenset(
    {"expires", "path", "comment", "domain", "max-age", "secure", "httponly", "version", "samesite", "partitioned"}
)


def engine_request(environ: Mapping[str, Any], path: str | None = None) -> tuple[str, str, dict[str, str]]:
    """The request as the engine takes it (method, path and query, the headers it reads
    by lower-case name) from a WSGI environ or Django's ``request.META``; ``path``, already
    escaped, when the framework has it (Django's, under ASGI too)."""
    if path is None:
        raw_path = f"{environ.get('SCRIPT_NAME', '')}{environ.get('PATH_INFO', '')}" or "/"
        # WSGI paths are decoded (bytes as latin-1): quoted again, so that the engine sees
        # the path the browser sent, and a `?` or `#` inside a segment cannot end it.
        path = urllib.parse.quote(raw_path.encode("latin-1", "replace"), safe=_PATH_SAFE)
    query = environ.get("QUERY_STRING", "")
    headers = {name: str(environ[key]) for name, key in _ENVIRON_HEADERS if environ.get(key) is not None}
    return str(environ.get("REQUEST_METHOD", "GET")), f"{path}?{query}" if query else path, headers


def following(path_and_query: str) -> str:
    """The login route's request with a ``next`` parameter (Flask-Login's and Django's
    convention) read as ``return_to``, which the engine takes and checks."""
    path, _, query = path_and_query.partition("?")
    params = urllib.parse.parse_qs(query, keep_blank_values=True)
    target = params.get("next", [""])[0]
    if not target or "return_to" in params:
        return path_and_query
    return with_query(path_and_query, "return_to", target)


def with_query(path_and_query: str, name: str, value: str) -> str:
    """``path_and_query`` with the query parameter ``name`` set to ``value``."""
    path, _, query = path_and_query.partition("?")
    pairs = [(k, v) for k, v in urllib.parse.parse_qsl(query, keep_blank_values=True) if k != name]
    return f"{path}?{urllib.parse.urlencode([*pairs, (name, value)])}"


def log(decision: Decision) -> None:
    """Logs the error behind a decision with its details (never sent to the client)."""
    if decision.error_detail is not None:
        level = logging.WARNING if (decision.error_status or decision.status) >= 500 else logging.DEBUG
        # %r: the details may carry request input, which must not start log lines of its own.
        logger.log(level, "%s (%s): %r", decision.error_code, decision.status, decision.error_detail)


def cookie_name(set_cookie: str) -> str:
    """The name a ``Set-Cookie`` value sets."""
    return set_cookie.split("=", 1)[0].strip()


def _base_name(name: str) -> str:
    """A cookie's name without its chunk number (``skauth_session.1``)."""
    return re.sub(r"\.\d+$", "", name)


def missing_cookies(set_cookies: Iterable[str], own: Iterable[str]) -> list[str]:
    """The ``Set-Cookie`` values of ``set_cookies`` whose cookie the response does not set
    itself: a cookie the view sets (a logout's clearing, a new login's session) wins, with
    every chunk of it."""
    taken = {_base_name(name) for name in own}
    return [c for c in set_cookies if _base_name(cookie_name(c)) not in taken]


@dataclass
class HookVerdict:
    """What an after-callback hook said about a login."""

    app_data: dict[str, Any] | None = None
    deny: str | None = None
    #: The app's own answer (it keeps its own session): no session of the engine's opens.
    answer: Any = None


def run_after_callback(
    hook: Callable[[Any, AuthResult], Any], request: Any, result: AuthResult | None, response_type: type | tuple[type, ...]
) -> HookVerdict:
    """Runs the app's after-callback hook on a login whose tokens are in."""
    if result is None:
        return HookVerdict()
    try:
        answer = hook(request, result)
    except _native.LoginDeniedError as denied:
        return HookVerdict(deny=str(denied) or "This sign-in is not allowed.")
    if inspect.isawaitable(answer):
        raise TypeError("after_callback must not be async here: this framework's views are synchronous")
    if isinstance(answer, response_type):
        return HookVerdict(answer=answer)
    if answer is None:
        return HookVerdict()
    if not isinstance(answer, Mapping):
        raise TypeError(
            "after_callback must return a mapping (the app data kept in the session), a response or None, "
            f"not {type(answer).__name__}"
        )
    return HookVerdict(app_data=dict(answer))


def custom_answer(on_error: Callable[..., Any] | None, request: Any, decision: Decision, response_type: type) -> Any:
    """The app's own answer to a refusal through ``on_error``, or ``None`` for the
    default. A hook that raises or returns something else is logged and ignored."""
    error = decision.error
    if on_error is None or not decision.is_refusal or error is None:
        return None
    try:
        answer = on_error(request, error, decision.retry_path)
    except Exception:
        logger.exception("scalekit_auth: on_error raised; answering with the default page")
        return None
    if answer is not None and not isinstance(answer, response_type):
        logger.error("scalekit_auth: on_error returned %r, not a response or None", type(answer).__name__)
        return None
    return answer
