"""Keeps the documentation true to the code; run by scripts/docs.sh before the site builds.

- writes docs/reference/configuration.md from docs/reference/options.toml (`--write`), or
  fails when the committed page differs from what the table gives;
- checks that table against the code: the option names of core/src/options.rs and
  core/src/session/options.rs, the variables the core reads, the TypeScript declarations
  and the Python package;
- checks that docs/reference/troubleshooting.md has one entry per error code of
  tests/vectors/error_codes.json, and no other;
- checks the code blocks of the README and the quickstarts: a block is either included
  from a file the test suite runs (`--8<--`), or its lines appear, in order, in one such
  file; a shell block only names the repository's own scripts, the package installs and
  `SCALEKIT_*` variables of the table.

Run: python3 docs/check.py [--write]
"""

from __future__ import annotations

import json
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OPTIONS = ROOT / "docs" / "reference" / "options.toml"
CONFIGURATION = ROOT / "docs" / "reference" / "configuration.md"
TROUBLESHOOTING = ROOT / "docs" / "reference" / "troubleshooting.md"
# The pages whose code blocks must be tested.
TESTED_PAGES = [ROOT / "README.md", *sorted((ROOT / "docs" / "quickstart").glob("*.md"))]
# Where tested code lives: what the test command runs or compiles.
# (core/README.md is the crate's documentation: its Rust blocks compile as doc tests.)
TESTED_CODE = ["examples", "bindings-python/tests", "bindings-node/test", "core/tests", "core/src", "core/README.md"]
TESTED_SUFFIXES = {".py", ".js", ".mjs", ".cjs", ".ts", ".rs", ".toml", ".json"}

GROUP_TITLES = {
    "credentials": "Credentials",
    "client": "Token validation (client options)",
    "session": "Sessions (session options)",
    "adapter": "Framework integrations",
    "mcp": "MCP servers (protected resources)",
}
GROUP_INTROS = {
    "credentials": "Every client needs these three; `from_env` reads them from the environment.",
    "client": "Accepted by every client and every framework integration: Python keyword arguments "
    "(`ScalekitAuth(..., leeway_seconds=30)`, `ScalekitFastAPI.from_env(leeway_seconds=30)`), "
    "Node.js options (`createScalekitExpress({ leewaySeconds: 30 })`), Rust builder methods "
    "(`Config::new(..).leeway_seconds(30)`) or by name (`Config::with_options`). An unknown name "
    "or a value of the wrong type is an `invalid_argument` error naming it.",
    "session": "Taken by the framework integrations (FastAPI, Flask, Django, Express, Fetch API, Next.js) "
    "and by `SessionConfig` in Rust. Unset values come from the variable when there is one.",
    "adapter": "Options of the framework integrations themselves.",
    "mcp": "`McpAuth.from_env` (Python), `createMcpAuth` (Node.js), `ResourceServerConfig` (Rust); "
    "no client secret is needed.",
}


# Set by where the auth routes are mounted (a prefix, a URLconf include), not by a setting.
ROUTE_PLACED = {"login_path", "callback_path"}
# The groups Flask's app.config and Django's settings.SCALEKIT hold.
FRAMEWORK_SETTING_GROUPS = ("credentials", "client", "session")


def framework_names(option: dict[str, str]) -> str:
    """The option's name in Flask's ``app.config`` and Django's ``settings.SCALEKIT``."""
    if option["group"] not in FRAMEWORK_SETTING_GROUPS or option["name"] in ROUTE_PLACED:
        return ""
    upper = option["name"].upper()
    return f"`SCALEKIT_{upper}`, `SCALEKIT[\"{upper}\"]`"


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


def rust_name(option: dict[str, str]) -> str:
    if "rust" in option:
        return option["rust"]
    owner = "SessionConfig" if option["group"] == "session" else "Config"
    return f"{owner}::{option['name']}"


