"""YAML loading that remembers line numbers, so a trainer's mistake points at its line.

PyYAML's safe loader forgets where a mapping came from once it is a dict. We keep the
(1-based) line of every mapping in a :class:`LineDict` so validation errors can say
``flows/report_issue.yml:42: unknown response 'ask_adress'``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from yaml.nodes import MappingNode

from bot.errors import FlowError
from flows._problems import problem


class LineDict(dict[str, Any]):
    """A mapping that knows the line it started on, and the line of each key."""

    line: int = 0
    key_lines: dict[str, int]

    def line_of_key(self, key: str) -> int:
        lines: dict[str, int] = getattr(self, "key_lines", {})
        return lines.get(key, self.line)


# libyaml's parser is several times faster and keeps the same marks; pure Python otherwise.
if TYPE_CHECKING:
    _SafeBase = yaml.SafeLoader
else:
    _SafeBase = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _LineLoader(_SafeBase):
    """Safe loader whose mappings are :class:`LineDict` carrying their start line."""


def _construct_mapping(loader: _LineLoader, node: MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    result = LineDict()
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)  # type: ignore[no-untyped-call]
        if key in result:
            raise problem("duplicate_key", line=key_node.start_mark.line + 1, key=key)
        result[key] = loader.construct_object(value_node, deep=True)  # type: ignore[no-untyped-call]
        result.key_lines[str(key)] = key_node.start_mark.line + 1
    return result


_LineLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
    _construct_mapping,
)


def load_yaml(path: Path) -> Any:
    """Parse one YAML file; syntax errors become :class:`FlowError` naming file and line."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise problem("cannot_read", str(path), detail=exc) from exc
    try:
        return yaml.load(text, Loader=_LineLoader)
    except FlowError as exc:
        raise FlowError(f"{path}: {exc}") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}" if mark is not None else ""
        raise problem("yaml_syntax", f"{path}{where}", detail=exc) from exc


def line_of(value: object, key: str | None = None) -> int:
    """The line a mapping (or one of its keys) is on; 0 when unknown (lists, scalars)."""
    if not isinstance(value, LineDict):
        return 0
    return value.line_of_key(key) if key is not None else value.line
