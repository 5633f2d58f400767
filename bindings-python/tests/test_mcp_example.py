"""The MCP example (examples/mcp-python) run as a server and called with the MCP SDK's
own client, with tokens the local provider mints for the resource."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import httpx
import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from .conftest import ROOT, Idp

RESOURCE_ID = "res_notes"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def server(idp: Idp) -> Iterator[str]:
    port = free_port()
    url = f"http://127.0.0.1:{port}/mcp"
    env = {
        **os.environ,
        "SCALEKIT_ENVIRONMENT_URL": idp.url,
        "SCALEKIT_RESOURCE_ID": RESOURCE_ID,
        "MCP_SERVER_URL": url,
        "PORT": str(port),
    }
    app = ROOT / "examples" / "mcp-python" / "app.py"
    process = subprocess.Popen([sys.executable, str(app)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/.well-known/oauth-protected-resource/mcp").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the MCP example did not start: {process.stderr.read() if process.stderr else ''!r}")
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def token(idp: Idp, resource_id: str = RESOURCE_ID, **form: str) -> str:
    data = {"grant_type": "client_credentials", "client_id": idp.client_id, "client_secret": idp.client_secret, **form}
    answer = httpx.post(f"{idp.url}/resources/{resource_id}/oauth/token", data=data)
    assert answer.status_code == 200, answer.text
    return str(answer.json()["access_token"])


async def call_tool(url: str, bearer: str | None, tool: str, arguments: dict[str, Any] | None = None) -> str:
    """Calls `tool` with the SDK's client; the text of its result."""
    headers = {"authorization": f"Bearer {bearer}"} if bearer else {}
    async with httpx2.AsyncClient(headers=headers) as http:
        async with Client(streamable_http_client(url, http_client=http)) as client:
            result = await client.call_tool(tool, arguments or {})
            assert not result.is_error, result
            return "".join(getattr(part, "text", "") for part in result.content)


def test_no_token_gets_the_challenge_and_the_metadata_names_the_resource_issuer(server: str, idp: Idp) -> None:
    answer = httpx.post(server, json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"})
    assert answer.status_code == 401
    challenge = answer.headers["www-authenticate"]
    assert challenge.startswith('Bearer resource_metadata="')
    metadata = httpx.get(challenge.split('"')[1]).json()
    assert metadata["resource"] == server
    assert metadata["authorization_servers"] == [f"{idp.url}/resources/{RESOURCE_ID}"]
    issuer = httpx.get(f"{metadata['authorization_servers'][0]}/.well-known/oauth-authorization-server").json()
    assert issuer["issuer"] == metadata["authorization_servers"][0]


@pytest.mark.anyio
async def test_the_sdk_client_calls_tools_with_a_token_for_the_resource(server: str, idp: Idp) -> None:
    reader = token(idp, scope="notes:read", sub="usr_ada", resource=server)
    assert await call_tool(server, reader, "whoami") == "usr_ada (notes:read)"
    writer = token(idp, scope="notes:read notes:write", sub="usr_ada")
    assert await call_tool(server, writer, "add_note", {"text": "hello"}) == "1 notes"


@pytest.mark.anyio
async def test_tokens_not_minted_for_the_resource_and_missing_scopes_are_refused(server: str, idp: Idp) -> None:
    def post(bearer: str, tool: str = "whoami") -> httpx.Response:
        call = {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": tool, "arguments": {"text": "x"}}}
        headers = {"authorization": f"Bearer {bearer}", "accept": "application/json, text/event-stream"}
        return httpx.post(server, json=call, headers=headers)

    app_token = httpx.post(
        f"{idp.url}/oauth/token",
        data={"grant_type": "client_credentials", "client_id": idp.client_id, "client_secret": idp.client_secret},
    ).json()["access_token"]
    refused = {
        "an app's token": app_token,
        "another resource's": token(idp, resource_id="res_other"),
        "an expired one": token(idp, expires_in="-3600"),
    }
    for what, bearer in refused.items():
        answer = post(bearer)
        assert answer.status_code == 401, what
        assert 'error="invalid_token"' in answer.headers["www-authenticate"], what
        with pytest.raises(Exception):  # the SDK's client cannot get through either
            await call_tool(server, bearer, "whoami")

    reader = token(idp, scope="notes:read")
    answer = post(reader, "add_note")
    assert answer.status_code == 403
    assert 'error="insufficient_scope", scope="notes:write"' in answer.headers["www-authenticate"]
