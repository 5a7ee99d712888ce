"""What one message costs at least: the parts every turn of bench/load.py's mix pays.

    .venv/bin/python bench/turn_floor.py --echo 6800

Times, one at a time on one thread (uvloop, warmed up), the pieces a resident's message
goes through besides the dialogue's own logic: the NLU parse of the mix's messages, one
ticket query as the gateway runs it (a statement built once, through SQLAlchemy's async
session) on SQLite and on PostgreSQL, and one conversation turn of the state store (lock,
read state, write state, release) in process and on Redis. With ``--echo`` (the bare
echo's msg/s from bench/load.py, same machine) it prints the CPU budget per message that
a third of the echo's throughput leaves, against the sum of these parts.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

import uvloop

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.load import CONTACT, REPORTS, STATUS  # noqa: E402
from bot.config import load_settings  # noqa: E402
from bot.db.engine import create_engine_for, make_session_factory  # noqa: E402
from bot.db.migrate import upgrade  # noqa: E402
from bot.nlu_setup import ensure_model  # noqa: E402
from bot.state import MemoryStateStore, RedisStateStore, StateStore  # noqa: E402
from bot.tickets.service import _AWAITING_INFO  # noqa: E402

ROUNDS = 2000


def cpu_us(fn: Callable[[], object], rounds: int = ROUNDS) -> float:
    """Median CPU microseconds of ``fn()`` over ``rounds`` calls, after a warm-up."""
    for _ in range(50):
        fn()
    times = []
    for _ in range(rounds):
        started = time.process_time_ns()
        fn()
        times.append((time.process_time_ns() - started) / 1000)
    return statistics.median(times)


async def acpu_us(fn: Callable[[], Awaitable[object]], rounds: int = ROUNDS) -> float:
    """CPU microseconds per awaited call (the mean: a loopback round trip's CPU is spread
    over the loop's own work, so a median of single calls says little)."""
    for _ in range(50):
        await fn()
    started = time.process_time_ns()
    for _ in range(rounds):
        await fn()
    return (time.process_time_ns() - started) / 1000 / rounds


async def query_us(url: str) -> float:
    await upgrade(url)
    engine = create_engine_for(url)
    sessions = make_session_factory(engine)

    async def once() -> object:
        async with sessions() as session:
            rows = await session.exec(
                _AWAITING_INFO, params={"channel": "web", "user_id": uuid.uuid4().hex}
            )
            return list(rows)

    try:
        return await acpu_us(once)
    finally:
        await engine.dispose()


async def turn_us(store: StateStore) -> float:
    state = {"stack": [{"flow": "report_issue", "slots": {"description": "楼道灯坏了" * 5}}]}

    async def once() -> None:
        key = f"conv:web:{uuid.uuid4().hex[:4]}"
        async with store.locked(key, [key, f"reply:{key}"]) as turn:
            turn.put(key, state, ttl=60)

    try:
        return await acpu_us(once)
    finally:
        await store.close()


async def scratch_postgres(server: str) -> str:
    import asyncpg

    name = f"minsheng_floor_{uuid.uuid4().hex[:8]}"
    conn = await asyncpg.connect(f"{server}/postgres")
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return f"{server}/{name}"


async def drop_postgres(server: str, url: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(f"{server}/postgres")
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')
    finally:
        await conn.close()


async def measure(args: argparse.Namespace) -> dict[str, float]:
    figures: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as scratch:
        figures["SQL query, SQLite"] = await query_us(f"sqlite:///{scratch}/floor.db")
    url = await scratch_postgres(args.pg_server)
    try:
        figures["SQL query, PostgreSQL"] = await query_us(url)
    finally:
        await drop_postgres(args.pg_server, url)
    figures["state turn, in process"] = await turn_us(MemoryStateStore())
    namespace = f"minsheng-floor:{uuid.uuid4().hex[:6]}:"
    figures["state turn, Redis"] = await turn_us(
        RedisStateStore.from_url(args.redis_url, namespace=namespace)
    )
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--echo", type=float, help="the bare echo's msg/s (bench/load.py)")
    parser.add_argument("--pg-server", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/12")
    parser.add_argument("--model-dir", type=Path, default=ROOT / "var" / "models")
    args = parser.parse_args()

    model = ensure_model(load_settings(model_dir=args.model_dir))
    parse = {
        "NLU parse, report opening": statistics.median(
            cpu_us(lambda t=t: model.parse(t)) for t in REPORTS
        ),
        "NLU parse, status or contact question": statistics.median(
            cpu_us(lambda t=t: model.parse(t)) for t in STATUS + CONTACT
        ),
    }
    figures = {**parse, **uvloop.run(measure(args))}
    for name, value in figures.items():
        print(f"{name:<40} {value:8.0f} µs CPU")
    if args.echo:
        budget = 1e6 / (args.echo / 3)
        floor = (
            figures["NLU parse, report opening"]
            + figures["SQL query, PostgreSQL"]
            + figures["state turn, Redis"]
        )
        print(
            f"\nbudget per message for 1/3 of the echo ({args.echo:.0f} msg/s): "
            f"{budget:.0f} µs CPU, HTTP included\n"
            f"parse + one query + one state turn (PostgreSQL + Redis): {floor:.0f} µs, "
            "before HTTP, the dialogue and the address lookup"
        )


if __name__ == "__main__":
    main()
