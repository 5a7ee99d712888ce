"""Loopback load test: the whole gateway against a bare aiohttp JSON echo, in the same run.

    .venv/bin/python bench/load.py --setup sqlite --setup pg-redis --setup pg-redis-2w \\
        --requests 3000 --connections 200

For each setup the script starts a bare aiohttp echo server and the gateway (``minsheng
serve``; with ``-2w`` two gunicorn workers) as subprocesses on free loopback ports, sends
the same bounded mix to both — report openings and the answers that follow them, status
questions and contact questions from 10,000 residents over ``--connections`` concurrent
connections, after ``--warmup`` uncounted requests of the same mix — and prints
throughput, p50 and p99 of each, the ratios (the issue's goal: per worker >= 1/3 of the
echo's throughput, p99 <= 2x the echo's p99) and each worker's resident memory (RSS)
after the run.

PostgreSQL setups create a scratch database on ``--pg-server`` and drop it afterwards;
Redis setups use ``--redis-url``. The NLU model is trained into ``--model-dir`` on first use.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import glob
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

REPORTS = [
    "锦园小区2号楼楼道灯坏了,晚上很黑",
    "锦园小区3号楼门口垃圾好几天没人清了",
    "和平里小区5号楼下水道堵了,污水漫出来",
    "锦园小区1号楼电梯坏了三天了",
]
STATUS = ["我的工单怎么样了", "我反映的问题处理到哪一步了", "查一下我的诉求进度"]
CONTACT = ["社区居委会电话是多少", "物业的联系方式", "怎么联系网格员"]
CONFIRMING = re.compile(r"确认|提交")

ECHO_SERVER = """
import sys
from aiohttp import web

async def webhook(request):
    body = await request.json()
    return web.json_response([{"recipient_id": body.get("sender"), "text": body.get("message")}])

async def healthz(request):
    return web.json_response({"status": "ok"})

