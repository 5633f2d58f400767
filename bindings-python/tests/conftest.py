"""Shared fixtures: the JSON vectors, a private local OpenID provider (tests/idp) with
5-second access tokens, a scripted browser for its login page, and the request headers
of a browser loading a page and of a script's ``fetch()``."""

from __future__ import annotations

import json
import os
import re
import subprocess
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
VECTORS = ROOT / "tests" / "vectors"
CLIENT_ID = "skc_python_tests"
CLIENT_SECRET = "python-tests-secret"
APP = "http://localhost"
REDIRECT_URI = f"{APP}/auth/callback"

# A browser loading a page (typed in the address bar or following a link on this site):
# the only kind of request sent to log in.
NAVIGATE = {
    "accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "sec-fetch-mode": "navigate",
    "sec-fetch-site": "none",
    "sec-fetch-dest": "document",
}
# The same browser submitting a form or following a link from a page of this site.
SAME_ORIGIN = {**NAVIGATE, "sec-fetch-site": "same-origin"}
# A link or form on another site.
CROSS_SITE = {**NAVIGATE, "sec-fetch-site": "cross-site"}
# A script's fetch() from a page of this site.
FETCH = {"accept": "*/*", "sec-fetch-mode": "cors", "sec-fetch-site": "same-origin", "sec-fetch-dest": "empty"}


def load_vectors(name: str) -> Any:
    return json.loads((VECTORS / name).read_text(encoding="utf-8"))


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class Idp:
    """A running local provider and its test routes."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.client_id = CLIENT_ID
        self.client_secret = CLIENT_SECRET

    def _post(self, path: str, body: dict[str, Any]) -> Any:
        request = urllib.request.Request(
            f"{self.url}{path}", data=json.dumps(body).encode(), headers={"content-type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())

    def browse(self, url: str, username: str = "jane", browser: str = "default") -> str:
        """Follows `url` through the provider's pages as `username`; returns where the
        provider finally sends the browser."""
        out = self._post("/__test/browse", {"url": url, "username": username, "browser": browser})
        assert "url" in out and "status" not in out, out
        return str(out["url"])

    def count(self, path: str) -> int:
        with urllib.request.urlopen(f"{self.url}/__test/counts", timeout=10) as response:
            return int(json.loads(response.read()).get(path, 0))

    def reset_counts(self) -> None:
        self._post("/__test/counts/reset", {})

    def faults(self, status: int = 0, delay_ms: int = 0) -> None:
        self._post("/__test/faults", {"status": status, "delay_ms": delay_ms})


@pytest.fixture(scope="session")
def idp() -> Iterator[Idp]:
    idp_dir = ROOT / "tests" / "idp"
    if not (idp_dir / "node_modules" / "oidc-provider").is_dir():
        pytest.fail("tests/idp has no node_modules: run `npm ci --prefix tests/idp` (scripts/test.sh does)")
    env = {
        **os.environ,
        "IDP_PORT": "0",
        "IDP_TEST_MODE": "1",
        "IDP_ACCESS_TOKEN_TTL": "5",
        "SCALEKIT_CLIENT_ID": CLIENT_ID,
        "SCALEKIT_CLIENT_SECRET": CLIENT_SECRET,
        "IDP_REDIRECT_URIS": REDIRECT_URI,
        "IDP_POST_LOGOUT_REDIRECT_URIS": f"{APP}/",
    }
    process = subprocess.Popen(
        ["node", str(idp_dir / "server.mjs")], env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    try:
        assert process.stdout is not None
        url = None
        for line in process.stdout:
            match = re.search(r"listening on (\S+)", line)
            if match:
                url = match.group(1)
                break
        if url is None:
            pytest.fail("the local provider exited before listening")
        yield Idp(url)
    finally:
        process.terminate()
        process.wait(timeout=10)
