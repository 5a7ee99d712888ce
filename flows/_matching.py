"""How an answer is matched to the quick replies on offer.

A collect step offers quick replies: the step's own choices (buttons from responses.yml,
with the other words residents use for them and the intents that select them) and dynamic
ones an action or validator prepared (which building, which category). Residents rarely
type a title exactly, so matching is loose but predictable, in this order:

1. the number of a quick reply ("2");
2. the title or one of its words, ignoring punctuation, particles and fillers ("那就跳过吧");
3. the start of exactly one title ("城南" for "城南社区（车站街道）");
4. a short answer containing one quick reply's word, not negated ("实名就行", not "不要匿名").

Intents ("好的" = affirm) and a quick reply at the start of a longer message ("不满意,还是
没修好") are separate, because the interpreter uses them at other moments.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flows._context import Turn
from flows._model import Choice, Flow
from flows._responses import Responses

AFFIRM_INTENT = "affirm"
# Typing the start of a button's title chooses it from this many characters on.
_MIN_PREFIX_CHARS = 2
# An answer may say this many characters more than the quick reply it contains.
_WITHIN_EXTRA_CHARS = 4


@dataclass(frozen=True, slots=True)
class Option:
    """A quick reply on offer: a static choice of the step or a dynamic (title, value)."""

    title: str
    value: Any
    choice: Choice | None = None


class Matcher:
    """Matches a turn's words to quick replies, with the deployment's responses.yml."""

    def __init__(self, responses: Responses) -> None:
        self.responses = responses

    def text(self, turn: Turn, options: list[Option]) -> Option | None:
        """The quick reply the whole message chooses (see the module docstring), or None."""
        text = self.responses.normalize(turn.text)
        if not text:
            return None
        if text.isdigit() and 1 <= int(text) <= len(options):
            return options[int(text) - 1]
        for option in options:
            if self.responses.normalize(option.title) == text:
                return option
            if option.choice is not None and self.responses.button_matches(
                option.choice.button, text
            ):
                return option
        # The start of one button's title ("城南" for "城南社区（车站街道）").
        if len(text) >= _MIN_PREFIX_CHARS:
            starting = [o for o in options if self.responses.normalize(o.title).startswith(text)]
            if len(starting) == 1:
                return starting[0]
        return self._within(turn, text, options)

    def _within(self, turn: Turn, text: str, options: list[Option]) -> Option | None:
        """A short answer that says one quick reply with a few more words ("实名就行",
        "我选匿名反映"): the longest quick-reply word it contains, unless negated ("不要匿名")
        or two quick replies fit as well. Messages with details (a building, a phone) are
        left to the corrections ("不是3号楼" corrects the address, it is not "不是")."""
        if turn.parse is not None and turn.parse.entities:
            return None
        negations = self.responses.words("negations")
        best: tuple[int, Option] | None = None
        tied = False
        for option in options:
            words = [option.title]
            if option.choice is not None:
                button = self.responses.button(option.choice.button)
                words = [button.title, *button.also]
            for word in (self.responses.normalize(w) for w in words):
                at = text.find(word) if word else -1
                if at < 0 or len(text) > len(word) + _WITHIN_EXTRA_CHARS:
                    continue
                if any(text[:at].endswith(n) for n in negations):
                    continue
                if best is None or len(word) > best[0]:
                    best, tied = (len(word), option), False
                elif len(word) == best[0] and option is not best[1]:
                    tied = True
        return best[1] if best is not None and not tied else None

    def prefix(self, turn: Turn, options: list[Option]) -> tuple[Option, str] | None:
        """A quick reply the message begins with, and the words after it."""
        for option in options:
            if option.choice is None:
                continue
            rest = self.responses.after_button(option.choice.button, turn.text)
            if rest:
                return option, rest
        return None

    def intent(self, turn: Turn, options: list[Option]) -> Option | None:
        """The quick reply the message's intent selects ("好的" = affirm = 确认提交).

        A yes must be a clear one: affirm selects only when the words hold one of the
        ``affirmations`` (是, 对, 好, 确认 ...). Whatever the classifier thinks of "jkjkjk",
        it confirms nothing."""
        intent = turn.intent
        if intent is None:
            return None
        if intent == AFFIRM_INTENT and not self.clear_yes(turn.text):
            return None
        for option in options:
            if option.choice is not None and intent in option.choice.intents:
                return option
        return None

    def clear_yes(self, text: str) -> bool:
        """``text`` says yes in so many words (not only in the classifier's opinion)."""
        lowered = text.lower()
        return any(word.lower() in lowered for word in self.responses.words("affirmations"))

    def jump_target(self, turn: Turn, flow: Flow, options: list[Option]) -> str | None:
        """The step a ``jumps`` quick reply leads to, unless the question offers it itself."""
        offered = {o.choice.button for o in options if o.choice is not None}
        for key, target in flow.jumps.items():
            if key not in offered and self.responses.button_matches(key, turn.text):
                return target
        return None
