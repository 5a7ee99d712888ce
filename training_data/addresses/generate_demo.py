"""Regenerate the demo address registry: ``uv run python training_data/addresses/generate_demo.py``.

Deterministic (fixed seed): running it again rewrites byte-identical ``buildings.csv`` and
``people.csv``. The demo district holds 锦园小区 in 城南社区 of 车站街道 (the door-plate story
of the source article) and a second 锦园小区 in 东风社区 of 和平街道, so "锦园小区2号楼" alone
makes the bot ask which community.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))

from bot.addresses.importer import BUILDING_COLUMNS, PEOPLE_COLUMNS  # noqa: E402
from bot.addresses.synthetic import FixedCompound, Spec, generate, iter_rows  # noqa: E402

DEMO = Spec(
    seed=20231203,
    streets=4,
    communities_per_street=(3, 3),
    grids_per_community=(3, 3),
    compounds_per_community=(3, 4),
    buildings_per_compound=(6, 16),
    fixed=(
        FixedCompound("车站街道", "城南社区", "锦园小区", ("锦园",), 12, "华光路"),
        FixedCompound("和平街道", "东风社区", "锦园小区", ("锦园",), 6, "人民西路"),
    ),
)


# The lift companies' rescue lines of some demo compounds (role lift_rescue, level
# compound): told beside 119 to a resident trapped in a lift there. Appended after the
# generated people, so the generated rows (and their random names) stay as they were.
LIFT_RESCUE = (
    ("370303001001X01", "奥星电梯淄博维保站", "0533-2876119"),
    ("370303001001X03", "齐鲁通力电梯维保中心", "0533-3150962"),
    ("370303002001X01", "奥星电梯淄博维保站", "0533-2876119"),
    ("370303003003X02", "淄博三菱电梯服务站", "0533-2291196"),
)


def lift_rescue_people() -> list[dict[str, str]]:
    return [
        {"person_code": f"{code}-L", "role": "lift_rescue", "level": "compound",
         "scope_code": code, "name": name, "phone": phone, "channels": ""}
        for code, name, phone in LIFT_RESCUE
    ]
# Places that are not homes are address objects of a standard-address registry too: a park
# and a square, each a "compound" whose "buildings" are its service houses, so residents'
# "人民公园东门外" or "世纪广场门口" are placed like "锦园小区东门外". Appended after the
# generated rows (the random draw of everything else stays byte-identical).
# (model building code, compound code, name, aliases, buildings: number, name, plate, dlat, dlng)
PLACES = (
    ("370303001001X01-001", "370303001001X90", "人民公园", "", (
        ("1", "公园管理处", "华光路60号", 0.0021, 0.0030),
        ("2", "公园公厕", "华光路62号", 0.0012, 0.0042),
    )),
    ("370303002001X04-001", "370303002001X90", "世纪广场", "", (
        ("1", "广场服务中心", "世纪路1号", -0.0015, 0.0021),
        ("2", "广场公厕", "世纪路3号", -0.0022, 0.0029),
    )),
)


def add_places(rows: list[dict[str, str]]) -> None:
    by_code = {row["building_code"]: row for row in rows}
    for model, compound, name, aliases, buildings in PLACES:
        base = by_code[model]
        for number, building_name, plate, dlat, dlng in buildings:
            row = dict(base)
            row.update(
                compound_code=compound, compound_name=name, compound_aliases=aliases,
                building_code=f"{compound}-{int(number):03d}", building_number=number,
                building_name=building_name, building_aliases="", units="1", door_plate=plate,
                lat=f"{float(base['lat']) + dlat:.6f}", lng=f"{float(base['lng']) + dlng:.6f}",
            )
            rows.append(row)


def write(path: Path, columns: tuple[str, ...], rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(iter_rows(rows, columns))


def main() -> None:
    data = generate(DEMO)
    add_places(data.buildings)
    write(HERE / "buildings.csv", BUILDING_COLUMNS, data.buildings)
    write(HERE / "people.csv", PEOPLE_COLUMNS, [*data.people, *lift_rescue_people()])
    communities = {row["community_code"] for row in data.buildings}
    grids = {row["grid_code"] for row in data.buildings}
    compounds = {row["compound_code"] for row in data.buildings}
    print(f"{len(data.buildings)} buildings, {len(compounds)} compounds, {len(grids)} grids, "
          f"{len(communities)} communities, {len(data.people)} people")


if __name__ == "__main__":
    main()
