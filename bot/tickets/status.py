"""The ticket state machine: statuses, urgency, tiers and the explicit transition table.

Every status change goes through :func:`check_transition`; the table below is the single
source of truth (tests walk it edge by edge). The happy path is::

    submitted → accepted → in_progress → resolved → closed

with side roads: ``transferred`` (handed to another department), ``escalated`` (climbed a
tier), ``reopened`` (the resident was not satisfied) and ``rejected`` (refused, with a reason
the resident is told).
"""

from __future__ import annotations

from enum import StrEnum

from bot.errors import InvalidTransition


class TicketStatus(StrEnum):
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    IN_PROGRESS = "in_progress"
    TRANSFERRED = "transferred"
    ESCALATED = "escalated"
    RESOLVED = "resolved"
    CLOSED = "closed"
    REOPENED = "reopened"
    REJECTED = "rejected"


class Urgency(StrEnum):
    NORMAL = "normal"
    HIGH = "high"
    RED = "red"


class Tier(StrEnum):
    """Who handles a ticket; escalation climbs this ladder one rung at a time."""

    COMMUNITY = "community"
    STREET = "street"
    DISTRICT = "district"

    def next(self) -> Tier | None:
        ladder = list(Tier)
        index = ladder.index(self)
        return ladder[index + 1] if index + 1 < len(ladder) else None


S = TicketStatus

#: Allowed transitions. ``resolved`` is reachable from every open status because a handler
#: may fix a problem on the spot (and resolving an incident resolves all its tickets).
TRANSITIONS: dict[TicketStatus, frozenset[TicketStatus]] = {
    S.SUBMITTED: frozenset(
        {S.ACCEPTED, S.IN_PROGRESS, S.TRANSFERRED, S.ESCALATED, S.RESOLVED, S.REJECTED}
    ),
    S.ACCEPTED: frozenset({S.IN_PROGRESS, S.TRANSFERRED, S.ESCALATED, S.RESOLVED, S.REJECTED}),
    S.IN_PROGRESS: frozenset({S.TRANSFERRED, S.ESCALATED, S.RESOLVED}),
    S.TRANSFERRED: frozenset(
        {S.ACCEPTED, S.IN_PROGRESS, S.TRANSFERRED, S.ESCALATED, S.RESOLVED, S.REJECTED}
    ),
    S.ESCALATED: frozenset(
        {S.ACCEPTED, S.IN_PROGRESS, S.TRANSFERRED, S.ESCALATED, S.RESOLVED, S.REJECTED}
    ),
    S.REOPENED: frozenset({S.ACCEPTED, S.IN_PROGRESS, S.TRANSFERRED, S.ESCALATED, S.RESOLVED}),
    S.RESOLVED: frozenset({S.CLOSED, S.REOPENED}),
    S.REJECTED: frozenset({S.CLOSED, S.REOPENED}),
    S.CLOSED: frozenset(),
}

#: Statuses in which a ticket is still being worked on (has a running deadline).
OPEN_STATUSES: frozenset[TicketStatus] = frozenset(
    {S.SUBMITTED, S.ACCEPTED, S.IN_PROGRESS, S.TRANSFERRED, S.ESCALATED, S.REOPENED}
)

#: Transitions that must carry a reason the resident is told.
REASON_REQUIRED: frozenset[TicketStatus] = frozenset({S.REJECTED, S.TRANSFERRED, S.REOPENED})


def parse_status(value: str) -> TicketStatus:
    try:
        return TicketStatus(value)
    except ValueError:
        raise InvalidTransition(f"unknown ticket status {value!r}") from None


def check_transition(current: str, target: str, reason: str | None = None) -> TicketStatus:
    """Return the target status if ``current → target`` is allowed, else raise.

    Raises:
        InvalidTransition: the move is not in :data:`TRANSITIONS`, or it needs a reason
            (rejection, transfer, reopening) and none was given.
    """
    source, goal = parse_status(current), parse_status(target)
    if goal not in TRANSITIONS[source]:
        allowed = ", ".join(sorted(TRANSITIONS[source])) or "none (final status)"
        raise InvalidTransition(
            f"cannot move a ticket from {source} to {goal}; allowed from {source}: {allowed}"
        )
    if goal in REASON_REQUIRED and not (reason and reason.strip()):
        raise InvalidTransition(f"moving a ticket to {goal} needs a reason")
    return goal


def is_open(status: str) -> bool:
    return status in OPEN_STATUSES
