"""The FastAPI app of the framework benchmark (bench/frameworks.mjs): one small JSON
endpoint, unprotected and protected in each way compared. Settings from the SCALEKIT_*
variables; served by uvicorn, one worker.

    GET /public    no authentication
    GET /session   scalekit-auth, session cookie
    GET /bearer    scalekit-auth, Authorization: Bearer
    GET /official  the official SDK's validate_access_token on every request, as the
                   Scalekit templates do (token from Authorization: Bearer)
"""

from __future__ import annotations

import os

import uvicorn
from fastapi import Depends, FastAPI, HTTPException, Request
from scalekit import ScalekitClient

from scalekit_auth import Identity
from scalekit_auth.fastapi import ScalekitBearer, ScalekitFastAPI

app = FastAPI()
auth = ScalekitFastAPI.from_env()
auth.install(app)
api = ScalekitBearer.from_env()
scalekit = ScalekitClient(
    os.environ["SCALEKIT_ENVIRONMENT_URL"], os.environ["SCALEKIT_CLIENT_ID"], os.environ["SCALEKIT_CLIENT_SECRET"]
)


@app.get("/public")
async def public() -> dict[str, object]:
    return {"ok": True, "user": None}


@app.get("/session")
async def session(me: Identity = Depends(auth.require_user)) -> dict[str, object]:
    return {"ok": True, "user": me.user.id}


@app.get("/bearer")
async def bearer(me: Identity = Depends(api.require_token)) -> dict[str, object]:
    return {"ok": True, "user": me.user.id}


# Called inline, as the templates' middleware does (the best case for it here: no
# thread hop; it blocks the event loop while it verifies).
@app.get("/official")
async def official(request: Request) -> dict[str, object]:
    token = request.headers.get("authorization", "").removeprefix("Bearer ")
    if not token or not scalekit.validate_access_token(token):
        raise HTTPException(401, "unauthorized")
    return {"ok": True, "user": None}


if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(os.environ["PORT"]), workers=1, log_level="warning", access_log=False)
