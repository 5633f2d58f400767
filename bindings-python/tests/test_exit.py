"""A process that used the package ends cleanly: exit status 0, every time.

The runtime's threads finish awaitables and forward log events with the GIL; one that
reaches for it while the interpreter finalizes aborts the process (``Fatal Python
error: PyGILState_Release``, exit 134) or crashes it (139) in a few percent of runs, and
more on a busy machine. So each script runs 100 times, four at a time, and every run
must exit 0. The FastAPI example under uvicorn, stopped with SIGINT, likewise."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals and exit statuses")

RUNS = 100
AT_ONCE = 4

# Every script logs at DEBUG, so the core's events cross into Python from runtime threads.
PRELUDE = """
import asyncio, logging, sys
logging.basicConfig(level=logging.DEBUG, stream=sys.stderr)
from scalekit_auth.testing import LocalProvider
"""

SCRIPTS = {
    "sync client": """
        provider = LocalProvider(client_id="skc_exit").start()
        auth = provider.client()
        assert auth.validate_access_token(provider.mint("usr_exit")).sub == "usr_exit"
        try:
            auth.refresh_access_token("rt-unknown")
        except Exception as e:
            assert getattr(e, "code", None), repr(e)
        # Ends without stopping the provider, as a short script would.
    """,
    "async client": """
        async def main():
            with LocalProvider(client_id="skc_exit") as provider:
                auth = provider.async_client()
                token = provider.mint("usr_exit")
                claims = await auth.validate_access_token(token)
                assert claims.sub == "usr_exit"
                try:
                    await auth.refresh_access_token("rt-unknown")
                except Exception as e:
                    assert getattr(e, "code", None), repr(e)
                # Calls still in flight when the loop ends are cancelled by asyncio.run.
                for _ in range(4):
                    asyncio.ensure_future(auth.refresh_access_token("rt-pending"))
                await asyncio.sleep(0)
        asyncio.run(main())
    """,
    "local provider": """
        import json, urllib.request
        provider = LocalProvider().start()
        with urllib.request.urlopen(provider.url + "/.well-known/openid-configuration", timeout=10) as answer:
            assert json.load(answer)["issuer"] == provider.url
        provider.mint("usr_exit")
    """,
    "MCP wrapper": """
        from scalekit_auth.mcp import McpAuth, ResourceServer

        async def app(scope, receive, send):
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": b"ok"})

        async def call(protected, authorization):
            sent = []
            async def receive():
                return {"type": "http.request", "body": b'{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"add_note"}}'}
            async def send(message):
                sent.append(message)
            headers = [(b"authorization", authorization.encode())] if authorization else []
            scope = {"type": "http", "method": "POST", "path": "/mcp", "headers": headers}
            await protected(scope, receive, send)
            return sent[0]["status"]

        async def main():
            provider = LocalProvider().start()
            server = ResourceServer(provider.url, "res_exit", "http://localhost:9/mcp")
            protected = McpAuth(server, tool_scopes={"add_note": ["notes:write"]}).protect(app)
            issuer = provider.url + "/resources/res_exit"
            token = provider.mint("usr_exit", iss=issuer, aud=["http://localhost:9/mcp"], scopes=["notes:write"])
            assert await call(protected, "Bearer " + token) == 200
            assert await call(protected, None) == 401
            assert await call(protected, "Bearer x.y.z") == 401
        asyncio.run(main())
    """,
}


def run_once(code: str) -> tuple[int, str]:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    return done.returncode, done.stderr[-2000:]


@pytest.mark.parametrize("name", list(SCRIPTS))
def test_every_run_exits_cleanly(name: str) -> None:
    code = textwrap.dedent(PRELUDE) + textwrap.dedent(SCRIPTS[name])
    with ThreadPoolExecutor(AT_ONCE) as pool:
        results = list(pool.map(run_once, [code] * RUNS))
    failed = [(status, err) for status, err in results if status != 0]
    assert not failed, f"{len(failed)} of {RUNS} runs failed; first: exit {failed[0][0]}\n{failed[0][1]}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_the_fastapi_example_under_uvicorn_stops_cleanly_on_sigint() -> None:
    example = Path(__file__).resolve().parents[2] / "examples" / "fastapi"
    script = textwrap.dedent("""
        import sys
        from scalekit_auth.testing import LocalProvider
        provider = LocalProvider(client_id="skc_exit").start()
        import os
        os.environ.update(SCALEKIT_ENVIRONMENT_URL=provider.url, SCALEKIT_CLIENT_ID="skc_exit",
                          SCALEKIT_CLIENT_SECRET="test-secret", SCALEKIT_SESSION_SECRET="s" * 32,
                          SCALEKIT_REDIRECT_URI="http://127.0.0.1:%d/auth/callback" % int(sys.argv[1]))
        sys.path.insert(0, sys.argv[2])
        import uvicorn
        uvicorn.run("app:app", host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
    """)
    failures = []
    for _ in range(20):
        port = free_port()
        server = subprocess.Popen(
            [sys.executable, "-c", script, str(port), str(example)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        try:
            deadline = time.monotonic() + 30
            status = None
            while time.monotonic() < deadline and server.poll() is None:
                try:
                    # A protected API call: the bearer path validates a token (keys fetched).
                    with socket.create_connection(("127.0.0.1", port), timeout=1) as conn:
                        conn.sendall(b"GET /api/me HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer a.b.c\r\nConnection: close\r\n\r\n")
                        status = conn.recv(64)
                    break
                except OSError:
                    time.sleep(0.05)
            assert status and status.startswith(b"HTTP/1.1 401"), status
            server.send_signal(signal.SIGINT)
            code = server.wait(timeout=30)
        finally:
            if server.poll() is None:
                server.kill()
                server.wait()
        if code != 0:
            failures.append((code, server.stderr.read()[-2000:] if server.stderr else ""))
    assert not failures, f"{len(failures)} of 20 runs failed; first: {failures[0]}"


def test_the_gate_is_shut_only_at_exit() -> None:
    from scalekit_auth import _native

    assert not _native._is_shut_down()
    code = "import atexit\nfrom scalekit_auth import _native\natexit.register(lambda: print(_native._is_shut_down()))\n"
    # atexit runs hooks last-registered first: the app's own hook, registered after the
    # import, still finds the package usable.
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=os.environ)
    assert done.returncode == 0 and done.stdout.strip() == "False", done


def test_an_awaitable_asked_for_during_shutdown_fails_at_once() -> None:
    # A hook registered before the import runs after the package's own: its awaitable
    # could never be answered, so asking for one raises instead of hanging the exit.
    code = textwrap.dedent("""
        import asyncio, atexit

        def late():
            async def main():
                try:
                    await auth.refresh_access_token("rt-late")
                except RuntimeError as e:
                    print("refused:", e)
            asyncio.run(main())

        atexit.register(late)
        from scalekit_auth.testing import LocalProvider
        provider = LocalProvider().start()
        auth = provider.async_client()
    """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "refused: scalekit-auth cannot start an awaitable" in done.stdout, done.stdout
