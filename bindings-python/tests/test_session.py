"""The native session engine's calling convention: `(method, path_and_query, headers)`
with only the headers of `REQUEST_HEADERS` read, and the decision's fields (status,
headers, content type, error code and the details meant for logs)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import pytest

import scalekit_auth as sk
from scalekit_auth import _native
from scalekit_auth.testing import LocalProvider

from .conftest import FETCH, NAVIGATE, REDIRECT_URI


@pytest.fixture(scope="module")
def engine() -> Iterator[_native.SessionEngine]:
    with LocalProvider(client_id="skc_session") as provider:
        yield _native.SessionEngine(provider.client()._native, REDIRECT_URI, ["s" * 32], {"login_path": "/auth/login"})


class CaseInsensitive(Mapping[str, str]):
    """Any mapping with `.get` will do (Starlette's headers, for one)."""

    def __init__(self, headers: dict[str, str]) -> None:
        self._headers = {k.lower(): v for k, v in headers.items()}

    def __getitem__(self, key: str) -> str:
        return self._headers[key.lower()]

    def __iter__(self) -> Iterator[str]:
        return iter(self._headers)

    def __len__(self) -> int:
        return len(self._headers)


def test_the_engine_names_the_headers_it_reads() -> None:
    assert _native.REQUEST_HEADERS == (
        "cookie", "authorization", "accept", "sec-fetch-mode", "sec-fetch-site", "sec-purpose", "purpose",
    )


def test_a_prefetch_never_starts_a_login(engine: _native.SessionEngine) -> None:
    for purpose in ({"sec-purpose": "prefetch;prerender"}, {"purpose": "prefetch"}):
        decision = engine.try_require_auth("GET", "/reports", {**NAVIGATE, **purpose})
        assert decision is not None
        assert (decision.kind, decision.status, decision.set_cookies) == ("respond", 401, [])
        assert ("cache-control", "no-store") in decision.headers


def test_a_script_without_a_session_gets_json(engine: _native.SessionEngine) -> None:
    decision = engine.try_require_auth("GET", "/reports?x=1", {**FETCH, "x-ignored": "1"})
    assert decision is not None
    assert (decision.kind, decision.status, decision.content_type) == ("respond", 401, "application/json")
    assert decision.headers == [
        ("content-type", "application/json"),
        ("cache-control", "no-store"),
        ("x-content-type-options", "nosniff"),
    ]
    assert decision.error_code == "session_missing"
    assert decision.error_detail is not None and "no session cookie" in decision.error_detail
    assert decision.body is not None and decision.error_detail not in decision.body
    assert decision.identity is None and decision.set_cookies == []
    assert "session_missing" in repr(decision)


def test_a_page_load_is_sent_to_log_in(engine: _native.SessionEngine) -> None:
    decision = engine.try_require_auth("GET", "/reports?x=1", CaseInsensitive({"Sec-Fetch-Mode": "navigate"}))
    assert decision is not None
    assert (decision.kind, decision.status, decision.location) == ("redirect", 302, "/auth/login?return_to=%2Freports%3Fx%3D1")
    assert decision.headers[0] == ("location", decision.location)
    assert decision.error_code == "session_missing"


@pytest.mark.anyio
async def test_logout_checks_where_the_request_came_from(engine: _native.SessionEngine) -> None:
    page = await engine.handle_logout("GET", "/auth/logout", {**NAVIGATE, "sec-fetch-site": "cross-site"})
    assert (page.status, page.content_type, page.error_code) == (200, "text/html; charset=utf-8", "cross_site_request")
    assert page.body is not None and 'method="post"' in page.body and page.set_cookies == []
    refused = await engine.handle_logout("POST", "/auth/logout", {"sec-fetch-site": "same-site", "sec-fetch-mode": "cors"})
    assert (refused.status, refused.error_code) == (403, "cross_site_request")
    done = await engine.handle_logout("POST", "/auth/logout", {"sec-fetch-site": "same-origin"})
    assert done.kind == "redirect" and done.error_code is None and done.set_cookies

    refused = await engine.handle_login("GET", "/auth/login", FETCH)
    assert (refused.status, refused.error_code, refused.set_cookies) == (400, "invalid_argument", [])
    started = await engine.handle_login("GET", "/auth/login", NAVIGATE, signup=True)
    assert started.kind == "redirect" and "prompt=create" in (started.location or "")
    assert len(started.set_cookies) == 1


def test_header_values_must_be_strings(engine: _native.SessionEngine) -> None:
    with pytest.raises(sk.ConfigurationError) as info:
        engine.try_require_auth("GET", "/", {"cookie": b"a=b"})  # type: ignore[dict-item]
    assert info.value.code == "invalid_argument" and "cookie" in str(info.value)
    decision = engine.try_require_auth("GET", "/", {"cookie": None})  # type: ignore[dict-item]
    assert decision is not None and decision.error_code == "session_missing"
