"""What the intent classifier sees: the message with entities masked, as words and characters.

Masking the place names, phone numbers and ticket numbers the entity rules found keeps the
classifier from learning that "锦园小区" means one category: every compound looks alike,
and a message that is *only* an address reads as ``inform``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING

import numpy as np

from nlu.pinyin import pinyin_grams
from nlu.tokenizer import Tokenizer, normalize
from nlu.types import Entity

if TYPE_CHECKING:
    import scipy.sparse as sp
    from sklearn.feature_extraction.text import TfidfVectorizer

# Private-use characters survive NFKC and jieba keeps each as one token.
MASKS = {"address": "\ue000", "phone": "\ue001", "ticket_number": "\ue002"}
_DIGITS = re.compile(r"[0-9]+")
_SPACES = re.compile(r"\s+")


@cache
def shorthand() -> dict[str, str]:
    """``nlu/resources/shorthand.txt``: Latin shorthand (lower case) -> the Chinese it means."""
    text = resources.files("nlu.resources").joinpath("shorthand.txt").read_text("utf-8")
    table: dict[str, str] = {}
    for line in text.splitlines():
        line = line.split("#", 1)[0]
        if "=" in line:
            short, _, full = line.partition("=")
            table[short.strip().lower()] = full.strip()
    return table


@cache
def _shorthand_pattern() -> re.Pattern[str]:
    words = sorted(shorthand(), key=len, reverse=True)
    return re.compile(r"(?<![a-z0-9])(" + "|".join(map(re.escape, words)) + r")(?![a-z0-9])")


def expand_shorthand(text: str) -> str:
    """Whole Latin runs of ``text`` (already lower case) that are shorthand, spelled out."""
    table = shorthand()
    return _shorthand_pattern().sub(lambda m: table[m.group(1)], text)


def masked_text(text: str, entities: Sequence[Entity]) -> str:
    """``text`` with masked entity spans replaced by one placeholder character each."""
    spans = sorted((e.start, e.end, MASKS[e.entity]) for e in entities if e.entity in MASKS)
    out: list[str] = []
    cursor = 0
    for start, end, mask in spans:
        if start < cursor:
            continue
        out.append(text[cursor:start])
        out.append(mask)
        cursor = end
    out.append(text[cursor:])
    # Numbers carry no category: "3号楼" and "12号楼" should look the same.
    plain = expand_shorthand(normalize("".join(out)))
    return _SPACES.sub(" ", _DIGITS.sub("0", plain)).strip()


def _identity(tokens: list[str]) -> list[str]:
    return tokens


@dataclass(frozen=True, slots=True)
class FeatureConfig:
    word_ngrams: tuple[int, int] = (1, 2)
    char_ngrams: tuple[int, int] = (1, 3)
    word_weight: float = 1.0
    char_weight: float = 1.0
    min_df: int = 1
    max_features: int | None = 300_000
    # Syllable n-grams (nlu.pinyin): what makes homophone typos look like the real word.
    pinyin_ngrams: tuple[int, int] | None = None
    pinyin_weight: float = 1.0
    # Character n-grams of the first ``head_chars`` characters once more, as a block of
    # their own: a hotline letter opens with its subject line ("A市某小区电梯坏了,物业
    # 推脱不修"), which says the category better than the rest of the letter.
    head_chars: int | None = None
    head_ngrams: tuple[int, int] = (1, 3)
    head_weight: float = 1.0


def word_grams(tokens: Sequence[str], ngram_range: tuple[int, int]) -> list[str]:
    """Word n-grams of a token list (joined by a space, which jieba never emits)."""
    low, high = ngram_range
    grams: list[str] = []
    for n in range(low, high + 1):
        grams.extend(" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1))
    return grams


class Featurizer:
    """TF-IDF over jieba words, characters and (optionally) pinyin, weighted and stacked.

    Training passes the tokens in (``fit_transform(texts, tokens)``) because segmenting is
    most of the cost and model selection fits many featurizers on the same messages.
    """

    def __init__(self, tokenizer: Tokenizer, config: FeatureConfig) -> None:
        # Only training builds a Featurizer (a loaded model parses with nlu.scoring).
        from sklearn.feature_extraction.text import TfidfVectorizer

        self.tokenizer = tokenizer
        self.config = config
        self.words = TfidfVectorizer(
            analyzer=_identity,
            sublinear_tf=True,
            min_df=config.min_df,
            max_features=config.max_features,
            dtype=np.float32,
        )
        self.chars = TfidfVectorizer(
            analyzer="char",
            ngram_range=config.char_ngrams,
            sublinear_tf=True,
            min_df=config.min_df,
            max_features=config.max_features,
            lowercase=False,
            dtype=np.float32,
        )
        self.head: TfidfVectorizer | None = None
        if config.head_chars is not None:
            self.head = TfidfVectorizer(
                analyzer="char",
                ngram_range=config.head_ngrams,
                sublinear_tf=True,
                min_df=config.min_df,
                max_features=config.max_features,
                lowercase=False,
                dtype=np.float32,
            )
        self.pinyin: TfidfVectorizer | None = None
        if config.pinyin_ngrams is not None:
            self.pinyin = TfidfVectorizer(
                analyzer=_identity,
                sublinear_tf=True,
                min_df=config.min_df,
                max_features=config.max_features,
                dtype=np.float32,
            )

    def fit_transform(
        self, texts: Sequence[str], tokens: Sequence[Sequence[str]] | None = None
    ) -> sp.csr_matrix:
        grams = self._grams(texts, tokens)
        words = self.words.fit_transform(grams)
        chars = self.chars.fit_transform(list(texts))
        blocks = [words * self.config.word_weight, chars * self.config.char_weight]
        if self.head is not None:
            blocks.append(self.head.fit_transform(self._heads(texts)) * self.config.head_weight)
        if self.pinyin is not None:
            try:
                sounds = self.pinyin.fit_transform(self._sounds(texts))
            except ValueError:  # no Chinese at all in the training data: nothing to read
                self.pinyin = None
            else:
                blocks.append(sounds * self.config.pinyin_weight)
        import scipy.sparse as sp

        return sp.hstack(blocks, format="csr")

    def transform(
        self, texts: Sequence[str], tokens: Sequence[Sequence[str]] | None = None
    ) -> sp.csr_matrix:
        words = self.words.transform(self._grams(texts, tokens))
        chars = self.chars.transform(list(texts))
        blocks = [words * self.config.word_weight, chars * self.config.char_weight]
        head = getattr(self, "head", None)  # models pickled before heads existed
        if head is not None:
            blocks.append(head.transform(self._heads(texts)) * self.config.head_weight)
        pinyin = getattr(self, "pinyin", None)  # models pickled before pinyin existed
        if pinyin is not None:
            blocks.append(pinyin.transform(self._sounds(texts)) * self.config.pinyin_weight)
        import scipy.sparse as sp

        return sp.hstack(blocks, format="csr")

    def _heads(self, texts: Sequence[str]) -> list[str]:
        return [t[: self.config.head_chars] for t in texts]

    def _sounds(self, texts: Sequence[str]) -> list[list[str]]:
        ngrams = self.config.pinyin_ngrams or (1, 1)
        return [pinyin_grams(t, ngrams) for t in texts]

    def _grams(
        self, texts: Sequence[str], tokens: Sequence[Sequence[str]] | None
    ) -> list[list[str]]:
        if tokens is None:
            tokens = [self.tokenizer.tokens(t) for t in texts]
        return [word_grams(t, self.config.word_ngrams) for t in tokens]
