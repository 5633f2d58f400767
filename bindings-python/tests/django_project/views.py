from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required, permission_required
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import Context, Template
from django.views import View
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from scalekit_auth.django.decorators import require_roles, require_scopes, require_user
from scalekit_auth.django.rest_framework import HasPermissions, HasRoles

_HOME = Template("{% if user.is_authenticated %}signed in as {{ user.id }}{% else %}signed out{% endif %}")


def home(request: HttpRequest) -> HttpResponse:
    return HttpResponse(_HOME.render(Context({"user": request.user})))


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    return HttpResponse(f"<p>{user.email}</p><p id=exp>{user.claims.exp}</p>")


@permission_required("users:read", raise_exception=True)
def reports(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"reports": request.user.pk})


@require_roles("admin")
def admin(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"admin": request.user.pk})


@require_scopes("reports:read")
def scoped(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"scoped": request.user.pk})


@require_user
def boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("the view failed")


@require_user
async def in_async(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"async": request.user.pk})


async def async_user(request: HttpRequest) -> JsonResponse:
    user: Any = await request.auser()  # type: ignore[attr-defined]
    return JsonResponse({"user": user.pk if user.is_authenticated else None, "perm": await user.ahas_perm("users:read")})


class MixinView(PermissionRequiredMixin, View):
    permission_required = "users:read"

    def get(self, request: HttpRequest) -> HttpResponse:
        return HttpResponse("mixin ok")


class SignedIn(LoginRequiredMixin, View):
    def get(self, request: HttpRequest) -> HttpResponse:
        return HttpResponse(f"signed in {request.user.pk}")


class Me(APIView):
    def get(self, request: Request) -> Response:
        return Response({"id": request.user.pk, "source": request.auth.source, "roles": request.auth.claims.roles})


class Reports(APIView):
    permission_classes = [HasPermissions("users:read")]

    def get(self, request: Request) -> Response:
        return Response({"reports": request.user.pk})


class AdminApi(APIView):
    permission_classes = [HasRoles("admin")]

    def get(self, request: Request) -> Response:
        return Response({"admin": request.user.pk})


class Write(APIView):
    def post(self, request: Request) -> Response:
        return Response({"wrote": request.user.pk})


@permission_required("users:write")
def writers(request: HttpRequest) -> HttpResponse:
    return HttpResponse("writers")


def perms_in_template(request: HttpRequest) -> HttpResponse:
    from django.contrib.auth.context_processors import PermWrapper

    template = Template("{% if perms.users.read %}can read{% else %}cannot read{% endif %}")
    return HttpResponse(template.render(Context({"perms": PermWrapper(request.user)})))


async def sync_user_in_async(request: HttpRequest) -> HttpResponse:
    return HttpResponse(str(request.user.is_authenticated))
