"""The FastAPI integration against the local provider with 5-second access tokens:
login through the provider's page -> dashboard -> expiry -> transparent refresh ->
logout; page navigations vs API callers (redirect or error page vs 401/403 JSON);
bearer tokens; a tampered cookie; login-cookie cap; cross-site logout; refreshed
cookies on a route that raises; error answers that never reveal configuration."""

from __future__ import annotations

import logging
import socket
import time
import urllib.parse
from collections.abc import Iterator

import httpx
import pytest
from fastapi import Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.testclient import TestClient

import scalekit_auth as sk
from scalekit_auth.fastapi import ScalekitFastAPI
from scalekit_auth.testing import LocalProvider

from .conftest import APP, CROSS_SITE, FETCH, NAVIGATE, REDIRECT_URI, SAME_ORIGIN, Idp

JSON = {"accept": "application/json"}
SESSION_SECRET = "fastapi-test-session-secret-0123456789"


def make_app(idp: Idp, app_dependencies: bool = False) -> FastAPI:
    app = FastAPI()
    auth = ScalekitFastAPI.from_settings(
        environment_url=idp.url,
        client_id=idp.client_id,
        client_secret=idp.client_secret,
        redirect_uri=REDIRECT_URI,
        session_secret=SESSION_SECRET,
        post_logout_redirect_uri=f"{APP}/",
        refresh_window_seconds=2,
    )
    if app_dependencies:  # every route, the auth routes included, reads the session
        app.router.dependencies.append(Depends(auth.optional_user))
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

    @app.post("/ban/{user_id}")
    async def ban(user_id: str, me: sk.Identity = Depends(auth.require_roles("admin"))) -> None:
        await auth.end_sessions_for(user_id)

    @app.get("/boom")
    async def boom(me: sk.Identity = Depends(auth.require_user)) -> None:
        raise RuntimeError(f"the route failed for {me.user.id}")

    return app


@pytest.fixture
def client(idp: Idp) -> Iterator[TestClient]:
    with TestClient(make_app(idp), base_url=APP, follow_redirects=False) as c:
        yield c


def log_in(client: TestClient, idp: Idp, username: str) -> None:
    page = client.get("/dashboard", headers=NAVIGATE)
    assert page.status_code == 302
    assert page.headers["location"] == "/auth/login?return_to=%2Fdashboard"
    page = client.get(page.headers["location"], headers=SAME_ORIGIN)
    assert page.status_code == 302
    callback = idp.browse(page.headers["location"], username, f"fastapi-{username}")
    assert callback.startswith(REDIRECT_URI)
    page = client.get(callback.removeprefix(APP), headers=CROSS_SITE)  # the provider sends the browser back
    assert page.status_code == 302, page.text
    assert page.headers["location"] == "/dashboard"
    assert "skauth_session" in client.cookies


def exp_of(html: str) -> int:
    return int(html.split("<p id=exp>")[1].split("<")[0])


def test_login_dashboard_refresh_logout(client: TestClient, idp: Idp) -> None:
    log_in(client, idp, "admin")
    page = client.get("/dashboard", headers=NAVIGATE)
    assert page.status_code == 200 and "admin@example.com" in page.text
    first_exp = exp_of(page.text)

    idp.reset_counts()
    time.sleep(4.2)  # into the refresh window of the 5-second token (its last second)
    page = client.get("/dashboard", headers=NAVIGATE)
    assert page.status_code == 200
    assert any(c.startswith("skauth_session=") for c in page.headers.get_list("set-cookie"))
    assert exp_of(page.text) > first_exp
    assert idp.count("/oauth/token") == 1

    assert client.get("/admin").json() == {"admin": "usr_admin"}
    assert client.get("/api/me", headers=JSON).json()["source"] == "session"
    assert client.get("/").json() == {"user": "usr_admin"}

    page = client.get("/auth/logout", headers=SAME_ORIGIN)
    assert page.status_code == 302
    assert "skauth_session" not in client.cookies
    landed = idp.browse(page.headers["location"], "admin", "fastapi-admin")
    assert landed.startswith(f"{APP}/?state=")
    assert client.get("/dashboard", headers=NAVIGATE).status_code == 302
    assert client.get("/").json() == {"user": None}


