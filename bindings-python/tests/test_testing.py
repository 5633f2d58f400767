"""The test helpers apps use: a local signer and provider."""

from __future__ import annotations

import json

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
