"""What the metrics cost the gateway: the same gateway with instrumentation on and off, runs paired.

Two gateway processes run side by side on the same database and mock upstream, one with
``AIPAIR_METRICS__ENABLED=true`` (HTTP, database, AI and pool metrics, activity) and one with it off;
wrk loads one then the other, alternating ``AIPAIR_BENCH_REPEATS`` times, so both see the same machine.
Printed: throughput and gateway CPU per request of each (medians), and the difference, against the
target of at most 5 % of throughput. ``AIPAIR_BENCH_SECONDS`` sets the length of each run.
"""

from __future__ import annotations

import os
import statistics
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

from tests.fixtures.live_gateway import providers_config

from bench.environment import PYTHON, BenchPlatform, bench_platform, child_env, free_port, process
from bench.gateway import Meter, Run, Stack, wrk

MAX_COST = 0.05
"""At most 5 % of throughput may go to instrumentation."""


@contextmanager
def gateways(platform: BenchPlatform) -> Iterator[dict[str, tuple[Stack, str]]]:
    """A mock upstream and two gateways (metrics on, metrics off); yields their stacks and URLs."""
    settings = platform.settings
    assert settings.database_url is not None
    mock_port = free_port()
    base = {
        "AIPAIR_DATABASE_URL": settings.database_url.get_secret_value(),
        "AIPAIR_DATA_DIR": str(platform.data_dir),
        "AIPAIR_LOG_LEVEL": "WARNING",
        "AIPAIR_GATEWAY__PROVIDERS": providers_config(mock_port, mock_port).model_dump_json(),
    }
    mock_args = [PYTHON, "-m", "bench.mock_upstream", "--port", str(mock_port)]
    with ExitStack() as stack:
        mock = stack.enter_context(
            process(mock_args, child_env(base), f"http://127.0.0.1:{mock_port}/__stats")
        )
        found: dict[str, tuple[Stack, str]] = {}
        for label, enabled in (("on", "true"), ("off", "false")):
            port = free_port()
            env = child_env({**base, "AIPAIR_METRICS__ENABLED": enabled})
            args = [PYTHON, "-m", "aipair", "serve", "--port", str(port)]
            log = platform.data_dir / f"gateway-metrics-{label}.log"
            gateway = stack.enter_context(process(args, env, f"http://127.0.0.1:{port}/health", log))
            found[label] = (
                Stack(gateway.pid, platform.postgres_pid, mock.pid),
                f"http://127.0.0.1:{port}/v1/chat/completions",
            )
        yield found


def run() -> None:
    # five pairs by default: a difference of a few percent drowns in the noise of three on two cores
    repeats = int(os.environ.get("AIPAIR_BENCH_REPEATS", "5"))
    seconds = max(1, int(os.environ.get("AIPAIR_BENCH_SECONDS", "5")))
    with bench_platform() as platform, gateways(platform) as pair:
        key = platform.api_key
        for _, url in pair.values():
            wrk(url, key, 10, seconds=min(seconds, 3))  # warm up connections, caches, prepared statements
        results: dict[str, list[tuple[Run, Meter]]] = {"on": [], "off": []}
        for _ in range(repeats):
            for label in ("on", "off"):
                stack, url = pair[label]
                runs, meter = stack.measured(lambda url=url: [wrk(url, key, 50, seconds=seconds)])
                results[label].append((runs[0], meter))
        report(results, repeats)


def report(results: dict[str, list[tuple[Run, Meter]]], repeats: int) -> None:
    print(
        f"instrumentation cost: the gateway with metrics on and off, c=50, medians of {repeats} paired runs"
    )
    rps = {label: statistics.median(r.rps for r, _ in runs) for label, runs in results.items()}
    cpu = {label: statistics.median(m.gateway for _, m in runs) for label, runs in results.items()}
    for label in ("off", "on"):
        errors = sum(r.errors + r.non_2xx for r, _ in results[label])
        print(
            f"  metrics {label:<3} {rps[label]:7.0f} req/s"
            f"  gateway CPU {cpu[label]:.3f} ms/request  errors {errors}"
        )
    cost = (rps["off"] - rps["on"]) / rps["off"] if rps["off"] else 0.0
    extra_cpu = cpu["on"] - cpu["off"]
    verdict = "OK  " if cost <= MAX_COST else "MISS"
    print(
        f"  throughput cost {cost:+.1%} (target at most {MAX_COST:.0%})  {verdict}"
        f"   CPU per request {extra_cpu:+.3f} ms ({extra_cpu / cpu['off'] if cpu['off'] else 0:+.1%})"
    )


if __name__ == "__main__":
    run()
