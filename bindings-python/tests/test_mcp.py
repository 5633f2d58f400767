"""An MCP endpoint behind :class:`scalekit_auth.mcp.McpAuth`: the challenge, the metadata
it points to, tokens minted for the resource and nothing else, and per-tool scopes. The
endpoint is a small JSON-RPC app; tokens come from a local provider."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

import scalekit_auth as sk
from scalekit_auth.mcp import McpAuth, ResourceServer, current_identity
from scalekit_auth.testing import LocalProvider

RESOURCE_ID = "res_notes"
RESOURCE_URL = "http://localhost:8931/mcp"
METADATA = "http://localhost:8931/.well-known/oauth-protected-resource/mcp"


async def jsonrpc(scope: Any, receive: Any, send: Any) -> None:
    """Answers each JSON-RPC call with the caller's id and the tool called."""
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    call = json.loads(body)
    result = {"caller": current_identity().user.id, "tool": call.get("params", {}).get("name")}
    answer = json.dumps({"jsonrpc": "2.0", "id": call.get("id"), "result": result}).encode()
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": answer})


@pytest.fixture(scope="module")
def provider() -> Iterator[LocalProvider]:
    with LocalProvider() as provider:
        yield provider


@pytest.fixture
def client(provider: LocalProvider) -> Iterator[httpx.AsyncClient]:
    server = ResourceServer(provider.url, RESOURCE_ID, RESOURCE_URL, scopes_supported=["notes:read", "notes:write"])
    app = McpAuth(server, tool_scopes={"add_note": ["notes:write"]}).protect(jsonrpc)
    yield httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://localhost:8931")


def call(tool: str) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": tool, "arguments": {}}}


@pytest.mark.anyio
async def test_the_challenge_leads_to_the_metadata_and_the_authorization_server(
    client: httpx.AsyncClient, provider: LocalProvider
) -> None:
    answer = await client.post("/mcp", json=call("whoami"))
    assert answer.status_code == 401
    assert answer.headers["www-authenticate"] == f'Bearer resource_metadata="{METADATA}"'
    assert answer.json()["error"] == "token_missing"
    for path in ["/.well-known/oauth-protected-resource/mcp", "/.well-known/oauth-protected-resource"]:
        doc = (await client.get(path)).json()
        assert doc["resource"] == RESOURCE_URL
        assert doc["authorization_servers"] == [f"{provider.url}/resources/{RESOURCE_ID}"]
        assert doc["scopes_supported"] == ["notes:read", "notes:write"]


@pytest.mark.anyio
async def test_only_tokens_minted_for_the_resource_reach_the_tools(
    client: httpx.AsyncClient, provider: LocalProvider
) -> None:
    issuer = f"{provider.url}/resources/{RESOURCE_ID}"
    token = provider.mint("usr_ada", iss=issuer, aud=[RESOURCE_URL], scopes=["notes:read"], azp="mcp_client")
    answer = await client.post("/mcp", json=call("whoami"), headers={"authorization": f"Bearer {token}"})
    assert answer.status_code == 200
    assert answer.json()["result"] == {"caller": "usr_ada", "tool": "whoami"}

    refused = {
        "an app's own token": provider.mint("usr_ada"),
        "another resource's": provider.mint(iss=issuer, aud=["res_other"]),
        "an expired one": provider.mint(iss=issuer, aud=[RESOURCE_ID], expires_in=-3600),
    }
    for what, bad in refused.items():
        answer = await client.post("/mcp", json=call("whoami"), headers={"authorization": f"Bearer {bad}"})
        assert answer.status_code == 401, what
        assert answer.headers["www-authenticate"] == f'Bearer error="invalid_token", resource_metadata="{METADATA}"'

    # A tool that needs a scope the token lacks: 403 naming it.
    answer = await client.post("/mcp", json=call("add_note"), headers={"authorization": f"Bearer {token}"})
    assert answer.status_code == 403
    assert answer.json()["error"] == "insufficient_scope"
    assert 'error="insufficient_scope", scope="notes:write"' in answer.headers["www-authenticate"]
    writer = provider.mint("usr_ada", iss=issuer, aud=[RESOURCE_ID], scopes=["notes:write"])
    answer = await client.post("/mcp", json=call("add_note"), headers={"authorization": f"Bearer {writer}"})
    assert answer.json()["result"]["tool"] == "add_note"


def test_settings_come_from_the_environment_and_name_what_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SCALEKIT_RESOURCE_ID", raising=False)
    monkeypatch.setenv("SCALEKIT_ENVIRONMENT_URL", "https://acme.scalekit.com")
    with pytest.raises(sk.ConfigurationError, match="SCALEKIT_RESOURCE_ID"):
        McpAuth.from_env()
    monkeypatch.setenv("SCALEKIT_RESOURCE_ID", "res_1")
    monkeypatch.setenv("MCP_SERVER_URL", "https://mcp.example.com/mcp")
    auth = McpAuth.from_env(tool_scopes={"add_note": ["notes:write"]})
    assert auth.server.metadata()["scopes_supported"] == ["notes:write"]
    with pytest.raises(LookupError):
        current_identity()


@pytest.mark.anyio
async def test_a_body_this_parser_cannot_read_needs_every_tool_scope(
    client: httpx.AsyncClient, provider: LocalProvider
) -> None:
    issuer = f"{provider.url}/resources/{RESOURCE_ID}"
    reader = provider.mint("usr_ada", iss=issuer, aud=[RESOURCE_ID], scopes=["notes:read"])
    headers = {"authorization": f"Bearer {reader}", "content-type": "application/json"}
    # Another JSON parser (the SDK's) may read a huge integer this one refuses: the call
    # still counts as one to every tool.
    padded = '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"add_note"},"pad":' + "9" * 5000 + "}"
    for body in [padded, "not json", '{"method":"tools/call","params":{"name":7}}', "[" * 100_000]:
        answer = await client.post("/mcp", content=body, headers=headers)
        assert answer.status_code == 403, body[:40]
        assert answer.headers["access-control-expose-headers"] == "WWW-Authenticate"
    # Without a token nothing is read at all.
    assert (await client.post("/mcp", content="x" * 100)).status_code == 401
