from django.urls import include, path

from . import views

urlpatterns = [
    # --8<-- [start:urls]
    path("auth/", include("scalekit_auth.django.urls")),
    # --8<-- [end:urls]
    path("", views.home),
    path("sso", views.sso),
    path("dashboard", views.dashboard),
    path("admin", views.admin),
    path("api/me", views.Me.as_view()),
    path("api/reports", views.Reports.as_view()),
]