def test_api_errors_are_json_and_roles_are_enforced(client: TestClient, idp: Idp) -> None:
    page = client.get("/api/me", headers=JSON)
    assert page.status_code == 401
    assert page.json()["error"] == "session_missing"

    log_in(client, idp, "viewer")
    page = client.get("/admin", headers=FETCH)
    assert page.status_code == 403
    assert page.json()["error"] == "insufficient_scope"
    page = client.get("/admin", headers=NAVIGATE)  # a person gets a page, not JSON
    assert page.status_code == 403 and page.headers["content-type"].startswith("text/html")
    assert "insufficient_scope" in page.text
    assert client.get("/api/reports").json() == {"reports": "usr_viewer"}

    # Tamper with the session cookie: logged out, sent to log in, cookie cleared.
    value = client.cookies["skauth_session"]
    tampered = value[:10] + ("A" if value[10] != "A" else "B") + value[11:]
    browser = TestClient(client.app, base_url=APP, follow_redirects=False)
    page = browser.get("/dashboard", headers={**NAVIGATE, "cookie": f"skauth_session={tampered}"})
    assert page.status_code == 302 and page.headers["location"].startswith("/auth/login")
    assert any("Max-Age=0" in c for c in page.headers.get_list("set-cookie"))


def test_bearer_tokens_and_callback_errors(client: TestClient, idp: Idp) -> None:
    token = sk.ScalekitAuth(idp.url, idp.client_id, idp.client_secret).get_client_access_token()
    page = client.get("/api/me", headers={"authorization": f"Bearer {token}"})
    assert page.status_code == 200 and page.json()["source"] == "bearer"
    page = client.get("/api/me", headers={"authorization": "Bearer nope"})
    assert page.status_code == 401 and page.json()["error"] == "token_malformed"
    # A bearer token marks an API client, whatever the browser headers say.
    page = client.get("/api/me", headers={**NAVIGATE, "authorization": "Bearer nope"})
    assert page.status_code == 401 and page.json()["error"] == "token_malformed"

    page = client.get("/auth/callback?code=x&state=forged")
    assert page.status_code == 400 and page.json()["error"] == "state_mismatch"
    page = client.get("/auth/callback?error=access_denied&error_description=No")
    assert page.status_code == 401 and page.json()["error"] == "authorization_denied"

    page = client.get("/auth/signup?return_to=%2F%2Fevil.example", headers=NAVIGATE)
    location = page.headers["location"]
    assert urllib.parse.parse_qs(urllib.parse.urlparse(location).query)["prompt"] == ["create"]


def test_scripts_get_401_json_and_page_loads_are_sent_to_log_in(client: TestClient) -> None:
    page = client.get("/dashboard", headers=FETCH)
    assert page.status_code == 401
    assert page.headers["content-type"] == "application/json"
    assert page.json()["error"] == "session_missing"
    assert page.headers["cache-control"] == "no-store"
    assert page.headers["x-content-type-options"] == "nosniff"

    page = client.get("/dashboard?tab=1", headers=NAVIGATE)
    assert page.status_code == 302
    assert page.headers["location"] == "/auth/login?return_to=%2Fdashboard%3Ftab%3D1"
    assert page.headers["cache-control"] == "no-store"

    # An old browser without Fetch Metadata: its Accept names HTML.
    assert client.get("/dashboard", headers={"accept": "text/html"}).status_code == 302


def test_only_page_navigations_start_a_login(client: TestClient) -> None:
    for headers in (FETCH, JSON, {}):
        page = client.get("/auth/login?return_to=%2Fdashboard", headers=headers)
        assert page.status_code == 400 and page.json()["error"] == "invalid_argument"
        assert not page.headers.get_list("set-cookie")
    assert not list(client.cookies.keys())


def test_abandoned_logins_leave_at_most_three_login_cookies(client: TestClient, idp: Idp) -> None:
    locations = []
    for _ in range(30):
        page = client.get("/auth/login?return_to=%2Fdashboard", headers=NAVIGATE)
        assert page.status_code == 302
        locations.append(page.headers["location"])
    names = [name for name in client.cookies.keys() if "skauth_login_" in name]
    assert 1 <= len(names) <= 3, names
    cookie_header = "; ".join(f"{c.name}={c.value}" for c in client.cookies.jar)
    assert len(cookie_header.encode()) < 4096

    # The newest login still completes.
    callback = idp.browse(locations[-1], "jane", "fastapi-many-logins")
    page = client.get(callback.removeprefix(APP), headers=CROSS_SITE)
    assert page.status_code == 302 and page.headers["location"] == "/dashboard"
    assert client.get("/api/me", headers=FETCH).json()["id"] == "usr_jane"


