"""The error mapping and text helpers every connector shares."""

from __future__ import annotations

import json

import pytest

from bot.errors import (
    BadInput,
    ConfigError,
    InvalidTransition,
    NLUError,
    RateLimited,
    SignatureError,
    TicketNotFound,
)
from bot.ports import DeliveryError
from bot.state import LockTimeout
from connectors.errors import error_response
from connectors.text import clean_text, without_mentions


@pytest.mark.parametrize(
    ("exc", "status", "code"),
    [
        (BadInput("x"), 400, "bad_input"),
        (SignatureError("x"), 403, "bad_signature"),
        (TicketNotFound("x"), 404, "ticket_not_found"),
        (InvalidTransition("x"), 409, "invalid_transition"),
        (RateLimited("x", retry_after=2.5), 429, "rate_limited"),
        (LockTimeout("x"), 503, "busy"),
        (DeliveryError("x"), 502, "unavailable"),
        (ConfigError("secret detail"), 500, "internal_error"),
        (NLUError("secret detail"), 500, "internal_error"),
        (KeyError("secret detail"), 500, "internal_error"),
    ],
)
def test_exceptions_map_to_json_answers(exc: BaseException, status: int, code: str) -> None:
    response = error_response(exc)
    assert response.status == status
    assert response.body is not None
    body = json.loads(response.body)  # type: ignore[arg-type]
    assert body["error"]["code"] == code
    message = body["error"]["message"]
    assert message and "secret" not in message and "Traceback" not in message
    assert any("\u4e00" <= ch <= "\u9fff" for ch in message)  # said in Chinese
    if isinstance(exc, RateLimited):
        assert response.headers["Retry-After"] == "3"


def test_clean_text_drops_control_characters_nul_and_lone_surrogates() -> None:
    assert clean_text(" 楼道\u0000灯\ud800坏了\u0007\n第二行\t ") == "楼道灯坏了\n第二行"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("@社区小助手 路灯坏了", "路灯坏了"),
        ("路灯坏了 @小助手", "路灯坏了"),
        ("@小助手\u2005路灯坏了", "路灯坏了"),
        ("@小助手", "@小助手"),  # a bare mention stays
        ("邮箱a@b.com", "邮箱a@b.com"),
    ],
)
def test_mentions_are_stripped(raw: str, expected: str) -> None:
    assert without_mentions(raw) == expected