app = web.Application()
app.router.add_post("/webhooks/rest/webhook", webhook)
app.router.add_get("/healthz", healthz)
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None, access_log=None)
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_healthy(url: str, process: subprocess.Popen[bytes], timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server exited with {process.returncode}")
        with (
            contextlib.suppress(OSError, ValueError),
            urllib.request.urlopen(url + "/healthz", timeout=2) as response,
        ):
            if json.loads(response.read()).get("status") == "ok":
                return
        time.sleep(0.2)
    raise SystemExit(f"{url} not healthy after {timeout}s")


def children(pid: int) -> list[int]:
    found: list[int] = []
    for path in glob.glob(f"/proc/{pid}/task/*/children"):
        with contextlib.suppress(OSError):
            found += [int(p) for p in Path(path).read_text().split()]
    return found


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


@contextlib.contextmanager
def running(argv: list[str], env: dict[str, str], url: str) -> Iterator[subprocess.Popen[bytes]]:
    log_path = Path(tempfile.mkstemp(prefix="bench-load-", suffix=".log")[1])
    with log_path.open("wb") as log:
        process = subprocess.Popen(argv, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_healthy(url, process)
        yield process
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log_path.unlink(missing_ok=True)


# ---------------------------------------------------------------- the load


@dataclass
class Result:
    requests: int
    errors: int
    seconds: float
    latencies: list[float]

    @property
    def throughput(self) -> float:
        return self.requests / self.seconds

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0

    def line(self, name: str) -> str:
        return (
            f"{name:<10} {self.throughput:8.0f} msg/s  p50 {self.percentile(0.5) * 1000:7.0f} ms"
            f"  p99 {self.percentile(0.99) * 1000:7.0f} ms  errors {self.errors}/{self.requests}"
        )


async def load(base: str, *, total: int, connections: int, residents: int, seed: int) -> Result:
    rng = random.Random(seed)
    run = uuid.uuid4().hex[:6]
    remaining = total
    latencies: list[float] = []
    errors = 0
    ids = iter(range(10**9))
    connector = aiohttp.TCPConnector(limit=connections)
    timeout = aiohttp.ClientTimeout(total=120)

    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as http:

        async def send(sender: str, text: str) -> list[dict[str, object]]:
            nonlocal remaining, errors
            remaining -= 1
            body = {"sender": sender, "message": text,
                    "metadata": {"message_id": f"{run}-{next(ids)}"}}
            started = time.perf_counter()
            try:
                async with http.post(base + "/webhooks/rest/webhook", json=body) as response:
                    replies = await response.json() if response.status == 200 else []
                    if response.status != 200:
                        errors += 1
            except (aiohttp.ClientError, TimeoutError):
                errors += 1
                replies = []
            latencies.append(time.perf_counter() - started)
            return replies if isinstance(replies, list) else []

        async def user() -> None:
            while remaining > 0:
                sender = f"r{run}-{rng.randrange(residents)}"
                kind = rng.random()
                if kind < 0.4:  # a report opening and up to two answers (never the filing)
                    replies = await send(sender, rng.choice(REPORTS))
                    for _ in range(2):
                        buttons = [b for r in replies for b in r.get("buttons", []) or []]  # type: ignore[union-attr]
                        titles = [str(b["title"]) for b in buttons]
                        picks = [b for b, t in zip(buttons, titles, strict=True)
                                 if not CONFIRMING.search(t)]
                        if remaining <= 0 or not picks:
                            break
                        replies = await send(sender, str(picks[0]["payload"]))
                    if remaining > 0:
                        await send(sender, "取消")
                elif kind < 0.7:
                    await send(sender, rng.choice(STATUS))
                else:
                    await send(sender, rng.choice(CONTACT))

        started = time.perf_counter()
        await asyncio.gather(*(user() for _ in range(connections)))
        seconds = time.perf_counter() - started
    return Result(len(latencies), errors, seconds, latencies)


# ---------------------------------------------------------------- the setups


def model_env(model_dir: Path) -> dict[str, str]:
    from bot.config import load_settings
    from bot.nlu_setup import ensure_model, model_path
    from nlu.artifact import artifact_digest

    ensure_model(load_settings(model_dir=model_dir))
    return {
        "MINSHENG_MODEL_DIR": str(model_dir),
        "MINSHENG_NLU_TRUSTED_DIGESTS": json.dumps(
            [artifact_digest(model_path(load_settings(model_dir=model_dir)))]
        ),
    }


@contextlib.contextmanager
def scratch_database(server: str) -> Iterator[str]:
    import asyncpg

    name = f"minsheng_bench_{uuid.uuid4().hex[:8]}"

    async def admin(sql: str) -> None:
        conn = await asyncpg.connect(f"{server}/postgres")
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    try:
        yield f"{server}/{name}"
    finally:
        asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def measured(base: str, warmup: int, kwargs: dict[str, int]) -> Result:
    """The load on ``base`` after ``warmup`` requests of the same mix that are not counted
    (other residents, other seed): a server that has run a while, not one just started,
    whose first requests pay for imports, SQL compilation and cold caches."""
    if warmup > 0:
        await load(base, **{**kwargs, "total": warmup, "seed": kwargs["seed"] + 1})
    return await load(base, **kwargs)


def measure(args: argparse.Namespace, setup: str, base_env: dict[str, str]) -> None:
    workers = 2 if setup.endswith("-2w") else 1
    kwargs = dict(total=args.requests, connections=args.connections,
                  residents=args.residents, seed=args.seed)
    echo_port = free_port()
    echo_url = f"http://127.0.0.1:{echo_port}"
    with running([sys.executable, "-c", ECHO_SERVER, str(echo_port)], base_env, echo_url):
        echo = asyncio.run(measured(echo_url, args.warmup, kwargs))

    with contextlib.ExitStack() as stack:
        env = {**base_env, "MINSHENG_VAR_DIR": stack.enter_context(tempfile.TemporaryDirectory())}
        argv = [sys.executable, "-m", "bot.cli", "serve", "--workers", str(workers)]
        if setup.startswith("pg-redis"):
            argv += ["--database-url", stack.enter_context(scratch_database(args.pg_server)),
                     "--redis-url", args.redis_url]
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        process = stack.enter_context(running([*argv, "--port", str(port)], env, url))
        pipeline = asyncio.run(measured(url, args.warmup * workers, kwargs))
        pids = children(process.pid) if workers > 1 else [process.pid]
        memory = [rss_mib(pid) for pid in pids]

    print(f"\n== {setup} ({workers} worker{'s' if workers > 1 else ''}), "
          f"{args.connections} connections, {args.requests} requests after "
          f"{args.warmup} uncounted, "
          f"{args.residents} residents")
    print(echo.line("bare echo"))
    print(pipeline.line("pipeline"))
    ratio = pipeline.throughput / echo.throughput
    p99 = pipeline.percentile(0.99) / max(echo.percentile(0.99), 1e-9)
    print(f"ratio      throughput {ratio:.3f} (per worker {ratio / workers:.3f}; goal >= 0.333)"
          f"  p99 {p99:.2f}x echo (goal <= 2)")
    print("RSS/worker " + ", ".join(f"{m:.0f} MiB" for m in memory) + " (goal < 400 MiB)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--setup", action="append",
                        choices=["sqlite", "pg-redis", "pg-redis-2w"])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--connections", type=int, default=200)
    parser.add_argument("--residents", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--warmup", type=int, default=300,
                        help="uncounted requests before the measured ones (per worker)")
    parser.add_argument("--pg-server", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/12")
    parser.add_argument("--model-dir", type=Path, default=ROOT / "var" / "models")
    args = parser.parse_args()
    env = {**os.environ, **model_env(args.model_dir), "MINSHENG_DATA_RELOAD_SECONDS": "0"}
    for setup in args.setup or ["sqlite", "pg-redis", "pg-redis-2w"]:
        measure(args, setup, env)


if __name__ == "__main__":
    main()
