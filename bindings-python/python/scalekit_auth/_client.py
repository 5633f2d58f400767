"""The clients: :class:`ScalekitAuth` (blocking) and :class:`AsyncScalekitAuth` (awaitable).

Both are thin: every check happens in the Rust core. Construction makes no network
call; discovery and signing keys are fetched on first use and cached.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TypeVar

from . import _native
from ._native import AuthResult, Claims, ClientToken, IdpInitiatedLoginClaims, LoginRequest

_Self = TypeVar("_Self", bound="_ClientBase")

Headers = Mapping[str, str] | Iterable[tuple[str, str]]


def _options(
    issuer: str | Sequence[str] | None,
    audience: str | Sequence[str] | None,
    leeway_seconds: int | None,
    jwks_cache_ttl_seconds: int | None,
    jwks_refetch_cooldown_seconds: int | None,
    http_timeout_seconds: int | None,
    max_token_bytes: int | None,
    verified_token_cache_size: int | None,
) -> dict[str, Any]:
    def as_list(value: Any) -> Any:
        # Anything else goes through as is, and the native side reports it as an
        # invalid_argument ConfigurationError naming the option.
        if isinstance(value, str):
            return [value]
        if isinstance(value, (list, tuple)):
            return list(value)
        return value

    return {
        "issuer": as_list(issuer),
        "audience": as_list(audience),
        "leeway_seconds": leeway_seconds,
        "jwks_cache_ttl_seconds": jwks_cache_ttl_seconds,
        "jwks_refetch_cooldown_seconds": jwks_refetch_cooldown_seconds,
        "http_timeout_seconds": http_timeout_seconds,
        "max_token_bytes": max_token_bytes,
        "verified_token_cache_size": verified_token_cache_size,
    }


class _ClientBase:
    """What the blocking and the awaitable client share: construction and the methods
    that never touch the network."""

    _native: _native.Client

    def __init__(
        self,
        environment_url: str,
        client_id: str,
        client_secret: str,
        *,
        issuer: str | Sequence[str] | None = None,
        audience: str | Sequence[str] | None = None,
        leeway_seconds: int | None = None,
        jwks_cache_ttl_seconds: int | None = None,
        jwks_refetch_cooldown_seconds: int | None = None,
        http_timeout_seconds: int | None = None,
        max_token_bytes: int | None = None,
        verified_token_cache_size: int | None = None,
    ) -> None:
        options = _options(
            issuer, audience, leeway_seconds, jwks_cache_ttl_seconds,
            jwks_refetch_cooldown_seconds, http_timeout_seconds, max_token_bytes, verified_token_cache_size,
        )
        self._native = _native.Client(environment_url, client_id, client_secret, options)

    @classmethod
    def from_env(
        cls: type[_Self],
        *,
        issuer: str | Sequence[str] | None = None,
        audience: str | Sequence[str] | None = None,
        leeway_seconds: int | None = None,
        jwks_cache_ttl_seconds: int | None = None,
        jwks_refetch_cooldown_seconds: int | None = None,
        http_timeout_seconds: int | None = None,
        max_token_bytes: int | None = None,
        verified_token_cache_size: int | None = None,
    ) -> _Self:
        """A client from ``SCALEKIT_ENVIRONMENT_URL``, ``SCALEKIT_CLIENT_ID`` and
        ``SCALEKIT_CLIENT_SECRET``; a missing variable raises
        :class:`ConfigurationError` naming it."""
        options = _options(
            issuer, audience, leeway_seconds, jwks_cache_ttl_seconds,
            jwks_refetch_cooldown_seconds, http_timeout_seconds, max_token_bytes, verified_token_cache_size,
        )
        client = cls.__new__(cls)
        client._native = _native.Client.from_env(options)
        return client

    def get_authorization_url(
        self,
        redirect_uri: str,
        *,
        scopes: Sequence[str] | None = None,
        state: str | None = None,
        nonce: str | None = None,
        login_hint: str | None = None,
        domain_hint: str | None = None,
        connection_id: str | None = None,
        organization_id: str | None = None,
        provider: str | None = None,
        prompt: str | None = None,
        max_age: int | None = None,
        acr_values: str | None = None,
        code_challenge: str | None = None,
        code_challenge_method: str | None = None,
    ) -> str:
        """The URL that sends a browser to the login page (the same parameters the
        official Scalekit SDKs send). No network call.

        >>> auth = ScalekitAuth("https://acme.scalekit.com", "skc_1", "secret")
        >>> auth.get_authorization_url("https://app.example/cb", state="xyz")[:60]
        'https://acme.scalekit.com/oauth/authorize?response_type=code'
        """
        return self._native.get_authorization_url(redirect_uri, {
            "scopes": list(scopes) if scopes is not None else None, "state": state, "nonce": nonce,
            "login_hint": login_hint, "domain_hint": domain_hint, "connection_id": connection_id,
            "organization_id": organization_id, "provider": provider, "prompt": prompt,
            "max_age": max_age, "acr_values": acr_values,
            "code_challenge": code_challenge, "code_challenge_method": code_challenge_method,
        })

    def create_login(
        self,
        redirect_uri: str,
        *,
        scopes: Sequence[str] | None = None,
        state: str | None = None,
        nonce: str | None = None,
        login_hint: str | None = None,
        domain_hint: str | None = None,
        connection_id: str | None = None,
        organization_id: str | None = None,
        provider: str | None = None,
        prompt: str | None = None,
        max_age: int | None = None,
        acr_values: str | None = None,
    ) -> LoginRequest:
        """Starts a login the safe way: random ``state`` and ``nonce`` (unless given) and
        a PKCE S256 pair. Keep ``state``, ``nonce`` and ``code_verifier`` until the
        callback."""
        return self._native.create_login(redirect_uri, {
            "scopes": list(scopes) if scopes is not None else None, "state": state, "nonce": nonce,
            "login_hint": login_hint, "domain_hint": domain_hint, "connection_id": connection_id,
            "organization_id": organization_id, "provider": provider, "prompt": prompt,
            "max_age": max_age, "acr_values": acr_values,
        })

    def get_logout_url(
        self,
        *,
        id_token_hint: str | None = None,
        post_logout_redirect_uri: str | None = None,
        state: str | None = None,
    ) -> str:
        """The provider's logout URL (RP-initiated logout). No network call."""
        return self._native.get_logout_url(id_token_hint, post_logout_redirect_uri, state)

    def verify_webhook_payload(self, secret: str, headers: Headers, payload: bytes | str) -> bool:
        """Verifies a webhook from Scalekit (``webhook-id``, ``webhook-timestamp``,
        ``webhook-signature`` in any case, ±300 s). Returns ``True`` or raises
        :class:`WebhookVerificationError`. Pass the raw body, unparsed."""
        return self._native.verify_webhook_payload(secret, headers, payload)

    def verify_interceptor_payload(self, secret: str, headers: Headers, payload: bytes | str) -> bool:
        """Like :meth:`verify_webhook_payload`, with ``interceptor-*`` headers."""
        return self._native.verify_interceptor_payload(secret, headers, payload)

    def jwks_status(self) -> dict[str, Any]:
        """The signing-key cache: ``key_ids``, ``fetched_at_millis``, ``fetch_attempts``
        and the code of the last fetch error, for health checks."""
        return self._native.jwks_status()


