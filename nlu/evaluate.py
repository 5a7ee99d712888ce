"""Evaluate intent classification: a held-out test file or k-fold cross-validation.

Writes what ``rasa test nlu`` writes, in the same layout: ``intent_report.json``
(scikit-learn's ``classification_report(output_dict=True)`` plus Rasa's ``confused_with``),
``intent_errors.json`` and ``intent_confusion_matrix.png``.
"""

from __future__ import annotations

import json
import warnings
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import classification_report, confusion_matrix, f1_score
from sklearn.model_selection import StratifiedKFold

from nlu import strings
from nlu.classifier import ClassifierConfig
from nlu.data import TrainingData
from nlu.errors import NLUError
from nlu.model import NLUModel
from nlu.pipeline import Prepared, build_model, lexicon_for, prepare
from nlu.types import FALLBACK_INTENT

REPORT_FILE = "intent_report.json"
ENTITY_REPORT_FILE = "entity_report.json"
ERRORS_FILE = "intent_errors.json"
CONFUSION_FILE = "intent_confusion_matrix.png"


@dataclass(slots=True)
class Evaluation:
    """True and predicted intents for a set of messages."""

    texts: list[str] = field(default_factory=list)
    y_true: list[str] = field(default_factory=list)
    y_pred: list[str] = field(default_factory=list)
    confidences: list[float] = field(default_factory=list)
    # The classifier's best intent, the fallback rule not applied (equal to y_pred when
    # the evaluation scores the raw classifier).
    y_raw: list[str] = field(default_factory=list)
    # (fallback, ambiguity) thresholds when y_pred is what the gateway does with them.
    thresholds: tuple[float, float] | None = None

    def extend(
        self,
        texts: Sequence[str],
        truth: Sequence[str],
        predictions: Sequence[tuple[str, float]],
        raw: Sequence[str] | None = None,
    ) -> None:
        self.texts.extend(texts)
        self.y_true.extend(truth)
        self.y_pred.extend(p for p, _ in predictions)
        self.confidences.extend(c for _, c in predictions)
        self.y_raw.extend(raw if raw is not None else [p for p, _ in predictions])

    @property
    def fallback_count(self) -> int:
        """Messages the fallback rule turned into ``nlu_fallback`` (each one an error)."""
        return sum(p == FALLBACK_INTENT for p in self.y_pred)

    @property
    def raw_macro_f1(self) -> float:
        """Macro-F1 of the classifier's best intent alone (what published figures compare)."""
        if not self.y_true:
            return 0.0
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return float(f1_score(self.y_true, self.y_raw, average="macro", zero_division=0))

    @property
    def raw_accuracy(self) -> float:
        """Accuracy of the classifier's best intent alone, as if there were no fallback."""
        if not self.y_true:
            return 0.0
        hits = sum(t == p for t, p in zip(self.y_true, self.y_raw, strict=True))
        return hits / len(self.y_true)

    @property
    def labels(self) -> list[str]:
        return sorted(set(self.y_true) | set(self.y_pred))

    def report(self) -> dict[str, Any]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            report: dict[str, Any] = classification_report(
                self.y_true, self.y_pred, labels=self.labels, output_dict=True, zero_division=0
            )
        if "accuracy" not in report:  # sklearn omits it when labels differ from y_true's
            report["accuracy"] = self.accuracy
        confused: dict[str, Counter[str]] = {}
        for truth, pred in zip(self.y_true, self.y_pred, strict=True):
            if truth != pred:
                confused.setdefault(truth, Counter())[pred] += 1
        for label in self.labels:
            if label in report:
                report[label]["confused_with"] = dict(confused.get(label, Counter()).most_common(5))
        if self.thresholds is not None:
            # What Rasa's report says with a FallbackClassifier in the pipeline: the scores
            # above count every fallback as an error; these say how many and why.
            fallback, ambiguity = self.thresholds
            report["fallback"] = {
                "fallback_threshold": fallback,
                "ambiguity_threshold": ambiguity,
                "count": self.fallback_count,
                "rate": self.fallback_count / len(self.y_true) if self.y_true else 0.0,
            }
            report["raw_top_intent"] = {
                "accuracy": self.raw_accuracy,
                "macro_f1": self.raw_macro_f1,
            }
        return report

    @property
    def accuracy(self) -> float:
        if not self.y_true:
            return 0.0
        return sum(t == p for t, p in zip(self.y_true, self.y_pred, strict=True)) / len(self.y_true)

    @property
    def macro_f1(self) -> float:
        return float(self.report()["macro avg"]["f1-score"])

    @property
    def weighted_f1(self) -> float:
        return float(self.report()["weighted avg"]["f1-score"])

    def errors(self) -> list[dict[str, Any]]:
        rows = [
            {
                "text": text,
                "intent": truth,
                "intent_prediction": {"name": pred, "confidence": round(conf, 4)},
            }
            for text, truth, pred, conf in zip(
                self.texts, self.y_true, self.y_pred, self.confidences, strict=True
            )
            if truth != pred
        ]
        return sorted(rows, key=lambda r: -r["intent_prediction"]["confidence"])

    def write(self, out_dir: Path) -> dict[str, Path]:
        out_dir.mkdir(parents=True, exist_ok=True)
        paths = {
            "report": out_dir / REPORT_FILE,
            "errors": out_dir / ERRORS_FILE,
            "confusion_matrix": out_dir / CONFUSION_FILE,
        }
        paths["report"].write_text(
            json.dumps(self.report(), ensure_ascii=False, indent=2), encoding="utf-8"
        )
        paths["errors"].write_text(
            json.dumps(self.errors(), ensure_ascii=False, indent=2), encoding="utf-8"
        )
        plot_confusion_matrix(self.y_true, self.y_pred, self.labels, paths["confusion_matrix"])
        return paths


