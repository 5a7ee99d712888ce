"""A deterministic generator of plausible registries: the demo district and bench districts.

It writes rows in the import CSV format (see :mod:`bot.addresses.importer`), so generated
data goes through exactly the validation real data does. Names follow the patterns seen in
Shandong cities: ``锦园小区``, ``阳光花园``, ``化肥厂宿舍``; codes follow the statistical
division codes (district 6 digits, street 9, community 12) extended with ``W`` for grids,
``X`` for compounds and ``-NNN`` for buildings, e.g. ``370303001001X01-002``.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from dataclasses import dataclass, field

STREET_NAMES = (
    "车站街道", "和平街道", "公园街道", "体育场街道", "科苑街道", "湖田街道", "马尚街道",
    "四宝山街道", "房镇镇", "南定镇", "傅家镇", "中埠镇", "沣水镇",
)
COMMUNITY_STEMS = (
    "城南", "华光", "共青团", "新华街", "东风", "西城", "南苑", "北苑", "金晶", "兴学街",
    "钱家", "中心路", "杏园", "莲池", "西二路", "兴盛", "明珠", "民生", "丽景", "东一路",
    "太平", "福禄", "东安", "北营", "南营", "齐德", "和美", "科苑", "湖田", "铁山", "洪沟",
    "联通", "金茵", "商场东", "人民", "柳泉", "凯瑞", "国际", "康平", "雁阳", "沣水",
)
_STEM_CHARS_A = "东西南北新金银华光明兴盛和平安康福寿祥瑞丰泰德仁义礼智信春夏秋冬"
_STEM_CHARS_B = "城苑庄营店园湖山河桥岭坡峪林泉亭阳星月海川源溪塘坊集"
_COMPOUND_A = "锦华金翠碧紫荣鑫福盛嘉恒瑞景康馨怡雅佳星海丽祥德安乐兴御龙凤松竹梅兰桂柳杏桃玉宝"
_COMPOUND_B = "园苑庭居"
_COMPOUND_WORDS = (
    "阳光", "幸福", "和谐", "世纪", "东方", "新城", "盛世", "金色", "阳春", "御景", "怡和",
    "书香", "翰林", "桃源", "百合", "紫薇", "银座", "泰和", "长安", "西湖", "云龙", "明珠",
    "鲁泰", "齐园", "华府", "天鹅", "水岸", "凤凰", "丽都", "清华", "华侨", "文苑", "富康",
)
_COMPOUND_SUFFIXES = ("花园", "家园", "新村", "公寓", "名苑", "华庭", "雅居", "佳园", "名居")
_DORM_OWNERS = (
    "化肥厂", "供电公司", "第二中学", "区医院", "纺织厂", "陶瓷厂", "铁路", "电业局", "粮食局",
    "一建公司", "水泥厂", "农机厂", "邮电局", "轻工学校", "棉纺厂", "机械厂", "卫生局", "税务局",
)
_ROADS = (
    "华光路", "共青团路", "新村西路", "人民西路", "联通路", "金晶大道", "西六路", "柳泉路",
    "中心路", "张周路", "北西五路", "杏园东路", "世纪路", "西二路", "西四路", "民生路", "北京路",
    "上海路", "南京路", "商场东街", "华侨路", "沣水路", "湖田路", "马尚路", "昌国路", "体育场路",
    "和平路", "公园路", "科苑路", "兴学街", "钱家路", "齐德路", "东一路", "东二路", "东三路",
)
_SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董程曹袁邓许傅沈曾彭吕苏卢蒋"
    "蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟"
)
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红志建国海燕晓文辉鹏宁倩婷雪梅慧"
_MOBILE_PREFIXES = ("135", "136", "137", "138", "139", "150", "151", "152", "158", "159",
                    "187", "188", "133", "153", "180", "189", "177", "156")
_CN_ORDINALS = "一二三四五六七八九十"

CENTRE = (36.8075, 118.0548)  # Zhangdian, Zibo: the district the source articles describe
_M_PER_DEG_LAT = 111_320.0


@dataclass(frozen=True, slots=True)
class FixedCompound:
    """A compound the generator must place (e.g. 锦园小区 in 城南社区 of 车站街道)."""

    street: str
    community: str
    name: str
    aliases: tuple[str, ...]
    buildings: int
    road: str = ""


@dataclass(slots=True)
class Spec:
    seed: int = 20231203
    district_code: str = "370303"
    district_name: str = "张店区"
    district_aliases: tuple[str, ...] = ("张店",)
    streets: int = 4
    communities_per_street: tuple[int, int] = (3, 3)
    grids_per_community: tuple[int, int] = (3, 3)
    microgrids_per_grid: tuple[int, int] = (2, 3)
    compounds_per_community: tuple[int, int] = (3, 4)
    buildings_per_compound: tuple[int, int] = (6, 16)
    max_buildings: int | None = None
    unique_compound_names: bool = True
    #: Draw compound names from a city-sized space (~30,000 names) instead of the demo's
    #: small pool; a real district repeats a name only now and then.
    rich_names: bool = False
    fixed: tuple[FixedCompound, ...] = ()
    community_names: dict[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(slots=True)
class Generated:
    buildings: list[dict[str, str]]
    people: list[dict[str, str]]


def _cn(n: int) -> str:
    if n <= 10:
        return _CN_ORDINALS[n - 1]
    if n < 20:
        return "十" + _CN_ORDINALS[n - 11]
    tens, ones = divmod(n, 10)
    return _CN_ORDINALS[tens - 1] + "十" + (_CN_ORDINALS[ones - 1] if ones else "")


def _offset(origin: tuple[float, float], north_m: float, east_m: float) -> tuple[float, float]:
    lat = origin[0] + north_m / _M_PER_DEG_LAT
    lng = origin[1] + east_m / (_M_PER_DEG_LAT * math.cos(math.radians(origin[0])))
    return lat, lng


class _Names:
    """Draws names without repeats where repeats would be implausible."""

    def __init__(self, rng: random.Random, unique_compounds: bool, rich: bool = False) -> None:
        self.rng = rng
        self.unique_compounds = unique_compounds
        self.rich = rich
        self.used_communities: set[str] = set()
        self.used_compounds: set[str] = set()
        self.used_roads: dict[str, int] = {}

    def community_stem(self) -> str:
        for stem in COMMUNITY_STEMS:
            if stem not in self.used_communities:
                self.used_communities.add(stem)
                return stem
        while True:
            stem = self.rng.choice(_STEM_CHARS_A) + self.rng.choice(_STEM_CHARS_B)
            if stem not in self.used_communities:
                self.used_communities.add(stem)
                return stem

    def compound(self, taken_here: set[str]) -> tuple[str, tuple[str, ...]]:
        for _ in range(1000):
            name, aliases = self._compound_candidate()
            if name in taken_here:
                continue
            if self.unique_compounds and name in self.used_compounds:
                continue
            self.used_compounds.add(name)
            return name, aliases
        raise RuntimeError("compound name pool exhausted")

    def _compound_candidate(self) -> tuple[str, tuple[str, ...]]:
        if self.rich and self.rng.random() < 0.9:
            stem = self.rng.choice(_COMPOUND_A + _STEM_CHARS_A) + self.rng.choice(
                _COMPOUND_A + _STEM_CHARS_B)
            suffix = self.rng.choice(("小区",) * 3 + _COMPOUND_SUFFIXES)
            if suffix == "小区":
                return f"{stem}{suffix}", ()
            return f"{stem}{suffix}", (f"{stem}{suffix}小区",)
        roll = self.rng.random()
        if roll < 0.45:
            stem = self.rng.choice(_COMPOUND_A) + self.rng.choice(_COMPOUND_B)
            return f"{stem}小区", ()
        if roll < 0.85:
            word = self.rng.choice(_COMPOUND_WORDS)
            suffix = self.rng.choice(_COMPOUND_SUFFIXES)
            return f"{word}{suffix}", (f"{word}{suffix}小区",)
        owner = self.rng.choice(_DORM_OWNERS)
        kind = self.rng.choice(("宿舍", "家属院"))
        other = "家属院" if kind == "宿舍" else "宿舍"
        return f"{owner}{kind}", (f"{owner}{other}",)

    def road(self) -> str:
        road = self.rng.choice(_ROADS)
        return road

    def house_number(self, road: str) -> int:
        number = self.used_roads.get(road, self.rng.randint(1, 20)) + self.rng.randint(2, 30)
        self.used_roads[road] = number
        return number

    def person(self) -> str:
        given = self.rng.choice(_GIVEN) + (self.rng.choice(_GIVEN) if self.rng.random() < 0.7
                                           else "")
        return self.rng.choice(_SURNAMES) + given

    def mobile(self) -> str:
        return self.rng.choice(_MOBILE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"


def generate(spec: Spec) -> Generated:
    """Rows for a buildings CSV and a people CSV; same spec, same output, always."""
    rng = random.Random(spec.seed)
    names = _Names(rng, spec.unique_compound_names, spec.rich_names)
    for fixed in spec.fixed:
        names.used_compounds.add(fixed.name)
    buildings: list[dict[str, str]] = []
    people: list[dict[str, str]] = []
    district = {
        "district_code": spec.district_code,
        "district_name": spec.district_name,
        "district_aliases": "|".join(spec.district_aliases),
    }
    street_names = list(STREET_NAMES[: spec.streets])
    while len(street_names) < spec.streets:
        street_names.append(f"{names.community_stem()}街道")
    for s_index, street_name in enumerate(street_names, start=1):
        street_code = f"{spec.district_code}{s_index:03d}"
        stem = street_name.removesuffix("街道").removesuffix("镇")
        street_aliases = (
            (f"{stem}街道办事处", f"{stem}办") if street_name.endswith("街道")
            else (f"{stem}镇人民政府",)
        )
        angle = 2 * math.pi * s_index / max(spec.streets, 1)
        ring = 1800 + 900 * (s_index % 3)
        street_centre = _offset(CENTRE, ring * math.sin(angle), ring * math.cos(angle))
        fixed_here = [f for f in spec.fixed if f.street == street_name]
        wanted = rng.randint(*spec.communities_per_street)
        community_stems = [f.community.removesuffix("社区").removesuffix("村")
                           for f in fixed_here]
        community_stems = list(dict.fromkeys(community_stems))
        for stem_ in community_stems:
            names.used_communities.add(stem_)
        while len(community_stems) < wanted:
            community_stems.append(names.community_stem())
        for c_index, c_stem in enumerate(community_stems, start=1):
            community_code = f"{street_code}{c_index:03d}"
            community_name = f"{c_stem}{'村' if street_name.endswith('镇') else '社区'}"
            community_aliases = (
                (f"{c_stem}社区居委会",) if community_name.endswith("社区")
                else (f"{c_stem}村委会",)
            )
            c_centre = _offset(street_centre, rng.uniform(-900, 900), rng.uniform(-900, 900))
            row_base = {
                **district,
                "street_code": street_code, "street_name": street_name,
                "street_aliases": "|".join(street_aliases),
                "community_code": community_code, "community_name": community_name,
                "community_aliases": "|".join(community_aliases),
            }
            grids = []
            for g_index in range(1, rng.randint(*spec.grids_per_community) + 1):
                grid_code = f"{community_code}W{g_index:02d}"
                grid_name = f"{community_name}第{_cn(g_index)}网格"
                micro = [
                    (f"{grid_code}-{m}", f"{grid_name}第{m}微网格")
                    for m in range(1, rng.randint(*spec.microgrids_per_grid) + 1)
                ]
                grids.append((grid_code, grid_name, (f"{c_stem}{_cn(g_index)}网格",), micro))
                people.append(_person(names, f"{grid_code}-W", "grid_worker", "grid", grid_code))
            people.append(_person(names, f"{community_code}-S", "secretary", "community",
                                  community_code))
            people.append(_person(names, f"{community_code}-P", "police", "community",
                                  community_code))
            compounds: list[tuple[str, tuple[str, ...], int, str]] = [
                (f.name, f.aliases, f.buildings, f.road)
                for f in fixed_here if f.community == community_name
            ]
            taken = {c[0] for c in compounds}
            for _ in range(rng.randint(*spec.compounds_per_community)):
                name, aliases = names.compound(taken)
                taken.add(name)
                compounds.append((name, aliases, rng.randint(*spec.buildings_per_compound), ""))
            for x_index, (x_name, x_aliases, count, road) in enumerate(compounds, start=1):
                compound_code = f"{community_code}X{x_index:02d}"
                road = road or names.road()
                door_plate = f"{road}{names.house_number(road)}号"
                x_centre = _offset(c_centre, rng.uniform(-400, 400), rng.uniform(-400, 400))
                # Consecutive grids share a big compound: that is why buildings, not
                # compounds, carry the grid.
                first_grid = (x_index - 1) % len(grids)
                named = rng.random() < 0.15
                for number in range(1, count + 1):
                    grid_code, grid_name, grid_aliases, micro = grids[
                        (first_grid + (number - 1) * 2 // max(count, 1)) % len(grids)
                    ]
                    microgrid_code, microgrid_name = micro[(number - 1) // 3 % len(micro)]
                    col, row = (number - 1) % 4, (number - 1) // 4
                    lat, lng = _offset(x_centre, row * 45 + rng.uniform(-6, 6),
                                       col * 38 + rng.uniform(-6, 6))
                    aliases = ("综合楼",) if named and number == count else ()
                    buildings.append({
                        **row_base,
                        "grid_code": grid_code, "grid_name": grid_name,
                        "grid_aliases": "|".join(grid_aliases),
                        "microgrid_code": microgrid_code, "microgrid_name": microgrid_name,
                        "compound_code": compound_code, "compound_name": x_name,
                        "compound_aliases": "|".join(x_aliases),
                        "building_code": f"{compound_code}-{number:03d}",
                        "building_number": str(number),
                        "building_name": f"{number}号楼",
                        "building_aliases": "|".join(aliases),
                        "units": str(rng.randint(2, 6)),
                        "door_plate": door_plate,
                        "lat": f"{lat:.6f}", "lng": f"{lng:.6f}",
                    })
                    if spec.max_buildings is not None and len(buildings) >= spec.max_buildings:
                        return Generated(buildings, people)
    return Generated(buildings, people)


def _person(names: _Names, code: str, role: str, level: str, scope: str) -> dict[str, str]:
    return {
        "person_code": code, "role": role, "level": level, "scope_code": scope,
        "name": names.person(), "phone": names.mobile(),
        "channels": "",
    }


def bench_spec(buildings: int = 25_000, seed: int = 24428) -> Spec:
    """A city district of the size the source articles describe (24,428 buildings)."""
    return Spec(
        seed=seed, streets=13, communities_per_street=(10, 13), grids_per_community=(4, 6),
        compounds_per_community=(9, 12), buildings_per_compound=(8, 26),
        max_buildings=buildings, unique_compound_names=False, rich_names=True,
    )


def iter_rows(rows: list[dict[str, str]], columns: tuple[str, ...]) -> Iterator[list[str]]:
    for row in rows:
        yield [row.get(column, "") for column in columns]
