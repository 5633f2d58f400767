"""The Django integration against the local provider with 5-second access tokens:
``request.user`` and Django's own decorators, mixins and templates, the transparent
refresh, our role and scope decorators, Django REST framework (session and bearer, 401
with a challenge, permission classes, CSRF), async views, cookies on a view that raises,
logout, the login-cookie cap, and settings checked by ``manage.py check``."""

from __future__ import annotations

import doctest
import importlib
import os
import time
from collections.abc import Iterator
from typing import Any

import django
import pytest

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.django_project.settings")
django.setup()

from django.core import checks  # noqa: E402
from django.test import AsyncClient, Client, override_settings  # noqa: E402

import scalekit_auth as sk  # noqa: E402
from scalekit_auth.django import get_auth  # noqa: E402
from scalekit_auth.django.middleware import ScalekitMiddleware  # noqa: E402
from scalekit_auth.testing import LocalProvider, session_cookies_for  # noqa: E402

from .conftest import APP, CROSS_SITE, FETCH, NAVIGATE, REDIRECT_URI, SAME_ORIGIN, Idp  # noqa: E402

SESSION_SECRET = "django-test-session-secret-0123456789"


def scalekit(idp: Idp | LocalProvider, **more: Any) -> dict[str, Any]:
    return {
        "ENVIRONMENT_URL": idp.url,
        "CLIENT_ID": idp.client_id,
        "CLIENT_SECRET": idp.client_secret,
        "REDIRECT_URI": REDIRECT_URI,
        "SESSION_SECRET": SESSION_SECRET,
        "POST_LOGOUT_REDIRECT_URI": f"{APP}/",
        "REFRESH_WINDOW_SECONDS": 2,
        **more,
    }


@pytest.fixture
def configured(idp: Idp) -> Iterator[None]:
    with override_settings(SCALEKIT=scalekit(idp)):
        yield


@pytest.fixture
def client(configured: None) -> Client:
    return Client(SERVER_NAME="localhost")


def log_in(client: Client, idp: Idp, username: str) -> None:
    page = client.get("/dashboard", headers=NAVIGATE)
    # Django's own login_required, to LOGIN_URL with `next`.
    assert page.status_code == 302 and page.headers["location"] == "/auth/login?next=/dashboard"
    page = client.get(page.headers["location"], headers=SAME_ORIGIN)
    assert page.status_code == 302
    callback = idp.browse(page.headers["location"], username, f"django-{username}")
    assert callback.startswith(REDIRECT_URI)
    page = client.get(callback.removeprefix(APP), headers=CROSS_SITE)
    assert page.status_code == 302, page.content
    assert page.headers["location"] == "/dashboard", "the return target survived through `next`"
    assert client.cookies["skauth_session"].value


def set_cookies(response: Any) -> list[str]:
    return [m.output(header="").strip() for m in response.cookies.values()]


def exp_of(html: str) -> int:
    return int(html.split("<p id=exp>")[1].split("<")[0])


def test_login_refresh_and_logout_with_django_s_own_decorators(client: Client, idp: Idp) -> None:
    assert client.get("/", headers=NAVIGATE).content == b"signed out"
    log_in(client, idp, "admin")
    page = client.get("/dashboard", headers=NAVIGATE)
    assert page.status_code == 200 and b"admin@example.com" in page.content
    first_exp = exp_of(page.content.decode())

    idp.reset_counts()
    time.sleep(4.2)
    page = client.get("/dashboard", headers=NAVIGATE)
    assert page.status_code == 200 and exp_of(page.content.decode()) > first_exp
    assert any(c.startswith("skauth_session=") for c in set_cookies(page))
    assert idp.count("/oauth/token") == 1

    assert client.get("/", headers=NAVIGATE).content == b"signed in as usr_admin"
    assert client.get("/admin", headers=FETCH).json() == {"admin": "usr_admin"}
    assert client.get("/api/me", headers=FETCH).json() == {"id": "usr_admin", "source": "session", "roles": ["admin"]}

    assert client.get("/signed-in", headers=NAVIGATE).content == b"signed in usr_admin"  # LoginRequiredMixin
    # The logout form posts without Django's CSRF token, with Django's CSRF checks on.
    client.handler.enforce_csrf_checks = True
    page = client.post("/auth/logout", headers=SAME_ORIGIN)
    assert page.status_code == 302
    client.handler.enforce_csrf_checks = False
    assert idp.browse(page.headers["location"], "admin", "django-admin").startswith(f"{APP}/?state=")
    assert client.get("/", headers=NAVIGATE).content == b"signed out"
    assert client.get("/api/me", headers=FETCH).status_code == 401


