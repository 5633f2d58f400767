"""Tests of this server as its developers write them: no Scalekit account, no port. A
local provider on 127.0.0.1 signs tokens for the resource, and Starlette's TestClient
calls the tools through the protected app.

Run: `pytest examples/mcp-python/test_app.py` (with scalekit-auth, mcp, httpx, pytest).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from scalekit_auth.testing import LocalProvider

RESOURCE_ID = "res_notes"
SERVER = "http://localhost:8931"


@pytest.fixture(scope="module")
def provider() -> Iterator[LocalProvider]:
    with LocalProvider() as provider:
        yield provider


@pytest.fixture
def client(provider: LocalProvider, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    """The server, loaded from its file with settings pointing at the local provider."""
    monkeypatch.setenv("SCALEKIT_ENVIRONMENT_URL", provider.url)
    monkeypatch.setenv("SCALEKIT_RESOURCE_ID", RESOURCE_ID)
    monkeypatch.setenv("MCP_SERVER_URL", f"{SERVER}/mcp")
    spec = importlib.util.spec_from_file_location("mcp_example_app", Path(__file__).with_name("app.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    with TestClient(module.app, base_url=SERVER) as client:
        yield client


def call(client: TestClient, tool: str, token: str | None, arguments: dict[str, Any] | None = None) -> Any:
    headers = {"accept": "application/json, text/event-stream"}
    if token:
        headers["authorization"] = f"Bearer {token}"
    message = {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": tool, "arguments": arguments or {}}}
    return client.post("/mcp", json=message, headers=headers)


def test_a_caller_without_a_token_is_told_where_to_get_one(client: TestClient) -> None:
    answer = call(client, "whoami", None)
    assert answer.status_code == 401
    assert answer.headers["www-authenticate"].startswith('Bearer resource_metadata="')
    metadata = client.get("/.well-known/oauth-protected-resource/mcp").json()
    assert metadata["resource"] == f"{SERVER}/mcp"


def test_a_token_for_the_resource_calls_the_tools_its_scopes_allow(client: TestClient, provider: LocalProvider) -> None:
    reader = provider.mint("usr_ada", aud=RESOURCE_ID, scopes=["notes:read"])
    answer = call(client, "whoami", reader)
    assert answer.status_code == 200, answer.text
    assert answer.json()["result"]["content"][0]["text"] == "usr_ada (notes:read)"

    refused = call(client, "add_note", reader, {"text": "hello"})
    assert refused.status_code == 403
    assert 'error="insufficient_scope"' in refused.headers["www-authenticate"]

    writer = provider.mint("usr_ada", aud=RESOURCE_ID, scopes=["notes:read", "notes:write"])
    assert call(client, "add_note", writer, {"text": "hello"}).status_code == 200


def test_a_token_of_the_app_itself_is_refused(client: TestClient, provider: LocalProvider) -> None:
    app_token = provider.mint("usr_ada", scopes=["notes:write"])  # aud is the client id, not the resource
    answer = call(client, "whoami", app_token)
    assert answer.status_code == 401
    assert 'error="invalid_token"' in answer.headers["www-authenticate"]
