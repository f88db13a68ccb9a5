"""The query-results formats beside the graph formats: a name, a media type, a library serialiser.

SELECT and ASK answers are written by pyoxigraph's query-results serialisers (SPARQL JSON,
XML, CSV, TSV); an Oxigraph answer goes straight from the TSV bytes it is held as (or from
Oxigraph's lazy solutions, :func:`stream_query`), other engines' answers through exact SPARQL
JSON, a batch of rows at a time. Answers are written to a file-like *sink* as they are
produced (:func:`write_result`), so that a large answer streams in flat memory. Graphs
(CONSTRUCT, DESCRIBE, entity pages) are written by rdflib's serialisers. The CLI, the web API
and the export all read this table, so that a format has one name and one media type everywhere.

>>> solution_format("application/sparql-results+json").name
'json'
>>> GRAPH_FORMATS["nt"].media_type
'application/n-triples'
"""

from __future__ import annotations

import io
import itertools
import json
from collections.abc import Iterable
from typing import IO, Any, Protocol, cast

from rdflib.term import Identifier

from kzby_kg.errors import QueryError, UsageError
from kzby_kg.querying.backend import Backend
from kzby_kg.querying.results import QueryResult, Row, TsvRows
from kzby_kg.querying.text import query_form
from kzby_kg.rdf.formats import GRAPH_FORMATS, Format, lookup
from kzby_kg.rdf.namespaces import bind_prefixes
from kzby_kg.rdf.terms import to_json

__all__ = [
    "GRAPH_FORMATS",
    "SOLUTION_FORMATS",
    "Format",
    "Sink",
    "find_format",
    "graph_format",
    "serialize_result",
    "solution_format",
    "stream_query",
    "write_result",
    "write_rows",
]


class Sink(Protocol):
    """Where an answer is written as it is produced: a binary file, a socket's file, a pipe."""

    def write(self, data: bytes, /) -> Any: ...


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


class _Flushable:
    """A sink with the ``flush`` pyoxigraph calls when it has written an answer."""

    def __init__(self, sink: Sink) -> None:
        self.write = sink.write

    def flush(self) -> None:
        return None


def _file(sink: Sink) -> IO[bytes]:
    """The sink as pyoxigraph's serialisers take it (they call ``write`` and ``flush``)."""
    return cast("IO[bytes]", sink if hasattr(sink, "flush") else _Flushable(sink))


def _bindings_json(variables: list[str], rows: Iterable[Row]) -> bytes:
    bindings = [
        {name: to_json(v) for name, v in zip(variables, row, strict=True) if v is not None}
        for row in rows
    ]
    return json.dumps(
        {"head": {"vars": variables}, "results": {"bindings": bindings}}, ensure_ascii=False
    ).encode("utf-8")


def _ask(boolean: bool, fmt: Format) -> bytes:
    if fmt.name in ("csv", "tsv"):
        # the CSV/TSV results format defines no boolean; this is Jena's one-cell convention
        head = "_askResult" if fmt.name == "csv" else "?_askResult"
        end = "\r\n" if fmt.name == "csv" else "\n"
        return f"{head}{end}{'true' if boolean else 'false'}{end}".encode()
    import pyoxigraph as ox

    parsed = ox.parse_query_results(
        json.dumps({"head": {}, "boolean": boolean}).encode(), format=ox.QueryResultsFormat.JSON
    )
    out = parsed.serialize(format=getattr(ox.QueryResultsFormat, fmt.serializer))
    assert out is not None  # no output given: the bytes are returned
    return out


#: rows an rdflib answer is written in at a time (each batch goes through Oxigraph's writer)
_BATCH = 2000


