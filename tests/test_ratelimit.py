"""The one rate limiter: GCRA in-process and in Redis (shared by workers), the client
address behind a trusted proxy, and the polite 429 of the reusable middleware."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import make_mocked_request

from bot.errors import RateLimited
from bot.ratelimit import (
    Limit,
    MemoryBackend,
    RateLimiter,
    RateLimits,
    RedisBackend,
    Rule,
    client_ip,
    rate_limit_middleware,
)


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def limiter(backend: Any, clock: Clock, count: int = 3, per: float = 60) -> RateLimiter:
    return RateLimiter(RateLimits(sender=Limit(count, per)), backend, clock=clock)


async def _burst_then_refill(make: RateLimiter, clock: Clock) -> None:
    for _ in range(3):
        await make.check("sender", "web\0u1")
    with pytest.raises(RateLimited) as refused:
        await make.check("sender", "web\0u1")
    assert 0 < refused.value.retry_after <= 20 + 1e-6  # one slot every 60/3 s
    await make.check("sender", "web\0u2")  # another sender has their own budget
    clock.now += 20
    await make.check("sender", "web\0u1")  # one slot refilled
    with pytest.raises(RateLimited):
        await make.check("sender", "web\0u1")


async def test_memory_backend_bursts_then_refills() -> None:
    clock = Clock()
    await _burst_then_refill(limiter(MemoryBackend(), clock), clock)


async def test_redis_backend_is_one_budget_for_every_worker(
    redis_namespace: tuple[str, str],
) -> None:
    url, prefix = redis_namespace
    clock = Clock()
    workers = [RedisBackend.from_url(url) for _ in range(2)]
    for backend in workers:
        backend._ns = prefix  # the test's own keys, removed afterwards
    try:
        one, two = (limiter(backend, clock) for backend in workers)
        await one.check("sender", "web\0u1")
        await two.check("sender", "web\0u1")
        await one.check("sender", "web\0u1")
        with pytest.raises(RateLimited):
            await two.check("sender", "web\0u1")  # the other worker's hits counted
        clock.now += 20
        await two.check("sender", "web\0u1")
    finally:
        for backend in workers:
            await backend.close()


async def test_zero_or_disabled_means_unlimited() -> None:
    clock = Clock()
    off = limiter(MemoryBackend(), clock, count=0)
    for _ in range(100):
        await off.check("sender", "u")
    disabled = RateLimiter(RateLimits(sender=Limit(1, 60)), enabled=False)
    for _ in range(5):
        await disabled.check("sender", "u")


def test_forwarded_address_only_from_a_trusted_proxy() -> None:
    def request(peer: str, forwarded: str) -> web.Request:
        headers = {"X-Forwarded-For": forwarded}
        return make_mocked_request("GET", "/", headers=headers).clone(remote=peer)

    proxies = ("127.0.0.1", "10.0.0.2")
    assert client_ip(request("198.51.100.7", "203.0.113.9"), proxies) == "198.51.100.7"
    assert client_ip(request("127.0.0.1", "203.0.113.9, 10.0.0.2"), proxies) == "203.0.113.9"
    assert client_ip(request("127.0.0.1", "203.0.113.9, 10.0.0.3"), proxies) == "10.0.0.3"
    assert client_ip(request("127.0.0.1", "not an address"), proxies) == "127.0.0.1"
    assert client_ip(request("127.0.0.1", ""), proxies) == "127.0.0.1"


async def test_middleware_answers_429_in_chinese_json_or_html(aiohttp_client: Any) -> None:
    key: web.AppKey[RateLimiter] = web.AppKey("limiter")
    app = web.Application(
        middlewares=[rate_limit_middleware(key, [Rule("api", "/api/", "ip")])]
    )
    app[key] = RateLimiter(RateLimits(ip=Limit(2, 60)))

    async def hello(request: web.Request) -> web.Response:
        return web.Response(text="ok")

    app.router.add_get("/api/x", hello)
    app.router.add_get("/free", hello)
    client = await aiohttp_client(app)
    assert [(await client.get("/api/x")).status for _ in range(2)] == [200, 200]
    refused = await client.get("/api/x")
    assert refused.status == 429 and int(refused.headers["Retry-After"]) >= 1
    error = (await refused.json())["error"]
    assert error["code"] == "rate_limited" and "请求太频繁了" in error["message"]
    page = await client.get("/api/x", headers={"Accept": "text/html"})
    assert page.status == 429 and "请求太频繁了" in await page.text()
    assert page.content_type == "text/html"
    assert (await client.get("/free")).status == 200  # unmatched routes are not counted
