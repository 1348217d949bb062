"""Gateway benchmark: wrk against the governed gateway and, paired in the same run, the mock directly.

Governance is fully on: key authentication, company and key rate limits (RPM, AI requests per hour, key
RPM and TPM), the monthly quota, company and key budget reservation and settlement in PostgreSQL, usage
events persisted. Everything runs on this machine: embedded PostgreSQL, the mock upstream (its own
process), the gateway (``aipair serve``) and wrk.

Printed: throughput (c=50), latency added to the direct call (paired runs, same concurrency, median of
``AIPAIR_BENCH_REPEATS`` pairs), gateway CPU per request (/proc, the whole process tree), RSS growth over
``AIPAIR_BENCH_RSS_REQUESTS`` requests (10 % streamed), each against its target. Then the CPU every
component spent per request and the load other processes put on the machine meanwhile, which is what
bounds the throughput on two cores; and the same gateway as two worker processes sharing rate limits
through Redis.
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.fixtures.live_gateway import providers_config

from bench.environment import (
    PYTHON,
    BenchPlatform,
    bench_platform,
    child_env,
    free_port,
    process,
    redis_server,
)

MESSAGES = '"messages":[{"role":"user","content":"Say hello"}],"max_tokens":50'
CHAT = '{"model":"gpt-4o-mini",' + MESSAGES + "}"
STREAM = '{"model":"gpt-4o-mini","stream":true,' + MESSAGES + "}"
WRK_SCRIPT = """
local counter = 0
local every = tonumber(os.getenv("STREAM_EVERY") or "0")
local headers = {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. os.getenv("KEY")}
request = function()
  counter = counter + 1
  local body = os.getenv("CHAT")
  if every > 0 and counter % every == 0 then body = os.getenv("STREAM") end
  return wrk.format("POST", os.getenv("TARGET_PATH"), headers, body)
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %d %d %d %d %d %d %d\\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(95), latency:percentile(99),
    e.connect + e.read + e.write + e.timeout, e.status))
end
"""
TARGETS = {
    "throughput_rps": 1500.0,
    "added_p50_c1_ms": 1.0,
    "added_p95_c10_ms": 5.0,
    "cpu_ms_per_request": 0.7,
    "rss_growth_mib": 5.0,
}
PREVIOUS = {
    "throughput_rps": 1092.0,
    "added_p50_c1_ms": 3.74,
    "added_p95_c10_ms": 14.2,
    "cpu_ms_per_request": 0.70,
}
"""The one-process figures before the set-based usage batch and settlement after sending (same
benchmark); the two-worker section has none to compare with."""
TICK_MS = 1000 / os.sysconf("SC_CLK_TCK")


@dataclass
class Run:
    """One wrk run: requests, seconds, latency percentiles (ms), socket errors and non-2xx answers."""

    requests: int
    seconds: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    errors: int
    non_2xx: int

    @property
    def rps(self) -> float:
        return self.requests / self.seconds


def wrk(url: str, key: str, connections: int, seconds: float, stream_every: int = 0) -> Run:
    script = Path(tempfile.gettempdir()) / "aipair-bench.lua"
    script.write_text(WRK_SCRIPT)
    base, _, path = url.partition("/v1")
    env = dict(
        os.environ,
        KEY=key,
        CHAT=CHAT,
        STREAM=STREAM,
        TARGET_PATH="/v1" + path,
        STREAM_EVERY=str(stream_every),
    )
    threads = "1" if connections < 4 else "2"
    args = [
        "wrk",
        "-t",
        threads,
        "-c",
        str(connections),
        "-d",
        f"{seconds}s",
        "--timeout",
        "10s",
        "-s",
        str(script),
        base,
    ]
    out = subprocess.run(args, env=env, capture_output=True, text=True, check=True).stdout
    line = next(part for part in out.splitlines() if part.startswith("RESULT"))
    n, micros, p50, p95, p99, errors, non_2xx = (int(v) for v in line.split()[1:])
    return Run(n, micros / 1e6, p50 / 1000, p95 / 1000, p99 / 1000, errors, non_2xx)


def tree(pid: int) -> list[int]:
    """``pid`` and all its descendants (from the parent ids in /proc)."""
    parents: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (FileNotFoundError, ProcessLookupError, IndexError, ValueError):
            continue
        parents.setdefault(ppid, []).append(int(stat.parent.name))
    pids, pending = [], [pid]
    while pending:
        current = pending.pop()
        pids.append(current)
        pending.extend(parents.get(current, []))
    return pids


def cpu_ms(pids: list[int]) -> float:
    """User + system CPU of these processes so far (ms); processes that ended count zero."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total * TICK_MS


def machine_ms() -> tuple[float, float]:
    """(busy, total) CPU time of the whole machine so far (ms), from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]
    return (sum(values[:8]) - idle) * TICK_MS, sum(values[:8]) * TICK_MS


def wrk_ms() -> float:
    """CPU of the finished children of this process (the wrk runs), ms."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (usage.ru_utime + usage.ru_stime) * 1000


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


