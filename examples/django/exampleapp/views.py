"""The example's pages: Django's own login_required, a role requirement of
scalekit-auth's, and Django REST framework views that take the session or a bearer token."""

from __future__ import annotations

import urllib.parse

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from scalekit_auth.django import get_identity
from scalekit_auth.django.decorators import require_roles
from scalekit_auth.django.rest_framework import HasPermissions, identity_of


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "home.html")


# --8<-- [start:protected]
@login_required  # Django's own: a page load signed out goes to LOGIN_URL?next=/dashboard
def dashboard(request: HttpRequest) -> HttpResponse:
    me = get_identity(request)
    return render(request, "dashboard.html", {"claims": me.claims if me else None})


@require_roles("admin")  # 403 page for a signed-in user without the role
def admin(request: HttpRequest) -> HttpResponse:
    return render(request, "admin.html")
# --8<-- [end:protected]


# --8<-- [start:api]
class Me(APIView):
    """The caller, signed in by the session cookie or an Authorization: Bearer token."""

    def get(self, request: Request) -> Response:
        me = identity_of(request)
        return Response({"user": me.user.to_dict(), "claims": me.claims.to_dict(), "source": me.source})


class Reports(APIView):
    permission_classes = [HasPermissions("users:read")]

    def get(self, request: Request) -> Response:
        return Response({"reports": [], "for": identity_of(request).user.id})
# --8<-- [end:api]


def sso(request: HttpRequest) -> HttpResponse:
    """Enterprise sign-in: the work email's domain routes the user to their organization's
    identity provider (Scalekit's domain_hint)."""
    email = request.GET.get("email", "")
    domain = email.rpartition("@")[2].strip().lower()
    if "@" in email and domain:
        query = urllib.parse.urlencode({"login_hint": email.strip(), "domain_hint": domain, "return_to": "/dashboard"})
        return HttpResponseRedirect(f"/auth/login?{query}")
    return render(request, "sso.html", {"email": email})
