"""The gateway's side of the NLU library: where its model lives and with which thresholds.

``nlu`` reads no settings; this module turns :class:`~bot.config.Settings` into the explicit
paths and thresholds the library's functions and its ``minsheng nlu`` commands take, and
gives those commands the review exporter (the review queue lives in the gateway's database).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Collection
from functools import partial
from pathlib import Path
from typing import TypeVar

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import Settings, load_settings
from bot.nlu_trust import record_trusted, trusted_digests
from nlu import NLUModel
from nlu import ensure_model as _ensure_model
from nlu.artifact import default_model_path
from nlu.cli import NluCliDefaults, ReviewRequest
from nlu.rasa_backend import RasaNLUClient
from nlu.service import NLUService, RemoteParser

T = TypeVar("T")


def model_path(settings: Settings) -> Path:
    """Where the gateway keeps (and looks for) its NLU model."""
    return default_model_path(settings.model_dir)


def ensure_model(settings: Settings, trusted: Collection[str] | None = None) -> NLUModel:
    """The gateway's model with its thresholds, trained first if missing or stale (or, with
    ``trusted``, if the artifact there is not one of those digests)."""
    return _ensure_model(
        settings.training_data_dir,
        model_path(settings),
        fallback_threshold=settings.nlu_fallback_threshold,
        ambiguity_threshold=settings.nlu_ambiguity_threshold,
        trusted=None if trusted is None else frozenset(trusted).__contains__,
    )


async def start_nlu(settings: Settings, sessions: async_sessionmaker[AsyncSession]) -> NLUService:
    """The gateway's NLU service: loads only artifacts whose digest is trusted (pinned in
    the settings or recorded by a trainer's command), trains and records one otherwise, and
    reloads later artifacts under the same rule."""

    async def known() -> set[str]:
        return {*settings.nlu_trusted_digests, *await trusted_digests(sessions)}

    trusted = await known()
    # Training (first start) or loading is CPU work: keep the event loop free meanwhile.
    model = await asyncio.to_thread(ensure_model, settings, trusted)
    if model.artifact_digest is not None and model.artifact_digest not in trusted:
        await record_trusted(sessions, model.artifact_digest, model_path(settings))
    return NLUService(
        model,
        trusted_digests=known,
        remote=remote_backend(settings),
        remote_retry_seconds=settings.rasa_retry_seconds,
    )


def remote_backend(settings: Settings) -> RemoteParser | None:
    """The external NLU the settings name (``MINSHENG_NLU_BACKEND=rasa``), or None."""
    if settings.nlu_backend != "rasa":
        return None
    return RasaNLUClient(
        settings.rasa_url, timeout=settings.rasa_timeout_seconds, token=settings.rasa_token
    )


def cli_defaults(settings: Settings) -> NluCliDefaults:
    """What ``minsheng nlu ...`` uses when the command line names no path or threshold."""
    return NluCliDefaults(
        training_data_dir=Path(settings.training_data_dir),
        model_path=model_path(settings),
        fallback_threshold=settings.nlu_fallback_threshold,
        ambiguity_threshold=settings.nlu_ambiguity_threshold,
        export_review=partial(export_review_file, settings),
        record_trusted=partial(record_trained_artifact, settings),
    )


def record_trained_artifact(settings: Settings, digest: str, path: Path) -> None:
    """``minsheng nlu train``: the gateway may load what the trainer's own command wrote."""
    asyncio.run(_with_database(settings, lambda sessions: record_trusted(sessions, digest, path)))


def export_review_file(settings: Settings, request: ReviewRequest) -> int:
    """``minsheng nlu review``: export the review queue from the gateway's database."""
    if request.database_url:
        settings = load_settings(database_url=request.database_url)
    return asyncio.run(_export(settings, request))


async def _export(settings: Settings, request: ReviewRequest) -> int:
    from bot.review import export_review

    return await _with_database(
        settings,
        lambda sessions: export_review(
            sessions,
            request.out,
            include_exported=request.include_exported,
            limit=request.limit,
            mark=request.mark,
        ),
    )


async def _with_database(
    settings: Settings,
    work: Callable[[async_sessionmaker[AsyncSession]], Awaitable[T]],
) -> T:
    """Run ``work`` against the gateway's database (migrated first), for a CLI command."""
    from bot.db import create_engine_for, make_session_factory, upgrade

    url = settings.effective_database_url
    if url.startswith("sqlite"):
        settings.var_dir.mkdir(parents=True, exist_ok=True)
    await upgrade(url)
    engine = create_engine_for(url)
    try:
        return await work(make_session_factory(engine))
    finally:
        await engine.dispose()