@dataclass
class Meter:
    """CPU spent per request by each component during some runs, and by everything else on the machine."""

    gateway: float = 0.0
    postgres: float = 0.0
    mock: float = 0.0
    load_generator: float = 0.0
    others_share: float = 0.0
    requests: int = 0


@dataclass
class Stack:
    """The running processes of one configuration."""

    gateway_pid: int
    postgres_pid: int
    mock_pid: int

    def measured(self, runs: Callable[[], list[Run]]) -> tuple[list[Run], Meter]:
        """Run ``runs()`` and account the CPU each component used meanwhile."""
        groups = {
            "gateway": tree(self.gateway_pid),
            "postgres": tree(self.postgres_pid),
            "mock": [self.mock_pid],
        }
        before = {name: cpu_ms(pids) for name, pids in groups.items()}
        busy0, total0, wrk0 = *machine_ms(), wrk_ms()
        done = runs()
        after = {name: cpu_ms(tree(pids[0])) for name, pids in groups.items()}
        busy1, total1, wrk1 = *machine_ms(), wrk_ms()
        n = max(1, sum(run.requests for run in done))
        spent = {name: after[name] - before[name] for name in groups}
        ours = sum(spent.values()) + (wrk1 - wrk0)
        meter = Meter(
            spent["gateway"] / n,
            spent["postgres"] / n,
            spent["mock"] / n,
            (wrk1 - wrk0) / n,
            max(0.0, (busy1 - busy0) - ours) / max(1.0, total1 - total0),
            n,
        )
        return done, meter


def verdict(name: str, value: float, higher_is_better: bool = False) -> str:
    target = TARGETS[name]
    ok = value >= target if higher_is_better else value <= target
    ratio = value / target if target else 0.0
    return f"{'OK  ' if ok else 'MISS'} ({ratio:.2f}x of target {target:g})"


def print_target(
    label: str, value: float, unit: str, name: str, higher_is_better: bool = False, *, compare: bool = True
) -> None:
    digits = 0 if unit == "req/s" else 2 if unit == "ms" and name != "cpu_ms_per_request" else 3
    before = PREVIOUS.get(name) if compare else None
    previous = f"  previously {before:g} {unit}" if before is not None else ""
    print(f"  {label:<25}{value:8.{digits}f} {unit:<6}  {verdict(name, value, higher_is_better)}{previous}")


def requests_until(url: str, key: str, connections: int, total: int, stream_every: int) -> int:
    """Send at least ``total`` requests; returns how many were sent."""
    sent = 0
    while sent < total:
        sent += wrk(url, key, connections, seconds=15, stream_every=stream_every).requests
    return sent


@dataclass
class Pair:
    direct: Run
    gateway: Run


def paired(direct: str, gateway: str, key: str, connections: int, repeats: int) -> list[Pair]:
    """Direct and gateway runs at the same concurrency, alternated ``repeats`` times."""
    return [
        Pair(wrk(direct, key, connections, seconds=3), wrk(gateway, key, connections, seconds=5))
        for _ in range(repeats)
    ]


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else 0.0


def print_pairs(label: str, pairs: list[Pair]) -> None:
    d = _median([p.direct.rps for p in pairs]), _median([p.direct.p50_ms for p in pairs])
    g = [p.gateway for p in pairs]
    errors = sum(r.errors + r.non_2xx for r in g)
    print(
        f"  {label} direct {d[0]:7.0f} req/s p50 {d[1]:6.2f} ms | gateway {_median([r.rps for r in g]):6.0f}"
        f" req/s p50 {_median([r.p50_ms for r in g]):6.2f} ms p95 {_median([r.p95_ms for r in g]):6.2f} ms"
        f" p99 {_median([r.p99_ms for r in g]):6.2f} ms  errors {errors}"
    )


def print_meter(meter: Meter, title: str) -> None:
    total = meter.gateway + meter.postgres + meter.mock + meter.load_generator
    print(
        f"  CPU per request, {title}: gateway {meter.gateway:.3f} ms + postgres {meter.postgres:.3f} ms"
        f" + mock {meter.mock:.3f} ms + wrk {meter.load_generator:.3f} ms = {total:.3f} ms"
        f" (2 cores: at most {2000 / total if total else 0:,.0f} req/s); other processes used"
        f" {meter.others_share:.0%} of the machine meanwhile"
    )