def test_roles_permissions_and_api_callers(client: Client, idp: Idp) -> None:
    assert client.get("/signed-in", headers=NAVIGATE).headers["location"] == "/auth/login?next=/signed-in"
    unauthenticated = client.get("/api/me", headers=FETCH)
    assert unauthenticated.status_code == 401 and unauthenticated.headers["www-authenticate"] == 'Bearer realm="api"'
    assert client.get("/admin", headers=FETCH).json()["error"] == "session_missing"
    log_in(client, idp, "viewer")
    refused = client.get("/admin", headers=FETCH)
    assert refused.status_code == 403 and refused.json()["error"] == "insufficient_scope"
    assert client.get("/admin", headers=NAVIGATE).status_code == 403
    assert client.get("/api/admin", headers=FETCH).status_code == 403
    viewer = client.get("/api/me", headers=FETCH).json()
    assert viewer["id"] == "usr_viewer"


def test_bearer_tokens_permissions_and_async_views() -> None:
    with LocalProvider() as provider, override_settings(SCALEKIT=scalekit(provider)):
        client = Client()
        token = provider.mint(sub="usr_api", roles=["admin"], permissions=["users:read"], scopes=["reports:read"])
        bearer = {"authorization": f"Bearer {token}", **FETCH}
        assert client.get("/api/me", headers=bearer).json() == {"id": "usr_api", "source": "bearer", "roles": ["admin"]}
        assert client.get("/api/reports", headers=bearer).json() == {"reports": "usr_api"}
        assert client.get("/reports", headers=bearer).json() == {"reports": "usr_api"}  # Django's permission_required
        assert client.get("/mixin", headers=bearer).content == b"mixin ok"  # PermissionRequiredMixin
        assert client.get("/scoped", headers=bearer).json() == {"scoped": "usr_api"}
        plain = {"authorization": f"Bearer {provider.mint(sub='usr_plain')}", **FETCH}
        assert client.get("/api/reports", headers=plain).status_code == 403
        assert client.get("/reports", headers=plain).status_code == 403
        assert client.get("/mixin", headers=plain).status_code == 403
        assert client.get("/scoped", headers=plain).status_code == 403
        bad = client.get("/api/me", headers={"authorization": "Bearer not.a.token", **FETCH})
        assert bad.status_code == 401 and bad.json()["error"] == "token_malformed"
        dead = client.get("/api/me", headers={"cookie": "skauth_session=garbage", **FETCH})
        assert dead.status_code == 401 and dead.json()["error"] == "session_invalid"
        assert "Max-Age=0" in dead.cookies["skauth_session"].output(), "the dead cookie is cleared"
        # A bearer token needs no CSRF token; a session cookie does.
        assert client.post("/api/write", headers=bearer).json() == {"wrote": "usr_api"}
        cookies = session_cookies_for(get_auth(), provider, user_id="usr_ada")
        client.cookies.load(cookies)
        strict = Client(enforce_csrf_checks=True)
        strict.cookies.load(cookies)
        assert strict.post("/api/write", headers=FETCH).status_code == 403

        asynchronous = AsyncClient()

        async def calls() -> tuple[Any, Any, Any]:
            return (
                await asynchronous.get("/async", headers=bearer),
                await asynchronous.get("/async-user", headers=bearer),
                await asynchronous.get("/async", headers=FETCH),
            )

        import asyncio

        signed_in, user, signed_out = asyncio.run(calls())
        assert signed_in.json() == {"async": "usr_api"}
        assert user.json() == {"user": "usr_api", "perm": True}
        assert signed_out.status_code == 401


