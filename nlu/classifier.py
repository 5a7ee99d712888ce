"""The intent classifier: TF-IDF features and a linear SVM with calibrated probabilities.

Probabilities matter as much as the top label: the fallback rule ("not sure, ask again")
compares them against thresholds, so they must mean roughly what they say. A sigmoid-
calibrated LinearSVC keeps right answers confident and spreads wrong ones out; plain
logistic regression over 35 intents was measured to put a third of its *right* answers
under the 0.35 fallback threshold.

Which features and which linear model work best depends on the data: a few dozen short
chat lines per intent want characters and a plain SVM, hundreds of long complaints per
label gain from word bigrams and NB-SVM's log-count ratios (:mod:`nlu.nbsvm`). With
``ClassifierConfig.features`` left ``None`` the classifier picks among :data:`CANDIDATES`
by cross-validation on the training data itself, so a trainer's own data set (ours, or
a hotline's 7 labels) decides, not a guess made here.
"""

from __future__ import annotations

import statistics
import warnings
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from nlu.features import FeatureConfig, Featurizer
from nlu.scoring import LinearScorer
from nlu.tokenizer import Tokenizer

if TYPE_CHECKING:
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.linear_model import LogisticRegression
    from sklearn.svm import LinearSVC

    from nlu.nbsvm import NBLinearSVC

# scikit-learn is imported where a model is trained, never where one is only used: a
# worker that loads a trained model parses with LinearScorer's arrays and would carry
# scikit-learn's 70 MiB of modules for nothing (see IntentClassifier.__getstate__).

Progress = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class Candidate:
    """Features plus the linear model that reads them ("svm" or "nbsvm")."""

    features: FeatureConfig
    model: str = "svm"


# Measured with bench/nlu_quality.py (short chat, training_data/) and bench/nlu_long.py
# (long complaints): "chars+pinyin" wins on chat, "nb-words+chars" on long complaints, by
# about five points each way; word bigrams with character 2-4-grams lost on every set.
# Pinyin changes nothing on clean messages (so cross-validation cannot ask for it) and a
# lot on homophone typos (bench/nlu_quality.py --typos): it is part of the chat candidate
# by design; on long complaints it measured neutral and is left out.
CANDIDATES: dict[str, Candidate] = {
    "chars+pinyin": Candidate(
        FeatureConfig(
            word_ngrams=(1, 1),
            char_ngrams=(1, 3),
            word_weight=0.5,
            pinyin_ngrams=(1, 2),
            pinyin_weight=1.0,
        )
    ),
    "words+chars": Candidate(
        FeatureConfig(word_ngrams=(1, 2), char_ngrams=(1, 3), word_weight=1.0)
    ),
    "nb-words+chars": Candidate(
        FeatureConfig(word_ngrams=(1, 2), char_ngrams=(1, 3), word_weight=1.0), model="nbsvm"
    ),
    # Long letters with a subject line (bench/nlu_hotline.py on 2,200 hotline messages,
    # 5-fold macro-F1, calibrated as trained): NB-SVM on words + chars 0.883; with
    # 2-4-grams seen twice or more and the first 20 characters as a block of their own
    # 0.887; the same read by NB-SVM and a plain SVM, probabilities averaged, 0.891; with
    # character 2-5-grams and the first 30 characters read as 1-4-grams, 0.896 (seed 42;
    # 0.8865 seed 1, 0.8858 seed 7). Single characters back in, character 1-4-grams and
    # the head as 1-5-grams: 0.9032 / 0.8923 / 0.8885 (seeds 42 / 1 / 7, mean 0.8947);
    # NLUModel.parse p50 1.0-1.1 ms, p95 1.2-1.4 ms on these messages, as before.
    # Tried and lost there: head or word block weighted up or down, min_df 1, a logistic
    # regression as a third member, other C; class_weight None, NB alpha 0.03 or 0.3,
    # max_df 0.5, binary tf, word trigrams, character 2-6-grams, a head of 20, 25, 35 or
    # 40 characters, the body as a block of its own, head words as a block, jieba words
    # learned from the training messages, jieba without HMM or in search mode, region
    # codes ("a0县") removed, unmasked addresses, halves of messages as extra examples,
    # five calibration folds or calibration's ensemble of three, decisions summed instead
    # of probabilities averaged, per-intent biases tuned for macro-F1 on inner folds, a
    # ridge, hinge-loss or Crammer-Singer SVM, a third member on other features, the
    # character or word block weighted 0.8 or 1.25, words without idf, min_df 1 for words
    # or head (each within half a point of the above, most below it).
    "nb+svm-words+chars+head": Candidate(
        FeatureConfig(
            word_ngrams=(1, 2),
            char_ngrams=(1, 4),
            min_df=2,
            head_chars=30,
            head_ngrams=(1, 5),
        ),
        model="nbsvm+svm",
    ),
}
SELECTION_FOLDS = 3
# NB-SVM's log-count ratios are noise with fewer examples per intent than this, and a
# three-fold selection on so few cannot tell a real point of F1 from luck (on the
# 12-a-label tests/nlu/data/hotline_long.yml it was picked and lost two points).
NB_MIN_EXAMPLES = 20
# Subject-line candidates are tried when the median message (as the classifier sees it)
# is at least this long, so that there is a body besides the head.
HEAD_MIN_MEDIAN_CHARS = 40


