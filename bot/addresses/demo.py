"""Loading the demo registry into an empty database (the README's run command does this)."""

from __future__ import annotations

import logging
from pathlib import Path

from bot.addresses.importer import ImportReport, import_csv, iter_demo_files
from bot.addresses.repository import SessionFactory, count_buildings
from bot.config import Settings

log = logging.getLogger(__name__)


def demo_dir(settings: Settings) -> Path:
    return Path(settings.training_data_dir) / "addresses"


async def ensure_demo_data(session_factory: SessionFactory, settings: Settings
                           ) -> list[ImportReport]:
    """Import the demo CSVs when the registry is empty and ``load_demo_data`` is on.

    Returns the reports of what was imported (empty when nothing was done). An operator's
    own registry is never touched: one building in the database is enough to skip.
    """
    if not settings.load_demo_data:
        return []
    if await count_buildings(session_factory) > 0:
        return []
    reports = []
    for path in iter_demo_files(demo_dir(settings)):
        report = await import_csv(session_factory, path)
        log.info("demo addresses: %s rows from %s, %d bad", report.rows, path.name,
                 len(report.bad_rows))
        reports.append(report)
    return reports
