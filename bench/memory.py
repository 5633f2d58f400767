"""Memory after validating many distinct tokens in Python: the resident set size before
and after, with a sample every tenth of the way. The memory of verified tokens keeps at
most ``verified_token_cache_size`` entries (default 1024), so the growth must stay
bounded however many tokens pass. EdDSA tokens, so that minting a million of them takes
seconds, not the quarter hour RSA signing would.

Run: python bench/memory.py [--tokens N] [--json FILE]
"""

from __future__ import annotations

import argparse
import gc
import json
import time

from scalekit_auth.testing import LocalProvider


def megabytes() -> float:
    gc.collect()
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024 / 1e6  # kB (KiB) to MB, as the Node script counts
    raise RuntimeError("no VmRSS in /proc/self/status")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tokens", type=int, default=1_000_000)
    parser.add_argument("--json")
    args = parser.parse_args()
    with LocalProvider(client_id="skc_memory", algorithm="EdDSA") as provider:
        auth = provider.client()

        def validate(i: int) -> None:
            claims = auth.validate_access_token(provider.mint(jti=f"tkn_{i}", expires_in=3600))
            if claims.jti != f"tkn_{i}":
                raise RuntimeError("wrong claims")

        for i in range(20_000):
            validate(-i - 1)
        start = megabytes()
        samples = []
        started = time.perf_counter()
        every = max(1, args.tokens // 10)
        for i in range(args.tokens):
            validate(i)
            if (i + 1) % every == 0 or i + 1 == args.tokens:
                samples.append({"tokens": i + 1, "rssMb": megabytes()})
        end = megabytes()
    result = {
        "language": "python", "tokens": args.tokens, "startMb": start, "endMb": end, "growthMb": end - start,
        "maxMb": max(s["rssMb"] for s in samples), "seconds": time.perf_counter() - started, "samples": samples,
    }
    print(f"python: {args.tokens:,} distinct tokens validated in {result['seconds']:.0f} s; "
          f"RSS {start:.1f} MB -> {end:.1f} MB ({end - start:+.1f} MB, peak sample {result['maxMb']:.1f} MB)")
    if args.json:
        with open(args.json, "w") as out:
            json.dump(result, out, indent=2)


if __name__ == "__main__":
    main()
