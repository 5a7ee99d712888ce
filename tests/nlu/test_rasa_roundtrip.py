"""Hand-written Rasa 3.x files using every construct survive load -> write -> load."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from nlu.cli import main as nlu_main
from nlu.convert import read_csv, read_csv_text, to_csv_text
from nlu.data import EntityAnnotation, TrainingData
from nlu.rasa_domain import dump_domain, load_domain, read_domain_text
from nlu.rasa_io import NLUDataError, _Yaml12Loader, dump_yaml, load_data, read_text

FULL = Path(__file__).parent / "data" / "rasa_full"


def _content(data: TrainingData) -> tuple[object, ...]:
    return (
        [(*e.key(), e.metadata) for e in data.examples],
        data.synonyms,
        data.regexes,
        data.lookups,
        data.intent_metadata,
    )


def test_nlu_file_round_trips_without_loss() -> None:
    data = load_data(FULL / "nlu.yml")
    written = dump_yaml(data) or ""
    again = read_text(written)
    assert _content(again) == _content(data)
    assert dump_yaml(again) == written  # the text is stable from the first write on


def test_roles_groups_and_annotation_synonyms_are_read() -> None:
    data = load_data(FULL / "nlu.yml")
    by_text = {e.text: e for e in data.examples}
    route = by_text["东门到西门的路灯不亮"].entities
    assert [(a.entity, a.role, a.value) for a in route] == [
        ("location", "origin", "东门"),
        ("location", "destination", "西门"),
    ]
    pair = by_text["两个水管漏水"].entities
    assert {(a.entity, a.group) for a in pair} == {("number", "1"), ("facility", "1")}
    assert by_text["帮我看看路灯"].entities[0].value == "照明设施"
    assert by_text["楼道很脏"].entities[0] == EntityAnnotation("facility", 0, 2, "走廊")
    floor = by_text["我在三楼"].entities
    assert {(a.entity, a.value, a.role) for a in floor} == {
        ("floor", "3", None),
        ("place", "三楼", "inside"),
    }
    assert by_text["我的工单怎么样了"].metadata == {"source": "wechat"}
    assert data.intent_metadata == {"report_problem": {"sentiment": "neutral"}}
    assert data.synonyms == {"路灯": "照明设施", "灯": "照明设施"}
    assert [(r.name, r.pattern) for r in data.regexes] == [("ticket_number", r"\d{8}-\d{4}")]
    assert data.lookups == {"community": ["锦园小区", "华光小区"]}
    assert "no" in by_text  # YAML 1.2: a "no" example is text, not False


def test_domain_round_trips_without_loss() -> None:
    source = (FULL / "domain.yml").read_text(encoding="utf-8")
    domain = load_domain(FULL / "domain.yml")
    written = dump_domain(domain)
    assert yaml.load(written, Loader=_Yaml12Loader) == yaml.load(source, Loader=_Yaml12Loader)
    again = read_domain_text(written)
    assert again == domain
    assert dump_domain(again) == written


def test_domain_responses_are_typed() -> None:
    domain = load_domain(FULL / "domain.yml")
    assert domain.intents == ["report_problem", "ask_status", "greet"]
    assert domain.entities == ["facility", "location", "number", "ticket_number"]
    assert domain.actions == ["action_file_ticket", "validate_report_form"]
    ask = domain.responses["utter_ask_facility"][0]
    assert ask.text == "请问是哪里坏了？"
    assert [(b.title, b.payload) for b in ask.buttons] == [
        ("路灯", '/report_problem{"facility": "路灯"}'),
        ("水管", '/report_problem{"facility": "水管"}'),
    ]
    photo = domain.responses["utter_photo"][0]
    assert (photo.image, photo.channel) == ("https://example.org/sample.png", "web")
    assert domain.responses["utter_custom"][0].custom == {"kind": "card", "items": [1, 2]}
    assert domain.responses["utter_greet"][1].condition[0]["name"] == "name"


def test_bad_domain_responses_name_the_place() -> None:
    with pytest.raises(NLUDataError, match=r"responses\.utter_x"):
        read_domain_text("responses:\n  utter_x: []\n", "d.yml")
    with pytest.raises(NLUDataError, match="title"):
        read_domain_text("responses:\n  utter_x:\n  - text: a\n    buttons: [{payload: b}]\n")


def test_csv_round_trip_keeps_annotations() -> None:
    data = load_data(FULL / "nlu.yml")
    text, report = to_csv_text(data)
    assert text.startswith("text,intent\r\n")
    assert (report.dropped_synonyms, report.dropped_regexes, report.dropped_lookups) == (2, 1, 1)
    back = read_csv_text(text)
    assert [e.key() for e in back.examples] == [e.key() for e in data.examples]


def test_csv_from_excel_gb18030_with_chinese_headers(tmp_path: Path) -> None:
    sheet = tmp_path / "标注.csv"
    sheet.write_bytes(
        "例句,意图,备注\r\n小区门口路灯坏了,report_problem,张三\r\n".encode("gb18030")
    )
    data = read_csv(sheet)
    assert [(e.text, e.intent) for e in data.examples] == [("小区门口路灯坏了", "report_problem")]


def test_csv_errors_are_numbered_by_line(tmp_path: Path) -> None:
    sheet = tmp_path / "bad.csv"
    sheet.write_text(
        'text,intent\n好的,affirm\n"两行\n的例句",\n\n,greet\n[坏标注]{"x": 1},greet\n',
        encoding="utf-8",
    )
    with pytest.raises(NLUDataError) as caught:
        read_csv(sheet)
    message = str(caught.value)
    assert "第 3 行" in message and "缺少意图" in message
    assert "第 6 行" in message and "缺少例句" in message
    assert "第 7 行" in message and "entity" in message
    assert "第 2 行" not in message


def test_csv_without_header_is_refused() -> None:
    with pytest.raises(NLUDataError, match="表头"):
        read_csv_text("路灯坏了,report_problem\n")


def test_convert_command_both_ways(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sheet = tmp_path / "out.csv"
    assert nlu_main(["nlu", "convert", str(FULL / "nlu.yml"), str(sheet)]) == 0
    assert sheet.read_bytes().startswith(b"\xef\xbb\xbftext,intent")
    assert "同义词" in capsys.readouterr().err
    back = tmp_path / "nlu.yml"
    assert nlu_main(["nlu", "convert", str(sheet), str(back)]) == 0
    assert [e.key() for e in load_data(back).examples] == [
        e.key() for e in load_data(FULL / "nlu.yml").examples
    ]
    gb = tmp_path / "gb.csv"
    assert nlu_main(["nlu", "convert", str(back), str(gb), "--encoding", "gb18030"]) == 0
    assert "路灯".encode("gb18030") in gb.read_bytes()


def test_convert_command_reports_rows_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sheet = tmp_path / "bad.csv"
    sheet.write_text("text,intent\n路灯坏了,\n", encoding="utf-8")
    target = tmp_path / "nlu.yml"
    assert nlu_main(["nlu", "convert", str(sheet), str(target)]) == 1
    assert "第 2 行" in capsys.readouterr().err
    assert not target.exists()
    assert nlu_main(["nlu", "convert", str(sheet), str(tmp_path / "x.txt")]) == 2
