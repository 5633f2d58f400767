"""ASGI plumbing of the MCP wrapper: reading headers and bounded bodies, replaying a
body read ahead, writing answers, and CORS preflights. No rule lives here: what a request
may do is decided by the core (``ResourceServer``, ``_mcp_required_scopes``)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping, Sequence
from typing import Any

from ._native import MCP_PREFLIGHT_HEADERS, Decision

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: The most a call's body may hold when it is read for its tool names.
MAX_BODY = 4 * 1024 * 1024


def is_preflight(scope: Scope) -> bool:
    """A CORS preflight: ``OPTIONS`` with ``Origin`` and ``Access-Control-Request-Method``."""
    return (
        scope["method"] == "OPTIONS"
        and header(scope, b"origin") is not None
        and header(scope, b"access-control-request-method") is not None
    )


def preflight_headers() -> list[tuple[bytes, bytes]]:
    """The answer to a preflight, as the core writes it."""
    return [(name.encode("latin-1"), value.encode("latin-1")) for name, value in MCP_PREFLIGHT_HEADERS]


def header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return None


async def read_body(receive: Receive) -> bytes | None:
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


def replay(body: bytes, receive: Receive) -> Receive:
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


async def send_answer(send: Send, status: int, body: bytes, headers: Sequence[tuple[bytes, bytes]] = ()) -> None:
    base = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": [*base, *headers]})
    await send({"type": "http.response.body", "body": body})


async def answer(send: Send, decision: Decision) -> None:
    """The refusal exactly as the core wrote it: status, challenge, JSON body; readable by
    browser-based clients from other origins."""
    body = (decision.body or "").encode()
    headers = [(name.encode("latin-1"), value.encode("latin-1")) for name, value in decision.headers]
    headers = [h for h in headers if h[0] != b"content-type"]
    headers += [(b"access-control-allow-origin", b"*"), (b"access-control-expose-headers", b"WWW-Authenticate")]
    await send_answer(send, decision.status, body, headers)