def render(table: dict[str, list[dict[str, str]]]) -> str:
    lines = [
        "<!-- Written by docs/check.py from docs/reference/options.toml: edit that file, then run"
        " `python3 docs/check.py --write`. -->",
        "",
        "# Configuration",
        "",
        "Every setting, with its name in each language, its environment variable and its default. "
        "In Python a setting is a keyword argument (`snake_case`), in Node.js an option "
        "(`camelCase`), in Rust a builder method. A value given in code wins over the variable. "
        "Flask reads each from `app.config` under the name of the Flask / Django column "
        "(`SCALEKIT_LEEWAY_SECONDS`), Django from the `SCALEKIT` dict of its settings "
        "(`SCALEKIT = {\"LEEWAY_SECONDS\": 30}`); where those lack one, the variable is read. "
        "An unknown name there is an error, so a misspelt setting never goes unnoticed.",
        "",
    ]
    for group, title in GROUP_TITLES.items():
        lines += [f"## {title}", "", GROUP_INTROS[group], ""]
        lines += ["| Python | Node.js | Rust | Flask / Django | Variable | Default | |", "|---|---|---|---|---|---|---|"]
        for option in table["option"]:
            if option["group"] != group:
                continue
            env = f"`{option['env']}`" if "env" in option else ""
            cells = [
                f"`{option['name']}`",
                f"`{camel(option['name'])}`",
                f"`{rust_name(option)}`",
                framework_names(option),
                env,
                option["default"],
                f"{option['summary']} ({option['type']})",
            ]
            lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
        lines.append("")
    lines += [
        "## Cookies",
        "",
        "What the session engine writes. Names get the `__Host-` prefix whenever cookies are "
        "`Secure` (`__Secure-` with a `cookie_domain`).",
        "",
        "| Cookie | Holds | Attributes |",
        "|---|---|---|",
    ]
    for cookie in table["cookie"]:
        lines.append(f"| {cookie['name']} | {cookie['holds']} | {cookie['attributes']} |")
    lines.append("")
    return "\n".join(lines)


def quoted_names(path: Path, constant: str) -> list[str]:
    text = path.read_text()
    block = re.search(rf"pub const {constant}: &\[&str\] = &\[(.*?)\];", text, re.S)
    if block is None:
        raise SystemExit(f"{path}: no {constant} table")
    return re.findall(r'"([a-z_]+)"', block.group(1))


def check_options(table: dict[str, list[dict[str, str]]], problems: list[str]) -> None:
    options = table["option"]
    names = [o["name"] for o in options]
    for name in {n for n in names if names.count(n) > 1}:
        problems.append(f"options.toml names {name} twice")
    for group, path, constant in [
        ("client", ROOT / "core/src/options.rs", "CLIENT_OPTIONS"),
        ("session", ROOT / "core/src/session/options.rs", "SESSION_OPTIONS"),
    ]:
        in_code = set(quoted_names(path, constant))
        documented = {o["name"] for o in options if o["group"] == group and "rust" not in o}
        for name in sorted(in_code - documented):
            problems.append(f"{constant} has {name}, which options.toml does not document")
        for name in sorted(documented - in_code):
            problems.append(f"options.toml documents {group} option {name}, which {constant} lacks")
    core = "\n".join(p.read_text() for p in (ROOT / "core" / "src").rglob("*.rs"))
    node = ROOT / "bindings-node"
    typescript = "\n".join(p.read_text() for p in [*node.glob("*.d.ts"), *node.glob("generated/*.d.ts")])
    python = "\n".join(p.read_text() for p in (ROOT / "bindings-python" / "python").rglob("*.py*"))
    for option in options:
        if "env" in option and f'"{option["env"]}"' not in core:
            problems.append(f"options.toml names {option['env']}, which the core never reads")
        if option["group"] == "adapter" and option["name"] == "logger":
            continue  # Python configures its standard logging module instead.
        if not re.search(rf"\b{camel(option['name'])}\??:", typescript):
            problems.append(f"the TypeScript declarations lack the option {camel(option['name'])}")
        if option["group"] not in ("client", "session") and not re.search(rf"\b{option['name']}\b", python):
            problems.append(f"the Python package never names {option['name']}")


def check_troubleshooting(problems: list[str]) -> None:
    codes = json.loads((ROOT / "tests/vectors/error_codes.json").read_text())["codes"]
    entries = re.findall(r"^### `([a-z_]+)`", TROUBLESHOOTING.read_text(), re.M)
    for code in codes:
        if entries.count(code) != 1:
            problems.append(f"troubleshooting.md has {entries.count(code)} entries for {code} (one expected)")
    for entry in sorted(set(entries) - set(codes)):
        problems.append(f"troubleshooting.md has an entry for {entry}, which is no error code")


