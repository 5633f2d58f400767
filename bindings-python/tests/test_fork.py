"""A process that used the client and then forks (gunicorn --preload, multiprocessing's
fork pool, Celery prefork): the child gets a working runtime and connection pool of its
own, and neither process crashes at exit. Each scenario runs in a fresh interpreter so
that its exit status is checked too."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="fork is POSIX")

PRELUDE = """
import asyncio, os, sys, time
from scalekit_auth.testing import LocalProvider

provider = LocalProvider(client_id="skc_fork").start()
token = provider.mint("usr_fork")
auth = provider.client()
# The parent uses the network: discovery and keys fetched, connections pooled.
assert auth.validate_access_token(token).sub == "usr_fork"

def child_work():
    # The inherited client, a new sync client and a new async client all reach the
    # provider over the network from the child.
    fresh = provider.client()
    assert fresh.validate_access_token(token).sub == "usr_fork"
    assert auth.get_authorization_url("http://localhost/cb", state="s")
    other = provider.mint("usr_child", expires_in=120)
    assert auth.validate_access_token(other).sub == "usr_child"
    # A call the inherited client must send over the network: answered, not hung.
    try:
        auth.refresh_access_token("rt-child")
    except Exception as e:
        assert getattr(e, "code", None), repr(e)
    async def main():
        client = provider.async_client()
        claims = await client.validate_access_token(token)
        return claims.sub
    assert asyncio.run(main()) == "usr_fork"
    return "ok"
"""


def run(script: str) -> subprocess.CompletedProcess[str]:
    code = textwrap.dedent(PRELUDE) + textwrap.dedent(script)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=90)


def test_os_fork_child_gets_a_working_client_and_both_exit_cleanly() -> None:
    result = run(
        """
        pid = os.fork()
        if pid == 0:
            try:
                child_work()
                os._exit(0)
            except BaseException as e:
                print("child failed:", repr(e), file=sys.stderr)
                os._exit(3)
        deadline = time.monotonic() + 30
        while True:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                break
            if time.monotonic() > deadline:
                os.kill(pid, 9)
                sys.exit("the child hung")
            time.sleep(0.05)
        assert os.waitstatus_to_exitcode(status) == 0, status
        # The parent still works after the fork, and exits with the provider running.
        assert auth.validate_access_token(token).sub == "usr_fork"
        print("parent ok")
        """
    )
    assert result.returncode == 0, result.stderr
    assert "parent ok" in result.stdout


def test_multiprocessing_fork_pool_workers_reach_the_provider() -> None:
    result = run(
        """
        import multiprocessing

        def work(_):
            return child_work()

        with multiprocessing.get_context("fork").Pool(2) as pool:
            assert pool.map_async(work, range(4)).get(timeout=30) == ["ok"] * 4
        print("pool ok")
        """
    )
    assert result.returncode == 0, result.stderr
    assert "pool ok" in result.stdout
