"""A trained NLU model: tokenizer, entity extractors and intent classifier, plus metadata."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from nlu.classifier import IntentClassifier
from nlu.defaults import DEFAULT_AMBIGUITY_THRESHOLD, DEFAULT_FALLBACK_THRESHOLD
from nlu.entities import EntityPipeline
from nlu.features import masked_text
from nlu.meaning import MeaningCheck
from nlu.tokenizer import Tokenizer
from nlu.types import FALLBACK_INTENT, Entity, IntentScore, ParseResult

RANKING_LENGTH = 10
MAX_TEXT_CHARS = 2000  # longer input is cut: a message, not a document, is what we classify


class NLUModel:
    """Parses a message into an intent (with a ranking) and entities with offsets.

    ``parse`` is pure and thread-safe: a model is never mutated after training, which is
    what lets :class:`nlu.service.NLUService` swap models under running requests.
    """

    def __init__(
        self,
        tokenizer: Tokenizer,
        entities: EntityPipeline,
        classifier: IntentClassifier,
        metadata: dict[str, Any],
        *,
        fallback_threshold: float = DEFAULT_FALLBACK_THRESHOLD,
        ambiguity_threshold: float = DEFAULT_AMBIGUITY_THRESHOLD,
        meaning: MeaningCheck | None = None,
    ) -> None:
        self.tokenizer = tokenizer
        self.entities = entities
        self.classifier = classifier
        self.metadata = metadata
        self.fallback_threshold = fallback_threshold
        self.ambiguity_threshold = ambiguity_threshold
        # None for models saved before the check existed: they classify everything.
        self.meaning = meaning
        self.source_path: Path | None = None  # the artifact it was loaded from or saved to
        # The artifact's digest (artifact.artifact_digest), from the bytes written or loaded.
        self.artifact_digest: str | None = None

    @property
    def version(self) -> str:
        return str(self.metadata.get("version", "unversioned"))

    @property
    def intents(self) -> list[str]:
        return list(self.classifier.classes_)

    def with_thresholds(self, fallback: float | None, ambiguity: float | None) -> NLUModel:
        """The same trained parts with other fallback thresholds (nothing is copied)."""
        model = NLUModel(
            self.tokenizer,
            self.entities,
            self.classifier,
            self.metadata,
            fallback_threshold=self.fallback_threshold if fallback is None else fallback,
            ambiguity_threshold=self.ambiguity_threshold if ambiguity is None else ambiguity,
            meaning=self.meaning,
        )
        model.source_path = self.source_path
        model.artifact_digest = self.artifact_digest
        return model

    def classifier_input(self, text: str, entities: Sequence[Entity] | None = None) -> str:
        if entities is None:
            entities = self.entities.extract(text)
        return masked_text(text, entities)

    def parse(
        self,
        text: str,
        *,
        fallback_threshold: float | None = None,
        ambiguity_threshold: float | None = None,
    ) -> ParseResult:
        """Classify ``text`` and extract its entities.

        The intent is ``nlu_fallback`` when the best confidence is below the fallback
        threshold or the best two are closer than the ambiguity threshold; as in Rasa's
        FallbackClassifier the fallback then heads the ranking with the threshold as its
        confidence, so the best real guess is still ``intent_ranking[1]``. A message none
        of whose features the model has seen falls back too, whatever the ranking says, and
        so does text with nothing in it to understand (:mod:`nlu.meaning`): keyboard mash,
        filler, a string of digits.
        """
        low = self.fallback_threshold if fallback_threshold is None else fallback_threshold
        close = self.ambiguity_threshold if ambiguity_threshold is None else ambiguity_threshold
        clipped = text[:MAX_TEXT_CHARS]
        entities = self.entities.extract(clipped)
        features = self.classifier_input(clipped, entities)
        if not features or self.is_meaningless(clipped, features, entities):
            fallback = IntentScore(FALLBACK_INTENT, low)
            return ParseResult(text, fallback, [fallback], entities)
        probs, known = self.classifier.rank_one(features)
        order = np.argsort(-probs)[:RANKING_LENGTH]
        ranking = [IntentScore(self.classifier.classes_[i], _clean(probs[i])) for i in order]
        top = ranking[0]
        gap = top.confidence - ranking[1].confidence if len(ranking) > 1 else 1.0
        # Nothing of the message was ever seen in training ("哦哦哦", a string of unknown
        # emoji): the ranking is the model's bias alone, so it is not understood.
        if top.confidence < low or gap < close or not known:
            fallback = IntentScore(FALLBACK_INTENT, low)
            return ParseResult(text, fallback, [fallback, *ranking], entities)
        return ParseResult(text, top, ranking, entities)

    def is_meaningless(self, text: str, features: str, entities: Sequence[Entity]) -> bool:
        """Keyboard mash, filler, digits or punctuation alone (see :mod:`nlu.meaning`)."""
        if self.meaning is None:
            return False
        return self.meaning.meaningless(
            text, features, self.classifier.knows_word, has_entities=bool(entities)
        )

    def predict(self, texts: Sequence[str]) -> list[tuple[str, float]]:
        """Best intent and its confidence for many texts at once (no fallback applied)."""
        inputs = [self.classifier_input(t[:MAX_TEXT_CHARS]) for t in texts]
        probs = self.classifier.rank(inputs)
        best = probs.argmax(axis=1)
        return [(self.classifier.classes_[i], _clean(probs[r, i])) for r, i in enumerate(best)]


def _clean(value: float) -> float:
    value = float(value)
    return 0.0 if math.isnan(value) else min(max(value, 0.0), 1.0)
