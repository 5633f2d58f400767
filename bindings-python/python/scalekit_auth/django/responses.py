"""Decisions of the engine as Django responses, and ``Set-Cookie`` values onto any response."""

from __future__ import annotations

from collections.abc import Iterable
from http.cookies import Morsel
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseBase

from .. import _wsgi
from .._native import Decision


class _SetCookie(Morsel[str]):
    """A cookie Django sends exactly as the engine wrote it (``Secure``, ``__Host-``,
    ``SameSite``, ``Max-Age``, chunk names): Django writes ``response.cookies`` through each
    morsel's ``output()``. Its name and value are still read by Django's test client."""

    def __init__(self, set_cookie: str) -> None:
        super().__init__()
        name, _, rest = set_cookie.partition("=")
        value = rest.split(";", 1)[0]
        self.set(name.strip(), value, value)
        self._set_cookie = set_cookie

    def output(self, attrs: Any = None, header: str = "Set-Cookie:") -> str:
        return f"{header} {self._set_cookie}"

    def OutputString(self, attrs: Any = None) -> str:  # noqa: N802 (Morsel's name)
        return self._set_cookie

    # A cached response (Django's cache middleware pickles it) and a copied one keep the
    # cookie exactly as written, attributes included.
    def __reduce__(self) -> tuple[type[_SetCookie], tuple[str]]:
        return (_SetCookie, (self._set_cookie,))

    def copy(self) -> _SetCookie:
        return _SetCookie(self._set_cookie)


def add_cookies(response: HttpResponseBase, set_cookies: Iterable[str]) -> None:
    """Adds the engine's ``Set-Cookie`` values that ``response`` does not set itself (a
    cookie the view set wins)."""
    for cookie in _wsgi.missing_cookies(set_cookies, response.cookies.keys()):
        morsel = _SetCookie(cookie)
        response.cookies[morsel.key] = morsel


def response_of(decision: Decision) -> HttpResponse:
    """The engine's redirect, page or JSON answer."""
    _wsgi.log(decision)
    response = HttpResponse(decision.body or "", status=decision.status)
    for name, value in decision.headers:
        response.headers[name] = value
    add_cookies(response, decision.set_cookies)
    return response


def answer(request: HttpRequest, decision: Decision) -> HttpResponseBase:
    """The app's own answer through ``SCALEKIT['ON_ERROR']`` for a refusal, else the
    engine's."""
    from .conf import get_auth

    custom = _wsgi.custom_answer(get_auth().on_error, request, decision, HttpResponseBase)
    if custom is None:
        return response_of(decision)
    _wsgi.log(decision)
    add_cookies(custom, decision.set_cookies)
    return custom  # type: ignore[no-any-return]
