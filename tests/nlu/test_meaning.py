"""Keyboard mash is recognised by its shape (nlu/meaning.py), and the model does not read
it as a confident intent."""

from __future__ import annotations

import pytest

from nlu import NLUModel
from nlu.meaning import meaningless
from nlu.types import Entity

MASH = [
    "jkjkjkjkjkjk",
    ";lkj;lkj;lkj",
    "的的的的的",
    "1234567890",
    "顶顶顶",
    "asdf qwer",
    "xkcd fjdk",
    "啊啊啊啊",
    "哈哈哈哈",
    "zzzzzz",
]
MEANINGFUL = [
    "嗯嗯嗯",
    "好好好",
    "对对对",
    "谢谢谢谢",
    "确认",
    "好的",
    "是的",
    "ok",
    "OK",
    "yes",
    "haode",
    "shi de",
    "2",
    "哈哈",
    "wifi坏了",
    "锦园小区2号楼楼道灯坏了",
    "😡😡😡",
]


@pytest.mark.parametrize("text", MASH)
def test_mash_is_meaningless(text: str) -> None:
    assert meaningless(text)


@pytest.mark.parametrize("text", MEANINGFUL)
def test_words_are_not(text: str) -> None:
    assert not meaningless(text)


def test_a_phone_or_ticket_number_found_in_digits_is_meaningful() -> None:
    phone = Entity("phone", 0, 11, "13800001111")
    assert meaningless("13800001111")
    assert not meaningless("13800001111", [phone])


def test_the_model_falls_back_on_mash(model: NLUModel) -> None:
    for text in ("jkjkjkjkjkjk", ";lkj;lkj;lkj", "的的的的的", "1234567890", "顶顶顶"):
        assert model.parse(text).is_fallback, text
    assert model.parse("好的").intent.name == "affirm"
