"""Words the tokenizer must keep whole: domain terms and the place names of the address data.

Place names come from whatever CSV files the address registry keeps under
``training_data/addresses/`` (community, compound, road names and their aliases). The
reader is deliberately forgiving: it looks at columns whose header says "name" or "alias"
and keeps short Chinese names, so a new column layout never breaks training.
"""

from __future__ import annotations

import csv
import logging
import re
from importlib import resources
from pathlib import Path

log = logging.getLogger(__name__)

_NAME_COLUMN = re.compile(r"(name|alias|名称|别名|简称)", re.IGNORECASE)
_SKIP_COLUMN = re.compile(r"(full|address|标准地址|contact|person|phone|secretary|worker)", re.I)
# A file with phone numbers lists people, not places: its "name" column holds personal names.
_PEOPLE_FILE = re.compile(r"(phone|mobile|openid|userid|电话|手机)", re.IGNORECASE)
_PLATE_COLUMN = re.compile(r"(door_?plate|门牌)", re.IGNORECASE)
_ROAD_OF_PLATE = re.compile(r"^([\u4e00-\u9fff]{1,8}?(?:大道|大街|路|街|巷|胡同|弄))\s*\d")
_SPLIT = re.compile(r"[|;；、,，/]")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_DIGIT = re.compile(r"[0-9０-９]")


def domain_words() -> list[str]:
    """Domain vocabulary shipped with the package (one word per line, ``#`` comments)."""
    text = resources.files("nlu.resources").joinpath("domain_words.txt").read_text("utf-8")
    words = (line.split("#", 1)[0].strip() for line in text.splitlines())
    return [w for w in words if w]


def place_names(address_dir: Path | None) -> list[str]:
    """Community, compound and road names found in the address CSV files (may be empty)."""
    if address_dir is None or not address_dir.is_dir():
        return []
    names: set[str] = set()
    for file in sorted(address_dir.rglob("*.csv")):
        try:
            with file.open(encoding="utf-8-sig", newline="") as handle:
                reader = csv.DictReader(handle)
                headers = [c for c in reader.fieldnames or [] if c]
                if any(_PEOPLE_FILE.search(c) for c in headers):
                    continue
                columns = [
                    c for c in headers if _NAME_COLUMN.search(c) and not _SKIP_COLUMN.search(c)
                ]
                plates = [c for c in headers if _PLATE_COLUMN.search(c)]
                for row in reader:
                    for column in columns:
                        for part in _SPLIT.split(row.get(column) or ""):
                            name = part.strip()
                            if _usable_name(name):
                                names.add(name)
                    for column in plates:  # "华光路31号" names the road 华光路
                        road = _ROAD_OF_PLATE.match((row.get(column) or "").strip())
                        if road and _usable_name(road.group(1)):
                            names.add(road.group(1))
        except (OSError, UnicodeDecodeError, csv.Error) as exc:
            # The registry is another team's file; a broken one must not stop the NLU.
            log.warning("skipping address file %s: %s", file, exc)
    return sorted(names)


def _usable_name(name: str) -> bool:
    # Names with digits are house numbers ("2号楼"): the entity rules handle those.
    return 2 <= len(name) <= 16 and bool(_CJK.search(name)) and not _DIGIT.search(name)
