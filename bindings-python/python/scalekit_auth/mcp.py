"""An MCP server (or any ASGI app) as an OAuth protected resource of a Scalekit
environment (MCP authorization, RFC 9728).

Calls without a token get ``401`` with ``WWW-Authenticate: Bearer resource_metadata=...``;
the metadata document is served at ``/.well-known/oauth-protected-resource[/<path>]``;
only tokens minted for this resource pass (its id or URL as audience), and a tool that
needs a scope the token lacks gets ``403`` with ``error="insufficient_scope"``::

    from mcp.server.mcpserver import MCPServer
    from scalekit_auth.mcp import McpAuth, current_identity

    auth = McpAuth.from_env(tool_scopes={"add_note": ["notes:write"]})
    mcp = MCPServer("notes")

    @mcp.tool()
    def whoami() -> str:
        return current_identity().user.id

    app = auth.protect(mcp.streamable_http_app(stateless_http=True))

Settings: ``SCALEKIT_ENVIRONMENT_URL``, ``SCALEKIT_RESOURCE_ID`` and ``MCP_SERVER_URL``
(the public URL of the ``/mcp`` endpoint). No client secret is needed.
"""

from __future__ import annotations

import contextvars
import json
from collections.abc import Awaitable, Callable, Mapping, MutableMapping, Sequence
from typing import Any

from ._native import Decision, Identity, ResourceServer

__all__ = ["McpAuth", "ResourceServer", "current_identity", "RESOURCE_METADATA_PATH"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: Where clients look for the metadata when the resource URL has no path.
RESOURCE_METADATA_PATH = "/.well-known/oauth-protected-resource"
#: The most a call's body may hold when it is read for its tool names.
MAX_BODY = 4 * 1024 * 1024

_identity: contextvars.ContextVar[Identity | None] = contextvars.ContextVar("scalekit_mcp_identity", default=None)


def current_identity() -> Identity:
    """The caller of the MCP request being handled (for tools): the token's user and
    claims. Raises ``LookupError`` outside a request that :meth:`McpAuth.protect` let in."""
    identity = _identity.get()
    if identity is None:
        raise LookupError("no MCP caller here: call current_identity() inside a tool of an app McpAuth protects")
    return identity


class McpAuth:
    """Protects an ASGI app as the protected resource ``server``. ``scopes`` are needed
    by every call; ``tool_scopes`` adds the scopes a ``tools/call`` of a named tool
    needs."""

    def __init__(
        self,
        server: ResourceServer,
        *,
        scopes: Sequence[str] = (),
        tool_scopes: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        self.server = server
        self.scopes = list(scopes)
        self.tool_scopes = {name: list(needed) for name, needed in (tool_scopes or {}).items()}

    @classmethod
    def from_env(
        cls,
        *,
        scopes: Sequence[str] = (),
        tool_scopes: Mapping[str, Sequence[str]] | None = None,
        scopes_supported: Sequence[str] | None = None,
    ) -> McpAuth:
        """From ``SCALEKIT_ENVIRONMENT_URL``, ``SCALEKIT_RESOURCE_ID`` and ``MCP_SERVER_URL``;
        ``scopes_supported`` defaults to every scope named here."""
        named = [*scopes, *(s for needed in (tool_scopes or {}).values() for s in needed)]
        supported = list(scopes_supported) if scopes_supported is not None else list(dict.fromkeys(named))
        return cls(ResourceServer.from_env(scopes_supported=supported), scopes=scopes, tool_scopes=tool_scopes)

    def protect(self, app: ASGIApp) -> ASGIApp:
        """``app`` behind the resource's checks, with its metadata served."""

        async def protected(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != "http":
                await app(scope, receive, send)  # lifespan
                return
            if scope["path"] in (self.server.metadata_path, RESOURCE_METADATA_PATH):
                await self._metadata(scope, send)
                return
            if scope["method"] == "OPTIONS":
                await app(scope, receive, send)  # a CORS preflight carries no token
                return
            body: bytes | None = None
            needed = list(self.scopes)
            if self.tool_scopes and scope["method"] == "POST":
                body = await _read_body(receive)
                if body is None:
                    await _send(send, 413, b'{"error":"invalid_request","message":"The request is too large."}')
                    return
                needed += [s for tool in _called_tools(body) for s in self.tool_scopes.get(tool, [])]
            authorization = _header(scope, b"authorization")
            decision = self.server.try_authorize(authorization, needed) or await self.server.authorize(
                authorization, needed
            )
            if decision.kind != "continue" or decision.identity is None:
                await _answer(send, decision)
                return
            scope.setdefault("state", {})["scalekit_identity"] = decision.identity
            token = _identity.set(decision.identity)
            try:
                await app(scope, receive if body is None else _replay(body, receive), send)
            finally:
                _identity.reset(token)

        return protected

    async def _metadata(self, scope: Scope, send: Send) -> None:
        # Browser-based MCP clients read it from another origin.
        cors = [(b"access-control-allow-origin", b"*"), (b"access-control-allow-methods", b"GET, OPTIONS")]
        if scope["method"] == "OPTIONS":
            await _send(send, 204, b"", cors)
            return
        if scope["method"] not in ("GET", "HEAD"):
            await _send(send, 405, b"", [(b"allow", b"GET, OPTIONS")])
            return
        body = json.dumps(self.server.metadata()).encode()
        await _send(send, 200, b"" if scope["method"] == "HEAD" else body, [*cors, (b"cache-control", b"max-age=300")])


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return None


async def _read_body(receive: Receive) -> bytes | None:
    """The whole body, or ``None`` past :data:`MAX_BODY`."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _called_tools(body: bytes) -> list[str]:
    """The tools a JSON-RPC message (or batch) calls; none when it is not JSON."""
    try:
        parsed = json.loads(body)
    except ValueError:
        return []
    messages = parsed if isinstance(parsed, list) else [parsed]
    names = []
    for message in messages:
        if isinstance(message, dict) and message.get("method") == "tools/call":
            params = message.get("params")
            if isinstance(params, dict) and isinstance(params.get("name"), str):
                names.append(params["name"])
    return names


def _replay(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that hands the already-read body over once, then waits as the
    server's own would (for a disconnect)."""
    sent = False

    async def replayed() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replayed


async def _send(send: Send, status: int, body: bytes, headers: Sequence[tuple[bytes, bytes]] = ()) -> None:
    base = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": [*base, *headers]})
    await send({"type": "http.response.body", "body": body})


async def _answer(send: Send, decision: Decision) -> None:
    """The refusal exactly as the core wrote it: status, challenge, JSON body."""
    body = (decision.body or "").encode()
    headers = [(name.encode("latin-1"), value.encode("latin-1")) for name, value in decision.headers]
    headers = [h for h in headers if h[0] != b"content-type"]
    await _send(send, decision.status, body, headers)
