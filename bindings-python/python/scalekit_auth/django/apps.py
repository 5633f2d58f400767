"""The Django app of scalekit-auth: registers its system checks."""

from __future__ import annotations

from django.apps import AppConfig


class ScalekitAuthConfig(AppConfig):
    """``"scalekit_auth.django"`` in ``INSTALLED_APPS``. It has no models: users are the
    provider's, read from the session on each request, with no table or migration."""

    name = "scalekit_auth.django"
    label = "scalekit_auth"
    verbose_name = "Scalekit authentication"

    def ready(self) -> None:
        from . import checks

        checks.register()
