"""Train an :class:`NLUModel` from Rasa training data."""

from __future__ import annotations

import logging
import platform
from collections.abc import Callable, Sequence
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from nlu import strings
from nlu.classifier import ClassifierConfig
from nlu.data import TrainingData
from nlu.errors import NLUError
from nlu.evaluate import cross_validate
from nlu.model import NLUModel
from nlu.pipeline import (
    FORMAT_VERSION,
    PIPELINE_VERSION,
    Prepared,
    build_model,
    default_address_dir,
    fingerprint,
    lexicon_for,
    prepare,
)
from nlu.rasa_io import load_data

__all__ = [
    "FORMAT_VERSION",
    "PIPELINE_VERSION",
    "Prepared",
    "Progress",
    "build_model",
    "default_address_dir",
    "fingerprint",
    "lexicon_for",
    "prepare",
    "train_model",
]

log = logging.getLogger(__name__)

Progress = Callable[[str], None]


def train_model(
    data: TrainingData | str | Path | Sequence[str | Path],
    *,
    config: ClassifierConfig | None = None,
    address_dir: Path | None = None,
    cv_folds: int = 0,
    progress: Progress | None = None,
    planned: Callable[[int], None] | None = None,
) -> NLUModel:
    """Train a model from training data (or from the Rasa files/directories holding it).

    With ``cv_folds`` >= 2 the metadata also records cross-validated metrics, which is
    what a trainer compares between two versions of the data. ``progress`` hears every
    step (each cross-validation fold's and the final model's selection folds and fit),
    and ``planned`` how many steps are coming, before they come: a progress bar's total
    grows as it learns them, since how many candidates a fit tries depends on its data.
    """
    step = progress or (lambda _name: None)
    if planned is not None:
        planned(2)  # "dictionary" and "metrics"; each fit announces its own steps
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
        report = cross_validate(
            data,
            folds=cv_folds,
            config=config,
            words=words,
            places=places,
            progress=step,
            prepared=prepared,
            planned=planned,
        )
        metrics["cross_validation"] = {
            "folds": cv_folds,
            "accuracy": report.accuracy,
            "macro_f1": report.macro_f1,
            "weighted_f1": report.weighted_f1,
        }
    model = build_model(data, words, places, config, prepared, progress=step, planned=planned)

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
        "sklearn_version": _sklearn_version(),
        "python_version": platform.python_version(),
    }
    step("metrics")
    log.info("trained NLU model %s on %d examples", model.version, len(data.examples))
    return model


def _sklearn_version() -> str:
    import sklearn

    return str(sklearn.__version__)
