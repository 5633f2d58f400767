"""The ASGI application, for async servers (uvicorn exampleapp.asgi:application)."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "exampleapp.settings")
application = get_asgi_application()
