"""The FastAPI example (examples/fastapi/app.py) against the local provider."""

from __future__ import annotations

import importlib.util
import sys
import urllib.parse
from types import ModuleType

import pytest
from fastapi.testclient import TestClient

from .conftest import APP, CROSS_SITE, FETCH, NAVIGATE, REDIRECT_URI, ROOT, SAME_ORIGIN, Idp


def load_example(idp: Idp, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    for name, value in {
        "SCALEKIT_ENVIRONMENT_URL": idp.url,
        "SCALEKIT_CLIENT_ID": idp.client_id,
        "SCALEKIT_CLIENT_SECRET": idp.client_secret,
        "SCALEKIT_REDIRECT_URI": REDIRECT_URI,
        "SCALEKIT_POST_LOGOUT_REDIRECT_URI": f"{APP}/",
        "SCALEKIT_SESSION_SECRET": "example-test-session-secret-0123456789",
    }.items():
        monkeypatch.setenv(name, value)
    spec = importlib.util.spec_from_file_location("fastapi_example", ROOT / "examples" / "fastapi" / "app.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["fastapi_example"] = module
    spec.loader.exec_module(module)
    return module


def test_the_example_logs_in_shows_pages_and_logs_out(idp: Idp, monkeypatch: pytest.MonkeyPatch) -> None:
    example = load_example(idp, monkeypatch)
    client = TestClient(example.app, base_url=APP, follow_redirects=False)
    assert "Not signed in" in client.get("/", headers=NAVIGATE).text
    login = client.get("/auth/login?return_to=%2Fdashboard", headers=SAME_ORIGIN)
    callback = idp.browse(login.headers["location"], "admin", "example")
    assert client.get(callback.removeprefix(APP), headers=CROSS_SITE).headers["location"] == "/dashboard"
    dashboard = client.get("/dashboard", headers=NAVIGATE)
    assert dashboard.status_code == 200 and "admin@example.com" in dashboard.text
    assert '<form method="post" action="/auth/logout">' in dashboard.text
    assert "administrator usr_admin" in client.get("/admin", headers=NAVIGATE).text
    assert client.get("/api/me", headers=FETCH).json()["user"]["id"] == "usr_admin"
    assert client.get("/api/reports", headers=FETCH).json()["for"] == "usr_admin"
    # A link on another site does not log the user out.
    cross_site = client.get("/auth/logout", headers=CROSS_SITE)
    assert cross_site.status_code == 200 and '<form method="post" action="/auth/logout">' in cross_site.text
    assert cross_site.headers.get_list("set-cookie") == []
    assert client.get("/api/me", headers=FETCH).status_code == 200
    assert client.post("/auth/logout", headers=SAME_ORIGIN).status_code == 302
    assert client.get("/api/me", headers=FETCH).status_code == 401
    assert client.get("/dashboard", headers=NAVIGATE).headers["location"] == "/auth/login?return_to=%2Fdashboard"
    # 30 logins started and abandoned leave the Cookie header small.
    restless = TestClient(example.app, base_url=APP, follow_redirects=False)
    for _ in range(30):
        assert restless.get("/auth/login?return_to=%2Fdashboard", headers=SAME_ORIGIN).status_code == 302
    logins = [name for name in restless.cookies.keys() if name.startswith("skauth_login_")]
    assert len(logins) == 3
    header = "; ".join(f"{k}={v}" for k, v in restless.cookies.items())
    assert len(header) < 4096, len(header)


def test_sign_in_with_sso_routes_a_work_email_to_its_organization(idp: Idp, monkeypatch: pytest.MonkeyPatch) -> None:
    example = load_example(idp, monkeypatch)
    client = TestClient(example.app, base_url=APP, follow_redirects=False)
    assert 'name="email"' in client.get("/sso", headers=NAVIGATE).text
    assert "Enter your work email" in client.get("/sso?email=nobody", headers=NAVIGATE).text
    to_login = client.get("/sso?email=ada%40acme.com", headers=SAME_ORIGIN)
    assert to_login.headers["location"].startswith("/auth/login?")
    login = client.get(to_login.headers["location"], headers=SAME_ORIGIN)
    sent = urllib.parse.parse_qs(urllib.parse.urlsplit(login.headers["location"]).query)
    assert sent["login_hint"] == ["ada@acme.com"] and sent["domain_hint"] == ["acme.com"]
    callback = idp.browse(login.headers["location"], "ada@acme.com", "example-sso")
    assert client.get(callback.removeprefix(APP), headers=CROSS_SITE).headers["location"] == "/dashboard"
    me = client.get("/api/me", headers=FETCH).json()
    assert me["user"]["organization_id"] == "org_acme" and me["user"]["connection_id"] == "conn_acme_okta"
    assert "Organization: org_acme" in client.get("/dashboard", headers=NAVIGATE).text
