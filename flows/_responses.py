"""Every sentence the bot says, from ``flows/responses.yml``.

The file has three sections::

    responses:
      ask_address:              # a key the flows refer to
        - 请问具体在哪个小区、几号楼?     # one or more variants; one is picked at random
        - 麻烦告诉我地址,比如"锦园小区2号楼"。
    buttons:
      skip:
        title: 跳过             # what the quick reply shows
        also: [没有, 不用了]     # other words residents type for it
    words:
      correction: [不对, 说错]   # word lists flows use to read what residents say

Variants may use ``{placeholders}`` that the flow fills (slot values, ticket numbers...).
Keeping every word here lets a trainer change the bot's voice without touching Python.
"""

from __future__ import annotations

import random
import string
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flows._problems import problem
from flows._yaml import line_of, load_yaml


@dataclass(frozen=True, slots=True)
class ButtonText:
    """A quick reply's title and the other words that select it."""

    key: str
    title: str
    also: tuple[str, ...] = ()

    def matches(self, text: str) -> bool:
        cleaned = normalize_choice_text(text)
        return cleaned in {normalize_choice_text(w) for w in (self.title, *self.also)}


_STRIP = " \t\r\n,.!?~。,!?~、;;:: "
# What may follow a quick reply typed at the start of a longer message.
_SEPARATORS = frozenset(" \t\n,.!?~。,!?~、;;::")


def normalize_choice_text(
    text: str, *, particles: str = "", fillers: tuple[str, ...] = ()
) -> str:
    """Compare replies loosely: case, full/half width and edge punctuation do not matter;
    nor do the sentence-final ``particles`` and leading ``fillers`` (from ``words:``), so
    "那就跳过吧" chooses what "跳过" chooses."""
    cleaned = unicodedata.normalize("NFKC", text).strip().strip(_STRIP).lower()
    stripped = cleaned.rstrip(particles).strip(_STRIP) if particles else cleaned
    for filler in fillers:
        if stripped.startswith(filler):
            rest = stripped[len(filler):].strip(_STRIP)
            if rest:
                stripped = rest
            break
    return stripped or cleaned


def _placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