@contextmanager
def gateway_stack(
    platform: BenchPlatform, workers: int, redis_url: str | None = None
) -> Iterator[tuple[Stack, str, str]]:
    """Mock upstream and gateway processes; yields the stack, the direct URL and the gateway URL."""
    mock_port, gateway_port = free_port(), free_port()
    settings = platform.settings
    assert settings.database_url is not None
    extra = {
        "AIPAIR_DATABASE_URL": settings.database_url.get_secret_value(),
        "AIPAIR_DATA_DIR": str(platform.data_dir),
        "AIPAIR_LOG_LEVEL": "WARNING",
        "AIPAIR_GATEWAY__PROVIDERS": providers_config(mock_port, mock_port).model_dump_json(),
    }
    if redis_url:
        extra["AIPAIR_REDIS_URL"] = redis_url
    env = child_env(extra)
    mock_args = [PYTHON, "-m", "bench.mock_upstream", "--port", str(mock_port)]
    gateway_args = [PYTHON, "-m", "aipair", "serve", "--port", str(gateway_port), "--workers", str(workers)]
    log = platform.data_dir / f"gateway-{workers}.log"
    with (
        process(mock_args, env, f"http://127.0.0.1:{mock_port}/__stats") as mock,
        process(gateway_args, env, f"http://127.0.0.1:{gateway_port}/health", log) as gateway,
    ):
        stack = Stack(gateway.pid, platform.postgres_pid, mock.pid)
        yield (
            stack,
            f"http://127.0.0.1:{mock_port}/v1/chat/completions",
            f"http://127.0.0.1:{gateway_port}/v1/chat/completions",
        )


def single_process(platform: BenchPlatform, repeats: int, rss_requests: int) -> None:
    key = platform.api_key
    with gateway_stack(platform, workers=1) as (stack, direct, gateway):
        wrk(gateway, key, 10, seconds=3)  # warm up connections, caches, prepared statements
        print(
            "gateway benchmark, one process (governance on: key auth, company and key rate limits, quota,"
            " company and key budget reservation and settlement, usage events)"
        )
        c1, c10 = paired(direct, gateway, key, 1, repeats), paired(direct, gateway, key, 10, repeats)
        c50, meter = stack.measured(lambda: [wrk(gateway, key, 50, seconds=5) for _ in range(repeats)])
        c50_direct = [wrk(direct, key, 50, seconds=3) for _ in range(repeats)]
        for label, pairs in (
            ("c=1 ", c1),
            ("c=10", c10),
            ("c=50", [Pair(d, g) for d, g in zip(c50_direct, c50, strict=True)]),
        ):
            print_pairs(label, pairs)
        throughput = _median([r.rps for r in c50])
        added_p50 = _median([p.gateway.p50_ms - p.direct.p50_ms for p in c1])
        added_p95 = _median([p.gateway.p95_ms - p.direct.p95_ms for p in c10])
        print_target("throughput (c=50)", throughput, "req/s", "throughput_rps", higher_is_better=True)
        print_target("added latency p50 (c=1)", added_p50, "ms", "added_p50_c1_ms")
        print_target("added latency p95 (c=10)", added_p95, "ms", "added_p95_c10_ms")
        print_target("gateway CPU per request", meter.gateway, "ms", "cpu_ms_per_request")
        print_meter(meter, "c=50")
        _, quiet = stack.measured(lambda: [wrk(gateway, key, 1, seconds=3)])
        print_meter(quiet, "c=1 ")
        memory(stack.gateway_pid, gateway, key, rss_requests)


def memory(pid: int, gateway: str, key: str, rss_requests: int) -> None:
    warm = requests_until(gateway, key, 20, min(10_000, max(1_000, rss_requests // 10)), stream_every=10)
    before = rss_mib(pid)
    sent = requests_until(gateway, key, 20, rss_requests, stream_every=10)
    growth = rss_mib(pid) - before
    per_100k = growth * 100_000 / max(sent, 1)
    print(
        f"  RSS {before:.1f} MiB after {warm:,} warm-up requests, {growth:+.2f} MiB over {sent:,} more"
        f" (10 % streamed) = {per_100k:+.2f} MiB per 100,000   {verdict('rss_growth_mib', per_100k)}"
    )


def two_workers(platform: BenchPlatform, repeats: int) -> None:
    key = platform.api_key
    with redis_server(free_port()) as redis_url, ExitStack() as stack_context:
        stack, direct, gateway = stack_context.enter_context(gateway_stack(platform, 2, redis_url))
        wrk(gateway, key, 10, seconds=3)
        print("gateway benchmark, two worker processes (rate limits shared through Redis, governance on)")
        c10 = paired(direct, gateway, key, 10, repeats)
        c50, meter = stack.measured(lambda: [wrk(gateway, key, 50, seconds=5) for _ in range(repeats)])
        print_pairs("c=10", c10)
        print_pairs("c=50", [Pair(wrk(direct, key, 50, seconds=3), run) for run in c50])
        throughput = _median([r.rps for r in c50])
        print_target("throughput (c=50)", throughput, "req/s", "throughput_rps", True, compare=False)
        print_target("gateway CPU per request", meter.gateway, "ms", "cpu_ms_per_request", compare=False)
        print_meter(meter, "c=50")


def run() -> None:
    rss_requests = int(os.environ.get("AIPAIR_BENCH_RSS_REQUESTS", "100000"))
    repeats = int(os.environ.get("AIPAIR_BENCH_REPEATS", "3"))
    with bench_platform() as platform:
        print(f"machine: {os.cpu_count()} cores; medians of {repeats} runs; wrk on the same machine")
        single_process(platform, repeats, rss_requests)
        two_workers(platform, repeats)


if __name__ == "__main__":
    run()
