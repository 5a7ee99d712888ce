"""Checks ``minsheng nlu validate`` runs on training data before anyone trains on it.

Errors make training wrong (an example in two intents teaches the model both answers);
warnings make it weaker (duplicates, thin intents). The exit code says which were found.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from nlu.data import TrainingData
from nlu.defaults import DEFAULT_MIN_EXAMPLES
from nlu.entities import RULE_ENTITIES
from nlu.rasa_io import DataProblem, load_data

_PUNCT = re.compile(r"[\s\W_]+", re.UNICODE)


@dataclass(slots=True)
class ValidationReport:
    data: TrainingData
    problems: list[DataProblem] = field(default_factory=list)

    @property
    def errors(self) -> list[DataProblem]:
        return [p for p in self.problems if p.level == "error"]

    @property
    def warnings(self) -> list[DataProblem]:
        return [p for p in self.problems if p.level == "warning"]

    def exit_code(self, *, fail_on_warnings: bool = False) -> int:
        if self.errors or (fail_on_warnings and self.warnings):
            return 1
        return 0


def _same_text(text: str) -> str:
    """Two examples are "the same" if they differ only in case, width or punctuation."""
    plain = unicodedata.normalize("NFKC", text).lower()
    return _PUNCT.sub("", plain) or "".join(plain.split())  # emoji-only examples stay distinct


def validate_data(
    data: TrainingData, *, min_examples: int = DEFAULT_MIN_EXAMPLES
) -> list[DataProblem]:
    """Problems in already loaded training data (schema problems come from loading)."""
    problems: list[DataProblem] = []
    if not data.examples:
        return [DataProblem("error", "no_data")]
    counts = data.intent_counts()
    if len(counts) == 1:
        problems.append(DataProblem("error", "one_intent", params={"name": next(iter(counts))}))

    by_text: dict[str, dict[str, int]] = defaultdict(Counter)
    shown: dict[str, str] = {}
    for example in data.examples:
        key = _same_text(example.text)
        by_text[key][example.intent] += 1
        shown.setdefault(key, example.text)
    for key, intents in by_text.items():
        if len(intents) > 1:
            problems.append(
                DataProblem(
                    "error",
                    "conflict",
                    params={"intents": "、".join(sorted(intents)), "text": shown[key]},
                )
            )
        for intent, count in intents.items():
            if count > 1:
                problems.append(
                    DataProblem(
                        "warning",
                        "duplicate",
                        params={"intent": intent, "count": count, "text": shown[key]},
                    )
                )

    for intent, count in sorted(counts.items()):
        if count < min_examples:
            problems.append(
                DataProblem(
                    "warning",
                    "too_few",
                    params={"intent": intent, "count": count, "minimum": min_examples},
                )
            )

    known = set(RULE_ENTITIES) | data.declared_entities
    known |= {r.name for r in data.regexes} | set(data.lookups)
    reported: set[str] = set()
    for example in data.examples:
        for ann in example.entities:
            if not (0 <= ann.start < ann.end <= len(example.text)):
                problems.append(DataProblem("error", "bad_span", params={"text": example.text}))
            if ann.entity not in known and ann.entity not in reported:
                reported.add(ann.entity)
                problems.append(
                    DataProblem(
                        "error",
                        "unknown_entity",
                        example.source,
                        {"entity": ann.entity, "text": example.text},
                    )
                )
    return problems


def validate_paths(
    paths: Sequence[str | Path], *, min_examples: int = DEFAULT_MIN_EXAMPLES
) -> ValidationReport:
    """Load ``paths`` collecting schema problems, then run every data check."""
    problems: list[DataProblem] = []
    data = load_data(list(paths), problems)
    problems.extend(validate_data(data, min_examples=min_examples))
    return ValidationReport(data, problems)
