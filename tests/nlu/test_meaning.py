"""Text without meaning is never read as an intent (least of all as a yes)."""

from __future__ import annotations

import pytest

from nlu import NLUModel
from nlu.meaning import MeaningCheck, core, repeated_unit
from nlu.types import FALLBACK_INTENT

# Keyboard mash, filler and stray digits of every shape: none means anything.
MEANINGLESS = [
    "jkjkjkjkjkjk",
    ";lkj;lkj;lkj",
    "的的的的的",
    "1234567890",
    "顶顶顶",
    "？？？？",
    "。。。。。",
    "!!!",
    "jkjk",
    "sdfkj",
    "hjkl",
    "zxcvzxcv",
    "fjfjfjfj",
    "dfgdfgdfg",
    "啊啊啊啊啊啊",
    "了了了",
    "顶顶顶顶顶",
    "1111111",
    "9876543210",
    "000",
    "666",
    "；；；",
    "……",
    "，，，",
    "~~~",
    "ghj ghj ghj",
    "asdasdasd",
    "qweqwe",
]
# Trained as out_of_scope in training_data/: understood, and still no yes.
OUT_OF_SCOPE = ["asdfgh", "qwertyuiop"]
# Short real answers and reports keep their meaning.
REAL = [
    ("好的", "affirm"),
    ("是", "affirm"),
    ("嗯", "affirm"),
    ("对对对", "affirm"),
    ("嗯嗯", "affirm"),
    ("ok", "affirm"),
    ("👍", "affirm"),
    ("88", "goodbye"),
    ("谢谢", "thank"),
    ("谢谢谢谢", "thank"),
    ("电梯坏了", None),
    ("楼道灯不亮", "report_lighting"),
    ("你好", "greet"),
]
AGREEING = {"affirm", "goodbye", "thank", "rate_satisfied"}


@pytest.mark.parametrize("text", MEANINGLESS)
def test_mash_falls_back_with_no_guess_behind_it(model: NLUModel, text: str) -> None:
    result = model.parse(text)
    assert result.intent.name == FALLBACK_INTENT, result.intent_ranking[:2]
    # No "best guess" for a flow to offer: there is nothing to guess from.
    assert [s.name for s in result.intent_ranking] == [FALLBACK_INTENT]


@pytest.mark.parametrize("text", OUT_OF_SCOPE)
def test_trained_mash_is_out_of_scope(model: NLUModel, text: str) -> None:
    assert model.parse(text).intent.name in (FALLBACK_INTENT, "out_of_scope")


@pytest.mark.parametrize(("text", "intent"), REAL)
def test_real_short_messages_keep_their_intent(
    model: NLUModel, text: str, intent: str | None
) -> None:
    result = model.parse(text)
    if intent is None:
        assert result.intent.name.startswith("report_"), result.intent_ranking[:2]
    else:
        assert result.intent.name == intent, result.intent_ranking[:2]


def test_mash_around_a_real_message_is_still_read(model: NLUModel) -> None:
    assert model.parse("jkjk 楼道灯不亮").intent.name == "report_lighting"
    # A phone number alone is an answer (the entity rules take it), not a string of digits.
    result = model.parse("13912345678")
    assert result.entity_values("phone") and result.intent.name not in AGREEING


def test_repeated_unit_and_core() -> None:
    assert repeated_unit("jkjkjk") == ("jk", 3)
    assert repeated_unit("lkjlkjlkj") == ("lkj", 3)
    assert repeated_unit("电梯坏了") == ("电梯坏了", 1)
    assert core("；Lkj；lkj ！") == "lkjlkj"
    assert core("👍") == "👍"


def test_the_check_learns_repeats_from_the_training_messages() -> None:
    known = {"ok", "hi"}.__contains__
    before = MeaningCheck.fit(["你好", "谢谢"])
    assert before.meaningless("哈哈哈", "哈哈哈", known)
    after = MeaningCheck.fit(["你好", "哈哈哈哈"])
    assert not after.meaningless("哈哈哈", "哈哈哈", known)
    # Latin words the model knows are words, repeated or not.
    assert not after.meaningless("okok", "okok", known)
    assert after.meaningless("jkjk", "jkjk", known)
    # An entity (a phone, a ticket number) is an answer, digits or not.
    assert not after.meaningless("13912345678", "\ue001", known, has_entities=True)
    # Short numbers are menu choices and room numbers.
    assert not after.meaningless("2", "0", known)
    assert not after.meaningless("302", "0", known)
