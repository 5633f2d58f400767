"""Authentication for web apps on Scalekit, on a Rust core.

>>> from scalekit_auth import ScalekitAuth
>>> auth = ScalekitAuth("https://acme.scalekit.com", "skc_123", "secret")  # no network call
>>> url = auth.get_authorization_url("https://app.example.com/callback", state="xyz")

``auth.validate_access_token(token)`` returns :class:`Claims` or raises a
:class:`ScalekitAuthError` subclass whose ``.code`` is stable (``token_expired``,
``token_invalid_audience``, ...). :class:`AsyncScalekitAuth` has the same methods, awaitable.
Web apps get login, logout and sessions from :mod:`scalekit_auth.fastapi`.
"""

import os as _os

from . import _native
from ._client import AsyncScalekitAuth, ScalekitAuth
from ._native import (
    ERROR_CODES,
    AuthResult,
    Claims,
    ClientToken,
    ConfigurationError,
    IdpInitiatedLoginClaims,
    Identity,
    InsufficientScopeError,
    LoginDeniedError,
    LoginRequest,
    ProviderError,
    ScalekitAuthError,
    SessionError,
    StoreError,
    TokenError,
    TokenExpiredError,
    User,
    WebhookVerificationError,
    __version__,
)

__all__ = [
    "ERROR_CODES",
    "AsyncScalekitAuth",
    "AuthResult",
    "Claims",
    "ClientToken",
    "ConfigurationError",
    "IdpInitiatedLoginClaims",
    "Identity",
    "InsufficientScopeError",
    "LoginDeniedError",
    "LoginRequest",
    "ProviderError",
    "ScalekitAuth",
    "ScalekitAuthError",
    "SessionError",
    "StoreError",
    "TokenError",
    "TokenExpiredError",
    "User",
    "WebhookVerificationError",
    "__version__",
]

# A child forked after the parent used the client (gunicorn --preload, multiprocessing's
# fork start method, Celery prefork) builds its own runtime and connections on first use.
if hasattr(_os, "register_at_fork"):
    _os.register_at_fork(after_in_child=_native._after_fork_in_child)
