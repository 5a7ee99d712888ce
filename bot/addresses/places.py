"""Places that are not buildings: roads, crossings, compound gates, squares and parks.

Residents report much that happens outdoors: "世纪路和柳泉路路口红绿灯坏了", "锦园小区东门外
路灯不亮", "人民公园门口井盖丢了". None of these is a building, but the registry knows enough
to place them without a map:

* roads, from the buildings' door plates (``华光路31号`` lies on 华光路): a road is the line
  of its buildings, a crossing of two roads the middle of their closest pair of buildings;
* compounds (squares and parks are compounds of the registry too), from their buildings: a
  gate is the compound's edge on that side (东门 = its easternmost buildings), "门口" or
  "附近" its middle.

:meth:`PlaceIndex.locate` returns the point and a name to show; the address book routes the
point to the grid of its nearest building. A road alone is a long line, so it comes back as
``precise=False``: good enough to route, worth asking "哪一段?" once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from bot.addresses.geo import distance_m
from bot.addresses.records import Registry
from bot.addresses.text import normalize
from bot.addresses.types import BuildingInfo, Resolution

PlaceKind = Literal["crossing", "gate", "road"]

_ROAD_OF_PLATE = re.compile(r"^([\u4e00-\u9fff]{1,8}?(?:大道|大街|路|街|巷|胡同|弄))\s*\d")
# Which side of a compound a gate word means: (lat sign, lng sign); 0 = the middle.
_GATES: dict[str, tuple[int, int]] = {
    "东门": (0, 1), "东大门": (0, 1), "东侧": (0, 1), "东边": (0, 1),
    "西门": (0, -1), "西大门": (0, -1), "西侧": (0, -1), "西边": (0, -1),
    "南门": (-1, 0), "南大门": (-1, 0), "南侧": (-1, 0), "南边": (-1, 0),
    "北门": (1, 0), "北大门": (1, 0), "北侧": (1, 0), "北边": (1, 0),
    "正门": (0, 0), "大门": (0, 0), "门口": (0, 0), "后门": (0, 0), "侧门": (0, 0),
    "门外": (0, 0), "附近": (0, 0), "旁边": (0, 0), "外面": (0, 0), "对面": (0, 0),
}
_GATE_RE = re.compile("|".join(sorted(_GATES, key=len, reverse=True)))
_CROSSING_WORDS = re.compile(r"(路口|交叉口|十字路口|交汇处|丁字路口|红绿灯|拐角)")
# Two roads whose closest buildings are farther apart than this meet beyond them.
_MAX_CROSSING_GAP_M = 1500.0


@dataclass(frozen=True, slots=True)
class Place:
    """A point outdoors and how to name it (``世纪路与柳泉路路口``, ``锦园小区东门``)."""

    kind: PlaceKind
    name: str
    lat: float
    lng: float
    precise: bool = True
    compound_code: str | None = None
    community_code: str | None = None


@dataclass(frozen=True, slots=True)
class _Compound:
    name: str
    community_code: str
    points: tuple[tuple[float, float], ...]


class PlaceIndex:
    """Immutable index of roads and compound outlines of one registry."""

    def __init__(self, registry: Registry, infos: dict[str, BuildingInfo]) -> None:
        roads: dict[str, list[tuple[float, float]]] = {}
        compounds: dict[str, list[tuple[float, float]]] = {}
        for info in infos.values():
            match = _ROAD_OF_PLATE.match(info.door_plate.strip())
            if match:
                roads.setdefault(normalize(match.group(1)), []).append((info.lat, info.lng))
            if info.compound_code:
                compounds.setdefault(info.compound_code, []).append((info.lat, info.lng))
        self._roads = {name: tuple(points) for name, points in roads.items()}
        self._road_names = sorted(self._roads, key=len, reverse=True)
        areas = registry.areas["compound"]
        self._compounds = {
            code: _Compound(areas[code].name, areas[code].parent_code or "", tuple(points))
            for code, points in compounds.items()
            if code in areas
        }

    # ------------------------------------------------------------ public

    def roads_in(self, text: str) -> list[str]:
        """Road names of the registry in ``text``, in the order they appear."""
        norm = normalize(text)
        found: list[tuple[int, str]] = []
        taken = [False] * len(norm)
        for name in self._road_names:  # longest first: 人民西路 before 人民路
            start = norm.find(name)
            while start >= 0:
                if not any(taken[start:start + len(name)]):
                    found.append((start, name))
                    for i in range(start, start + len(name)):
                        taken[i] = True
                start = norm.find(name, start + 1)
        return [name for _, name in sorted(found)]

    def locate(self, text: str, resolution: Resolution | None = None, context: str = ""
               ) -> Place | None:
        """The outdoor place ``text`` names, if the registry can place it.

        ``resolution`` is what the resolver made of the same text: a compound it found
        without a building ("锦园小区东门外") places a gate. A building found is not a place
        outdoors (the caller handles it), and neither is a compound shared by several
        communities (the caller asks which one first). ``context`` is more of what the
        resident said (the problem's description): "东门外" there places the gate of the
        compound ``text`` names.
        """
        roads = self.roads_in(text)
        if len(roads) >= 2:
            crossing = self._crossing(roads[0], roads[1])
            if crossing is not None:
                return crossing
        compound = self._compound_of(resolution)
        gate = self._gate(compound, f"{text} {context}") if compound is not None else None
        if gate is not None:
            return gate
        if roads:
            road = roads[0]
            lat, lng = _middle(self._roads[road])
            return Place("road", road, lat, lng, precise=bool(_CROSSING_WORDS.search(text)))
        return None

    # ------------------------------------------------------------ steps

    def _compound_of(self, resolution: Resolution | None) -> str | None:
        if resolution is None or resolution.status != "need_building":
            return None
        code = resolution.compound_code
        return code if code in self._compounds else None

    def _crossing(self, first: str, second: str) -> Place | None:
        best: tuple[float, tuple[float, float], tuple[float, float]] | None = None
        for a in self._roads[first]:
            for b in self._roads[second]:
                metres = distance_m(a[0], a[1], b[0], b[1])
                if best is None or metres < best[0]:
                    best = (metres, a, b)
        if best is None:
            return None
        metres, a, b = best
        name = f"{first}与{second}路口"
        if metres > _MAX_CROSSING_GAP_M:
            # The registry's buildings stop short of the crossing: the end of the first
            # road toward the second is the nearest point it knows.
            return Place("crossing", name, a[0], a[1])
        return Place("crossing", name, (a[0] + b[0]) / 2, (a[1] + b[1]) / 2)

    def _gate(self, code: str, text: str) -> Place | None:
        """A gate or the outside of a compound; None for the compound alone (which building
        is asked then, or "整个小区")."""
        compound = self._compounds[code]
        match = _GATE_RE.search(normalize(text))
        if match is None:
            return None
        word = match.group(0)
        lat_side, lng_side = _GATES[word]
        lats = [p[0] for p in compound.points]
        lngs = [p[1] for p in compound.points]
        lat = _side(lats, lat_side)
        lng = _side(lngs, lng_side)
        return Place("gate", f"{compound.name}{word}", lat, lng, compound_code=code,
                     community_code=compound.community_code)


def _middle(points: tuple[tuple[float, float], ...]) -> tuple[float, float]:
    return (sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points))


def _side(values: list[float], sign: int) -> float:
    if sign > 0:
        return max(values)
    if sign < 0:
        return min(values)
    return sum(values) / len(values)
