"""Read and write a Rasa 3.x domain (``domain.yml``), responses first, nothing lost.

A trainer who brings a Rasa assistant brings its domain: intents, entities (with roles and
groups), slots with their mappings, ``responses`` (variations with text, buttons, images,
custom payloads, channel and conditions), forms, actions and the session config. minsheng
reads the responses (the sentences a resident would read) as typed
:class:`ResponseVariation` objects and keeps every other key as it was written, so
``dump_domain(load_domain(f))`` declares the same domain as ``f`` and a second round trip
gives the same text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from nlu.rasa_io import (
    RASA_VERSION,
    YAML_SUFFIXES,
    DataProblem,
    NLUDataError,
    _LiteralDumper,
    _Yaml12Loader,
)

# Keys of a response variation Rasa documents; anything else is kept in ``extra``.
_VARIATION_KEYS = ("text", "buttons", "image", "custom", "attachment", "channel", "condition")
# Keys written in this order at the top of a domain file, the order Rasa's docs use.
_DOMAIN_ORDER = (
    "version",
    "intents",
    "entities",
    "slots",
    "responses",
    "forms",
    "actions",
    "session_config",
)


@dataclass(frozen=True, slots=True)
class Button:
    """A quick reply: the resident sees ``title``; ``payload`` is sent back (``/intent{..}``)."""

    title: str
    payload: str
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"title": self.title, "payload": self.payload, **self.extra}


@dataclass(frozen=True, slots=True)
class ResponseVariation:
    """One variation of a response; Rasa picks among those whose condition holds."""

    text: str | None = None
    buttons: tuple[Button, ...] = ()
    image: str | None = None
    custom: Any = None
    attachment: Any = None
    channel: str | None = None
    condition: Any = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.text is not None:
            out["text"] = self.text
        if self.buttons:
            out["buttons"] = [b.to_dict() for b in self.buttons]
        for key in ("image", "custom", "attachment", "channel", "condition"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        out.update(self.extra)
        return out


@dataclass(slots=True)
class RasaDomain:
    """A domain: typed responses, every other top-level key kept verbatim."""

    version: str = RASA_VERSION
    responses: dict[str, list[ResponseVariation]] = field(default_factory=dict)
    other: dict[str, Any] = field(default_factory=dict)

    @property
    def intents(self) -> list[str]:
        return _names(self.other.get("intents"))

    @property
    def entities(self) -> list[str]:
        return _names(self.other.get("entities"))

    @property
    def actions(self) -> list[str]:
        return _names(self.other.get("actions"))

    def merge(self, other: RasaDomain) -> RasaDomain:
        """Both domains as one (as Rasa merges a directory of domain files): lists are
        concatenated without repeats, mappings joined, later responses win."""
        merged = dict(self.other)
        for key, value in other.other.items():
            mine = merged.get(key)
            if isinstance(mine, list) and isinstance(value, list):
                merged[key] = mine + [v for v in value if v not in mine]
            elif isinstance(mine, dict) and isinstance(value, dict):
                merged[key] = {**mine, **value}
            else:
                merged[key] = value
        return RasaDomain(
            version=other.version or self.version,
            responses={**self.responses, **other.responses},
            other=merged,
        )


def _names(entries: Any) -> list[str]:
    if not isinstance(entries, list):
        return []
    names: list[str] = []
    for entry in entries:
        if isinstance(entry, dict):
            names.extend(str(k) for k in entry)
        else:
            names.append(str(entry))
    return names


def _fail(code: str, location: str, **params: Any) -> NLUDataError:
    return NLUDataError(DataProblem("error", code, location, params))


def _button(raw: Any, where: str) -> Button:
    if not isinstance(raw, dict) or "title" not in raw:
        raise _fail("domain_button", where)
    extra = {k: v for k, v in raw.items() if k not in ("title", "payload")}
    return Button(str(raw["title"]), str(raw.get("payload", "")), extra)


def _variation(raw: Any, where: str) -> ResponseVariation:
    if not isinstance(raw, dict) or not raw:
        raise _fail("domain_variation", where)
    buttons = raw.get("buttons") or []
    if not isinstance(buttons, list):
        raise _fail("domain_button", where)
    text = raw.get("text")
    return ResponseVariation(
        text=None if text is None else str(text),
        buttons=tuple(_button(b, f"{where} buttons[{i}]") for i, b in enumerate(buttons)),
        image=None if raw.get("image") is None else str(raw["image"]),
        custom=raw.get("custom"),
        attachment=raw.get("attachment"),
        channel=None if raw.get("channel") is None else str(raw["channel"]),
        condition=raw.get("condition"),
        extra={k: v for k, v in raw.items() if k not in _VARIATION_KEYS},
    )


def read_domain_text(text: str, location: str = "<string>") -> RasaDomain:
    """Parse one domain file's content; raises :class:`NLUDataError` naming the place."""
    try:
        doc = yaml.load(text, Loader=_Yaml12Loader)
    except yaml.YAMLError as exc:
        raise _fail("syntax", location, detail=" ".join(str(exc).split())) from exc
    if doc is None:
        return RasaDomain()
    if not isinstance(doc, dict):
        raise _fail("not_mapping", location)
    raw_responses = doc.get("responses") or {}
    if not isinstance(raw_responses, dict):
        raise _fail("domain_responses", location)
    responses: dict[str, list[ResponseVariation]] = {}
    for name, variations in raw_responses.items():
        where = f"{location} responses.{name}"
        if not isinstance(variations, list) or not variations:
            raise _fail("domain_variation", where)
        responses[str(name)] = [_variation(v, f"{where}[{i}]") for i, v in enumerate(variations)]
    other = {k: v for k, v in doc.items() if k not in ("version", "responses")}
    version = doc.get("version")
    return RasaDomain(
        version=RASA_VERSION if version is None else str(version),
        responses=responses,
        other=other,
    )


