"""Dialogue turns through the whole engine: throughput and per-turn latency.

    uv run python bench/flow_turns.py                       # 200 reports, 20 at a time, SQLite
    uv run python bench/flow_turns.py --reports 500 --concurrency 50 \
        --database-url postgresql://postgres@127.0.0.1:5432/bench --redis-url redis://127.0.0.1:6379/0

Each simulated resident files one complete report (one of five first messages, then the
answers to whatever the bot asks: which community, follow or file anew, skip the photo and
the phone, 实名, confirm) and then asks for its status,
through Engine.handle: de-dup, lock, state load/save, NLU, flows, address resolver, ticket
filing. Prints turns per second, latency (median, p99) of the turns that file a ticket and
of all the others, and how many tickets were filed.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.config import load_settings  # noqa: E402
from bot.messages import InboundMessage  # noqa: E402
from bot.runtime import Runtime  # noqa: E402

FIRST_MESSAGES = [
    "锦园小区2号楼楼道灯坏了,晚上很黑",
    "文苑公寓3号楼电梯又坏了,老人上不去楼",
    "佳园小区1号楼楼下垃圾桶满了好几天没人清运",
    "文苑公寓1号楼楼上装修噪音太大了",
    "华光路上井盖丢了,晚上很危险",
]
# What the resident answers to each question (the button whose title contains the word).
ANSWERS = {
    "ask_community": "城南社区",
    "ask_building": "1号楼",
    "ask_category_options": "",
    "ask_follow_duplicate": "继续登记",
    "ask_evidence": "跳过",
    "ask_phone": "暂不留电话",
    "ask_anonymous": "实名反映",
    "confirm_report": "确认提交",
    "ask_address": "文苑公寓2号楼",
}
MAX_TURNS = 12


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def answer(replies: list, keys: list[str]) -> str | None:
    """The resident's next message: tap the matching button, or type the answer."""
    buttons = [b for r in replies for b in r.buttons]
    for key in reversed(keys):
        if key in ANSWERS:
            wanted = ANSWERS[key]
            for button in buttons:
                if wanted in button.title:
                    return button.payload
            return wanted or None
    return None


async def resident(
    runtime: Runtime, number: int, latencies: list[float], filing: list[float]
) -> bool:
    sender = f"bench-{number}"
    text: str | None = FIRST_MESSAGES[number % len(FIRST_MESSAGES)]
    for turn in range(MAX_TURNS):
        if text is None:
            return False
        message = InboundMessage(
            channel="web", sender_id=sender, text=text, message_id=f"{sender}-{turn}"
        )
        started = time.perf_counter()
        replies = await runtime.engine.handle(message)
        latencies.append(time.perf_counter() - started)
        keys = [k for r in replies for k in r.custom.get("responses", [])]
        if any(k.startswith("ticket_filed") for k in keys):
            filing.append(latencies.pop())
            status = InboundMessage(
                channel="web",
                sender_id=sender,
                text="我的工单怎么样了",
                message_id=f"{sender}-status",
            )
            started = time.perf_counter()
            await runtime.engine.handle(status)
            latencies.append(time.perf_counter() - started)
            return True
        text = answer(replies, keys)
    return False


async def run(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        overrides: dict[str, object] = {"var_dir": Path(tmp), "redis_url": args.redis_url or ""}
        if args.model_dir:
            overrides["model_dir"] = Path(args.model_dir)
        overrides["database_url"] = args.database_url or f"sqlite:///{tmp}/bench.db"
        runtime = await Runtime.start(load_settings(**overrides), background=False)
        try:
            latencies: list[float] = []
            filing: list[float] = []
            semaphore = asyncio.Semaphore(args.concurrency)

            async def one(number: int) -> bool:
                async with semaphore:
                    return await resident(runtime, number, latencies, filing)

            started = time.perf_counter()
            results = await asyncio.gather(*(one(n) for n in range(args.reports)))
            elapsed = time.perf_counter() - started
        finally:
            await runtime.stop()
    turns = len(latencies) + len(filing)
    backend = "postgresql" if "postgres" in (args.database_url or "") else "sqlite"
    store = "redis" if args.redis_url else "memory"
    print(f"database={backend} state={store} reports={args.reports} concurrency={args.concurrency}")
    print(f"turns: {turns} in {elapsed:.2f} s = {turns / elapsed:.1f} turns/s")
    for label, values in (("dialogue turns", latencies), ("filing turns", filing)):
        print(
            f"{label}: median {statistics.median(values) * 1000:.1f} ms, "
            f"p99 {percentile(values, 99) * 1000:.1f} ms"
        )
    print(f"tickets filed: {sum(results)} of {args.reports}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--redis-url", default="")
    parser.add_argument("--model-dir", default="", help="default: var/models (trained if missing)")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
