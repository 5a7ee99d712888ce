"""The review loop, NLU side: what a trainer sees of the messages the NLU was unsure about.

Storing those messages (masked) is the gateway's business (``bot.review``); this module
only says what to label an uncertain parse with (:func:`review_label`) and writes stored
items back as Rasa YAML grouped by the model's best guess (:func:`review_yaml`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Protocol

from nlu import strings
from nlu.rasa_io import RASA_VERSION
from nlu.types import FALLBACK_INTENT, ParseResult

LABEL_MAX = 64


class ReviewEntry(Protocol):
    """One stored uncertain message, as :func:`review_yaml` reads it."""

    @property
    def text(self) -> str: ...

    @property
    def predicted_intent(self) -> str: ...

    @property
    def confidence(self) -> float: ...


def best_guess(result: ParseResult) -> tuple[str, float]:
    """The model's best real intent (behind a fallback, the next in the ranking)."""
    for score in result.intent_ranking:
        if score.name != FALLBACK_INTENT:
            return score.name, score.confidence
    return result.intent.name, result.intent.confidence


def review_label(result: ParseResult) -> tuple[str, float]:
    """(label, confidence) to store: the best guess, ``nlu_fallback:<guess>`` behind a fallback."""
    intent, confidence = best_guess(result)
    if result.intent.name == FALLBACK_INTENT:
        intent = f"{FALLBACK_INTENT}:{intent}"
    return intent[:LABEL_MAX], float(confidence)


def _guess_of(item: ReviewEntry) -> tuple[bool, str]:
    fallback, _, guess = item.predicted_intent.rpartition(":")
    return fallback == FALLBACK_INTENT, guess


def review_yaml(items: Sequence[ReviewEntry]) -> str:
    """Rasa YAML with one intent block per best guess; comments tell the trainer what to do."""
    groups: dict[str, list[ReviewEntry]] = defaultdict(list)
    for item in items:
        groups[_guess_of(item)[1]].append(item)
    lines = [strings.REVIEW_HEADER.format(count=len(items)), f'version: "{RASA_VERSION}"', "nlu:"]
    for intent in sorted(groups):
        rows = groups[intent]
        fallbacks = sum(_guess_of(r)[0] for r in rows)
        low = min(r.confidence for r in rows)
        high = max(r.confidence for r in rows)
        lines.append(
            strings.REVIEW_GROUP.format(
                intent=intent, count=len(rows), fallbacks=fallbacks, low=low, high=high
            )
        )
        lines.append(f"- intent: {intent}")
        lines.append("  examples: |")
        for row in rows:
            # One example per line: a line break inside a message would end the example.
            lines.append(f"    - {' '.join(row.text.split())}")
    return "\n".join(lines) + "\n"