def test_a_refreshed_cookie_survives_a_view_that_raises(client: Client, idp: Idp) -> None:
    log_in(client, idp, "admin")
    time.sleep(4.2)
    client.raise_request_exception = False
    page = client.get("/boom", headers=NAVIGATE)
    assert page.status_code == 500
    assert any(c.startswith("skauth_session=") for c in set_cookies(page)), "the rotated session is kept"


def test_abandoned_logins_and_cross_site_logouts(client: Client, idp: Idp) -> None:
    for _ in range(30):
        assert client.get("/auth/login?next=/dashboard", headers=SAME_ORIGIN).status_code == 302
    live = [m for m in client.cookies.values() if m.key.startswith("skauth_login_") and m.value]
    assert len(live) == 3
    header = "; ".join(f"{m.key}={m.value}" for m in client.cookies.values() if m.value)
    assert len(header) < 4096, len(header)

    signed_in = Client()
    log_in(signed_in, idp, "admin")
    page = signed_in.get("/auth/logout", headers=CROSS_SITE)
    assert page.status_code == 200 and b'<form method="post"' in page.content and set_cookies(page) == []
    assert set_cookies(signed_in.post("/auth/logout", headers=CROSS_SITE)) == []
    assert signed_in.get("/api/me", headers=FETCH).status_code == 200


