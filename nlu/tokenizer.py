"""jieba word segmentation with a domain dictionary.

Each model owns its own ``jieba.Tokenizer`` so two models (old and new, during a hot
reload) never share a mutable dictionary. Loading jieba's base dictionary takes most of a
second, so the base is loaded once per process and copied for each model.
"""

from __future__ import annotations

import logging
import threading
import unicodedata
from collections.abc import Iterable

import jieba

jieba.setLogLevel(logging.WARNING)

_base_lock = threading.Lock()
_base: jieba.Tokenizer | None = None


def _base_tokenizer() -> jieba.Tokenizer:
    global _base
    with _base_lock:
        if _base is None:
            base = jieba.Tokenizer()
            base.initialize()
            _base = base
        return _base


def normalize(text: str) -> str:
    """Full-width to half-width, lower case; keeps the length-changing NFKC out of offsets."""
    return unicodedata.normalize("NFKC", text).lower()


class Tokenizer:
    """Segments Chinese (and mixed Chinese/English) text into words, never whitespace."""

    def __init__(self, user_words: Iterable[str] = ()) -> None:
        base = _base_tokenizer()
        jt = jieba.Tokenizer()
        # Copy the loaded prefix dictionary instead of re-reading it from disk.
        jt.FREQ = dict(base.FREQ)
        jt.total = base.total
        jt.initialized = True
        self.user_words = sorted({w.strip() for w in user_words if w and w.strip()})
        for word in self.user_words:
            jt.add_word(normalize(word))
        self._jieba = jt

    def tokens(self, text: str) -> list[str]:
        """Words of ``text`` after normalisation; whitespace and empty tokens are dropped."""
        return [t for t in self._jieba.lcut(normalize(text), HMM=True) if t.strip()]

    def __getstate__(self) -> dict[str, object]:
        # Pickle only the word list: the jieba dictionary is rebuilt on load.
        return {"user_words": self.user_words}

    def __setstate__(self, state: dict[str, object]) -> None:
        words = state["user_words"]
        assert isinstance(words, list)
        self.__init__(words)  # type: ignore[misc]
