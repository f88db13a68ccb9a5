"""The stored-query catalogue: queries/*.rq with grlc headers, and their typed parameters.

Parameters follow grlc: ``?_name_type`` is required, ``?__name_type`` optional; the suffix gives
the type. A value the user passes is parsed into an RDF term of that type (or refused with a
message naming the parameter) and then *bound* to the variable by the backend; it is never
pasted into the query text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from rdflib import Literal, URIRef
from rdflib.namespace import XSD
from rdflib.term import Identifier

from .errors import UsageError
from .namespaces import PREFIXES
from .paths import ProjectPaths, find_root

__all__ = ["Parameter", "StoredQuery", "catalogue", "load_query", "parameter_name", "parse_value"]

_PARAM = re.compile(r"\?(__?)([A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)*)")
_TYPES = {
    "iri": "iri",
    "integer": "integer",
    "xsd_integer": "integer",
    "number": "decimal",
    "decimal": "decimal",
    "xsd_decimal": "decimal",
    "xsd_date": "date",
    "xsd_gYear": "year",
    "en": "lang:en",
    "ru": "lang:ru",
    "kk": "lang:kk",
}
# An IRI we are willing to bind: absolute, and free of characters SPARQL forbids inside <...>.
_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|^`\\]+$")


@dataclass(frozen=True)
class Parameter:
    """One parameter of a stored query."""

    name: str
    variable: str
    kind: str
    required: bool

    def describe(self) -> str:
        optional = "" if self.required else ", optional"
        return f"{self.name} ({self.kind}{optional})"


@dataclass
class StoredQuery:
    """A stored question: its SPARQL text and what its header says."""

    name: str
    path: Path
    text: str
    summary: str
    description: str = ""
    tags: list[str] = field(default_factory=list)
    defaults: dict[str, Any] = field(default_factory=dict)
    parameters: list[Parameter] = field(default_factory=list)

    @property
    def form(self) -> str:
        """SELECT, ASK, CONSTRUCT or DESCRIBE, read from the text after its prologue."""
        body = re.sub(r"(?m)^\s*(#.*|PREFIX\s+\S*\s*<[^>]*>|BASE\s*<[^>]*>)\s*$", "", self.text)
        match = re.search(r"\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", body, re.IGNORECASE)
        return match.group(1).upper() if match else "SELECT"

    def bindings(self, values: dict[str, Any]) -> dict[str, Identifier]:
        """Typed RDF terms for the given values, with defaults filled in.

        :raises UsageError: naming the parameter, for a missing, unknown or ill-typed value.
        """
        known = {p.name: p for p in self.parameters}
        unknown = sorted(set(values) - set(known))
        if unknown:
            expected = ", ".join(p.describe() for p in self.parameters) or "none"
            raise UsageError(
                f"query {self.name!r} has no parameter {unknown[0]!r}; parameters: {expected}"
            )
        bound: dict[str, Identifier] = {}
        for param in self.parameters:
            raw = values.get(param.name, self.defaults.get(param.name))
            if raw is None:
                if param.required:
                    raise UsageError(
                        f"query {self.name!r} needs parameter {param.name!r} ({param.kind})"
                    )
                continue
            bound[param.variable] = parse_value(param, raw)
        return bound


def parse_value(param: Parameter, raw: Any) -> Identifier:
    """Turn a user's value into an RDF term of the parameter's type, or refuse it.

    >>> parse_value(Parameter("year", "_year_integer", "integer", True), "2016")
    rdflib.term.Literal('2016', datatype=rdflib.term.URIRef('http://www.w3.org/2001/XMLSchema#integer'))
    """
    return _parse_text(param, str(raw).strip())


@lru_cache(maxsize=1024)
def _parse_text(param: Parameter, text: str) -> Identifier:
    """Cached on the text: making an rdflib Literal costs more than a small query on Oxigraph,
    and a stored query runs with the same defaults again and again. Terms are immutable."""

    def bad(why: str) -> UsageError:
        return UsageError(f"parameter {param.name!r}: {text!r} is not {why}")

    if param.kind == "iri":
        if ":" in text and not text.startswith(("http://", "https://", "urn:")):
            prefix, _, local = text.partition(":")
            if prefix in PREFIXES and re.fullmatch(r"[A-Za-z0-9_.-]*", local):
                text = str(PREFIXES[prefix]) + local
        if not _IRI.match(text) or not text.startswith(("http://", "https://", "urn:")):
            raise bad("an http(s) or urn IRI, or a CURIE with a known prefix (like kzd:belarus)")
        return URIRef(text)
    if param.kind == "integer":
        if not re.fullmatch(r"[+-]?\d{1,18}", text):
            raise bad("an integer")
        return Literal(int(text), datatype=XSD.integer)
    if param.kind == "decimal":
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise bad("a number") from None
        if not number.is_finite():
            raise bad("a finite number")
        return Literal(number, datatype=XSD.decimal)
    if param.kind == "date":
        try:
            day = date.fromisoformat(text)
        except ValueError:
            raise bad("a date like 2016-07-21") from None
        if len(text) != 10:
            raise bad("a date like 2016-07-21")
        return Literal(day.isoformat(), datatype=XSD.date)
    if param.kind == "year":
        if not re.fullmatch(r"\d{4}", text):
            raise bad("a year like 2016")
        return Literal(text, datatype=XSD.gYear)
    if param.kind.startswith("lang:"):
        return Literal(text, lang=param.kind.split(":", 1)[1])
    return Literal(text)


def parameter_name(variable: str) -> str:
    """The user-facing name of a parameter variable: ``_year_integer`` -> ``year``.

    >>> parameter_name("__as_of_xsd_date")
    'as_of'
    """
    rest = variable.lstrip("_")
    for suffix in sorted(_TYPES, key=len, reverse=True):
        if rest.endswith("_" + suffix):
            return rest[: -len(suffix) - 1]
    return rest


def _parameters(text: str) -> list[Parameter]:
    found: dict[str, Parameter] = {}
    body = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    for underscores, rest in _PARAM.findall(body):
        variable = underscores + rest
        if variable in found:
            continue
        name = parameter_name(variable)
        kind = _TYPES.get(rest[len(name) + 1 :], "string")
        found[variable] = Parameter(name, variable, kind, required=underscores == "_")
    return list(found.values())


def load_query(path: Path) -> StoredQuery:
    """Read one .rq file and its ``#+`` YAML header.

    :raises UsageError: if the header is not valid YAML or has no summary.
    """
    text = path.read_text(encoding="utf-8")
    header_lines = [line[2:] for line in text.splitlines() if line.startswith("#+")]
    try:
        header = yaml.safe_load("\n".join(header_lines)) or {}
    except yaml.YAMLError as exc:
        raise UsageError(f"{path}: the #+ header is not valid YAML: {exc}") from exc
    if not isinstance(header, dict) or not header.get("summary"):
        raise UsageError(f"{path}: the #+ header needs a summary")
    defaults: dict[str, Any] = {}
    for item in header.get("defaults") or []:
        if isinstance(item, dict):
            defaults.update({str(k): v for k, v in item.items()})
    return StoredQuery(
        name=path.stem,
        path=path,
        text=text,
        summary=str(header["summary"]),
        description=str(header.get("description", "")),
        tags=[str(t) for t in header.get("tags") or []],
        defaults=defaults,
        parameters=_parameters(text),
    )


def catalogue(root: str | Path | ProjectPaths | None = None) -> dict[str, StoredQuery]:
    """Every stored question in queries/ (not queries/checks/), by name."""
    paths = root if isinstance(root, ProjectPaths) else find_root(root)
    folder = paths.root / "queries"
    return {p.stem: load_query(p) for p in sorted(folder.glob("*.rq"))}
