"""Train an :class:`NLUModel` from Rasa training data."""

from __future__ import annotations

import logging
import platform
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sklearn

from bot.errors import NLUError
from nlu import strings
from nlu.classifier import ClassifierConfig, IntentClassifier
from nlu.data import TrainingData
from nlu.entities import EntityPipeline
from nlu.features import masked_text, shorthand
from nlu.lexicon import domain_words, place_names
from nlu.model import NLUModel
from nlu.rasa_io import load_data
from nlu.tokenizer import Tokenizer

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
# Bump when a change to tokenisation, features or entities makes old models stale.
PIPELINE_VERSION = "2026.11.6"

Progress = Callable[[str], None]


def training_steps(cv_folds: int) -> int:
    """How many times ``train_model`` calls ``progress`` (for a progress bar's total)."""
    return 3 + (cv_folds if cv_folds >= 2 else 0)


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
    import hashlib

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
) -> NLUModel:
    """Fit the parts of a model; no metadata beyond what parsing needs."""
    if not data.examples:
        raise NLUError(strings.NO_EXAMPLES)
    if len(data.intents) < 2:
        raise NLUError(strings.ONE_INTENT.format(intents="、".join(data.intents)))
    tokenizer = Tokenizer(words)
    entities = EntityPipeline.build(data, places)
    model = NLUModel(tokenizer, entities, IntentClassifier(tokenizer, config), {})
    if prepared is None:
        texts = [model.classifier_input(e.text) for e in data.examples]
        prepared = Prepared(texts, [tokenizer.tokens(t) for t in texts])
    try:
        model.classifier.fit(prepared.texts, [e.intent for e in data.examples], prepared.tokens)
    except ValueError as exc:
        raise NLUError(strings.CANNOT_TRAIN.format(detail=exc)) from exc
    return model


def train_model(
    data: TrainingData | str | Path | Sequence[str | Path],
    *,
    config: ClassifierConfig | None = None,
    address_dir: Path | None = None,
    cv_folds: int = 0,
    progress: Progress | None = None,
) -> NLUModel:
    """Train a model from training data (or from the Rasa files/directories holding it).

    With ``cv_folds`` >= 2 the metadata also records cross-validated metrics, which is
    what a trainer compares between two versions of the data.
    """
    step = progress or (lambda _name: None)
    paths: list[Path] = []
    if not isinstance(data, TrainingData):
        items = [data] if isinstance(data, str | Path) else list(data)
        paths = [Path(p) for p in items]
        data = load_data(paths)
    if address_dir is None and paths:
        address_dir = default_address_dir(paths)
    config = config or ClassifierConfig()
    words, places = lexicon_for(data, address_dir)
    step("dictionary")

    if not data.examples:
        raise NLUError(strings.NO_EXAMPLES)
    if len(data.intents) < 2:
        raise NLUError(strings.ONE_INTENT.format(intents="、".join(data.intents)))
    prepared = prepare(data, words, places)
    metrics: dict[str, Any] = {}
    if cv_folds > len(data.examples):
        log.warning("%d examples are too few for %d folds; skipping", len(data.examples), cv_folds)
        metrics["cross_validation"] = None
    elif cv_folds >= 2:
        from nlu.evaluate import cross_validate

        report = cross_validate(
            data,
            folds=cv_folds,
            config=config,
            words=words,
            places=places,
            progress=step,
            prepared=prepared,
        )
        metrics["cross_validation"] = {
            "folds": cv_folds,
            "accuracy": report.accuracy,
            "macro_f1": report.macro_f1,
            "weighted_f1": report.weighted_f1,
        }
    model = build_model(data, words, places, config, prepared)
    step("fit")

    predicted = model.predict([e.text for e in data.examples])
    hits = sum(p == e.intent for (p, _), e in zip(predicted, data.examples, strict=True))
    metrics["train_accuracy"] = round(hits / len(data.examples), 4)
    created = datetime.now(UTC).replace(microsecond=0)
    digest = fingerprint(data, words, places)
    model.metadata = {
        "format_version": FORMAT_VERSION,
        "pipeline_version": PIPELINE_VERSION,
        "version": f"{created:%Y%m%d-%H%M%S}-{digest[:8]}",
        "created_at": created.isoformat().replace("+00:00", "Z"),
        "training_data_hash": digest,
        "training_data": [str(p) for p in paths],
        "n_examples": len(data.examples),
        "intents": model.intents,
        "intent_counts": dict(sorted(data.intent_counts().items())),
        "entities": sorted(
            {
                *data.annotated_entities,
                "phone",
                "ticket_number",
                "address",
                "building",
                "unit",
                "room",
                "time",
            }
        ),
        "dictionary_words": len(words),
        "place_names": len(places),
        "config": config.to_dict(),
        "features": asdict(model.classifier.features),
        "feature_selection": model.classifier.selection,
        "metrics": metrics,
        "sklearn_version": sklearn.__version__,
        "python_version": platform.python_version(),
    }
    step("metrics")
    log.info("trained NLU model %s on %d examples", model.version, len(data.examples))
    return model
