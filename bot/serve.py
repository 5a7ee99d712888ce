"""Several worker processes behind one port: gunicorn with aiohttp's worker class.

``minsheng serve --workers N`` (N > 1) prepares the deployment once — migrations, demo
data, the NLU model (trained on the first start) — and then *replaces itself* with a
gunicorn master (``exec``), so signals from systemd or a container runtime reach gunicorn
directly. The master forks N workers that each build the app with :func:`worker_app` and
share one listening socket; gunicorn restarts a worker that dies. Everything that must
outlive a worker lives in PostgreSQL (tickets, outbox, web inbox, console events) or
Redis (dialogue state, conversation locks, de-duplication), which is why several workers
need both (:func:`bot.config.check_worker_setup`).

Settings reach the workers through the ``MINSHENG_*`` environment, the same way they
reach a single process.
"""

from __future__ import annotations

import asyncio
import os
import sys

from aiohttp import web

from bot.config import Settings, check_worker_setup, load_settings

#: Seconds a worker may stay silent before the master kills it; this includes the app's
#: start-up (loading the NLU model), which takes a while on a busy machine.
WORKER_TIMEOUT = 180
#: Seconds a worker gets on shutdown to answer the requests it has.
GRACEFUL_TIMEOUT = 15
#: aiohttp's gunicorn worker for each ``Settings.event_loop``.
WORKER_CLASSES = {
    "uvloop": "aiohttp.GunicornUVLoopWebWorker",
    "asyncio": "aiohttp.GunicornWebWorker",
}


def new_event_loop(settings: Settings) -> asyncio.AbstractEventLoop:
    """The event loop a single-process server runs on (``Settings.event_loop``)."""
    if settings.event_loop == "uvloop":
        import uvloop

        return uvloop.new_event_loop()
    return asyncio.new_event_loop()


async def prepare(settings: Settings) -> None:
    """Do once, before any worker forks, what every worker would otherwise race to do:
    migrate the database, load the demo data, train and record the NLU model."""
    from bot.runtime import Runtime

    runtime = await Runtime.start(settings, background=False, connectors=[])
    await runtime.stop(grace=1.0)


def settings_environment(settings: Settings) -> dict[str, str]:
    """The ``MINSHENG_*`` variables that carry command-line overrides to the workers."""
    return {
        "MINSHENG_HOST": settings.host,
        "MINSHENG_PORT": str(settings.port),
        "MINSHENG_DATABASE_URL": settings.effective_database_url,
        "MINSHENG_REDIS_URL": settings.redis_url,
        "MINSHENG_WORKERS": str(settings.workers),
        "MINSHENG_LOAD_DEMO_DATA": "true" if settings.load_demo_data else "false",
    }


def gunicorn_argv(settings: Settings) -> list[str]:
    """The gunicorn command line for ``settings``."""
    host = f"[{settings.host}]" if ":" in settings.host else settings.host
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "bot.serve:worker_app",
        "--worker-class",
        WORKER_CLASSES[settings.event_loop],
        "--workers",
        str(settings.workers),
        "--bind",
        f"{host}:{settings.port}",
        "--timeout",
        str(WORKER_TIMEOUT),
        "--graceful-timeout",
        str(GRACEFUL_TIMEOUT),
        # No access log: request lines carry sender ids (privacy); nginx keeps its own.
        "--error-logfile",
        "-",
        # Import the app's modules (aiohttp, SQLAlchemy, scikit-learn, jieba...) once in the
        # master: workers fork with them loaded, boot in seconds and share those pages.
        "--preload",
    ]


def exec_gunicorn(settings: Settings) -> None:  # pragma: no cover - replaces the process
    """Prepare the deployment, then become the gunicorn master."""
    check_worker_setup(settings)
    asyncio.run(prepare(settings))
    env = {**os.environ, **settings_environment(settings), "MINSHENG_GUNICORN_MASTER": "1"}
    argv = gunicorn_argv(settings)
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(argv[0], argv, env)


#: The heavy imports of a worker: the app with every surface, scikit-learn, numpy, jieba.
PRELOADED = ("bot.app", "bot.runtime", "nlu.artifact", "nlu.classifier", "nlu.service")


def _preload() -> None:
    """Import what every worker needs, in the master (``--preload`` imports this module)."""
    import importlib

    for name in PRELOADED:
        importlib.import_module(name)


if os.environ.get("MINSHENG_GUNICORN_MASTER") == "1":
    _preload()


async def worker_app() -> web.Application:
    """gunicorn's app factory (one call per worker, after the fork)."""
    from bot.app import create_app
    from bot.cli import configure_logging

    # exec() left gunicorn's own loggers only: the gateway's lines go through the same
    # format and privacy filter as in a single process.
    configure_logging()
    return create_app(load_settings())
