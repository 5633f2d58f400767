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
from collections.abc import Mapping, Sequence
from typing import Any

from ._asgi import (
    MAX_BODY, ASGIApp, Message, Receive, Scope, Send, answer, header, is_preflight, preflight_headers, read_body, replay,
    send_answer,
)
from ._native import Decision, Identity, ResourceServer, _mcp_required_scopes

__all__ = ["McpAuth", "ResourceServer", "current_identity", "RESOURCE_METADATA_PATH"]

#: Where clients look for the metadata when the resource URL has no path.
RESOURCE_METADATA_PATH = "/.well-known/oauth-protected-resource"

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
        """``app`` behind the resource's checks, with its metadata served. Wrap the app
        served at the root: the metadata lives at ``/.well-known/...`` of the host."""

        async def protected(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] == "lifespan":
                await app(scope, receive, send)
                return
            if scope["type"] == "websocket":
                await self._websocket(app, scope, receive, send)
                return
            if scope["type"] != "http":
                return
            if scope["path"] in (self.server.metadata_path, RESOURCE_METADATA_PATH):
                await self._metadata(scope, send)
                return
            if is_preflight(scope):
                # Answered here and never passed on: a preflight carries no token, and an
                # app that runs any method's body (the SDK's SSE message route does) must
                # not see one without the checks below.
                await send_answer(send, 204, b"", preflight_headers())
                return
            # The token first: nothing is read for a caller without one.
            authorization = header(scope, b"authorization")
            decision = await self._decide(authorization, self.scopes)
            body: bytes | None = None
            if decision.kind == "continue" and self.tool_scopes:
                # Whatever the method: an app may run a body it gets with any of them.
                body = await read_body(receive)
                if body is None:
                    await send_answer(send, 413, b'{"error":"invalid_request","message":"The request is too large."}')
                    return
                # The core reads the body; one it cannot read needs every tool scope.
                needed = _mcp_required_scopes(self.scopes, self.tool_scopes, body)
                if needed != self.scopes:
                    decision = await self._decide(authorization, needed)
            if decision.kind != "continue" or decision.identity is None:
                await answer(send, decision)
                return
            await self._call(app, scope, receive if body is None else replay(body, receive), send, decision.identity)

        return protected

    async def _websocket(self, app: ASGIApp, scope: Scope, receive: Receive, send: Send) -> None:
        """A websocket opens with a token holding the server-wide scopes; every message is
        then judged as a call's body is (the token checked again, and a tool's own scopes
        when configured), and one the token may not send closes the socket (1008, policy
        violation) before the app sees it."""
        authorization = header(scope, b"authorization")
        decision = await self._decide(authorization, self.scopes)
        if decision.kind != "continue" or decision.identity is None:
            await send({"type": "websocket.close", "code": 1008})
            return
        closed = False

        async def checked() -> Message:
            nonlocal closed
            if closed:
                return {"type": "websocket.disconnect", "code": 1008}
            message = await receive()
            if message["type"] != "websocket.receive":
                return message
            data = message.get("bytes")
            if data is None:
                data = (message.get("text") or "").encode()
            # Every message: the token may have expired since the handshake, and the
            # message may call a tool that needs more.
            needed = _mcp_required_scopes(self.scopes, self.tool_scopes, data)
            verdict = await self._decide(authorization, needed)
            if verdict.kind != "continue":
                closed = True
                reason = "insufficient_scope" if verdict.status == 403 else "invalid_token"
                await send({"type": "websocket.close", "code": 1008, "reason": reason})
                return {"type": "websocket.disconnect", "code": 1008}
            return message

        await self._call(app, scope, checked, send, decision.identity)

    async def _decide(self, authorization: str | None, scopes: list[str]) -> Decision:
        return self.server.try_authorize(authorization, scopes) or await self.server.authorize(authorization, scopes)

    async def _call(self, app: ASGIApp, scope: Scope, receive: Receive, send: Send, identity: Identity) -> None:
        """Runs ``app`` as ``identity``: for tools (``current_identity()``), in the request
        state, and as the MCP SDK's authenticated user (which ties a stateful session to
        its caller)."""
        scope.setdefault("state", {})["scalekit_identity"] = identity
        user = _sdk_user(identity, self.server.resource_url)
        if user is not None:
            scope["user"] = user
        token = _identity.set(identity)
        try:
            await app(scope, receive, send)
        finally:
            _identity.reset(token)

    async def _metadata(self, scope: Scope, send: Send) -> None:
        # Browser-based MCP clients read it from another origin.
        cors = [(b"access-control-allow-origin", b"*"), (b"access-control-allow-methods", b"GET, OPTIONS")]
        if scope["method"] == "OPTIONS":
            await send_answer(send, 204, b"", cors)
            return
        if scope["method"] not in ("GET", "HEAD"):
            await send_answer(send, 405, b"", [(b"allow", b"GET, OPTIONS")])
            return
        body = json.dumps(self.server.metadata()).encode()
        await send_answer(send, 200, b"" if scope["method"] == "HEAD" else body, [*cors, (b"cache-control", b"max-age=300")])


def _sdk_user(identity: Identity, resource: str) -> Any:
    """The caller as the ``mcp`` SDK's ``AuthenticatedUser``, when the SDK is installed."""
    try:
        from mcp.server.auth.middleware.bearer_auth import AuthenticatedUser
        from mcp.server.auth.provider import AccessToken
    except ImportError:
        return None
    claims = identity.claims
    token = AccessToken(
        token=identity.access_token,
        client_id=claims.client_id or claims.azp or "",
        scopes=list(claims.scopes),
        expires_at=claims.exp,
        resource=resource,
        subject=identity.user.id,
        claims={"iss": claims.iss},
    )
    return AuthenticatedUser(token)