def test_a_logout_from_another_site_changes_nothing_until_confirmed(client: TestClient, idp: Idp) -> None:
    log_in(client, idp, "jane")
    for send in (client.get, client.post):  # a link or a form on another site
        page = send("/auth/logout", headers=CROSS_SITE)
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        assert '<form method="post" action="/auth/logout">' in page.text
        assert not page.headers.get_list("set-cookie")
    page = client.get("/auth/logout", headers={**FETCH, "sec-fetch-site": "cross-site"})
    assert page.status_code == 403 and page.json()["error"] == "cross_site_request"
    assert client.get("/api/me", headers=FETCH).json()["id"] == "usr_jane"

    # The confirmation page's button: a POST from this site.
    page = client.post("/auth/logout", headers=SAME_ORIGIN)
    assert page.status_code == 302 and page.headers["location"].startswith(f"{idp.url}/oidc/logout?")
    assert "skauth_session" not in client.cookies
    assert client.get("/api/me", headers=FETCH).status_code == 401


def test_same_origin_and_post_logouts_end_the_session(client: TestClient, idp: Idp) -> None:
    log_in(client, idp, "jane")
    page = client.get("/auth/logout", headers=SAME_ORIGIN)
    assert page.status_code == 302 and "skauth_session" not in client.cookies
    assert client.get("/api/me", headers=FETCH).status_code == 401

    log_in(client, idp, "jane")
    page = client.post("/auth/logout")  # a client without Fetch Metadata (curl, an old browser)
    assert page.status_code == 302 and "skauth_session" not in client.cookies
    assert client.get("/api/me", headers=FETCH).status_code == 401


def test_the_app_ends_a_user_s_sessions(idp: Idp) -> None:
    app = make_app(idp)
    with TestClient(app, base_url=APP, follow_redirects=False) as admin, \
            TestClient(app, base_url=APP, follow_redirects=False) as viewer:
        log_in(admin, idp, "admin")
        log_in(viewer, idp, "viewer")
        assert admin.post("/ban/usr_viewer", headers=SAME_ORIGIN).status_code == 200
        ended = viewer.get("/api/me", headers=FETCH)
        assert ended.status_code == 401 and ended.json()["error"] == "session_expired"
        assert admin.get("/api/me", headers=FETCH).status_code == 200, "only that user's sessions end"


def test_a_failed_login_page_shows_no_provider_text(client: TestClient) -> None:
    query = urllib.parse.urlencode(
        {"error": "access_denied", "error_description": "<script>alert(1)</script>", "state": "x"}
    )
    page = client.get(f"/auth/callback?{query}", headers=CROSS_SITE)
    assert page.status_code == 401
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert page.headers["x-content-type-options"] == "nosniff"
    assert "<script>" not in page.text and "alert" not in page.text
    assert "authorization_denied" in page.text and 'href="/auth/login?return_to=%2F"' in page.text

    page = client.get(f"/auth/callback?{query}", headers=FETCH)
    assert page.status_code == 401 and page.json()["error"] == "authorization_denied"
    assert "alert" not in page.text


def test_refreshed_cookies_survive_a_route_that_raises(idp: Idp) -> None:
    app = make_app(idp)
    with TestClient(app, base_url=APP, follow_redirects=False, raise_server_exceptions=False) as client:
        log_in(client, idp, "jane")
        before = client.cookies["skauth_session"]
        idp.reset_counts()
        time.sleep(4.2)  # the 5-second token is due for refresh
        page = client.get("/boom", headers=NAVIGATE)
        assert page.status_code == 500
        assert idp.count("/oauth/token") == 1  # the refresh token was spent and rotated...
        assert any(c.startswith("skauth_session=") for c in page.headers.get_list("set-cookie"))
        assert client.cookies["skauth_session"] != before  # ...and the new one reached the browser

        time.sleep(4.2)  # the next refresh needs the rotated refresh token
        page = client.get("/api/me", headers=FETCH)
        assert page.status_code == 200 and page.json()["id"] == "usr_jane"
        assert idp.count("/oauth/token") == 2


