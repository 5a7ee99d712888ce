"""NB-SVM: linear SVMs on Naive-Bayes log-count-ratio scaled features (Wang & Manning 2012).

For each intent ``c`` the features are scaled by ``r_c = log(p_c / q_c)``, the smoothed
ratio of how much of the feature mass sits in that intent's messages versus the others',
and a binary LinearSVC separates ``c`` from the rest on the scaled features. Words that
are typical of one category get louder before the SVM weighs them, which helps when
there are hundreds of long messages per category (long hotline complaints: +1 point of
macro-F1 over a plain LinearSVC in ``bench/nlu_long.py``) and hurts with a few dozen
short chat lines per intent (the ratios are then mostly noise), so the classifier only
uses it when cross-validation on the training data says so.

The decision for ``c`` is ``(x * r_c) . w_c + b_c = x . (r_c * w_c) + b_c``: still linear
in ``x``, so :attr:`coef_` holds the folded weights ``r_c * w_c`` and the fast scorer
(:mod:`nlu.scoring`) treats it exactly like a LinearSVC.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.svm import LinearSVC


class NBLinearSVC(ClassifierMixin, BaseEstimator):  # type: ignore[misc]
    """One-vs-rest NB-SVM with scikit-learn's estimator interface (calibration works on it).

    ``alpha`` smooths the per-class feature sums; it is on the scale of TF-IDF values
    (which are well below 1 for long messages), hence the small default.
    """

    def __init__(
        self,
        C: float = 1.0,
        alpha: float = 0.1,
        class_weight: str | None = "balanced",
        max_iter: int = 5000,
        random_state: int = 0,
    ) -> None:
        self.C = C
        self.alpha = alpha
        self.class_weight = class_weight
        self.max_iter = max_iter
        self.random_state = random_state

    def fit(self, X: Any, y: Any) -> NBLinearSVC:
        x = sp.csr_matrix(X, dtype=np.float64)
        labels = np.asarray(y)
        self.classes_ = np.unique(labels)
        if len(self.classes_) < 2:
            raise ValueError("NB-SVM needs at least two classes")
        # Two classes: one problem (the second class against the first), as LinearSVC does.
        targets = self.classes_[1:] if len(self.classes_) == 2 else self.classes_
        weights, intercepts = [], []
        for target in targets:
            positive = labels == target
            ratio = self._ratio(x, positive)
            svm = LinearSVC(
                C=self.C,
                class_weight=self.class_weight,
                max_iter=self.max_iter,
                random_state=self.random_state,
            )
            svm.fit(x.multiply(ratio).tocsr(), positive)
            weights.append(ratio * svm.coef_.ravel())
            intercepts.append(float(svm.intercept_[0]))
        self.coef_ = np.vstack(weights)
        self.intercept_ = np.asarray(intercepts)
        self.n_features_in_ = x.shape[1]
        return self

    def _ratio(self, x: sp.csr_matrix, positive: np.ndarray) -> np.ndarray:
        p = self.alpha + np.asarray(x[positive].sum(axis=0)).ravel()
        q = self.alpha + np.asarray(x[~positive].sum(axis=0)).ravel()
        return np.asarray(np.log((p / p.sum()) / (q / q.sum())))

    def decision_function(self, X: Any) -> np.ndarray:
        scores: np.ndarray = np.asarray(X @ self.coef_.T) + self.intercept_
        return scores.ravel() if len(self.classes_) == 2 else scores

    def predict(self, X: Any) -> np.ndarray:
        scores = self.decision_function(X)
        if scores.ndim == 1:
            return np.asarray(self.classes_[(scores > 0).astype(int)])
        return np.asarray(self.classes_[scores.argmax(axis=1)])
