"""``minsheng intake import``: a realistic 12345 export as GB18030 CSV and as Excel, good and
bad rows, bad rows named by their row and changing nothing, re-import idempotent."""

from __future__ import annotations

import asyncio
import csv
import io
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import col, select

from bot.cli import main
from bot.db import create_engine_for, make_session_factory
from bot.intake.importer import detect_encoding, header_map
from bot.intake.sources import SourceRegistry
from bot.tickets.models import Ticket

TITLE = ["张店区12345政务服务便民热线工单明细（2026年11月）"]
# Column names as one vendor's export has them (variants of the common ones).
HEADER = ["序号", "工单号", "来电时间", "联系人", "来电号码", "诉求类型", "问题描述", "诉求地址",
          "承办单位"]  # fmt: skip
ROWS = [
    # line 3: a building, the source's category mapped to the catalog
    ["1", "ZD2611300001", "2026-11-30 08:05:11", "王小明", "13812345678",
     "城市管理-市容环卫-垃圾清运", "城南社区锦园小区2号楼楼下垃圾桶满了三天没人清运，味道很大",
     "张店区车站街道城南社区锦园小区2号楼", "车站街道"],
    # line 4: no address
    ["2", "ZD2611300002", "2026-11-30 08:20:00", "李女士", "0533-2281234", "噪声污染",
     "晚上楼上装修电钻声音很大", "", "车站街道"],
    # line 5: a road outdoors, no category: predicted from the text
    ["3", "ZD2611300003", "2026/11/30 9:02", "赵先生", "13900001111", "",
     "华光路上有个井盖松动了，车一压就响", "华光路", "车站街道"],
    # line 6: a place the registry does not know
    ["4", "ZD2611300004", "2026-11-30 09:30", "孙女士", "13700002222", "路灯",
     "路灯不亮", "火星基地三号舱", "车站街道"],
    # line 7: a time nobody can read
    ["5", "ZD2611300005", "昨天下午", "周先生", "13600003333", "路灯", "路灯不亮",
     "张店区车站街道城南社区锦园小区3号楼", "车站街道"],
    # line 8: the first order again (the hotline exported it twice)
    ["6", "ZD2611300001", "2026-11-30 08:05:11", "王小明", "13812345678",
     "城市管理-市容环卫-垃圾清运", "重复导出", "张店区车站街道城南社区锦园小区2号楼", "车站街道"],
    # line 9: a blank row between (skipped, not bad)
    ["", "", "", "", "", "", "", "", ""],
    # line 10: landline caller, category by its exact catalog name
    ["7", "ZD2611300007", "2026年11月30日 10:15", "吴大爷", "(0533)2287654", "供暖问题",
     "家里暖气不热，室温只有十四度", "车站街道城南社区锦园小区5号楼3单元", "车站街道"],
]  # fmt: skip


def write_csv(path: Path, encoding: str) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(TITLE)
    writer.writerow(HEADER)
    writer.writerows(ROWS)
    path.write_bytes(buffer.getvalue().encode(encoding))


