"""The briefing's headings and labels in each language, read from strings.json (package data),
so that a translator edits one data file and never the code."""

from __future__ import annotations

import json
from functools import cache
from importlib.resources import files

from kzby_kg.languages import LANGUAGES, check_language

__all__ = ["LANGUAGES", "strings"]


@cache
def _table() -> dict[str, dict[str, str]]:
    text = files("kzby_kg.report").joinpath("strings.json").read_text(encoding="utf-8")
    table: dict[str, dict[str, str]] = json.loads(text)
    return table


def strings(lang: str) -> dict[str, str]:
    """Every UI string in ``lang``.

    >>> strings("kk")["trade"]
    'Сауда'

    :raises UsageError: for a language the briefing is not written in.
    """
    check_language(lang)
    return {key: values[lang] for key, values in _table().items()}
