"""The query-results formats beside the graph formats: a name, a media type, a library serialiser.

SELECT and ASK answers are written by pyoxigraph's query-results serialisers (SPARQL JSON,
XML, CSV, TSV); an Oxigraph answer goes straight from the TSV bytes it is held as, other
engines' answers through exact SPARQL JSON. Graphs (CONSTRUCT, DESCRIBE, entity pages) are
written by rdflib's serialisers. The CLI, the web API and the export all read this table, so
that a format has one name and one media type everywhere.

>>> solution_format("application/sparql-results+json").name
'json'
>>> GRAPH_FORMATS["nt"].media_type
'application/n-triples'
"""

from __future__ import annotations

import json

from kzby_kg.errors import UsageError
from kzby_kg.querying.results import QueryResult, TsvRows
from kzby_kg.rdf.formats import GRAPH_FORMATS, Format, lookup
from kzby_kg.rdf.namespaces import bind_prefixes
from kzby_kg.rdf.terms import to_json

__all__ = [
    "GRAPH_FORMATS",
    "SOLUTION_FORMATS",
    "Format",
    "find_format",
    "graph_format",
    "serialize_result",
    "solution_format",
]


SOLUTION_FORMATS: dict[str, Format] = {
    f.name: f
    for f in (
        Format("json", "application/sparql-results+json", "JSON", ".srj", ("application/json",)),
        Format(
            "xml", "application/sparql-results+xml", "XML", ".srx", ("application/xml", "text/xml")
        ),
        Format("csv", "text/csv", "CSV", ".csv"),
        Format("tsv", "text/tab-separated-values", "TSV", ".tsv"),
    )
}


def find_format(table: dict[str, Format], key: str) -> Format:
    """The format of ``table`` with this name or media type.

    :raises UsageError: for a format not in the table.
    """
    found = lookup(table, key)
    if found is None:
        raise UsageError(f"format {key!r} is not offered; choose {', '.join(table)}")
    return found


def solution_format(key: str) -> Format:
    """The SELECT/ASK format with this name or media type (see :func:`find_format`)."""
    return find_format(SOLUTION_FORMATS, key)


def graph_format(key: str) -> Format:
    """The graph format with this name or media type (see :func:`find_format`)."""
    return find_format(GRAPH_FORMATS, key)


def _solutions_json(result: QueryResult) -> bytes:
    if result.form == "ASK":
        return json.dumps({"head": {}, "boolean": bool(result.boolean)}).encode()
    bindings = [
        {name: to_json(v) for name, v in zip(result.variables, row, strict=True) if v is not None}
        for row in result.rows
    ]
    return json.dumps(
        {"head": {"vars": result.variables}, "results": {"bindings": bindings}},
        ensure_ascii=False,
    ).encode("utf-8")


def serialize_result(result: QueryResult, name: str) -> bytes:
    """The result in the named format: a solution format for SELECT and ASK, a graph format
    for CONSTRUCT and DESCRIBE.

    :raises UsageError: for a format that does not fit the result.
    """
    if result.graph is not None:
        fmt = graph_format(name)
        return bind_prefixes(result.graph).serialize(format=fmt.serializer, encoding="utf-8")
    import pyoxigraph as ox

    fmt = solution_format(name)
    if result.boolean is not None and fmt.name in ("csv", "tsv"):
        # the CSV/TSV results format defines no boolean; this is Jena's one-cell convention
        head = "_askResult" if fmt.name == "csv" else "?_askResult"
        end = "\r\n" if fmt.name == "csv" else "\n"
        return f"{head}{end}{'true' if result.boolean else 'false'}{end}".encode()
    if isinstance(result.rows, TsvRows):
        parsed = ox.parse_query_results(result.rows.tsv, format=ox.QueryResultsFormat.TSV)
    else:
        parsed = ox.parse_query_results(_solutions_json(result), format=ox.QueryResultsFormat.JSON)
    out = parsed.serialize(format=getattr(ox.QueryResultsFormat, fmt.serializer))
    assert out is not None  # no output given: the bytes are returned
    return out
