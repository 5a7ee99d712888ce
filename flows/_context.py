"""One turn of a conversation: the message, what the NLU made of it, and the replies so far.

Actions and validators get an :class:`ActionContext` (the turn plus the running frame). They
talk to the resident only through :meth:`Turn.say` with response keys, so every sentence
stays in responses.yml.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.messages import Button, ChatType, InboundMessage, OutboundMessage
from flows._responses import Responses
from flows._state import Frame
from nlu import FALLBACK_INTENT, ParseResult

if TYPE_CHECKING:
    from flows._danger import Danger
    from flows._services import FlowServices

INFORM_INTENT = "inform"
# Entities that make a message "inform" (details) rather than a demand of its own.
_DETAIL_ENTITIES = frozenset({"address", "building", "unit", "room", "phone", "time"})


class _Nothing:
    def __repr__(self) -> str:
        return "NOTHING"


NOTHING: Any = _Nothing()
"""No quick reply was chosen (validators get this instead of a choice's value)."""


# --- what a validator says about an answer ----------------------------------------------


@dataclass(frozen=True, slots=True)
class Filled:
    """The answer fills the slot (``values`` holds it and any related slots)."""

    values: dict[str, Any]
    ack: str | None = None
    ack_vars: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class FollowUp:
    """Progress, but something is still open: ask ``response`` with these quick replies.

    ``choices`` are ``(title, value)`` pairs; a chosen value goes back to the validator.
    """

    response: str
    variables: dict[str, Any] = field(default_factory=dict)
    choices: tuple[tuple[str, Any], ...] = ()
    values: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Miss:
    """Not understood. ``response`` (optional) explains why before the question is re-asked."""

    response: str | None = None
    variables: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Ignore:
    """While listening for corrections: the message says nothing about this slot."""


IGNORE = Ignore()
Outcome = Filled | FollowUp | Miss | Ignore


# --- replies --------------------------------------------------------------------------


@dataclass(slots=True)
class Reply:
    text: str
    keys: list[str]
    buttons: tuple[Button, ...] = ()
    link: str | None = None
    group_id: str | None = None
    custom: dict[str, Any] = field(default_factory=dict)

    @property
    def plain(self) -> bool:
        return not self.buttons and not self.link and not self.custom


class Turn:
    """Everything about the message being handled, and the replies being built."""

    def __init__(
        self,
        *,
        services: FlowServices,
        responses: Responses,
        message: InboundMessage,
        parse: ParseResult | None,
        state: dict[str, Any],
        now: datetime,
    ) -> None:
        self.services = services
        self.responses = responses
        self.message = message
        self.parse = parse
        self.state = state
        self.now = now
        self.replies: list[Reply] = []
        # Frames started or answered during this turn: their ``prefill`` steps may use this
        # message too ("不满意,还是没修好" is the rating and the comment at once).
        self.started_frames: set[str] = set()
        self.answered_frames: set[str] = set()
        # What follows the quick reply the message began with ("" when it was only that);
        # None when no quick reply was read from its words.
        self.rest_text: str | None = None
        # flows._emergency.danger_of's answer for (text, intent): asked at several places
        # in one turn (the manager, the handoff, the group), detected once.
        self.danger_read: tuple[tuple[str, str | None], Danger | None] | None = None

    # -- the message ----------------------------------------------------------------------

    @property
    def text(self) -> str:
        """What the resident said: typed text, or what the platform heard in a voice message
        (:attr:`InboundMessage.said`, the text the engine gave the NLU)."""
        return self.message.said

    @property
    def remaining_text(self) -> str:
        """The words not yet used as a quick reply: all of them, or what followed it."""
        return self.text if self.rest_text is None else self.rest_text

    @property
    def has_words(self) -> bool:
        """Letters, digits or hanzi: an emoji or punctuation alone ("😡😡", "???") says no
        more than a mood, whatever category the classifier leans to."""
        return any(ch.isalnum() for ch in self.text)

    @property
    def intent(self) -> str | None:
        """The recognised intent, ``None`` without text and for the fallback.

        A demand read from a message without words is no demand (the fallback): "😡😡😡"
        must not start a consumer-rights report.
        """
        if self.parse is None or self.parse.intent.name == FALLBACK_INTENT:
            return None
        name = self.parse.intent.name
        if not self.has_words and self.services.catalog.has(name):
            return None
        return name

    @property
    def confidence(self) -> float:
        return float(self.parse.intent.confidence) if self.parse is not None else 0.0

    def demand(self) -> tuple[str, float] | None:
        """The demand category the message reports, and how sure we are of it.

        A resident who says everything at once ("锦园小区2号楼楼道灯坏了,我电话138...") makes
        the NLU hesitate between the demand and ``inform`` (details only). Both readings
        agree that details are there, so when the details really are (address, phone ...)
        and the demand ranks first, it is the demand with its details and the two scores add
        up; when the details rank first, it is the demand, to be confirmed.
        """
        parse = self.parse
        if parse is None or not self.has_words:
            return None
        catalog = self.services.catalog
        ranking = [s for s in parse.intent_ranking if s.name != FALLBACK_INTENT]
        if not ranking:
            return None
        report = next((s for s in ranking if catalog.has(s.name)), None)
        if report is None:
            return None
        details = any(e.entity in _DETAIL_ENTITIES for e in parse.entities)
        inform = next((s for s in ranking[:2] if s.name == INFORM_INTENT), None)
        both = float(report.confidence + inform.confidence) if inform is not None else 0.0
        if ranking[0].name == report.name:
            # Hesitating between the demand and its details is no doubt about the demand;
            # hesitating between two demands is (the caller then offers both).
            if inform is not None and details:
                return report.name, both
            if parse.intent.name == FALLBACK_INTENT:
                return None
            return report.name, float(report.confidence)
        # Mostly details with a demand in second place: the demand, but not sure of it
        # (its own score decides whether the category is confirmed with the resident).
        threshold = self.services.settings.nlu_fallback_threshold
        if ranking[0].name == INFORM_INTENT and details and report.confidence >= threshold:
            return report.name, float(report.confidence)
        return None

    def entities(self, name: str) -> list[str]:
        return self.parse.entity_values(name) if self.parse is not None else []

    @property
    def is_group(self) -> bool:
        return self.message.chat_type is ChatType.GROUP

    @property
    def profile(self) -> dict[str, Any]:
        profile: dict[str, Any] = self.state.setdefault("profile", {})
        return profile

    # -- saying things --------------------------------------------------------------------

    def say(
        self,
        key: str,
        variables: dict[str, Any] | None = None,
        *,
        buttons: tuple[Button, ...] = (),
        link: str | None = None,
        group: bool = False,
        variant: int | None = None,
        custom: dict[str, Any] | None = None,
    ) -> int:
        """Queue response ``key``; answers the variant used (for re-asking differently)."""
        if variant is None:
            variant = self.responses.pick(key)
        text = self.responses.render(key, dict(variables or {}), variant=variant)
        self.replies.append(
            Reply(
                text=text,
                keys=[key],
                buttons=buttons,
                link=link,
                group_id=self.message.group_id if group else None,
                custom=dict(custom or {}),
            )
        )
        return variant

    def button(self, key: str) -> Button:
        """A quick reply from the buttons section; its payload is its title."""
        title = self.responses.button(key).title
        return Button(title, title)

    def outbound(self) -> list[OutboundMessage]:
        """Replies as messages; consecutive plain texts join the next message.

        Several short sentences in one bubble read better on a phone, and WeChat's passive
        reply carries one message only.
        """
        merged: list[Reply] = []
        for reply in self.replies:
            previous = merged[-1] if merged else None
            if previous is not None and previous.plain and previous.group_id == reply.group_id:
                previous.text = f"{previous.text}\n{reply.text}"
                previous.keys.extend(reply.keys)
                previous.buttons, previous.link = reply.buttons, reply.link
                previous.custom = reply.custom
                continue
            merged.append(Reply(reply.text, list(reply.keys), reply.buttons, reply.link,
                                reply.group_id, dict(reply.custom)))
        return [
            OutboundMessage(
                recipient_id=self.message.sender_id,
                text=r.text,
                buttons=r.buttons,
                link=r.link,
                group_id=r.group_id,
                custom={**r.custom, "responses": r.keys},
            )
            for r in merged
        ]

    # -- human handoff --------------------------------------------------------------------

    async def request_handoff(self, reason: str, flow: str | None = None) -> None:
        """Hand the conversation to a person through the handoff service (the durable
        record); ``state["handoff"]`` only caches that a person is on this conversation.
        What the resident says meanwhile goes to the record (see flows/_handoff.py)."""
        handoff_id: int | None = None
        service = self.services.handoff
        if service is not None:
            view = await service.open(
                conversation_id=self.message.conversation_id,
                channel=self.message.channel,
                sender_id=self.message.sender_id,
                group_id=self.message.group_id,
                reason=reason,
            )
            handoff_id = view.id
        self.state["handoff"] = True
        self.state["handoff_info"] = {
            "id": handoff_id,
            "reason": reason,
            "flow": flow,
            # What the resident was doing (the unfinished report resumes afterwards).
            "stack": [frame.get("flow") for frame in self.state.get("stack") or []],
            "since": self.now.isoformat(),
        }


class ActionContext:
    """What an action or validator sees: the turn, the running frame and its slots."""

    def __init__(self, turn: Turn, frame: Frame) -> None:
        self.turn = turn
        self.frame = frame

    @property
    def slots(self) -> dict[str, Any]:
        return self.frame.slots

    @property
    def services(self) -> FlowServices:
        return self.turn.services

    @property
    def message(self) -> InboundMessage:
        return self.turn.message

    @property
    def parse(self) -> ParseResult | None:
        return self.turn.parse

    @property
    def text(self) -> str:
        return self.turn.text

    @property
    def now(self) -> datetime:
        return self.turn.now

    @property
    def profile(self) -> dict[str, Any]:
        return self.turn.profile

    def say(self, key: str, variables: dict[str, Any] | None = None, **kwargs: Any) -> None:
        self.turn.say(key, variables, **kwargs)

    async def request_handoff(self, reason: str) -> None:
        await self.turn.request_handoff(reason, self.frame.flow)

    def prompt_next(
        self,
        slot: str,
        response: str,
        variables: dict[str, Any] | None = None,
        choices: tuple[tuple[str, Any], ...] = (),
    ) -> None:
        """Ask ``slot`` with a narrower question when the flow gets to it (an action found
        the compound but not the building: "锦园小区哪一栋?")."""
        self.frame.data["pending_prompt"] = {
            "slot": slot,
            "response": response,
            "vars": dict(variables or {}),
            "choices": [[title, value] for title, value in choices],
        }
