"""The dialogue manager: the engine's one entry point into the flows.

For every message (the engine already de-duplicated it, holds the conversation's lock and
parsed it) the manager:

1. expires a stale conversation politely (older than ``conversation_ttl_seconds``);
2. while a person has been asked (``state["handoff"]``) keeps what the resident says on
   the handoff record and acknowledges it, but still answers status questions, urgent
   matters and "返回机器人" itself (see flows/_handoff.py) — never silent;
3. in a group chat speaks only when @-mentioned or for a clear demand, and moves the details
   to a private conversation (:attr:`bot.engine.DialogueResult.forward`);
4. when staff asked this resident for more information on a ticket, attaches the message to
   it and says so (see flows/_info_request.py);
5. otherwise gives the message to the waiting flow, or starts the flow its intent names.

Pseudo-intents flows may list besides the NLU's: ``nlu_fallback`` (not understood),
``no_text`` (a photo, video, voice or location without words) and ``scene`` (a door-plate QR
scan that opened the chat without words).
"""

from __future__ import annotations

import logging
import re
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

from bot.engine import DialogueResult
from bot.messages import ChatType, InboundMessage
from flows._addressing import building_values, scene_building
from flows._context import Turn
from flows._emergency import REQUIRED_RESPONSES as EMERGENCY_RESPONSES
from flows._emergency import danger_of, handle_danger, say_numbers
from flows._handoff import REQUIRED_RESPONSES as HANDOFF_RESPONSES
from flows._handoff import During, during_handoff
from flows._info_request import REQUIRED_RESPONSES as INFO_RESPONSES
from flows._info_request import Answered, answer_info_request
from flows._interpreter import UNCLEAR, Interpreter
from flows._loader import RESPONSES_FILE, load_flows
from flows._model import END, CollectStep, Flow, FlowSet
from flows._problems import problem
from flows._registry import ACTIONS, VALIDATORS
from flows._responses import Responses
from flows._services import FlowServices
from flows._state import normalize, parse_time
from nlu import FALLBACK_INTENT, ParseResult

log = logging.getLogger(__name__)

FALLBACK = FALLBACK_INTENT
FOREIGN_LANGUAGE = "foreign_language"
GROUP_CONTINUED = "group_continued_here"
FLOWS_CHANGED = "conversation_reset"
_HANZI = re.compile(r"[\u3400-\u9fff]")
# A word has a vowel: keyboard mash (";lkj;lkj;lkj") is no language at all.
_LATIN_WORD = re.compile(r"(?=[A-Za-z]*[AEIOUYaeiouy])[A-Za-z]{2,}")
_FOREIGN_MIN_WORDS = 3
NO_TEXT = "no_text"
SCENE = "scene"
FORWARDED_FROM = "forwarded_from_group"
_SMALL_TALK = frozenset({"greet", "thank", "goodbye"})
# Responses the manager itself says; every deployment's responses.yml must have them.
REQUIRED_RESPONSES = (
    "conversation_expired",
    FOREIGN_LANGUAGE,
    "cancelled",
    "group_ack_demand",
    "group_ack_private",
    "group_hello",
    GROUP_CONTINUED,
    FLOWS_CHANGED,
    *HANDOFF_RESPONSES,
    *EMERGENCY_RESPONSES,
    UNCLEAR,
    *INFO_RESPONSES,
)


def _foreign(text: str) -> bool:
    """Several words in Latin letters and no hanzi: a language the NLU was not trained on
    ("the street light is broken" was greeted in Chinese). A ticket number, a phone number,
    "ok" or "WiFi坏了" are not."""
    if _HANZI.search(text):
        return False
    return len(_LATIN_WORD.findall(text)) >= _FOREIGN_MIN_WORDS


