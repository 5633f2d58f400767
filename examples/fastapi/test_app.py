"""Tests of this app as its developers write them: no Scalekit account, no browser. A
local provider on 127.0.0.1 signs the tokens; `session_cookie_for` seals a session with
the app's own secret; `dependency_overrides` replaces a requirement outright.

Run: `pytest examples/fastapi/test_app.py` (with scalekit-auth, fastapi, httpx, pytest).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from fastapi.testclient import TestClient

from scalekit_auth import Claims, Identity, User
from scalekit_auth.testing import LocalProvider, session_cookie_for

NAVIGATE = {"accept": "text/html", "sec-fetch-mode": "navigate"}
API = {"accept": "application/json"}


@pytest.fixture(scope="module")
def provider() -> Iterator[LocalProvider]:
    with LocalProvider() as provider:
        yield provider


@pytest.fixture
def example(provider: LocalProvider, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """The app, loaded from its file with settings pointing at the local provider (it
    reads them at import, as in production)."""
    monkeypatch.setenv("SCALEKIT_ENVIRONMENT_URL", provider.url)
    monkeypatch.setenv("SCALEKIT_CLIENT_ID", provider.client_id)
    monkeypatch.setenv("SCALEKIT_CLIENT_SECRET", provider.client_secret)
    monkeypatch.setenv("SCALEKIT_REDIRECT_URI", "http://localhost:3001/auth/callback")
    monkeypatch.setenv("SCALEKIT_SESSION_SECRET", "example-tests-session-secret-0123456789")
    spec = importlib.util.spec_from_file_location("fastapi_example_app", Path(__file__).with_name("app.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_signed_out_pages_lead_to_login_and_the_api_answers_401(example: ModuleType) -> None:
    client = TestClient(example.app, follow_redirects=False)
    assert client.get("/dashboard", headers=NAVIGATE).headers["location"] == "/auth/login?return_to=%2Fdashboard"
    assert client.get("/api/me", headers=API).json()["error"] == "session_missing"


def test_an_admin_sees_the_admin_page_and_a_viewer_is_refused(example: ModuleType, provider: LocalProvider) -> None:
    client = TestClient(example.app)
    admin = session_cookie_for(example.auth, provider, user_id="usr_ada", roles=["admin"])
    assert "administrator usr_ada" in client.get("/admin", headers={"cookie": admin}).text

    viewer = session_cookie_for(example.auth, provider, roles=["viewer"], permissions=["users:read"])
    assert client.get("/admin", headers={**API, "cookie": viewer}).status_code == 403
    assert "Access denied" in client.get("/admin", headers={**NAVIGATE, "cookie": viewer}).text
    assert client.get("/api/reports", headers={"cookie": viewer}).json()["reports"] == []


def test_a_requirement_can_be_overridden(example: ModuleType) -> None:
    someone = Identity(User("usr_override"), Claims({"sub": "usr_override", "roles": ["admin"]}))
    example.app.dependency_overrides[example.auth.require_roles("admin")] = lambda: someone
    assert "administrator usr_override" in TestClient(example.app).get("/admin").text
