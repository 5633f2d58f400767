"""The wheel from dist/, installed in a fresh venv on a machine without Rust (run.sh)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

import scalekit_auth

ROOT = Path(__file__).resolve().parents[2]
IDP = os.environ["SCALEKIT_E2E_IDP_URL"]
CLIENT_ID = os.environ["SCALEKIT_CLIENT_ID"]
CLIENT_SECRET = os.environ["SCALEKIT_CLIENT_SECRET"]


def test_the_package_comes_from_the_fresh_venv() -> None:
    venv = Path(os.environ["SCALEKIT_PACKAGING_VENV"]).resolve()
    module = Path(scalekit_auth.__file__).resolve()
    assert venv in module.parents, module
    assert ROOT / "bindings-python" not in module.parents
    native = next(module.parent.glob("_native*.so"))
    assert native.stat().st_size > 0


def test_the_command_line_is_installed_with_the_wheel() -> None:
    venv = Path(os.environ["SCALEKIT_PACKAGING_VENV"])
    script = subprocess.run([venv / "bin" / "scalekit-auth", "--version"], capture_output=True, text=True, check=True)
    module = subprocess.run(
        [sys.executable, "-m", "scalekit_auth", "--version"], capture_output=True, text=True, check=True
    )
    assert script.stdout == module.stdout == f"scalekit-auth {scalekit_auth.__version__}\n"


def test_validates_a_token_from_the_local_provider() -> None:
    auth = scalekit_auth.ScalekitAuth(IDP, CLIENT_ID, CLIENT_SECRET)
    token = auth.get_client_access_token()
    claims = auth.validate_access_token(token)
    assert claims["iss"] == IDP
    assert claims["client_id"] == CLIENT_ID
    with pytest.raises(scalekit_auth.TokenError) as refused:
        auth.validate_access_token(token[:-4] + "AAAA")
    assert refused.value.code == "token_signature_invalid"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def fastapi_example() -> Iterator[str]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "PORT": str(port),
        "SCALEKIT_ENVIRONMENT_URL": IDP,
        "SCALEKIT_REDIRECT_URI": f"{base}/auth/callback",
        "SCALEKIT_POST_LOGOUT_REDIRECT_URI": f"{base}/",
        "SCALEKIT_SESSION_SECRET": "packaging-test-session-secret-0123456789abcdef",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "app:app", "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT / "examples" / "fastapi",
        env=env,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                httpx.get(f"{base}/", timeout=1)
                break
            except httpx.TransportError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the FastAPI example did not start") from None
                time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_the_fastapi_example_serves_its_login(fastapi_example: str) -> None:
    login = httpx.get(f"{fastapi_example}/auth/login?return_to=/dashboard", headers={"sec-fetch-mode": "navigate"})
    assert login.status_code in (302, 303), login.text
    target = urlsplit(login.headers["location"])
    assert f"{target.scheme}://{target.netloc}{target.path}" == f"{IDP}/oauth/authorize"
    query = parse_qs(target.query)
    assert query["client_id"] == [CLIENT_ID]
    assert query["code_challenge_method"] == ["S256"]
    assert query["redirect_uri"] == [f"{fastapi_example}/auth/callback"]
    assert any(c.startswith("skauth_login") for c in login.cookies.keys()), login.headers

    api = httpx.get(f"{fastapi_example}/api/me")
    assert api.status_code == 401
    assert api.json()["error"] == "session_missing"
