"""Validators: how a collect step (``expect: ...``) reads an answer.

Each validator gets ``(ctx, step, choice, listening)``:

* ``choice`` is the value of a dynamic quick reply the resident picked, or ``NOTHING``;
* ``listening`` is true when the flow only listens for a correction while asking something
  else ("不对,是3号楼" during the photo question). A listening validator answers
  :data:`IGNORE` unless the message clearly carries its kind of value.

They return :class:`Filled`, :class:`FollowUp` (ask something narrower, e.g. which building),
:class:`Miss` or :data:`IGNORE`. Understanding the words is the NLU's and the address
book's job; validators only decide what the answer means for the slot.
"""

from __future__ import annotations

import re
from typing import Any

from bot.messages import MediaKind
from bot.privacy import mask_phone
from flows._context import (
    IGNORE,
    NOTHING,
    ActionContext,
    Filled,
    FollowUp,
    Miss,
    Outcome,
)
from flows._model import CollectStep
from flows._registry import validator
from flows._responses import Responses
from nlu import FALLBACK_INTENT

NONE_OF_THESE = ""
# Categories the NLU gives less than this are not worth a button.
_OPTION_MIN_CONFIDENCE = 0.12
# Categories offered to a resident who skips the category question.
_COMMON_CATEGORIES = 8
_MIN_DESCRIPTION_CHARS = 2
_EDGE_PUNCTUATION = ",,。.;;:: "



def strip_entities(ctx: ActionContext, names: tuple[str, ...]) -> str:
    """The text without the spans of some entities (a phone number is not a description)."""
    text = ctx.text
    parse = ctx.parse
    if parse is None or parse.text != text:
        return text
    spans = sorted((e.start, e.end) for e in parse.entities if e.entity in names)
    # The words that only announce a number ("我电话是") go with it (responses.yml words:).
    lead_ins = sorted(ctx.turn.responses.words("number_lead_ins"), key=len, reverse=True)
    kept, pos = [], 0
    for start, end in spans:
        if start >= pos:
            before = text[pos:start]
            stripped = before.rstrip(_EDGE_PUNCTUATION)
            for word in lead_ins:
                if stripped.endswith(word):
                    before = stripped[: -len(word)]
                    break
            kept.append(before)
            pos = end
    kept.append(text[pos:])
    joined = "".join(kept).strip().strip(_EDGE_PUNCTUATION)
    return re.sub(r"([,,。;;])[,,。;; ]+", r"\1", joined)


@validator("choice")
async def choice_only(
    ctx: ActionContext, step: CollectStep, choice: Any, listening: bool
) -> Outcome:
    """Only the offered quick replies (or their numbers, or their intents) answer."""
    if listening or choice is NOTHING:
        return IGNORE if listening else Miss()
    return Filled({step.slot: choice})


@validator("text")
async def free_text(ctx: ActionContext, step: CollectStep, choice: Any, listening: bool) -> Outcome:
    """Any words (typed, or recognised from a voice message); after a quick reply typed at
    the start of the message, the words that follow it."""
    if listening:
        return IGNORE
    if choice is not NOTHING:
        return Filled({step.slot: choice})
    text = ctx.turn.remaining_text
    return Filled({step.slot: text}) if text else Miss()


@validator("description")
async def description(
    ctx: ActionContext, step: CollectStep, choice: Any, listening: bool
) -> Outcome:
    """What happened, in the resident's words; phone numbers are kept out of it.

    While listening: more words about the same problem ("烧烤摊每天晚上七点到十二点") are
    added to the description, not taken for a second report."""
    if listening:
        return _more_details(ctx, step)
    if choice is not NOTHING:
        return Filled({step.slot: choice})
    category = ctx.slots.get("category")
    if declined(ctx) and category and ctx.services.catalog.has(str(category)):
        # "说不清/不知道": the category says what it is about; the staff ask the rest.
        return Filled({step.slot: ctx.services.catalog.item(str(category)).name})
    text = strip_entities(ctx, ("phone",))
    if len(text) < _MIN_DESCRIPTION_CHARS:
        return Miss()
    return Filled({step.slot: text})


