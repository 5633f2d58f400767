"""A sample app using the whole public API; `mypy --strict` must accept it."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, FastAPI, Request
from fastapi.responses import HTMLResponse
from starlette.responses import Response

import scalekit_auth as sk
from scalekit_auth import _native
from scalekit_auth.fastapi import ErrorHandler, ScalekitBearer, ScalekitFastAPI
from scalekit_auth.testing import LocalProvider, TestSigner, session_cookie_for

app = FastAPI()
auth = ScalekitFastAPI.from_settings(
    environment_url="http://127.0.0.1:9400",
    client_id="skc_1",
    client_secret="secret",
    redirect_uri="http://localhost:8000/auth/callback",
    session_secret=["a" * 32, "b" * 32],
    post_logout_redirect_uri="http://localhost:8000/",
    scopes=["openid", "email", "offline_access"],
    idle_timeout_seconds=3600,
)
auth.install(app)


@app.get("/me")
async def me(identity: sk.Identity = Depends(auth.require_user)) -> dict[str, object]:
    claims: sk.Claims = identity.claims
    user: sk.User = identity.user
    return {"id": user.id, "org": claims.oid, "roles": claims.roles, "custom": claims.get("tier")}


@app.get("/admin")
async def admin(identity: sk.Identity = Depends(auth.require_roles("admin"))) -> str:
    return identity.source


@app.get("/maybe")
async def maybe(identity: sk.Identity | None = Depends(auth.optional_user)) -> bool:
    return identity is not None


def blocking(client: sk.ScalekitAuth, token: str) -> int:
    url: str = client.get_authorization_url("https://app/cb", scopes=["openid"], state="s", prompt="login")
    login: sk.LoginRequest = client.create_login("https://app/cb", organization_id="org_1")
    logout: str = client.get_logout_url(post_logout_redirect_uri="https://app/", state=login.state)
    try:
        claims = client.validate_access_token(token)
        id_claims = client.validate_id_token(token, nonce=login.nonce)
        result: sk.AuthResult = client.authenticate_with_code("code", "https://app/cb", code_verifier=login.code_verifier)
        refreshed = client.refresh_access_token(result.refresh_token or "")
        hints: sk.IdpInitiatedLoginClaims = client.get_idp_initiated_login_claims(token)
        m2m: str = client.get_client_access_token()
        ok: bool = client.verify_webhook_payload("whsec_x", {"webhook-id": "1"}, b"{}")
        return claims.exp + len(url + logout + m2m) + len(id_claims.aud) + int(ok) + len(hints.login_hint or "") + (
            refreshed.expires_in or 0
        )
    except sk.TokenExpiredError as error:
        return error.status
    except sk.ScalekitAuthError as error:
        return len(error.code)


async def awaitable(client: sk.AsyncScalekitAuth, token: str) -> str:
    claims = await client.validate_access_token(token)
    result = await client.authenticate_with_code("code", "https://app/cb", nonce="n")
    token_info: sk.ClientToken = await client.get_client_token()
    return claims.sub + result.access_token + token_info.access_token + (await client.get_client_access_token())


def testing() -> str:
    with LocalProvider(client_id="skc_t") as provider:
        client: sk.ScalekitAuth = provider.client(leeway_seconds=10)
        signer = TestSigner("ES256", "k")
        return client.validate_access_token(provider.mint("usr_1", roles=["a"])).sub + signer.kid + provider.kid


def from_env() -> tuple[sk.ScalekitAuth, sk.AsyncScalekitAuth, ScalekitFastAPI]:
    return sk.ScalekitAuth.from_env(), sk.AsyncScalekitAuth.from_env(audience=["api"]), ScalekitFastAPI.from_env()


async def other_framework(engine: _native.SessionEngine, headers: dict[str, str]) -> list[tuple[str, str]]:
    wanted = {name: headers[name] for name in _native.REQUEST_HEADERS if name in headers}
    decision = engine.try_require_auth("GET", "/x", wanted, ["admin"]) or await engine.require_auth("GET", "/x", wanted)
    logout: _native.Decision = await engine.handle_logout("POST", "/auth/logout", wanted)
    login = await engine.handle_login("GET", "/auth/login", wanted, signup=True)
    detail: str | None = decision.error_detail or logout.error_code or login.content_type
    identity: sk.Identity | None = decision.identity
    return [*decision.headers, ("x-detail", detail or ""), ("x-user", identity.user.id if identity else "")]


async def own_error_page(request: Request, error: sk.ScalekitAuthError, retry_path: str | None) -> Response | None:
    if retry_path is None:
        return None
    logged: str | None = error.detail
    shown: str | None = error.reason or error.public_message or str(error)
    print(logged)
    return HTMLResponse(f"<a href='{retry_path}'>Try again</a> ({error.code}, {shown}, {request.url.path})", error.status)


handler: ErrorHandler = own_error_page
strict = ScalekitFastAPI.from_env(
    prefix="/account", on_error=handler, audience=["api"], same_site="strict", cookie_domain="example.com"
)
CurrentUser = Annotated[sk.Identity, Depends(strict.require_user)]
bearer = ScalekitBearer.from_env(leeway_seconds=5)
Caller = Annotated[sk.Identity, Depends(bearer.require_scopes("reports:read"))]


@app.get("/reports")
async def reports(caller: Caller, user: CurrentUser) -> list[str]:
    return [caller.user.id, user.user.id]


def test_kit() -> str:
    with LocalProvider() as provider:
        cookie: str = session_cookie_for(
            strict, provider, user_id="u", email="e@x", roles=["admin"], permissions=["p"], scopes=["s"],
            organization_id="org", expires_in=-1, claims={"tier": "gold"},
        )
    identity = sk.Identity(sk.User("u", email="e@x"), sk.Claims({"sub": "u"}), source="bearer")
    app.dependency_overrides[strict.require_roles("admin")] = lambda: identity
    decision = strict.engine.try_require_auth("GET", "/", {})
    retry: str | None = decision.retry_path if decision and decision.is_refusal else None
    assert "audience" in _native.CLIENT_OPTIONS and "same_site" in _native.SESSION_OPTIONS
    error: sk.ScalekitAuthError | None = decision.error if decision else None
    return cookie + identity.user.id + (retry or "") + (error.code if error else "")
