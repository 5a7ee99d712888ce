"""The small interpreter that runs flows over the conversation's stack of frames.

A turn either starts a flow (:meth:`Interpreter.start`) or answers the question the top
frame is waiting on (:meth:`Interpreter.answer`). Answering follows one fixed order, so the
behaviour is predictable for trainers:

1. a quick reply (typed, tapped or its number) picks a choice;
2. "取消" cancels the flow (an interrupted flow below it resumes);
3. an intent of an ``interrupts`` flow (查进度, 找书记, 转人工) pauses an ``interruptible``
   flow, runs, and the paused flow resumes with its question;
4. the flow's ``corrections`` slots listen to every answer ("不对,是3号楼", a phone number, a
   photo): a changed slot re-runs the flow from the top, so questions already answered are
   skipped and the duplicate check and summary see the new value;
5. a choice selected by intent (affirm → 确认);
6. the step's validator; a miss re-asks in other words, and after two misunderstandings in
   a row the ``offer_human`` flow offers a person.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from bot.messages import Button
from flows._context import (
    NOTHING,
    ActionContext,
    Filled,
    FollowUp,
    Ignore,
    Miss,
    Outcome,
    Turn,
)
from flows._matching import Matcher, Option
from flows._model import (
    END,
    ActionStep,
    BranchStep,
    CollectStep,
    EndStep,
    Flow,
    FlowSet,
    SayStep,
    SetStep,
    Step,
    SwitchStep,
)
from flows._registry import ActionSpec, ValidatorSpec
from flows._responses import Responses
from flows._state import MAX_STACK, Frame

log = logging.getLogger(__name__)

OFFER_HUMAN_FLOW = "offer_human"
MISSES_BEFORE_HUMAN = 2
_MAX_STEPS_PER_TURN = 200
# Matters noted for later, at most (someone listing ten problems gets the last three).
MAX_LATER = 3
_CANCEL_INTENT = "cancel"
#: Said (with the buttons) to keyboard mash at a question with quick replies.
UNCLEAR = "reask_unclear"
_DEFAULT_CANCELLED = "cancelled"


def _mash(turn: Turn) -> bool:
    """The message is only keyboard mash ("jkjkjk", "的的的的的", "1234567890")."""
    if not turn.text or turn.message.attachments or turn.message.location:
        return False
    return turn.parse is not None and turn.parse.understood_nothing


class Interpreter:
    def __init__(
        self,
        flows: FlowSet,
        responses: Responses,
        actions: Mapping[str, ActionSpec],
        validators: Mapping[str, ValidatorSpec],
    ) -> None:
        self.flows = flows
        self.responses = responses
        self.match = Matcher(responses)
        self.actions = actions
        self.validators = validators

    # -- the stack ------------------------------------------------------------------------

    @staticmethod
    def stack(turn: Turn) -> list[dict[str, Any]]:
        stack: list[dict[str, Any]] = turn.state.setdefault("stack", [])
        return stack

    def top(self, turn: Turn) -> Frame | None:
        stack = self.stack(turn)
        return Frame(stack[-1]) if stack else None

    def _push(self, turn: Turn, flow: Flow, slots: dict[str, Any] | None = None) -> Frame:
        stack = self.stack(turn)
        if len(stack) >= MAX_STACK:
            # Someone who keeps switching topics does not need the oldest one back.
            del stack[0]
        frame = Frame.new(flow.name, flow.steps[0].id, turn.now, slots)
        stack.append(frame.data)
        turn.started_frames.add(frame.id)
        return frame

    def flow_of(self, frame: Frame) -> Flow:
        return self.flows[frame.flow]

    # -- starting and running -------------------------------------------------------------

    async def start(self, turn: Turn, flow_name: str, slots: dict[str, Any] | None = None) -> None:
        """Start ``flow_name`` on top of the stack (the caller decided it may)."""
        self._push(turn, self.flows[flow_name], slots)
        await self.run(turn)

    async def run(self, turn: Turn) -> None:
        """Advance the top frame until it waits for an answer; ended frames resume the one below.

        When the stack empties, a matter noted for later (see :meth:`_note_for_later`) starts.
        """
        while (frame := self.top(turn)) is not None or self._start_later(turn):
            if frame is None:
                continue
            if frame.waiting:
                return
            ended = await self._advance(turn, frame)
            if not ended:
                continue  # waiting now, or switched to another flow
            self.stack(turn).pop()
            if turn.state.get("handoff"):
                return  # a person takes over; do not ask anything more
            below = self.top(turn)
            if below is not None and below.waiting:
                leave = self.flow_of(frame).leave_paused
                if leave:
                    turn.say(leave, self._render_vars(turn, below))
                elif self._hand_down(frame, below):
                    # The side question got the answer the paused flow waits for (the
                    # address given to find the secretary): go on without asking it again.
                    flow = self.flow_of(below)
                    if flow.resume:
                        turn.say(flow.resume, self._vars(turn, below))
                    below.waiting = False
                    continue
                else:
                    self.resume(turn, below)
                return

    async def _note_for_later(self, turn: Turn, flow: Flow) -> None:
        """Note the other matter the resident raised while ``flow`` was busy, on a frame of
        its own filled by the flow's ``later`` actions from this message; it starts when the
        stack is empty (after this report is filed or cancelled)."""
        if not flow.later:
            return
        frame = Frame.new(flow.name, flow.steps[0].id, turn.now)
        for name in flow.later:
            await self.actions[name].func(ActionContext(turn, frame))
        later: list[dict[str, Any]] = turn.state.setdefault("later", [])
        later.append(frame.data)
        del later[:-MAX_LATER]

    def _start_later(self, turn: Turn) -> bool:
        """Put the oldest matter noted for later on the empty stack (True if there was one)."""
        later = turn.state.get("later") or []
        if not later or self.stack(turn) or turn.state.get("handoff"):
            return False
        data = later.pop(0)
        if data.get("flow") not in self.flows:
            return bool(later) and self._start_later(turn)
        frame = Frame(data)
        flow = self.flow_of(frame)
        if flow.later_intro:
            values = {name: "" for name in self.responses.placeholders(flow.later_intro)}
            values.update(self._render_vars(turn, frame))
            turn.say(flow.later_intro, values)
        self.stack(turn).append(frame.data)
        return True

    def _hand_down(self, ended: Frame, below: Frame) -> bool:
        """Give ``below`` the answer ``ended`` got from the resident to the very question
        ``below`` is waiting on (True if it did). Only answers the resident gave count, never
        a guess a flow made on its own."""
        step = self.flow_of(below).step(below.step)
        if not isinstance(step, CollectStep) or below.filled(step.slot):
            return False
        if step.slot not in (ended.data.get("answered") or ()):
            return False
        other = self.flow_of(ended).collect_step_for(step.slot)
        if other is None or other.expect != step.expect:
            return False
        keys = {step.slot, *self.validators[step.expect].sets}
        values = {k: ended.slots[k] for k in keys if ended.slots.get(k) is not None}
        values = {k: v for k, v in values.items() if k == step.slot or not below.filled(k)}
        below.slots.update(values)
        return True

    def resume(self, turn: Turn, frame: Frame) -> None:
        flow = self.flow_of(frame)
        if flow.resume:
            turn.say(flow.resume, self._vars(turn, frame))
        step = flow.step(frame.step)
        if isinstance(step, CollectStep):
            self.ask(turn, frame, step)

    def _vars(self, turn: Turn, frame: Frame) -> dict[str, Any]:
        values: dict[str, Any] = {
            "channel": turn.message.channel,
            "chat_type": turn.message.chat_type.value,
        }
        values.update(frame.slots)
        return values

    def _render_vars(self, turn: Turn, frame: Frame) -> dict[str, Any]:
        return {k: ("" if v is None else v) for k, v in self._vars(turn, frame).items()}

    def _next(self, turn: Turn, frame: Frame, flow: Flow, step: Step) -> str:
        values = self._vars(turn, frame)
        for arm in step.next:
            if arm.condition is None or arm.condition(values):
                return arm.target
        return self._following(flow, step)

    @staticmethod
    def _following(flow: Flow, step: Step) -> str:
        position = flow.index[step.id] + 1
        return flow.steps[position].id if position < len(flow.steps) else END

    async def _advance(self, turn: Turn, frame: Frame) -> bool:
        """Run steps until a question is asked (False) or the flow ends (True)."""
        flow = self.flow_of(frame)
        for _ in range(_MAX_STEPS_PER_TURN):
            if frame.step == END:
                return True
            step = flow.step(frame.step)
            if step.when is not None and not step.when(self._vars(turn, frame)):
                # A step that does not happen has no say in where to go: fall through.
                frame.step = self._following(flow, step)
                continue
            if isinstance(step, CollectStep):
                needed = step.always_ask or not frame.filled(step.slot)
                if needed and not await self._prefill(turn, frame, step):
                    self.ask(turn, frame, step)
                    return False
            elif isinstance(step, ActionStep):
                await self.actions[step.action].func(ActionContext(turn, frame))
            elif isinstance(step, SayStep):
                turn.say(step.response, self._render_vars(turn, frame))
            elif isinstance(step, SetStep):
                frame.slots.update(step.values)
            elif isinstance(step, SwitchStep):
                carried = {k: frame.slots[k] for k in step.carry if k in frame.slots}
                self.stack(turn).pop()
                self._push(turn, self.flows[step.flow], carried)
                return False
            elif isinstance(step, EndStep):
                return True
            else:
                assert isinstance(step, BranchStep)
            frame.step = self._next(turn, frame, flow, step)
        raise RuntimeError(f"flow {flow.name!r} ran {_MAX_STEPS_PER_TURN} steps without asking")

    async def _prefill(self, turn: Turn, frame: Frame, step: CollectStep) -> bool:
        """Answer a ``prefill`` step with the message that started the flow (or answered its
        previous question), if it fits: "不满意,晚上还是吵" is the rating and the comment."""
        if not step.prefill or not turn.text:
            return False
        if frame.id not in turn.started_frames and frame.id not in turn.answered_frames:
            return False
        options = self.options(frame, step)
        ctx = ActionContext(turn, frame)
        option = self.match.text(turn, options)
        if option is not None:
            turn.rest_text = ""
        elif (found := self.match.prefix(turn, options)) is not None:
            option, turn.rest_text = found
        else:
            option = self.match.intent(turn, options)
        if option is not None:
            outcome = await self._choose(ctx, step, option)
        elif step.expect != "choice" and turn.rest_text != "":
            outcome = await self.validators[step.expect].func(ctx, step, NOTHING, False)
        else:
            return False
        if not isinstance(outcome, Filled):
            return False
        frame.slots.update(outcome.values)
        if outcome.ack:
            turn.say(outcome.ack, outcome.ack_vars)
        return True

    # -- asking ---------------------------------------------------------------------------

    def options(self, frame: Frame, step: CollectStep) -> list[Option]:
        """Quick replies on offer, in the order they are shown (numbers refer to it)."""
        prompt = frame.prompt
        dynamic = prompt.get("choices") if prompt else None
        if dynamic is None and step.choices_from:
            dynamic = frame.slots.get(step.choices_from)
        result = [Option(str(title), value) for title, value in (dynamic or [])]
        result.extend(
            Option(self.responses.button(c.button).title, c.value, c) for c in step.choices
        )
        return result

    def ask(self, turn: Turn, frame: Frame, step: CollectStep, *, again: bool = False) -> None:
        pending = frame.data.get("pending_prompt")
        if pending and pending.get("slot") == step.slot:
            del frame.data["pending_prompt"]
            if not frame.prompt:
                frame.prompt = {k: pending[k] for k in ("response", "vars", "choices")}
        prompt = frame.prompt
        if prompt:
            key, values = prompt["response"], {**self._render_vars(turn, frame), **prompt["vars"]}
        else:
            key = step.reask if again and step.reask else step.ask
            values = self._render_vars(turn, frame)
        buttons = tuple(Button(o.title, o.title) for o in self.options(frame, step))
        variant = self.responses.pick(key, avoid=frame.variant if again else None)
        turn.say(key, values, buttons=buttons, variant=variant)
        frame.variant = variant
        frame.asks = frame.asks + 1
        frame.waiting = True

    # -- answering ------------------------------------------------------------------------

    async def answer(self, turn: Turn) -> bool:
        """Use the message to answer the top frame's pending question.

        Returns False when a transient flow stepped aside and nothing below took the
        message: the caller then treats it as the start of something new.
        """
        frame = self.top(turn)
        assert frame is not None and frame.waiting
        flow = self.flow_of(frame)
        step = flow.step(frame.step)
        assert isinstance(step, CollectStep)
        options = self.options(frame, step)
        ctx = ActionContext(turn, frame)

        option = self.match.text(turn, options)
        if option is not None:
            turn.rest_text = ""  # the whole message was the quick reply
            await self._settle(turn, frame, step, await self._choose(ctx, step, option))
            return True
        if options and step.expect == "choice" and _mash(turn):
            # Keyboard mash answers no question that takes only its buttons (确认提交?, 实名
            # or 匿名?) and never confirms: a short re-ask with the buttons, not counted as a
            # misunderstanding. Questions answered in words (where?) take the usual path.
            buttons = tuple(Button(o.title, o.title) for o in options)
            turn.say(UNCLEAR, buttons=buttons)
            return True
        accepts_intent = {i for o in options if o.choice for i in o.choice.intents}
        if turn.intent == _CANCEL_INTENT and _CANCEL_INTENT not in accepts_intent:
            self.cancel(turn)
            await self.run(turn)  # an idle stack takes up what was noted for later
            return True
        target = self.match.jump_target(turn, flow, options)
        if target is not None:
            turn.state["misses"] = 0
            frame.step = target
            await self.run(turn)
            return True
        if await self._interrupt(turn, frame, flow):
            return True
        changed = await self._listen(ctx, flow, step)
        if not changed:
            option = self.match.intent(turn, options)
            if option is not None:
                await self._settle(turn, frame, step, await self._choose(ctx, step, option))
                return True
        outcome: Outcome = Miss()
        if step.expect != "choice" or frame.prompt:
            outcome = await self.validators[step.expect].func(ctx, step, NOTHING, False)
        if changed and isinstance(outcome, Miss | Ignore):
            await self._rewind(turn, frame, flow)
            return True
        if isinstance(outcome, Miss | Ignore):
            if flow.transient:
                self.stack(turn).pop()
                below = self.top(turn)
                if below is not None and below.waiting:
                    if self._only_an_intent_for(turn, below):
                        # "好" said to the question on top is no answer to the one below,
                        # asked a while ago: ask that one again rather than guess.
                        self.resume(turn, below)
                        return True
                    return await self.answer(turn)
                return False
            if await self._switch_topic(turn, frame, flow):
                return True
            if flow.busy and self._starts_again(turn, frame):
                turn.say(flow.busy, self._render_vars(turn, frame))
                await self._note_for_later(turn, flow)
                self.ask(turn, frame, step, again=True)
                return True
        await self._settle(turn, frame, step, outcome, rewind=changed)
        return True

    def _only_an_intent_for(self, turn: Turn, frame: Frame) -> bool:
        """The message would pick a quick reply of ``frame`` only by its intent (好的, 不用)."""
        step = self.flow_of(frame).step(frame.step)
        if not isinstance(step, CollectStep):
            return False
        options = self.options(frame, step)
        if self.match.text(turn, options) is not None:
            return False
        return self.match.intent(turn, options) is not None

    async def _choose(self, ctx: ActionContext, step: CollectStep, option: Option) -> Outcome:
        # The validator decides what a choice means (an address choice may need a narrower
        # question; "都不是" asks the category again); most just take the value.
        outcome: Outcome = await self.validators[step.expect].func(ctx, step, option.value, False)
        return outcome

    async def _settle(
        self, turn: Turn, frame: Frame, step: CollectStep, outcome: Outcome, *, rewind: bool = False
    ) -> None:
        flow = self.flow_of(frame)
        if isinstance(outcome, Filled):
            turn.state["misses"] = 0
            turn.answered_frames.add(frame.id)
            frame.slots.update(outcome.values)
            answered: list[str] = frame.data.setdefault("answered", [])
            if step.slot not in answered:
                answered.append(step.slot)
            if outcome.ack:
                turn.say(outcome.ack, outcome.ack_vars)
            if rewind:
                await self._rewind(turn, frame, flow)
                return
            frame.step = self._next(turn, frame, flow, step)
            await self.run(turn)
        elif isinstance(outcome, FollowUp):
            turn.state["misses"] = 0
            frame.slots.update(outcome.values)
            frame.prompt = {
                "response": outcome.response,
                "vars": dict(outcome.variables),
                "choices": [[title, value] for title, value in outcome.choices],
            }
            frame.variant = None
            self.ask(turn, frame, step)
        else:
            await self._missed(turn, frame, step, outcome if isinstance(outcome, Miss) else Miss())

    async def _missed(self, turn: Turn, frame: Frame, step: CollectStep, miss: Miss) -> None:
        turn.state["misses"] = int(turn.state.get("misses") or 0) + 1
        if (
            turn.state["misses"] >= MISSES_BEFORE_HUMAN
            and OFFER_HUMAN_FLOW in self.flows
            and frame.flow != OFFER_HUMAN_FLOW
        ):
            turn.state["misses"] = 0
            self._push(turn, self.flows[OFFER_HUMAN_FLOW])
            await self.run(turn)
            return
        if miss.response:
            turn.say(miss.response, miss.variables)
        self.ask(turn, frame, step, again=True)

    async def _rewind(self, turn: Turn, frame: Frame, flow: Flow) -> None:
        """Run the flow again from the top after a correction (answered questions are skipped).

        A narrower question pending when the correction came ("锦园小区2号楼 is in two
        communities: which one?") is kept: going back to the broad question ("where?") would
        throw away what the resident already told us.
        """
        turn.state["misses"] = 0
        step = flow.step(frame.step) if frame.step in flow.index else None
        prompt = frame.prompt
        if (
            frame.waiting
            and prompt
            and isinstance(step, CollectStep)
            and not frame.filled(step.slot)
        ):
            frame.data["pending_prompt"] = {"slot": step.slot, **prompt}
        frame.step = flow.steps[0].id
        await self.run(turn)

    async def _listen(self, ctx: ActionContext, flow: Flow, current: CollectStep) -> bool:
        """Let the correction slots pick up what the answer also says. True if one changed."""
        changed = False
        for slot in flow.corrections:
            if slot == current.slot:
                continue
            step = flow.collect_step_for(slot)
            assert step is not None
            outcome = await self.validators[step.expect].func(ctx, step, NOTHING, True)
            if not isinstance(outcome, Filled):
                continue
            before = {k: ctx.slots.get(k) for k in outcome.values}
            if all(before[k] == v for k, v in outcome.values.items()):
                continue
            ctx.slots.update(outcome.values)
            pending = ctx.frame.data.get("pending_prompt")
            if pending and pending.get("slot") in outcome.values:
                del ctx.frame.data["pending_prompt"]  # answered before it was asked
            if outcome.ack:
                ctx.say(outcome.ack, outcome.ack_vars)
            changed = True
        return changed

    def _other_flow(self, turn: Turn, frame: Frame) -> Flow | None:
        intent = turn.intent
        other = self.flows.for_intent(intent) if intent is not None else None
        if other is None or other.only_when_idle:
            other = self.flow_for_entities(turn)
        if other is None or other.name == frame.flow or other.only_when_idle:
            return None
        return other

    def flow_for_entities(self, turn: Turn) -> Flow | None:
        """The flow the message's entities start (see ``Flow.entities``)."""
        if turn.parse is None:
            return None
        return self.flows.for_entities({e.entity for e in turn.parse.entities})

    def _starts_again(self, turn: Turn, frame: Frame) -> bool:
        demand = turn.demand()
        intent = demand[0] if demand is not None else turn.intent
        again = self.flows.for_intent(intent) if intent is not None else None
        return again is not None and again.name == frame.flow

    async def _interrupt(self, turn: Turn, frame: Frame, flow: Flow) -> bool:
        """Pause (or drop) the waiting flow for a flow that may interrupt it."""
        other = self._other_flow(turn, frame)
        if other is None or not other.interrupts:
            return False
        if not flow.interruptible:
            self.stack(turn).pop()
        turn.state["misses"] = 0
        await self.start(turn, other.name)
        return True

    async def _switch_topic(self, turn: Turn, frame: Frame, flow: Flow) -> bool:
        """An answer that fits nothing but clearly starts another flow starts it."""
        other = self._other_flow(turn, frame)
        if other is None:
            return False
        if not flow.interruptible:
            self.stack(turn).pop()
        turn.state["misses"] = 0
        await self.start(turn, other.name)
        return True

    def cancel(self, turn: Turn) -> None:
        frame = self.top(turn)
        if frame is None:
            return
        flow = self.flow_of(frame)
        self.stack(turn).pop()
        turn.state["misses"] = 0
        turn.say(flow.cancelled or _DEFAULT_CANCELLED, self._render_vars(turn, frame))
        below = self.top(turn)
        if below is not None and below.waiting:
            self.resume(turn, below)