def evaluate_entities(model: NLUModel, data: TrainingData) -> dict[str, Any]:
    """Exact-span precision, recall and F1 of extracted entities against the annotations.

    Training files annotate some examples and some entity types only, so each example is
    scored on the entity types annotated in it: a time the extractor finds in an example
    whose author only marked the address is neither right nor wrong.
    """
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    mismatches: list[dict[str, Any]] = []
    for example in data.examples:
        if not example.entities:
            continue
        kinds = {a.entity for a in example.entities}
        gold = {(a.entity, a.start, a.end) for a in example.entities}
        found = {
            (e.entity, e.start, e.end)
            for e in model.entities.extract(example.text)
            if e.entity in kinds
        }
        for kind, *_ in gold & found:
            tp[kind] += 1
        for kind, *_ in found - gold:
            fp[kind] += 1
        for kind, *_ in gold - found:
            fn[kind] += 1
        if gold != found:
            mismatches.append(
                {
                    "text": example.text,
                    "annotated": sorted(f"{k}:{example.text[s:e]}" for k, s, e in gold),
                    "extracted": sorted(f"{k}:{example.text[s:e]}" for k, s, e in found),
                }
            )
    report: dict[str, Any] = {}
    for kind in sorted(tp.keys() | fp.keys() | fn.keys()):
        precision = tp[kind] / (tp[kind] + fp[kind]) if tp[kind] + fp[kind] else 0.0
        recall = tp[kind] / (tp[kind] + fn[kind]) if tp[kind] + fn[kind] else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        report[kind] = {
            "precision": precision,
            "recall": recall,
            "f1-score": f1,
            "support": tp[kind] + fn[kind],
        }
    if report:
        report["macro avg"] = {
            key: float(np.mean([v[key] for v in report.values()]))
            for key in ("precision", "recall", "f1-score")
        } | {"support": sum(v["support"] for v in report.values())}
    report["mismatches"] = mismatches
    return report


def evaluate_model(model: NLUModel, data: TrainingData, *, gateway: bool = False) -> Evaluation:
    """Predict every example of ``data`` with ``model``.

    By default the raw best intent is scored. With ``gateway`` it is what the gateway
    acts on: ``model.parse`` with the model's thresholds, ``nlu_fallback`` included (and
    counted wrong), the raw best intent kept alongside for reference.
    """
    texts = [e.text for e in data.examples]
    truth = [e.intent for e in data.examples]
    raw = model.predict(texts)
    if not gateway:
        result = Evaluation()
        result.extend(texts, truth, raw)
        return result
    result = Evaluation(thresholds=(model.fallback_threshold, model.ambiguity_threshold))
    parsed = [model.parse(t).intent for t in texts]
    result.extend(texts, truth, [(i.name, i.confidence) for i in parsed], [p for p, _ in raw])
    return result


