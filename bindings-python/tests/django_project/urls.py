from django.urls import include, path

from . import views

urlpatterns = [
    path("auth/", include("scalekit_auth.django.urls")),
    path("", views.home),
    path("dashboard", views.dashboard),
    path("reports", views.reports),
    path("admin", views.admin),
    path("scoped", views.scoped),
    path("boom", views.boom),
    path("async", views.in_async),
    path("async-user", views.async_user),
    path("mixin", views.MixinView.as_view()),
    path("signed-in", views.SignedIn.as_view()),
    path("api/me", views.Me.as_view()),
    path("api/reports", views.Reports.as_view()),
    path("api/admin", views.AdminApi.as_view()),
    path("api/write", views.Write.as_view()),
    path("writers", views.writers),
    path("perms", views.perms_in_template),
    path("sync-user-in-async", views.sync_user_in_async),
]
