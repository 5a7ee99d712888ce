"""The condition language of ``if:`` and ``when:``."""

from __future__ import annotations

import pytest

from bot.errors import FlowError
from flows._conditions import parse_condition


@pytest.mark.parametrize(
    ("source", "slots", "expected"),
    [
        ("phone", {"phone": "138"}, True),
        ("phone", {"phone": ""}, False),
        ("phone", {}, False),
        ("not phone", {}, True),
        ("duplicate_count > 0", {"duplicate_count": 3}, True),
        ("duplicate_count > 0", {"duplicate_count": None}, False),
        ("rating < 3", {"rating": 1}, True),
        ("rating <= 3 and rating >= 3", {"rating": 3}, True),
        ("confirmed == 'submit'", {"confirmed": "submit"}, True),
        ('confirmed != "submit"', {"confirmed": "change"}, True),
        ("status_found == false", {"status_found": False}, True),
        ("status_found == false", {}, False),
        ("x == null", {}, True),
        ("a or b and c", {"a": False, "b": True, "c": False}, False),
        ("(a or b) and c", {"a": True, "c": True}, True),
        ("not (a or b)", {"a": False, "b": False}, True),
        ("score >= 0.5", {"score": 0.75}, True),
    ],
)
def test_conditions_evaluate_against_slots(source: str, slots: dict, expected: bool) -> None:
    assert parse_condition(source)(slots) is expected


def test_a_condition_knows_which_slots_it_reads() -> None:
    condition = parse_condition("(rating < 3 and not rate_comment) or confirmed == 'x'")
    assert condition.names == {"rating", "rate_comment", "confirmed"}


@pytest.mark.parametrize(
    "source", ["", "a ==", "(a", "a b", "and", "a === b", "a; import os", 3, None]
)
def test_malformed_conditions_are_flow_errors(source: object) -> None:
    with pytest.raises(FlowError):
        parse_condition(source)
