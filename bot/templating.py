"""Jinja environments for the server-rendered pages (door plates, console, chat page)."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape


def page_templates(folder: Path) -> Environment:
    """HTML templates in ``folder``, autoescaped, with tidy whitespace around blocks."""
    return Environment(
        loader=FileSystemLoader(folder),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
