"""A changed catalog file reaches every worker's services in place; a broken one does not."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.config import PROJECT_ROOT
from bot.tickets.catalog import Catalog, watch_catalog

SOURCE = PROJECT_ROOT / "training_data" / "catalog.yml"


async def _until(predicate, seconds: float = 5.0) -> bool:  # type: ignore[no-untyped-def]
    for _ in range(int(seconds / 0.05)):
        if predicate():
            return True
        await asyncio.sleep(0.05)
    return predicate()


async def test_the_catalog_follows_its_file(tmp_path: Path) -> None:
    path = tmp_path / "catalog.yml"
    text = SOURCE.read_text(encoding="utf-8")
    path.write_text(text, encoding="utf-8")
    catalog = Catalog.load(path)
    held_by_a_service = catalog
    stop = asyncio.Event()
    watcher = asyncio.create_task(watch_catalog(catalog, path, 0.05, stop))
    try:
        path.write_text(text.replace("区水务集团", "市水务集团"), encoding="utf-8")
        assert await _until(lambda: held_by_a_service.department("water").name == "市水务集团")
        path.write_text("domains: [broken", encoding="utf-8")
        await asyncio.sleep(0.3)
        assert catalog.department("water").name == "市水务集团"  # the old one keeps serving
    finally:
        stop.set()
        await watcher
