"""Rate limits while Redis is unreachable: counted in the process, or refused, as the settings say."""

from __future__ import annotations

import pytest
from bench.environment import redis_server
from redis.asyncio import Redis

from aipair.gateway.ratelimit import RedisLimiter, Window
from aipair.gateway.ratelimit_fallback import FallbackLimiter, RateLimiterUnavailable
from tests.fixtures.live_gateway import free_port

WINDOWS = [Window("rpm:company", limit=2, seconds=60)]


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def limiter(port: int, mode: str, clock: Clock) -> FallbackLimiter:
    client = Redis.from_url(f"redis://127.0.0.1:{port}/0", socket_timeout=0.2, socket_connect_timeout=0.2)
    return FallbackLimiter(RedisLimiter(client, prefix=f"test:{port}:"), mode, clock=clock)  # type: ignore[arg-type]


async def test_without_redis_the_local_mode_counts_in_the_process_and_redis_is_used_again_once_back() -> None:
    port, clock = free_port(), Clock()
    limits = limiter(port, "local", clock)
    first, second, third = [await limits.acquire(WINDOWS) for _ in range(3)]
    assert (first.allowed, second.allowed, third.allowed) == (True, True, False)  # the limit still holds
    assert limits.degraded
    with redis_server(port):
        clock.now += 0.5
        assert (await limits.acquire(WINDOWS)).allowed is False  # not asked again before a second
        assert limits.degraded
        clock.now += 1.0
        assert (await limits.acquire(WINDOWS)).allowed is True  # Redis's own, fresh count
        assert not limits.degraded
    await limits.close()


async def test_without_redis_the_refuse_mode_answers_503_with_retry_after() -> None:
    limits = limiter(free_port(), "refuse", Clock())
    with pytest.raises(RateLimiterUnavailable) as refused:
        await limits.acquire(WINDOWS)
    assert refused.value.status_code == 503 and refused.value.headers["Retry-After"] == "1"
    assert refused.value.code == "rate_limiter_unavailable"
    await limits.close()
