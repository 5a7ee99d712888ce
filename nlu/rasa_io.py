"""Read and write Rasa 3.x NLU training data (YAML, and Rasa's older JSON layout).

Accepts what ``rasa data validate`` accepts: a ``version:`` key, ``nlu:`` items of kind
``intent`` / ``synonym`` / ``regex`` / ``lookup``, examples as a ``|`` block of ``- ``
lines or as a list of ``{text, metadata}`` mappings, entity annotations written as
``[span](entity)``, ``[span](entity:value)``, ``[span]{"entity": .., "value": ..}`` or
``[span][{..}, {..}]``. Files without an ``nlu:`` key (stories, catalog, domain) are
skipped when a directory is read; a domain file's ``entities:`` are remembered for validation.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import yaml

from nlu import strings
from nlu.data import EntityAnnotation, Example, RegexFeature, TrainingData
from nlu.errors import NLUError

YAML_SUFFIXES = (".yml", ".yaml")
RASA_VERSION = "3.1"

_ENTITY_RE = re.compile(
    r"\[(?P<text>[^\]]+?)\]"
    r"(?:\((?P<entity>[^:)]+?)(?::(?P<value>[^)]+))?\)"
    r"|(?P<dict>\{[^}]+?\})"
    r"|(?P<list>\[\s*\{.*?\}\s*\]))"
)


class NLUDataError(NLUError):
    """A training data file cannot be read; the message names the file and the problem."""

    code = "nlu_data_error"

    def __init__(self, problem: DataProblem) -> None:
        super().__init__(str(problem))
        self.problem = problem


@dataclass(frozen=True, slots=True)
class DataProblem:
    """One thing wrong with the training data, for ``minsheng nlu validate``."""

    level: str  # "error" | "warning"
    code: str  # a key of nlu.strings.PROBLEMS
    location: str = ""
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def message(self) -> str:
        return strings.PROBLEMS[self.code].format(**self.params)

    def __str__(self) -> str:
        where = f"{self.location}: " if self.location else ""
        return f"[{strings.LEVELS[self.level]}] {where}{self.message} ({self.code})"


class _Yaml12Loader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 booleans, as Rasa's ruamel reader has: ``no`` stays a string."""


