"""``make bench``: every benchmark of PRODUCT.md section 7, one after the other."""

from __future__ import annotations

import importlib
import sys

SUITES = ("bench.gateway", "bench.instrumentation", "bench.meetings", "bench.cli", "bench.console")


def main() -> None:
    chosen = sys.argv[1:] or SUITES
    for name in chosen:
        module = importlib.import_module(name if name.startswith("bench.") else f"bench.{name}")
        module.run()
        print()


if __name__ == "__main__":
    main()
