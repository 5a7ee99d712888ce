"""Handoff (转人工) as a core service: who waits for a person, their answers, close, time-out.

::

    service = HandoffService.from_settings(session_factory, settings)
    service.attach(engine.update_state, flows.end_handoff)   # composition root
    view = await service.open(conversation_id=..., channel=..., sender_id=..., reason=...)
    await service.answer(view.id, "李书记", "您好，我马上联系物业")   # pushed via the outbox
    await service.close(view.id, "李书记")                          # back to the bot
    await service.expire_overdue(now)                              # scheduler job

The durable record is the ``handoff`` table; the dialogue state's ``handoff`` flag only
caches "a person is on this conversation".
"""

from bot.errors import HandoffError, HandoffNotFound, HandoffNotOpen
from bot.handoff.duty import DutyHours
from bot.handoff.jobs import handoff_jobs
from bot.handoff.models import OPEN_STATUSES, Handoff, HandoffStatus
from bot.handoff.service import (
    MAX_LINES,
    HandoffLine,
    HandoffService,
    HandoffView,
)

__all__ = [
    "MAX_LINES",
    "OPEN_STATUSES",
    "DutyHours",
    "Handoff",
    "HandoffError",
    "HandoffLine",
    "HandoffNotFound",
    "HandoffNotOpen",
    "HandoffService",
    "HandoffStatus",
    "HandoffView",
    "handoff_jobs",
]