def clarifies(ctx: ActionContext) -> bool:
    """"不是住这 是在工地上干活", "我是说…": the resident explains what they said before,
    they do not raise a new matter (whatever the NLU reads in the words). A message naming
    a place is an address correction instead."""
    parse = ctx.parse
    if parse is None or any(e.entity in {"address", "building"} for e in parse.entities):
        return False
    text = ctx.turn.responses.normalize(ctx.text)
    return any(
        text.startswith(word) and len(text) - len(word) >= _MIN_DESCRIPTION_CHARS - 1
        for word in ctx.turn.responses.words("clarification")
    )


def _more_details(ctx: ActionContext, step: CollectStep) -> Outcome:
    # About the same problem: its category is among the two the NLU ranks highest (it may
    # hesitate between 油烟 and 噪音 for "烧烤摊每天晚上七点到十二点,油烟特别大"), or the
    # words explain what was said ("不是住这 是在工地上干活").
    category = ctx.slots.get("category")
    parse = ctx.parse
    if not category or parse is None or not ctx.turn.has_words:
        return IGNORE
    ranking = [s for s in parse.intent_ranking if s.name != FALLBACK_INTENT][:2]
    threshold = ctx.services.settings.nlu_fallback_threshold
    same = any(s.name == category and s.confidence >= threshold for s in ranking)
    if not same and not clarifies(ctx):
        return IGNORE
    text = strip_entities(ctx, ("phone",))
    earlier = str(ctx.slots.get(step.slot) or "")
    if len(text) < _MIN_DESCRIPTION_CHARS or text in earlier:
        return IGNORE
    return Filled({step.slot: f"{earlier};{text}" if earlier else text}, ack="description_added")


def declined(ctx: ActionContext) -> bool:
    """The answer only declines or skips ("跳过", "不知道", "说不清"; ``words: declines``)."""
    text = ctx.turn.responses.normalize(ctx.text)
    words = ctx.turn.responses.words("declines")
    return bool(text) and any(ctx.turn.responses.normalize(w) == text for w in words)


def common_category_options(ctx: ActionContext, limit: int = _COMMON_CATEGORIES) -> list[list[str]]:
    """The catalog's first categories (the most common demands) and 都不是: what a resident
    who cannot say what kind of problem it is picks from."""
    options = [[item.name, item.intent] for item in ctx.services.catalog.items()[:limit]]
    options.append([ctx.turn.responses.button("none_of_these").title, NONE_OF_THESE])
    return options


def category_options(ctx: ActionContext, limit: int = 3) -> list[list[str]]:
    """Quick replies for the demand categories the NLU ranked highest, then 都不是."""
    catalog = ctx.services.catalog
    options: list[list[str]] = []
    if ctx.parse is not None and ctx.turn.has_words:
        for score in ctx.parse.intent_ranking:
            if (
                catalog.has(score.name)
                and score.confidence >= _OPTION_MIN_CONFIDENCE
                and len(options) < limit
            ):
                options.append([catalog.item(score.name).name, score.name])
    if options:
        options.append([ctx.turn.responses.button("none_of_these").title, NONE_OF_THESE])
    return options


@validator("category", sets=("category_options", "description"))
async def category(ctx: ActionContext, step: CollectStep, choice: Any, listening: bool) -> Outcome:
    """A demand category: a tapped option, or a message the NLU classifies as a demand.

    While listening, only an explicit correction ("不对,是楼道灯不亮") of a category the
    NLU is sure of changes it; its words replace the description that was wrong."""
    catalog = ctx.services.catalog
    if listening:
        return _corrected_category(ctx, step)
    if choice is not NOTHING:
        if choice == NONE_OF_THESE or not catalog.has(str(choice)):
            return FollowUp("ask_category_again", values={"category_options": []})
        return Filled({step.slot: choice, "category_options": []})
    if declined(ctx):
        # A required question: skipping it gets the common categories to pick from, not the
        # same question again.
        options = common_category_options(ctx)
        return FollowUp("ask_category_pick", choices=tuple((t, v) for t, v in options))
    demand = ctx.turn.demand()
    if demand is not None:
        values: dict[str, Any] = {step.slot: demand[0], "category_options": []}
        text = strip_entities(ctx, ("phone",))
        if text and text not in (ctx.slots.get("description") or ""):
            earlier = ctx.slots.get("description")
            values["description"] = f"{earlier};{text}" if earlier else text
        return Filled(values)
    # Categories already on offer stay on offer: an answer that is no demand ("实名", "嗯")
    # must not replace them with guesses made from those words.
    prompt = ctx.frame.prompt
    if (prompt and prompt.get("choices")) or ctx.slots.get("category_options"):
        return Miss()
    options = category_options(ctx)
    if options:
        return FollowUp("ask_category_options", choices=tuple((t, v) for t, v in options))
    return Miss()