class DialogueManager:
    """Runs the flows for one message at a time; all conversation state lives in ``state``."""

    def __init__(self, flows: FlowSet, responses: Responses, services: FlowServices) -> None:
        missing = [key for key in REQUIRED_RESPONSES if key not in responses]
        if missing:
            raise problem("responses_missing", responses.source, keys=missing)
        self.flows = flows
        self.responses = responses
        self.services = services
        self.interpreter = Interpreter(flows, responses, ACTIONS, VALIDATORS)

    @classmethod
    def from_directory(
        cls, flows_dir: Path, services: FlowServices, *, seed: int | None = None
    ) -> DialogueManager:
        """Load and check every flow file and the responses file of ``flows_dir``.

        Raises:
            FlowError: a file is invalid; the message names the file and line.
        """
        import flows._actions
        import flows._addressing
        import flows._validators  # noqa: F401 - registers the validators

        responses = Responses.load(Path(flows_dir) / RESPONSES_FILE, seed=seed)
        flowset = load_flows(Path(flows_dir), responses, ACTIONS, VALIDATORS)
        return cls(flowset, responses, services)

    # -- the entry point ------------------------------------------------------------------

    async def handle(
        self, state: dict[str, Any], message: InboundMessage, parse: ParseResult | None
    ) -> DialogueResult:
        """One message in; the new state, the replies and (for a demand raised in a group)
        the message that continues it privately out. ``state`` is not modified."""
        now = self.services.clock()
        state = normalize(state)
        turn = Turn(
            services=self.services,
            responses=self.responses,
            message=message,
            parse=parse,
            state=state,
            now=now,
        )
        self._expire_if_stale(turn)
        self._forget_unknown_frames(turn)
        state["updated_at"] = now.isoformat()
        private = message.chat_type is ChatType.PRIVATE
        if private and state.get("handoff") and await self._during_handoff(turn):
            return DialogueResult(state, turn.outbound())
        if message.chat_type is ChatType.GROUP:
            forward = self._private_copy(message) if self._group(turn) else None
            return DialogueResult(state, turn.outbound(), forward)
        # Someone in danger hears the emergency numbers before anything else, even while
        # staff wait for their answer (补充情况): the words reach the ticket afterwards.
        in_danger = private and danger_of(turn) is not None
        if private and not in_danger and await self._answered_info_request(turn):
            return DialogueResult(state, turn.outbound())
        if message.metadata.get(FORWARDED_FROM):
            # The first words in the private chat: say why we are here, or the resident
            # gets a question out of nowhere ("有重名的小区,请选一下所在社区").
            # Someone in danger: the numbers open the private chat too, nothing before them.
            if not await handle_danger(self.interpreter, turn):
                turn.say(GROUP_CONTINUED)
                await self._start(turn)
        else:
            await self._private(turn)
        if in_danger:
            await answer_info_request(turn, tapped=False)
        return DialogueResult(state, turn.outbound())

    @staticmethod
    def _private_copy(message: InboundMessage) -> InboundMessage:
        """The private message a group message moves to the resident's own conversation.

        The engine handles it like any private one (its own lock and state) right after the
        group message.
        """
        return replace(
            message,
            chat_type=ChatType.PRIVATE,
            group_id=None,
            mentioned=False,
            message_id=f"{message.message_id}:private" if message.message_id else None,
            metadata={**message.metadata, FORWARDED_FROM: message.group_id},
        )

    # -- stages ---------------------------------------------------------------------------

    async def _during_handoff(self, turn: Turn) -> bool:
        """A message while a person has been asked; True when it has been fully answered."""
        outcome = await during_handoff(turn)
        if outcome is During.ACKNOWLEDGED:
            return True
        if outcome is During.LEFT:
            frame = self.interpreter.top(turn)
            if frame is not None and frame.waiting:
                self.interpreter.resume(turn, frame)  # back to what the bot was asking
            return True
        if outcome is During.STATUS:
            # Answered by the bot meanwhile; the flag stays, so a paused report is not
            # resumed (the person may still come) — the interpreter stops after this flow.
            # A question it leaves open ("您有工单号吗?") is not kept: a ticket number sent
            # later is a status question again, anything else is for the person.
            stack = self.interpreter.stack(turn)
            before = {frame.get("id") for frame in stack}
            await self._start(turn)
            stack[:] = [frame for frame in stack if frame.get("id") in before]
            turn.say("handoff_still_waiting")
            return True
        return False  # released or urgent: the bot handles the message as usual

    async def _answered_info_request(self, turn: Turn) -> bool:
        """Staff asked this resident for more (补充情况): the message goes onto that ticket.
        True when it has been fully answered (an urgent matter is handled on as usual)."""
        outcome = await answer_info_request(turn, tapped=self._tapped(turn))
        return outcome is Answered.ATTACHED

    def _tapped(self, turn: Turn) -> bool:
        """The message is a quick reply the bot offered: a choice of the question it is
        waiting on, or a pushed button a flow answers (a rating)."""
        if not turn.text:
            return False
        frame = self.interpreter.top(turn)
        prompt = frame.prompt if frame is not None and frame.waiting else None
        for choice in (prompt or {}).get("choices") or []:
            if isinstance(choice, (list, tuple)) and choice and str(choice[0]) == turn.text:
                return True
        return self._flow_for_reply(turn) is not None

    def _expire_if_stale(self, turn: Turn) -> None:
        state = turn.state
        last = parse_time(state.get("updated_at"))
        ttl = timedelta(seconds=self.services.settings.conversation_ttl_seconds)
        if last is None or turn.now - last <= ttl:
            return
        busy = bool(state.get("stack")) or bool(state.get("later"))
        state["stack"] = []
        state["later"] = []
        state["misses"] = 0
        # An open handoff outlives the conversation's expiry: the handoff service ends it
        # (a person closes it, or the time-out), and the flag heals itself if it is stale.
        if busy and turn.message.chat_type is ChatType.PRIVATE:
            turn.say("conversation_expired")

    def _forget_unknown_frames(self, turn: Turn) -> None:
        """Drop running flows a trainer has since renamed or removed (or whose current step
        is gone): a stored conversation outlives a deployment, and must not turn every
        later message of that resident into an error."""
        state = turn.state
        kept = []
        for data in state.get("stack") or []:
            flow = self.flows.flows.get(str(data.get("flow")))
            prompts = [data.get("prompt") or {}, data.get("pending_prompt") or {}]
            if (
                flow is not None
                and str(data.get("step")) in (*flow.index, END)
                and all(p.get("response", "ask") in self.responses or not p for p in prompts)
            ):
                kept.append(data)
        later = [d for d in state.get("later") or [] if d.get("flow") in self.flows]
        if len(kept) == len(state.get("stack") or []) and len(later) == len(
            state.get("later") or []
        ):
            return
        log.warning("dropped stored flows that no longer exist")
        had_question = any(d.get("waiting") for d in state.get("stack") or [])
        state["stack"], state["later"], state["misses"] = kept, later, 0
        if had_question and not kept and turn.message.chat_type is ChatType.PRIVATE:
            turn.say(FLOWS_CHANGED)

    async def _private(self, turn: Turn) -> None:
        # Safety first: someone in danger hears the emergency numbers before anything else,
        # whatever was being asked.
        if await handle_danger(self.interpreter, turn):
            return
        frame = self.interpreter.top(turn)
        if _foreign(turn.text):
            # The model knows Chinese only: say so (in both languages) instead of guessing,
            # then repeat the pending question, if any.
            turn.say(FOREIGN_LANGUAGE)
            if frame is not None and frame.waiting:
                step = self.interpreter.flow_of(frame).step(frame.step)
                if isinstance(step, CollectStep):
                    self.interpreter.ask(turn, frame, step, again=False)
            return
        if frame is not None and frame.waiting and await self.interpreter.answer(turn):
            return
        await self._start(turn)

    def _trigger(self, turn: Turn) -> str:
        if turn.parse is None:
            if turn.message.attachments or turn.message.location or turn.text:
                return NO_TEXT
            return SCENE if turn.message.scene else FALLBACK
        demand = turn.demand()
        if demand is not None:
            return demand[0]
        return turn.intent or FALLBACK

    async def _start(self, turn: Turn) -> None:
        """Start the flow the message asks for (the waiting one, if any, stays below)."""
        trigger = self._trigger(turn)
        if trigger == SCENE:
            self._welcome_scene(turn)
            return
        flow = (
            self._flow_for_reply(turn)
            or self.flows.for_intent(trigger)
            or self.flows.for_intent(FALLBACK)
        )
        if flow is None or flow.only_when_idle or trigger == FALLBACK:
            flow = self.interpreter.flow_for_entities(turn) or flow
        if flow is None:
            raise problem("no_flow_for", trigger=trigger)
        if trigger not in (FALLBACK, NO_TEXT):
            turn.state["misses"] = 0
        frame = self.interpreter.top(turn)
        if frame is not None and not self.interpreter.flow_of(frame).interruptible:
            self.interpreter.stack(turn).pop()
        await self.interpreter.start(turn, flow.name)

    def _flow_for_reply(self, turn: Turn) -> Flow | None:
        """The flow a pushed quick reply starts ("还行吧" to a rating request), unless the
        message clearly reports a new problem."""
        if not turn.text:
            return None
        demand = turn.demand()
        threshold = self.services.settings.flow_category_confirm_threshold
        if demand is not None and demand[1] >= threshold:
            return None
        flow: Flow
        for flow in self.flows:
            for key in flow.replies:
                if self.responses.after_button(key, turn.text) is not None:
                    return flow
        return None

    def _welcome_scene(self, turn: Turn) -> None:
        """A QR scan opened the chat: greet with the building, remember it for reports."""
        code = scene_building(turn)
        values = building_values(turn, code) if code else None
        if values is None:
            turn.say("scene_unknown")
            return
        turn.say("scene_welcome", {"address": values["address"]})

    def _group(self, turn: Turn) -> bool:
        """Group chats: short public answers only; everything personal goes private.

        True when the conversation continues in the resident's private chat.
        """
        message = turn.message
        danger = danger_of(turn)
        if danger is not None:
            # Whoever in the group reads it should call too; the report goes private.
            say_numbers(turn, danger, group=True)
            return True
        intent = turn.intent
        threshold = self.services.settings.flow_group_demand_threshold
        reading = turn.demand()
        demand = reading is not None and reading[1] >= threshold
        if not demand and not message.mentioned:
            return False  # residents talking among themselves
        if not demand and (intent in _SMALL_TALK or not turn.text):
            turn.say("group_hello", group=True)
            return False
        if reading is not None and demand:
            turn.say(
                "group_ack_demand",
                {"category": self.services.catalog.item(reading[0]).name},
                group=True,
            )
        else:
            turn.say("group_ack_private", group=True)
        return True
