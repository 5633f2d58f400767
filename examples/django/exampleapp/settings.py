"""Settings of the Django example. The Scalekit settings come from SCALEKIT_* variables
(see README.md); SCALEKIT below could hold any of them instead."""

from __future__ import annotations

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "django-example-insecure-key-for-local-runs-only")
DEBUG = os.environ.get("DJANGO_DEBUG") == "1"
ALLOWED_HOSTS = os.environ.get("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]").split(",")

# --8<-- [start:settings]
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "rest_framework",
    "scalekit_auth.django",
    "exampleapp",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # After Django's AuthenticationMiddleware when an app has it: ours sets request.user.
    "scalekit_auth.django.middleware.ScalekitMiddleware",
]

SCALEKIT: dict[str, object] = {}  # every setting from the SCALEKIT_* variables
LOGIN_URL = "scalekit_auth:login"

REST_FRAMEWORK = {
    # First: its Bearer challenge makes DRF answer 401 (not 403) without credentials.
    "DEFAULT_AUTHENTICATION_CLASSES": ["scalekit_auth.django.rest_framework.ScalekitAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
}
# --8<-- [end:settings]

ROOT_URLCONF = "exampleapp.urls"
WSGI_APPLICATION = "exampleapp.wsgi.application"
# --8<-- [start:templates]
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",  # `user` in templates
            ]
        },
    }
]
# No database: users are Scalekit's, read from the session on each request.
DATABASES: dict[str, dict[str, object]] = {}
# --8<-- [end:templates]
USE_TZ = True
LOGGING = {
    "version": 1,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"scalekit_auth": {"handlers": ["console"], "level": "WARNING"}},
}
