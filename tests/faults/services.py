"""Real services on loopback for the fault tests: a private Redis, a private PostgreSQL
cluster (so restarting it disturbs no other test run) and a gunicorn deployment of the
gateway. Each is a context manager that cleans up what it started, by pid."""

from __future__ import annotations

import contextlib
import glob
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for(check: object, what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():  # type: ignore[operator]
                return
        except RuntimeError:
            raise
        except Exception:  # not up yet
            pass
        time.sleep(0.05)
    raise RuntimeError(f"{what} did not come up within {timeout:.0f}s")


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _stop(process: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> None:
    if process.poll() is None:
        process.send_signal(sig)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# ---------------------------------------------------------------- Redis


@dataclass
class PrivateRedis:
    port: int
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _wait_for(lambda: _port_open(self.port), "redis-server")

    def stop(self) -> None:
        if self.process is not None:
            _stop(self.process)
            self.process = None


@contextlib.contextmanager
def private_redis() -> Iterator[PrivateRedis]:
    if shutil.which("redis-server") is None:
        import pytest

        pytest.skip("redis-server is not installed")
    redis = PrivateRedis(free_port())
    redis.start()
    try:
        yield redis
    finally:
        redis.stop()


# ---------------------------------------------------------------- PostgreSQL


def _pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return Path(found[-1]).parent if found else None


@dataclass
class PrivatePostgres:
    bindir: Path
    datadir: Path
    port: int
    as_postgres: bool

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *argv: str) -> None:
        command = [str(self.bindir / argv[0]), *argv[1:]]
        if self.as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def init(self) -> None:
        self._run("initdb", "-D", str(self.datadir), "-U", "postgres", "--auth=trust",
                  "--no-sync", "-E", "UTF8", "--locale=C")

    def start(self) -> None:
        self._run(
            "pg_ctl", "-D", str(self.datadir), "-l", str(self.datadir / "server.log"),
            "-o", f"-p {self.port} -k {self.datadir} -c listen_addresses=127.0.0.1 -c fsync=off",
            "-w", "start",
        )

    def stop(self) -> None:
        # fast: active sessions are disconnected at once, as in a real restart.
        self._run("pg_ctl", "-D", str(self.datadir), "-m", "fast", "-w", "stop")


@contextlib.contextmanager
def private_postgres() -> Iterator[PrivatePostgres]:
    """A throw-away cluster in its own directory, on a free port (never the shared server)."""
    import pytest

    bindir = _pg_bin()
    if bindir is None:
        pytest.skip("no PostgreSQL server binaries under /usr/lib/postgresql/*/bin")
    as_postgres = os.geteuid() == 0  # initdb refuses to run as root
    # Outside pytest's tmp tree: that is private to root, and the server runs as postgres.
    tmp = Path(tempfile.mkdtemp(prefix="minsheng-pg-"))
    datadir = tmp / "pgdata"
    datadir.mkdir()
    if as_postgres:
        shutil.chown(tmp, "postgres")
        shutil.chown(datadir, "postgres")
    server = PrivatePostgres(bindir, datadir, free_port(), as_postgres)
    try:
        try:
            server.init()
        except (subprocess.CalledProcessError, OSError) as exc:
            pytest.skip(f"cannot create a private PostgreSQL cluster: {exc}")
        server.start()
        try:
            yield server
        finally:
            with contextlib.suppress(subprocess.CalledProcessError):
                server.stop()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# ---------------------------------------------------------------- a gunicorn deployment


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for path in glob.glob(f"/proc/{pid}/task/*/children"):
        with contextlib.suppress(OSError):
            found += [int(p) for p in Path(path).read_text().split()]
    return found


@dataclass
class Deployment:
    """``minsheng serve --workers N`` in a subprocess (which becomes the gunicorn master)."""

    port: int
    process: subprocess.Popen[bytes]
    log_path: Path

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def workers(self) -> list[int]:
        return _children(self.process.pid)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_ready(self, workers: int, timeout: float = 400.0) -> None:
        def ready() -> bool:
            if self.process.poll() is not None:
                raise RuntimeError("minsheng serve exited:\n" + self.log()[-3000:])
            if len(self.workers()) < workers:
                return False
            # Every worker has its app started once each logged "minsheng ready".
            return self.log().count("minsheng ready") >= workers and _healthy(self.base_url)

        _wait_for(ready, "the gunicorn deployment", timeout)


def _healthy(base_url: str) -> bool:
    with urllib.request.urlopen(base_url + "/healthz", timeout=2) as response:
        return bool(json.loads(response.read())["status"] == "ok")


@contextlib.contextmanager
def deployment(
    tmp: Path, *, workers: int, database_url: str, redis_url: str, model_dir: Path, digest: str
) -> Iterator[Deployment]:
    port = free_port()
    env = {
        **os.environ,
        "MINSHENG_VAR_DIR": str(tmp / "var"),
        "MINSHENG_MODEL_DIR": str(model_dir),
        "MINSHENG_NLU_TRUSTED_DIGESTS": json.dumps([digest]),
        "MINSHENG_DATA_RELOAD_SECONDS": "0",
    }
    log_path = tmp / "serve.log"
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "serve", "--workers", str(workers),
             "--port", str(port), "--database-url", database_url, "--redis-url", redis_url],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    served = Deployment(port, process, log_path)
    try:
        served.wait_ready(workers)
        yield served
    finally:
        _stop(process)  # SIGTERM to the master: it stops its workers gracefully
