"""What a FastAPI developer reaches for: a signed-in test client without a provider
login, dependency overrides, OpenAPI security schemes, ``Annotated`` aliases, bearer-only
APIs, the app's own error pages, cookie options, startup checks and login routing."""

# No `from __future__ import annotations`: the routes below use aliases local to
# make_app, which FastAPI resolves from the annotations themselves.
import urllib.parse
from collections.abc import Iterator
from typing import Annotated, Any

import pytest
from fastapi import Depends, FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.testclient import TestClient
from starlette.responses import Response

import scalekit_auth as sk
from scalekit_auth.fastapi import ScalekitBearer, ScalekitFastAPI
from scalekit_auth.testing import LocalProvider, session_cookie_for

from .conftest import FETCH, NAVIGATE, SAME_ORIGIN

REDIRECT_URI = "http://localhost/auth/callback"
SECRET = "idioms-test-session-secret-0123456789"


@pytest.fixture(scope="module")
def provider() -> Iterator[LocalProvider]:
    with LocalProvider(client_id="skc_idioms") as p:
        yield p


def make_auth(provider: LocalProvider, **options: Any) -> ScalekitFastAPI:
    return ScalekitFastAPI.from_settings(
        environment_url=provider.url, client_id=provider.client_id, client_secret=provider.client_secret,
        redirect_uri=REDIRECT_URI, session_secret=SECRET, **options,
    )


def make_app(auth: ScalekitFastAPI) -> FastAPI:
    app = FastAPI()
    auth.install(app)
    CurrentUser = Annotated[sk.Identity, Depends(auth.require_user)]
    Admin = Annotated[sk.Identity, Depends(auth.require_roles("admin"))]

    @app.get("/me")
    async def me(user: CurrentUser) -> dict[str, Any]:
        return {"id": user.user.id, "email": user.user.email, "org": user.user.organization_id}

    @app.get("/admin")
    async def admin(user: Admin) -> dict[str, str]:
        return {"admin": user.user.id}

    @app.get("/reports")
    async def reports(user: sk.Identity = Depends(auth.require_permissions("reports:read"))) -> list[str]:
        return ["q1"]

    return app


def test_a_session_cookie_for_tests_signs_the_app_in(provider: LocalProvider) -> None:
    auth = make_auth(provider)
    client = TestClient(make_app(auth))
    cookie = session_cookie_for(
        auth, provider, user_id="usr_ada", email="ada@example.com", roles=["admin"],
        permissions=["reports:read"], organization_id="org_acme",
    )
    me = client.get("/me", headers={**FETCH, "cookie": cookie})
    assert me.json() == {"id": "usr_ada", "email": "ada@example.com", "org": "org_acme"}
    assert client.get("/admin", headers={**FETCH, "cookie": cookie}).json() == {"admin": "usr_ada"}
    assert client.get("/reports", headers={**FETCH, "cookie": cookie}).status_code == 200

    viewer = session_cookie_for(auth, provider, user_id="usr_bob", roles=["viewer"])
    refused = client.get("/admin", headers={**FETCH, "cookie": viewer})
    assert (refused.status_code, refused.json()["error"]) == (403, "insufficient_scope")
    # A viewer who opens /admin in a browser reads a page, not JSON.
    page = client.get("/admin", headers={**NAVIGATE, "cookie": viewer})
    assert page.status_code == 403 and page.headers["content-type"].startswith("text/html")
    assert "Access denied" in page.text and "insufficient_scope" in page.text

    expired = session_cookie_for(auth, provider, expires_in=-60)
    assert client.get("/me", headers={**FETCH, "cookie": expired}).json()["error"] == "session_expired"
    with pytest.raises(sk.TokenError, match="roles"):
        session_cookie_for(auth, provider, claims={"roles": 3})


