"""The one masking policy: every form a keyboard allows, and nothing that is not personal."""

from __future__ import annotations

import logging

import pytest

from bot.privacy import PrivacyLogFilter, mask_id_number, mask_phone, mask_text


@pytest.mark.parametrize(
    "text,secret",
    [
        ("电话13812345678", "12345678"),
        ("电话138 1234 5678", "1234 5678"),
        ("电话138-1234-5678", "1234-5678"),
        ("+86 138 1234 5678", "1234 5678"),
        ("+8613812345678", "8613812345678"),
        ("0086-13812345678", "13812345678"),
        ("手机１３８１２３４５６７８", "１２３４５６７８"),
        ("座机(0533)2281234", "2281234"),
        ("座机（0533）228-1234", "228-1234"),
        ("座机0533-2281234", "2281234"),
        ("打2281234找我", "2281234"),
        ("身份证370303199001011234", "0303199001011"),
        ("身份证 3703 0319 9001 0112 3X", "0319 9001"),
        ("我叫王小明,住这里", "王小明"),
        ("联系人:张三,电话见上", "张三"),
        ("我姓欧阳", "阳"),
        ("找王女士", "王女士"),
        ("5号楼3单元502", "502"),
        ("住在2单元1201室", "1201"),
    ],
)
def test_personal_data_is_masked_in_every_form(text: str, secret: str) -> None:
    masked = mask_text(text)
    assert secret not in masked, masked


@pytest.mark.parametrize(
    "text",
    [
        "锦园小区2号楼楼道灯坏了",
        "工单20261121-0042怎么样了",
        "已经三天了,2026年11月20日报的",
        "这位女士说物业师傅修过了",
        "我是居民,我是业主",
    ],
)
def test_what_is_not_personal_is_left_alone(text: str) -> None:
    assert mask_text(text) == text


def test_masks_keep_what_the_owner_recognises() -> None:
    assert mask_phone("+86 138-1234-5678") == "138****5678"
    assert mask_phone("(0533)2281234") == "0533-****1234"
    assert mask_phone("010-12345678") == "010-****5678"
    assert mask_id_number("37030319900101123X") == "3****************X"


def test_log_records_are_masked(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("tests.privacy")
    handler = caplog.handler
    handler.addFilter(PrivacyLogFilter())
    try:
        logger.warning("resident %s said %s", "13812345678", "我叫王小明")
    finally:
        handler.removeFilter(handler.filters[-1])
    assert "13812345678" not in caplog.text and "王小明" not in caplog.text
    assert "138****5678" in caplog.text
