"""An MCP server whose tools only a Scalekit token minted for it can call: `whoami` for
any caller, `add_note` for callers with the `notes:write` scope.

Run: `pip install -r requirements.txt`, set SCALEKIT_ENVIRONMENT_URL, SCALEKIT_RESOURCE_ID
and MCP_SERVER_URL (the public URL of /mcp, e.g. http://localhost:8931/mcp), then
`python app.py` (port from PORT, default 8931).
"""

from __future__ import annotations

import os

from mcp.server.mcpserver import MCPServer

from scalekit_auth.mcp import McpAuth, current_identity

auth = McpAuth.from_env(tool_scopes={"add_note": ["notes:write"]}, scopes_supported=["notes:read", "notes:write"])
mcp = MCPServer("notes")
notes: list[str] = []


@mcp.tool()
def whoami() -> str:
    """Who is calling, and with which scopes."""
    me = current_identity()
    return f"{me.user.id} ({' '.join(me.claims.scopes) or 'no scopes'})"


@mcp.tool()
def add_note(text: str) -> str:
    """Keeps a note (needs the notes:write scope)."""
    notes.append(f"{current_identity().user.id}: {text}")
    return f"{len(notes)} notes"


app = auth.protect(mcp.streamable_http_app(stateless_http=True, json_response=True))

if __name__ == "__main__":
    import uvicorn

    uvicorn.run(app, host="127.0.0.1", port=int(os.environ.get("PORT", "8931")), log_level="warning")
