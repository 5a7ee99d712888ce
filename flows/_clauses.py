"""Two problems in one message: "楼道灯坏了，而且门口垃圾好几天没人清".

A message is cut into clauses at sentence ends (。！？；) and at the words residents use to
add another matter (而且, 还有, 另外 …, kept in responses.yml ``words: another_matter``).
Each clause is read by the NLU on its own; when two clauses report different categories
with confidence, the message holds two matters: the first is reported now, the second is
noted and offered right after the first is filed. Clauses of one matter ("楼道灯坏了。晚上
很黑") stay one report.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from nlu import FALLBACK_INTENT, ParseResult

_SENTENCE_END = "。！？；!?;\n"
_MIN_CLAUSE_CHARS = 4
_TRIM = " ，,、。！？；!?;\n"
# A clause is another matter only when the NLU is this sure of it on its own ...
_SURE = 0.75
# ... and ranks the matter before it no higher than this.
_ALSO_ABOUT = 0.1


@dataclass(frozen=True, slots=True)
class Matter:
    """One matter of a message: its words and the category the NLU reads in them."""

    text: str
    category: str
    confidence: float


def clauses(text: str, connectors: Sequence[str], not_before: Sequence[str] = ()) -> list[str]:
    """``text`` cut before each connector and after each sentence end (clauses too short to
    report anything are joined to the one before). A connector followed by one of
    ``not_before`` is no connector ("还有点闪": 还有点 = a little)."""
    words = sorted((w for w in connectors if w), key=len, reverse=True)
    pattern = "|".join(re.escape(w) for w in words)
    marks = [m.start() for m in re.finditer(f"[{re.escape(_SENTENCE_END)}]", text)]
    cuts = {i + 1 for i in marks}
    if pattern:
        after = "|".join(re.escape(w) for w in not_before if w)
        guard = f"(?!{after})" if after else ""
        cuts |= {m.start() for m in re.finditer(f"(?:{pattern}){guard}", text)}
    pieces: list[str] = []
    start = 0
    for cut in sorted(c for c in cuts if 0 < c < len(text)):
        pieces.append(text[start:cut])
        start = cut
    pieces.append(text[start:])
    out: list[str] = []
    for piece in pieces:
        clean = piece.strip(_TRIM)
        if not clean:
            continue
        if out and len(_content(clean, words)) < _MIN_CLAUSE_CHARS:
            out[-1] = f"{out[-1]}，{clean}"
        else:
            out.append(clean)
    return out


def _content(clause: str, connectors: Sequence[str]) -> str:
    for word in connectors:
        if clause.startswith(word):
            return clause[len(word):].strip(_TRIM)
    return clause


def _also_about(reading: ParseResult, category: str) -> bool:
    """The clause may well be about ``category`` too ("晚上很黑，老人上下楼不方便" after a
    broken stairwell light: the NLU ranks 路灯与楼道灯 second)."""
    ranking = [s for s in reading.intent_ranking if s.name != FALLBACK_INTENT][:2]
    return any(s.name == category and s.confidence >= _ALSO_ABOUT for s in ranking)


def matters(
    text: str,
    connectors: Sequence[str],
    parse: Callable[[str], ParseResult],
    is_category: Callable[[str], bool],
    threshold: float,
    remarks: Sequence[str] = (),
    not_before: Sequence[str] = (),
) -> list[Matter]:
    """The distinct matters ``text`` reports, in order: clauses of the same category (or of
    none, or remarks such as "物业也不管") join the matter before them. One item (or none)
    means one matter. A clause is another matter only when the NLU is sure of its category
    on its own (``threshold``, and never below :data:`_SURE`) and does not read it as the
    matter before as well."""
    found: list[Matter] = []
    for clause in clauses(text, connectors, not_before):
        content = _content(clause, connectors)
        reading = parse(content)
        intent = reading.intent
        sure = (
            is_category(intent.name)
            and intent.confidence >= max(threshold, _SURE)
            and not any(word in content for word in remarks)
        )
        if found and found[-1].category and _also_about(reading, found[-1].category):
            sure = False
        if found and (not sure or intent.name == found[-1].category
                      or any(m.category == intent.name for m in found)):
            found[-1] = Matter(f"{found[-1].text}，{clause}", found[-1].category,
                               found[-1].confidence)
        elif sure:
            found.append(Matter(content, intent.name, float(intent.confidence)))
        elif not found:
            # Words before the first matter ("你好，") belong to it.
            found.append(Matter(clause, "", 0.0))
    if found and not found[0].category:
        head = found.pop(0)
        if found:
            first = found[0]
            found[0] = Matter(f"{head.text}，{first.text}", first.category, first.confidence)
    return found
