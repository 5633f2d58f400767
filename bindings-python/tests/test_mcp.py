"""An MCP endpoint behind :class:`scalekit_auth.mcp.McpAuth`: the challenge, the metadata
it points to, tokens minted for the resource and nothing else, and per-tool scopes. The
endpoint is a small JSON-RPC app; tokens come from a local provider."""

from __future__ import annotations

import json
import time
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


@pytest.mark.anyio
async def test_options_never_reaches_the_app_unchecked(client: httpx.AsyncClient, provider: LocalProvider) -> None:
    # The endpoint above runs a call's body whatever the method, as the SDK's SSE message
    # route does: an OPTIONS request must not be a way around the token.
    body = json.dumps(call("add_note"))
    preflight = await client.request(
        "OPTIONS", "/mcp", content=body,
        headers={"origin": "https://ide.example", "access-control-request-method": "POST"},
    )
    assert preflight.status_code == 204
    assert preflight.content == b""
    assert preflight.headers["access-control-allow-origin"] == "*"
    assert "POST" in preflight.headers["access-control-allow-methods"]
    assert "authorization" in preflight.headers["access-control-allow-headers"]

    # Not a preflight (no Origin or no requested method): checked like any call.
    assert (await client.request("OPTIONS", "/mcp", content=body)).status_code == 401
    only_origin = {"origin": "https://ide.example"}
    assert (await client.request("OPTIONS", "/mcp", content=body, headers=only_origin)).status_code == 401
    issuer = f"{provider.url}/resources/{RESOURCE_ID}"
    reader = provider.mint("usr_ada", iss=issuer, aud=[RESOURCE_ID], scopes=["notes:read"])
    answer = await client.request("OPTIONS", "/mcp", content=body, headers={"authorization": f"Bearer {reader}"})
    assert answer.status_code == 403 and answer.json()["error"] == "insufficient_scope"
    # Any method with a body is judged by it.
    answer = await client.request("PUT", "/mcp", content=body, headers={"authorization": f"Bearer {reader}"})
    assert answer.status_code == 403


async def websocket_tools(scope: Any, receive: Any, send: Any) -> None:
    """A JSON-RPC endpoint over a websocket: answers each call with its caller and tool."""
    message = await receive()
    assert message["type"] == "websocket.connect"
    await send({"type": "websocket.accept"})
    while True:
        message = await receive()
        if message["type"] == "websocket.disconnect":
            return
        request = json.loads(message.get("text") or message.get("bytes") or b"null")
        result = {"caller": current_identity().user.id, "tool": request.get("params", {}).get("name")}
        await send({"type": "websocket.send", "text": json.dumps({"id": request.get("id"), "result": result})})


def test_websocket_messages_need_their_tools_scopes(provider: LocalProvider) -> None:
    from starlette.testclient import TestClient
    from starlette.websockets import WebSocketDisconnect

    server = ResourceServer(provider.url, RESOURCE_ID, RESOURCE_URL)
    app = McpAuth(server, tool_scopes={"add_note": ["notes:write"]}).protect(websocket_tools)
    issuer = f"{provider.url}/resources/{RESOURCE_ID}"
    reader = provider.mint("usr_ada", iss=issuer, aud=[RESOURCE_ID], scopes=["notes:read"])
    writer = provider.mint("usr_bob", iss=issuer, aud=[RESOURCE_ID], scopes=["notes:write"])
    client = TestClient(app)

    with pytest.raises(WebSocketDisconnect) as refused:
        with client.websocket_connect("/mcp") as ws:
            ws.receive_text()
    assert refused.value.code == 1008, "no token, no socket"

    with client.websocket_connect("/mcp", headers={"authorization": f"Bearer {reader}"}) as ws:
        ws.send_text(json.dumps(call("whoami")))
        assert json.loads(ws.receive_text())["result"] == {"caller": "usr_ada", "tool": "whoami"}
        ws.send_text(json.dumps(call("add_note")))
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_text()
        assert closed.value.code == 1008 and closed.value.reason == "insufficient_scope"

    with client.websocket_connect("/mcp", headers={"authorization": f"Bearer {reader}"}) as ws:
        ws.send_bytes(b"not json")  # unreadable: every tool's scope
        with pytest.raises(WebSocketDisconnect):
            ws.receive_text()

    with client.websocket_connect("/mcp", headers={"authorization": f"Bearer {writer}"}) as ws:
        ws.send_text(json.dumps(call("add_note")))
        assert json.loads(ws.receive_text())["result"] == {"caller": "usr_bob", "tool": "add_note"}

    # A token that expires while the socket is open: its next message closes it, even one
    # that needs no tool scope (and without tool scopes configured at all).
    strict = ResourceServer(provider.url, RESOURCE_ID, RESOURCE_URL, leeway_seconds=0)
    for tool_scopes in ({"add_note": ["notes:write"]}, {}):
        app = McpAuth(strict, tool_scopes=tool_scopes).protect(websocket_tools)
        brief = provider.mint("usr_eve", iss=issuer, aud=[RESOURCE_ID], scopes=["notes:read"], expires_in=2)
        with TestClient(app).websocket_connect("/mcp", headers={"authorization": f"Bearer {brief}"}) as ws:
            ws.send_text(json.dumps(call("whoami")))
            assert json.loads(ws.receive_text())["result"]["caller"] == "usr_eve"
            time.sleep(3.1)
            ws.send_text(json.dumps(call("whoami")))
            with pytest.raises(WebSocketDisconnect) as expired:
                ws.receive_text()
            assert expired.value.code == 1008 and expired.value.reason == "invalid_token"
