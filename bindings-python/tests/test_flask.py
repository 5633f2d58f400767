"""The Flask integration against the local provider with 5-second access tokens: login
through the provider's page, the transparent refresh, roles, bearer tokens, logout, page
loads vs API callers, the login-cookie cap, cross-site logout, cookies on a view that
raises, the after-callback hook, and settings from ``app.config`` over the environment."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, Response, g
from flask.testing import FlaskClient

import scalekit_auth as sk
from scalekit_auth.flask import ScalekitFlask, current_identity, get_identity
from scalekit_auth.testing import LocalProvider, session_cookies_for

from .conftest import APP, CROSS_SITE, FETCH, NAVIGATE, REDIRECT_URI, SAME_ORIGIN, Idp

SESSION_SECRET = "flask-test-session-secret-0123456789"


def settings(idp: Idp | LocalProvider, **more: Any) -> dict[str, Any]:
    return {
        "SCALEKIT_ENVIRONMENT_URL": idp.url,
        "SCALEKIT_CLIENT_ID": idp.client_id,
        "SCALEKIT_CLIENT_SECRET": idp.client_secret,
        "SCALEKIT_REDIRECT_URI": REDIRECT_URI,
        "SCALEKIT_SESSION_SECRET": SESSION_SECRET,
        "SCALEKIT_POST_LOGOUT_REDIRECT_URI": f"{APP}/",
        "SCALEKIT_REFRESH_WINDOW_SECONDS": 2,
        **more,
    }


def make_app(idp: Idp | LocalProvider, **options: Any) -> Flask:
    """An app built by a factory, as most Flask apps are."""
    auth = ScalekitFlask(**options)
    app = Flask(__name__)
    app.config.update(settings(idp))
    auth.init_app(app)

    @app.get("/")
    def home() -> dict[str, Any]:
        me = get_identity()
        return {"user": me.user.id if me else None, "signed_in": bool(current_identity)}

    @app.get("/dashboard")
    @auth.login_required
    def dashboard() -> str:
        return f"<p>{current_identity.user.email}</p><p id=exp>{current_identity.claims.exp}</p>"

    @app.get("/api/me")
    @auth.login_required
    def api_me() -> dict[str, Any]:
        return {"id": current_identity.user.id, "roles": current_identity.claims.roles, "source": current_identity.source}

    @app.get("/admin")
    @auth.require_roles("admin")
    def admin() -> dict[str, str]:
        assert g.scalekit_identity is current_identity._get_current_object()  # type: ignore[attr-defined]
        return {"admin": current_identity.user.id}

    @app.get("/api/reports")
    @auth.require_permissions("users:read")
    def reports() -> dict[str, str]:
        return {"reports": current_identity.user.id}

    @app.get("/api/scoped")
    @auth.require_scopes("reports:read")
    def scoped() -> dict[str, str]:
        return {"scoped": current_identity.user.id}

    @app.get("/boom")
    @auth.login_required
    def boom() -> None:
        raise RuntimeError(f"the view failed for {current_identity.user.id}")

    @app.get("/async")
    @auth.login_required
    async def in_async() -> dict[str, str]:
        return {"async": current_identity.user.id}

    return app


@pytest.fixture
def client(idp: Idp) -> Iterator[FlaskClient]:
    yield make_app(idp).test_client()


def log_in(client: FlaskClient, idp: Idp, username: str) -> None:
    page = client.get("/dashboard", headers=NAVIGATE)
    assert page.status_code == 302
    assert page.headers["location"] == "/auth/login?return_to=%2Fdashboard"
    page = client.get(page.headers["location"], headers=SAME_ORIGIN)
    assert page.status_code == 302
    callback = idp.browse(page.headers["location"], username, f"flask-{username}")
    assert callback.startswith(REDIRECT_URI)
    page = client.get(callback.removeprefix(APP), headers=CROSS_SITE)
    assert page.status_code == 302, page.get_data(as_text=True)
    assert page.headers["location"] == "/dashboard"
    assert client.get_cookie("skauth_session") is not None


def exp_of(html: str) -> int:
    return int(html.split("<p id=exp>")[1].split("<")[0])


def set_cookies(response: Any) -> list[str]:
    return list(response.headers.getlist("Set-Cookie"))


def test_login_dashboard_refresh_logout(client: FlaskClient, idp: Idp) -> None:
    log_in(client, idp, "admin")
    page = client.get("/dashboard", headers=NAVIGATE)
    assert page.status_code == 200 and "admin@example.com" in page.get_data(as_text=True)
    first_exp = exp_of(page.get_data(as_text=True))

    idp.reset_counts()
    time.sleep(4.2)  # into the refresh window of the 5-second token
    page = client.get("/dashboard", headers=NAVIGATE)
    assert page.status_code == 200
    assert any(c.startswith("skauth_session=") for c in set_cookies(page))
    assert exp_of(page.get_data(as_text=True)) > first_exp
    assert idp.count("/oauth/token") == 1

    assert client.get("/admin").json == {"admin": "usr_admin"}
    assert client.get("/api/me", headers=FETCH).json["source"] == "session"  # type: ignore[index]
    assert client.get("/").json == {"user": "usr_admin", "signed_in": True}
    assert client.get("/async").json == {"async": "usr_admin"}

    page = client.post("/auth/logout", headers=SAME_ORIGIN)
    assert page.status_code == 302
    assert client.get_cookie("skauth_session") is None
    assert idp.browse(page.headers["location"], "admin", "flask-admin").startswith(f"{APP}/?state=")
    assert client.get("/dashboard", headers=NAVIGATE).status_code == 302
    assert client.get("/api/me", headers=FETCH).status_code == 401
    assert client.get("/").json == {"user": None, "signed_in": False}


def test_api_callers_get_json_and_roles_are_enforced(client: FlaskClient, idp: Idp) -> None:
    page = client.get("/api/me", headers=FETCH)
    assert page.status_code == 401 and page.json == {"error": "session_missing", "message": "You are not signed in."}
    # Only page loads are sent to log in.
    assert client.get("/dashboard", headers=FETCH).status_code == 401
    log_in(client, idp, "viewer")
    refused = client.get("/admin", headers=FETCH)
    assert refused.status_code == 403 and refused.json["error"] == "insufficient_scope"  # type: ignore[index]
    page = client.get("/admin", headers=NAVIGATE)
    assert page.status_code == 403 and "text/html" in page.headers["content-type"]


def test_bearer_tokens_reach_api_views() -> None:
    with LocalProvider() as provider:
        client = make_app(provider).test_client()
        token = provider.mint(sub="usr_api", roles=["admin"], permissions=["users:read"], scopes=["reports:read"])
        bearer = {"authorization": f"Bearer {token}", **FETCH}
        assert client.get("/api/me", headers=bearer).json == {"id": "usr_api", "roles": ["admin"], "source": "bearer"}
        assert client.get("/api/reports", headers=bearer).json == {"reports": "usr_api"}
        assert client.get("/api/scoped", headers=bearer).json == {"scoped": "usr_api"}
        unscoped = {"authorization": f"Bearer {provider.mint(sub='usr_api')}", **FETCH}
        assert client.get("/api/scoped", headers=unscoped).status_code == 403
        bad = client.get("/api/me", headers={"authorization": "Bearer not.a.token", **FETCH})
        assert bad.status_code == 401 and bad.json["error"] == "token_malformed"  # type: ignore[index]


def test_abandoned_logins_leave_at_most_three_login_cookies(client: FlaskClient) -> None:
    for _ in range(30):
        assert client.get("/auth/login?return_to=%2Fdashboard", headers=SAME_ORIGIN).status_code == 302
    names = [c.key for c in client._cookies.values() if c.key.startswith("skauth_login_")]
    assert len(names) == 3
    header = "; ".join(f"{c.key}={c.value}" for c in client._cookies.values())
    assert len(header) < 4096, len(header)


def test_a_logout_from_another_site_changes_nothing(client: FlaskClient, idp: Idp) -> None:
    log_in(client, idp, "admin")
    page = client.get("/auth/logout", headers=CROSS_SITE)
    assert page.status_code == 200 and '<form method="post"' in page.get_data(as_text=True)
    assert set_cookies(page) == []
    assert client.get("/api/me", headers=FETCH).status_code == 200
    refused = client.post("/auth/logout", headers=CROSS_SITE)
    assert set_cookies(refused) == [] and client.get("/api/me", headers=FETCH).status_code == 200


def test_a_refreshed_cookie_survives_a_view_that_raises(idp: Idp) -> None:
    app = make_app(idp)
    client = app.test_client()
    log_in(client, idp, "admin")
    time.sleep(4.2)
    page = client.get("/boom", headers=NAVIGATE)
    assert page.status_code == 500
    assert any(c.startswith("skauth_session=") for c in set_cookies(page)), "the rotated session is kept"


def test_session_cookies_for_signs_in_a_test_client() -> None:
    with LocalProvider() as provider:
        app = make_app(provider)
        client = app.test_client()
        auth = app.extensions["scalekit_auth"]
        for name, value in session_cookies_for(auth, provider, user_id="usr_ada", roles=["admin"]).items():
            client.set_cookie(name, value)
        assert client.get("/admin").json == {"admin": "usr_ada"}


def test_after_callback_keeps_app_data_or_denies(idp: Idp) -> None:
    def after(request: Any, login: sk.AuthResult) -> dict[str, str]:
        if login.user.id == "usr_viewer":
            raise sk.LoginDeniedError("Viewers may not sign in here.")
        return {"plan": "pro"}

    app = make_app(idp, after_callback=after)

    @app.get("/plan")
    @app.extensions["scalekit_auth"].extension.login_required
    def plan() -> dict[str, Any]:
        return {"plan": current_identity.app_data}

    client = app.test_client()
    log_in(client, idp, "admin")
    assert client.get("/plan").json == {"plan": {"plan": "pro"}}

    other = app.test_client()
    login = other.get("/auth/login", headers=SAME_ORIGIN)
    callback = idp.browse(login.headers["location"], "viewer", "flask-denied")
    page = other.get(callback.removeprefix(APP), headers=CROSS_SITE)
    assert page.status_code == 403 and "Viewers may not sign in here." in page.get_data(as_text=True)
    assert other.get_cookie("skauth_session") is None


def test_an_app_with_sessions_of_its_own_answers_the_callback(idp: Idp) -> None:
    def after(request: Any, login: sk.AuthResult) -> Response:
        response = Response(f"welcome {login.user.id} to {g.scalekit_return_to}", status=200)
        response.set_cookie("app_session", login.user.id)
        return response

    client = make_app(idp, after_callback=after).test_client()
    login = client.get("/auth/login?return_to=%2Fdashboard", headers=SAME_ORIGIN)
    callback = idp.browse(login.headers["location"], "admin", "flask-own")
    page = client.get(callback.removeprefix(APP), headers=CROSS_SITE)
    assert page.get_data(as_text=True) == "welcome usr_admin to /dashboard"
    assert client.get_cookie("app_session") is not None and client.get_cookie("skauth_session") is None


def test_settings_come_from_app_config_then_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    with LocalProvider() as provider:
        app = Flask(__name__)
        app.config.update(SCALEKIT_ENVIRONMENT_URL=provider.url, SCALEKIT_SESSION_SECRET=SESSION_SECRET,
                          SCALEKIT_REDIRECT_URI=f"{APP}/account/callback", SCALEKIT_COOKIE_NAME="app_auth")
        monkeypatch.setenv("SCALEKIT_CLIENT_ID", provider.client_id)
        monkeypatch.setenv("SCALEKIT_CLIENT_SECRET", provider.client_secret)
        monkeypatch.setenv("SCALEKIT_ENVIRONMENT_URL", "https://not-this-one.example.com")
        auth = ScalekitFlask(app, url_prefix="/account")
        assert auth.engine.session_cookie_name == "app_auth"
        assert auth.client._native is not None
        page = app.test_client().get("/dashboard-missing")
        assert page.status_code == 404
        login = app.test_client().get("/account/login", headers=SAME_ORIGIN)
        assert login.headers["location"].startswith(f"{provider.url}/oauth/authorize?")


def test_a_missing_or_wrong_setting_fails_in_init_app(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("SCALEKIT_ENVIRONMENT_URL", "SCALEKIT_CLIENT_ID", "SCALEKIT_CLIENT_SECRET", "SCALEKIT_REDIRECT_URI",
                 "SCALEKIT_SESSION_SECRET"):
        monkeypatch.delenv(name, raising=False)
    app = Flask(__name__)
    app.config.update(SCALEKIT_ENVIRONMENT_URL="https://acme.scalekit.com", SCALEKIT_CLIENT_ID="skc_1",
                      SCALEKIT_CLIENT_SECRET="secret", SCALEKIT_SESSION_SECRET=SESSION_SECRET)
    with pytest.raises(sk.ConfigurationError, match="SCALEKIT_REDIRECT_URI is not set"):
        ScalekitFlask(app)
    app.config["SCALEKIT_REDIRECT_URI"] = REDIRECT_URI
    app.config["SCALEKIT_COKIE_NAME"] = "typo"
    with pytest.raises(sk.ConfigurationError, match="unknown scalekit-auth setting SCALEKIT_COKIE_NAME"):
        ScalekitFlask(app)
    del app.config["SCALEKIT_COKIE_NAME"]
    app.config["SCALEKIT_SAME_SITE"] = "sometimes"
    with pytest.raises(sk.ConfigurationError, match="same_site"):
        ScalekitFlask(app)
    app.config["SCALEKIT_SAME_SITE"] = "lax"
    app.config["SCALEKIT_SESSION_SECRET"] = "short"
    with pytest.raises(sk.ConfigurationError, match="SESSION_SECRET|secret"):
        ScalekitFlask(app)


def test_a_view_outside_an_initialised_app_says_what_to_do() -> None:
    app = Flask(__name__)
    with app.test_request_context("/"), pytest.raises(RuntimeError, match="init_app"):
        get_identity()


def test_importing_the_package_imports_no_framework() -> None:
    code = "import scalekit_auth, sys; print(sorted(m for m in ('flask', 'django', 'fastapi') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.strip() == "[]"


PRELOADED_APP = """
import os
from flask import Flask
from scalekit_auth.flask import ScalekitFlask, current_identity

