"""Which channel id a staff notice goes to: picked from each person's channel rows, by the
configured preference, without the router naming any platform."""

from __future__ import annotations

import pytest

from bot.addresses import AddressBook
from bot.addresses.importer import parse_buildings, parse_rows
from bot.addresses.records import PersonRecord
from bot.config import load_settings
from bot.tickets import TicketPolicy
from bot.tickets.routing import Recipient, Router, channel_preference, pick_channel
from bot.tickets.status import Tier

from .conftest import B1, B4, BUILDINGS_CSV

GRID = "370399001001W01"
COMMUNITY = "370399001001"
OTHER_COMMUNITY = "370399001002"
DEFAULT = TicketPolicy().staff_channel


def _router(*people: tuple[str, str, str, str, dict[str, str]]) -> Router:
    _, rows = parse_rows(BUILDINGS_CSV)
    registry, bad = parse_buildings(rows)
    assert not bad
    for code, role, level, scope, channels in people:
        registry.people[code] = PersonRecord(
            code=code, role=role, level=level, scope_code=scope,  # type: ignore[arg-type]
            name="某人", phone="13900000000", channels=channels,
        )
    return Router(AddressBook.from_registry(registry))


def test_the_default_preference_is_the_old_platform_order() -> None:
    assert channel_preference(DEFAULT) == ("wecom", "wechat", "telegram")
    assert load_settings().ticket_staff_channel == DEFAULT
    assert channel_preference(" telegram, ,wecom,telegram") == ("telegram", "wecom")
    assert channel_preference(["wechat_mp"]) == ("wechat_mp",)


@pytest.mark.parametrize(("channels", "expected"), [
    ({"wecom": "w", "wechat": "o", "telegram": "1"}, "wecom"),
    ({"wechat": "o", "telegram": "1"}, "wechat"),
    ({"telegram": "1", "wechat_mp": "m"}, "telegram"),
    ({"wechat_mp": "m", "signal": "s"}, "signal"),  # none preferred: the first by name
    ({"wecom": ""}, None),
    ({}, None),
])
def test_pick_channel(channels: dict[str, str], expected: str | None) -> None:
    assert pick_channel(channels, channel_preference(DEFAULT)) == expected


def test_each_handler_is_reached_on_their_best_channel() -> None:
    router = _router(
        ("G1-W", "grid_worker", "grid", GRID, {"wecom": "gw-g1", "telegram": "42"}),
        ("C1-S", "secretary", "community", COMMUNITY, {"wechat": "o-sec", "telegram": "43"}),
        ("C1-P", "police", "community", COMMUNITY, {"wecom": "police-c1"}),
    )
    assert router.handlers(B1, GRID, Tier.COMMUNITY, COMMUNITY, DEFAULT) == [
        Recipient("gw-g1", "grid_worker", "wecom"),
        Recipient("o-sec", "secretary", "wechat"),
    ]
    # A deployment that prefers Telegram reaches both there.
    assert router.handlers(B1, GRID, Tier.COMMUNITY, COMMUNITY, "telegram") == [
        Recipient("42", "grid_worker", "telegram"),
        Recipient("43", "secretary", "telegram"),
    ]


def test_a_channel_added_without_code_is_used() -> None:
    router = _router(
        ("C2-S", "secretary", "community", OTHER_COMMUNITY, {"wechat_mp": "mp-1"}),
    )
    assert router.handlers(B4, None, Tier.COMMUNITY, OTHER_COMMUNITY, DEFAULT) == [
        Recipient("mp-1", "secretary", "wechat_mp"),
    ]


def test_nobody_reachable_goes_to_the_unit_inbox() -> None:
    router = _router(("G1-W", "grid_worker", "grid", GRID, {}))
    assert router.handlers(B1, GRID, Tier.COMMUNITY, COMMUNITY, DEFAULT) == [
        Recipient(f"unit:{COMMUNITY}", "unit", "console"),
    ]


def test_one_id_on_two_channels_is_two_recipients() -> None:
    router = _router(
        ("G1-W", "grid_worker", "grid", GRID, {"wecom": "7"}),
        ("C1-S", "secretary", "community", COMMUNITY, {"telegram": "7"}),
    )
    assert router.handlers(B1, GRID, Tier.COMMUNITY, COMMUNITY, DEFAULT) == [
        Recipient("7", "grid_worker", "wecom"),
        Recipient("7", "secretary", "telegram"),
    ]
