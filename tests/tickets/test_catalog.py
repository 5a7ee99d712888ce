"""The shipped catalog loads, covers every demand intent, and bad catalogs fail clearly."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.config import PROJECT_ROOT
from bot.errors import ConfigError
from bot.tickets.catalog import Catalog
from bot.tickets.status import Tier

CATALOG = PROJECT_ROOT / "training_data" / "catalog.yml"

# The 22 demand intents of issue 3, with their domains as the issue lists them.
DEMAND_INTENTS = {
    "report_noise": "环境保护",
    "report_cooking_fumes": "环境保护",
    "report_garbage": "城乡建设",
    "report_illegal_parking": "交通运输",
    "report_traffic": "交通运输",
    "report_road_damage": "城乡建设",
    "report_lighting": "城乡建设",
    "report_water": "城乡建设",
    "report_power_gas": "城乡建设",
    "report_heating": "城乡建设",
    "report_property": "物业与邻里",
    "report_neighbor_dispute": "物业与邻里",
    "report_wage_arrears": "劳动和社会保障",
    "report_house_repair": "城乡建设",
    "report_safety_hazard": "公共安全",
    "report_illegal_construction": "城乡建设",
    "report_consumer_rights": "商贸旅游",
    "report_certificate": "政务服务",
    "report_health": "卫生计生",
    "report_education": "教育文体",
    "report_greening": "城乡建设",
    "report_animals": "物业与邻里",
}


def test_shipped_catalog_covers_every_demand_intent() -> None:
    catalog = Catalog.load(CATALOG)
    assert catalog.missing_intents(list(DEMAND_INTENTS)) == []
    for intent, domain_name in DEMAND_INTENTS.items():
        item = catalog.item(intent)
        assert item.domain_name == domain_name, intent
        assert item.name and item.standard and item.department.name
        assert item.time_limit_hours > 0
        assert isinstance(item.first_tier, Tier)


def test_item_fields() -> None:
    catalog = Catalog.load(CATALOG)
    gas = catalog.item("report_power_gas")
    assert (gas.time_limit_hours, gas.working_hours, gas.urgency.value) == (4, False, "high")
    lighting = catalog.item("report_lighting")
    assert lighting.working_hours and lighting.first_tier is Tier.COMMUNITY
    assert lighting.department.code == "municipal"
    with pytest.raises(KeyError, match="report_weather"):
        catalog.item("report_weather")


def _traffic(raw: dict) -> dict:  # type: ignore[type-arg]
    return raw["domains"]["transport"]["items"]["report_traffic"]  # type: ignore[no-any-return]


def _broken(tmp_path: Path, mutate) -> Path:  # type: ignore[no-untyped-def]
    raw = yaml.safe_load(CATALOG.read_text(encoding="utf-8"))
    mutate(raw)
    path = tmp_path / "catalog.yml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "mutate,message",
    [
        (
            lambda r: _traffic(r).update(first_tier="city"),
            "domains.transport.items.report_traffic.first_tier",
        ),
        (
            lambda r: _traffic(r).update(hours="weekly"),
            "domains.transport.items.report_traffic.hours",
        ),
        (
            lambda r: _traffic(r).update(time_limit=-1),
            "report_traffic.time_limit",
        ),
        (
            lambda r: _traffic(r).update(department="nasa"),
            "report_traffic.department: unknown department 'nasa'",
        ),
        (
            lambda r: _traffic(r).pop("standard"),
            "report_traffic.standard: Field required",
        ),
        (
            lambda r: r["domains"]["transport"]["items"].update(
                parking={
                    "name": "x",
                    "department": "traffic_police",
                    "standard": "x",
                    "time_limit": 1,
                    "hours": "calendar",
                    "first_tier": "community",
                }
            ),
            "must be a demand intent named report_",
        ),
        (
            lambda r: r["domains"]["health"]["items"].update(
                report_noise=r["domains"]["environment"]["items"]["report_noise"]
            ),
            "report_noise is already listed under domain environment",
        ),
        (lambda r: r["calendar"].update(periods=["18:00-09:00"]), "calendar"),
        (lambda r: r.update(colour="red"), "colour: Extra inputs are not permitted"),
    ],
)
def test_bad_catalogs_name_the_problem(tmp_path: Path, mutate, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ConfigError, match=message.replace(".", r"\.").replace("(", r"\(")):
        Catalog.load(_broken(tmp_path, mutate))


def test_unreadable_catalogs(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        Catalog.load(tmp_path / "missing.yml")
    bad = tmp_path / "bad.yml"
    bad.write_text("domains: [unclosed", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid YAML"):
        Catalog.load(bad)