@dataclass(frozen=True, slots=True)
class ClassifierConfig:
    """Hyper-parameters; ``features=None`` selects features and model by cross-validation.

    With explicit ``features``, ``model`` says which linear model reads them: "svm"
    (LinearSVC), "nbsvm" (NB-SVM), "nbsvm+svm" (both, their probabilities averaged) or
    "logreg"; the SVMs are sigmoid-calibrated.
    """

    features: FeatureConfig | None = None
    model: str = "svm"
    c: float = 1.0
    calibration_folds: int = 3
    class_weight: str | None = "balanced"
    nb_alpha: float = 0.1
    # The CANDIDATES name ``features`` and ``model`` came from, when a trainer pinned one.
    kind: str | None = None

    @classmethod
    def pinned(cls, kind: str) -> ClassifierConfig:
        """The configuration of one of :data:`CANDIDATES`, with no selection."""
        candidate = CANDIDATES.get(kind)
        if candidate is None:
            raise ValueError(f"unknown model kind {kind!r}; one of {', '.join(CANDIDATES)}")
        return cls(features=candidate.features, model=candidate.model, kind=kind)

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def _linear(model: str, config: ClassifierConfig) -> LinearSVC | NBLinearSVC:
    from sklearn.svm import LinearSVC

    from nlu.nbsvm import NBLinearSVC

    # A fixed seed: the same data must give the same model (and the same version hash).
    if model == "nbsvm":
        return NBLinearSVC(C=config.c, alpha=config.nb_alpha, class_weight=config.class_weight)
    return LinearSVC(C=config.c, class_weight=config.class_weight, max_iter=5000, random_state=0)


def eligible_candidates(texts: Sequence[str], labels: Sequence[str]) -> list[str]:
    """The candidates worth trying on these messages and labels.

    NB-SVM needs enough examples of each label; a subject-line block only means something
    when messages are long enough to have a subject line apart from their body.
    """
    fewest = min(Counter(labels).values())
    typical = statistics.median(len(t) for t in texts) if texts else 0
    return [
        n
        for n, c in CANDIDATES.items()
        if ("nbsvm" not in c.model or fewest >= NB_MIN_EXAMPLES)
        and (c.features.head_chars is None or typical >= HEAD_MIN_MEDIAN_CHARS)
    ]


def selection_steps(
    texts: Sequence[str], labels: Sequence[str], folds: int = SELECTION_FOLDS
) -> int:
    """How many (candidate, fold) fits :func:`select_candidate` makes on these messages."""
    folds = min(folds, min(Counter(labels).values()))
    if folds < 2 or len(CANDIDATES) == 1:
        return 0
    return len(eligible_candidates(texts, labels)) * folds


