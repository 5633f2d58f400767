"""Settings of the test project; SCALEKIT is set per test with override_settings."""

SECRET_KEY = "django-tests-secret-key"
DEBUG = False
ALLOWED_HOSTS = ["localhost", "testserver", "127.0.0.1"]
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "rest_framework",
    "scalekit_auth.django",
]
MIDDLEWARE = [
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "scalekit_auth.django.middleware.ScalekitMiddleware",
]
ROOT_URLCONF = "tests.django_project.urls"
DATABASES: dict[str, object] = {}
SCALEKIT: dict[str, object] = {}
LOGIN_URL = "scalekit_auth:login"
USE_TZ = True
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["scalekit_auth.django.rest_framework.ScalekitAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
}
TEMPLATES = [{"BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True}]
