"""The tiny condition language of ``if:`` and ``when:`` in flow files.

Written for trainers, evaluated safely (no ``eval``)::

    duplicate_count > 0
    confirmed == 'change'
    not phone and not anonymous
    (status == 'resolved' or status == 'closed') and rating

Names are slot names (a missing slot is ``null``); literals are 'strings', "strings",
numbers, ``true``, ``false`` and ``null``. A name alone tests that the slot is filled
(non-empty). Comparisons with ``null`` on ``<``/``>`` are false rather than errors, because a
slot that is not filled yet is the normal case, not a mistake.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from flows._problems import problem

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<num>-?\d+(?:\.\d+)?)
      | (?P<str>'[^']*'|"[^"]*")
      | (?P<op>==|!=|>=|<=|>|<|\(|\))
      | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
    )""",
    re.VERBOSE,
)
_KEYWORDS = {"and", "or", "not", "true", "false", "null"}
_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
}

Evaluator = Callable[[Mapping[str, Any]], Any]


@dataclass(frozen=True, slots=True)
class Condition:
    """A parsed condition; ``names`` are the slots it reads (checked when flows load)."""

    source: str
    names: frozenset[str]
    _evaluate: Evaluator = field(repr=False, compare=False)

    def __call__(self, slots: Mapping[str, Any]) -> bool:
        return bool(self._evaluate(slots))


def _tokenize(source: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    pos = 0
    source = source.rstrip()
    while pos < len(source):
        match = _TOKEN.match(source, pos)
        if match is None or match.end() == pos:
            raise problem("condition_unreadable", source=source, rest=source[pos:])
        kind = match.lastgroup
        assert kind is not None
        tokens.append((kind, match.group(kind)))
        pos = match.end()
    return tokens


class _Parser:
    def __init__(self, source: str) -> None:
        self.source = source
        self.tokens = _tokenize(source)
        self.pos = 0
        self.names: set[str] = set()

    def _peek(self) -> tuple[str, str] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def _take(self) -> tuple[str, str]:
        token = self._peek()
        if token is None:
            raise problem("condition_incomplete", source=self.source)
        self.pos += 1
        return token

    def _is(self, kind: str, value: str) -> bool:
        token = self._peek()
        return token is not None and token == (kind, value)

    def parse(self) -> Evaluator:
        result = self._or()
        if self._peek() is not None:
            raise problem("condition_unexpected", source=self.source, token=self._peek()[1])  # type: ignore[index]
        return result

    def _or(self) -> Evaluator:
        left = self._and()
        while self._is("name", "or"):
            self._take()
            right = self._and()
            left = (lambda a, b: lambda s: a(s) or b(s))(left, right)
        return left

    def _and(self) -> Evaluator:
        left = self._not()
        while self._is("name", "and"):
            self._take()
            right = self._not()
            left = (lambda a, b: lambda s: a(s) and b(s))(left, right)
        return left

    def _not(self) -> Evaluator:
        if self._is("name", "not"):
            self._take()
            inner = self._not()
            return lambda s: not inner(s)
        return self._compare()

    def _compare(self) -> Evaluator:
        left = self._atom()
        token = self._peek()
        if token is not None and token[0] == "op" and token[1] in _COMPARE:
            self._take()
            right = self._atom()
            compare = _COMPARE[token[1]]

            def evaluate(slots: Mapping[str, Any]) -> bool:
                a, b = left(slots), right(slots)
                try:
                    return compare(a, b)
                except TypeError:  # null > 0, 'x' < 3: not filled is not an error
                    return False

            return evaluate
        return left

    def _atom(self) -> Evaluator:
        kind, value = self._take()
        if kind == "op" and value == "(":
            inner = self._or()
            if not self._is("op", ")"):
                raise problem("condition_parenthesis", source=self.source)
            self._take()
            return inner
        if kind == "num":
            number: float | int = float(value) if "." in value else int(value)
            return lambda _s: number
        if kind == "str":
            text = value[1:-1]
            return lambda _s: text
        if kind == "name":
            if value == "true":
                return lambda _s: True
            if value == "false":
                return lambda _s: False
            if value == "null":
                return lambda _s: None
            if value in _KEYWORDS:
                raise problem("condition_misplaced", source=self.source, token=value)
            self.names.add(value)
            return lambda s: s.get(value)
        raise problem("condition_unexpected", source=self.source, token=value)


def parse_condition(source: object) -> Condition:
    """Parse a condition string, raising :class:`FlowError` with the reason."""
    if isinstance(source, bool):
        return Condition(str(source).lower(), frozenset(), lambda _s: source)
    if not isinstance(source, str) or not source.strip():
        raise problem("condition_empty", source=source)
    parser = _Parser(source)
    evaluate = parser.parse()
    return Condition(source, frozenset(parser.names), evaluate)
