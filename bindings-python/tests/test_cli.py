"""``python -m scalekit_auth`` and the ``scalekit-auth`` script run the project's command
line (the Rust code of the binary): the same checks, output and exit codes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

GOOD = {
    "SCALEKIT_ENVIRONMENT_URL": "https://acme.scalekit.dev",
    "SCALEKIT_CLIENT_ID": "skc_12345",
    "SCALEKIT_CLIENT_SECRET": "test_secret_value_123",
    "SCALEKIT_REDIRECT_URI": "https://app.example.com/auth/callback",
    "SCALEKIT_POST_LOGOUT_REDIRECT_URI": "https://app.example.com/",
    "SCALEKIT_SESSION_SECRET": "k3J9vQ2mZx7LpR4tW8yB1nC6hF0dG5sAeU",
}


def run(argv: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {"PATH": os.environ.get("PATH", ""), **env}
    return subprocess.run(argv, cwd=cwd, env=clean, capture_output=True, text=True, timeout=60)


def test_python_m_checks_the_environment_and_dotenv(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("".join(f"{k}={v}\n" for k, v in GOOD.items()))
    out = run([sys.executable, "-m", "scalekit_auth", "check-env", "--json"], tmp_path, {})
    assert out.returncode == 0, out.stdout + out.stderr
    report = json.loads(out.stdout)
    assert report["command"] == "check-env" and report["ok"] is True
    assert {s["name"] for s in report["steps"]} >= {"environment_url", "client_id", "session_secret"}

    bad = run([sys.executable, "-m", "scalekit_auth", "check-env"], tmp_path, {"SCALEKIT_SESSION_SECRET": "changeme"})
    assert bad.returncode == 1
    assert "✗ session_secret" in bad.stdout and "fix: " in bad.stdout


def test_usage_errors_exit_2_and_help_names_every_command(tmp_path: Path) -> None:
    usage = run([sys.executable, "-m", "scalekit_auth", "no-such-command"], tmp_path, {})
    assert usage.returncode == 2 and "no-such-command" in usage.stderr
    help_text = run([sys.executable, "-m", "scalekit_auth", "--help"], tmp_path, {})
    assert help_text.returncode == 0
    for command in ["check-env", "test-connection", "doctor", "login"]:
        assert command in help_text.stdout
    assert help_text.stdout.startswith("Checks a Scalekit app's configuration")
    assert "Usage: scalekit-auth" in help_text.stdout


def test_the_console_script_is_installed_with_the_package(tmp_path: Path) -> None:
    script = shutil.which("scalekit-auth", path=str(Path(sys.executable).parent))
    if script is None:
        pytest.fail("the scalekit-auth script is not next to this interpreter: is the wheel installed?")
    out = run([script, "--version"], tmp_path, {})
    assert out.returncode == 0 and out.stdout.startswith("scalekit-auth 0.")
