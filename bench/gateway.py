"""Gateway benchmark: wrk against the governed gateway and, paired in the same run, the mock directly.

Governance is fully on: key authentication, company and key rate limits, monthly quota, budget
reservation and settlement in PostgreSQL, usage events persisted. Prints throughput, added latency
(gateway minus direct, same concurrency), gateway CPU per request and RSS growth over 100,000 requests.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bench.environment import PYTHON, bench_platform, child_env, free_port, process
from tests.fixtures.live_gateway import providers_config

CHAT = '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Say hello"}],"max_tokens":50}'
STREAM = '{"model":"gpt-4o-mini","stream":true,"messages":[{"role":"user","content":"Say hello"}],"max_tokens":50}'
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
  io.write(string.format("RESULT %d %d %d %d %d %d\\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(95), latency:percentile(99),
    e.connect + e.read + e.write + e.status + e.timeout))
end
"""
TARGETS = {"throughput_rps": 1500.0, "added_p50_c1_ms": 1.0, "added_p95_c10_ms": 5.0, "cpu_ms_per_request": 0.7,
           "rss_growth_mib": 5.0}


@dataclass
class Run:
    requests: int
    seconds: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    errors: int

    @property
    def rps(self) -> float:
        return self.requests / self.seconds


def wrk(url: str, key: str, connections: int, seconds: int | None = None, total: int | None = None,
        stream_every: int = 0) -> Run:
    script = Path(tempfile.gettempdir()) / "aipair-bench.lua"
    script.write_text(WRK_SCRIPT)
    base, _, path = url.partition("/v1")
    env = dict(os.environ, KEY=key, CHAT=CHAT, STREAM=STREAM, TARGET_PATH="/v1" + path,
               STREAM_EVERY=str(stream_every))
    duration = seconds if seconds is not None else max(5, int((total or 0) / 400))
    args = ["wrk", "-t", "1" if connections < 4 else "2", "-c", str(connections), "-d", f"{duration}s",
            "--timeout", "10s", "-s", str(script), base]
    out = subprocess.run(args, env=env, capture_output=True, text=True, check=True).stdout
    line = next(part for part in out.splitlines() if part.startswith("RESULT"))
    n, micros, p50, p95, p99, errors = (int(v) for v in line.split()[1:])
    return Run(n, micros / 1e6, p50 / 1000, p95 / 1000, p99 / 1000, errors)


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def verdict(name: str, value: float, higher_is_better: bool = False) -> str:
    target = TARGETS[name]
    ok = value >= target if higher_is_better else value <= target
    ratio = value / target if target else 0.0
    return f"{'OK  ' if ok else 'MISS'} ({ratio:.2f}x of target {target:g})"


def requests_until(url: str, key: str, connections: int, total: int, stream_every: int) -> int:
    """Send at least ``total`` requests; returns how many were sent."""
    sent = 0
    while sent < total:
        sent += wrk(url, key, connections, seconds=15, stream_every=stream_every).requests
    return sent


def run() -> None:
    rss_requests = int(os.environ.get("AIPAIR_BENCH_RSS_REQUESTS", "100000"))
    with bench_platform() as platform:
        mock_port, gateway_port = free_port(), free_port()
        settings = platform.settings
        assert settings.database_url is not None
        env = child_env({
            "AIPAIR_DATABASE_URL": settings.database_url.get_secret_value(),
            "AIPAIR_DATA_DIR": str(platform.data_dir),
            "AIPAIR_LOG_LEVEL": "WARNING",
            "AIPAIR_GATEWAY__PROVIDERS": providers_config(mock_port, mock_port).model_dump_json(),
        })
        direct = f"http://127.0.0.1:{mock_port}/v1/chat/completions"
        gateway = f"http://127.0.0.1:{gateway_port}/v1/chat/completions"
        mock_args = [PYTHON, "-m", "bench.mock_upstream", "--port", str(mock_port)]
        gateway_args = [PYTHON, "-m", "aipair", "serve", "--port", str(gateway_port)]
        with process(mock_args, env, f"http://127.0.0.1:{mock_port}/__stats"), \
                process(gateway_args, env, f"http://127.0.0.1:{gateway_port}/health") as gw:
            key = platform.api_key
            wrk(gateway, key, 10, seconds=3)  # warm up connections, caches, prepared statements
            report(direct, gateway, key, gw.pid, rss_requests)


def report(direct: str, gateway: str, key: str, pid: int, rss_requests: int) -> None:
    print("gateway benchmark (governance on: key auth, rate limits, quota, budget reservation, usage events)")
    c1_direct, c1_gw = wrk(direct, key, 1, seconds=5), wrk(gateway, key, 1, seconds=5)
    c10_direct, c10_gw = wrk(direct, key, 10, seconds=5), wrk(gateway, key, 10, seconds=5)
    c50_direct = wrk(direct, key, 50, seconds=5)
    cpu_before = cpu_seconds(pid)
    c50_gw = wrk(gateway, key, 50, seconds=10)
    cpu_ms = (cpu_seconds(pid) - cpu_before) * 1000 / max(1, c50_gw.requests)
    for label, d, g in (("c=1 ", c1_direct, c1_gw), ("c=10", c10_direct, c10_gw), ("c=50", c50_direct, c50_gw)):
        print(f"  {label} direct {d.rps:8.0f} req/s p50 {d.p50_ms:6.2f} ms p95 {d.p95_ms:6.2f} ms | gateway "
              f"{g.rps:7.0f} req/s p50 {g.p50_ms:6.2f} ms p95 {g.p95_ms:6.2f} ms p99 {g.p99_ms:6.2f} ms "
              f"errors {g.errors}")
    added_p50 = c1_gw.p50_ms - c1_direct.p50_ms
    added_p95 = c10_gw.p95_ms - c10_direct.p95_ms
    print(f"  throughput (c=50)        {c50_gw.rps:8.0f} req/s   {verdict('throughput_rps', c50_gw.rps, True)}")
    print(f"  added latency p50 (c=1)  {added_p50:8.2f} ms      {verdict('added_p50_c1_ms', added_p50)}")
    print(f"  added latency p95 (c=10) {added_p95:8.2f} ms      {verdict('added_p95_c10_ms', added_p95)}")
    print(f"  gateway CPU per request  {cpu_ms:8.3f} ms      {verdict('cpu_ms_per_request', cpu_ms)}")
    warm = requests_until(gateway, key, 20, min(10_000, rss_requests // 10), stream_every=10)
    before = rss_mib(pid)
    sent = requests_until(gateway, key, 20, rss_requests, stream_every=10)
    growth = rss_mib(pid) - before
    print(f"  RSS {before:.1f} MiB after {warm:,} warm-up requests, +{growth:.2f} MiB over {sent:,} more "
          f"(10 % streamed)   {verdict('rss_growth_mib', growth * 100_000 / max(sent, 1))}")


if __name__ == "__main__":
    run()
