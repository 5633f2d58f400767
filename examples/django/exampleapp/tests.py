"""Tests of this app as its developers write them (`python manage.py test`): Django's
TestCase and Client, DRF's APIClient, a local provider on 127.0.0.1 signing the tokens,
and `session_cookies_for` sealing a session with the app's own secret. No Scalekit
account, no database, no browser."""

from __future__ import annotations

import atexit
from typing import Any

from django.test import SimpleTestCase, override_settings
from rest_framework.test import APIClient

from scalekit_auth.django import get_auth
from scalekit_auth.testing import LocalProvider, session_cookies_for

# A browser loading a page; requests without these are API calls (401 JSON, no redirect).
NAVIGATE = {"accept": "text/html", "sec-fetch-mode": "navigate"}


# The local provider starts when the tests are collected: Django runs its system checks
# (which build the client from these settings) after collecting and before the first test.
provider = LocalProvider().start()
atexit.register(provider.stop)
override_settings(SCALEKIT={
    "ENVIRONMENT_URL": provider.url,
    "CLIENT_ID": provider.client_id,
    "CLIENT_SECRET": provider.client_secret,
    "REDIRECT_URI": "http://localhost:3005/auth/callback",
    "SESSION_SECRET": "example-tests-session-secret-0123456789",
}).enable()


class ExampleTests(SimpleTestCase):
    provider = provider

    def sign_in(self, **session: Any) -> None:
        self.client.cookies.load(session_cookies_for(get_auth(), self.provider, **session))

    def test_signed_out_pages_lead_to_login_and_the_api_answers_401(self) -> None:
        page = self.client.get("/dashboard", headers=NAVIGATE)
        self.assertRedirects(page, "/auth/login?next=/dashboard", fetch_redirect_response=False)
        self.assertContains(self.client.get("/"), "Not signed in")
        self.assertEqual(APIClient().get("/api/me").status_code, 401)

    def test_an_admin_sees_the_admin_page_and_a_viewer_is_refused(self) -> None:
        self.sign_in(user_id="usr_ada", email="ada@example.com", roles=["admin"])
        self.assertContains(self.client.get("/admin"), "administrator usr_ada")
        self.assertContains(self.client.get("/"), "Signed in as <b>ada@example.com</b>", html=False)

        self.sign_in(roles=["viewer"], permissions=["users:read"])
        self.assertEqual(self.client.get("/admin", headers=NAVIGATE).status_code, 403)
        self.assertEqual(self.client.get("/api/reports").json()["reports"], [])

    def test_the_api_takes_bearer_tokens(self) -> None:
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Bearer {self.provider.mint(sub='usr_api')}")
        me = api.get("/api/me").json()
        self.assertEqual((me["user"]["id"], me["source"]), ("usr_api", "bearer"))
        self.assertEqual(api.get("/api/reports").status_code, 403)
