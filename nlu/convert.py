"""Rasa YAML <-> a flat ``text,intent`` CSV, for annotators who work in a spreadsheet.

Each CSV row is one example; entity annotations travel inside ``text`` in Rasa's inline
markup (``[锦园小区](community)``), so a spreadsheet round trip keeps them. Synonyms, regex
features and lookup tables have no row form: writing a CSV reports how many were left out.

Excel saves "CSV" in the machine's ANSI code page, GB18030 on a Chinese Windows, or as
UTF-8 with a byte-order mark; both are read. Every bad row is reported with its line number
(as the spreadsheet shows it) before anything is written.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from nlu.data import Example, TrainingData
from nlu.rasa_io import DataProblem, NLUDataError, annotate, dump_yaml, parse_annotated

# Header names accepted for the two columns (a Chinese sheet may say 例句 / 意图).
TEXT_HEADERS = ("text", "例句", "文本")
INTENT_HEADERS = ("intent", "意图")
# Tried in order; UTF-8 first because GB18030 decodes almost any byte string.
INPUT_ENCODINGS = ("utf-8-sig", "gb18030")
# UTF-8 with a BOM is what Excel needs to open a UTF-8 CSV without garbling Chinese.
DEFAULT_OUTPUT_ENCODING = "utf-8-sig"


@dataclass(frozen=True, slots=True)
class CsvReport:
    """What a conversion did: rows written and the items a CSV cannot hold."""

    examples: int
    dropped_synonyms: int = 0
    dropped_regexes: int = 0
    dropped_lookups: int = 0
    dropped_metadata: int = 0


def decode(raw: bytes, location: str) -> str:
    """The text of a CSV file saved by Excel (GB18030) or any UTF-8 tool."""
    for encoding in INPUT_ENCODINGS:
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise NLUDataError(DataProblem("error", "csv_encoding", location))


def _column(header: list[str], names: Sequence[str]) -> int | None:
    folded = [h.strip().lower() for h in header]
    for name in names:
        if name in folded:
            return folded.index(name)
    return None


def read_csv_text(text: str, location: str = "<csv>") -> TrainingData:
    """Examples from CSV text; raises :class:`NLUDataError` listing every bad line."""
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    text_col = _column(header or [], TEXT_HEADERS)
    intent_col = _column(header or [], INTENT_HEADERS)
    if header is None or text_col is None or intent_col is None:
        shown = ",".join(header or [])
        raise NLUDataError(DataProblem("error", "csv_header", location, {"header": shown}))
    data = TrainingData()
    problems: list[DataProblem] = []
    last_line = reader.line_num
    for row in reader:
        # line_num is the physical line where the record ends; it starts one after the
        # previous record (a quoted cell may span lines).
        line, last_line = last_line + 1, reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        cell_text = row[text_col].strip() if text_col < len(row) else ""
        intent = row[intent_col].strip() if intent_col < len(row) else ""
        detail = None
        if not cell_text:
            detail = "缺少例句(text 列为空)"
        elif not intent:
            detail = "缺少意图(intent 列为空)"
        else:
            try:
                plain, entities = parse_annotated(cell_text)
            except NLUDataError as exc:
                detail = exc.problem.message
            else:
                if not plain.strip():
                    detail = "例句去掉实体标注后为空"
                else:
                    data.examples.append(Example(plain, intent, entities, None, location))
        if detail is not None:
            problems.append(
                DataProblem("error", "csv_row", location, {"line": line, "detail": detail})
            )
    if problems:
        raise CsvErrors(problems)
    return data


class CsvErrors(NLUDataError):
    """Several bad rows; ``problems`` has one entry per row, in file order."""

    def __init__(self, problems: list[DataProblem]) -> None:
        super().__init__(problems[0])
        self.problems = problems
        self.args = ("\n".join(str(p) for p in problems),)


def read_csv(path: str | Path) -> TrainingData:
    file = Path(path)
    try:
        raw = file.read_bytes()
    except OSError as exc:
        raise NLUDataError(DataProblem("error", "io", str(file), {"detail": str(exc)})) from exc
    return read_csv_text(decode(raw, str(file)), str(file))


def to_csv_text(data: TrainingData) -> tuple[str, CsvReport]:
    """CSV text (header ``text,intent``) and what had to be left out."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")  # Excel's own line ending
    writer.writerow(["text", "intent"])
    for example in data.examples:
        writer.writerow([annotate(example), example.intent])
    report = CsvReport(
        examples=len(data.examples),
        dropped_synonyms=len(data.synonyms),
        dropped_regexes=len(data.regexes),
        dropped_lookups=len(data.lookups),
        dropped_metadata=sum(1 for e in data.examples if e.metadata) + len(data.intent_metadata),
    )
    return out.getvalue(), report


def write_csv(
    data: TrainingData, path: str | Path, *, encoding: str = DEFAULT_OUTPUT_ENCODING
) -> CsvReport:
    text, report = to_csv_text(data)
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(text.encode(encoding))
    return report


def csv_to_yaml(source: str | Path, target: str | Path) -> int:
    """Convert a CSV to a Rasa ``nlu.yml``; returns the number of examples."""
    data = read_csv(source)
    out = Path(target)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(dump_yaml(data) or "", encoding="utf-8")
    return len(data.examples)
