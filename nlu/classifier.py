"""The intent classifier: TF-IDF features and a linear SVM with calibrated probabilities.

Probabilities matter as much as the top label: the fallback rule ("not sure, ask again")
compares them against thresholds, so they must mean roughly what they say. A sigmoid-
calibrated LinearSVC keeps right answers confident and spreads wrong ones out; plain
logistic regression over 35 intents was measured to put a third of its *right* answers
under the 0.35 fallback threshold.

Which features work best depends on the data: a few dozen short chat lines per intent
want characters, thousands of long complaints gain from word bigrams. With
``ClassifierConfig.features`` left ``None`` the classifier picks among
:data:`FEATURE_CANDIDATES` by cross-validation on the training data itself.
"""

from __future__ import annotations

import warnings
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedKFold
from sklearn.svm import LinearSVC

from nlu.features import FeatureConfig, Featurizer
from nlu.scoring import LinearScorer
from nlu.tokenizer import Tokenizer

# Measured with bench/nlu_quality.py on training_data/ (short chat) and on long complaints.
FEATURE_CANDIDATES: dict[str, FeatureConfig] = {
    "chars": FeatureConfig(word_ngrams=(1, 1), char_ngrams=(1, 3), word_weight=0.5),
    "words+chars": FeatureConfig(word_ngrams=(1, 2), char_ngrams=(1, 3), word_weight=1.0),
    "long": FeatureConfig(word_ngrams=(1, 2), char_ngrams=(2, 4), word_weight=1.0),
}
SELECTION_FOLDS = 3


@dataclass(frozen=True, slots=True)
class ClassifierConfig:
    """Hyper-parameters; ``features=None`` selects them by cross-validation."""

    features: FeatureConfig | None = None
    model: str = "svm"  # "svm" (LinearSVC, sigmoid-calibrated) or "logreg"
    c: float = 1.0
    calibration_folds: int = 3
    class_weight: str | None = "balanced"

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def _svm(config: ClassifierConfig) -> LinearSVC:
    # A fixed seed: the same data must give the same model (and the same version hash).
    return LinearSVC(C=config.c, class_weight=config.class_weight, max_iter=5000, random_state=0)


def select_features(
    tokenizer: Tokenizer,
    texts: Sequence[str],
    tokens: Sequence[Sequence[str]],
    labels: Sequence[str],
    config: ClassifierConfig,
    *,
    folds: int = SELECTION_FOLDS,
    seed: int = 7,
) -> tuple[str, dict[str, float]]:
    """The candidate with the best cross-validated macro-F1, and every candidate's score.

    Scored with the uncalibrated SVM's argmax: calibration does not change which
    features separate the intents, and skipping it makes selection four times cheaper.
    Each candidate's TF-IDF is fitted once on all the texts (vocabulary and IDF use no
    labels), so only the SVM is refitted per fold.
    """
    counts = Counter(labels)
    folds = min(folds, min(counts.values()))
    if folds < 2 or len(FEATURE_CANDIDATES) == 1:
        return next(iter(FEATURE_CANDIDATES)), {}
    y = np.asarray(labels)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        splits = list(
            StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed).split(
                np.zeros(len(y)), y
            )
        )
    scores: dict[str, float] = {}
    for name, features in FEATURE_CANDIDATES.items():
        x = Featurizer(tokenizer, features).fit_transform(texts, tokens)
        predicted = np.empty(len(y), dtype=object)
        for train, test in splits:
            predicted[test] = _svm(config).fit(x[train], y[train]).predict(x[test])
        scores[name] = float(f1_score(y, predicted.astype(str), average="macro"))
    best = max(FEATURE_CANDIDATES, key=lambda n: scores[n])  # first wins ties
    return best, scores


class IntentClassifier:
    """Fits on (text, intent) pairs; ranks every intent for a new text."""

    def __init__(self, tokenizer: Tokenizer, config: ClassifierConfig | None = None) -> None:
        self.config = config or ClassifierConfig()
        self.tokenizer = tokenizer
        self.selection: dict[str, Any] = {}
        self.featurizer = Featurizer(
            tokenizer, self.config.features or next(iter(FEATURE_CANDIDATES.values()))
        )
        self.classes_: list[str] = []
        self._estimator: LogisticRegression | CalibratedClassifierCV | None = None
        self._scorer: LinearScorer | None = None

    def fit(
        self,
        texts: Sequence[str],
        labels: Sequence[str],
        tokens: Sequence[Sequence[str]] | None = None,
    ) -> IntentClassifier:
        counts = Counter(labels)
        if len(counts) < 2:
            raise ValueError("at least two intents are needed to train a classifier")
        if tokens is None:
            tokens = [self.tokenizer.tokens(t) for t in texts]
        cfg = self.config
        features = cfg.features
        if features is None:
            chosen, scores = select_features(self.tokenizer, texts, tokens, labels, cfg)
            features = FEATURE_CANDIDATES[chosen]
            self.selection = {"features": chosen, "macro_f1": scores}
        self.featurizer = Featurizer(self.tokenizer, features)
        x = self.featurizer.fit_transform(texts, tokens)
        y = np.asarray(labels)
        folds = min(cfg.calibration_folds, min(counts.values()))
        if cfg.model == "svm" and folds >= 2:
            est: LogisticRegression | CalibratedClassifierCV = CalibratedClassifierCV(
                _svm(cfg), method="sigmoid", cv=folds, ensemble=False
            )
        else:
            est = LogisticRegression(C=cfg.c * 10, class_weight=cfg.class_weight, max_iter=3000)
        est.fit(x, y)
        self._estimator = est
        self.classes_ = [str(c) for c in est.classes_]
        self._scorer = LinearScorer(self.featurizer, est, self.classes_)
        return self

    @property
    def features(self) -> FeatureConfig:
        return self.featurizer.config

    def rank(self, texts: Sequence[str]) -> np.ndarray:
        """Probabilities, one row per text, columns in ``classes_`` order."""
        if self._scorer is None:
            raise RuntimeError("classifier is not trained")
        scorer = self._scorer
        rows = [scorer.proba(t, self.tokenizer.tokens(t)) for t in texts]
        return np.vstack(rows) if rows else np.empty((0, len(self.classes_)))

    def rank_reference(self, texts: Sequence[str]) -> np.ndarray:
        """The same probabilities computed by scikit-learn itself (slow; for tests)."""
        if self._estimator is None:
            raise RuntimeError("classifier is not trained")
        return np.asarray(self._estimator.predict_proba(self.featurizer.transform(texts)))
