"""The intent classifier: TF-IDF features and a linear model with calibrated probabilities.

Probabilities matter as much as the top label: the fallback rule ("not sure, ask again")
compares them against thresholds, so they must mean roughly what they say.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.linear_model import LogisticRegression
from sklearn.svm import LinearSVC

from nlu.features import FeatureConfig, Featurizer
from nlu.tokenizer import Tokenizer


@dataclass(frozen=True, slots=True)
class ClassifierConfig:
    """Hyper-parameters; the defaults were chosen with ``bench/nlu_quality.py``."""

    features: FeatureConfig = field(default_factory=FeatureConfig)
    model: str = "svm"  # "svm" (LinearSVC, sigmoid-calibrated) or "logreg"
    c: float = 1.0
    calibration_folds: int = 3
    class_weight: str | None = "balanced"

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


class IntentClassifier:
    """Fits on (text, intent) pairs; ranks every intent for a new text."""

    def __init__(self, tokenizer: Tokenizer, config: ClassifierConfig | None = None) -> None:
        self.config = config or ClassifierConfig()
        self.featurizer = Featurizer(tokenizer, self.config.features)
        self.classes_: list[str] = []
        self._estimator: LogisticRegression | CalibratedClassifierCV | None = None

    def fit(self, texts: Sequence[str], labels: Sequence[str]) -> IntentClassifier:
        counts = Counter(labels)
        if len(counts) < 2:
            raise ValueError("at least two intents are needed to train a classifier")
        x = self.featurizer.fit_transform(texts)
        y = np.asarray(labels)
        cfg = self.config
        folds = min(cfg.calibration_folds, min(counts.values()))
        if cfg.model == "svm" and folds >= 2:
            svm = LinearSVC(C=cfg.c, class_weight=cfg.class_weight, max_iter=5000)
            est: LogisticRegression | CalibratedClassifierCV = CalibratedClassifierCV(
                svm, method="sigmoid", cv=folds, ensemble=False
            )
        else:
            est = LogisticRegression(C=cfg.c * 10, class_weight=cfg.class_weight, max_iter=3000)
        est.fit(x, y)
        self._estimator = est
        self.classes_ = [str(c) for c in est.classes_]
        return self

    def rank(self, texts: Sequence[str]) -> np.ndarray:
        """Probabilities, one row per text, columns in ``classes_`` order."""
        if self._estimator is None:
            raise RuntimeError("classifier is not trained")
        return np.asarray(self._estimator.predict_proba(self.featurizer.transform(texts)))
