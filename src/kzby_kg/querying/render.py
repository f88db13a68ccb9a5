"""Render query results for a terminal (table), for documents (markdown) or for tools
(csv, tsv, json). Tables and markdown show labels in the chosen language; the machine
formats keep full IRIs and lexical values."""

from __future__ import annotations

from rdflib import BNode, Literal, URIRef
from rdflib.term import Identifier

from kzby_kg.errors import KzbyError, UsageError
from kzby_kg.querying.backend import Backend
from kzby_kg.querying.parameters import inline_bindings
from kzby_kg.querying.results import QueryResult
from kzby_kg.rdf.curies import compact, is_safe_iri
from kzby_kg.rdf.namespaces import bind_prefixes

__all__ = ["FORMATS", "fetch_labels", "render"]

_LABELS_QUERY = """
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?s ?label WHERE { ?s rdfs:label|skos:prefLabel ?label }"""

FORMATS = ("table", "csv", "tsv", "json", "markdown")
_MAX_WIDTH = 60


def fetch_labels(backend: Backend, result: QueryResult, lang: str) -> dict[URIRef, str]:
    """Labels of the IRIs in a result, asked of the backend itself (one query), in ``lang``
    where there is one, else English, else untagged. Missing labels are simply absent."""
    iris = sorted(
        {v for row in result.rows for v in row if isinstance(v, URIRef) and is_safe_iri(v)},
        key=str,
    )
    if not iris:
        return {}
    found: dict[URIRef, dict[str, str]] = {}
    for start in range(0, len(iris), 200):
        values = " ".join(f"<{iri}>" for iri in iris[start : start + 200])
        text = _LABELS_QUERY.replace("WHERE {", f"WHERE {{ VALUES ?s {{ {values} }}", 1)
        try:
            answer = backend.run(inline_bindings(text, {}))
        except KzbyError:
            return {}
        for subject, value in answer.rows:
            if isinstance(subject, URIRef) and isinstance(value, Literal):
                found.setdefault(subject, {}).setdefault(value.language or "", str(value))
    chosen = {}
    for iri, by_lang in found.items():
        for key in (lang, "en", ""):
            if key in by_lang:
                chosen[iri] = by_lang[key]
                break
    return chosen


def _cell(term: Identifier | None, labels: dict[URIRef, str], lang: str) -> str:
    if term is None:
        return ""
    if isinstance(term, URIRef):
        return labels.get(term) or compact(str(term))
    if isinstance(term, BNode):
        return f"_:{term}"
    if isinstance(term, Literal) and term.language and term.language != lang:
        return f"{term}@{term.language}"
    return str(term)


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _MAX_WIDTH else text[: _MAX_WIDTH - 1] + "…"


def _table(result: QueryResult, labels: dict[URIRef, str], lang: str, markdown: bool) -> str:
    cells = [[_clip(_cell(v, labels, lang)) for v in row] for row in result.rows]
    header = result.variables
    if markdown:

        def esc(text: str) -> str:
            return text.replace("|", "\\|")

        lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
        lines += ["| " + " | ".join(esc(c) for c in row) + " |" for row in cells]
        return "\n".join(lines) + "\n"
    widths = [max([len(h)] + [len(row[i]) for row in cells]) for i, h in enumerate(header)]

    def line(values: list[str]) -> str:
        return "  ".join(v.ljust(w) for v, w in zip(values, widths, strict=True)).rstrip()

    out = [line(header), line(["-" * w for w in widths])] + [line(row) for row in cells]
    out.append(f"({len(cells)} row{'s' if len(cells) != 1 else ''})")
    return "\n".join(out) + "\n"


def render(
    result: QueryResult,
    fmt: str = "table",
    *,
    labels: dict[URIRef, str] | None = None,
    lang: str = "en",
) -> str:
    """Text for a result; CONSTRUCT/DESCRIBE results are Turtle, ASK is true or false.

    :param labels: labels for IRIs (see :func:`fetch_labels`); without one an IRI is a CURIE.
    :raises UsageError: for an unknown format.
    """
    if fmt not in FORMATS:
        raise UsageError(f"--format: unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if result.graph is not None:
        return bind_prefixes(result.graph).serialize(format="turtle")
    if fmt in ("csv", "tsv", "json"):
        from kzby_kg.querying.formats import serialize_result  # only the machine formats need it

        return serialize_result(result, fmt).decode("utf-8").rstrip("\n") + "\n"
    if result.form == "ASK":
        return "true\n" if result.boolean else "false\n"
    return _table(result, labels or {}, lang, markdown=fmt == "markdown")