def _fit_predict(kind: str, config: ClassifierConfig, x: Any, y: np.ndarray, test: Any) -> Any:
    """Uncalibrated predictions of ``kind`` for ``test`` (an ensemble adds its members'
    decisions, each scaled to unit spread so that neither drowns the other)."""
    members = ["svm", "nbsvm"] if kind == "nbsvm+svm" else [kind]
    total: Any = 0.0
    model: Any = None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # liblinear's convergence notes
        for member in members:
            model = _linear(member, config).fit(x, y)
            if len(members) == 1:
                return model.predict(test)
            decision = model.decision_function(test)
            total = total + decision / (float(np.std(decision)) or 1.0)
    total = np.asarray(total)
    if total.ndim == 1:  # two classes: one decision, for the second
        return model.classes_[(total > 0).astype(int)]
    return model.classes_[total.argmax(axis=1)]


def select_candidate(
    tokenizer: Tokenizer,
    texts: Sequence[str],
    tokens: Sequence[Sequence[str]],
    labels: Sequence[str],
    config: ClassifierConfig,
    *,
    folds: int = SELECTION_FOLDS,
    seed: int = 7,
    progress: Progress | None = None,
) -> tuple[str, dict[str, float]]:
    """The candidate with the best cross-validated macro-F1, and every candidate's score.

    Scored with the uncalibrated models' argmax: calibration hardly changes which
    candidate separates the intents best, and skipping it makes selection four times
    cheaper. Each feature set's TF-IDF is fitted once on all the texts (vocabulary and
    IDF use no labels) and shared by the candidates that use it; only the linear models
    are refitted per fold, and NB-SVM's ratios come from each fold's training part.
    ``progress`` hears each (candidate, fold) fit: :func:`selection_steps` of them.
    """
    from sklearn.metrics import f1_score
    from sklearn.model_selection import StratifiedKFold

    counts = Counter(labels)
    folds = min(folds, min(counts.values()))
    if folds < 2 or len(CANDIDATES) == 1:
        return next(iter(CANDIDATES)), {}
    y = np.asarray(labels)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        splits = list(
            StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed).split(
                np.zeros(len(y)), y
            )
        )
    names = eligible_candidates(texts, labels)
    matrices: dict[FeatureConfig, Any] = {}
    scores: dict[str, float] = {}
    for name in names:
        candidate = CANDIDATES[name]
        if candidate.features not in matrices:
            featurizer = Featurizer(tokenizer, candidate.features)
            matrices[candidate.features] = featurizer.fit_transform(texts, tokens)
        x = matrices[candidate.features]
        predicted = np.empty(len(y), dtype=object)
        for index, (train, test) in enumerate(splits, start=1):
            predicted[test] = _fit_predict(candidate.model, config, x[train], y[train], x[test])
            if progress is not None:
                progress(f"{name} {index}/{folds}")
        scores[name] = float(f1_score(y, predicted.astype(str), average="macro"))
    best = max(names, key=lambda n: scores[n])  # first wins ties
    return best, scores


