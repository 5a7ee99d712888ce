"""Answers to 咨询 from training_data/knowledge.yml."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from bot.errors import FlowError
from flows import Knowledge

ROOT = Path(__file__).resolve().parents[2]
KNOWLEDGE = Knowledge.load(ROOT / "training_data" / "knowledge.yml")


@pytest.mark.parametrize(
    ("question", "entry"),
    [
        ("独生子女证丢了怎么补办", "only_child_certificate"),
        ("请问独生子女父母光荣证在哪办?", "only_child_certificate"),
        ("外地人办居住证要带啥", "residence_permit"),
        ("我妈70了,老年证去哪办", "senior_card"),
        ("我家是哪个学区", "school_district"),
        ("孩子明年上小学,入学要准备什么材料?", "primary_enrollment"),
        ("幼儿园怎么报名", "kindergarten"),
        ("宝宝在哪里打疫苗", "child_vaccination"),
        ("被狗咬了去哪打狂犬疫苗", "adult_vaccination"),
        ("家庭医生怎么签约", "family_doctor"),
        ("65岁以上老人每年能免费体检吗", "elderly_checkup"),
        ("居民医保怎么交", "medical_insurance"),
        ("社区能开居住证明吗", "community_certificate"),
    ],
)
def test_questions_find_their_answer(question: str, entry: str) -> None:
    found = KNOWLEDGE.answer(question)
    assert found is not None and found.id == entry, found
    assert found.score >= 0.7


@pytest.mark.parametrize(
    "text",
    ["幼儿园老师打孩子", "楼道灯坏了", "社区能办护照吗", "今天天气不错", ""],
)
def test_complaints_and_unknown_questions_get_no_answer(text: str) -> None:
    found = KNOWLEDGE.answer(text)
    assert found is None or found.score < 0.7


def test_every_entry_answers_its_own_example_questions() -> None:
    for entry in KNOWLEDGE.entries:
        for question in entry.questions:
            found = KNOWLEDGE.answer(question)
            assert found is not None and found.id == entry.id, (question, found)


def test_bad_knowledge_files_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "knowledge.yml"
    path.write_text(textwrap.dedent("""
        version: 1
        entries:
          - id: a
            title: 甲
            answer: 答
            keywords: [甲]
          - id: a
            title: 乙
            answer: 答
            keywords: [乙]
    """), encoding="utf-8")
    with pytest.raises(FlowError, match="编号「a」重复"):
        Knowledge.load(path)
