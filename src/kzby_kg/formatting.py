"""Render query results for a terminal (table), for documents (markdown) or for tools
(csv, tsv, json). Tables and markdown show labels in the chosen language; the machine
formats keep full IRIs and lexical values."""

from __future__ import annotations

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Identifier

from .errors import UsageError
from .labels import curie, labels_by_language
from .namespaces import bind_prefixes
from .results import QueryResult

__all__ = ["FORMATS", "render"]

FORMATS = ("table", "csv", "tsv", "json", "markdown")
_MAX_WIDTH = 60


def _cell(term: Identifier | None, graph: Graph | None, lang: str) -> str:
    if term is None:
        return ""
    if isinstance(term, URIRef):
        if graph is not None:
            labels = labels_by_language(graph, term)
            for key in (lang, "en", ""):
                if key in labels:
                    return labels[key]
            return curie(graph, term)
        return str(term)
    if isinstance(term, BNode):
        return f"_:{term}"
    if isinstance(term, Literal) and term.language and term.language != lang:
        return f"{term}@{term.language}"
    return str(term)


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _MAX_WIDTH else text[: _MAX_WIDTH - 1] + "…"


def _table(result: QueryResult, graph: Graph | None, lang: str, markdown: bool) -> str:
    cells = [[_clip(_cell(v, graph, lang)) for v in row] for row in result.rows]
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
    result: QueryResult, fmt: str = "table", *, graph: Graph | None = None, lang: str = "en"
) -> str:
    """Text for a result; CONSTRUCT/DESCRIBE results are Turtle, ASK is true or false.

    :param graph: where to look up labels (the local graph); without it IRIs are shown whole.
    :raises UsageError: for an unknown format.
    """
    if fmt not in FORMATS:
        raise UsageError(f"--format: unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if result.form == "ASK":
        return (
            result.to_json() + "\n"
            if fmt == "json"
            else ("true\n" if result.boolean else "false\n")
        )
    if result.graph is not None:
        return bind_prefixes(result.graph).serialize(format="turtle")
    if fmt == "csv":
        return result.to_csv(",")
    if fmt == "tsv":
        return result.to_csv("\t")
    if fmt == "json":
        return result.to_json() + "\n"
    return _table(result, graph, lang, markdown=fmt == "markdown")