def write_rows(variables: list[str], rows: Iterable[Row], name: str, out: Sink) -> None:
    """Write SELECT rows of rdflib terms in a solution format, a batch at a time, holding no
    more than one batch: each batch is written by pyoxigraph's serialiser (the same bytes as
    an Oxigraph answer) and the batches are joined inside the document's frame (the header
    line of CSV and TSV, the head and the bindings array of JSON, the ``<results>`` of XML).

    :raises UsageError: for a format that is not a solution format.
    """
    import pyoxigraph as ox

    fmt = solution_format(name)
    kind = getattr(ox.QueryResultsFormat, fmt.serializer)

    def document(batch: list[Row]) -> bytes:
        parsed = ox.parse_query_results(
            _bindings_json(variables, batch), format=ox.QueryResultsFormat.JSON
        )
        written = parsed.serialize(format=kind)
        assert written is not None
        return written

    empty = document([])
    split = {
        "json": empty.rfind(b"[]") + 1,
        "xml": empty.rfind(b"</results>"),
    }.get(fmt.name, len(empty))
    head, tail = empty[:split], empty[split:]
    out.write(head)
    iterator = iter(rows)
    first = True
    while batch := list(itertools.islice(iterator, _BATCH)):
        written = document(batch)
        body = written[len(head) : len(written) - len(tail)]
        assert written.startswith(head) and written.endswith(tail), "an unexpected frame"
        if fmt.name == "json" and not first:
            out.write(b",")
        out.write(body)
        first = False
    out.write(tail)


def write_result(result: QueryResult, name: str, out: Sink) -> None:
    """Write the result in the named format to ``out`` as it is produced, never as one whole
    bytes object: a solution format for SELECT and ASK, a graph format for CONSTRUCT and
    DESCRIBE. An Oxigraph answer is written from the TSV it is held as, by pyoxigraph.

    :raises UsageError: for a format that does not fit the result.
    """
    if result.graph is not None:
        fmt = graph_format(name)
        out.write(bind_prefixes(result.graph).serialize(format=fmt.serializer, encoding="utf-8"))
        return
    import pyoxigraph as ox

    fmt = solution_format(name)
    if result.boolean is not None:
        out.write(_ask(result.boolean, fmt))
    elif isinstance(result.rows, TsvRows):
        parsed = ox.parse_query_results(result.rows.tsv, format=ox.QueryResultsFormat.TSV)
        parsed.serialize(output=_file(out), format=getattr(ox.QueryResultsFormat, fmt.serializer))
    else:
        write_rows(result.variables, result.rows, fmt.name, out)


def serialize_result(result: QueryResult, name: str) -> bytes:
    """The result in the named format, as bytes (see :func:`write_result`).

    :raises UsageError: for a format that does not fit the result.
    """
    buffer = io.BytesIO()
    write_result(result, name, buffer)
    return buffer.getvalue()


def stream_query(
    backend: Backend,
    text: str,
    bindings: dict[str, Identifier] | None,
    name: str,
    out: Sink,
) -> None:
    """Run a query and write its answer to ``out`` as the engine produces it.

    A SELECT on Oxigraph is written by Oxigraph from its lazy solutions, and one on rdflib
    a batch of rows at a time (:func:`write_rows`): neither holds the whole answer, so memory
    stays flat however many rows there are (tests/slow/test_streaming_memory.py). Other
    forms, and other engines, are run whole and then written.

    :raises UsageError: for a format that does not fit the query's form.
    :raises QueryError: for a query the engine refuses or fails on.
    """
    import pyoxigraph as ox

    from kzby_kg.querying.engines import OxigraphBackend, RdflibBackend

    if query_form(text) == "SELECT":
        fmt = solution_format(name)
        if isinstance(backend, OxigraphBackend):
            solutions = backend.solutions(text, bindings)
            try:
                solutions.serialize(
                    output=_file(out),
                    format=getattr(ox.QueryResultsFormat, fmt.serializer),
                )
            except SyntaxError as exc:  # an evaluation error surfaces while reading
                raise QueryError(f"query failed: {exc}") from exc
            return
        if isinstance(backend, RdflibBackend):
            variables, rows = backend.select_rows(text, bindings)
            write_rows(variables, rows, fmt.name, out)
            return
    write_result(backend.run(text, bindings), name, out)
