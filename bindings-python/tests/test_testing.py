"""The test helpers apps use: a local signer and provider."""

from __future__ import annotations

import json

import pytest

from scalekit_auth.testing import LocalProvider
from scalekit_auth.testing import TestSigner as Signer


def test_signer_publishes_its_key_for_every_algorithm() -> None:
    for alg in ["RS256", "PS256", "ES256", "ES384", "EdDSA"]:
        signer = Signer(alg, f"k-{alg}")
        assert signer.algorithm == alg and signer.kid == f"k-{alg}"
        assert json.loads(signer.jwks_json())["keys"][0]["kid"] == f"k-{alg}"
        assert signer.jwks()["keys"][0]["alg"] == alg
        assert signer.sign({"sub": "x"}).count(".") == 2


def test_local_provider_mints_tokens_its_clients_accept() -> None:
    with LocalProvider(client_id="skc_app", algorithm="ES256") as provider:
        claims = provider.client().validate_access_token(provider.mint("usr_9", permissions=["p"], plan="pro"))
        assert (claims.sub, claims.permissions, claims["plan"]) == ("usr_9", ["p"], "pro")


def test_values_too_deep_for_json_are_refused_not_a_crash() -> None:
    signer = Signer("ES256", "k")
    looped: dict[str, object] = {}
    looped["self"] = looped
    deep: object = 1
    for _ in range(100_000):
        deep = [deep]
    for claims in [looped, {"deep": deep}]:
        with pytest.raises(TypeError, match="levels deep"):
            signer.sign(claims)
    assert signer.sign({"nested": [[[{"ok": True}]]]}).count(".") == 2
