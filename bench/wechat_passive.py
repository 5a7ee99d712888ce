"""WeChat Official Account under load: the share of messages answered passively within 5 s.

    .venv/bin/python bench/wechat_passive.py                    # 50 residents at once, SQLite
    .venv/bin/python bench/wechat_passive.py --residents 50 \
        --database-url postgresql://postgres@127.0.0.1:5432/bench --redis-url redis://127.0.0.1:6379/0

The whole gateway is served on 127.0.0.1 (real HTTP, background workers on) next to a fake
of WeChat's API (tests/connectors/wechat_fake.py). Each simulated resident does what the
README's story does, the way WeChat delivers it (signed XML): scan a building's QR code
(subscribe with ``qrscene_``), send a photo, report by voice (with WeChat's transcript),
answer the bot's questions until the ticket number arrives, then ask for the status. A reply
that comes as a customer-service message instead is read there and the resident goes on.

WeChat waits 5 seconds for an answer. A message counts as *passive within 5 s* when its HTTP
answer is the reply itself (not "success") and arrived within 5 s; the others were answered
"success" and their replies went out as customer-service messages (counted too). Prints the
share, latency (median, p95, p99) and the tickets filed.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from aiohttp import ClientSession, web  # noqa: E402

from bot.app import create_app  # noqa: E402
from bot.appkeys import RUNTIME  # noqa: E402
from bot.config import load_settings  # noqa: E402
from tests.connectors.wechat_fake import (  # noqa: E402
    AMR,
    APP_ID,
    APP_SECRET,
    JPEG,
    TOKEN,
    FakeWeChatApi,
    WeChatServer,
    message_xml,
    next_answer,
)
from tests.e2e.resident import find_ticket_number  # noqa: E402

LIMIT = 5.0
REPORTS = [
    "楼道的灯坏了，晚上很黑",
    "楼下垃圾桶满了好几天没人清运",
    "电梯又坏了，老人上不去楼",
    "楼上装修噪音太大了",
    "单元门口的下水道堵了，污水漫出来了",
]
MAX_TURNS = 12


class _Client:
    """What WeChatServer needs of a client: ``post(path, params=, data=)``."""

    def __init__(self, session: ClientSession, base: str) -> None:
        self._session, self._base = session, base

    async def post(self, path: str, **kwargs: Any) -> Any:
        return await self._session.post(self._base + path, **kwargs)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


async def pushed_to(fake: FakeWeChatApi, openid: str, seen: int, timeout: float = 60.0) -> str:
    """The next customer-service message to ``openid`` (a reply that came late)."""
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        mine = [m["text"]["content"] for m in fake.custom_sent if m["touser"] == openid]
        if len(mine) > seen:
            return "\n\n".join(mine[seen:])
        await asyncio.sleep(0.05)
    return ""


async def resident(wechat: WeChatServer, fake: FakeWeChatApi, number: int, code: str,
                   samples: list[tuple[float, bool]]) -> bool:
    openid = f"o-bench-{number}"

    async def send(body: str) -> str:
        seen = len([m for m in fake.custom_sent if m["touser"] == openid])
        started = time.perf_counter()
        posted = await wechat.post(body)
        elapsed = time.perf_counter() - started
        text = wechat.reply_text(posted) if posted.status == 200 else ""
        samples.append((elapsed, bool(text) and elapsed <= LIMIT))
        if not text:
            # "success": the reply follows as a customer-service message; read it there.
            text = await pushed_to(fake, openid, seen)
        return text

    await send(message_xml(openid, "event", Event="subscribe", EventKey=f"qrscene_{code}"))
    await send(message_xml(openid, "image", MediaId="m-photo"))
    reply = await send(message_xml(openid, "voice", MediaId="m-voice", Format="amr",
                                   Recognition=REPORTS[number % len(REPORTS)]))
    for _ in range(MAX_TURNS):
        if find_ticket_number([reply]):
            await send(message_xml(openid, "text", Content="我的工单怎么样了"))
            return True
        if not reply:  # no answer at all, not even a late one
            return False
        _, words = next_answer(reply, photo_sent=True)
        reply = await send(message_xml(openid, "text", Content=words))
    return False


async def run(args: argparse.Namespace) -> None:
    fake = FakeWeChatApi()
    api_base = await fake.start()
    fake.media["m-photo"] = (JPEG, "image/jpeg")
    fake.media["m-voice"] = (AMR, "audio/amr")
    with tempfile.TemporaryDirectory() as tmp:
        overrides: dict[str, object] = {
            "var_dir": Path(tmp), "redis_url": args.redis_url or "",
            "database_url": args.database_url or f"sqlite:///{tmp}/bench.db",
            "wechat_token": TOKEN, "wechat_app_id": APP_ID, "wechat_app_secret": APP_SECRET,
            "wechat_api_base": api_base,
        }
        if args.aes_key:
            overrides["wechat_aes_key"] = args.aes_key
        if args.model_dir:
            overrides["model_dir"] = Path(args.model_dir)
        runner = web.AppRunner(create_app(load_settings(**overrides)))
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        runtime = runner.app[RUNTIME]
        codes = [b.building_code for b in runtime.addresses.nearest(36.8336, 118.0497, k=50)]
        samples: list[tuple[float, bool]] = []
        try:
            async with ClientSession() as session:
                wechat = WeChatServer(_Client(session, f"http://127.0.0.1:{port}"),
                                      safe_mode=bool(args.aes_key))
                started = time.perf_counter()
                filed = await asyncio.gather(*(
                    resident(wechat, fake, n, codes[n % len(codes)], samples)
                    for n in range(args.residents)
                ))
                elapsed = time.perf_counter() - started
            await asyncio.sleep(2)  # let the dispatcher deliver late replies
            if args.show_pushes:
                for sent in fake.custom_sent[:10]:
                    print(sent["touser"], sent["text"]["content"][:80].replace("\n", " "))
        finally:
            await runner.cleanup()
            await fake.close()
    latencies = [s[0] for s in samples]
    passive = sum(1 for s in samples if s[1])
    backend = "postgresql" if "postgres" in (args.database_url or "") else "sqlite"
    print(f"database={backend} state={'redis' if args.redis_url else 'memory'} "
          f"residents={args.residents} (all at once) safe_mode={bool(args.aes_key)}")
    print(f"messages: {len(samples)} in {elapsed:.1f} s")
    print(f"passive-reply share (answered in the HTTP response within {LIMIT:g} s): "
          f"{passive}/{len(samples)} = {passive / len(samples):.1%}")
    print(f"not answered passively within {LIMIT:g} s (their replies follow as customer-service "
          f"messages): {len(samples) - passive}; customer-service messages sent in all "
          f"(late replies and pushes such as cluster notices): {len(fake.custom_sent)}")
    print(f"latency: median {statistics.median(latencies) * 1000:.0f} ms, "
          f"p95 {percentile(latencies, 95) * 1000:.0f} ms, "
          f"p99 {percentile(latencies, 99) * 1000:.0f} ms, max {max(latencies) * 1000:.0f} ms")
    print(f"tickets filed: {sum(filed)} of {args.residents}; "
          f"access tokens fetched: {fake.tokens_issued}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--residents", type=int, default=50)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--redis-url", default="")
    parser.add_argument("--aes-key", default="", help="43 characters: safe mode")
    parser.add_argument("--show-pushes", action="store_true", help="print the first pushes")
    parser.add_argument("--model-dir", default="", help="default: var/models (trained if missing)")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
