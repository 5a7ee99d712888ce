"""The access token: fetched once, shared by every worker, refreshed once.

WeChat hands out one access token per app at a time (a new one retires the old after a few
minutes) and limits how often it may be fetched, so workers must not each fetch their own.
:class:`TokenCache` keeps it in Redis when ``MINSHENG_REDIS_URL`` is set (in memory
otherwise) and fetches under a lock — a Redis lock across processes — re-reading the cache
once the lock is held, so of many workers finding it missing only the first fetches.

It is also wechatpy's session storage: the SDK reads the token through :meth:`get` and so
never fetches one itself (its fetch would ignore ``MINSHENG_WECHAT_API_BASE``). Everything
here is synchronous, like wechatpy, and runs in worker threads.
"""

from __future__ import annotations

import threading
import time
from typing import Any, Protocol

import requests
from wechatpy.exceptions import WeChatClientException

__all__ = ["TokenCache"]

# Fetch a new token this long before WeChat's expiry, so no call carries a dying one.
EXPIRY_MARGIN_SECONDS = 300
LOCK_SECONDS = 15.0


class _Backend(Protocol):
    def get(self, key: str) -> str | None: ...
    def set(self, key: str, value: str, ttl: float) -> None: ...
    def delete_if(self, key: str, value: str) -> None: ...
    def lock(self, key: str) -> Any: ...


class _MemoryBackend:
    def __init__(self) -> None:
        self._values: dict[str, tuple[str, float]] = {}
        self._guard = threading.Lock()
        self._locks: dict[str, threading.Lock] = {}

    def get(self, key: str) -> str | None:
        with self._guard:
            found = self._values.get(key)
        if found is None or found[1] <= time.monotonic():
            return None
        return found[0]

    def set(self, key: str, value: str, ttl: float) -> None:
        with self._guard:
            self._values[key] = (value, time.monotonic() + ttl)

    def delete_if(self, key: str, value: str) -> None:
        with self._guard:
            if self._values.get(key, ("",))[0] == value:
                del self._values[key]

    def lock(self, key: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(key, threading.Lock())


class _RedisBackend:
    # Compare-and-delete: only the token that failed is dropped, never a newer one.
    _DELETE_IF = "if redis.call('get', KEYS[1]) == ARGV[1] then redis.call('del', KEYS[1]) end"

    def __init__(self, url: str) -> None:
        from redis import Redis

        self._redis = Redis.from_url(url, decode_responses=True)

    def get(self, key: str) -> str | None:
        value = self._redis.get(key)
        return str(value) if value is not None else None

    def set(self, key: str, value: str, ttl: float) -> None:
        self._redis.set(key, value, px=max(int(ttl * 1000), 1))

    def delete_if(self, key: str, value: str) -> None:
        self._redis.eval(self._DELETE_IF, 1, key, value)

    def lock(self, key: str) -> Any:
        return self._redis.lock(key, timeout=LOCK_SECONDS, blocking_timeout=LOCK_SECONDS)

    def close(self) -> None:
        self._redis.close()


class TokenCache:
    """The app's access token, and wechatpy's session storage (``get/set/delete``)."""

    def __init__(
        self, api_base: str, app_id: str, secret: str, *, redis_url: str = "",
        namespace: str = "minsheng:wechat:", timeout: float = 10.0,
    ) -> None:
        self._url = api_base.rstrip("/") + "/cgi-bin/token"
        self.app_id = app_id
        self._secret = secret
        self._timeout = timeout
        self._backend: _Backend = _RedisBackend(redis_url) if redis_url else _MemoryBackend()
        self._key = f"{namespace}token:{app_id}"
        self._lock_key = f"{namespace}token-lock:{app_id}"
        self._http = requests.Session()
        #: How many tokens this process fetched (benches and tests read it).
        self.fetches = 0

    # -- wechatpy's session storage ------------------------------------------------------

    def get(self, key: str, default: Any = None) -> Any:
        if key == f"{self.app_id}_access_token":
            return self.token()
        return default

    def set(self, key: str, value: Any, ttl: float | None = None) -> None:
        """wechatpy stores only tokens it was given; ours are stored by :meth:`token`."""

    def delete(self, key: str) -> None:
        """Tokens are dropped through :meth:`invalidate` only (compare-and-delete)."""

    # -- the token -----------------------------------------------------------------------

    def token(self) -> str:
        cached = self._backend.get(self._key)
        if cached:
            return cached
        with self._backend.lock(self._lock_key):
            cached = self._backend.get(self._key)  # another worker may have fetched it
            if cached:
                return cached
            return self._fetch()

    def invalidate(self, stale: str) -> None:
        """WeChat called ``stale`` invalid or expired (40001, 42001): drop it unless another
        worker already replaced it, so the next call fetches one new token for everyone."""
        self._backend.delete_if(self._key, stale)

    def _fetch(self) -> str:
        response = self._http.get(
            self._url,
            params={"grant_type": "client_credential", "appid": self.app_id,
                    "secret": self._secret},
            timeout=self._timeout,
        )
        response.raise_for_status()
        result = response.json()
        if result.get("errcode"):
            raise WeChatClientException(result["errcode"], result.get("errmsg", ""))
        token = str(result["access_token"])
        expires_in = float(result.get("expires_in", 7200))
        self._backend.set(self._key, token, max(expires_in - EXPIRY_MARGIN_SECONDS, 60.0))
        self.fetches += 1
        return token

    def close(self) -> None:
        self._http.close()
        if isinstance(self._backend, _RedisBackend):
            self._backend.close()