def _corrected_category(ctx: ActionContext, step: CollectStep) -> Outcome:
    turn = ctx.turn
    words = turn.responses.words("correction")
    if not any(word in turn.text for word in words):
        return IGNORE
    # The resident says outright that this is what they meant, so the category ranked first
    # will do even when the NLU hesitates (with "不对" it also hears a "deny"); the summary
    # shows it before anything is filed.
    parse = turn.parse
    ranking = [s for s in parse.intent_ranking if s.name != FALLBACK_INTENT] if parse else []
    top = ranking[0] if ranking and turn.has_words else None
    threshold = ctx.services.settings.nlu_fallback_threshold
    if (
        top is None
        or not ctx.services.catalog.has(top.name)
        or top.confidence < threshold
        or top.name == ctx.slots.get(step.slot)
    ):
        return IGNORE
    values: dict[str, Any] = {step.slot: top.name, "category_options": []}
    text = strip_entities(ctx, ("phone",))
    if text:
        values["description"] = text
    name = ctx.services.catalog.item(top.name).name
    return Filled(values, ack="category_corrected", ack_vars={"category": name})


@validator("evidence")
async def evidence(ctx: ActionContext, step: CollectStep, choice: Any, listening: bool) -> Outcome:
    """Photos, videos and voice messages; a voice message's recognised words join the
    description."""
    if choice is not NOTHING and not listening:
        return Filled({step.slot: choice})
    media = [a for a in ctx.message.attachments if a.kind is not MediaKind.FILE or a.url]
    if not media:
        return IGNORE if listening else Miss("evidence_expected")
    items = list(ctx.slots.get(step.slot) or [])
    values: dict[str, Any] = {}
    for attachment in media:
        items.append([attachment.kind.value, attachment.url])
        if attachment.kind is MediaKind.VOICE and attachment.recognized_text:
            heard = ctx.turn.responses.render(
                "format_voice", {"text": attachment.recognized_text.strip()}, variant=0
            )
            earlier = values.get("description", ctx.slots.get("description"))
            values["description"] = f"{earlier};{heard}" if earlier else heard
    values[step.slot] = items
    told = describe_media(ctx.turn.responses, items)
    return Filled(values, ack="evidence_received", ack_vars={"count": len(items), "media": told})


# How a list of evidence is told to the resident: "2张照片、1段视频".
_MEDIA_FORMATS = {
    MediaKind.IMAGE.value: "format_photos",
    MediaKind.VIDEO.value: "format_videos",
    MediaKind.VOICE.value: "format_voices",
    MediaKind.FILE.value: "format_files",
}


def describe_media(responses: Responses, items: list[list[str]]) -> str:
    """"2张照片、1段视频" for evidence items ``[[kind, url], ...]`` (kinds in a fixed order)."""
    counts: dict[str, int] = {}
    for kind, _url in items:
        counts[str(kind)] = counts.get(str(kind), 0) + 1
    parts = [
        responses.render(key, {"n": counts[kind]}, variant=0)
        for kind, key in _MEDIA_FORMATS.items()
        if counts.get(kind)
    ]
    return responses.render("format_list_separator", {}, variant=0).join(parts)


@validator("phone")
async def phone(ctx: ActionContext, step: CollectStep, choice: Any, listening: bool) -> Outcome:
    """A mobile or landline number the NLU found in the message."""
    if choice is not NOTHING and not listening:
        return Filled({step.slot: choice})
    numbers = ctx.turn.entities("phone")
    if numbers:
        number = numbers[0]
        ack = "phone_noted" if listening and ctx.slots.get(step.slot) != number else None
        return Filled({step.slot: number}, ack=ack, ack_vars={"phone": mask_phone(number)})
    if listening:
        return IGNORE
    return Miss("phone_invalid" if any(ch.isdigit() for ch in ctx.text) else None)


@validator("ticket_number")
async def ticket_number(
    ctx: ActionContext, step: CollectStep, choice: Any, listening: bool
) -> Outcome:
    """A ticket number such as 20261121-0042."""
    if listening:
        return IGNORE
    if choice is not NOTHING:
        return Filled({step.slot: choice})
    numbers = ctx.turn.entities("ticket_number")
    return Filled({step.slot: numbers[0]}) if numbers else Miss("ticket_number_invalid")