app = Flask(__name__)
auth = ScalekitFlask(app)
# The client is used before gunicorn forks its workers: discovery, keys, the runtime.
assert auth.client.validate_access_token(os.environ["WARM_TOKEN"]).sub == "usr_warm"

@app.get("/api/me")
@auth.login_required
def me():
    return {"id": current_identity.user.id, "pid": os.getpid()}
"""


@pytest.mark.skipif(sys.platform == "win32", reason="gunicorn is POSIX")
def test_gunicorn_preload_workers_with_threads_serve_after_the_fork(tmp_path: Path) -> None:
    (tmp_path / "preloaded.py").write_text(PRELOADED_APP)
    with LocalProvider() as provider, socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
        probe.close()
        env = {**os.environ, **{k: str(v) for k, v in settings(provider).items()}, "WARM_TOKEN": provider.mint("usr_warm")}
        gunicorn = Path(sys.executable).with_name("gunicorn")
        server = subprocess.Popen(
            [str(gunicorn), "preloaded:app", "--preload", "--workers", "2", "--threads", "4", "-b", f"127.0.0.1:{port}"],
            cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        try:
            pids = set()
            deadline = time.monotonic() + 30
            while len(pids) < 2 and time.monotonic() < deadline:
                token = provider.mint("usr_after_fork")
                request = urllib.request.Request(f"http://127.0.0.1:{port}/api/me", headers={"authorization": f"Bearer {token}"})
                try:
                    with urllib.request.urlopen(request, timeout=10) as response:
                        body = json.loads(response.read())
                except OSError:
                    time.sleep(0.2)
                    continue
                assert body["id"] == "usr_after_fork"
                pids.add(body["pid"])
            assert len(pids) == 2, "both forked workers answered"
        finally:
            server.send_signal(signal.SIGTERM)
            output, _ = server.communicate(timeout=30)
        assert server.returncode == 0, output
        assert "Traceback" not in output and "Segmentation" not in output, output


def test_one_extension_object_serves_several_apps_each_with_its_own_secret() -> None:
    with LocalProvider() as provider:
        auth = ScalekitFlask()
        apps = []
        for secret in ("first-app-session-secret-0123456789", "second-app-session-secret-0123456789"):
            app = Flask(__name__)
            app.config.update(settings(provider, SCALEKIT_SESSION_SECRET=secret))
            auth.init_app(app)

            @app.get("/me")
            @auth.login_required
            def me() -> str:
                return current_identity.user.id

            apps.append(app)
        first, second = apps
        with first.app_context():
            cookies = session_cookies_for(auth, provider, user_id="usr_first")
        own, other = first.test_client(), second.test_client()
        for name, value in cookies.items():
            own.set_cookie(name, value)
            other.set_cookie(name, value)
        assert own.get("/me").get_data(as_text=True) == "usr_first"
        assert other.get("/me", headers=FETCH).status_code == 401, "another app's secret opens no session"


def test_templates_see_current_identity_and_answers_vary_by_cookie() -> None:
    with LocalProvider() as provider:
        app = make_app(provider)

        @app.get("/hello")
        def hello() -> str:
            from flask import render_template_string

            return render_template_string("{% if current_identity %}hi {{ current_identity.user.id }}{% else %}anon{% endif %}")

        client = app.test_client()
        page = client.get("/hello")
        assert page.get_data(as_text=True) == "anon"
        assert {"Cookie", "Authorization"} <= set(page.vary)
        bearer = {"authorization": f"Bearer {provider.mint(sub='usr_tpl')}"}
        assert client.get("/hello", headers=bearer).get_data(as_text=True) == "hi usr_tpl"
        # A response that carries a session cookie the engine decided on (here the clearing
        # of a broken one) is private to its browser.
        client.set_cookie("skauth_session", "broken")
        cleared = client.get("/hello")
        assert cleared.get_data(as_text=True) == "anon"
        assert any(c.startswith("skauth_session=;") for c in set_cookies(cleared))
        assert cleared.cache_control.private


def test_flask_login_s_next_parameter_becomes_the_return_target(idp: Idp) -> None:
    client = make_app(idp).test_client()
    login = client.get("/auth/login?next=%2Fadmin", headers=SAME_ORIGIN)
    callback = idp.browse(login.headers["location"], "admin", "flask-next")
    assert client.get(callback.removeprefix(APP), headers=CROSS_SITE).headers["location"] == "/admin"


def test_options_come_from_their_variables_when_app_config_lacks_them(monkeypatch: pytest.MonkeyPatch) -> None:
    with LocalProvider() as provider:
        monkeypatch.setenv("SCALEKIT_COOKIE_NAME", "from_env")
        monkeypatch.setenv("SCALEKIT_IDLE_TIMEOUT_SECONDS", "900")
        monkeypatch.setenv("SCALEKIT_AUDIENCE", "https://api.example.com, other")
        app = Flask(__name__)
        app.config.update(settings(provider))
        assert ScalekitFlask(app).engine.session_cookie_name == "from_env"
        monkeypatch.setenv("SCALEKIT_IDLE_TIMEOUT_SECONDS", "soon")
        with pytest.raises(sk.ConfigurationError, match="SCALEKIT_IDLE_TIMEOUT_SECONDS must be a whole number"):
            ScalekitFlask(app)
        monkeypatch.delenv("SCALEKIT_IDLE_TIMEOUT_SECONDS")
        app.config["SCALEKIT_COOKIE_NAME"] = "path"
        with pytest.raises(sk.ConfigurationError, match="cookie attribute"):
            ScalekitFlask(app)


def test_the_app_ends_a_user_s_sessions(client: FlaskClient, idp: Idp) -> None:
    log_in(client, idp, "admin")
    assert client.get("/api/me", headers=FETCH).status_code == 200
    client.application.extensions["scalekit_auth"].extension.end_sessions_for("usr_admin")
    ended = client.get("/api/me", headers=FETCH)
    assert ended.status_code == 401 and ended.get_json()["error"] == "session_expired"
