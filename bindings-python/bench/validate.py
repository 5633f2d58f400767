"""validate_access_token against PyJWT's jwt.decode (prepared key, same checks) on the
same RS256-2048 token, in one run.

Run: python bench/validate.py  (after `pip install ./bindings-python "pyjwt[crypto]"`)
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable

import jwt

from scalekit_auth.testing import LocalProvider


def ops_per_second(fn: Callable[[], object], seconds: float = 2.0) -> float:
    for _ in range(2000):
        fn()
    count, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        for _ in range(1000):
            fn()
        count += 1000
    return count / elapsed


def main() -> None:
    with LocalProvider(client_id="skc_bench") as provider:
        token = provider.mint(
            "usr_1234567890", roles=["admin", "member"], permissions=["read:all", "write:own"],
            scope="openid profile email offline_access", sid="ses_0123456789", jti="tkn_0123456789abcdef",
        )
        auth = provider.client()
        auth.validate_access_token(token)
        cold = provider.client(verified_token_cache_size=0)
        cold.validate_access_token(token)
        jwk = provider.jwks()["keys"][0]
        key = jwt.PyJWK.from_json(json.dumps(jwk)).key

        def ours() -> object:
            return auth.validate_access_token(token)

        def pyjwt() -> object:
            return jwt.decode(token, key, algorithms=["RS256"], audience="skc_bench", issuer=provider.url, leeway=60)

        pyjwt()
        def ours_cold() -> object:
            return cold.validate_access_token(token)

        results = {
            "scalekit_auth": ops_per_second(ours),
            "scalekit_auth (signature every time)": ops_per_second(ours_cold),
            "pyjwt": ops_per_second(pyjwt),
        }
    for name, rate in results.items():
        print(f"{name:>38}: {rate:10,.0f} ops/s  ({1e6 / rate:6.1f} us/op)")
    base = results["pyjwt"]
    print(f"{'ratio':>38}: {results['scalekit_auth'] / base:.2f}x PyJWT "
          f"({results['scalekit_auth (signature every time)'] / base:.2f}x verifying every signature)")


if __name__ == "__main__":
    main()
