"""Rate limits: one mechanism for every endpoint, per sender, per IP and per API key.

A :class:`RateLimiter` checks a named :class:`Limit` for one key (a sender, a hashed IP, an
API key) and raises :class:`~bot.errors.RateLimited` with the seconds to wait when the key
is over it. The algorithm is GCRA (the generic cell rate algorithm, a token bucket kept as
one timestamp): ``count`` requests per ``per`` seconds, all of them allowed in a burst, then
one every ``per / count`` seconds. One timestamp per key means one Redis ``SET`` per check.

Backends: :class:`MemoryBackend` (one process, the embedded default) and
:class:`RedisBackend` (a Lua script, atomic across workers) — :func:`create_rate_limiter`
picks Redis when ``MINSHENG_REDIS_URL`` is set, so limits hold for the whole deployment.
Keys are hashed before they are stored: no sender id or address sits in Redis.

The limits come from the settings (``MINSHENG_RATE_*``, see :class:`RateLimits`); the
defaults are far above what a resident types in a chat, so only scripts meet them.

How to use it (the web channel, Open311 and ``/model/parse`` do exactly this)::

    # 1. Per request, by client address, for a whole group of routes: a middleware.
    app.middlewares.append(rate_limit_middleware(RATE_LIMITER, [
        Rule("miniprogram", "/miniprogram/", "ip"),         # limits.ip
        Rule("upload", "/webhooks/rest/upload", "upload_ip", methods={"POST"}),
    ]))

    # 2. Inside a handler, once you know who is asking (a sender, an API key):
    limiter = request.app[RATE_LIMITER]
    await limiter.check("sender", f"{channel}:{sender}")   # raises RateLimited
    # ... and answer it with connectors.errors.error_response (429, Retry-After,
    # JSON {"error": {"code": "rate_limited", "message": "请求太频繁了…"}})
    # or, from a middleware/page, with :func:`too_many_requests`.

    # 3. In a chat turn on a platform that must get 200: Gateway.receive answers the
    #    polite line RATE_LIMITED_TEXT instead of running the dialogue.

The client address is :func:`client_ip` (``X-Forwarded-For`` only from a trusted proxy,
``MINSHENG_TRUSTED_PROXIES``).
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import math
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from aiohttp import web
from aiohttp.typedefs import Middleware
from redis.exceptions import RedisError

from bot.errors import RateLimited

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from redis.asyncio import Redis

    from bot.config import Settings

__all__ = [
    "RATE_LIMITED_TEXT",
    "Limit",
    "MemoryBackend",
    "RateLimiter",
    "RateLimits",
    "RedisBackend",
    "Rule",
    "client_ip",
    "create_rate_limiter",
    "rate_limit_middleware",
    "too_many_requests",
]

#: What a resident reads when they send faster than any person types (chat channels).
RATE_LIMITED_TEXT = "您发送得太快了，请稍等 {seconds} 秒再发。您之前的消息我们都收到了。"
#: The sentence of a 429 answer (pages and JSON errors).
TOO_MANY_TEXT = "请求太频繁了，请 {seconds} 秒后再试。"

Clock = Callable[[], float]


@dataclass(frozen=True, slots=True)
class Limit:
    """``count`` requests per ``per`` seconds (0 or less: unlimited)."""

    count: int
    per: float

    @property
    def unlimited(self) -> bool:
        return self.count <= 0 or self.per <= 0


@dataclass(frozen=True, slots=True)
class RateLimits:
    """The named limits of one deployment (from :class:`~bot.config.Settings`)."""

    sender: Limit = Limit(30, 60)  # chat messages per resident
    ip: Limit = Limit(300, 60)  # requests per client address to a limited route
    api_key: Limit = Limit(600, 60)  # Open311 POSTs per partner key
    upload: Limit = Limit(20, 600)  # uploads per resident
    upload_ip: Limit = Limit(60, 600)  # uploads per client address
    parse: Limit = Limit(300, 60)  # /model/parse per client address
    extra: dict[str, Limit] = field(default_factory=dict)

    @classmethod
    def from_settings(cls, settings: Settings) -> RateLimits:
        return cls(
            sender=Limit(settings.rate_sender_per_minute, 60),
            ip=Limit(settings.rate_ip_per_minute, 60),
            api_key=Limit(settings.rate_api_key_per_minute, 60),
            upload=Limit(settings.rate_upload_per_10_minutes, 600),
            upload_ip=Limit(settings.rate_upload_ip_per_10_minutes, 600),
            parse=Limit(settings.rate_parse_per_minute, 60),
        )

    def get(self, name: str) -> Limit:
        if name in self.extra:
            return self.extra[name]
        found = getattr(self, name, None)
        if not isinstance(found, Limit):
            raise KeyError(f"no rate limit named {name!r}")
        return found


class Backend(Protocol):
    async def hit(self, key: str, limit: Limit, now: float) -> float:
        """Count one request; 0 if allowed, else the seconds until one would be."""


class MemoryBackend:
    """One process: the theoretical arrival time per key, oldest keys dropped past a cap."""

    def __init__(self, max_keys: int = 100_000) -> None:
        self._tat: OrderedDict[str, float] = OrderedDict()
        self._max_keys = max_keys

    async def hit(self, key: str, limit: Limit, now: float) -> float:
        interval = limit.per / limit.count
        tat = max(self._tat.get(key, now), now)
        new_tat = tat + interval
        if new_tat - now > limit.per + 1e-9:
            return new_tat - limit.per - now
        self._tat[key] = new_tat
        self._tat.move_to_end(key)
        while len(self._tat) > self._max_keys:
            self._tat.popitem(last=False)
        return 0.0


# KEYS[1] the key; ARGV now, interval, period (seconds). Returns "0" or the wait, as text
# (Lua numbers come back to Python as integers).
_GCRA = """
local now = tonumber(ARGV[1])
local interval = tonumber(ARGV[2])
local period = tonumber(ARGV[3])
local tat = tonumber(redis.call('GET', KEYS[1]) or ARGV[1])
if tat < now then tat = now end
local new_tat = tat + interval
if new_tat - now > period + 1e-9 then
    return tostring(new_tat - period - now)