class ScalekitAuth(_ClientBase):
    """A blocking client of one Scalekit environment. Thread-safe; create one and share
    it. The GIL is released while Rust verifies signatures or waits on the network.

    >>> auth = ScalekitAuth("https://acme.scalekit.com", "skc_1", "secret", leeway_seconds=30)
    >>> auth.get_logout_url(state="s")
    'https://acme.scalekit.com/oidc/logout?state=s'
    """

    def validate_access_token(self, token: str) -> Claims:
        """Validates an access token (signature, ``iss``, ``aud``, ``exp``, ``nbf``,
        ``iat``) and returns its claims; raises :class:`TokenError` (with ``.code``)
        otherwise."""
        return self._native.validate_access_token(token)

    def validate_id_token(self, token: str, *, nonce: str | None = None) -> Claims:
        """Validates an ID token; its audience must be the client id, and its ``nonce``
        must equal ``nonce`` when given."""
        return self._native.validate_id_token(token, nonce)

    def authenticate_with_code(
        self, code: str, redirect_uri: str, *, code_verifier: str | None = None, nonce: str | None = None
    ) -> AuthResult:
        """Exchanges the callback's code for tokens and validates them all."""
        return self._native.authenticate_with_code(code, redirect_uri, code_verifier, nonce)

    def refresh_access_token(self, refresh_token: str) -> AuthResult:
        """New tokens for a refresh token (which rotates: use the returned one)."""
        return self._native.refresh_access_token(refresh_token)

    def get_idp_initiated_login_claims(self, token: str) -> IdpInitiatedLoginClaims:
        """Validates an ``idp_initiated_login`` token and returns its hints."""
        return self._native.get_idp_initiated_login_claims(token)

    def get_client_access_token(self) -> str:
        """A client-credentials access token, cached until shortly before it expires."""
        return self._native.get_client_token().access_token

    def get_client_token(self) -> ClientToken:
        """Like :meth:`get_client_access_token`, with expiry and scopes."""
        return self._native.get_client_token()