def fenced_blocks(text: str) -> list[tuple[int, str, str]]:
    """(line number, language, body) of each fenced code block."""
    blocks = []
    pattern = re.compile(r"^( *)(```+)([^\n`]*)\n(.*?)^\1\2[ \t]*$", re.M | re.S)
    for match in pattern.finditer(text):
        indent = len(match.group(1))
        body = "\n".join(line[indent:] for line in match.group(4).splitlines())
        language = match.group(3).strip().split(" ")[0].split(",")[0]
        blocks.append((text[: match.start()].count("\n") + 1, language, body))
    return blocks


def tested_files() -> dict[Path, list[str]]:
    files = {}
    for folder in TESTED_CODE:
        if (ROOT / folder).is_file():
            files[ROOT / folder] = [code_line(line) for line in (ROOT / folder).read_text().splitlines()]
            continue
        for path in (ROOT / folder).rglob("*"):
            if path.suffix in TESTED_SUFFIXES and "node_modules" not in path.parts and ".next" not in path.parts:
                files[path] = [code_line(line) for line in path.read_text(errors="replace").splitlines()]
    return files


def code_line(line: str) -> str:
    """A line without its indentation and trailing comment."""
    return re.split(r"\s{2,}(#|//) ", line.strip())[0].strip()


def appears_in_order(lines: list[str], haystack: list[str]) -> bool:
    position = 0
    for line in lines:
        try:
            position = haystack.index(line, position) + 1
        except ValueError:
            return False
    return True


SHELL_COMMAND = re.compile(
    r"^(\./scripts/[a-z-]+\.sh\b.*"
    r"|(pip|python -m pip) install .*scalekit-auth.*"
    r"|npm install .*scalekit-auth.*"
    r"|cargo add .*"
    r"|npx scalekit-auth \S+.*"
    r"|python -m scalekit_auth \S+.*"
    r"|export (SCALEKIT_[A-Z_]+|MCP_SERVER_URL|IDP_[A-Z_]+)=\S*.*"
    r"|IDP_[A-Z_]+=.*tests/idp/start\.sh"
    r"|tests/idp/(start|stop)\.sh"
    r"|(pip|python -m pip) install [\w\[\]=<>.-]+( [\w\[\]=<>.-]+)*"
    r"|(PORT=\d+ )?(uvicorn|gunicorn|flask|node|npm|npx|cargo|pytest|python) [\w./:=@ -]+)$"
)


def check_code_blocks(table: dict[str, list[dict[str, str]]], problems: list[str]) -> None:
    files = tested_files()
    variables = {o["env"] for o in table["option"] if "env" in o}
    for page in TESTED_PAGES:
        for line_number, language, body in fenced_blocks(page.read_text()):
            where = f"{page.relative_to(ROOT)}:{line_number}"
            lines = [code_line(line) for line in body.splitlines()]
            lines = [line for line in lines if line and not line.startswith(("#", "//"))]
            if any(line.startswith("--8<--") for line in lines):
                continue  # included from a tested file; mkdocs fails on a missing one
            if language in ("sh", "bash", "console", "dotenv", "env", "text"):
                for line in lines:
                    if language in ("dotenv", "env"):
                        name = line.split("=", 1)[0]
                        if name not in variables and name not in ("MCP_SERVER_URL",):
                            problems.append(f"{where}: {name} is no documented variable")
                    elif not SHELL_COMMAND.match(line):
                        problems.append(f"{where}: the command {line!r} is neither a script of this repository nor an install")
                    elif line.startswith("./scripts/") and not (ROOT / line.split()[0]).exists():
                        problems.append(f"{where}: {line.split()[0]} does not exist")
                    for name in re.findall(r"\b(SCALEKIT_[A-Z_]+)", line):
                        if name not in variables:
                            problems.append(f"{where}: {name} is no documented variable")
                continue
            if not any(appears_in_order(lines, haystack) for haystack in files.values()):
                problems.append(f"{where}: this {language or 'untagged'} block is in no tested file (lines in order)")


def main() -> int:
    table = tomllib.loads(OPTIONS.read_text())
    page = render(table)
    problems: list[str] = []
    if "--write" in sys.argv[1:]:
        CONFIGURATION.write_text(page)
    elif not CONFIGURATION.exists() or CONFIGURATION.read_text() != page:
        problems.append("docs/reference/configuration.md is not what options.toml gives: run python3 docs/check.py --write")
    check_options(table, problems)
    check_troubleshooting(problems)
    check_code_blocks(table, problems)
    for problem in problems:
        print(f"docs: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
