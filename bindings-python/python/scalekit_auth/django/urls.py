"""``path("auth/", include("scalekit_auth.django.urls"))``: the routes under any prefix,
named ``scalekit_auth:login`` (``LOGIN_URL``), ``:signup``, ``:callback``, ``:logout`` and
``:backchannel_logout``. The callback's path must be the one ``REDIRECT_URI`` ends with."""

from django.urls import path

from . import views

app_name = "scalekit_auth"

urlpatterns = [
    path("login", views.login, name="login"),
    path("signup", views.signup, name="signup"),
    path("callback", views.callback, name="callback"),
    path("logout", views.logout, name="logout"),
    path("backchannel-logout", views.backchannel_logout, name="backchannel_logout"),
]