def cross_validate(
    data: TrainingData,
    *,
    folds: int = 5,
    config: ClassifierConfig | None = None,
    words: list[str] | None = None,
    places: list[str] | None = None,
    progress: Callable[[str], None] | None = None,
    seed: int = 42,
    prepared: Prepared | None = None,
    thresholds: tuple[float, float] | None = None,
    planned: Callable[[int], None] | None = None,
) -> Evaluation:
    """Stratified k-fold cross-validation of a freshly trained model per fold.

    Each fold trains exactly as ``train_model`` does, feature selection included, on that
    fold's training part only; the held-out part is never seen before it is scored. With
    ``thresholds`` (fallback, ambiguity) each fold is scored as the gateway would act
    (see :func:`evaluate_model`). ``progress`` hears every step of every fold's training
    and ``planned`` how many steps are coming, before they come.
    """

    if len(data.intents) < 2:
        raise NLUError(strings.ONE_INTENT.format(intents="、".join(data.intents) or "-"))
    if len(data.examples) < max(folds, 2):
        raise NLUError(strings.CV_TOO_SMALL.format(count=len(data.examples), folds=folds))
    if words is None or places is None:
        words, places = lexicon_for(data, None)
    if prepared is None:
        prepared = prepare(data, words, places)
    labels = [e.intent for e in data.examples]
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    result = Evaluation(thresholds=thresholds)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "least populated class has only n members"
        splits = list(splitter.split(np.zeros(len(labels)), labels))
    for index, (train_idx, test_idx) in enumerate(splits, start=1):
        fold_step = None if progress is None else _prefixed(progress, f"fold {index}/{folds} ")
        model = build_model(
            data.subset(list(train_idx)),
            words,
            places,
            config,
            prepared.take(train_idx),
            progress=fold_step,
            planned=planned,
        )
        if thresholds is not None:
            model = model.with_thresholds(*thresholds)
        test = data.subset(list(test_idx))
        fold = evaluate_model(model, test, gateway=thresholds is not None)
        result.extend(
            fold.texts,
            fold.y_true,
            list(zip(fold.y_pred, fold.confidences, strict=True)),
            fold.y_raw,
        )
    return result


def _prefixed(progress: Callable[[str], None], prefix: str) -> Callable[[str], None]:
    return lambda name: progress(prefix + name)


# Fonts with Chinese glyphs, tried in order; intent names may be Chinese ("城乡建设").
_CJK_FONTS = (
    "Noto Sans CJK SC",
    "Noto Sans CJK JP",
    "Source Han Sans SC",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "SimHei",
    "Microsoft YaHei",
    "PingFang SC",
    "Noto Serif CJK JP",
)


def _font_families() -> list[str]:
    from matplotlib import font_manager

    installed = {f.name for f in font_manager.fontManager.ttflist}
    return [name for name in _CJK_FONTS if name in installed] + ["DejaVu Sans"]


def plot_confusion_matrix(
    y_true: Sequence[str], y_pred: Sequence[str], labels: list[str], path: Path
) -> None:
    """Save a confusion matrix image (rows: true intent, columns: predicted)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    matrix = confusion_matrix(y_true, y_pred, labels=labels)
    size = max(6.0, 0.35 * len(labels) + 3)
    with matplotlib.rc_context({"font.family": _font_families()}), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "Glyph missing" when no Chinese font is installed
        fig, ax = plt.subplots(figsize=(size, size))
        try:
            ax.imshow(matrix, cmap="Blues")
            ax.set_xticks(range(len(labels)), labels=labels, rotation=90, fontsize=7)
            ax.set_yticks(range(len(labels)), labels=labels, fontsize=7)
            ax.set_xlabel(strings.PLOT_X)
            ax.set_ylabel(strings.PLOT_Y)
            ax.set_title(strings.PLOT_TITLE)
            limit = matrix.max() / 2 if matrix.size else 0
            for (row, col), count in np.ndenumerate(matrix):
                if count:
                    ax.text(
                        col,
                        row,
                        str(count),
                        ha="center",
                        va="center",
                        fontsize=6,
                        color="white" if count > limit else "black",
                    )
            fig.tight_layout()
            fig.savefig(path, dpi=110)
        finally:
            plt.close(fig)