def test_settings_are_checked_by_manage_py_check(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("SCALEKIT_ENVIRONMENT_URL", "SCALEKIT_CLIENT_ID", "SCALEKIT_CLIENT_SECRET", "SCALEKIT_REDIRECT_URI",
                 "SCALEKIT_SESSION_SECRET"):
        monkeypatch.delenv(name, raising=False)
    complete = {"ENVIRONMENT_URL": "https://acme.scalekit.com", "CLIENT_ID": "skc_1", "CLIENT_SECRET": "secret",
                "REDIRECT_URI": REDIRECT_URI, "SESSION_SECRET": SESSION_SECRET}
    with override_settings(SCALEKIT=complete):
        assert [e.id for e in checks.run_checks() if e.id and e.id.startswith("scalekit_auth")] == []
    missing = {k: v for k, v in complete.items() if k != "REDIRECT_URI"}
    with override_settings(SCALEKIT=missing):
        errors = [e for e in checks.run_checks() if e.id == "scalekit_auth.E001"]
        assert len(errors) == 1 and "SCALEKIT_REDIRECT_URI is not set" in errors[0].msg
        # Where checks do not run (gunicorn), the middleware stops the server at startup.
        with pytest.raises(sk.ConfigurationError, match="SCALEKIT_REDIRECT_URI is not set"):
            ScalekitMiddleware(lambda request: None)
    monkeypatch.setenv("SCALEKIT_REDIRECT_URI", REDIRECT_URI)
    with override_settings(SCALEKIT=missing):
        assert get_auth().engine.session_cookie_name == "skauth_session", "the environment fills the gap"
    with override_settings(SCALEKIT={**complete, "COKIE_NAME": "x"}):
        (error,) = [e for e in checks.run_checks() if e.id == "scalekit_auth.E001"]
        assert "unknown scalekit-auth setting SCALEKIT['COKIE_NAME']" in error.msg
    with override_settings(SCALEKIT=complete, MIDDLEWARE=[]):
        assert [e.id for e in checks.run_checks() if e.id and e.id.startswith("scalekit_auth")] == ["scalekit_auth.E002"]
    order = ["scalekit_auth.django.middleware.ScalekitMiddleware", "django.contrib.auth.middleware.AuthenticationMiddleware"]
    with override_settings(SCALEKIT=complete, MIDDLEWARE=order):
        assert "scalekit_auth.E003" in [e.id for e in checks.run_checks()]


def test_the_modules_examples_run() -> None:
    for name in ("scalekit_auth.django.user", "scalekit_auth.django.decorators", "scalekit_auth.django.rest_framework"):
        result = doctest.testmod(importlib.import_module(name))
        assert result.failed == 0, name


def test_a_signed_in_user_sent_to_log_in_by_permission_required_gets_403_not_a_loop() -> None:
    with LocalProvider() as provider, override_settings(SCALEKIT=scalekit(provider)):
        client = Client()
        client.cookies.load(session_cookies_for(get_auth(), provider, permissions=["users:read"]))
        to_login = client.get("/writers", headers=NAVIGATE)
        assert to_login.status_code == 302 and to_login.headers["location"] == "/auth/login?next=/writers"
        assert client.get(to_login.headers["location"], headers=SAME_ORIGIN).status_code == 403
        # The template spelling of a permission (`perms.users.read`) is the Scalekit one.
        assert client.get("/perms").content == b"can read"
        # Answers that depend on the user say so to caches.
        assert "Cookie" in client.get("/", headers=NAVIGATE).headers["vary"]


def test_the_routes_are_open_under_login_required_middleware() -> None:
    middleware = ["django.contrib.auth.middleware.LoginRequiredMiddleware",
                  "scalekit_auth.django.middleware.ScalekitMiddleware"]
    with LocalProvider() as provider, override_settings(SCALEKIT=scalekit(provider), MIDDLEWARE=middleware):
        client = Client()
        login = client.get("/auth/login", headers=SAME_ORIGIN)
        assert login.status_code == 302 and login.headers["location"].startswith(f"{provider.url}/oauth/authorize?")
        assert client.get("/dashboard", headers=NAVIGATE).headers["location"].startswith("/auth/login?next=")


def test_scalekit_users_pass_no_object_permission_and_drf_sees_forced_users() -> None:
    from rest_framework.test import APIClient

    from scalekit_auth.django.user import ScalekitUser

    with LocalProvider() as provider, override_settings(SCALEKIT=scalekit(provider)):
        identity = get_auth().client.validate_access_token(provider.mint(sub="usr_obj", permissions=["users:read"]))
        user = ScalekitUser(sk.Identity(claims=identity))
        assert user.has_perm("users:read") and user.has_perm("users.read")
        assert not user.has_perm("users:read", obj=object()) and user.get_all_permissions(obj=object()) == set()
        api = APIClient()
        api.force_authenticate(user=user)
        assert api.get("/api/reports").json() == {"reports": "usr_obj"}


def test_a_cached_response_keeps_its_cookies_exactly() -> None:
    import pickle

    from django.http import HttpResponse

    from scalekit_auth.django.responses import add_cookies

    response = HttpResponse("x")
    header = "__Host-skauth_session=abc; HttpOnly; Secure; SameSite=Lax; Path=/; Max-Age=60"
    add_cookies(response, [header])
    restored = pickle.loads(pickle.dumps(response))
    assert restored.cookies["__Host-skauth_session"].output(header="").strip() == header
    assert response.cookies["__Host-skauth_session"].copy().output(header="").strip() == header


def test_request_user_in_an_async_view_names_auser_and_a_bad_length_is_refused() -> None:
    import asyncio

    from django.core.exceptions import SynchronousOnlyOperation
    from django.http import HttpResponse
    from django.test import RequestFactory

    from scalekit_auth.django.views import backchannel_logout

    with LocalProvider() as provider, override_settings(SCALEKIT=scalekit(provider)):
        request = RequestFactory().get("/", headers={"authorization": f"Bearer {provider.mint(sub='usr_loop')}"})
        ScalekitMiddleware(lambda r: HttpResponse())._install(request)

        async def in_a_view() -> bool:
            return bool(request.user.is_authenticated)

        with pytest.raises(SynchronousOnlyOperation, match="await request.auser"):
            asyncio.run(in_a_view())
        assert asyncio.run(request.auser()).pk == "usr_loop"  # type: ignore[attr-defined]

        post = RequestFactory().post("/auth/backchannel-logout", data=b"logout_token=x",
                                     content_type="application/x-www-form-urlencoded", CONTENT_LENGTH="²")
        ScalekitMiddleware(lambda r: HttpResponse())._install(post)
        answer = backchannel_logout(post)
        assert answer.status_code == 400, answer.content


def test_the_app_ends_a_user_s_sessions(client: Client, idp: Idp) -> None:
    log_in(client, idp, "admin")
    assert client.get("/api/me", headers=FETCH).status_code == 200
    get_auth().end_sessions_for("usr_admin")
    ended = client.get("/api/me", headers=FETCH)
    assert ended.status_code == 401 and ended.json()["error"] == "session_expired"