def test_dependencies_are_the_same_object_so_overrides_work(provider: LocalProvider) -> None:
    auth = make_auth(provider)
    assert auth.require_roles("admin") is auth.require_roles("admin")
    assert auth.require_roles("admin") is not auth.require_roles("owner")
    assert auth.require_user is auth._requiring()
    app = make_app(auth)
    fake = sk.Identity(sk.User("usr_fake", email="fake@example.com"), sk.Claims({"sub": "usr_fake"}))
    app.dependency_overrides[auth.require_roles("admin")] = lambda: fake
    app.dependency_overrides[auth.require_user] = lambda: fake
    client = TestClient(app)
    assert client.get("/admin").json() == {"admin": "usr_fake"}
    assert client.get("/me").json()["email"] == "fake@example.com"
    assert client.get("/reports", headers=FETCH).status_code == 401, "not overridden"


def test_identity_user_and_claims_are_constructed_in_tests() -> None:
    claims = sk.Claims({"sub": "usr_1", "roles": ["admin"], "oid": "org_1", "tier": "gold"})
    assert (claims.sub, claims.roles, claims["tier"]) == ("usr_1", ["admin"], "gold")
    identity = sk.Identity(claims=claims)
    assert identity.user.id == "usr_1" and identity.user.organization_id == "org_1"
    assert identity.source == "session" and identity.claims.roles == ["admin"]
    assert sk.Identity(source="bearer").user.id == "usr_test"
    with pytest.raises(ValueError, match="source"):
        sk.Identity(source="cookie")
    with pytest.raises(sk.TokenError):
        sk.Claims({"exp": "tomorrow"})
    user = sk.User("usr_2", email="b@example.com", organization_id="org_2")
    assert user.to_dict()["organization_id"] == "org_2"


def test_openapi_shows_the_security_schemes(provider: LocalProvider) -> None:
    auth = make_auth(provider)
    schema = TestClient(make_app(auth)).get("/openapi.json").json()
    schemes = schema["components"]["securitySchemes"]
    assert schemes["ScalekitSession"] == {
        "type": "apiKey", "in": "cookie", "name": auth.engine.session_cookie_name,
        "description": "The session cookie set by /auth/callback after login.",
    }
    assert schemes["ScalekitBearer"]["type"] == "http" and schemes["ScalekitBearer"]["scheme"] == "bearer"
    security = schema["paths"]["/admin"]["get"]["security"]
    assert {"ScalekitSession": []} in security and {"ScalekitBearer": []} in security
    assert "/auth/login" not in schema["paths"]


def test_including_only_the_router_fails_at_startup(provider: LocalProvider) -> None:
    auth = make_auth(provider)
    app = FastAPI()
    app.include_router(auth.router)
    with pytest.raises(RuntimeError, match=r"auth\.install\(app\)"):
        with TestClient(app):
            pass
    installed = FastAPI()
    auth.install(installed)
    with TestClient(installed) as client:
        assert client.get("/auth/login", headers=FETCH).status_code == 400


