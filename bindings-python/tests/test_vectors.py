"""The shared JSON vectors: URLs as the official SDK builds them, signed webhooks."""

from __future__ import annotations

from typing import Any

import pytest

import scalekit_auth as sk

from .conftest import load_vectors

URLS = load_vectors("urls.json")
WEBHOOKS = load_vectors("webhooks.json")["cases"]


@pytest.fixture
def client() -> sk.ScalekitAuth:
    return sk.ScalekitAuth(URLS["environment_url"], URLS["client_id"], "secret")


@pytest.mark.parametrize("case", URLS["authorization"], ids=lambda c: c["name"])
def test_authorization_urls(client: sk.ScalekitAuth, case: dict[str, Any]) -> None:
    assert client.get_authorization_url(case["redirect_uri"], **case["options"]) == case["url"]


@pytest.mark.parametrize("case", URLS["logout"], ids=lambda c: c["name"])
def test_logout_urls(client: sk.ScalekitAuth, case: dict[str, Any]) -> None:
    assert client.get_logout_url(**case["options"]) == case["url"]


@pytest.mark.parametrize("case", WEBHOOKS, ids=lambda c: c["name"])
def test_webhooks(client: sk.ScalekitAuth, case: dict[str, Any]) -> None:
    verify = (
        client._native.verify_webhook_payload
        if case["kind"] == "webhook"
        else client._native.verify_interceptor_payload
    )
    try:
        verdict = "ok" if verify(case["secret"], case["headers"], case["body"], case["now"]) else "false"
    except sk.ScalekitAuthError as error:
        verdict = error.code
    assert verdict == case["expected"]
