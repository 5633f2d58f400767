"""Access-token validation per second: scalekit_auth against PyJWT's jwt.decode (prepared
key, same checks) and the official scalekit-sdk-python, on RS256-2048 tokens from one
local provider. Each is measured on one token presented again and on a pool of distinct
tokens (every signature verified); the ceiling is RSA-2048 verification alone
(cryptography, key parsed once). Runs are interleaved (every case once per round, the
median of the rounds), so that the ratios compare runs seconds apart.

Run: python bench/validate.py [--json FILE] [--runs N]
(after `pip install dist/scalekit_auth-*.whl "pyjwt[crypto]" scalekit-sdk-python`; a peer
that is not installed is reported as skipped). scripts/bench.sh runs it with the peers.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

from scalekit_auth.testing import LocalProvider

# Distinct tokens cycle through a pool far larger than the memory of verified tokens the
# client is given, so no token is still remembered when it comes round again.
POOL = 2048
MEMORY_FOR_DISTINCT = 16


def one_run(fn: Callable[[int], object], seconds: float) -> float:
    count, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        for j in range(200):
            fn(count + j)
        count += 200
    return count / elapsed


def measure(cases: list[tuple[str, str, Callable[[int], object]]], runs: int, seconds: float) -> list[dict[str, Any]]:
    """Each case warmed up, then ``runs`` rounds that run every case once; medians per case."""
    for _, _, fn in cases:
        warm_until = time.perf_counter() + 0.3
        i = 0
        while time.perf_counter() < warm_until:
            for _ in range(100):
                fn(i)
                i += 1
    rates: list[list[float]] = [[] for _ in cases]
    for _ in range(runs):
        for k, (_, _, fn) in enumerate(cases):
            rates[k].append(one_run(fn, seconds))
    return [
        {"name": name, "case": kind, "ops": statistics.median(r), "runs": sorted(r)}
        for (name, kind, _), r in zip(cases, rates)
    ]


def raw_verify(provider: LocalProvider, pool: list[str]) -> Callable[[int], object] | None:
    """RSA-2048 PKCS#1 v1.5 verification of the pool's signatures alone, or None without
    the cryptography package."""
    try:
        import base64

        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import padding, rsa
    except ImportError:
        return None
    jwk = provider.jwks()["keys"][0]
    number = lambda text: int.from_bytes(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)), "big")
    key = rsa.RSAPublicNumbers(number(jwk["e"]), number(jwk["n"])).public_key()
    signed = []
    for token in pool:
        data, _, signature = token.rpartition(".")
        signed.append((data.encode(), base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4))))

    def verify(i: int) -> object:
        data, signature = signed[i % len(signed)]
        key.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
        return None

    return verify


def candidates(provider: LocalProvider, token: str, pool: list[str]) -> list[tuple[str, Callable[[int], object], Callable[[int], object]]]:
    found: list[tuple[str, Callable[[int], object], Callable[[int], object]]] = []
    auth = provider.client()
    for_distinct = provider.client(verified_token_cache_size=MEMORY_FOR_DISTINCT)
    found.append((
        "scalekit_auth",
        lambda i: auth.validate_access_token(token),
        lambda i: for_distinct.validate_access_token(pool[i % POOL]),
    ))
    try:
        import jwt
    except ImportError:
        print("pyjwt: not installed, skipped")
    else:
        key = jwt.PyJWK.from_json(json.dumps(provider.jwks()["keys"][0])).key

        def pyjwt(t: str) -> object:
            return jwt.decode(t, key, algorithms=["RS256"], audience="skc_bench", issuer=provider.url, leeway=60)

        found.append(("pyjwt", lambda i: pyjwt(token), lambda i: pyjwt(pool[i % POOL])))
    try:
        from scalekit import ScalekitClient
    except ImportError:
        print("scalekit-sdk-python: not installed, skipped")
    else:
        sdk = ScalekitClient(provider.url, provider.client_id, provider.client_secret)

        # Its documented call (PyJWT underneath; no issuer or audience check unless passed).
        def official(t: str) -> object:
            return sdk.validate_access_token_and_get_claims(t)

        found.append(("scalekit-sdk-python", lambda i: official(token), lambda i: official(pool[i % POOL])))
    return found


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--json")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=1.0)
    args = parser.parse_args()
    with LocalProvider(client_id="skc_bench") as provider:
        claims: dict[str, Any] = {
            "roles": ["admin", "member"], "permissions": ["read:all", "write:own"],
            "scope": "openid profile email offline_access", "sid": "ses_0123456789",
        }
        token = provider.mint("usr_1234567890", expires_in=3600, jti="tkn_0123456789abcdef", **claims)
        pool = [provider.mint("usr_1234567890", expires_in=3600, jti=f"tkn_{i}", **claims) for i in range(POOL)]
        cases: list[tuple[str, str, Callable[[int], object]]] = []
        raw = raw_verify(provider, pool)
        if raw is not None:
            cases.append(("RSA-2048 verify (cryptography)", "distinct", raw))
        for name, repeated, distinct in candidates(provider, token, pool):
            repeated(0)
            distinct(0)
            cases += [(name, "repeated", repeated), (name, "distinct", distinct)]
        results = measure(cases, args.runs, args.seconds)
    for r in results:
        label = f"{r['name']} ({r['case']})"
        print(f"{label:>34}: {r['ops']:10,.0f} ops/s  ({1e6 / r['ops']:6.1f} us/op)")
    if args.json:
        with open(args.json, "w") as out:
            json.dump({"language": "python", "python": sys.version.split()[0], "results": results}, out, indent=2)


if __name__ == "__main__":
    main()
