"""Reading and writing Rasa 3.x NLU training data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nlu import load_data, write_yaml
from nlu.data import EntityAnnotation
from nlu.rasa_io import DataProblem, NLUDataError, dump_yaml, parse_annotated, read_text

FULL = """\
version: "3.1"
nlu:
- intent: report_lighting
  metadata:
    domain: 城乡建设
  examples: |
    - [锦园小区2号楼](address)楼道灯坏了
    - 我住[二号楼]{"entity": "building", "value": "2"}，灯不亮
    - 电话[138 1234 5678](phone:13812345678)
    - [3单元][{"entity": "unit", "value": "3"}, {"entity": "address"}]没灯
- intent: "no"
  examples:
  - text: |
      不要
    metadata:
      source: wechat
  - text: 不行
- synonym: 楼道灯
  examples: |
    - 楼梯灯
    - 声控灯
- regex: ticket_number
  examples: |
    - 20\\d{6}-\\d{4}
- lookup: address
  examples: |
    - 锦园小区
    - 阳光花园
"""


def test_reads_every_kind_of_item_and_annotation() -> None:
    data = read_text(FULL)
    assert [e.intent for e in data.examples] == ["report_lighting"] * 4 + ["no", "no"]
    first, second, third, fourth = data.examples[:4]
    assert first.text == "锦园小区2号楼楼道灯坏了"
    assert first.entities == (EntityAnnotation("address", 0, 7, "锦园小区2号楼"),)
    assert second.text == "我住二号楼，灯不亮"
    assert second.entities == (EntityAnnotation("building", 2, 5, "2"),)
    assert third.entities == (EntityAnnotation("phone", 2, 15, "13812345678"),)
    assert {a.entity for a in fourth.entities} == {"unit", "address"}
    assert data.examples[4].metadata == {"source": "wechat"}
    assert data.intent_metadata == {"report_lighting": {"domain": "城乡建设"}}
    assert data.synonyms == {"楼梯灯": "楼道灯", "声控灯": "楼道灯"}
    assert [(r.name, r.pattern) for r in data.regexes] == [("ticket_number", r"20\d{6}-\d{4}")]
    assert data.lookups == {"address": ["锦园小区", "阳光花园"]}


def test_yaml_12_booleans_stay_strings() -> None:
    """`- intent: no` is the string "no" to Rasa (YAML 1.2), not False."""
    data = read_text("nlu:\n- intent: no\n  examples: |\n    - 不要\n")
    assert data.examples[0].intent == "no"


def test_round_trip_keeps_everything(tmp_path: Path) -> None:
    original = read_text(FULL)
    path = tmp_path / "out" / "nlu.yml"
    write_yaml(original, path)
    again = load_data(path)
    assert [e.key() for e in again.examples] == [e.key() for e in original.examples]
    assert [e.metadata for e in again.examples] == [e.metadata for e in original.examples]
    assert again.synonyms == original.synonyms
    assert again.regexes == original.regexes
    assert again.lookups == original.lookups
    assert again.intent_metadata == original.intent_metadata
    assert again.fingerprint() == original.fingerprint()
    assert dump_yaml(again) == dump_yaml(original)


def test_annotation_round_trip() -> None:
    text = '我住[幸福家园](address)[二号楼]{"entity": "building", "value": "2"}'
    plain, entities = parse_annotated(text)
    assert plain == "我住幸福家园二号楼"
    assert [(e.entity, plain[e.start : e.end], e.value) for e in entities] == [
        ("address", "幸福家园", "幸福家园"),
        ("building", "二号楼", "2"),
    ]


def test_directory_reads_nlu_files_and_skips_other_yaml(tmp_path: Path) -> None:
    (tmp_path / "nlu.yml").write_text(FULL, encoding="utf-8")
    (tmp_path / "more").mkdir()
    (tmp_path / "more" / "extra.yaml").write_text(
        "nlu:\n- intent: greet\n  examples: |\n    - 你好\n", encoding="utf-8"
    )
    (tmp_path / "catalog.yml").write_text("domains:\n  - name: x\n", encoding="utf-8")
    (tmp_path / "broken_flow.yml").write_text("steps: [unclosed\n", encoding="utf-8")
    (tmp_path / "domain.yml").write_text("entities:\n  - community\n", encoding="utf-8")
    data = load_data(tmp_path)
    assert "greet" in data.intents and "report_lighting" in data.intents
    assert data.domain_found and data.declared_entities == {"community"}


def test_json_layout_is_read(tmp_path: Path) -> None:
    body = {
        "rasa_nlu_data": {
            "common_examples": [
                {
                    "text": "我住3号楼",
                    "intent": "inform",
                    "entities": [{"start": 2, "end": 5, "value": "3", "entity": "building"}],
                },
            ],
            "regex_features": [{"name": "phone", "pattern": r"1\d{10}"}],
            "lookup_tables": [{"name": "address", "elements": ["锦园"]}],
            "entity_synonyms": [{"value": "楼道灯", "synonyms": ["楼梯灯"]}],
        }
    }
    path = tmp_path / "nlu.json"
    path.write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
    data = load_data(path)
    assert data.examples[0].entities[0].value == "3"
    assert data.lookups == {"address": ["锦园"]} and data.synonyms == {"楼梯灯": "楼道灯"}


def test_problems_are_collected_or_raised(tmp_path: Path) -> None:
    bad = (
        "nlu:\n- intent: a\n  examples: |\n    - ok\n"
        "- intent: b\n"  # no examples
        "- regex: r\n  examples: |\n    - ([\n"  # does not compile
        "- intent: c\n  examples: |\n    - [x]{not json}\n"
    )
    problems: list[DataProblem] = []
    data = read_text(bad, "bad.yml", problems)
    assert [e.intent for e in data.examples] == ["a"]
    assert {p.code for p in problems} == {"no_examples", "regex", "annotation"}
    assert all(p.level == "error" and p.location.startswith("bad.yml") for p in problems)
    with pytest.raises(NLUDataError):
        read_text(bad, "bad.yml")


def test_missing_path_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(NLUDataError):
        load_data(tmp_path / "nope.yml")