def test_a_route_s_own_cookies_win_over_those_a_dependency_kept(idp: Idp) -> None:
    app = make_app(idp, app_dependencies=True)
    with TestClient(app, base_url=APP, follow_redirects=False) as client:
        log_in(client, idp, "jane")
        time.sleep(4.2)  # due for refresh: the app-wide dependency rewrites the session
        page = client.get("/auth/logout", headers=SAME_ORIGIN)
        assert page.status_code == 302
        assert any("skauth_session=" in c for c in page.headers.get_list("set-cookie"))
        assert "skauth_session" not in client.cookies, "the logout's clearing came last"
        assert client.get("/api/me", headers=FETCH).status_code == 401


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def local_app(environment_url: str, client_id: str) -> FastAPI:
    app = FastAPI()
    auth = ScalekitFastAPI.from_settings(
        environment_url=environment_url,
        client_id=client_id,
        client_secret="secret",
        redirect_uri=REDIRECT_URI,
        session_secret=SESSION_SECRET,
        http_timeout_seconds=5,
    )
    auth.install(app)

    @app.get("/api/me")
    async def api_me(me: sk.Identity = Depends(auth.require_user)) -> dict[str, str]:
        return {"id": me.user.id}

    return app


def test_error_answers_never_reveal_the_configuration(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="scalekit_auth")
    with LocalProvider(client_id="skc_app") as provider:
        client = TestClient(local_app(provider.url, "skc_app"), base_url=APP)
        assert client.get("/api/me", headers={"authorization": f"Bearer {provider.mint('usr_1')}"}).status_code == 200
        tokens = {
            "token_invalid_issuer": provider.mint(iss="https://evil.example"),
            "token_invalid_audience": provider.mint(aud=["someone-else"]),
            "token_wrong_type": provider.mint(nonce="n"),
            "token_expired": provider.mint(expires_in=-3600),
        }
        for code, token in tokens.items():
            page = client.get("/api/me", headers={**FETCH, "authorization": f"Bearer {token}"})
            assert page.status_code == 401 and page.json()["error"] == code
            assert set(page.json()) == {"error", "message"}
            assert provider.url not in page.text and "127.0.0.1" not in page.text and "evil" not in page.text
        # The details are in the logs, not in the answers.
        assert any(provider.url in r.getMessage() for r in caplog.records if r.levelno == logging.DEBUG)

        down = f"http://127.0.0.1:{closed_port()}"
        caplog.clear()
        page = TestClient(local_app(down, "skc_app"), base_url=APP).get(
            "/api/me", headers={**FETCH, "authorization": f"Bearer {provider.mint('usr_1')}"}
        )
        assert page.status_code >= 500 and page.json()["error"] in sk.ERROR_CODES
        assert "127.0.0.1" not in page.text
        assert any(down in r.getMessage() for r in caplog.records if r.levelno == logging.WARNING)


def hooked_app(idp: Idp) -> FastAPI:
    """An app whose after-callback hook refuses `mallory` and keeps a plan for others."""

    async def after_callback(request: Request, login: sk.AuthResult) -> dict[str, object] | None:
        assert request.url.path == "/auth/callback"
        if login.user.email and login.user.email.startswith("mallory@"):
            raise sk.LoginDeniedError("Mallory's organization is not allowed here.")
        return {"plan": "team", "org": login.user.organization_id, "roles": login.access_token_claims.roles}

    app = FastAPI()
    auth = ScalekitFastAPI.from_settings(
        environment_url=idp.url, client_id=idp.client_id, client_secret=idp.client_secret,
        redirect_uri=REDIRECT_URI, session_secret=SESSION_SECRET, after_callback=after_callback,
    )
    auth.install(app)

    @app.get("/dashboard")
    async def dashboard(me: sk.Identity = Depends(auth.require_user)) -> dict[str, object]:
        return {"id": me.user.id, "app_data": me.app_data}

    return app


def test_after_callback_keeps_app_data_or_denies_the_login(idp: Idp) -> None:
    with TestClient(hooked_app(idp), base_url=APP, follow_redirects=False) as client:
        log_in(client, idp, "admin")
        data = client.get("/dashboard", headers=FETCH).json()["app_data"]
        assert data == {"plan": "team", "org": "org_local", "roles": ["admin"]}

    with TestClient(hooked_app(idp), base_url=APP, follow_redirects=False) as client:
        page = client.get("/auth/login?return_to=%2Fdashboard", headers=SAME_ORIGIN)
        callback = idp.browse(page.headers["location"], "mallory", "fastapi-mallory")
        denied = client.get(callback.removeprefix(APP), headers=CROSS_SITE)
        assert denied.status_code == 403
        assert "Mallory&#39;s organization is not allowed here." in denied.text
        assert "login_denied" in denied.text
        assert "skauth_session" not in client.cookies
        assert client.get("/dashboard", headers=FETCH).status_code == 401


