"""TicketService: the one door through which tickets are filed, read and changed.

Residents' side (called by flows): :meth:`file`, :meth:`find_similar_open`, :meth:`follow`,
:meth:`get`, :meth:`list_for_reporter`, :meth:`rate`. Staff side (console, scheduler):
:meth:`transition`, :meth:`claim`, :meth:`start`, :meth:`resolve`, :meth:`reject`,
:meth:`transfer`, :meth:`escalate`, :meth:`dispatch`, :meth:`reply`, :meth:`request_info`,
:meth:`confirm_category`
(answered through :meth:`attach_resident_message`), :meth:`resolve_incident`, and the
periodic :meth:`escalate_overdue`. Every change commits its ticket row, an event row and its
outbox rows in one transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import Settings
from bot.errors import BadInput, InvalidTransition, TicketNotFound
from bot.tickets import _ops, clusters, texts
from bot.tickets._ops import Context, TicketPolicy
from bot.tickets._queries import TicketQueries
from bot.tickets.catalog import Catalog, Department
from bot.tickets.clock import Clock, utcnow
from bot.tickets.deadlines import compute_deadline
from bot.tickets.info_watch import InfoRequestWatch
from bot.tickets.models import (
    Incident,
    OutboxMessage,
    Ticket,
    TicketEvent,
    TicketEvidence,
    TicketSupporter,
)
from bot.tickets.numbers import allocate_number
from bot.tickets.outbox import Audience
from bot.tickets.routing import AddressBookLike, Recipient, Router, department_recipient
from bot.tickets.status import OPEN_STATUSES, TicketStatus, Tier, Urgency, parse_status
from bot.tickets.views import EventView, IncidentView, TicketDraft, TicketView

log = logging.getLogger(__name__)

S = TicketStatus


@dataclass(frozen=True, slots=True)
class Urged:
    """What came of an urging: the ticket as it is now, and whether its handlers were
    notified now (False: they were reminded of it a short while ago)."""

    ticket: TicketView
    staff_notified: bool


_EVIDENCE_KINDS = frozenset({"image", "video", "voice", "file"})
_INFO_KINDS = ("info_requested", "info_received")
# Built once: this runs on residents' messages, and building a statement costs as much as
# running it on SQLite.
_AWAITING_INFO = (
    select(Ticket.number, TicketEvent.kind)
    .join(TicketEvent, col(TicketEvent.ticket_id) == col(Ticket.id))
    .where(
        Ticket.reporter_channel == bindparam("channel"),
        Ticket.reporter_id == bindparam("user_id"),
        col(Ticket.status).in_([s.value for s in OPEN_STATUSES]),
        col(TicketEvent.kind).in_(_INFO_KINDS),
    )
    .order_by(col(TicketEvent.id))
)


def _check_evidence(evidence: Sequence[tuple[str, str]]) -> None:
    for kind, _url in evidence:
        if kind not in _EVIDENCE_KINDS:
            raise BadInput(f"unknown evidence kind {kind!r}", code="bad_evidence")


def _add_evidence(
    session: AsyncSession, ticket: Ticket, evidence: Sequence[tuple[str, str]], now: datetime
) -> None:
    assert ticket.id is not None
    for kind, url in evidence:
        session.add(TicketEvidence(ticket_id=ticket.id, kind=kind, url=url, created_at=now))


def _staff_text(text: str) -> str:
    body = text.strip()
    if not body:
        raise BadInput("a message to the resident needs text", code="missing_text")
    if len(body) > texts.MAX_REPLY_CHARS:
        raise BadInput(f"at most {texts.MAX_REPLY_CHARS} characters", code="text_too_long")
    return body


class TicketService(TicketQueries):
    """Files, routes, times and changes tickets. Safe to share across tasks and workers."""

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        catalog: Catalog,
        address_book: AddressBookLike | Router,
        *,
        clock: Clock = utcnow,
        policy: TicketPolicy | None = None,
        settings: Settings | None = None,
        info_watch: InfoRequestWatch | None = None,
    ) -> None:
        self.session_factory = session_factory
        self.settings = settings
        # Without one (the CLI's services), awaiting_info asks the database every time.
        self.info_watch = info_watch
        self.catalog = catalog
        self.router = address_book if isinstance(address_book, Router) else Router(address_book)
        self.clock = clock
        if policy is None:
            policy = TicketPolicy.from_settings(settings) if settings else TicketPolicy()
        self.policy = policy
        self.ctx = Context(catalog, self.router, self.policy)

    # --- residents' side ----------------------------------------------------------------

    async def file(self, draft: TicketDraft) -> TicketView:
        """File a ticket (idempotent on the draft's channel, sender and message id) and return it.

        Raises:
            BadInput: unknown category, empty description, no usable address, bad evidence.
            AddressError: the building code or the point is not in the registry.
        """
        if not self.catalog.has(draft.category):
            raise BadInput(f"unknown ticket category {draft.category!r}", code="unknown_category")
        if not draft.description.strip():
            raise BadInput("a ticket needs a description", code="missing_description")
        for kind, _url in draft.evidence:
            if kind not in _EVIDENCE_KINDS:
                raise BadInput(f"unknown evidence kind {kind!r}", code="bad_evidence")
        key = draft.source_key()
        if key is not None:
            existing = await self._find_by_source(key)
            if existing is not None:
                return existing
        placement = self.router.place(
            building_code=draft.building_code,
            landmark=draft.landmark,
            lat=draft.lat,
            lng=draft.lng,
        )
        item = self.catalog.item(draft.category)
        now = self.clock()
        number = await allocate_number(self.session_factory, now)
        tier = item.first_tier
        unit = placement.unit_for(tier)
        emergency = draft.urgency is Urgency.RED
        if emergency:
            # Someone is in danger: the shortest time limit the catalog knows, counted
            # around the clock.
            limit, working = self.catalog.emergency_time_limit_hours, False
        else:
            limit, working = item.time_limit_hours, item.working_hours
        ticket = Ticket(
            number=number,
            category=item.intent,
            domain=item.domain,
            description=draft.description.strip(),
            building_code=placement.building_code,
            unit=draft.unit,
            room=draft.room,
            landmark=draft.landmark,
            lat=placement.lat,
            lng=placement.lng,
            address_text=placement.address_text,
            district_code=placement.district.code if placement.district else None,
            district_name=placement.district.name if placement.district else None,
            street_code=placement.street.code if placement.street else None,
            street_name=placement.street.name if placement.street else None,
            community_code=placement.community.code if placement.community else None,
            community_name=placement.community.name if placement.community else None,
            grid_code=placement.grid.code if placement.grid else None,
            grid_name=placement.grid.name if placement.grid else None,
            reporter_channel=draft.reporter_channel,
            reporter_id=draft.reporter_id,
            reporter_phone=draft.reporter_phone,
            reporter_client=draft.reporter_client,
            reporter_verified=draft.reporter_verified,
            anonymous=draft.anonymous,
            source=(draft.source or draft.reporter_channel)[:32],
            source_ref=draft.source_ref,
            category_predicted=draft.category_predicted,
            urgency=Urgency.RED.value if emergency else item.urgency.value,
            department=item.department.code,
            tier=tier.value,
            responsible_unit=unit.name if unit else texts.TIER_LABELS[tier.value],
            deadline=compute_deadline(now, limit, working=working, calendar=self.catalog.calendar),
            expected_hours=limit,
            working_hours=working,
            source_message_id=key,
            created_at=now,
            updated_at=now,
        )
        try:
            async with self.session_factory() as session:
                session.add(ticket)
                await session.flush()
                assert ticket.id is not None
                for kind, url in draft.evidence:
                    session.add(
                        TicketEvidence(ticket_id=ticket.id, kind=kind, url=url, created_at=now)
                    )
                _ops.record(
                    session,
                    ticket,
                    actor=(draft.filed_by or "").strip()[:64] or texts.RESIDENT_ACTOR,
                    kind="filed",
                    now=now,
                    to_status=S.SUBMITTED.value,
                    note=draft.filed_note,
                )
                notice = "urgent" if emergency or item.urgency is Urgency.HIGH else "new"
                _ops.notify_staff(
                    session,
                    self.ctx,
                    ticket,
                    notice,
                    _ops.tier_handlers(self.ctx, ticket, tier),
                    now,
                )
                if draft.reported_at is None or draft.reported_at >= _ops.lookback(
                    now, self.policy.cluster_window_hours
                ):
                    await clusters.attach(session, self.ctx, ticket, now)
                await session.commit()
                # The row is still loaded (no expiry on commit); only the history, which
                # clustering may have added to, is read back.
                events = await session.exec(
                    select(TicketEvent)
                    .where(TicketEvent.ticket_id == ticket.id)
                    .order_by(col(TicketEvent.id))
                )
                history = tuple(EventView.of(e) for e in events)
        except IntegrityError:
            # A retried webhook raced us to the same source message: theirs won, use it.
            if key is not None:
                existing = await self._find_by_source(key)
                if existing is not None:
                    return existing
            raise
        log.info("ticket %s filed: %s, tier %s", number, item.intent, tier.value)
        return self._view(ticket, evidence=tuple(draft.evidence), history=history)

    async def follow(
        self,
        number: str,
        channel: str,
        user_id: str,
        *,
        client_key: str | None = None,
        verified: bool = True,
    ) -> TicketView:
        """Follow a ticket ("我也反映"): its updates reach this resident too, and they count
        as one more reporter of its incident (weighed by ``client_key`` and ``verified`` as
        in :func:`bot.tickets.clusters.plausible_weight`). Following twice, or one's own
        ticket, is a no-op."""
        now = self.clock()
        try:
            async with self.session_factory() as session:
                ticket = await self._load(session, number, lock=True)
                already = await session.exec(
                    select(TicketSupporter.id).where(
                        TicketSupporter.ticket_id == ticket.id,
                        TicketSupporter.channel == channel,
                        TicketSupporter.user_id == user_id,
                    )
                )
                mine = (ticket.reporter_channel, ticket.reporter_id) == (channel, user_id)
                if not mine and already.first() is None:
                    assert ticket.id is not None
                    session.add(
                        TicketSupporter(
                            ticket_id=ticket.id,
                            channel=channel,
                            user_id=user_id,
                            client_key=client_key,
                            verified=verified,
                            created_at=now,
                        )
                    )
                    ticket.supporters += 1
                    ticket.updated_at = now
                    _ops.record(session, ticket, actor=texts.RESIDENT_ACTOR, kind="follow", now=now)
                    await session.flush()
                    if ticket.incident_id is not None:
                        incident = await session.get(Incident, ticket.incident_id)
                        if incident is not None and incident.status == "open":
                            await clusters.refresh(session, self.ctx, incident, now)
                    await session.commit()
        except IntegrityError:
            pass  # the same resident's other device followed it a moment ago
        return await self.get(number)

    async def rate(self, number: str, rating: int, comment: str | None = None) -> TicketView:
        """The resident's verdict on a resolved ticket, 1–5 (满意 5, 基本满意 3, 不满意 1).

        3 or more closes the ticket; less reopens it with the comment as the reason, a fresh
        time limit, and a notice to its handlers.

        Raises:
            BadInput: rating outside 1–5.
            InvalidTransition: the ticket is not resolved.
        """
        if not 1 <= rating <= 5:
            raise BadInput("a rating is 1 to 5", code="bad_rating")
        now = self.clock()
        async with self.session_factory() as session:
            ticket = await self._load(session, number, lock=True)
            if ticket.status != S.RESOLVED:
                raise InvalidTransition(
                    f"ticket {number} is {ticket.status}; only resolved tickets are rated"
                )
            remark = (comment or "").strip()[:500] or None
            if rating >= 3:
                _ops.move(
                    session, ticket, S.CLOSED, actor=texts.RESIDENT_ACTOR, now=now, kind="rated"
                )
                await _ops.push_residents(session, self.ctx, ticket, "closed", now)
            else:
                await self._reopen(session, ticket, remark or texts.UNSATISFIED_REASON, now)
            # After the move: reopening clears the previous round's verdict.
            ticket.rating = rating
            ticket.rating_comment = remark
            await session.commit()
        return await self.get(number)

    async def urge(self, number: str, channel: str, user_id: str, text: str) -> Urged:
        """催办: a reporter or supporter presses for an open ticket ("怎么还没人来").

        Every urging is an ``urged`` event (the resident's words as its note, for the staff),
        counts in ``urge_count`` and sets ``last_urged_at``; the ticket's current handlers get
        a notice unless they got one for this ticket within
        ``policy.urge_notice_interval_hours``.

        Raises:
            TicketNotFound: no such ticket, or this resident is neither its reporter nor a
                supporter (a guessed number learns nothing).
            InvalidTransition: the ticket is no longer open.
        """
        if not await self.is_party(number, channel, user_id):
            raise TicketNotFound(f"no ticket {number} of this resident")
        now = self.clock()
        words = " ".join(text.split())[:500] or texts.URGE_DEFAULT_NOTE
        async with self.session_factory() as session:
            ticket = await self._load(session, number, lock=True)
            if ticket.status not in OPEN_STATUSES:
                raise InvalidTransition(
                    f"ticket {number} is {ticket.status}; only open tickets are urged"
                )
            ticket.urge_count += 1
            ticket.last_urged_at = now
            ticket.updated_at = now
            _ops.record(
                session, ticket, actor=texts.RESIDENT_ACTOR, kind="urged", now=now, note=words
            )
            since = _ops.lookback(now, self.policy.urge_notice_interval_hours)
            recent = await session.exec(
                select(OutboxMessage.id)
                .where(
                    OutboxMessage.ticket_id == ticket.id,
                    OutboxMessage.audience == Audience.STAFF,
                    col(OutboxMessage.created_at) > since,
                    col(OutboxMessage.text).startswith(texts.URGE_NOTICE_TAG),
                )
                .limit(1)
            )
            notify = recent.first() is None
            if notify:
                _ops.notify_staff(
                    session,
                    self.ctx,
                    ticket,
                    "urged",
                    self._current_handlers(ticket),
                    now,
                    count=ticket.urge_count,
                    note=_ops.short(words),
                )
            await session.commit()
        log.info("ticket %s urged (%s), staff notified: %s", number, ticket.urge_count, notify)
        return Urged(await self.get(number), staff_notified=notify)

    # --- staff side ---------------------------------------------------------------------

    async def transition(
        self,
        number: str,
        to_status: str,
        actor: str,
        reason: str | None = None,
        *,
        department: str | None = None,
    ) -> TicketView:
        """Move a ticket to ``to_status`` through the state machine, announcing it.

        ``escalated`` climbs one tier, ``transferred`` hands the ticket to ``department``
        (default: keep it), ``reopened`` restarts its clock.

        Raises:
            InvalidTransition: the state machine forbids the move or a reason is missing.
            TicketNotFound: no such ticket.
        """
        target = parse_status(to_status)
        if target is S.ESCALATED:
            return await self.escalate(number, actor, reason or "")
        if target is S.TRANSFERRED:
            async with self.session_factory() as session:
                current = await self._load(session, number)
            return await self.transfer(
                number, department or current.department, actor, reason or ""
            )
        now = self.clock()
        async with self.session_factory() as session:
            ticket = await self._load(session, number, lock=True)
            if target is S.REOPENED:
                await self._reopen(session, ticket, reason or "", now, actor=actor)
            else:
                _ops.move(session, ticket, target, actor=actor, now=now, reason=reason)
                await _ops.push_residents(
                    session,
                    self.ctx,
                    ticket,
                    target.value,
                    now,
                    reason=reason or "",
                    note=reason or texts.RESOLVED_DEFAULT_NOTE,
                )
            await session.commit()
        return await self.get(number)

    async def claim(self, number: str, actor: str) -> TicketView:
        """A handler takes the ticket on (受理)."""
        return await self.transition(number, S.ACCEPTED, actor)

    async def start(self, number: str, actor: str) -> TicketView:
        return await self.transition(number, S.IN_PROGRESS, actor)

    async def resolve(
        self,
        number: str,
        actor: str,
        note: str | None = None,
        *,
        evidence: Sequence[tuple[str, str]] = (),
    ) -> TicketView:
        """Resolve the ticket; ``evidence`` ((kind, url) of stored media, e.g. a photo of
        the repair) is attached in the same transaction."""
        if not evidence:
            return await self.transition(number, S.RESOLVED, actor, note)
        _check_evidence(evidence)
        now = self.clock()
        async with self.session_factory() as session:
            ticket = await self._load(session, number, lock=True)
            _ops.move(session, ticket, S.RESOLVED, actor=actor, now=now, reason=note)
            _add_evidence(session, ticket, evidence, now)
            await _ops.push_residents(
                session,
                self.ctx,
                ticket,
                "resolved",
                now,
                note=note or texts.RESOLVED_DEFAULT_NOTE,
            )
            await session.commit()
        return await self.get(number)

    async def reject(self, number: str, actor: str, reason: str) -> TicketView:
        return await self.transition(number, S.REJECTED, actor, reason)

    async def transfer(self, number: str, department: str, actor: str, reason: str) -> TicketView:
        """Hand the ticket to another department (wrongly routed), with a fresh time limit."""
        dept = self._department(department)
        now = self.clock()
        async with self.session_factory() as session:
            ticket = await self._load(session, number, lock=True)
            _ops.move(session, ticket, S.TRANSFERRED, actor=actor, now=now, reason=reason)
            ticket.department = dept.code
            ticket.dispatched_department = dept.code
            ticket.responsible_unit = dept.name
            _ops.restart_clock(self.ctx, ticket, now)
            _ops.notify_staff(
                session,
                self.ctx,
                ticket,
                "transferred",
                [department_recipient(dept.code)],
                now,
                reason=reason,
            )
            await _ops.push_residents(session, self.ctx, ticket, "transferred", now, reason=reason)
            await session.commit()
        return await self.get(number)

    async def escalate(self, number: str, actor: str, reason: str) -> TicketView:
        """Climb one tier (community → street → district) with a new time limit; the new
        tier's handlers are notified and the resident is told.

        Raises:
            InvalidTransition: already at the district tier, or the ticket is not open.
        """
        now = self.clock()
        async with self.session_factory() as session:
            ticket = await self._load(session, number, lock=True)
            await _ops.escalate(
                session, self.ctx, ticket, actor, reason or texts.ESCALATION_REASON_MANUAL, now
            )
            await session.commit()
        return await self.get(number)

    async def dispatch(
        self, number: str, department: str, actor: str, note: str | None = None
    ) -> TicketView:
        """村居发令、部门执行: a community secretary orders a department to act directly.

        The ticket goes in progress with the department as its executing unit and the
        department's time limit; the department is notified, the resident told.
        """
        dept = self._department(department)
        now = self.clock()
        async with self.session_factory() as session:
            ticket = await self._load(session, number, lock=True)
            if ticket.status != S.IN_PROGRESS:
                _ops.move(
                    session,
                    ticket,
                    S.IN_PROGRESS,
                    actor=actor,
                    now=now,
                    reason=note,
                    kind="dispatch",
                )
            else:
                _ops.record(session, ticket, actor=actor, kind="dispatch", now=now, note=note)
            ticket.dispatched_department = dept.code
            ticket.department = dept.code
            ticket.responsible_unit = dept.name
            ticket.updated_at = now
            _ops.restart_clock(self.ctx, ticket, now)
            _ops.notify_staff(
                session, self.ctx, ticket, "dispatched", [department_recipient(dept.code)], now
            )
            await _ops.push_residents(session, self.ctx, ticket, "dispatched", now)
            await session.commit()
        return await self.get(number)

    async def reply(self, number: str, actor: str, text: str) -> TicketView:
        """Staff answer the resident: a ``reply`` event, and the text pushed to the reporter
        and followers on their own channels. Any ticket may be answered, closed ones too.

        Raises:
            BadInput: empty or longer than ``texts.MAX_REPLY_CHARS``.
            TicketNotFound: no such ticket.
        """
        body = _staff_text(text)
        now = self.clock()
        async with self.session_factory() as session:
            ticket = await self._load(session, number, lock=True)
            ticket.updated_at = now
            _ops.record(session, ticket, actor=actor, kind="reply", now=now, note=body)
            await _ops.push_residents(session, self.ctx, ticket, "reply", now, note=body)
            await session.commit()
        return await self.get(number)

    async def confirm_category(
        self, number: str, actor: str, category: str | None = None
    ) -> TicketView:
        """Staff confirm the ticket's category, or set the right one (``category``): the
        ``category_predicted`` flag is cleared and a ``category`` event records who and
        what. A changed category brings its domain and department (unless a department
        was dispatched) and, for an open ticket that is not an emergency, the time limit
        it would have had from the start. Nothing is pushed to the resident.
        Confirming a category nobody predicted, without a change, changes nothing.

        Raises:
            BadInput: ``category`` is not in the catalog (code ``unknown_category``).
            TicketNotFound: no such ticket.
        """
        if category is not None and not self.catalog.has(category):
            raise BadInput(f"unknown ticket category {category!r}", code="unknown_category")
        now = self.clock()
        async with self.session_factory() as session:
            ticket = await self._load(session, number, lock=True)
            old = self.catalog.item(ticket.category) if self.catalog.has(ticket.category) else None
            old_name = old.name if old else ticket.category
            if category is None or category == ticket.category:
                if not ticket.category_predicted:
                    return await self.get(number)
                note = texts.CATEGORY_CONFIRMED.format(name=old_name)
            else:
                item = self.catalog.item(category)
                note = texts.CATEGORY_CHANGED.format(old=old_name, new=item.name)
                ticket.category = item.intent
                ticket.domain = item.domain
                if not ticket.dispatched_department:
                    ticket.department = item.department.code
                if (
                    ticket.status in {s.value for s in OPEN_STATUSES}
                    and ticket.urgency != Urgency.RED.value
                ):
                    ticket.deadline = compute_deadline(
                        ticket.created_at,
                        item.time_limit_hours,
                        working=item.working_hours,
                        calendar=self.catalog.calendar,
                    )
                    ticket.expected_hours = item.time_limit_hours
                    ticket.working_hours = item.working_hours
            ticket.category_predicted = False
            ticket.updated_at = now
            _ops.record(session, ticket, actor=actor, kind="category", now=now, note=note)
            await session.commit()
        log.info("ticket %s category confirmed by staff", number)
        return await self.get(number)

    async def note(self, number: str, actor: str, text: str) -> None:
        """Write a ``note`` on the ticket's history for staff, pushed to nobody (e.g. how a
        sensor alarm goes on while its case is open).

        Raises:
            BadInput: empty or longer than ``texts.MAX_REPLY_CHARS``.
            TicketNotFound: no such ticket.
        """
        body = _staff_text(text)
        now = self.clock()
        async with self.session_factory() as session:
            ticket = await self._load(session, number, lock=True)
            ticket.updated_at = now
            _ops.record(session, ticket, actor=actor, kind="note", now=now, note=body)
            await session.commit()

    async def request_info(self, number: str, actor: str, question: str) -> TicketView:
        """Ask the resident for more information. The ``info_requested`` event is the flag:
        until an ``info_received`` follows it, :meth:`awaiting_info` names this ticket and
        the resident's next message belongs on it (:meth:`attach_resident_message`).

        Raises:
            BadInput: empty or too long a question.
            InvalidTransition: the ticket is no longer open.
        """
        body = _staff_text(question)
        now = self.clock()
        async with self.session_factory() as session:
            ticket = await self._load(session, number, lock=True)
            if ticket.status not in {s.value for s in OPEN_STATUSES}:
                raise InvalidTransition(
                    f"ticket {number} is {ticket.status}; only open tickets ask for more"
                )
            ticket.updated_at = now
            _ops.record(session, ticket, actor=actor, kind="info_requested", now=now, note=body)
            await _ops.push_residents(session, self.ctx, ticket, "info_requested", now, note=body)
            await session.commit()
            reporter = (ticket.reporter_channel, ticket.reporter_id)
        if self.info_watch is not None:
            await self.info_watch.mark(*reporter)
        return await self.get(number)

    async def awaiting_info(self, channel: str, user_id: str) -> str | None:
        """The number of the open ticket this resident reported whose information request
        is still unanswered (the latest such), else None. Flows call it on each message,
        so a resident the :class:`InfoRequestWatch` knows to have none costs no query."""
        watch = self.info_watch
        mark = None if watch is None else await watch.current(channel, user_id)
        if watch is not None and watch.known_empty(channel, user_id, mark):
            return None
        async with self.session_factory() as session:
            rows = await session.exec(
                _AWAITING_INFO, params={"channel": channel, "user_id": user_id}
            )
            last: dict[str, str] = {}
            for number, kind in rows:
                last.pop(number, None)  # re-insert: dict order follows the latest event
                last[number] = kind
        pending = [number for number, kind in last.items() if kind == "info_requested"]
        if watch is not None:
            watch.remember(channel, user_id, mark, pending=bool(pending))
        return pending[-1] if pending else None

    async def attach_resident_message(
        self,
        number: str,
        text: str,
        attachments: Sequence[tuple[str, str]] = (),
    ) -> TicketView:
        """The resident's answer to an information request: an ``info_received`` event with
        the text, the attachments ((kind, url) of stored media) as evidence, and a notice to
        the ticket's handlers. Clears the request (see :meth:`awaiting_info`).

        Raises:
            BadInput: neither text nor attachments, or an unknown evidence kind.
        """
        body = text.strip()
        if not body and not attachments:
            raise BadInput("nothing to attach", code="missing_description")
        _check_evidence(attachments)
        now = self.clock()
        async with self.session_factory() as session:
            ticket = await self._load(session, number, lock=True)
            ticket.updated_at = now
            _ops.record(
                session,
                ticket,
                actor=texts.RESIDENT_ACTOR,
                kind="info_received",
                now=now,
                note=body,
            )
            _add_evidence(session, ticket, attachments, now)
            _ops.notify_staff(
                session,
                self.ctx,
                ticket,
                "info_received",
                self._current_handlers(ticket),
                now,
                note=body[:100],
            )
            await session.commit()
        return await self.get(number)

    async def resolve_incident(
        self, incident_id: int, actor: str, note: str | None = None
    ) -> IncidentView:
        """Resolve a high-frequency incident: every open ticket in it is resolved and every
        reporter and follower is told."""
        now = self.clock()
        async with self.session_factory() as session:
            incident = await session.get(Incident, incident_id, with_for_update=True)
            if incident is None:
                raise TicketNotFound(f"no incident {incident_id}")
            if incident.status != "open":
                raise InvalidTransition(f"incident {incident_id} is already {incident.status}")
            members = await session.exec(
                select(Ticket)
                .where(Ticket.incident_id == incident_id)
                .order_by(col(Ticket.id))
                .with_for_update()
            )
            for ticket in members:
                if ticket.status in OPEN_STATUSES:
                    _ops.move(
                        session,
                        ticket,
                        S.RESOLVED,
                        actor=actor,
                        now=now,
                        reason=note,
                        kind="incident",
                    )
                    await _ops.push_residents(
                        session,
                        self.ctx,
                        ticket,
                        "resolved",
                        now,
                        note=note or texts.RESOLVED_DEFAULT_NOTE,
                    )
            incident.status = "resolved"
            incident.resolved_at = now
            await session.commit()
        return await self.incident(incident_id)

    # --- internals ----------------------------------------------------------------------

    async def _reopen(
        self,
        session: AsyncSession,
        ticket: Ticket,
        reason: str,
        now: datetime,
        *,
        actor: str = texts.RESIDENT_ACTOR,
    ) -> None:
        _ops.move(session, ticket, S.REOPENED, actor=actor, now=now, reason=reason)
        _ops.restart_clock(self.ctx, ticket, now)
        _ops.notify_staff(
            session,
            self.ctx,
            ticket,
            "reopened",
            self._current_handlers(ticket),
            now,
            reason=reason,
        )
        await _ops.push_residents(session, self.ctx, ticket, "reopened", now, reason=reason)

    def _current_handlers(self, ticket: Ticket) -> list[Recipient]:
        if ticket.dispatched_department:
            return [department_recipient(ticket.dispatched_department)]
        return _ops.tier_handlers(self.ctx, ticket, Tier(ticket.tier))

    def _department(self, code: str) -> Department:
        try:
            return self.catalog.department(code)
        except KeyError as exc:
            raise BadInput(str(exc), code="unknown_department") from None
