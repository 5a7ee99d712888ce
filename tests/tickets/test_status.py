"""The state machine, edge by edge: every pair of statuses is either allowed or refused."""

from __future__ import annotations

import itertools

import pytest

from bot.errors import InvalidTransition
from bot.tickets.status import (
    OPEN_STATUSES,
    REASON_REQUIRED,
    TRANSITIONS,
    TicketStatus,
    Tier,
    check_transition,
)

S = TicketStatus

# The table as the issue states it, written out independently of the implementation.
EXPECTED_ALLOWED = {
    (S.SUBMITTED, S.ACCEPTED),
    (S.SUBMITTED, S.IN_PROGRESS),
    (S.SUBMITTED, S.TRANSFERRED),
    (S.SUBMITTED, S.ESCALATED),
    (S.SUBMITTED, S.RESOLVED),
    (S.SUBMITTED, S.REJECTED),
    (S.ACCEPTED, S.IN_PROGRESS),
    (S.ACCEPTED, S.TRANSFERRED),
    (S.ACCEPTED, S.ESCALATED),
    (S.ACCEPTED, S.RESOLVED),
    (S.ACCEPTED, S.REJECTED),
    (S.IN_PROGRESS, S.TRANSFERRED),
    (S.IN_PROGRESS, S.ESCALATED),
    (S.IN_PROGRESS, S.RESOLVED),
    (S.TRANSFERRED, S.ACCEPTED),
    (S.TRANSFERRED, S.IN_PROGRESS),
    (S.TRANSFERRED, S.TRANSFERRED),
    (S.TRANSFERRED, S.ESCALATED),
    (S.TRANSFERRED, S.RESOLVED),
    (S.TRANSFERRED, S.REJECTED),
    (S.ESCALATED, S.ACCEPTED),
    (S.ESCALATED, S.IN_PROGRESS),
    (S.ESCALATED, S.TRANSFERRED),
    (S.ESCALATED, S.ESCALATED),
    (S.ESCALATED, S.RESOLVED),
    (S.ESCALATED, S.REJECTED),
    (S.REOPENED, S.ACCEPTED),
    (S.REOPENED, S.IN_PROGRESS),
    (S.REOPENED, S.TRANSFERRED),
    (S.REOPENED, S.ESCALATED),
    (S.REOPENED, S.RESOLVED),
    (S.RESOLVED, S.CLOSED),
    (S.RESOLVED, S.REOPENED),
    (S.REJECTED, S.CLOSED),
    (S.REJECTED, S.REOPENED),
}


@pytest.mark.parametrize("source,target", list(itertools.product(S, S)))
def test_every_pair_is_allowed_or_refused(source: TicketStatus, target: TicketStatus) -> None:
    reason = "理由"
    if (source, target) in EXPECTED_ALLOWED:
        assert check_transition(source, target, reason) is target
    else:
        with pytest.raises(InvalidTransition, match=f"from {source.value} to {target.value}"):
            check_transition(source, target, reason)


def test_table_matches_expected_exactly() -> None:
    actual = {(s, t) for s, targets in TRANSITIONS.items() for t in targets}
    assert actual == EXPECTED_ALLOWED


def test_closed_is_final() -> None:
    for target in S:
        with pytest.raises(InvalidTransition, match="final status"):
            check_transition(S.CLOSED, target, "x")


@pytest.mark.parametrize("target", sorted(REASON_REQUIRED))
def test_rejecting_transferring_reopening_need_a_reason(target: TicketStatus) -> None:
    source = S.RESOLVED if target is S.REOPENED else S.ACCEPTED
    with pytest.raises(InvalidTransition, match="needs a reason"):
        check_transition(source, target, "  ")
    assert check_transition(source, target, "居民不满意") is target


def test_unknown_status_is_refused_clearly() -> None:
    with pytest.raises(InvalidTransition, match="unknown ticket status 'done'"):
        check_transition("submitted", "done")


def test_open_statuses_have_a_way_to_resolution() -> None:
    for status in OPEN_STATUSES:
        assert S.RESOLVED in TRANSITIONS[status]


def test_tier_ladder() -> None:
    assert Tier.COMMUNITY.next() is Tier.STREET
    assert Tier.STREET.next() is Tier.DISTRICT
    assert Tier.DISTRICT.next() is None
