"""The FastAPI integration against the local provider with 5-second access tokens:
login through the provider's page -> dashboard -> expiry -> transparent refresh ->
logout; 401/403 JSON; bearer tokens; a tampered cookie."""

from __future__ import annotations

import time
import urllib.parse
from collections.abc import Iterator

import pytest
from fastapi import Depends, FastAPI
from fastapi.responses import HTMLResponse
from fastapi.testclient import TestClient

import scalekit_auth as sk
from scalekit_auth.fastapi import ScalekitFastAPI

from .conftest import APP, REDIRECT_URI, Idp

HTML = {"accept": "text/html"}
JSON = {"accept": "application/json"}


def make_app(idp: Idp) -> FastAPI:
    app = FastAPI()
    auth = ScalekitFastAPI.from_settings(
        environment_url=idp.url,
        client_id=idp.client_id,
        client_secret=idp.client_secret,
        redirect_uri=REDIRECT_URI,
        session_secret="fastapi-test-session-secret-0123456789",
        post_logout_redirect_uri=f"{APP}/",
        refresh_window_seconds=2,
    )
    auth.install(app)

    @app.get("/")
    async def home(me: sk.Identity | None = Depends(auth.optional_user)) -> dict[str, str | None]:
        return {"user": me.user.id if me else None}

    @app.get("/dashboard", response_class=HTMLResponse)
    async def dashboard(me: sk.Identity = Depends(auth.require_user)) -> HTMLResponse:
        return HTMLResponse(f"<p>{me.user.email}</p><p id=exp>{me.claims.exp}</p>")

    @app.get("/api/me")
    async def api_me(me: sk.Identity = Depends(auth.require_user)) -> dict[str, object]:
        return {"id": me.user.id, "roles": me.claims.roles, "source": me.source}

    @app.get("/admin")
    async def admin(me: sk.Identity = Depends(auth.require_roles("admin"))) -> dict[str, str]:
        return {"admin": me.user.id}

    @app.get("/api/reports")
    async def reports(me: sk.Identity = Depends(auth.require_permissions("users:read"))) -> dict[str, str]:
        return {"reports": me.user.id}

    return app


@pytest.fixture
def client(idp: Idp) -> Iterator[TestClient]:
    with TestClient(make_app(idp), base_url=APP, follow_redirects=False) as c:
        yield c


def log_in(client: TestClient, idp: Idp, username: str) -> None:
    page = client.get("/dashboard", headers=HTML)
    assert page.status_code == 302
    assert page.headers["location"] == "/auth/login?return_to=%2Fdashboard"
    page = client.get(page.headers["location"])
    assert page.status_code == 302
    callback = idp.browse(page.headers["location"], username, f"fastapi-{username}")
    assert callback.startswith(REDIRECT_URI)
    page = client.get(callback.removeprefix(APP))
    assert page.status_code == 302, page.text
    assert page.headers["location"] == "/dashboard"
    assert "skauth_session" in client.cookies


def exp_of(html: str) -> int:
    return int(html.split("<p id=exp>")[1].split("<")[0])


def test_login_dashboard_refresh_logout(client: TestClient, idp: Idp) -> None:
    log_in(client, idp, "admin")
    page = client.get("/dashboard", headers=HTML)
    assert page.status_code == 200 and "admin@example.com" in page.text
    first_exp = exp_of(page.text)

    idp.reset_counts()
    time.sleep(3.5)  # into the refresh window of the 5-second token
    page = client.get("/dashboard", headers=HTML)
    assert page.status_code == 200
    assert any(c.startswith("skauth_session=") for c in page.headers.get_list("set-cookie"))
    assert exp_of(page.text) > first_exp
    assert idp.count("/oauth/token") == 1

    assert client.get("/admin").json() == {"admin": "usr_admin"}
    assert client.get("/api/me", headers=JSON).json()["source"] == "session"
    assert client.get("/").json() == {"user": "usr_admin"}

    page = client.get("/auth/logout")
    assert page.status_code == 302
    assert "skauth_session" not in client.cookies
    landed = idp.browse(page.headers["location"], "admin", "fastapi-admin")
    assert landed.startswith(f"{APP}/?state=")
    assert client.get("/dashboard", headers=HTML).status_code == 302
    assert client.get("/").json() == {"user": None}


def test_api_errors_are_json_and_roles_are_enforced(client: TestClient, idp: Idp) -> None:
    page = client.get("/api/me", headers=JSON)
    assert page.status_code == 401
    assert page.json()["error"] == "session_missing"

    log_in(client, idp, "viewer")
    page = client.get("/admin", headers=HTML)
    assert page.status_code == 403
    assert page.json()["error"] == "insufficient_scope" and "admin" in page.json()["message"]
    assert client.get("/api/reports").json() == {"reports": "usr_viewer"}

    # Tamper with the session cookie: logged out, sent to log in, cookie cleared.
    value = client.cookies["skauth_session"]
    tampered = value[:10] + ("A" if value[10] != "A" else "B") + value[11:]
    browser = TestClient(client.app, base_url=APP, follow_redirects=False)
    page = browser.get("/dashboard", headers={**HTML, "cookie": f"skauth_session={tampered}"})
    assert page.status_code == 302 and page.headers["location"].startswith("/auth/login")
    assert any("Max-Age=0" in c for c in page.headers.get_list("set-cookie"))


def test_bearer_tokens_and_callback_errors(client: TestClient, idp: Idp) -> None:
    token = sk.ScalekitAuth(idp.url, idp.client_id, idp.client_secret).get_client_access_token()
    page = client.get("/api/me", headers={"authorization": f"Bearer {token}"})
    assert page.status_code == 200 and page.json()["source"] == "bearer"
    page = client.get("/api/me", headers={"authorization": "Bearer nope"})
    assert page.status_code == 401 and page.json()["error"] == "token_malformed"

    page = client.get("/auth/callback?code=x&state=forged")
    assert page.status_code == 400 and page.json()["error"] == "state_mismatch"
    page = client.get("/auth/callback?error=access_denied&error_description=No")
    assert page.status_code == 401 and page.json()["error"] == "authorization_denied"

    page = client.get("/auth/signup?return_to=%2F%2Fevil.example")
    location = page.headers["location"]
    assert urllib.parse.parse_qs(urllib.parse.urlparse(location).query)["prompt"] == ["create"]