_Yaml12Loader.yaml_implicit_resolvers = {
    key: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Yaml12Loader.add_implicit_resolver(  # type: ignore[no-untyped-call]
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


# --------------------------------------------------------------------------- annotations


def parse_annotated(annotated: str) -> tuple[str, tuple[EntityAnnotation, ...]]:
    """Strip entity markup from one example, returning the plain text and its entities."""
    plain: list[str] = []
    entities: list[EntityAnnotation] = []
    cursor = 0
    length = 0
    for match in _ENTITY_RE.finditer(annotated):
        before = annotated[cursor : match.start()]
        plain.append(before)
        length += len(before)
        span = match.group("text")
        start, end = length, length + len(span)
        for spec in _entity_specs(match):
            entities.append(
                EntityAnnotation(
                    entity=str(spec["entity"]),
                    start=start,
                    end=end,
                    value=str(spec.get("value", span)),
                    role=_opt_str(spec.get("role")),
                    group=_opt_str(spec.get("group")),
                )
            )
        plain.append(span)
        length = end
        cursor = match.end()
    plain.append(annotated[cursor:])
    return "".join(plain), tuple(entities)


def _opt_str(value: object) -> str | None:
    return None if value is None else str(value)


def _entity_specs(match: re.Match[str]) -> list[dict[str, Any]]:
    if match.group("entity") is not None:
        spec: dict[str, Any] = {"entity": match.group("entity").strip()}
        if match.group("value"):
            spec["value"] = match.group("value").strip()
        return [spec]
    raw = match.group("dict") or match.group("list")
    try:
        loaded = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise NLUDataError(DataProblem("error", "annotation", params={"detail": raw})) from exc
    specs = loaded if isinstance(loaded, list) else [loaded]
    for spec in specs:
        if not isinstance(spec, dict) or "entity" not in spec:
            raise NLUDataError(DataProblem("error", "annotation_key", params={"detail": raw}))
    return specs


def annotate(example: Example) -> str:
    """Write an example back with inline entity markup (the inverse of parse_annotated)."""
    by_span: dict[tuple[int, int], list[EntityAnnotation]] = {}
    for ent in example.entities:
        by_span.setdefault((ent.start, ent.end), []).append(ent)
    out: list[str] = []
    cursor = 0
    for (start, end), ents in sorted(by_span.items()):
        if start < cursor:  # overlapping spans cannot be written inline; keep the first
            continue
        span = example.text[start:end]
        out.append(example.text[cursor:start])
        out.append(f"[{span}]{_markup(span, ents)}")
        cursor = end
    out.append(example.text[cursor:])
    return "".join(out)


def _markup(span: str, ents: list[EntityAnnotation]) -> str:
    def spec(ent: EntityAnnotation) -> dict[str, str]:
        body = {"entity": ent.entity}
        if ent.value != span:
            body["value"] = ent.value
        if ent.role is not None:
            body["role"] = ent.role
        if ent.group is not None:
            body["group"] = ent.group
        return body

    if len(ents) == 1:
        body = spec(ents[0])
        if list(body) == ["entity"]:
            return f"({ents[0].entity})"
        return json.dumps(body, ensure_ascii=False)
    return json.dumps([spec(e) for e in ents], ensure_ascii=False)


# --------------------------------------------------------------------------- reading


class _Reader:
    """Collects problems while reading; raises on the first one unless collecting."""

    def __init__(self, problems: list[DataProblem] | None) -> None:
        self.problems = problems

    def fail(self, code: str, location: str, **params: Any) -> None:
        problem = DataProblem("error", code, location, params)
        if self.problems is None:
            raise NLUDataError(problem)
        self.problems.append(problem)

    def warn(self, code: str, location: str, **params: Any) -> None:
        if self.problems is not None:
            self.problems.append(DataProblem("warning", code, location, params))

    def read_document(self, doc: Any, location: str) -> TrainingData:
        data = TrainingData()
        if not isinstance(doc, dict):
            self.fail("not_mapping", location)
            return data
        if "rasa_nlu_data" in doc:
            return self.read_json_layout(doc["rasa_nlu_data"], location)
        if "entities" in doc and "nlu" not in doc:
            data.domain_found = True
            data.declared_entities = set(_domain_entities(doc["entities"]))
            return data
        items = doc.get("nlu")
        if items is None:
            return data
        if not isinstance(items, list):
            self.fail("nlu_not_list", location)
            return data
        for index, item in enumerate(items):
            self.read_item(item, data, location, f"{location} nlu[{index}]")
        return data

    def read_item(self, item: Any, data: TrainingData, location: str, where: str) -> None:
        if not isinstance(item, dict):
            self.fail("item_not_mapping", where)
            return
        kinds = [k for k in ("intent", "synonym", "regex", "lookup") if k in item]
        if len(kinds) != 1:
            self.fail("item_kind", where)
            return
        kind = kinds[0]
        name = item[kind]
        if not isinstance(name, str | int | float) or not str(name).strip():
            self.fail("empty_name", where, kind=kind)
            return
        name = str(name).strip()
        unknown = set(item) - {kind, "examples", "metadata"}
        if unknown:
            self.warn("unknown_keys", where, keys=", ".join(sorted(unknown)))
        if "examples" not in item:
            self.fail("no_examples", where, kind=kind, name=name)
            return
        lines = self.example_lines(item["examples"], f"{where} ({kind} {name})")
        if kind == "intent":
            if isinstance(item.get("metadata"), dict):
                data.intent_metadata[name] = dict(item["metadata"])
            for text, meta in lines:
                try:
                    plain, ents = parse_annotated(text)
                except NLUDataError as exc:
                    self.fail(exc.problem.code, where, **exc.problem.params)
                    continue
                if not plain.strip():
                    self.fail("empty_example", where, name=name)
                    continue
                data.examples.append(Example(plain, name, ents, meta, location))
        elif kind == "synonym":
            for text, _ in lines:
                data.synonyms[text] = name
        elif kind == "regex":
            for text, _ in lines:
                try:
                    re.compile(text)
                except re.error as exc:
                    self.fail("regex", where, name=name, detail=str(exc))
                    continue
                data.regexes.append(RegexFeature(name, text))
        else:
            data.lookups.setdefault(name, []).extend(text for text, _ in lines)

    def example_lines(self, examples: Any, where: str) -> list[tuple[str, dict[str, Any] | None]]:
        if isinstance(examples, str):
            out: list[tuple[str, dict[str, Any] | None]] = []
            for raw in examples.splitlines():
                line = raw.strip()
                if not line:
                    continue
                if not line.startswith("-"):
                    self.warn("bad_line", where, line=line)
                    continue
                text = line[1:].strip()
                if text:
                    out.append((text, None))
            return out
        if isinstance(examples, list):
            out = []
            for entry in examples:
                if isinstance(entry, dict) and "text" in entry:
                    meta = entry.get("metadata")
                    out.append(
                        (str(entry["text"]).strip(), meta if isinstance(meta, dict) else None)
                    )
                elif isinstance(entry, str | int | float):
                    out.append((str(entry).strip(), None))
                else:
                    self.fail("bad_example", where)
            return [(t, m) for t, m in out if t]
        self.fail("examples_type", where)
        return []

    def read_json_layout(self, body: Any, location: str) -> TrainingData:
        data = TrainingData()
        if not isinstance(body, dict):
            self.fail("json_not_mapping", location)
            return data
        for index, ex in enumerate(body.get("common_examples", [])):
            where = f"{location} common_examples[{index}]"
            if not isinstance(ex, dict) or "text" not in ex or "intent" not in ex:
                self.fail("json_example", where)
                continue
            text = str(ex["text"])
            ents = tuple(
                EntityAnnotation(
                    str(e["entity"]),
                    int(e["start"]),
                    int(e["end"]),
                    str(e.get("value", text[int(e["start"]) : int(e["end"])])),
                    _opt_str(e.get("role")),
                    _opt_str(e.get("group")),
                )
                for e in ex.get("entities", []) or []
            )
            data.examples.append(Example(text, str(ex["intent"]), ents, None, location))
        for feature in body.get("regex_features", []):
            data.regexes.append(RegexFeature(str(feature["name"]), str(feature["pattern"])))
        for table in body.get("lookup_tables", []):
            elements = table.get("elements", [])
            if isinstance(elements, list):
                data.lookups.setdefault(str(table["name"]), []).extend(map(str, elements))
        for syn in body.get("entity_synonyms", []):
            for variant in syn.get("synonyms", []):
                data.synonyms[str(variant)] = str(syn["value"])
        return data


def _domain_entities(entities: Any) -> Iterable[str]:
    if not isinstance(entities, list):
        return []
    names: list[str] = []
    for entry in entities:
        if isinstance(entry, str):
            names.append(entry)
        elif isinstance(entry, dict):
            names.extend(str(k) for k in entry)
    return names


def _files_in(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(
            p
            for p in path.rglob("*")
            if p.is_file() and p.suffix in (*YAML_SUFFIXES, ".json") and not p.name.startswith(".")
        )
    if not path.exists():
        raise NLUDataError(DataProblem("error", "missing", str(path)))
    return [path]


def _looks_like_nlu(text: str, suffix: str) -> bool:
    """Cheap test so a directory's other YAML (catalog, flows) is never parsed as NLU."""
    if suffix == ".json":
        return '"rasa_nlu_data"' in text
    return re.search(r"^(nlu|entities)\s*:", text, re.MULTILINE) is not None


def read_text(
    text: str,
    location: str = "<string>",
    problems: list[DataProblem] | None = None,
    *,
    suffix: str = ".yml",
) -> TrainingData:
    """Parse the content of one file."""
    reader = _Reader(problems)
    try:
        doc = json.loads(text) if suffix == ".json" else yaml.load(text, Loader=_Yaml12Loader)
    except (yaml.YAMLError, json.JSONDecodeError) as exc:
        reader.fail("syntax", location, detail=" ".join(str(exc).split()))
        return TrainingData()
    return reader.read_document(doc, location)


def load_data(
    paths: str | Path | Sequence[str | Path], problems: list[DataProblem] | None = None
) -> TrainingData:
    """Read every NLU file in ``paths`` (files or directories) into one TrainingData.

    With ``problems`` given, schema errors are appended there and reading goes on
    (``minsheng nlu validate``); without it the first error raises :class:`NLUDataError`.
    """
    items = [paths] if isinstance(paths, str | Path) else list(paths)
    data = TrainingData()
    for item in items:
        root = Path(item)
        explicit = root.is_file()
        try:
            files = _files_in(root)
        except NLUDataError as exc:
            if problems is None:
                raise
            problems.append(exc.problem)
            continue
        for file in files:
            try:
                text = file.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                _Reader(problems).fail("io", str(file), detail=str(exc))
                continue
            if not explicit and not _looks_like_nlu(text, file.suffix):
                continue
            data = data.merge(read_text(text, str(file), problems, suffix=file.suffix))
    return data


# --------------------------------------------------------------------------- writing


class _LiteralDumper(yaml.SafeDumper):
    """Writes multi-line strings as ``|`` blocks, the way trainers are used to seeing them."""


def _str_representer(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_LiteralDumper.add_representer(str, _str_representer)


def _block(lines: Iterable[str]) -> str:
    return "".join(f"- {line}\n" for line in lines)


def to_document(data: TrainingData) -> dict[str, Any]:
    """The Rasa 3.x YAML document for ``data`` (as plain Python objects)."""
    nlu: list[dict[str, Any]] = []
    grouped: dict[str, list[Example]] = {}
    for ex in data.examples:
        grouped.setdefault(ex.intent, []).append(ex)
    for intent, examples in grouped.items():
        item: dict[str, Any] = {"intent": intent}
        if intent in data.intent_metadata:
            item["metadata"] = data.intent_metadata[intent]
        if any(ex.metadata for ex in examples):
            item["examples"] = [
                {"text": annotate(ex), **({"metadata": ex.metadata} if ex.metadata else {})}
                for ex in examples
            ]
        else:
            item["examples"] = _block(annotate(ex) for ex in examples)
        nlu.append(item)
    by_canonical: dict[str, list[str]] = {}
    for variant, canonical in data.synonyms.items():
        by_canonical.setdefault(canonical, []).append(variant)
    nlu.extend({"synonym": c, "examples": _block(v)} for c, v in by_canonical.items())
    by_name: dict[str, list[str]] = {}
    for regex in data.regexes:
        by_name.setdefault(regex.name, []).append(regex.pattern)
    nlu.extend({"regex": n, "examples": _block(p)} for n, p in by_name.items())
    nlu.extend({"lookup": n, "examples": _block(v)} for n, v in data.lookups.items())
    return {"version": RASA_VERSION, "nlu": nlu}


def dump_yaml(data: TrainingData, stream: TextIO | None = None) -> str | None:
    """Serialise ``data`` as Rasa 3.x YAML (to ``stream``, or returned as a string)."""
    text: str | None = yaml.dump(
        to_document(data),
        stream,
        Dumper=_LiteralDumper,
        allow_unicode=True,
        sort_keys=False,
        width=1000,
    )
    return text


def write_yaml(data: TrainingData, path: str | Path) -> None:
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(dump_yaml(data) or "", encoding="utf-8")