def write_xlsx(path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(TITLE)
    sheet.append(HEADER)
    for row in ROWS:
        # Excel keeps numbers as numbers: the serial column and a phone typed as a number.
        cells: list[object] = [int(row[0]) if row[0] else None, *row[1:]]
        if row[4].isdigit():
            cells[4] = int(row[4])
        sheet.append(cells)
    book.save(path)


@pytest.fixture
def cli_env(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    private_model_dir: Path,
    default_model_digest: str,
) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MINSHENG_MODEL_DIR", str(private_model_dir))
    monkeypatch.setenv("MINSHENG_NLU_TRUSTED_DIGESTS", f'["{default_model_digest}"]')
    return tmp_path


def add_source(url: str) -> None:
    async def add() -> None:
        engine = create_engine_for(url)
        try:
            await SourceRegistry(make_session_factory(engine)).add("12345", "12345热线")
        finally:
            await engine.dispose()

    asyncio.run(add())


def tickets_of(url: str) -> list[Ticket]:
    async def read() -> list[Ticket]:
        engine = create_engine_for(url)
        try:
            async with make_session_factory(engine)() as session:
                return list(await session.exec(select(Ticket).order_by(col(Ticket.id))))
        finally:
            await engine.dispose()

    return asyncio.run(read())


def run_import(url: str, path: Path, capsys: Any, *extra: str) -> tuple[int, str]:
    code = main(["intake", "import", str(path), "--source", "12345", "--database-url", url, *extra])
    return code, capsys.readouterr().out


@pytest.mark.parametrize("encoding", ["gb18030"])
def test_a_gb18030_export_imports_good_rows_names_bad_ones_and_reimports_idempotently(
    cli_env: Path, database_url: str, capsys: Any, encoding: str
) -> None:
    export = cli_env / "12345工单.csv"
    write_csv(export, encoding)
    assert detect_encoding(export) == "gb18030"
    add_source(database_url)

    dry_code, dry = run_import(database_url, export, capsys, "--dry-run")
    assert dry_code == 1 and "新登记 3 条，重复 1 条，有误 3 条" in dry and "试运行" in dry
    assert tickets_of(database_url) == []

    code, out = run_import(database_url, export, capsys)
    assert code == 1, out
    bad = dict(re.findall(r"第 (\d+) 行：(.+)", out))
    assert set(bad) == {"4", "6", "7"}, out
    assert bad["4"] == "缺少事发地址"
    assert "火星基地三号舱" in bad["6"] and "昨天下午" in bad["7"]
    assert "新登记 3 条，重复 1 条，有误 3 条（共 7 行）" in out, out
    assert "13812345678" not in out and "王小明" not in out

    rows = {t.source_ref: t for t in tickets_of(database_url)}
    assert sorted(rows) == ["ZD2611300001", "ZD2611300003", "ZD2611300007"]
    garbage, manhole, heating = (rows[n] for n in sorted(rows))
    assert garbage.category == "report_garbage" and not garbage.category_predicted
    assert garbage.building_code is not None and garbage.reporter_phone == "13812345678"
    assert garbage.source == "12345" and garbage.reporter_channel == "intake"
    assert manhole.category == "report_road_damage" and manhole.category_predicted
    assert manhole.landmark == "华光路" and manhole.building_code is None
    assert heating.category == "report_heating" and heating.unit == "3"
    assert heating.reporter_phone == "05332287654"

    again_code, again = run_import(database_url, export, capsys)
    assert again_code == 1
    assert "新登记 0 条，重复 4 条，有误 3 条（共 7 行）" in again, again
    assert len(tickets_of(database_url)) == 3


def test_an_excel_export_and_a_utf8_bom_one(
    cli_env: Path, sqlite_demo_template: Path, capsys: Any
) -> None:
    database = cli_env / "import.db"
    shutil.copyfile(sqlite_demo_template, database)
    url = f"sqlite:///{database}"
    add_source(url)
    workbook = cli_env / "12345工单.xlsx"
    write_xlsx(workbook)
    code, out = run_import(url, workbook, capsys)
    assert code == 1 and "新登记 3 条，重复 1 条，有误 3 条（共 7 行）" in out, out
    assert sorted(re.findall(r"第 (\d+) 行", out)) == ["4", "6", "7"]
    by_number = {t.source_ref: t for t in tickets_of(url)}
    assert by_number["ZD2611300001"].reporter_phone == "13812345678"

    export = cli_env / "bom.csv"
    write_csv(export, "utf-8-sig")
    assert detect_encoding(export) == "utf-8-sig"
    code, out = run_import(url, export, capsys)
    assert "新登记 0 条，重复 4 条，有误 3 条" in out, out


def test_unusable_files_and_sources_are_said_plainly(
    cli_env: Path, sqlite_demo_template: Path, capsys: Any
) -> None:
    database = cli_env / "import.db"
    shutil.copyfile(sqlite_demo_template, database)
    url = f"sqlite:///{database}"
    export = cli_env / "x.csv"
    write_csv(export, "utf-8")
    code, out = run_import(url, export, capsys)
    assert code == 2 and "没有名为 12345 的来源" in out
    add_source(url)
    headless = cli_env / "headless.csv"
    headless.write_text("a,b,c\n1,2,3\n", encoding="utf-8")
    code, out = run_import(url, headless, capsys)
    assert code == 2 and "找不到表头" in out
    code, out = run_import(url, cli_env / "x.pdf", capsys)
    assert code == 2 and ".pdf" in out


def test_header_variants() -> None:
    header = ["工单编号", "受理时间", "来电人", "联系电话", "诉求内容", "事发地址", "问题分类"]
    assert header_map(header) == {
        "source_number": 0,
        "received_at": 1,
        "caller_name": 2,
        "caller_phone": 3,
        "text": 4,
        "address": 5,
        "category": 6,
    }
    assert header_map(["\ufeff工单号 ", "来电内容*", "地址（事发）", "地址"]) == {
        "source_number": 0,
        "text": 1,
        "address": 3,
    }
    assert header_map(["工单号", "来电内容"]) is None