class IntentClassifier:
    """Fits on (text, intent) pairs; ranks every intent for a new text."""

    def __init__(self, tokenizer: Tokenizer, config: ClassifierConfig | None = None) -> None:
        self.config = config or ClassifierConfig()
        self.tokenizer = tokenizer
        self.selection: dict[str, Any] = {}
        self.featurizer: Featurizer | None = Featurizer(
            tokenizer, self.config.features or next(iter(CANDIDATES.values())).features
        )
        self._feature_config = self.featurizer.config
        self.model_kind = self.config.model
        self.classes_: list[str] = []
        # One calibrated model, or (kind "nbsvm+svm") several whose probabilities are averaged.
        self._estimator: Any = None
        self._scorer: LinearScorer | None = None

    def fit(
        self,
        texts: Sequence[str],
        labels: Sequence[str],
        tokens: Sequence[Sequence[str]] | None = None,
        *,
        progress: Progress | None = None,
        planned: Callable[[int], None] | None = None,
    ) -> IntentClassifier:
        """Train on ``texts``; ``planned`` hears how many ``progress`` steps will follow."""
        from sklearn.calibration import CalibratedClassifierCV
        from sklearn.linear_model import LogisticRegression

        counts = Counter(labels)
        if len(counts) < 2:
            raise ValueError("at least two intents are needed to train a classifier")
        if tokens is None:
            tokens = [self.tokenizer.tokens(t) for t in texts]
        cfg = self.config
        features, kind = cfg.features, cfg.model
        if planned is not None and features is None:
            planned(selection_steps(texts, labels))
        if features is None:
            chosen, scores = select_candidate(
                self.tokenizer, texts, tokens, labels, cfg, progress=progress
            )
            features, kind = CANDIDATES[chosen].features, CANDIDATES[chosen].model
            self.selection = {"features": chosen, "model": kind, "macro_f1": scores}
        elif cfg.kind is not None:
            self.selection = {"features": cfg.kind, "model": kind, "pinned": True}
        featurizer = Featurizer(self.tokenizer, features)
        self.featurizer, self._feature_config = featurizer, featurizer.config
        self.model_kind = kind
        x = featurizer.fit_transform(texts, tokens)
        y = np.asarray(labels)
        folds = min(cfg.calibration_folds, min(counts.values()))
        members = ["svm", "nbsvm"] if kind == "nbsvm+svm" else [kind]
        if planned is not None:
            planned(len(members))
        estimators: list[LogisticRegression | CalibratedClassifierCV] = []
        for member in members:
            if member in ("svm", "nbsvm") and folds >= 2:
                est: LogisticRegression | CalibratedClassifierCV = CalibratedClassifierCV(
                    _linear(member, cfg), method="sigmoid", cv=folds, ensemble=False
                )
            else:
                est = LogisticRegression(C=cfg.c * 10, class_weight=cfg.class_weight, max_iter=3000)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # liblinear's convergence notes
                est.fit(x, y)
            estimators.append(est)
            if progress is not None:
                progress("fit" if len(members) == 1 else f"fit {member}")
        self._estimator = estimators[0] if len(estimators) == 1 else estimators
        self.classes_ = [str(c) for c in estimators[0].classes_]
        self._scorer = LinearScorer(featurizer, self._estimator, self.classes_)
        return self

    @property
    def features(self) -> FeatureConfig:
        if self.featurizer is None:
            return self._feature_config
        return self.featurizer.config

    def __getstate__(self) -> dict[str, Any]:
        # What parsing needs: the scorer's arrays and dictionaries, no scikit-learn object
        # (unpickling one imports scikit-learn). The estimators and TF-IDF vectorizers stay
        # with the process that trained them, for rank_reference.
        state = dict(self.__dict__)
        state["_estimator"] = None
        state["featurizer"] = None
        state["_feature_config"] = self.features
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        featurizer = state.get("featurizer")
        if featurizer is not None:  # pickled before 2026-12, with scikit-learn's objects
            self._feature_config = featurizer.config

    def rank(self, texts: Sequence[str]) -> np.ndarray:
        """Probabilities, one row per text, columns in ``classes_`` order."""
        if self._scorer is None:
            raise RuntimeError("classifier is not trained")
        scorer = self._scorer
        rows = [scorer.proba(t, self.tokenizer.tokens(t)) for t in texts]
        return np.vstack(rows) if rows else np.empty((0, len(self.classes_)))

    def rank_one(self, text: str) -> tuple[np.ndarray, int]:
        """Probabilities for one text and the number of its features the model knows."""
        if self._scorer is None:
            raise RuntimeError("classifier is not trained")
        return self._scorer.proba_and_coverage(text, self.tokenizer.tokens(text))

    def knows_word(self, word: str) -> bool:
        """Whether ``word`` (one token, normalised) was among the training words."""
        if self._scorer is None:
            raise RuntimeError("classifier is not trained")
        return word in self._scorer.words.vocabulary

    def rank_reference(self, texts: Sequence[str]) -> np.ndarray:
        """The same probabilities computed by scikit-learn itself (slow; for tests). Only
        in the process that trained the classifier: artifacts keep the scorer alone."""
        if self._estimator is None or self.featurizer is None:
            raise RuntimeError("classifier is not trained in this process")
        x = self.featurizer.transform(texts)
        members = self._estimator if isinstance(self._estimator, list) else [self._estimator]
        return np.asarray(np.mean([m.predict_proba(x) for m in members], axis=0))
