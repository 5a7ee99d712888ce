"""A sliding-window limit per key (a session, a client address), in this worker.

Good enough to stop one phone or one script hammering the API; with several workers each
counts its own share (the limit is per worker), which errs on the side of letting residents
through.
"""

from __future__ import annotations

import time
from collections import deque

from bot.errors import RateLimited

__all__ = ["RateLimiter"]


class RateLimiter:
    def __init__(self, limit: int, window: float = 60.0, *, max_keys: int = 100_000) -> None:
        self.limit = limit
        self.window = window
        self.max_keys = max_keys
        self._hits: dict[str, deque[float]] = {}

    def hit(self, key: str, now: float | None = None) -> None:
        """Count one request of ``key``. Raises RateLimited (with the wait) over the limit."""
        moment = time.monotonic() if now is None else now
        hits = self._hits.get(key)
        if hits is None:
            if len(self._hits) >= self.max_keys:
                self._forget_idle(moment)
            hits = self._hits[key] = deque()
        while hits and hits[0] <= moment - self.window:
            hits.popleft()
        if len(hits) >= self.limit:
            raise RateLimited("too many requests", retry_after=hits[0] + self.window - moment)
        hits.append(moment)

    def _forget_idle(self, moment: float) -> None:
        idle = [k for k, h in self._hits.items() if not h or h[-1] <= moment - self.window]
        for key in idle:
            del self._hits[key]
        if len(self._hits) >= self.max_keys:  # all busy: drop the oldest half
            for key in list(self._hits)[: self.max_keys // 2]:
                del self._hits[key]
