"""CSV import speed of a city district (25,000 buildings), first run and idempotent rerun.

    uv run python bench/address_import.py [--buildings 25000] [--database-url URL]

Defaults to a fresh SQLite file in a temporary directory; pass a PostgreSQL URL of an empty
database to measure that instead.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.addresses import AddressBook, import_csv
from bot.addresses.importer import BUILDING_COLUMNS
from bot.addresses.synthetic import bench_spec, generate, iter_rows
from bot.db import create_engine_for, make_session_factory
from bot.db.migrate import upgrade


async def run(buildings: int, url: str | None, workdir: Path) -> None:
    path = workdir / "buildings.csv"
    data = generate(bench_spec(buildings))
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(BUILDING_COLUMNS)
        writer.writerows(iter_rows(data.buildings, BUILDING_COLUMNS))
    url = url or f"sqlite:///{workdir / 'bench.db'}"
    await upgrade(url)
    engine = create_engine_for(url)
    sessions = make_session_factory(engine)
    try:
        for label in ("first import", "rerun (no changes)"):
            start = time.perf_counter()
            report = await import_csv(sessions, path)
            elapsed = time.perf_counter() - start
            count = report.counts["building"]
            print(
                f"{label}: {report.rows} rows in {elapsed:.2f} s "
                f"({report.rows / elapsed:,.0f} rows/s); buildings new {count.inserted}, "
                f"unchanged {count.unchanged}; bad {len(report.bad_rows)}"
            )
        start = time.perf_counter()
        book = await AddressBook.load(sessions)
        print(
            f"AddressBook.load: {len(book)} buildings in {time.perf_counter() - start:.2f} s "
            f"({engine.dialect.name})"
        )
    finally:
        await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--buildings", type=int, default=25_000)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        asyncio.run(run(args.buildings, args.database_url, Path(tmp)))


if __name__ == "__main__":
    main()
