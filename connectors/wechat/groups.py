"""Announcements to micro-grid groups through group robots (群机器人).

Each grid's group has a robot webhook (``MINSHENG_WECHAT_GROUP_WEBHOOKS``: grid code -> URL);
a message posted to it appears in the group. Robots only speak: residents' messages in the
group are not delivered to us. A group is many people, so nothing personal goes there: every
announcement is masked (phones, ID numbers, names) before it leaves.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

import aiohttp

from bot.ports import DeliveryError
from bot.privacy import mask_text
from connectors.wechat import texts

log = logging.getLogger(__name__)

__all__ = ["GroupRobots"]

#: A robot's text messages are capped at 2048 bytes of UTF-8.
MAX_CONTENT_BYTES = 2048


def _fit(text: str) -> str:
    data = text.encode("utf-8")
    if len(data) <= MAX_CONTENT_BYTES:
        return text
    return data[: MAX_CONTENT_BYTES - 3].decode("utf-8", "ignore") + "…"


class GroupRobots:
    def __init__(self, webhooks: Mapping[str, str], *, timeout: float = 10.0) -> None:
        self._webhooks = dict(webhooks)
        self._timeout = timeout
        self._http: aiohttp.ClientSession | None = None

    def has(self, grid_code: str) -> bool:
        return grid_code in self._webhooks

    @property
    def grids(self) -> list[str]:
        return sorted(self._webhooks)

    async def announce(self, grid_code: str, text: str) -> None:
        """Post ``text`` (masked) to the grid's group; :class:`DeliveryError` if it fails."""
        url = self._webhooks.get(grid_code)
        if url is None:
            raise DeliveryError(f"no group robot for grid {grid_code}", permanent=True)
        if self._http is None:
            self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self._timeout))
        body = {"msgtype": "text", "text": {"content": _fit(mask_text(text))}}
        try:
            async with self._http.post(url, json=body) as response:
                result = await response.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            raise DeliveryError(f"group robot unreachable: {type(exc).__name__}") from exc
        code = int(result.get("errcode", -1)) if isinstance(result, dict) else -1
        if code != 0:
            # 93000: the robot's key is invalid (removed from the group): not worth retrying.
            raise DeliveryError(f"group robot error {code}", permanent=code == 93000)
        log.info("announcement posted to the group of grid %s", grid_code)

    async def aclose(self) -> None:
        if self._http is not None:
            await self._http.close()


def announcement(text: str, title: str = texts.ANNOUNCEMENT_TITLE) -> str:
    return texts.ANNOUNCEMENT.format(title=title, text=text)
