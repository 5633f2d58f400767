"""Tests of this app as its developers write them: no Scalekit account, no browser. A
local provider on 127.0.0.1 signs the tokens; `session_cookies_for` seals a session with
the app's own secret for Flask's test client.

Run: `pytest test_app.py` (with scalekit-auth[flask] and pytest).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from flask.testing import FlaskClient

from scalekit_auth.testing import LocalProvider, session_cookies_for

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
    monkeypatch.setenv("SCALEKIT_REDIRECT_URI", "http://localhost:3004/auth/callback")
    monkeypatch.setenv("SCALEKIT_SESSION_SECRET", "example-tests-session-secret-0123456789")
    spec = importlib.util.spec_from_file_location("flask_example_app", Path(__file__).with_name("app.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def signed_in(example: ModuleType, provider: LocalProvider, **session: object) -> FlaskClient:
    client: FlaskClient = example.app.test_client()
    auth = example.app.extensions["scalekit_auth"]
    for name, value in session_cookies_for(auth, provider, **session).items():
        client.set_cookie(name, value)
    return client


def test_signed_out_pages_lead_to_login_and_the_api_answers_401(example: ModuleType) -> None:
    client = example.app.test_client()
    assert client.get("/dashboard", headers=NAVIGATE).headers["location"] == "/auth/login?return_to=%2Fdashboard"
    assert client.get("/api/me", headers=API).get_json()["error"] == "session_missing"
    assert "Not signed in" in client.get("/").get_data(as_text=True)


def test_an_admin_sees_the_admin_page_and_a_viewer_is_refused(example: ModuleType, provider: LocalProvider) -> None:
    admin = signed_in(example, provider, user_id="usr_ada", roles=["admin"])
    assert "administrator usr_ada" in admin.get("/admin").get_data(as_text=True)
    assert "Signed in as" in admin.get("/").get_data(as_text=True)

    viewer = signed_in(example, provider, roles=["viewer"], permissions=["users:read"])
    assert viewer.get("/admin", headers=API).status_code == 403
    assert "Access denied" in viewer.get("/admin", headers=NAVIGATE).get_data(as_text=True)
    assert viewer.get("/api/reports").get_json()["reports"] == []


def test_the_api_takes_bearer_tokens(example: ModuleType, provider: LocalProvider) -> None:
    token = provider.mint(sub="usr_api", permissions=["users:read"])
    me = example.app.test_client().get("/api/me", headers={"authorization": f"Bearer {token}"}).get_json()
    assert me["user"]["id"] == "usr_api" and me["source"] == "bearer"
