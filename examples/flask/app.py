"""A Flask app on scalekit-auth: home page, protected dashboard, role-gated admin page and
a JSON API that also accepts bearer tokens.

Run: SCALEKIT_* variables set (see README.md), then the Procfile's `web:` command
(gunicorn), or `flask --app app run` while developing.
"""

from __future__ import annotations

import html
import urllib.parse
from collections.abc import Mapping
from typing import Any

# --8<-- [start:setup]
from flask import Flask, Response, redirect, request
from flask.typing import ResponseReturnValue

from scalekit_auth.flask import ScalekitFlask, current_identity, get_identity

auth = ScalekitFlask()  # /auth/login, /auth/signup, /auth/callback, /auth/logout


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    app = Flask(__name__)
    app.config.update(config or {})
    # Settings from app.config, each SCALEKIT_* variable of the environment where it has none.
    auth.init_app(app)
    # --8<-- [end:setup]

    # --8<-- [start:pages]
    @app.get("/")
    def home() -> Response:
        me = get_identity()  # None when signed out: the page shows both states
        if me is None:
            return page("scalekit-auth on Flask", '<p>Not signed in.</p><p><a href="/auth/login">Log in</a>, '
                        '<a href="/auth/signup">sign up</a> or <a href="/sso">sign in with SSO</a></p>')
        who = html.escape(me.user.email or me.user.id)
        return page("scalekit-auth on Flask", f"<p>Signed in as <b>{who}</b>.</p>{LOG_OUT}")

    @app.get("/dashboard")
    @auth.login_required
    def dashboard() -> Response:
        c = current_identity.claims
        rows = "".join(
            f"<li>{name}: {html.escape(str(value))}</li>"
            for name, value in [
                ("Email", current_identity.user.email), ("Organization", c.oid), ("Roles", ", ".join(c.roles)),
                ("Permissions", ", ".join(c.permissions)), ("Access token expires at", c.exp),
            ]
        )
        name = html.escape(current_identity.user.name or current_identity.user.id)
        return page("Dashboard", f"<p>Hello {name}</p><ul>{rows}</ul>{LOG_OUT}")

    @app.get("/admin")
    @auth.require_roles("admin")
    def admin() -> Response:
        return page("Admin", f"<p>Welcome, administrator {html.escape(current_identity.user.id)}.</p>")
    # --8<-- [end:pages]

    # --8<-- [start:api]
    @app.get("/api/me")
    @auth.login_required
    def api_me() -> dict[str, object]:
        me = current_identity
        return {"user": me.user.to_dict(), "claims": me.claims.to_dict(), "source": me.source}

    @app.get("/api/reports")
    @auth.require_permissions("users:read")
    def reports() -> dict[str, object]:
        return {"reports": [], "for": current_identity.user.id}
    # --8<-- [end:api]

    @app.get("/sso")
    def sso() -> ResponseReturnValue:
        """Enterprise sign-in: the work email's domain routes the user to their
        organization's identity provider (Scalekit's domain_hint)."""
        email = request.args.get("email", "")
        domain = email.rpartition("@")[2].strip().lower()
        if "@" in email and domain:
            query = urllib.parse.urlencode({"login_hint": email.strip(), "domain_hint": domain, "return_to": "/dashboard"})
            return redirect(f"/auth/login?{query}", code=302)
        error = '<p role="alert">Enter your work email.</p>' if email else ""
        form = ('<form method="get" action="/sso"><label>Work email <input type="email" name="email" required '
                'autocomplete="email"></label> <button type="submit">Continue</button></form>')
        return page("Sign in with SSO", error + form)

    return app


# Logging out is a POST from this site's own page (a GET from another site's link only
# gets a confirmation page).
LOG_OUT = '<form method="post" action="/auth/logout"><button type="submit">Log out</button></form>'


def page(title: str, body: str) -> Response:
    nav = '<a href="/">Home</a> <a href="/dashboard">Dashboard</a> <a href="/admin">Admin</a> <a href="/api/me">API</a>'
    return Response(
        f"<!doctype html><html><head><meta charset=utf-8><title>{title}</title>"
        "<style>body{font-family:system-ui;max-width:42rem;margin:3rem auto}nav a{margin-right:1rem}</style>"
        f"</head><body><nav>{nav}</nav><h1>{title}</h1>{body}</body></html>",
        mimetype="text/html",
    )