def test_from_env_takes_client_and_session_options(
    provider: LocalProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in {
        "SCALEKIT_ENVIRONMENT_URL": provider.url, "SCALEKIT_CLIENT_ID": provider.client_id,
        "SCALEKIT_CLIENT_SECRET": provider.client_secret, "SCALEKIT_REDIRECT_URI": REDIRECT_URI,
        "SCALEKIT_SESSION_SECRET": SECRET,
    }.items():
        monkeypatch.setenv(name, value)
    auth = ScalekitFastAPI.from_env(audience=["api://reports"], same_site="strict")
    client = TestClient(make_app(auth))
    token = provider.mint(sub="usr_api", aud=["api://reports"])
    assert client.get("/me", headers={"authorization": f"Bearer {token}"}).json()["id"] == "usr_api"
    other = provider.mint(sub="usr_api", aud=["api://other"])
    assert client.get("/me", headers={"authorization": f"Bearer {other}"}).status_code == 401
    logout = client.get("/auth/logout", headers=SAME_ORIGIN, follow_redirects=False)
    assert "SameSite=Strict" in logout.headers["set-cookie"]
    with pytest.raises(sk.ConfigurationError, match="unknown session option"):
        ScalekitFastAPI.from_env(leway_seconds=5)


def test_the_callback_route_and_redirect_uri_must_agree(provider: LocalProvider) -> None:
    with pytest.raises(sk.ConfigurationError) as caught:
        make_auth(provider, prefix="/account")
    message = str(caught.value)
    assert "/auth/callback" in message and "/account/callback" in message
    moved = ScalekitFastAPI.from_settings(
        environment_url=provider.url, client_id=provider.client_id, client_secret=provider.client_secret,
        redirect_uri="http://localhost/account/callback", session_secret=SECRET, prefix="/account",
    )
    login = TestClient(make_app(moved)).get("/me", headers=NAVIGATE, follow_redirects=False)
    assert login.headers["location"] == "/account/login?return_to=%2Fme"


def test_cookie_domain_and_same_site(provider: LocalProvider) -> None:
    auth = ScalekitFastAPI.from_settings(
        environment_url=provider.url, client_id=provider.client_id, client_secret=provider.client_secret,
        redirect_uri="https://app.example.com/auth/callback", session_secret=SECRET,
        cookie_domain="example.com", same_site="strict", cookie_name="acme_session",
    )
    assert auth.engine.session_cookie_name == "__Secure-acme_session"
    client = TestClient(make_app(auth), base_url="https://app.example.com")
    cookie = session_cookie_for(auth, provider, user_id="usr_sub")
    assert client.get("/me", headers={**FETCH, "cookie": cookie}).json()["id"] == "usr_sub"
    logout = client.get("/auth/logout", headers={**SAME_ORIGIN, "cookie": cookie}, follow_redirects=False)
    cleared = [c for c in logout.headers.get_list("set-cookie") if c.startswith("__Secure-acme_session=")]
    assert cleared and "Domain=example.com" in cleared[0] and "SameSite=Strict" in cleared[0]
    with pytest.raises(sk.ConfigurationError, match="same_site"):
        make_auth(provider, same_site="sometimes")


def test_on_error_renders_the_apps_own_pages(provider: LocalProvider) -> None:
    seen: list[tuple[str, int, str | None]] = []
    errors: list[sk.ScalekitAuthError] = []

    async def on_error(request: Request, error: sk.ScalekitAuthError, retry_path: str | None) -> Response | None:
        seen.append((error.code, error.status, retry_path))
        errors.append(error)
        if error.code == "insufficient_scope" and "text/html" in request.headers.get("accept", ""):
            return HTMLResponse("<h1>Admins only</h1>", status_code=403)
        if retry_path is not None:
            return HTMLResponse(f'<a href="{retry_path}">Sign in again</a> ({error.code})', status_code=error.status)
        return None

    auth = make_auth(provider, on_error=on_error)
    client = TestClient(make_app(auth))
    viewer = session_cookie_for(auth, provider, roles=["viewer"])
    page = client.get("/admin", headers={**NAVIGATE, "cookie": viewer})
    assert (page.status_code, page.text) == (403, "<h1>Admins only</h1>")
    api = client.get("/admin", headers={**FETCH, "cookie": viewer})
    assert api.json()["error"] == "insufficient_scope", "None falls back to the built-in answer"

    failed = client.get("/auth/callback?code=c&state=unknown", headers=NAVIGATE)
    assert failed.status_code == 400 and "Sign in again" in failed.text and "state_mismatch" in failed.text
    assert seen[-1] == ("state_mismatch", 400, "/auth/login?return_to=%2F")
    # The message is what a page may show; the details stay for logs.
    assert str(errors[-1]) == errors[-1].public_message == "This sign-in could not be matched to one started in this browser."
    assert errors[-1].detail and errors[-1].detail != str(errors[-1]) and errors[-1].reason is None
    # What the provider's redirect carried is anyone's input: in the details, not on the error.
    client.get("/auth/callback?error=access_denied&error_description=%3Cscript%3E", headers=NAVIGATE)
    assert errors[-1].code == "authorization_denied" and "<script>" in (errors[-1].detail or "")
    assert errors[-1].description is None and errors[-1].oauth_error is None

    def broken(request: Request, error: sk.ScalekitAuthError, retry_path: str | None) -> Response | None:
        raise ValueError("bug in the app's handler")

    fallback = TestClient(make_app(make_auth(provider, on_error=broken)))
    answer = fallback.get("/auth/callback?code=c&state=unknown", headers=NAVIGATE)
    assert answer.status_code == 400 and "Sign-in problem" in answer.text


def test_login_routing_parameters_reach_the_provider(provider: LocalProvider) -> None:
    client = TestClient(make_app(make_auth(provider)))
    query = "organization_id=org_1&connection_id=conn_1&login_hint=ada%40acme.com&domain_hint=acme.com"
    login = client.get(f"/auth/login?{query}", headers=NAVIGATE, follow_redirects=False)
    sent = urllib.parse.parse_qs(urllib.parse.urlsplit(login.headers["location"]).query)
    assert sent["organization_id"] == ["org_1"] and sent["connection_id"] == ["conn_1"]
    assert sent["login_hint"] == ["ada@acme.com"] and sent["domain_hint"] == ["acme.com"]


def test_bearer_only_apis_need_no_session_settings(provider: LocalProvider) -> None:
    bearer = ScalekitBearer.from_settings(
        environment_url=provider.url, client_id=provider.client_id, client_secret=provider.client_secret
    )
    assert bearer.require_scopes("reports:read") is bearer.require_scopes("reports:read")
    api = FastAPI()

    @api.get("/reports")
    async def reports(caller: sk.Identity = Depends(bearer.require_scopes("reports:read"))) -> dict[str, str]:
        return {"caller": caller.user.id, "source": caller.source}

    client = TestClient(api)
    missing = client.get("/reports")
    assert missing.status_code == 401 and missing.headers["www-authenticate"] == "Bearer"
    assert missing.json() == {"detail": {"error": "token_missing", "message": "An access token is required."}}
    bad = client.get("/reports", headers={"authorization": "Bearer not-a-token"})
    assert bad.headers["www-authenticate"] == 'Bearer error="invalid_token"'
    assert bad.json()["detail"]["error"] == "token_malformed"
    narrow = provider.mint(sub="usr_svc", scopes=["other"])
    refused = client.get("/reports", headers={"authorization": f"Bearer {narrow}"})
    assert refused.status_code == 403 and refused.headers["www-authenticate"] == 'Bearer error="insufficient_scope"'
    token = provider.mint(sub="usr_svc", scopes=["reports:read"])
    ok = client.get("/reports", headers={"authorization": f"Bearer {token}", "cookie": "skauth_session=x"})
    assert ok.json() == {"caller": "usr_svc", "source": "bearer"}
    assert "ScalekitBearer" in client.get("/openapi.json").json()["components"]["securitySchemes"]


def test_the_engine_sees_the_path_the_request_was_made_to(provider: LocalProvider) -> None:
    # Behind a proxy's path prefix (root_path) the path holds the prefix once; an escaped
    # "?" in a path segment stays part of the path, not the start of a query.
    app = make_app(make_auth(provider))
    behind = TestClient(app, root_path="/app").get("/app/me?tab=1", headers=NAVIGATE, follow_redirects=False)
    assert behind.headers["location"] == "/auth/login?return_to=%2Fapp%2Fme%3Ftab%3D1"
    escaped = TestClient(app).get("/me%3Fx", headers=NAVIGATE, follow_redirects=False)
    assert escaped.status_code == 404  # no such route: "/me?x" is a path here, not /me
    outer = FastAPI()
    outer.mount("/sub", app)
    mounted = TestClient(outer).get("/sub/me", headers=NAVIGATE, follow_redirects=False)
    assert mounted.headers["location"] == "/auth/login?return_to=%2Fsub%2Fme"