def _domain_files(path: Path) -> Iterable[Path]:
    if path.is_dir():
        for file in sorted(path.rglob("*")):
            if file.is_file() and file.suffix in YAML_SUFFIXES:
                text = file.read_text(encoding="utf-8")
                if re.search(r"^(responses|intents|slots|forms|actions)\s*:", text, re.M):
                    yield file
    elif path.exists():
        yield path
    else:
        raise _fail("missing", str(path))


def load_domain(paths: str | Path | Sequence[str | Path]) -> RasaDomain:
    """Read a domain file, or every domain file of a directory, into one domain."""
    items = [paths] if isinstance(paths, str | Path) else list(paths)
    domain: RasaDomain | None = None
    for item in items:
        for file in _domain_files(Path(item)):
            read = read_domain_text(file.read_text(encoding="utf-8"), str(file))
            domain = read if domain is None else domain.merge(read)
    return domain or RasaDomain()


def to_domain_document(domain: RasaDomain) -> dict[str, Any]:
    """The domain as plain Python objects, keys in Rasa's documented order."""
    body: dict[str, Any] = {"version": domain.version}
    body.update(domain.other)
    if domain.responses:
        body["responses"] = {
            name: [v.to_dict() for v in variations] for name, variations in domain.responses.items()
        }
    ordered = {k: body[k] for k in _DOMAIN_ORDER if k in body}
    ordered.update({k: v for k, v in body.items() if k not in ordered})
    return ordered


def dump_domain(domain: RasaDomain) -> str:
    """Serialise ``domain`` as Rasa 3.x YAML."""
    return yaml.dump(
        to_domain_document(domain),
        Dumper=_LiteralDumper,
        allow_unicode=True,
        sort_keys=False,
        width=1000,
    )


def write_domain(domain: RasaDomain, path: str | Path) -> None:
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(dump_domain(domain), encoding="utf-8")
