"""Tests of this app as its developers write them: no Scalekit account, no browser. A
local provider on 127.0.0.1 signs the tokens; the app factory takes its settings;
`session_cookies_for` seals a session with the app's own secret for Flask's test client.

Run: `pytest test_app.py` (with scalekit-auth[flask] and pytest).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app import auth, create_app
from scalekit_auth.testing import LocalProvider, session_cookies_for

# A browser loading a page; requests without these are API calls (401 JSON, no redirect).
NAVIGATE = {"accept": "text/html", "sec-fetch-mode": "navigate"}
API = {"accept": "application/json"}


@pytest.fixture(scope="module")
def provider() -> Iterator[LocalProvider]:
    with LocalProvider() as provider:
        yield provider


@pytest.fixture
def app(provider: LocalProvider) -> Flask:
    return create_app({
        "SCALEKIT_ENVIRONMENT_URL": provider.url,
        "SCALEKIT_CLIENT_ID": provider.client_id,
        "SCALEKIT_CLIENT_SECRET": provider.client_secret,
        "SCALEKIT_REDIRECT_URI": "http://localhost:3004/auth/callback",
        "SCALEKIT_SESSION_SECRET": "example-tests-session-secret-0123456789",
    })


def signed_in(app: Flask, provider: LocalProvider, **session: object) -> FlaskClient:
    client = app.test_client()
    with app.app_context():
        cookies = session_cookies_for(auth, provider, **session)
    for name, value in cookies.items():
        client.set_cookie(name, value)
    return client


def test_signed_out_pages_lead_to_login_and_the_api_answers_401(app: Flask) -> None:
    client = app.test_client()
    assert client.get("/dashboard", headers=NAVIGATE).headers["location"] == "/auth/login?return_to=%2Fdashboard"
    assert client.get("/api/me", headers=API).get_json()["error"] == "session_missing"
    assert "Not signed in" in client.get("/").get_data(as_text=True)


def test_an_admin_sees_the_admin_page_and_a_viewer_is_refused(app: Flask, provider: LocalProvider) -> None:
    admin = signed_in(app, provider, user_id="usr_ada", roles=["admin"])
    assert "administrator usr_ada" in admin.get("/admin").get_data(as_text=True)
    assert "Signed in as" in admin.get("/").get_data(as_text=True)

    viewer = signed_in(app, provider, roles=["viewer"], permissions=["users:read"])
    assert viewer.get("/admin", headers=API).status_code == 403
    assert "Access denied" in viewer.get("/admin", headers=NAVIGATE).get_data(as_text=True)
    assert viewer.get("/api/reports").get_json()["reports"] == []


def test_the_api_takes_bearer_tokens(app: Flask, provider: LocalProvider) -> None:
    token = provider.mint(sub="usr_api", permissions=["users:read"])
    me = app.test_client().get("/api/me", headers={"authorization": f"Bearer {token}"}).get_json()
    assert me["user"]["id"] == "usr_api" and me["source"] == "bearer"