class AsyncScalekitAuth(_ClientBase):
    """The awaitable client: the same methods as :class:`ScalekitAuth`; network work
    runs on a Rust runtime and never blocks the event loop.

    >>> import asyncio
    >>> auth = AsyncScalekitAuth("https://acme.scalekit.com", "skc_1", "secret")
    >>> isinstance(auth.get_authorization_url("https://app.example/cb"), str)
    True
    """

    async def validate_access_token(self, token: str) -> Claims:
        """See :meth:`ScalekitAuth.validate_access_token`. With keys cached, it answers
        without a round trip through the runtime."""
        claims = self._native.try_validate_access_token(token)
        if claims is not None:
            return claims
        result: Claims = await self._native.validate_access_token_async(token)
        return result

    async def validate_id_token(self, token: str, *, nonce: str | None = None) -> Claims:
        """See :meth:`ScalekitAuth.validate_id_token`."""
        result: Claims = await self._native.validate_id_token_async(token, nonce)
        return result

    async def authenticate_with_code(
        self, code: str, redirect_uri: str, *, code_verifier: str | None = None, nonce: str | None = None
    ) -> AuthResult:
        """See :meth:`ScalekitAuth.authenticate_with_code`."""
        result: AuthResult = await self._native.authenticate_with_code_async(code, redirect_uri, code_verifier, nonce)
        return result

    async def refresh_access_token(self, refresh_token: str) -> AuthResult:
        """See :meth:`ScalekitAuth.refresh_access_token`."""
        result: AuthResult = await self._native.refresh_access_token_async(refresh_token)
        return result

    async def get_idp_initiated_login_claims(self, token: str) -> IdpInitiatedLoginClaims:
        """See :meth:`ScalekitAuth.get_idp_initiated_login_claims`."""
        result: IdpInitiatedLoginClaims = await self._native.get_idp_initiated_login_claims_async(token)
        return result

    async def get_client_access_token(self) -> str:
        """See :meth:`ScalekitAuth.get_client_access_token`."""
        token: ClientToken = await self._native.get_client_token_async()
        return token.access_token

    async def get_client_token(self) -> ClientToken:
        """See :meth:`ScalekitAuth.get_client_token`."""
        result: ClientToken = await self._native.get_client_token_async()
        return result
