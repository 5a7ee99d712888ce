"""What training and evaluation share: the lexicon, the prepared inputs and fitting a model.

:mod:`nlu.training` (a whole model with metadata) and :mod:`nlu.evaluate` (cross-validation
fits one model per fold) both build on this module, so neither imports the other's insides.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from nlu import strings
from nlu.classifier import ClassifierConfig, IntentClassifier
from nlu.data import TrainingData
from nlu.entities import EntityPipeline
from nlu.errors import NLUError
from nlu.features import masked_text, shorthand
from nlu.lexicon import domain_words, place_names
from nlu.meaning import MeaningCheck
from nlu.model import NLUModel
from nlu.tokenizer import Tokenizer

FORMAT_VERSION = 1
# Bump when a change to tokenisation, features or entities makes old models stale.
PIPELINE_VERSION = "2026.12.2"  # artifacts keep no scikit-learn object


def default_address_dir(data_paths: Iterable[Path]) -> Path | None:
    """``addresses/`` next to (or inside) the training data, where the registry keeps CSVs."""
    for path in data_paths:
        base = path if path.is_dir() else path.parent
        if (base / "addresses").is_dir():
            return base / "addresses"
    return None


def lexicon_for(data: TrainingData, address_dir: Path | None) -> tuple[list[str], list[str]]:
    """(jieba user words, place names) for a training run."""
    places = place_names(address_dir)
    lookup_words = [w for values in data.lookups.values() for w in values if len(w) <= 16]
    words = sorted({*domain_words(), *places, *lookup_words})
    return words, places


def fingerprint(data: TrainingData, words: Iterable[str], places: Iterable[str]) -> str:
    """Training data hash, covering the dictionary and shorthand too (they change features)."""
    digest = hashlib.sha256()
    digest.update(data.fingerprint().encode())
    digest.update("\n".join(sorted(words)).encode("utf-8"))
    digest.update("\n".join(sorted(places)).encode("utf-8"))
    digest.update("\n".join(f"{k}={v}" for k, v in sorted(shorthand().items())).encode("utf-8"))
    digest.update(PIPELINE_VERSION.encode())
    return digest.hexdigest()


@dataclass(frozen=True, slots=True)
class Prepared:
    """Classifier inputs of every example (masked text and its words), computed once.

    Segmenting is most of the cost of training; cross-validation and feature selection
    reuse these instead of segmenting each message once per fold and candidate.
    """

    texts: list[str]
    tokens: list[list[str]]

    def take(self, indices: Sequence[int]) -> Prepared:
        return Prepared([self.texts[i] for i in indices], [self.tokens[i] for i in indices])


def prepare(data: TrainingData, words: list[str], places: list[str]) -> Prepared:
    tokenizer = Tokenizer(words)
    entities = EntityPipeline.build(data, places)
    texts = [masked_text(e.text, entities.extract(e.text)) for e in data.examples]
    return Prepared(texts, [tokenizer.tokens(t) for t in texts])


def build_model(
    data: TrainingData,
    words: list[str],
    places: list[str],
    config: ClassifierConfig | None = None,
    prepared: Prepared | None = None,
    *,
    progress: Callable[[str], None] | None = None,
    planned: Callable[[int], None] | None = None,
) -> NLUModel:
    """Fit the parts of a model; no metadata beyond what parsing needs.

    ``progress`` hears each step of the fit (feature selection folds, the final fit),
    ``planned`` how many there will be, before the first.
    """
    if not data.examples:
        raise NLUError(strings.NO_EXAMPLES)
    if len(data.intents) < 2:
        raise NLUError(strings.ONE_INTENT.format(intents="、".join(data.intents)))
    tokenizer = Tokenizer(words)
    entities = EntityPipeline.build(data, places)
    meaning = MeaningCheck.fit(e.text for e in data.examples)
    classifier = IntentClassifier(tokenizer, config)
    model = NLUModel(tokenizer, entities, classifier, {}, meaning=meaning)
    if prepared is None:
        texts = [model.classifier_input(e.text) for e in data.examples]
        prepared = Prepared(texts, [tokenizer.tokens(t) for t in texts])
    try:
        model.classifier.fit(
            prepared.texts,
            [e.intent for e in data.examples],
            prepared.tokens,
            progress=progress,
            planned=planned,
        )
    except ValueError as exc:
        raise NLUError(strings.CANNOT_TRAIN.format(detail=exc)) from exc
    return model
