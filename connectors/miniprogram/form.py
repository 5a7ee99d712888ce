"""Reading the report form (``POST /mp/tickets``, multipart/form-data) safely.

Text fields are small and must be UTF-8; file parts are ``photo`` (up to 9), ``video`` and
``voice`` (one each). Every file is read only up to the upload limit, and its real type is
sniffed from its bytes (the declared one is the client's guess) and must fit its field.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from aiohttp import BodyPartReader, MultipartReader
from aiohttp.http_exceptions import HttpProcessingError

from bot.messages import MediaKind
from connectors.web.media import SniffedType, sniff

__all__ = ["FILE_FIELDS", "FormError", "ReportForm", "read_form"]

#: File field -> (accepted kind, how many at most).
FILE_FIELDS: dict[str, tuple[MediaKind, int]] = {
    "photo": (MediaKind.IMAGE, 9),
    "video": (MediaKind.VIDEO, 1),
    "voice": (MediaKind.VOICE, 1),
}
TEXT_FIELDS = frozenset(
    {"client_request_id", "text", "building_code", "address", "category", "confirm",
     "unit", "room"}
)
_MAX_TEXT_FIELD = 8 * 1024


class FormError(Exception):
    """A form we refuse: HTTP status, error code and the message's fields."""

    def __init__(self, status: int, code: str, **fmt: object) -> None:
        super().__init__(code)
        self.status = status
        self.code = code
        self.fmt = fmt


@dataclass(frozen=True, slots=True)
class UploadedFile:
    field: str
    data: bytes
    sniffed: SniffedType


@dataclass(slots=True)
class ReportForm:
    values: dict[str, str] = field(default_factory=dict)
    files: list[UploadedFile] = field(default_factory=list)

    def get(self, name: str) -> str:
        return self.values.get(name, "").strip()


async def _read_limited(part: BodyPartReader, limit: int) -> bytearray:
    data = bytearray()
    while chunk := await part.read_chunk(64 * 1024):
        data.extend(chunk)
        if len(data) > limit:
            break
    return data


async def read_form(reader: MultipartReader, file_limit: int) -> ReportForm:
    """The form's fields and sniffed files. Raises FormError."""
    form = ReportForm()
    counts: dict[str, int] = {}
    try:
        while (part := await reader.next()) is not None:
            if not isinstance(part, BodyPartReader):
                raise FormError(400, "bad_multipart")  # a nested multipart: not a form
            name = part.name or ""
            if part.filename is None and name in TEXT_FIELDS:
                raw = await _read_limited(part, _MAX_TEXT_FIELD)
                if len(raw) > _MAX_TEXT_FIELD:
                    raise FormError(400, "bad_field", field=name)
                try:
                    form.values[name] = raw.decode("utf-8")
                except UnicodeDecodeError:
                    raise FormError(400, "bad_field", field=name) from None
                continue
            if name not in FILE_FIELDS:
                raise FormError(400, "bad_field", field=name or "?")
            kind, most = FILE_FIELDS[name]
            counts[name] = counts.get(name, 0) + 1
            if counts[name] > most:
                raise FormError(400, "too_many_files")
            data = await _read_limited(part, file_limit)
            if len(data) > file_limit:
                raise FormError(413, "file_too_large", limit=round(file_limit / 1024 / 1024, 1))
            if not data:
                raise FormError(400, "empty_file")
            sniffed = sniff(bytes(data[:64]))
            if sniffed is None or sniffed.kind is not kind:
                raise FormError(415, "wrong_type", field=name)
            form.files.append(UploadedFile(name, bytes(data), sniffed))
    except (ValueError, AssertionError, HttpProcessingError):
        # aiohttp's reader raises these on a body that is not well-formed multipart.
        raise FormError(400, "bad_multipart") from None
    return form
