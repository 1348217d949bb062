"""Benchmark: ``aipair --help`` from a cold interpreter, against the 1-second target.

Runs the installed command ``RUNS`` times as a fresh process each time and prints the median and the
slowest wall time. Run with ``python -m bench.cli``.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

TARGET_SECONDS = 1.0
RUNS = 15


def command() -> list[str]:
    """The ``aipair`` entry point next to this interpreter (what a user types), else ``-m aipair``."""
    script = Path(sys.executable).with_name("aipair")
    return [str(script)] if script.exists() else [sys.executable, "-m", "aipair"]


def time_help(runs: int = RUNS) -> list[float]:
    """Wall times of ``runs`` cold starts of ``aipair --help``."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([*command(), "--help"], check=True, capture_output=True)
        times.append(time.perf_counter() - started)
    return times


def run() -> None:
    """Print the median and slowest ``aipair --help`` against the target."""
    times = time_help()
    median, slowest = statistics.median(times), max(times)
    verdict = "meets" if slowest <= TARGET_SECONDS else "MISSES"
    print(
        f"cli: aipair --help over {len(times)} cold starts: median {median * 1000:.0f} ms, "
        f"slowest {slowest * 1000:.0f} ms ({verdict} the {TARGET_SECONDS:.0f} s target)"
    )


if __name__ == "__main__":
    run()
