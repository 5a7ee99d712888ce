"""Score one message in well under a millisecond.

scikit-learn validates its inputs on every call; for one short message that overhead
(TfidfVectorizer.transform, then 35 per-class calibrators) costs several milliseconds,
far more than the arithmetic. :class:`LinearScorer` is the same trained model flattened
into dictionaries and NumPy arrays: TF-IDF (words, characters, pinyin) with sublinear
term frequency and L2 normalisation, one matrix product, then the estimator's own
probability mapping (per-class Platt sigmoids, or a softmax). ``tests/nlu`` checks it
against scikit-learn.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from nlu.features import Featurizer, word_grams
from nlu.pinyin import pinyin_grams

if TYPE_CHECKING:
    from sklearn.feature_extraction.text import TfidfVectorizer

_WHITE = re.compile(r"\s\s+")  # what scikit-learn's char analyzer collapses


class _Block:
    """One TF-IDF block (words or characters): vocabulary, idf and its rows of W."""

    def __init__(self, vectorizer: TfidfVectorizer, weight: float, offset: int) -> None:
        self.vocabulary: dict[str, int] = vectorizer.vocabulary_
        self.idf = np.asarray(vectorizer.idf_, dtype=np.float64)
        self.weight = weight
        self.offset = offset

    def vector(self, grams: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """(row indices into W, values) of the weighted, normalised TF-IDF vector."""
        # Count every gram first (in C), then look up each distinct one once: a long
        # message repeats many of its grams, and most of them are not in the vocabulary.
        vocabulary = self.vocabulary
        found: list[int] = []
        repeats: list[int] = []
        for gram, count in Counter(grams).items():
            column = vocabulary.get(gram)
            if column is not None:
                found.append(column)
                repeats.append(count)
        if not found:
            return np.empty(0, dtype=np.intp), np.empty(0)
        index = np.array(found, dtype=np.intp)
        values = (1.0 + np.log(np.array(repeats, dtype=np.float64))) * self.idf[index]
        norm = math.sqrt(float(values @ values))
        if norm > 0:
            values *= self.weight / norm
        return index + self.offset, values


def _char_grams(text: str, ngrams: tuple[int, int]) -> list[str]:
    chars = _WHITE.sub(" ", text)
    low, high = ngrams
    return [chars[i : i + n] for n in range(low, high + 1) for i in range(len(chars) - n + 1)]


class LinearScorer:
    """Probabilities of every class for one text, equal to ``estimator.predict_proba``."""

    def __init__(self, featurizer: Featurizer, estimator: Any, classes: list[str]) -> None:
        cfg = featurizer.config
        self.word_ngrams = cfg.word_ngrams
        self.char_ngrams = cfg.char_ngrams
        self.words = _Block(featurizer.words, cfg.word_weight, 0)
        offset = len(featurizer.words.idf_)
        self.chars = _Block(featurizer.chars, cfg.char_weight, offset)
        offset += len(featurizer.chars.idf_)
        # Blocks in the order Featurizer stacks them: words, chars, head, pinyin.
        self.head: _Block | None = None
        self.head_chars = cfg.head_chars
        self.head_ngrams = cfg.head_ngrams
        if featurizer.head is not None:
            self.head = _Block(featurizer.head, cfg.head_weight, offset)
            offset += len(featurizer.head.idf_)
        self.pinyin: _Block | None = None
        self.pinyin_ngrams = cfg.pinyin_ngrams or (1, 1)
        if featurizer.pinyin is not None:
            self.pinyin = _Block(featurizer.pinyin, cfg.pinyin_weight, offset)
        self.classes = classes
        estimators = estimator if isinstance(estimator, list | tuple) else [estimator]
        first, *others = [_Output(e, classes) for e in estimators]
        # The first model's arrays live on the scorer itself (as in scorers pickled before
        # ensembles); the others, if any, are averaged in.
        self.kind, self.coef, self.intercept = first.kind, first.coef, first.intercept
        self.a, self.b = first.a, first.b
        self.others = others

    def _features(self, text: str, tokens: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        parts = [
            self.words.vector(word_grams(tokens, self.word_ngrams)),
            self.chars.vector(_char_grams(text, self.char_ngrams)),
        ]
        head = getattr(self, "head", None)  # scorers pickled before heads existed
        if head is not None:
            parts.append(head.vector(_char_grams(text[: self.head_chars], self.head_ngrams)))
        pinyin = getattr(self, "pinyin", None)  # scorers pickled before pinyin existed
        if pinyin is not None:
            parts.append(pinyin.vector(pinyin_grams(text, self.pinyin_ngrams)))
        return np.concatenate([i for i, _ in parts]), np.concatenate([v for _, v in parts])

    def proba(self, text: str, tokens: Sequence[str]) -> np.ndarray:
        return self.proba_and_coverage(text, tokens)[0]

    def proba_and_coverage(self, text: str, tokens: Sequence[str]) -> tuple[np.ndarray, int]:
        """Probabilities and how many of the text's features the model has ever seen.

        With none seen the probabilities are the intercepts alone, the same for every
        such text: they say nothing about it, however confident they look.
        """
        index, values = self._features(text, tokens)
        return self._proba(index, values), len(index)

    def _proba(self, index: np.ndarray, values: np.ndarray) -> np.ndarray:
        n = len(self.classes)
        proba = _output_proba(self, index, values, n)
        others: list[_Output] = getattr(self, "others", [])
        if not others:
            return proba
        for other in others:
            proba = proba + _output_proba(other, index, values, n)
        return np.asarray(proba / (1 + len(others)))


class _Output:
    """One linear model's weights and probability mapping (of a Platt-calibrated SVM or a
    logistic regression); an ensemble averages several over the same features."""

    def __init__(self, estimator: Any, classes: list[str]) -> None:
        from sklearn.calibration import CalibratedClassifierCV
        from sklearn.linear_model import LogisticRegression

        self.a = self.b = np.empty(0)
        if isinstance(estimator, CalibratedClassifierCV):
            calibrated = estimator.calibrated_classifiers_[0]
            linear = calibrated.estimator
            order = [classes.index(str(c)) for c in linear.classes_]
            self.kind = "sigmoid"
            self.a = np.array([c.a_ for c in calibrated.calibrators], dtype=np.float64)
            self.b = np.array([c.b_ for c in calibrated.calibrators], dtype=np.float64)
        elif isinstance(estimator, LogisticRegression):
            linear = estimator
            order = list(range(len(classes)))
            self.kind = "softmax"
        else:  # pragma: no cover - the classifier only builds the two above
            raise TypeError(f"cannot compile {type(estimator).__name__}")
        if order != list(range(len(order))) and len(classes) > 2:
            raise ValueError("estimator classes are not in the classifier's order")
        self.coef = np.ascontiguousarray(np.asarray(linear.coef_, dtype=np.float64).T)
        self.intercept = np.asarray(linear.intercept_, dtype=np.float64)


def expit(x: Any) -> Any:
    """The logistic function, as scipy.special.expit (whose import a parsing worker is
    spared): 1 / (1 + e^-x) as exp(-log(1 + e^-x)), which neither overflows for large
    negative x nor rounds small results to zero."""
    return np.exp(-np.logaddexp(0.0, -np.asarray(x, dtype=np.float64)))


def softmax(x: np.ndarray) -> np.ndarray:
    """As scipy.special.softmax for one vector."""
    shifted = np.exp(x - np.max(x))
    return np.asarray(shifted / shifted.sum())


def _output_proba(out: Any, index: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    """``out`` is an :class:`_Output` or a scorer (which carries its first output's arrays)."""
    decision = values @ out.coef[index] + out.intercept
    if out.kind == "softmax":
        if n == 2:
            p1 = float(expit(decision[0]))
            return np.array([1.0 - p1, p1])
        return np.asarray(softmax(decision))
    raw = expit(-(out.a * decision + out.b))
    if n == 2:
        return np.array([1.0 - raw[0], raw[0]])
    total = raw.sum()
    if total == 0:
        return np.full(n, 1.0 / n)
    return np.asarray(np.minimum(raw / total, 1.0), dtype=np.float64)
