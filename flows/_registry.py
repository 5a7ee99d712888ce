"""Names a flow file may use for Python code: actions (``action:``) and validators (``expect:``).

Each entry declares the slots it may set, so loading a flow can check that every condition,
``choices_from`` and placeholder refers to a slot something actually fills.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

ActionFunc = Callable[..., Awaitable[None]]
ValidatorFunc = Callable[..., Awaitable[Any]]


@dataclass(frozen=True, slots=True)
class ActionSpec:
    name: str
    func: ActionFunc
    sets: frozenset[str]
    doc: str


@dataclass(frozen=True, slots=True)
class ValidatorSpec:
    name: str
    func: ValidatorFunc
    # Slots besides the collected one that the validator fills (an address fills several).
    sets: frozenset[str]
    doc: str


ACTIONS: dict[str, ActionSpec] = {}
VALIDATORS: dict[str, ValidatorSpec] = {}


def action(name: str, *, sets: tuple[str, ...] = ()) -> Callable[[ActionFunc], ActionFunc]:
    """Register a flow action under ``name``."""

    def register(func: ActionFunc) -> ActionFunc:
        if name in ACTIONS:
            raise RuntimeError(f"action {name!r} registered twice")
        ACTIONS[name] = ActionSpec(name, func, frozenset(sets), (func.__doc__ or "").strip())
        return func

    return register


def validator(name: str, *, sets: tuple[str, ...] = ()) -> Callable[[ValidatorFunc], ValidatorFunc]:
    """Register a slot validator (the ``expect:`` of a collect step) under ``name``."""

    def register(func: ValidatorFunc) -> ValidatorFunc:
        if name in VALIDATORS:
            raise RuntimeError(f"validator {name!r} registered twice")
        VALIDATORS[name] = ValidatorSpec(name, func, frozenset(sets), (func.__doc__ or "").strip())
        return func

    return register
