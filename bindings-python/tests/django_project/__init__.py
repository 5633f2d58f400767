"""A Django project for the integration's tests (settings, URLs, views)."""