end
redis.call('SET', KEYS[1], tostring(new_tat), 'PX', math.ceil((new_tat - now) * 1000) + 1)
return '0'
"""


class RedisBackend:
    """Shared by every worker: one atomic script per check."""

    def __init__(self, client: Redis, *, namespace: str = "minsheng:rl:") -> None:
        self._client = client
        self._ns = namespace
        self._script = client.register_script(_GCRA)

    @classmethod
    def from_url(cls, url: str) -> RedisBackend:
        from redis.asyncio import Redis

        return cls(Redis.from_url(url, decode_responses=True))

    async def hit(self, key: str, limit: Limit, now: float) -> float:
        result = await self._script(
            keys=[self._ns + key], args=[repr(now), repr(limit.per / limit.count), limit.per]
        )
        return float(result)

    async def close(self) -> None:
        await self._client.aclose()


class RateLimiter:
    """Checks named limits for keys; raises :class:`RateLimited` when one is exceeded."""

    def __init__(
        self,
        limits: RateLimits | None = None,
        backend: Backend | None = None,
        *,
        enabled: bool = True,
        clock: Clock = time.time,
    ) -> None:
        self.limits = limits or RateLimits()
        self.backend: Backend = backend or MemoryBackend()
        self.enabled = enabled
        self._clock = clock
        self._backend_down = False

    async def check(self, name: str, key: str) -> None:
        """Count one request of ``key`` against the limit ``name``.

        Raises:
            RateLimited: over the limit; ``retry_after`` is the wait in seconds.
            KeyError: no limit has that name (a programmer mistake).
        """
        limit = self.limits.get(name)
        if not self.enabled or limit.unlimited:
            return
        digest = hashlib.sha256(f"{name}\0{key}".encode("utf-8", "surrogatepass")).hexdigest()
        try:
            wait = await self.backend.hit(f"{name}:{digest[:32]}", limit, self._clock())
        except (RedisError, OSError) as exc:
            # Fail open: a limiter that cannot count must not turn every request away; what
            # needs Redis to work answers its own temporary error. Said once per outage.
            if not self._backend_down:
                log.warning("rate limits not enforced: the limiter's store is unreachable (%s)",
                            type(exc).__name__)
                self._backend_down = True
            return
        if self._backend_down:
            log.info("rate limits enforced again: the limiter's store is back")
            self._backend_down = False
        if wait > 0:
            raise RateLimited(f"rate limit {name!r} exceeded", retry_after=wait)

    async def close(self) -> None:
        closer = getattr(self.backend, "close", None)
        if closer is not None:
            await closer()


def create_rate_limiter(settings: Settings) -> RateLimiter:
    """Redis-backed when the deployment has Redis (limits hold across workers)."""
    backend: Backend = (
        RedisBackend.from_url(settings.redis_url) if settings.redis_url else MemoryBackend()
    )
    return RateLimiter(
        RateLimits.from_settings(settings), backend, enabled=settings.rate_limits_enabled
    )


# ---------------------------------------------------------------- HTTP side


def client_ip(request: web.Request, trusted_proxies: Collection[str] = ("127.0.0.1", "::1")) -> str:
    """The client's address: the peer, or — when the peer is a trusted proxy — the last
    address in ``X-Forwarded-For`` that is not itself a trusted proxy."""
    peer = request.remote or ""
    if peer not in trusted_proxies:
        return peer
    forwarded = request.headers.get("X-Forwarded-For", "")
    for candidate in reversed([part.strip() for part in forwarded.split(",") if part.strip()]):
        try:
            address = str(ipaddress.ip_address(candidate))
        except ValueError:
            break  # garbage: trust nothing further left
        if address not in trusted_proxies:
            return address
    return peer


def wait_seconds(exc: RateLimited) -> int:
    return max(1, math.ceil(exc.retry_after))


def too_many_requests(request: web.Request, exc: RateLimited) -> web.Response:
    """429 with Retry-After and a Chinese sentence: an HTML page for a browser asking for
    a page, else the JSON error every API of the gateway answers."""
    seconds = wait_seconds(exc)
    headers = {"Retry-After": str(seconds)}
    sentence = TOO_MANY_TEXT.format(seconds=seconds)
    if "text/html" in request.headers.get("Accept", "") and request.method == "GET":
        html = (
            '<!doctype html><html lang="zh-CN"><meta charset="utf-8">'
            f"<title>请稍后再试</title><p>{sentence}</p></html>"
        )
        return web.Response(
            text=html, status=429, content_type="text/html", charset="utf-8", headers=headers
        )
    return web.json_response(
        {"error": {"code": "rate_limited", "message": sentence, "retry_after": seconds}},
        status=429,
        headers=headers,
        dumps=_dumps,
    )


def _dumps(value: object) -> str:
    import json

    return json.dumps(value, ensure_ascii=False)


@dataclass(frozen=True, slots=True)
class Rule:
    """Limit ``limit`` (a name in :class:`RateLimits`) per client address on every request
    whose path starts with ``prefix`` (and whose method is in ``methods``, if given)."""

    name: str
    prefix: str
    limit: str = "ip"
    methods: Collection[str] = ()

    def matches(self, request: web.Request) -> bool:
        if self.methods and request.method not in self.methods:
            return False
        return request.path == self.prefix or request.path.startswith(self.prefix)


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def rate_limit_middleware(
    limiter_key: web.AppKey[RateLimiter],
    rules: Sequence[Rule],
    *,
    trusted_proxies: Collection[str] = ("127.0.0.1", "::1"),
) -> Middleware:
    """An aiohttp middleware applying ``rules`` per client address; the limiter is read
    from the app under ``limiter_key`` (absent: the app has not started, nothing limited)."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        matching = [rule for rule in rules if rule.matches(request)]
        limiter = request.app.get(limiter_key) if matching else None
        if limiter is not None:
            address = client_ip(request, trusted_proxies)
            try:
                for rule in matching:
                    await limiter.check(rule.limit, f"{rule.name}:{address}")
            except RateLimited as exc:
                return too_many_requests(request, exc)
        return await handler(request)

    return middleware
