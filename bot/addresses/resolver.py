"""Free text -> standard building: the matching behind :meth:`AddressBook.resolve`.

How a message such as ``城南社区锦园那个2栋楼道灯坏了`` is read:

1. Normalise (NFKC, lower case, no spaces), keeping a map back to the original positions.
2. Scan for every known name and alias (districts, streets, communities, grids, compounds,
   door plates) with a dictionary lookup per (position, length), keep the longest
   non-overlapping matches. Two-character aliases (``锦园``) are common words too, so they
   count only next to a building number, after a community name, or as the whole message.
3. Mask those names and read building / unit / room numbers (:mod:`bot.addresses.parts`).
4. No compound found? Try fuzzy spans (ending before the building number or at a word such
   as 小区) against every compound name by characters *and* by phonetic key
   (:mod:`bot.addresses.text`), with rapidfuzz.
5. Streets, communities, grids and the caller's ``community_hint`` narrow the compounds;
   then decide: one building (resolved), ask for the building, or ask for the community.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

from bot.addresses.codes import parse_scene
from bot.addresses.fuzzy import CUT_WORD, FuzzyNames, core_name, cuts_word
from bot.addresses.numerals import number_sort_key
from bot.addresses.parts import Parts, extract_parts
from bot.addresses.records import Registry
from bot.addresses.text import normalize
from bot.addresses.types import BuildingInfo, Candidate, Resolution

_AREA_SUFFIX_RE = re.compile(r"(社区|村|街道|镇)$")
_MASK = "\x00"
_TIE = 0.03
_MAX_CANDIDATES = 5
_AREA_PENALTY = 0.75


@dataclass(slots=True)
class _Compound:
    code: str
    name: str
    community_code: str
    by_number: dict[str, str] = field(default_factory=dict)
    buildings: list[str] = field(default_factory=list)
    named: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class _Mention:
    start: int
    end: int
    kind: str
    codes: tuple[str, ...]


def _normalize_with_map(text: str) -> tuple[str, list[int]]:
    """Normalised text and, per normalised char, the index of its original char."""
    chars: list[str] = []
    origin: list[int] = []
    for index, ch in enumerate(text):
        for out in unicodedata.normalize("NFKC", ch).lower():
            if not out.isspace():
                chars.append(out)
                origin.append(index)
    return "".join(chars), origin


class Resolver:
    """Immutable index over one registry; build a new one to reload."""

    def __init__(self, registry: Registry, infos: dict[str, BuildingInfo]) -> None:
        self._infos = infos
        self._terms: dict[str, list[tuple[str, str]]] = {}
        self._compounds: dict[str, _Compound] = {}
        self._community_compounds: dict[str, list[str]] = {}
        self._community_terms: dict[str, set[str]] = {}
        self._street_communities: dict[str, set[str]] = {}
        self._district_communities: dict[str, set[str]] = {}
        self._grid_community: dict[str, str] = {}
        self._plates: dict[str, list[str]] = {}
        self._build(registry)
        self._lengths = sorted({len(term) for term in self._terms}, reverse=True)
        self._first_chars = {term[0] for term in self._terms}
        self._fuzzy = FuzzyNames(
            (term, code) for term, targets in self._terms.items()
            for kind, code in targets if kind == "compound"
        )

    # ------------------------------------------------------------ index

    def _add_term(self, term: str, kind: str, code: str) -> None:
        term = normalize(term)
        if len(term) < 2:
            return
        targets = self._terms.setdefault(term, [])
        if (kind, code) not in targets:
            targets.append((kind, code))

    def _build(self, registry: Registry) -> None:
        areas = registry.areas
        for street_code in areas["street"]:
            self._street_communities.setdefault(street_code, set())
        for community in areas["community"].values():
            parent = areas["street"].get(community.parent_code or "")
            self._street_communities.setdefault(community.parent_code or "", set()).add(
                community.code)
            if parent is not None:
                self._district_communities.setdefault(parent.parent_code or "", set()).add(
                    community.code)
            self._community_compounds.setdefault(community.code, [])
            for name in (community.code, community.name, *community.aliases):
                self._community_terms.setdefault(normalize(name), set()).add(community.code)
        for level in ("district", "street", "community", "grid"):
            for area in areas[level].values():
                for name in (area.name, *area.aliases):
                    self._add_term(name, level, area.code)
                core = _AREA_SUFFIX_RE.sub("", normalize(area.name))
                if level in {"street", "community"} and len(core) >= 2:
                    self._add_term(core, level, area.code)
        for grid in areas["grid"].values():
            self._grid_community[grid.code] = grid.parent_code or ""
        for compound in areas["compound"].values():
            self._compounds[compound.code] = _Compound(
                compound.code, compound.name, compound.parent_code or "")
            self._community_compounds.setdefault(compound.parent_code or "", []).append(
                compound.code)
            for name in (compound.name, *compound.aliases):
                self._add_term(name, "compound", compound.code)
                self._add_term(core_name(normalize(name)), "compound", compound.code)
        for building in sorted(registry.buildings.values(),
                               key=lambda b: number_sort_key(b.number)):
            if building.door_plate:
                self._plates.setdefault(normalize(building.door_plate), []).append(building.code)
            entry = self._compounds.get(building.compound_code or "")
            if entry is None:
                continue
            entry.by_number.setdefault(building.number, building.code)
            entry.buildings.append(building.code)
            for alias in building.aliases:
                entry.named[normalize(alias)] = building.code
        for plate in self._plates:
            self._add_term(plate, "plate", plate)

    # ------------------------------------------------------------ public

    def communities_for_hint(self, hint: str | None) -> set[str]:
        if not hint:
            return set()
        return set(self._community_terms.get(normalize(hint), set()))

    def resolve(self, text: str, community_hint: str | None = None) -> Resolution:
        norm, origin = _normalize_with_map(text)
        if not norm:
            return Resolution("unknown")
        by_code = self._resolve_code(text)
        if by_code is not None:
            return by_code
        mentions = self._scan(norm)
        masked = list(norm)
        for m in mentions:
            masked[m.start:m.end] = _MASK * (m.end - m.start)
        masked_text = "".join(masked)
        places = [m for m in mentions if m.kind in {"compound", "plate"}]
        parts = extract_parts(masked_text, [m.end for m in places])
        # A bare 城南 or 车站 is an everyday word; as a place it must touch a compound name
        # (城南锦园2号楼, or 锦园小区城南 when answering "which community?").
        areas = [m for m in mentions if m.kind not in {"compound", "plate"}
                 and (m.end - m.start > 2 or len(norm) <= 3
                      or any(0 <= p.start - m.end <= 1 or 0 <= m.start - p.end <= 1
                             for p in places))]
        places = [m for m in places if self._strong(m, norm, parts, areas)]

        scores: dict[str, float] = {}
        direct: list[str] = []
        # Normalised positions right after dropped whitespace.
        spaced = {i for i in range(1, len(origin)) if origin[i] - origin[i - 1] > 1}
        for m in places:
            if m.kind == "plate":
                buildings = self._plates[m.codes[0]]
                if len(buildings) == 1:
                    direct.append(buildings[0])
                for code in buildings:
                    compound = self._infos[code].compound_code
                    if compound:
                        scores[compound] = 1.0
            else:
                # 佳园 inside 荣贵佳园 may be the tail of a name we do not know (or a typo
                # of one we do): keep it, but let fuzzy matches of the whole word compete.
                # A space before the name ("好多流浪狗 佳苑小区") is a word boundary too.
                cut = cuts_word(masked_text, m.start) and m.start not in spaced
                score = CUT_WORD if cut else 1.0
                for code in m.codes:
                    scores[code] = max(scores.get(code, 0.0), score)
        used_spans = [(m.start, m.end) for m in places]
        if not scores or max(scores.values()) < 1.0:
            fuzzy_text = masked_text
            for m in places:
                if m.kind == "compound" and cuts_word(masked_text, m.start):
                    fuzzy_text = fuzzy_text[:m.start] + norm[m.start:m.end] + fuzzy_text[m.end:]
            fuzzy = self._fuzzy.match(fuzzy_text, parts)
            exact = {(m.start, m.end): set(m.codes) for m in places if m.kind == "compound"}
            for code, (score, span) in fuzzy.items():
                if code not in exact.get(span, {code}):
                    # The very words typed are the exact name of another compound (佳苑小区
                    # beside 佳园小区 and 嘉园小区): a look-alike of the same words never
                    # ties with it, whatever stands before (好多流浪狗 佳苑小区).
                    score = min(score, scores.get(next(iter(exact[span])), score) - 2 * _TIE)
                if score > scores.get(code, 0.0):
                    scores[code] = score
                used_spans.append(span)
            if fuzzy and parts.building is None:
                parts = extract_parts(masked_text, [span[1] for _, span in fuzzy.values()])
        constraints = self._constraints(areas, community_hint)
        for code in scores:
            community = self._compounds[code].community_code
            misses = sum(1 for allowed in constraints if community not in allowed)
            scores[code] *= _AREA_PENALTY**misses
        used_spans += [(m.start, m.end) for m in areas] + list(parts.spans)
        where = _span(used_spans, origin)
        if direct and parts.building is None and len(direct) == 1:
            info = self._infos[direct[0]]
            return self._result("resolved", [Candidate(info.code, info.label, 1.0)], parts,
                                span=where, compound=info.compound_code,
                                community=info.community_code)
        if scores:
            return self._decide(scores, parts, norm, where)
        return self._by_area(constraints, areas, community_hint, parts, where)

    # ------------------------------------------------------------ steps

    def _resolve_code(self, text: str) -> Resolution | None:
        code = parse_scene(text)
        if code is None:
            return None
        info = self._infos.get(code)
        if info is not None:
            return Resolution("resolved", [Candidate(code, info.label, 1.0)],
                              compound_code=info.compound_code,
                              community_code=info.community_code,
                              building_number=info.number)
        if code in self._compounds:
            return self._ask_building(self._compounds[code], Parts(), None)
        if code in self._community_compounds:
            return self._ask_compound(code, Parts(), None)
        return None

    def _scan(self, text: str) -> list[_Mention]:
        found: list[_Mention] = []
        n = len(text)
        for start in range(n):
            if text[start] not in self._first_chars:
                continue
            for length in self._lengths:
                end = start + length
                if end > n:
                    continue
                targets = self._terms.get(text[start:end])
                if targets is None:
                    continue
                kinds: dict[str, list[str]] = {}
                for kind, code in targets:
                    kinds.setdefault(kind, []).append(code)
                for kind, codes in kinds.items():
                    found.append(_Mention(start, end, kind, tuple(codes)))
        # Longest first; a shorter name inside a longer one (锦园 in 锦园小区) is dropped.
        found.sort(key=lambda m: (-(m.end - m.start), m.start))
        taken = [False] * n
        kept: list[_Mention] = []
        for m in found:
            same_as_last = bool(kept) and (kept[-1].start, kept[-1].end) == (m.start, m.end)
            if any(taken[m.start:m.end]) and not same_as_last:
                continue
            kept.append(m)
            for i in range(m.start, m.end):
                taken[i] = True
        kept.sort(key=lambda m: m.start)
        return kept

    @staticmethod
    def _strong(m: _Mention, norm: str, parts: Parts, areas: list[_Mention]) -> bool:
        """Whether a place name counts; short ones need support from their context."""
        if m.end - m.start > 2:
            return True
        if len(norm) <= (m.end - m.start) + 2:
            return True
        if parts.building_start is not None and 0 <= parts.building_start - m.end <= 4:
            return True
        if re.match(r"(小区|那个|这个|那边|这边|里面)", norm[m.end:m.end + 2]):
            return True
        return any(0 <= m.start - a.end <= 1 for a in areas)

    def _constraints(self, areas: list[_Mention], hint: str | None) -> list[set[str]]:
        by_kind: dict[str, set[str]] = {}
        for m in areas:
            bucket = by_kind.setdefault(m.kind, set())
            for code in m.codes:
                if m.kind == "community":
                    bucket.add(code)
                elif m.kind == "street":
                    bucket |= self._street_communities.get(code, set())
                elif m.kind == "district":
                    bucket |= self._district_communities.get(code, set())
                elif m.kind == "grid":
                    bucket.add(self._grid_community.get(code, ""))
        constraints = list(by_kind.values())
        hinted = self.communities_for_hint(hint)
        if hinted:
            constraints.append(hinted)
        return constraints

    def _decide(self, scores: dict[str, float], parts: Parts, norm: str,
                span: tuple[int, int] | None) -> Resolution:
        ranked = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
        top_score = ranked[0][1]
        top = [self._compounds[code] for code, score in ranked if score >= top_score - _TIE]
        number = parts.building
        hits: list[tuple[_Compound, str]] = []
        if number is not None:
            hits = [(c, c.by_number[number]) for c in top if number in c.by_number]
        else:
            for compound in top:
                for alias, code in compound.named.items():
                    if alias in norm:
                        hits.append((compound, code))
                        break
        candidates = self._candidates(ranked, number, hits)
        if len(hits) == 1:
            compound, code = hits[0]
            return self._result("resolved", candidates, parts, span=span,
                                compound=compound.code, community=compound.community_code)
        if len(hits) > 1:
            return self._ask_between([(c, code) for c, code in hits], candidates, parts, span)
        if len(top) == 1:
            compound = top[0]
            if number is None and len(compound.buildings) == 1:
                info = self._infos[compound.buildings[0]]
                return self._result("resolved", [Candidate(info.code, info.label, top_score)],
                                    parts, span=span, compound=compound.code,
                                    community=compound.community_code)
            return self._ask_building(compound, parts, span, candidates)
        return self._ask_between([(c, c.code) for c in top], candidates, parts, span)

    def _candidates(self, ranked: list[tuple[str, float]], number: str | None,
                    hits: list[tuple[_Compound, str]]) -> list[Candidate]:
        out: list[Candidate] = []
        seen: set[str] = set()
        score_of = dict(ranked)
        for compound, code in hits:
            info = self._infos[code]
            out.append(Candidate(code, info.label, round(score_of[compound.code], 4)))
            seen.add(code)
        if number is not None:
            for code, score in ranked:
                building = self._compounds[code].by_number.get(number)
                if building is not None and building not in seen:
                    out.append(Candidate(building, self._infos[building].label, round(score, 4)))
                    seen.add(building)
        return out[:_MAX_CANDIDATES]

    def _ask_between(self, options: list[tuple[_Compound, str]], candidates: list[Candidate],
                     parts: Parts, span: tuple[int, int] | None) -> Resolution:
        communities = {compound.community_code for compound, _ in options}
        choices: list[tuple[str, str]] = []
        for compound, code in options:
            sample = self._infos[compound.buildings[0]] if compound.buildings else None
            where = (f"{sample.community_name}（{sample.street_name}）" if sample
                     else compound.community_code)
            if len(communities) > 1:
                label = where
            elif code in self._infos:
                label = self._infos[code].label
            else:
                label = compound.name
            choices.append((code, label))
        status = "need_community" if len(communities) > 1 else "need_building"
        return self._result(status, candidates, parts, span=span, choices=choices)

    def _ask_building(self, compound: _Compound, parts: Parts, span: tuple[int, int] | None,
                      candidates: list[Candidate] | None = None) -> Resolution:
        choices = [(code, self._infos[code].name) for code in compound.buildings]
        return self._result("need_building", candidates or [], parts, span=span,
                            choices=choices, compound=compound.code,
                            community=compound.community_code)

    def _ask_compound(self, community: str, parts: Parts, span: tuple[int, int] | None
                      ) -> Resolution:
        compounds = [self._compounds[c] for c in self._community_compounds.get(community, [])]
        if parts.building is not None:
            hits = [(c, c.by_number[parts.building]) for c in compounds
                    if parts.building in c.by_number]
            if len(hits) == 1:
                info = self._infos[hits[0][1]]
                return self._result("resolved", [Candidate(info.code, info.label, 0.8)], parts,
                                    span=span, compound=hits[0][0].code, community=community)
            if hits:
                return self._result(
                    "need_building",
                    [Candidate(code, self._infos[code].label, 0.5) for _, code in hits][
                        :_MAX_CANDIDATES],
                    parts, span=span, community=community,
                    choices=[(code, self._infos[code].label.split(" ", 1)[-1])
                             for _, code in hits])
        if len(compounds) == 1:
            return self._ask_building(compounds[0], parts, span)
        return self._result("need_building", [], parts, span=span, community=community,
                            choices=[(c.code, c.name) for c in compounds])

    def _by_area(self, constraints: list[set[str]], areas: list[_Mention], hint: str | None,
                 parts: Parts, span: tuple[int, int] | None) -> Resolution:
        # Only a community (named, hinted or implied by a grid) narrows enough to ask from;
        # a street alone has dozens of compounds.
        if any(m.kind in {"community", "grid"} for m in areas) or self.communities_for_hint(
                hint):
            allowed = set.intersection(*constraints) if constraints else set()
            if len(allowed) == 1:
                return self._ask_compound(next(iter(allowed)), parts, span)
        return self._result("unknown", [], parts, span=span)

    def _result(self, status: str, candidates: Iterable[Candidate], parts: Parts, *,
                span: tuple[int, int] | None, choices: list[tuple[str, str]] | None = None,
                compound: str | None = None, community: str | None = None) -> Resolution:
        return Resolution(
            status=status,  # type: ignore[arg-type]
            candidates=list(candidates),
            unit=parts.unit,
            room=parts.room,
            question_choices=choices or [],
            building_number=parts.building,
            compound_code=compound,
            community_code=community,
            span=span,
        )


def _span(spans: list[tuple[int, int]], origin: list[int]) -> tuple[int, int] | None:
    spans = [(start, end) for start, end in spans if end > start]
    if not spans or not origin:
        return None
    start = min(s for s, _ in spans)
    end = max(e for _, e in spans)
    return origin[start], origin[end - 1] + 1
