"""The alarm rules file: the shipped one is valid; a bad one names its line and key. And the
device commands: ``minsheng intake device add/import/list/disable``, ``intake alarm-rules``."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest

from bot.cli import main
from bot.errors import ConfigError
from bot.intake.alarms.rules import AlarmRules
from bot.tickets import Catalog
from bot.tickets.status import Urgency
from tests.intake.conftest import RULES_PATH
from tests.tickets.conftest import CATALOG_PATH

GOOD = """\
version: 1
kinds:
  fume:
    name: 油烟监测仪
    unit: mg/m3
    threshold: 2.0
    times: 3
    minutes: 10
    clear_after_minutes: 30
    category: report_cooking_fumes
"""


def test_the_shipped_rules_are_valid_and_every_kind_has_one() -> None:
    rules = AlarmRules.load(RULES_PATH, Catalog.load(CATALOG_PATH))
    assert set(rules.rules) == {"fume", "noise", "water_level", "smoke"}
    smoke = rules.rule("smoke")
    assert smoke is not None and smoke.urgency is Urgency.RED
    fume = rules.rule("fume")
    assert fume is not None and fume.exceeded(2.01) and not fume.exceeded(2.0)


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (("threshold: 2.0", "threshold: abc"), ["line 6", "kinds.fume.threshold"]),
        (("threshold: 2.0", "threshold: .nan"), ["line 6", "finite"]),
        (("times: 3", "times: 0"), ["line 7", "kinds.fume.times"]),
        (("minutes: 10", "minutes: -1"), ["line 8", "kinds.fume.minutes"]),
        (("    unit: mg/m3\n", ""), ["line 3", "kinds.fume.unit", "Field required"]),
        (("fume:", "fumes:"), ["line 3", "kinds.fumes"]),
        (("    times: 3\n", "    times: 3\n    timez: 4\n"), ["line 8", "kinds.fume.timez"]),
        (("report_cooking_fumes", "report_bbq"), ["line 10", "kinds.fume.category", "catalog"]),
        (("version: 1", "version: 2"), ["line 1", "version"]),
        (("    minutes: 10\n", "    minutes: [10\n"), ["not valid YAML"]),
    ],
)
def test_a_bad_file_names_the_line_and_key(
    tmp_path: Path, change: tuple[str, str], words: list[str]
) -> None:
    path = tmp_path / "alarm_rules.yml"
    path.write_text(GOOD.replace(*change), encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        AlarmRules.load(path, Catalog.load(CATALOG_PATH))
    message = str(raised.value)
    assert str(path) in message
    for word in words:
        assert word in message, message


def test_a_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        AlarmRules.load(tmp_path / "none.yml")


def test_device_commands(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    url = f"sqlite:///{tmp_path / 'alarms.db'}"
    db = ["--database-url", url]
    buildings = tmp_path / "buildings.csv"
    from tests.tickets.conftest import B1, BUILDINGS_CSV

    buildings.write_text(BUILDINGS_CSV, encoding="utf-8")
    assert main(["intake", "source", "add", "12345", *db]) == 0
    # Only an alarms source takes devices.
    assert main(["intake", "device", "add", "F-1", "--kind", "fume", "--building", B1,
                 "--source", "12345", *db]) == 2  # fmt: skip
    assert "不是设备告警类来源" in capsys.readouterr().err
    assert main(["intake", "source", "add", "fume-net", "--kind", "alarms", *db]) == 0

    async def load_registry() -> None:
        from bot.addresses import import_csv
        from bot.db import create_engine_for, make_session_factory

        engine = create_engine_for(url)
        try:
            report = await import_csv(make_session_factory(engine), buildings)
            assert not report.bad_rows
        finally:
            await engine.dispose()

    asyncio.run(load_registry())
    capsys.readouterr()
    assert main(["intake", "device", "add", "F-1", "--kind", "fume", "--building", B1, *db]) == 0
    assert "F-1" in capsys.readouterr().out
    assert main(["intake", "device", "add", "F-2", "--kind", "fume", "--building", "X", *db]) == 2
    assert "不在地址库中" in capsys.readouterr().err

    good = tmp_path / "devices.csv"
    good.write_text(
        "device_id,kind,building_code,landmark,lat,lng,label\n"
        f"F-2,fume,{B1},,,,1号楼底商\n"
        "W-1,water_level,,东风路下穿通道,36.8002,118.0001,积水点\n",
        encoding="gb18030",
    )
    assert main(["intake", "device", "import", str(good), *db]) == 0
    assert "新增 2" in capsys.readouterr().out
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "device_id,kind,building_code,landmark,lat,lng,label\n"
        f"F-3,fume,{B1},,,,\n"
        "F-4,laser,,,,,\n"
        "F-5,fume,,远处,10.0,10.0,\n"
        "F-6,noise,,,,,\n",
        encoding="utf-8",
    )
    assert main(["intake", "device", "import", str(bad), *db]) == 1
    err = capsys.readouterr().err
    assert re.search(r"第 3 行：设备类型", err) and re.search(r"第 4 行：该经纬度", err)
    assert re.search(r"第 5 行：设备要么绑定楼栋", err) and "未导入任何设备" in err
    yml = tmp_path / "devices.yml"
    yml.write_text(
        f"- {{device_id: N-1, kind: noise, building_code: '{B1}'}}\n- {{device_id: N-2}}\n",
        encoding="utf-8",
    )
    assert main(["intake", "device", "import", str(yml), *db]) == 1
    assert "第 2 行" in capsys.readouterr().err

    assert main(["intake", "device", "disable", "F-2", *db]) == 0
    assert main(["intake", "device", "list", *db]) == 0
    listed = capsys.readouterr().out
    assert "F-1" in listed and "W-1" in listed and "东风路下穿通道" in listed
    assert "F-3" not in listed and "停用" in listed
    assert main(["intake", "alarm-rules"]) == 0
    assert "report_cooking_fumes" in capsys.readouterr().out
