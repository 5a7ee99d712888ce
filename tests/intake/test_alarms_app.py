"""The whole gateway serves POST /intake/v1/alarms: rules read at start-up, a fume sensor on a
demo building sending readings of the last minutes makes one ticket; a bad rules file stops
the gateway with its line and key."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.app import create_app
from bot.appkeys import RUNTIME
from bot.errors import ConfigError
from bot.intake.alarms.web import ALARM_SERVICE
from bot.intake.web import INTAKE_SOURCES

DEMO_BUILDING = "370303001001X01-001"  # 锦园小区1号楼 of the demo registry


async def test_the_gateway_takes_readings(make_settings: Any, aiohttp_client: Any) -> None:
    client = await aiohttp_client(create_app(make_settings(), background=False))
    app = client.server.app
    _, key = await app[INTAKE_SOURCES].add("fume-net", "油烟在线监测", kind="alarms")
    await app[ALARM_SERVICE].add_device(
        "fume-net", "F-9", "fume", building_code=DEMO_BUILDING, label="一楼烧烤店"
    )
    start = datetime.now(UTC) - timedelta(minutes=6)
    readings = [
        {"device_id": "F-9", "time": (start + timedelta(minutes=m)).isoformat(), "value": v}
        for m, v in ((0, 3.2), (2, 1.0), (3, 2.7), (5, 4.4))
    ]
    response = await client.post(
        "/intake/v1/alarms",
        json={"readings": readings},
        headers={"Authorization": f"Bearer {key}"},
    )
    body = await response.json()
    assert response.status == 200 and body["accepted"] == 4, body
    [opened] = body["opened"]
    ticket = await app[RUNTIME].tickets.get(opened["ticket_number"])
    assert ticket.source == "fume-net" and ticket.building_code == DEMO_BUILDING
    assert "一楼烧烤店" in ticket.description and ticket.community_name


async def test_a_bad_rules_file_stops_the_gateway(
    make_settings: Any, aiohttp_client: Any, tmp_path: Path
) -> None:
    rules = tmp_path / "rules.yml"
    rules.write_text("version: 1\nkinds:\n  fume:\n    name: 油烟\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"line 3, kinds\.fume\.unit"):
        await aiohttp_client(create_app(make_settings(alarm_rules_file=rules), background=False))


async def test_each_alarms_source_is_rate_limited(make_settings: Any, aiohttp_client: Any) -> None:
    client = await aiohttp_client(
        create_app(make_settings(rate_api_key_per_minute=2), background=False)
    )
    app = client.server.app
    _, key = await app[INTAKE_SOURCES].add("noise-net", "噪声监测", kind="alarms")
    await app[ALARM_SERVICE].add_device("noise-net", "N-1", "noise", building_code=DEMO_BUILDING)
    now = datetime.now(UTC)
    statuses = []
    for i in range(3):
        reading = {
            "device_id": "N-1",
            "time": (now - timedelta(minutes=i)).isoformat(),
            "value": 40,
        }
        response = await client.post(
            "/intake/v1/alarms", json=reading, headers={"Authorization": f"Bearer {key}"}
        )
        statuses.append(response.status)
    assert statuses == [200, 200, 429]
