"""Defaults the command line and the gateway read without loading a model.

Kept apart from :mod:`nlu.model` and :mod:`nlu.artifact` because importing those pulls in
scikit-learn (seconds); ``minsheng nlu --help`` must not wait for it.
"""

from __future__ import annotations

DEFAULT_FALLBACK_THRESHOLD = 0.35
DEFAULT_AMBIGUITY_THRESHOLD = 0.08
DEFAULT_MODEL_NAME = "nlu.tar.gz"
DEFAULT_MIN_EXAMPLES = 5
# Names of nlu.classifier.CANDIDATES (checked by tests/nlu): what `train --model-kind` takes.
MODEL_KINDS = ("chars+pinyin", "words+chars", "nb-words+chars", "nb+svm-words+chars+head")
AUTO_MODEL_KIND = "auto"
