"""A FastAPI app on scalekit-auth: home page, protected dashboard, role-gated admin page
and a JSON API that also accepts bearer tokens.

Run: SCALEKIT_* variables set (see README.md), then `python app.py` (port from PORT).
"""

from __future__ import annotations

import html
import os
import urllib.parse

# --8<-- [start:setup]
from fastapi import Depends, FastAPI
from fastapi.responses import HTMLResponse, RedirectResponse

from scalekit_auth import Identity
from scalekit_auth.fastapi import ScalekitFastAPI

app = FastAPI(title="scalekit-auth FastAPI example")
auth = ScalekitFastAPI.from_env()
auth.install(app)
# --8<-- [end:setup]


# Logging out is a POST from this site's own page (a GET from another site's link only
# gets a confirmation page).
# --8<-- [start:logout]
LOG_OUT = '<form method="post" action="/auth/logout"><button type="submit">Log out</button></form>'
# --8<-- [end:logout]


def page(title: str, body: str) -> HTMLResponse:
    nav = '<a href="/">Home</a> <a href="/dashboard">Dashboard</a> <a href="/admin">Admin</a> <a href="/api/me">API</a>'
    return HTMLResponse(
        f"<!doctype html><html><head><meta charset=utf-8><title>{title}</title>"
        "<style>body{font-family:system-ui;max-width:42rem;margin:3rem auto}nav a{margin-right:1rem}</style>"
        f"</head><body><nav>{nav}</nav><h1>{title}</h1>{body}</body></html>"
    )


@app.get("/", response_class=HTMLResponse)
async def home(me: Identity | None = Depends(auth.optional_user)) -> HTMLResponse:
    if me is None:
        return page("scalekit-auth on FastAPI", '<p>Not signed in.</p><p><a href="/auth/login">Log in</a>, '
                    '<a href="/auth/signup">sign up</a> or <a href="/sso">sign in with SSO</a></p>')
    who = html.escape(me.user.email or me.user.id)
    return page("scalekit-auth on FastAPI", f"<p>Signed in as <b>{who}</b>.</p>{LOG_OUT}")


@app.get("/sso", response_class=HTMLResponse, response_model=None)
async def sso(email: str = "") -> HTMLResponse | RedirectResponse:
    """Enterprise sign-in: the work email's domain routes the user to their organization's
    identity provider (Scalekit's domain_hint), the email fills in its login form."""
    domain = email.rpartition("@")[2].strip().lower()
    if "@" in email and domain:
        query = urllib.parse.urlencode({"login_hint": email.strip(), "domain_hint": domain, "return_to": "/dashboard"})
        return RedirectResponse(f"/auth/login?{query}", status_code=302)
    error = '<p role="alert">Enter your work email.</p>' if email else ""
    form = ('<form method="get" action="/sso"><label>Work email <input type="email" name="email" required '
            'autocomplete="email"></label> <button type="submit">Continue</button></form>')
    return page("Sign in with SSO", error + form)


# --8<-- [start:protected]
@app.get("/dashboard", response_class=HTMLResponse)
async def dashboard(me: Identity = Depends(auth.require_user)) -> HTMLResponse:
    c = me.claims
    rows = "".join(
        f"<li>{name}: {html.escape(str(value))}</li>"
        for name, value in [
            ("Email", me.user.email), ("Organization", c.oid), ("Roles", ", ".join(c.roles)),
            ("Permissions", ", ".join(c.permissions)), ("Access token expires at", c.exp),
        ]
    )
    return page("Dashboard", f"<p>Hello {html.escape(me.user.name or me.user.id)}</p><ul>{rows}</ul>{LOG_OUT}")


@app.get("/admin", response_class=HTMLResponse)
async def admin(me: Identity = Depends(auth.require_roles("admin"))) -> HTMLResponse:
    return page("Admin", f"<p>Welcome, administrator {html.escape(me.user.id)}.</p>")
# --8<-- [end:protected]


# --8<-- [start:api]
@app.get("/api/me")
async def api_me(me: Identity = Depends(auth.require_user)) -> dict[str, object]:
    return {"user": me.user.to_dict(), "claims": me.claims.to_dict(), "source": me.source}


@app.get("/api/reports")
async def reports(me: Identity = Depends(auth.require_permissions("users:read"))) -> dict[str, object]:
    return {"reports": [], "for": me.user.id}
# --8<-- [end:api]


if __name__ == "__main__":
    import uvicorn

    uvicorn.run(app, host="127.0.0.1", port=int(os.environ.get("PORT", "3001")), log_level="warning")
