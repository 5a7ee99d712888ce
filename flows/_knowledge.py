"""Answers to residents' questions (咨询), from ``training_data/knowledge.yml``.

Many messages are not demands but questions: how to get a certificate, which school a
building belongs to, where to get a vaccine. The NLU classifies them (report_certificate,
report_education, report_health ...); this module finds the written answer. The file is
edited by trainers::

    version: 1
    question_words: [怎么, 如何, 哪里, 需要, 吗, "?"]   # what makes a message a question
    entries:
      - id: only_child_certificate
        intents: [report_certificate]
        title: 独生子女父母光荣证
        keywords: [独生子女证, 光荣证]             # a message naming one of these is about it
        questions: [独生子女证怎么办理, 独生子女证丢了怎么补办]
        answer: |
          ...

Matching is deliberately simple and explainable: an entry matches when the message names
one of its keywords and reads as a question, or when it is close to one of the entry's
example questions. "幼儿园老师打孩子" names 幼儿园 but asks nothing, so it is not answered with
the enrolment rules; it goes on to be filed as a demand if the resident wants.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rapidfuzz import fuzz

from flows._problems import problem
from flows._yaml import line_of, load_yaml

_KEYWORD_SCORE = 0.85
_QUESTION_SIMILARITY = 0.72


@dataclass(frozen=True, slots=True)
class KnowledgeEntry:
    id: str
    title: str
    answer: str
    intents: tuple[str, ...]
    keywords: tuple[str, ...]
    questions: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class KnowledgeAnswer:
    """The best entry for a message and how sure we are (0..1)."""

    entry: KnowledgeEntry
    score: float

    @property
    def id(self) -> str:
        return self.entry.id

    @property
    def title(self) -> str:
        return self.entry.title

    @property
    def text(self) -> str:
        return self.entry.answer


def _texts(value: object, what: str, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise problem("knowledge_texts", where, what=what)
    return tuple(v.strip() for v in value)


class Knowledge:
    """The loaded knowledge file; :meth:`answer` finds the entry a question is about."""

    def __init__(
        self,
        entries: list[KnowledgeEntry],
        *,
        question_words: tuple[str, ...] = (),
        source: str = "knowledge.yml",
    ) -> None:
        self.entries = tuple(entries)
        self.question_words = question_words
        self.source = source

    @classmethod
    def load(cls, path: Path) -> Knowledge:
        data = load_yaml(path)
        where = str(path)
        if not isinstance(data, dict) or data.get("version") != 1:
            raise problem("knowledge_shape", where)
        raw_entries = data.get("entries")
        if not isinstance(raw_entries, list) or not raw_entries:
            raise problem("knowledge_entries", where)
        question_words = _texts(data.get("question_words"), "'question_words'", where)
        entries: list[KnowledgeEntry] = []
        seen: set[str] = set()
        for raw in raw_entries:
            here = f"{where}:{line_of(raw)}"
            if not isinstance(raw, dict):
                raise problem("knowledge_entry", here)
            unknown = set(raw) - {"id", "title", "answer", "intents", "keywords", "questions"}
            if unknown:
                raise problem("knowledge_keys", here, keys=sorted(unknown))
            entry_id, title, answer = raw.get("id"), raw.get("title"), raw.get("answer")
            if not isinstance(entry_id, str) or not entry_id:
                raise problem("knowledge_id", here)
            if entry_id in seen:
                raise problem("knowledge_duplicate", here, id=entry_id)
            seen.add(entry_id)
            if not isinstance(title, str) or not isinstance(answer, str) or not answer.strip():
                raise problem("knowledge_answer", here, id=entry_id)
            keywords = _texts(raw.get("keywords"), "'keywords'", here)
            questions = _texts(raw.get("questions"), "'questions'", here)
            if not keywords and not questions:
                raise problem("knowledge_match", here, id=entry_id)
            entries.append(
                KnowledgeEntry(
                    id=entry_id,
                    title=title.strip(),
                    answer=answer.strip(),
                    intents=_texts(raw.get("intents"), "'intents'", here),
                    keywords=keywords,
                    questions=questions,
                )
            )
        return cls(entries, question_words=question_words, source=where)

    def __len__(self) -> int:
        return len(self.entries)

    def get(self, entry_id: str) -> KnowledgeEntry | None:
        return next((e for e in self.entries if e.id == entry_id), None)

    def is_question(self, text: str) -> bool:
        return any(word in text for word in self.question_words)

    def _score(self, entry: KnowledgeEntry, text: str, asks: bool, intent: str | None) -> float:
        similarity = max(
            (fuzz.ratio(q, text) / 100 for q in entry.questions),
            default=0.0,
        )
        score = similarity if similarity >= _QUESTION_SIMILARITY else 0.0
        named = [k for k in entry.keywords if k in text]
        if named and asks:
            # Longer keywords are more specific: 独生子女父母光荣证 beats 证.
            longest = max(len(k) for k in named)
            score = max(score, _KEYWORD_SCORE + 0.1 * min(1.0, longest / 6) + 0.05 * similarity)
        if score and intent and entry.intents and intent in entry.intents:
            score += 0.01  # only breaks ties between equally good entries
        return min(score, 1.0)

    def answer(self, text: str, *, intent: str | None = None) -> KnowledgeAnswer | None:
        """The entry the message asks about, or ``None`` when no entry clearly fits."""
        text = text.strip()
        if not text:
            return None
        asks = self.is_question(text)
        best: KnowledgeAnswer | None = None
        for entry in self.entries:
            score = self._score(entry, text, asks, intent)
            if score and (best is None or score > best.score):
                best = KnowledgeAnswer(entry, score)
        return best
