"""Scope policy: what part of the city's tickets one staff account may see.

Every console query about tickets goes through :func:`ticket_filter` (SQL) or
:func:`can_see_ticket` (one row or view already in hand); both read the same table of
rules below, so they cannot disagree:

============================  ================================================
scope level                   tickets seen
============================  ================================================
grid                          ``ticket.grid_code`` is the scope code
community                     ``ticket.community_code`` is the scope code
street                        ``ticket.street_code`` is the scope code
district                      ``ticket.district_code`` is the scope code
department                    ``ticket.department`` or ``ticket.dispatched_department``
                              is the scope code (a catalog department key)
(role admin, any level)       every ticket
============================  ================================================

A ticket's codes are the snapshot taken at filing (see :mod:`bot.tickets.models`), so a
re-gridded registry does not move old tickets between staff.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import ColumnElement, false, or_, true
from sqlmodel import col

from bot.errors import BadInput
from bot.staff import texts
from bot.staff.roles import ROLE_LEVELS, Role, ScopeLevel
from bot.tickets.models import Ticket


class ScopedAccount(Protocol):
    """What the policy needs of an account (a :class:`StaffAccount` row or a
    :class:`~bot.staff.service.StaffIdentity`)."""

    role: str
    scope_level: str
    scope_code: str


@dataclass(frozen=True, slots=True)
class Scope:
    """Where an account's view of the city begins. ``everything`` is set for admins."""

    level: ScopeLevel
    code: str
    everything: bool = False

    @classmethod
    def of(cls, account: ScopedAccount) -> Scope:
        return cls(
            ScopeLevel(account.scope_level),
            account.scope_code,
            everything=account.role == Role.ADMIN,
        )

    @classmethod
    def parse(cls, text: str) -> Scope:
        """``"community:370303001001"`` → Scope. Raises BadInput naming the format."""
        level, sep, code = text.partition(":")
        levels = "、".join(level.value for level in ScopeLevel)
        if not sep or not code.strip() or level not in ScopeLevel.__members__.values():
            raise BadInput(texts.CLI_BAD_SCOPE.format(levels=levels), code="bad_scope")
        return cls(ScopeLevel(level), code.strip())

    def allows_role(self, role: Role) -> bool:
        return self.level in ROLE_LEVELS[role]

    def as_text(self) -> str:
        return f"{self.level.value}:{self.code}"

    def label_zh(self) -> str:
        if self.everything:
            return texts.SCOPE_ALL
        return texts.SCOPE_TEXT.format(level=texts.LEVEL_LABELS[self.level.value], code=self.code)

    def as_json(self) -> dict[str, Any]:
        return {
            "level": self.level.value,
            "code": self.code,
            "everything": self.everything,
            "label": self.label_zh(),
        }


#: Ticket attributes compared with the scope code, per level (any one matching suffices).
_LEVEL_FIELDS: dict[ScopeLevel, tuple[str, ...]] = {
    ScopeLevel.GRID: ("grid_code",),
    ScopeLevel.COMMUNITY: ("community_code",),
    ScopeLevel.STREET: ("street_code",),
    ScopeLevel.DISTRICT: ("district_code",),
    ScopeLevel.DEPARTMENT: ("department", "dispatched_department"),
}


def _scope(who: ScopedAccount | Scope) -> Scope:
    return who if isinstance(who, Scope) else Scope.of(who)


def ticket_filter(who: ScopedAccount | Scope) -> ColumnElement[bool]:
    """A WHERE clause on :class:`Ticket` restricting a query to what ``who`` may see.

    Use it on every ticket query of the console:
    ``select(Ticket).where(ticket_filter(staff))``.
    """
    scope = _scope(who)
    if scope.everything:
        return true()
    if not scope.code:
        return false()
    columns = [col(getattr(Ticket, name)) == scope.code for name in _LEVEL_FIELDS[scope.level]]
    return columns[0] if len(columns) == 1 else or_(*columns)


def can_see_ticket(who: ScopedAccount | Scope, ticket: object) -> bool:
    """Whether ``who`` may see one ticket (a :class:`Ticket` row or any object with the
    same attribute names, such as a ``TicketView``). An attribute the object lacks never
    matches: a view without ``district_code`` is not shown to district staff by this
    check, so prefer the row (or :func:`ticket_filter`) when in doubt."""
    scope = _scope(who)
    if scope.everything:
        return True
    if not scope.code:
        return False
    return any(getattr(ticket, name, None) == scope.code for name in _LEVEL_FIELDS[scope.level])
