"""Typed parameters of stored questions, and how bound values reach an engine.

Parameters follow grlc: ``?_name_type`` is required, ``?__name_type`` optional, and the suffix
gives the type. A user's value is parsed into an RDF term of that type (or refused with a
message naming the parameter) and then *bound*: rdflib takes ``initBindings``; Oxigraph's
substitutions accept only projected variables and a remote endpoint has no such mechanism, so
there the terms are written by rdflib into a ``VALUES`` block after strict checks. A value is
never pasted into query text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from rdflib import Literal, URIRef
from rdflib.term import Identifier

from kzby_kg.errors import UsageError
from kzby_kg.querying.text import where_body_start
from kzby_kg.rdf.curies import expand, is_safe_iri
from kzby_kg.rdf.literals import parse_literal

__all__ = [
    "MAX_SLICE",
    "Parameter",
    "find_parameters",
    "inline_bindings",
    "parameter_name",
    "parse_slice",
    "parse_value",
]

_PARAM = re.compile(r"\?(__?)([A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)*)")
#: grlc's type suffixes -> the kind of value they take
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
_SCHEMES = ("http://", "https://", "urn:")
#: the largest limit or offset taken: every engine reads it as a 32-bit count, and no answer here
#: comes near it
MAX_SLICE = 2**31 - 1


@dataclass(frozen=True)
class Parameter:
    """One parameter of a stored query."""

    name: str
    variable: str
    kind: str
    required: bool

    def describe(self) -> str:
        """``name (kind)``, or ``name (kind, optional)``, as listings show it."""
        optional = "" if self.required else ", optional"
        return f"{self.name} ({self.kind}{optional})"


def parse_value(param: Parameter, raw: Any) -> Identifier:
    """Turn a user's value into an RDF term of the parameter's type, or refuse it.

    >>> parse_value(Parameter("year", "_year_integer", "integer", True), "2016")
    rdflib.term.Literal('2016', datatype=rdflib.term.URIRef('http://www.w3.org/2001/XMLSchema#integer'))

    :raises UsageError: naming the parameter and saying what the value is not.
    """
    return _parse_text(param, str(raw).strip())


@lru_cache(maxsize=1024)
def _parse_text(param: Parameter, text: str) -> Identifier:
    """Cached on the text: making an rdflib Literal costs more than a small query on Oxigraph,
    and a stored query runs with the same defaults again and again. Terms are immutable."""
    if param.kind == "iri":
        iri = expand(text)
        if not is_safe_iri(iri) or not iri.startswith(_SCHEMES):
            raise UsageError(
                f"parameter {param.name!r}: {text!r} is not an http(s) or urn IRI, "
                "or a CURIE with a known prefix (like kzd:belarus)"
            )
        return URIRef(iri)
    if param.kind.startswith("lang:"):
        return Literal(text, lang=param.kind.split(":", 1)[1])
    try:
        return parse_literal(param.kind, text)
    except ValueError as exc:
        raise UsageError(f"parameter {param.name!r}: {text!r} is {exc}") from None


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


def find_parameters(text: str) -> list[Parameter]:
    """The parameters a query's text declares through its variable names, in order."""
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


def _term_text(variable: str, term: Identifier) -> str:
    """An rdflib term as SPARQL text, refusing anything that could change the query's shape."""
    name = parameter_name(variable)
    if isinstance(term, URIRef):
        if not is_safe_iri(str(term)):
            raise UsageError(f"parameter {name!r}: IRI contains characters SPARQL forbids")
        return f"<{term}>"
    if isinstance(term, Literal):
        lexical = str(term)
        if "\\" in lexical or re.search(r"[\x00-\x1f]", lexical):
            raise UsageError(
                f"parameter {name!r}: backslashes and control characters cannot be written into "
                "a query for this engine; use the rdflib store (--store rdflib)"
            )
        return term.n3()
    raise UsageError(f"parameter {name!r}: only IRIs and literals can be bound")


def inline_bindings(text: str, bindings: dict[str, Identifier]) -> str:
    """The query text with its bindings in a VALUES block at the start of the outermost WHERE.

    The stored query's own text is trusted; only the bound terms are new, and each is written by
    rdflib after the checks of :func:`_term_text`. Cached per text and values.

    >>> inline_bindings("SELECT ?x WHERE { ?x ?p ?_y }", {"_y": Literal("a")})
    'SELECT ?x WHERE { VALUES (?_y) { ("a") } ?x ?p ?_y }'
    """
    if not bindings:
        return text
    return _inline(text, tuple(sorted(bindings.items())))


@lru_cache(maxsize=512)
def _inline(text: str, items: tuple[tuple[str, Identifier], ...]) -> str:
    start = where_body_start(text)
    names = [name for name, _ in items]
    values = " ".join(_term_text(name, term) for name, term in items)
    block = f" VALUES ({' '.join('?' + n for n in names)}) {{ ({values}) }}"
    return text[:start] + block + text[start:]


def parse_slice(name: str, raw: Any, maximum: int = MAX_SLICE) -> int | None:
    """A ``limit`` or ``offset``: a whole number from 0 to ``maximum``, or None when not given.

    >>> parse_slice("limit", "100")
    100
    >>> parse_slice("offset", None) is None
    True

    :raises UsageError: naming ``name`` and saying why the value is refused.
    """
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, int | str):
        raise UsageError(f"{name}: {raw!r} is not a whole number")
    text = str(raw).strip()
    if text.startswith("-") and text[1:].isdigit():
        raise UsageError(f"{name}: {text} is negative; give a whole number from 0 to {maximum}")
    if not (text.isascii() and text.isdigit()):
        raise UsageError(f"{name}: {text!r} is not a whole number; give one from 0 to {maximum}")
    value = int(text) if len(text) <= 20 else maximum + 1  # (int() refuses 4,300 digits)
    if value > maximum:
        raise UsageError(f"{name}: {value} is above the maximum of {maximum}")
    return value
