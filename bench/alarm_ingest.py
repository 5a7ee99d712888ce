"""Alarm ingestion over loopback HTTP: N sensors posting readings to a running gateway.

    .venv/bin/python bench/alarm_ingest.py --setup sqlite --setup pg --setup pg-redis-2w \\
        --devices 50 --readings 60 --batch 1

For each setup the script starts the gateway (``minsheng serve``; SQLite file, or a scratch
PostgreSQL database; ``-2w``: two workers sharing Redis), registers an ``alarms`` source and
``--devices`` fume sensors bound to demo buildings (``minsheng intake source add`` and
``intake device import``, as an operator would), then lets every sensor send ``--readings``
readings in requests of ``--batch``, one minute apart in the sensor's time, all sensors at
once. Each sensor's readings are normal except a burst of 4 over the threshold (3 within 10
minutes opens a case) in the middle, so every sensor opens one case and files one ticket
on the way and, when more than 30 normal minutes follow, closes it — the case logic is in
the measured path. Prints readings/s, requests/s, p50/p99 per request, and the cases and
tickets the run made (expected: one each per sensor).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import csv
import os
import re
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(ROOT))

from load import free_port, model_env, running, scratch_database  # noqa: E402

SOURCE = "bench-fume"
BURST = (3.1, 4.0, 2.6, 5.2)


def demo_buildings(count: int) -> list[str]:
    with (ROOT / "training_data" / "addresses" / "buildings.csv").open(encoding="utf-8") as f:
        codes = [row["building_code"] for row in csv.DictReader(f)]
    return [codes[i % len(codes)] for i in range(count)]


def cli(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "intake", *args],
        env=env, cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(f"minsheng intake {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    return done.stdout


def register(env: dict[str, str], devices: int, workdir: Path) -> str:
    out = cli(env, "source", "add", SOURCE, "--label", "油烟在线监测(压测)", "--kind", "alarms")
    key = re.search(r"msk_\S+", out)
    assert key is not None, out
    path = workdir / "devices.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["device_id", "kind", "building_code", "landmark", "lat", "lng", "label"])
        for i, code in enumerate(demo_buildings(devices)):
            writer.writerow([f"F-{i:05d}", "fume", code, "", "", "", f"压测烧烤店{i}"])
    cli(env, "device", "import", str(path), "--source", SOURCE)
    return key.group(0)


def value_at(index: int, total: int) -> float:
    burst_from = total // 3
    if burst_from <= index < burst_from + len(BURST):
        return BURST[index - burst_from]
    return 0.5 + (index % 7) * 0.15  # normal: 0.5-1.4 mg/m3


async def load(
    base: str, key: str, devices: int, readings: int, batch: int
) -> tuple[int, int, int, float, list[float]]:
    start = datetime.now(UTC) - timedelta(minutes=readings + 1)
    latencies: list[float] = []
    errors = 0
    sent = 0
    headers = {"Authorization": f"Bearer {key}"}
    connector = aiohttp.TCPConnector(limit=devices)
    async with aiohttp.ClientSession(
        connector=connector, timeout=aiohttp.ClientTimeout(total=120)
    ) as http:

        async def sensor(number: int) -> None:
            nonlocal errors, sent
            device_id = f"F-{number:05d}"
            for first in range(0, readings, batch):
                body = {
                    "readings": [
                        {
                            "device_id": device_id,
                            "time": (start + timedelta(minutes=i)).isoformat(),
                            "value": value_at(i, readings),
                            "unit": "mg/m3",
                            "reading_id": f"{device_id}-{i}",
                        }
                        for i in range(first, min(first + batch, readings))
                    ]
                }
                began = time.perf_counter()
                try:
                    async with http.post(base + "/intake/v1/alarms", json=body,
                                         headers=headers) as response:  # fmt: skip
                        answer = await response.json()
                        if response.status != 200 or answer["accepted"] != len(body["readings"]):
                            errors += 1
                        else:
                            sent += answer["accepted"]
                except (aiohttp.ClientError, TimeoutError):
                    errors += 1
                latencies.append(time.perf_counter() - began)

        began = time.perf_counter()
        await asyncio.gather(*(sensor(n) for n in range(devices)))
        seconds = time.perf_counter() - began
    return sent, len(latencies), errors, seconds, latencies


async def count_cases(url: str) -> tuple[int, int, int]:
    from sqlmodel import func, select

    from bot.db import create_engine_for, make_session_factory
    from bot.intake.alarms.models import SensorCase
    from bot.tickets.models import Ticket

    engine = create_engine_for(url)
    try:
        async with make_session_factory(engine)() as session:
            cases = (await session.exec(select(func.count()).select_from(SensorCase))).one()
            closed = (
                await session.exec(
                    select(func.count())
                    .select_from(SensorCase)
                    .where(SensorCase.status == "closed")
                )
            ).one()
            tickets = (
                await session.exec(
                    select(func.count()).select_from(Ticket).where(Ticket.source == SOURCE)
                )
            ).one()
    finally:
        await engine.dispose()
    return int(cases), int(closed), int(tickets)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


def measure(args: argparse.Namespace, setup: str, base_env: dict[str, str]) -> None:
    workers = 2 if setup.endswith("-2w") else 1
    with contextlib.ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        env = {**base_env, "MINSHENG_VAR_DIR": str(workdir)}
        if setup.startswith("pg"):
            env["MINSHENG_DATABASE_URL"] = stack.enter_context(scratch_database(args.pg_server))
        if setup == "pg-redis-2w":
            env["MINSHENG_REDIS_URL"] = args.redis_url
        url = env.get("MINSHENG_DATABASE_URL") or f"sqlite:///{workdir / 'minsheng.db'}"
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        argv = [sys.executable, "-m", "bot.cli", "serve", "--workers", str(workers),
                "--port", str(port)]  # fmt: skip
        stack.enter_context(running(argv, env, base))
        key = register(env, args.devices, workdir)
        sent, requests, errors, seconds, latencies = asyncio.run(
            load(base, key, args.devices, args.readings, args.batch)
        )
        cases, closed, tickets = asyncio.run(count_cases(url))
    print(
        f"\n== {setup} ({workers} worker{'s' if workers > 1 else ''}): {args.devices} sensors x "
        f"{args.readings} readings, {args.batch} per request"
    )
    print(
        f"readings/s {sent / seconds:8.0f}   requests/s {requests / seconds:7.0f}   "
        f"p50 {percentile(latencies, 0.5) * 1000:6.1f} ms   "
        f"p99 {percentile(latencies, 0.99) * 1000:6.1f} ms   errors {errors}/{requests}"
    )
    print(f"cases {cases} (closed {closed}), tickets {tickets}; expected {args.devices} each")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--setup", action="append", choices=["sqlite", "pg", "pg-redis-2w"])
    parser.add_argument("--devices", type=int, default=50)
    parser.add_argument("--readings", type=int, default=60, help="per sensor")
    parser.add_argument("--batch", type=int, default=1, help="readings per request")
    parser.add_argument("--pg-server", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/12")
    parser.add_argument("--model-dir", type=Path, default=ROOT / "var" / "models")
    args = parser.parse_args()
    env = {
        **os.environ,
        **model_env(args.model_dir),
        "MINSHENG_DATA_RELOAD_SECONDS": "0",
        "MINSHENG_RATE_LIMITS_ENABLED": "false",
    }
    for setup in args.setup or ["sqlite", "pg"]:
        measure(args, setup, env)


if __name__ == "__main__":
    main()
