"""People's channel ids as rows: importing every column form, binding, and lookups."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.addresses import AddressBook, import_csv
from bot.addresses.repository import ChannelTaken, bind_person_channel

from .conftest import import_demo

GRID_WORKER = "370303001001W01-W"
SECRETARY = "370303001001-S"
BUILDING = "370303001001X01-001"


def _people(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "people.csv"
    path.write_text(text, encoding="utf-8")
    return path


async def test_every_column_form_becomes_channel_rows(session_factory, tmp_path: Path) -> None:
    await import_demo(session_factory)
    path = _people(tmp_path, (
        "person_code,role,level,scope_code,name,phone,wechat_openid,wecom_userid,"
        "telegram_chat_id,channel:wechat_mp,channels\n"
        f"{GRID_WORKER},grid_worker,grid,370303001001W01,罗雪,18701083883,oA1,,555,mp-1,"
        "wecom=luoxue; signal = +8613800000000\n"
        f"{SECRETARY},secretary,community,370303001001,韩勇,15889782833,,hanyong,,,\n"
    ))
    report = await import_csv(session_factory, path)
    assert report.ok, report.summary()
    assert report.counts["channel"].inserted == 6
    book = await AddressBook.load(session_factory)
    worker = book.route(BUILDING).contact("grid_worker")
    assert worker is not None and worker.channels == {
        "wechat": "oA1", "telegram": "555", "wechat_mp": "mp-1", "wecom": "luoxue",
        "signal": "+8613800000000",
    }
    # The mini-program openid and the Official Account openid are different channels.
    assert book.staff_for_channel("wechat_mp", "mp-1").person_code == GRID_WORKER
    assert book.staff_for_channel("wechat", "mp-1") is None
    assert book.staff_for_channel("wecom", "hanyong").person_code == SECRETARY

    # Same file again: nothing changes; a file without the ids keeps them.
    again = await import_csv(session_factory, path)
    assert again.counts["channel"].unchanged == 6 and again.counts["channel"].updated == 0
    path = _people(tmp_path, (
        "person_code,role,level,scope_code,name,phone,channels\n"
        f"{GRID_WORKER},grid_worker,grid,370303001001W01,罗雪,18701083883,wecom=luoxue2\n"
    ))
    changed = await import_csv(session_factory, path)
    assert changed.counts["channel"].updated == 1
    book = await AddressBook.load(session_factory)
    assert book.route(BUILDING).contact("grid_worker").channels["wecom"] == "luoxue2"
    assert book.route(BUILDING).contact("grid_worker").channels["wechat_mp"] == "mp-1"


async def test_bad_channel_cells_are_refused_by_line(session_factory, tmp_path: Path) -> None:
    await import_demo(session_factory)
    assert await bind_person_channel(session_factory, SECRETARY, "wecom", "taken")
    head = "person_code,role,level,scope_code,name,phone,wecom_userid,channels\n"
    person = "grid_worker,grid,370303001001W01,王芳,13800000001"
    path = _people(tmp_path, head + "".join(f"P{i},{person},{cells}\n" for i, cells in enumerate((
        ",wecom=a;telegram",          # 2: not NAME=ID
        ",Fax!=1",                    # 3: not a channel name
        "a,wecom=b",                  # 4: two wecom ids in one row
        ",wecom=has space",           # 5: spaces in an id
        "taken,",                     # 6: the secretary's id
        "x1,",                        # 7: good
        ",wecom=x1",                  # 8: P5 has it on line 7
        "x2,wecom=x2",                # 9: good, the same id twice is fine
    ))))
    report = await import_csv(session_factory, path)
    assert [bad.line for bad in report.bad_rows] == [2, 3, 4, 5, 6, 8]
    reasons = [bad.reason for bad in report.bad_rows]
    assert "NAME=ID" in reasons[0] and "channel name" in reasons[1]
    assert "two different wecom ids" in reasons[2]
    assert f"person {SECRETARY}'s (the registry)" in reasons[4]
    assert "person P5's (line 7)" in reasons[5]
    assert "taken" not in report.summary()
    book = await AddressBook.load(session_factory)
    assert book.staff_for_channel("wecom", "x1").person_code == "P5"
    assert book.staff_for_channel("wecom", "x2").person_code == "P7"
    assert book.staff_for_channel("wecom", "taken").person_code == SECRETARY


async def test_bind_replace_refuse_and_unbind(session_factory) -> None:
    await import_demo(session_factory)
    assert await bind_person_channel(session_factory, GRID_WORKER, "wechat_mp", "mp-1")
    assert await bind_person_channel(session_factory, GRID_WORKER, "wechat_mp", "mp-2")
    with pytest.raises(ChannelTaken) as taken:
        await bind_person_channel(session_factory, SECRETARY, "wechat_mp", "mp-2")
    assert taken.value.person_code == GRID_WORKER
    assert await bind_person_channel(session_factory, SECRETARY, "wechat_mp", "mp-1")
    book = await AddressBook.load(session_factory)
    assert book.staff_for_channel("wechat_mp", "mp-2").person_code == GRID_WORKER
    assert book.staff_for_channel("wechat_mp", "mp-1").person_code == SECRETARY

    assert await bind_person_channel(session_factory, GRID_WORKER, "wechat_mp", None)
    with pytest.raises(ValueError):
        await bind_person_channel(session_factory, GRID_WORKER, "wecom", " ")
    await book.reload()
    assert book.staff_for_channel("wechat_mp", "mp-2") is None
    assert book.route(BUILDING).contact("grid_worker").channels == {}


def test_cli_people_bind_and_unbind(tmp_path: Path, monkeypatch, capsys) -> None:
    from bot.addresses.cli import main as cli_main

    from .conftest import DEMO_BUILDINGS, DEMO_PEOPLE

    monkeypatch.setenv("MINSHENG_DATABASE_URL", f"sqlite:///{tmp_path / 'db.sqlite'}")
    monkeypatch.setenv("MINSHENG_VAR_DIR", str(tmp_path / "var"))
    assert cli_main(["addresses", "import", str(DEMO_BUILDINGS), str(DEMO_PEOPLE)]) == 0
    capsys.readouterr()
    assert cli_main(["addresses", "bind-channel", GRID_WORKER, "wechat_mp", "mp-1"]) == 0
    assert cli_main(["addresses", "bind-channel", GRID_WORKER, "wecom", "luoxue"]) == 0
    assert cli_main(["addresses", "bind-channel", SECRETARY, "wecom", "luoxue"]) == 1
    assert f"bound to person {GRID_WORKER}" in capsys.readouterr().err
    assert cli_main(["addresses", "bind-channel", "nobody", "wecom", "x"]) == 1
    assert cli_main(["addresses", "bind-channel", GRID_WORKER, "We Com", "x"]) == 1
    capsys.readouterr()
    assert cli_main(["addresses", "people", "--scope", "370303001001W01"]) == 0
    out = capsys.readouterr().out
    assert f"{GRID_WORKER}  grid_worker" in out
    assert "wechat_mp=mp-1; wecom=luoxue" in out and "1 people" in out
    assert cli_main(["addresses", "unbind-channel", GRID_WORKER, "wechat_mp"]) == 0
    assert cli_main(["addresses", "people", "--scope", "370303001001W01"]) == 0
    out = capsys.readouterr().out
    assert "wechat_mp" not in out.split("unbound", 1)[1] and "wecom=luoxue" in out
