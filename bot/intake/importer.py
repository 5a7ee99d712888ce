"""Reading a 12345 export (CSV or Excel) row by row into :class:`~bot.intake.orders.Order`.

Hotline systems export work orders with Chinese column headers that vary a little between
vendors (工单编号 or 工单号, 受理时间 or 来电时间 ...), sometimes under a title row, in UTF-8
(with or without a BOM) or GB18030 when Excel on a Chinese Windows saved it. Rows are
yielded one at a time with the row number a person sees in Excel, so a file of 100,000
orders is never held in memory and a bad row can be named.
"""

from __future__ import annotations

import codecs
import csv
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.intake import texts
from bot.intake.orders import Order, OrderRejected, order_from_fields

#: Field → the column headers that mean it, most common first (compared without spaces,
#: asterisks or brackets).
COLUMNS: dict[str, tuple[str, ...]] = {
    "source_number": ("工单编号", "工单号", "工单流水号", "受理编号", "编号"),
    "received_at": ("受理时间", "来电时间", "登记时间", "创建时间", "诉求时间"),
    "caller_name": ("来电人", "联系人", "姓名", "来电人姓名", "诉求人", "反映人"),
    "caller_phone": ("联系电话", "来电号码", "电话", "联系方式", "手机号码", "来电人电话"),
    "text": ("诉求内容", "问题描述", "来电内容", "工单内容", "诉求描述", "反映内容"),
    "address": ("事发地址", "诉求地址", "地址", "事发地点", "发生地址", "问题地址"),
    "category": ("诉求类型", "问题分类", "业务类别", "诉求分类", "问题类型", "工单类型"),
}
REQUIRED = ("source_number", "text", "address")
#: Rows looked at for the header (a title row or two may come first).
HEADER_SEARCH_ROWS = 10

_HEADER_NOISE = re.compile(r"[\s*＊()（）\[\]【】:：\ufeff]")
_CHUNK = 1 << 20


class ImportFileError(Exception):
    """The file cannot be read as an export at all (message in Chinese)."""


@dataclass(frozen=True, slots=True)
class Row:
    """One data row: its number as Excel shows it, and the order or why there is none."""

    line: int
    order: Order | None = None
    error: OrderRejected | None = None


def _norm(header: object) -> str:
    return _HEADER_NOISE.sub("", str(header or ""))


def header_map(cells: Sequence[object]) -> dict[str, int] | None:
    """Field → column index, when ``cells`` is a header row with the required columns."""
    names = [_norm(c) for c in cells]
    found: dict[str, int] = {}
    for field, aliases in COLUMNS.items():
        for alias in aliases:
            if alias in names:
                found[field] = names.index(alias)
                break
    return found if all(f in found for f in REQUIRED) else None


def detect_encoding(path: Path) -> str:
    """``utf-8-sig`` when the whole file decodes as UTF-8 (BOM or not), else ``gb18030``.

    Decoded incrementally, a chunk at a time: a big export is not read into memory.
    """
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(_CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return "gb18030"
    return "utf-8-sig"


def _csv_rows(path: Path) -> Iterator[list[object]]:
    encoding = detect_encoding(path)
    with path.open("r", encoding=encoding, newline="") as handle:
        sample = handle.read(64 * 1024)
        handle.seek(0)
        try:
            dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, ",\t;")
        except csv.Error:
            dialect = csv.excel
        yield from csv.reader(handle, dialect)


def _xlsx_rows(path: Path) -> Iterator[list[object]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several kinds for a file that is not xlsx
        raise ImportFileError(
            texts.IMPORT_BAD_FILE.format(path=path.name, reason=type(exc).__name__)
        ) from exc
    try:
        sheet = book.worksheets[0]
        for values in sheet.iter_rows(values_only=True):
            yield list(values)
    finally:
        book.close()


def raw_rows(path: Path) -> Iterator[list[object]]:
    suffix = path.suffix.lower()
    if suffix in {".csv", ".txt"}:
        return _csv_rows(path)
    if suffix in {".xlsx", ".xlsm"}:
        return _xlsx_rows(path)
    raise ImportFileError(texts.IMPORT_UNSUPPORTED.format(suffix=suffix or "?"))


def _blank(cells: Sequence[object]) -> bool:
    return all(c is None or (isinstance(c, str) and not c.strip()) for c in cells)


def read_orders(path: Path) -> Iterator[Row]:
    """Every data row of the export, in order, as an order or the reason it is not one.

    Raises:
        ImportFileError: unreadable file, unsupported type, or no header row found.
    """
    rows = raw_rows(path)
    columns: dict[str, int] | None = None
    seen: list[str] = []
    line = 0
    try:
        for line, cells in enumerate(rows, start=1):
            if _blank(cells):
                continue
            columns = header_map(cells)
            if columns is not None:
                break
            seen = [str(c) for c in cells if c not in (None, "")]
            if line >= HEADER_SEARCH_ROWS:
                break
        if columns is None:
            raise ImportFileError(
                texts.IMPORT_NO_HEADER.format(line=max(line, 1), columns="、".join(seen[:12]))
            )
        header_line = line
        for number, cells in enumerate(rows, start=header_line + 1):
            if _blank(cells):
                continue
            fields = {
                field: cells[index] if index < len(cells) else None
                for field, index in columns.items()
            }
            try:
                yield Row(number, order=order_from_fields(fields))
            except OrderRejected as exc:
                yield Row(number, error=exc)
    except (UnicodeDecodeError, csv.Error, OSError) as exc:
        raise ImportFileError(
            texts.IMPORT_BAD_FILE.format(path=path.name, reason=f"{type(exc).__name__}: {exc}")
        ) from exc


__all__ = ["COLUMNS", "ImportFileError", "Row", "detect_encoding", "header_map", "read_orders"]