class Responses:
    """The loaded responses file: variants by key, button texts by key."""

    def __init__(
        self,
        variants: dict[str, tuple[str, ...]],
        buttons: dict[str, ButtonText],
        *,
        words: dict[str, tuple[str, ...]] | None = None,
        source: str = "responses.yml",
        rng: random.Random | None = None,
    ) -> None:
        self._variants = variants
        self._buttons = buttons
        self._words = dict(words or {})
        self.source = source
        self._rng = rng or random.Random()

    @classmethod
    def load(cls, path: Path, *, seed: int | None = None) -> Responses:
        data = load_yaml(path)
        if not isinstance(data, dict):
            raise problem("responses_shape", str(path))
        unknown = set(data) - {"responses", "buttons", "words"}
        if unknown:
            raise problem("responses_sections", f"{path}:{line_of(data)}", sections=sorted(unknown))
        variants: dict[str, tuple[str, ...]] = {}
        raw = data.get("responses") or {}
        if not isinstance(raw, dict):
            raise problem("responses_mapping", str(path))
        for key, value in raw.items():
            if not isinstance(key, str):
                raise problem("key_not_word", str(path), key=key)
            where = f"{path}:{line_of(raw, str(key))}"
            texts = [value] if isinstance(value, str) else value
            if not isinstance(texts, list) or not texts:
                raise problem("response_empty", where, key=key)
            for text in texts:
                if not isinstance(text, str) or not text.strip():
                    raise problem("response_variant", where, key=key)
                try:
                    _placeholders(text)
                except ValueError as exc:
                    raise problem("response_placeholder", where, key=key, detail=exc) from exc
            variants[str(key)] = tuple(t.strip() for t in texts)
        buttons: dict[str, ButtonText] = {}
        raw_buttons = data.get("buttons") or {}
        if not isinstance(raw_buttons, dict):
            raise problem("buttons_mapping", str(path))
        for key, value in raw_buttons.items():
            if not isinstance(key, str):  # yes/no/on/off are booleans in YAML
                raise problem("key_not_word", str(path), key=key)
            where = f"{path}:{line_of(raw_buttons, str(key))}"
            if isinstance(value, str):
                buttons[str(key)] = ButtonText(str(key), value)
                continue
            if not isinstance(value, dict) or not isinstance(value.get("title"), str):
                raise problem("button_title", where, key=key)
            also = value.get("also") or []
            if not isinstance(also, list) or not all(isinstance(a, str) for a in also):
                raise problem("button_also", where, key=key)
            buttons[str(key)] = ButtonText(str(key), value["title"], tuple(also))
        words: dict[str, tuple[str, ...]] = {}
        raw_words = data.get("words") or {}
        if not isinstance(raw_words, dict):
            raise problem("words_mapping", str(path))
        for key, value in raw_words.items():
            where = f"{path}:{line_of(raw_words, str(key))}"
            if not isinstance(key, str):
                raise problem("key_not_word", str(path), key=key)
            if not isinstance(value, list) or not all(isinstance(w, str) and w for w in value):
                raise problem("words_list", where, key=key)
            words[key] = tuple(value)
        return cls(variants, buttons, words=words, source=str(path), rng=random.Random(seed))

    def __contains__(self, key: object) -> bool:
        return key in self._variants

    def response_keys(self) -> list[str]:
        return list(self._variants)

    def button_keys(self) -> list[str]:
        return list(self._buttons)

    def has_button(self, key: str) -> bool:
        return key in self._buttons

    def button(self, key: str) -> ButtonText:
        try:
            return self._buttons[key]
        except KeyError:
            raise RuntimeError(f"no button {key!r} in {self.source}") from None

    def words(self, key: str) -> tuple[str, ...]:
        """A list of ``words:`` residents use (correction markers, particles); () if absent."""
        return self._words.get(key, ())

    def normalize(self, text: str) -> str:
        """A reply as it is compared with quick replies (see :func:`normalize_choice_text`)."""
        return normalize_choice_text(
            text, particles="".join(self.words("particles")), fillers=self.words("fillers")
        )

    def button_matches(self, key: str, text: str) -> bool:
        """Does ``text`` choose button ``key`` (its title or one of its other words)?"""
        button = self.button(key)
        wanted = self.normalize(text)
        return any(self.normalize(w) == wanted for w in (button.title, *button.also))

    def after_button(self, key: str, text: str) -> str | None:
        """What follows button ``key`` at the start of ``text``: "" when the text is just the
        button, the rest when a separator follows it ("不满意,晚上还是吵" -> "晚上还是吵"),
        None when the text does not begin with it."""
        if self.button_matches(key, text):
            return ""
        cleaned = normalize_choice_text(text)
        button = self.button(key)
        # Longest first: "不满意" must not be read as "满意" plus more.
        for word in sorted((button.title, *button.also), key=len, reverse=True):
            word = normalize_choice_text(word)
            if word and cleaned.startswith(word) and cleaned[len(word):][:1] in _SEPARATORS:
                return cleaned[len(word):].strip(_STRIP)
        return None

    def variants(self, key: str) -> tuple[str, ...]:
        try:
            return self._variants[key]
        except KeyError:
            raise RuntimeError(f"no response {key!r} in {self.source}") from None

    def placeholders(self, key: str) -> set[str]:
        names: set[str] = set()
        for text in self.variants(key):
            names |= _placeholders(text)
        return names

    def pick(self, key: str, *, avoid: int | None = None) -> int:
        """Index of the variant to use; never ``avoid`` when another exists (re-asking)."""
        count = len(self.variants(key))
        if avoid is not None and count > 1:
            return (avoid + 1 + self._rng.randrange(count - 1)) % count
        return self._rng.randrange(count)

    def render(self, key: str, variables: dict[str, Any], *, variant: int | None = None) -> str:
        """Fill one variant. A placeholder without a value is a bug in a flow or action."""
        texts = self.variants(key)
        index = self.pick(key) if variant is None else variant % len(texts)
        try:
            return texts[index].format_map(variables)
        except (KeyError, IndexError) as exc:
            raise RuntimeError(f"response {key!r} needs a value for {exc}") from exc
