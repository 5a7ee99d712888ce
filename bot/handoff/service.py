"""The handoff service: residents waiting for a person, staff answers, close and time-out.

Every change that the resident must hear about (a staff answer, the end of the handoff, the
time-out with the offer to file a ticket) writes an outbox row on the resident's own channel
in the same transaction, so nothing said is lost and nothing is announced that did not
happen. When a handoff ends, the conversation's dialogue state is handed back to the bot
under the conversation's lock (``attach`` wires the engine in); if that fails, the dialogue
notices the closed record on the resident's next message, so the cache heals itself.

Logs carry handoff ids and channels only, never what the resident said or who they are.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.errors import HandoffError, HandoffNotFound, HandoffNotOpen
from bot.handoff import texts
from bot.handoff.duty import DutyHours
from bot.handoff.models import OPEN_STATUSES, Handoff, HandoffStatus
from bot.messages import Button
from bot.tickets.clock import Clock, utcnow
from bot.tickets.outbox import Audience, add_message

if TYPE_CHECKING:
    from bot.config import Settings

log = logging.getLogger(__name__)

#: Lines (both sides) kept on a handoff; older ones are dropped.
MAX_LINES = 30
_MAX_TEXT = 2000

StateFn = Callable[[dict[str, Any]], dict[str, Any]]
UpdateState = Callable[[str, StateFn], Awaitable[object]]


@dataclass(frozen=True, slots=True)
class HandoffLine:
    at: datetime
    by: str  # "resident" or "staff"
    text: str
    staff: str | None = None
    attachments: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class HandoffView:
    id: int
    conversation_id: str
    channel: str
    sender_id: str
    group_id: str | None
    reason: str
    status: str
    opened_at: datetime
    waiting_since: datetime | None
    last_resident_at: datetime | None
    last_staff_at: datetime | None
    closed_at: datetime | None
    closed_by: str | None
    lines: tuple[HandoffLine, ...]

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def resident_lines(self) -> tuple[HandoffLine, ...]:
        return tuple(line for line in self.lines if line.by == "resident")

    @classmethod
    def of(cls, row: Handoff) -> HandoffView:
        return cls(
            id=row.id or 0,
            conversation_id=row.conversation_id,
            channel=row.channel,
            sender_id=row.sender_id,
            group_id=row.group_id,
            reason=row.reason,
            status=row.status,
            opened_at=row.opened_at,
            waiting_since=row.waiting_since,
            last_resident_at=row.last_resident_at,
            last_staff_at=row.last_staff_at,
            closed_at=row.closed_at,
            closed_by=row.closed_by,
            lines=tuple(
                HandoffLine(
                    at=datetime.fromisoformat(item["at"]),
                    by=str(item["by"]),
                    text=str(item.get("text") or ""),
                    staff=item.get("staff"),
                    attachments=tuple(item.get("attachments") or ()),
                )
                for item in _lines(row)
            ),
        )


def _lines(row: Handoff) -> list[dict[str, Any]]:
    try:
        value = json.loads(row.messages or "[]")
    except ValueError:
        return []
    return value if isinstance(value, list) else []


def _append(row: Handoff, line: dict[str, Any]) -> None:
    lines = _lines(row)
    lines.append(line)
    row.messages = json.dumps(lines[-MAX_LINES:], ensure_ascii=False)


class HandoffService:
    """Open, list, answer, close and time out handoffs (the core's one place for them)."""

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        *,
        timeout_seconds: float = 600,
        duty: DutyHours | None = None,
        clock: Clock = utcnow,
    ) -> None:
        self.session_factory = session_factory
        self.timeout = timedelta(seconds=timeout_seconds)
        self.duty = duty or DutyHours.parse("08:30-17:30", "1-5")
        self.clock = clock
        self._update_state: UpdateState | None = None
        self._hand_back: StateFn | None = None

    @classmethod
    def from_settings(
        cls,
        session_factory: async_sessionmaker[AsyncSession],
        settings: Settings,
        *,
        clock: Clock = utcnow,
    ) -> HandoffService:
        return cls(
            session_factory,
            timeout_seconds=settings.handoff_timeout_seconds,
            duty=DutyHours.parse(settings.handoff_duty_hours, settings.handoff_duty_days),
            clock=clock,
        )

    def attach(self, update_state: UpdateState, hand_back: StateFn) -> None:
        """Wire in the conversations: ``update_state(conversation_id, fn)`` changes a stored
        dialogue state under its lock (``Engine.update_state``), ``hand_back`` is the change
        that gives the conversation back to the bot (``flows.end_handoff``)."""
        self._update_state = update_state
        self._hand_back = hand_back

    # -- reading ----------------------------------------------------------------------------

    async def get(self, handoff_id: int) -> HandoffView:
        async with self.session_factory() as session:
            row = await session.get(Handoff, handoff_id)
            if row is None:
                raise HandoffNotFound(texts.CLI_NOT_FOUND.format(id=handoff_id))
            return HandoffView.of(row)

    async def current(self, conversation_id: str) -> HandoffView | None:
        """The open handoff of a conversation, if a person is (to be) on it."""
        async with self.session_factory() as session:
            row = await self._open_row(session, conversation_id)
            return HandoffView.of(row) if row is not None else None

    async def latest(self, conversation_id: str) -> HandoffView | None:
        """The conversation's most recent handoff, open or not."""
        async with self.session_factory() as session:
            rows = await session.exec(
                select(Handoff)
                .where(Handoff.conversation_id == conversation_id)
                .order_by(col(Handoff.id).desc())
                .limit(1)
            )
            row = rows.first()
            return HandoffView.of(row) if row is not None else None

    async def list_waiting(self) -> list[HandoffView]:
        """Open handoffs: residents waiting for an answer first (longest wait first), then
        conversations a person has answered and not yet closed."""
        async with self.session_factory() as session:
            rows = await session.exec(
                select(Handoff).where(col(Handoff.status).in_(OPEN_STATUSES))
            )
            views = [HandoffView.of(row) for row in rows]
        far = datetime.max
        return sorted(views, key=lambda v: (v.waiting_since is None, v.waiting_since or far, v.id))

    # -- the resident side (called from the dialogue, under the conversation's lock) ---------

    async def open(
        self,
        *,
        conversation_id: str,
        channel: str,
        sender_id: str,
        reason: str,
        group_id: str | None = None,
    ) -> HandoffView:
        """Open a handoff for the conversation, or return the one already open."""
        now = self.clock()
        async with self.session_factory() as session:
            existing = await self._open_row(session, conversation_id)
            if existing is not None:
                return HandoffView.of(existing)
            row = Handoff(
                conversation_id=conversation_id,
                channel=channel,
                sender_id=sender_id,
                group_id=group_id,
                reason=reason[:64],
                status=HandoffStatus.WAITING,
                opened_at=now,
                waiting_since=now,
            )
            session.add(row)
            try:
                await session.commit()
            except IntegrityError:  # opened concurrently (another worker): use that one
                await session.rollback()
                existing = await self._open_row(session, conversation_id)
                if existing is None:
                    raise
                return HandoffView.of(existing)
            await session.refresh(row)
            log.info("handoff %s opened on %s (%s)", row.id, channel, row.reason)
            return HandoffView.of(row)

    async def append_resident_message(
        self, handoff_id: int, text: str, attachments: Sequence[str] = ()
    ) -> HandoffView:
        """Keep what the resident says while waiting, for the person who answers."""
        now = self.clock()
        async with self.session_factory() as session:
            row = await self._locked(session, handoff_id)
            _append(
                row,
                {
                    "at": now.isoformat(),
                    "by": "resident",
                    "text": text[:_MAX_TEXT],
                    "attachments": list(attachments),
                },
            )
            row.last_resident_at = now
            if row.waiting_since is None and row.status in OPEN_STATUSES:
                row.waiting_since = now  # waits for the person's next answer from now
            session.add(row)
            await session.commit()
            return HandoffView.of(row)

    async def leave(self, handoff_id: int, *, by: str = "resident") -> HandoffView | None:
        """The resident went back to the bot (or an urgent message ended the wait).

        No push and no state change: the dialogue calls this while it holds the
        conversation's lock and answers the resident itself. ``None`` if it had ended.
        """
        now = self.clock()
        async with self.session_factory() as session:
            row = await self._end(session, handoff_id, HandoffStatus.CLOSED, by, now)
            if row is None:
                return None
            await session.commit()
            log.info("handoff %s left by the %s", handoff_id, by)
            return HandoffView.of(row)

    # -- the staff side ---------------------------------------------------------------------

    async def answer(self, handoff_id: int, staff: str, text: str) -> HandoffView:
        """A person's answer: pushed to the resident on their channel and recorded."""
        text = text.strip()
        if not text:
            raise HandoffError(texts.CLI_EMPTY_ANSWER, code="empty_answer")
        now = self.clock()
        async with self.session_factory() as session:
            row = await self._locked(session, handoff_id)
            if row.status not in OPEN_STATUSES:
                raise HandoffNotOpen(texts.CLI_NOT_OPEN.format(id=handoff_id, status=row.status))
            _append(
                row,
                {"at": now.isoformat(), "by": "staff", "staff": staff, "text": text[:_MAX_TEXT]},
            )
            row.status = HandoffStatus.ANSWERED
            row.last_staff_at = now
            row.waiting_since = None
            session.add(row)
            self._push(session, row, texts.STAFF_ANSWER.format(staff=staff, text=text), now)
            await session.commit()
            log.info("handoff %s answered", handoff_id)
            return HandoffView.of(row)

    async def close(self, handoff_id: int, staff: str) -> HandoffView:
        """A person hands the conversation back to the bot; the resident is told so."""
        now = self.clock()
        async with self.session_factory() as session:
            row = await self._end(session, handoff_id, HandoffStatus.CLOSED, staff, now)
            if row is None:
                current = await session.get(Handoff, handoff_id)
                if current is None:
                    raise HandoffNotFound(texts.CLI_NOT_FOUND.format(id=handoff_id))
                raise HandoffNotOpen(
                    texts.CLI_NOT_OPEN.format(id=handoff_id, status=current.status)
                )
            self._push(session, row, texts.CLOSED, now)
            await session.commit()
            view = HandoffView.of(row)
        log.info("handoff %s closed", handoff_id)
        await self._give_back(view)
        return view

    async def expire_overdue(self, now: datetime | None = None) -> list[int]:
        """End every handoff whose resident has waited longer than the time-out: tell them,
        offer to file the matter as a ticket, and give the conversation back to the bot.
        Returns the ids it expired."""
        now = now or self.clock()
        cutoff = now - self.timeout
        async with self.session_factory() as session:
            rows = await session.exec(
                select(Handoff.id).where(
                    col(Handoff.status).in_(OPEN_STATUSES),
                    col(Handoff.waiting_since).is_not(None),
                    col(Handoff.waiting_since) <= cutoff,
                )
            )
            due = [int(i) for i in rows if i is not None]
        expired: list[int] = []
        for handoff_id in due:
            async with self.session_factory() as session:
                row = await self._end(
                    session, handoff_id, HandoffStatus.EXPIRED, "system", now, cutoff=cutoff
                )
                if row is None:
                    continue  # answered or closed meanwhile
                self._push(
                    session,
                    row,
                    texts.EXPIRED,
                    now,
                    buttons=(
                        Button(texts.FILE_BUTTON, texts.FILE_BUTTON),
                        Button(texts.DECLINE_BUTTON, texts.DECLINE_BUTTON),
                    ),
                )
                await session.commit()
                view = HandoffView.of(row)
            log.info("handoff %s expired unanswered", handoff_id)
            await self._give_back(view)
            expired.append(handoff_id)
        return expired

    # -- internals ----------------------------------------------------------------------------

    @staticmethod
    async def _open_row(session: AsyncSession, conversation_id: str) -> Handoff | None:
        rows = await session.exec(
            select(Handoff).where(
                Handoff.conversation_id == conversation_id,
                col(Handoff.status).in_(OPEN_STATUSES),
            )
        )
        return rows.first()

    @staticmethod
    async def _locked(session: AsyncSession, handoff_id: int) -> Handoff:
        row = await session.get(Handoff, handoff_id, with_for_update=True)
        if row is None:
            raise HandoffNotFound(texts.CLI_NOT_FOUND.format(id=handoff_id))
        return row

    @staticmethod
    async def _end(
        session: AsyncSession,
        handoff_id: int,
        status: str,
        by: str,
        now: datetime,
        *,
        cutoff: datetime | None = None,
    ) -> Handoff | None:
        """Move an open handoff to ``status`` with one conditional UPDATE (whoever wins a
        race between a staff close, the time-out and the resident wins alone); ``None``
        if it was not open (or, with ``cutoff``, no longer overdue)."""
        conditions = [col(Handoff.id) == handoff_id, col(Handoff.status).in_(OPEN_STATUSES)]
        if cutoff is not None:
            conditions += [
                col(Handoff.waiting_since).is_not(None),
                col(Handoff.waiting_since) <= cutoff,
            ]
        result = await session.exec(
            update(Handoff)
            .where(*conditions)
            .values(status=status, closed_at=now, closed_by=by[:128], waiting_since=None)
        )
        if result.rowcount != 1:
            return None
        row = await session.get(Handoff, handoff_id, populate_existing=True)
        return row

    @staticmethod
    def _push(
        session: AsyncSession,
        row: Handoff,
        text: str,
        now: datetime,
        *,
        buttons: Sequence[Button] = (),
    ) -> None:
        add_message(
            session,
            channel=row.channel,
            recipient_id=row.sender_id,
            group_id=row.group_id,
            text=text,
            now=now,
            audience=Audience.RESIDENT,
            buttons=buttons,
        )

    async def _give_back(self, view: HandoffView) -> None:
        """Clear the dialogue state's handoff flag (the cache) under the conversation lock."""
        if self._update_state is None or self._hand_back is None:
            return
        try:
            await self._update_state(view.conversation_id, self._hand_back)
        except Exception:  # the dialogue heals the flag on the next message anyway
            log.exception("could not hand conversation of handoff %s back to the bot", view.id)