def test_the_core_logs_to_the_scalekit_auth_logger_without_tokens(
    idp: Idp, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="scalekit_auth")
    with TestClient(make_app(idp), base_url=APP, follow_redirects=False) as client:
        log_in(client, idp, "admin")
        time.sleep(4)  # the 5-second access token is now inside the refresh window
        assert client.get("/api/me", headers=FETCH).status_code == 200
        session = client.cookies.get("skauth_session") or ""
    messages = [r.getMessage() for r in caplog.records if r.name == "scalekit_auth"]
    assert any(m.startswith("login started") for m in messages), messages
    assert any(m.startswith("login finished") and "user=" in m for m in messages), messages
    assert any(m.startswith("fetched the provider's signing keys") for m in messages), messages
    assert any(m.startswith("session refreshed") for m in messages), messages
    levels = {r.getMessage().split(" ")[0]: r.levelno for r in caplog.records if r.name == "scalekit_auth"}
    assert levels["login"] == logging.INFO
    assert session and not any(session[:40] in m for m in messages)
    assert not any("eyJ" in m for m in messages), "no token in any log line"


def test_idp_initiated_login_lands_on_the_relay_state(client: TestClient, idp: Idp) -> None:
    # The provider sends the user to the app's login route with a token of its own.
    for relay, landing in [("/api/reports", "/api/reports"), ("//evil.example/x", "/")]:
        query = urllib.parse.urlencode({
            "initiate_login_uri": f"{APP}/auth/login", "connection_id": "conn_local",
            "organization_id": "org_local", "relay_state": relay,
        })
        from_idp = httpx.get(f"{idp.url}/sso/idp-initiated?{query}", follow_redirects=False)
        assert from_idp.status_code == 302
        login_url = from_idp.headers["location"]
        assert login_url.startswith(f"{APP}/auth/login?idp_initiated_login=")
        login = client.get(login_url.removeprefix(APP), headers=CROSS_SITE)
        assert login.status_code == 302, login.text
        sent = urllib.parse.parse_qs(urllib.parse.urlsplit(login.headers["location"]).query)
        assert sent["connection_id"] == ["conn_local"] and sent["organization_id"] == ["org_local"]
        callback = idp.browse(login.headers["location"], "viewer", f"fastapi-idp-initiated-{landing}")
        landed = client.get(callback.removeprefix(APP), headers=CROSS_SITE)
        assert landed.status_code == 302, landed.text
        assert landed.headers["location"] == landing
    forged = client.get("/auth/login?idp_initiated_login=eyJhbGciOiJIUzI1NiJ9.e30.x", headers=CROSS_SITE)
    assert forged.status_code == 401


def test_an_app_with_sessions_of_its_own_gets_the_user_and_answers_itself(idp: Idp) -> None:
    """Modular SSO: the hook receives the verified user and answers with the app's own
    session; no session of this package's opens."""

    async def after_callback(request: Request, login: sk.AuthResult) -> Response:
        assert request.state.scalekit_return_to == "/home"
        answer = RedirectResponse(request.state.scalekit_return_to, status_code=303)
        answer.set_cookie("myapp_session", f"user={login.user.id}", httponly=True)
        return answer

    app = FastAPI()
    auth = ScalekitFastAPI.from_settings(
        environment_url=idp.url, client_id=idp.client_id, client_secret=idp.client_secret,
        redirect_uri=REDIRECT_URI, session_secret=SESSION_SECRET, after_callback=after_callback,
    )
    auth.install(app)
    with TestClient(app, base_url=APP, follow_redirects=False) as client:
        login = client.get("/auth/login?login_hint=ada%40acme.com&domain_hint=acme.com&return_to=%2Fhome", headers=SAME_ORIGIN)
        sent = urllib.parse.parse_qs(urllib.parse.urlsplit(login.headers["location"]).query)
        assert sent["login_hint"] == ["ada@acme.com"] and sent["domain_hint"] == ["acme.com"]
        callback = idp.browse(login.headers["location"], "ada@acme.com", "fastapi-own-session")
        landed = client.get(callback.removeprefix(APP), headers=CROSS_SITE)
        assert landed.status_code == 303 and landed.headers["location"] == "/home"
        assert client.cookies.get("myapp_session", "").strip('"') == "user=usr_ada@acme.com"
        assert "skauth_session" not in client.cookies
        assert not [name for name in client.cookies if name.startswith("skauth_login_")], "the login cookie is cleared"
