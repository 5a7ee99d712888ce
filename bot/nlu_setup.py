"""The gateway's side of the NLU library: where its model lives and with which thresholds.

``nlu`` reads no settings; this module turns :class:`~bot.config.Settings` into the explicit
paths and thresholds the library's functions and its ``minsheng nlu`` commands take, and
gives those commands the review exporter (the review queue lives in the gateway's database).
"""

from __future__ import annotations

import asyncio
from functools import partial
from pathlib import Path

from bot.config import Settings, load_settings
from nlu import NLUModel
from nlu import ensure_model as _ensure_model
from nlu.artifact import default_model_path
from nlu.cli import NluCliDefaults, ReviewRequest


def model_path(settings: Settings) -> Path:
    """Where the gateway keeps (and looks for) its NLU model."""
    return default_model_path(settings.model_dir)


def ensure_model(settings: Settings) -> NLUModel:
    """The gateway's model with its thresholds, trained first if missing or stale."""
    return _ensure_model(
        settings.training_data_dir,
        model_path(settings),
        fallback_threshold=settings.nlu_fallback_threshold,
        ambiguity_threshold=settings.nlu_ambiguity_threshold,
    )


def cli_defaults(settings: Settings) -> NluCliDefaults:
    """What ``minsheng nlu ...`` uses when the command line names no path or threshold."""
    return NluCliDefaults(
        training_data_dir=Path(settings.training_data_dir),
        model_path=model_path(settings),
        fallback_threshold=settings.nlu_fallback_threshold,
        ambiguity_threshold=settings.nlu_ambiguity_threshold,
        export_review=partial(export_review_file, settings),
    )


def export_review_file(settings: Settings, request: ReviewRequest) -> int:
    """``minsheng nlu review``: export the review queue from the gateway's database."""
    if request.database_url:
        settings = load_settings(database_url=request.database_url)
    return asyncio.run(_export(settings, request))


async def _export(settings: Settings, request: ReviewRequest) -> int:
    from bot.db import create_engine_for, make_session_factory, upgrade
    from bot.review import export_review

    url = settings.effective_database_url
    if url.startswith("sqlite"):
        settings.var_dir.mkdir(parents=True, exist_ok=True)
    await upgrade(url)
    engine = create_engine_for(url)
    try:
        return await export_review(
            make_session_factory(engine),
            request.out,
            include_exported=request.include_exported,
            limit=request.limit,
            mark=request.mark,
        )
    finally:
        await engine.dispose()
