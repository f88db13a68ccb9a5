"""Query results in one shape for every backend, and their normalised values.

Backends answer in their own terms (rdflib, pyoxigraph, SPARQL JSON). They all end up here as
rdflib terms, so that formatting, comparison and tests see the same thing everywhere. The one
documented place where servers differ is :func:`normalise`.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, overload

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import XSD
from rdflib.term import Identifier

__all__ = ["LIST_SEPARATOR", "LazyRows", "QueryResult", "comparable", "normalise"]

Row = tuple[Identifier | None, ...]


class LazyRows(Sequence[Row]):
    """Rows kept in the engine's own terms and turned into rdflib terms only when read.

    Why: on Oxigraph, converting every cell of a 40k-row answer to rdflib costs more than the
    query itself. Counting rows, checking limits and writing SPARQL JSON (see
    :meth:`QueryResult.to_json`) need no conversion at all. Pickling (to send an answer from a
    worker process) converts once and sends a plain list.
    """

    __slots__ = ("_convert", "raw", "width")

    def __init__(self, raw: Sequence[Any], width: int, convert: Callable[[Any, int], Any]) -> None:
        self.raw = raw
        self.width = width
        self._convert = convert

    def _row(self, item: Any) -> Row:
        return tuple(self._convert(item, i) for i in range(self.width))

    def __len__(self) -> int:
        return len(self.raw)

    @overload
    def __getitem__(self, index: int) -> Row: ...

    @overload
    def __getitem__(self, index: slice) -> list[Row]: ...

    def __getitem__(self, index: int | slice) -> Row | list[Row]:
        if isinstance(index, slice):
            return [self._row(item) for item in self.raw[index]]
        return self._row(self.raw[index])

    def __iter__(self) -> Iterator[Row]:
        for item in self.raw:
            yield self._row(item)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence):
            return list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"LazyRows({len(self)} rows)"

    def __reduce__(self) -> tuple[Any, ...]:
        return (list, (list(self),))

    def json_bindings(self, variables: list[str]) -> list[dict[str, dict[str, str]]]:
        """SPARQL JSON bindings; a subclass that knows its engine's terms skips rdflib."""
        return [json_bindings(variables, row) for row in self]


def json_term(value: Identifier) -> dict[str, str]:
    """One RDF term as SPARQL 1.1 Query Results JSON."""
    if isinstance(value, URIRef):
        return {"type": "uri", "value": str(value)}
    if isinstance(value, BNode):
        return {"type": "bnode", "value": str(value)}
    item = {"type": "literal", "value": str(value)}
    if isinstance(value, Literal) and value.language:
        item["xml:lang"] = value.language
    elif isinstance(value, Literal) and value.datatype:
        item["datatype"] = str(value.datatype)
    return item


def json_bindings(variables: list[str], row: Row) -> dict[str, dict[str, str]]:
    """One row as a SPARQL JSON binding; unbound variables are left out."""
    return {name: json_term(v) for name, v in zip(variables, row, strict=True) if v is not None}


LIST_SEPARATOR = "; "

_NUMERIC = {
    XSD.integer,
    XSD.decimal,
    XSD.double,
    XSD.float,
    XSD.int,
    XSD.long,
    XSD.short,
    XSD.nonNegativeInteger,
    XSD.positiveInteger,
}


def normalise(term: Identifier | None, graph: Graph | None = None) -> Any:
    """A comparable Python value for a term, the same whichever server answered.

    Servers differ in three ways we know of: numbers come back as integer, decimal or double
    (Virtuoso widens arithmetic to double); dates may lose or gain a datatype; blank-node ids
    differ. So: numbers become floats rounded to 6 places, other literals their lexical form,
    IRIs a CURIE when a prefix is known, blank nodes a fixed marker.
    """
    if term is None:
        return None
    if isinstance(term, BNode):
        return "_:blank"
    if isinstance(term, URIRef):
        if graph is not None:
            try:
                return graph.namespace_manager.curie(term, generate=False)
            except (KeyError, ValueError):
                pass
        return str(term)
    if isinstance(term, Literal):
        if term.datatype in _NUMERIC:
            try:
                return round(float(Decimal(str(term))), 6)
            except ArithmeticError:
                return str(term)
        return str(term)
    return str(term)


def _native(term: Identifier | None) -> Any:
    """A Python value for a DataFrame cell. Years and months stay strings: turning "2016"
    into 2016-01-01 would invent a precision the source never gave."""
    if term is None:
        return None
    if isinstance(term, Literal):
        if term.datatype in (XSD.gYear, XSD.gYearMonth):
            return str(term)
        return term.toPython()
    return str(term)


def comparable(rows: list[list[Any]], ordered: bool) -> list[list[Any]]:
    """Rows ready to compare across servers; unordered when ``ordered`` is False.

    Virtuoso 7.2 does not always honour ORDER BY: on a fresh database it once returned the
    right rows of the ``offices`` question in the wrong order. Order is therefore asserted on
    the embedded engines (rdflib, Oxigraph), and answers from a remote server are compared as
    multisets of rows.
    """
    if ordered:
        return rows
    return sorted(rows, key=lambda row: [(v is None, str(v)) for v in row])


@dataclass
class QueryResult:
    """The answer to one query: rows for SELECT, a boolean for ASK, a graph for CONSTRUCT."""

    form: str
    variables: list[str] = field(default_factory=list)
    rows: Sequence[Row] = field(default_factory=list)
    boolean: bool | None = None
    graph: Graph | None = None
    backend: str = ""

    def __len__(self) -> int:
        if self.form == "ASK":
            return 1
        return len(self.graph) if self.graph is not None else len(self.rows)

    def dicts(self) -> list[dict[str, Identifier | None]]:
        """Rows as dictionaries keyed by variable name."""
        return [dict(zip(self.variables, row, strict=True)) for row in self.rows]

    def values(self, graph: Graph | None = None) -> list[dict[str, Any]]:
        """Rows with normalised Python values (see :func:`normalise`).

        A variable whose name ends in ``List`` holds a GROUP_CONCAT with separator "; ".
        SPARQL leaves the order of its parts unspecified, and servers differ, so the parts
        are sorted here.
        """
        out = []
        for row in self.dicts():
            values = {k: normalise(v, graph) for k, v in row.items()}
            for key, value in values.items():
                if key.endswith("List") and isinstance(value, str):
                    values[key] = LIST_SEPARATOR.join(
                        sorted(p for p in value.split(LIST_SEPARATOR) if p)
                    )
            out.append(values)
        return out

    def to_csv(self, delimiter: str = ",") -> str:
        """CSV (or TSV) with raw values: full IRIs and lexical forms, empty for unbound."""
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\n")
        writer.writerow(self.variables)
        for row in self.rows:
            writer.writerow(["" if v is None else str(v) for v in row])
        return buffer.getvalue()

    def to_tsv(self) -> str:
        """SPARQL 1.1 TSV: a ?-prefixed header, terms written as in Turtle."""
        lines = ["\t".join("?" + v for v in self.variables)]
        for row in self.rows:
            lines.append("\t".join("" if v is None else v.n3() for v in row))
        return "\n".join(lines) + "\n"

    def to_xml(self) -> str:
        """SPARQL Query Results XML."""
        from xml.sax.saxutils import escape, quoteattr

        out = [
            '<?xml version="1.0"?>',
            '<sparql xmlns="http://www.w3.org/2005/sparql-results#">',
            "<head>",
        ]
        out += [f"<variable name={quoteattr(v)}/>" for v in self.variables]
        out.append("</head>")
        if self.form == "ASK":
            out.append(f"<boolean>{'true' if self.boolean else 'false'}</boolean>")
        else:
            out.append("<results>")
            for row in self.dicts():
                out.append("<result>")
                for name, value in row.items():
                    if value is None:
                        continue
                    if isinstance(value, URIRef):
                        term = f"<uri>{escape(str(value))}</uri>"
                    elif isinstance(value, BNode):
                        term = f"<bnode>{escape(str(value))}</bnode>"
                    elif value.language:
                        term = (
                            f'<literal xml:lang="{value.language}">{escape(str(value))}</literal>'
                        )
                    elif value.datatype:
                        datatype = quoteattr(str(value.datatype))
                        term = f"<literal datatype={datatype}>{escape(str(value))}</literal>"
                    else:
                        term = f"<literal>{escape(str(value))}</literal>"
                    out.append(f"<binding name={quoteattr(name)}>{term}</binding>")
                out.append("</result>")
            out.append("</results>")
        out.append("</sparql>")
        return "\n".join(out) + "\n"

    def to_json(self) -> str:
        """SPARQL 1.1 Query Results JSON."""
        if self.form == "ASK":
            return json.dumps({"head": {}, "boolean": bool(self.boolean)})
        if isinstance(self.rows, LazyRows):
            bindings = self.rows.json_bindings(self.variables)
        else:
            bindings = [json_bindings(self.variables, row) for row in self.rows]
        return json.dumps(
            {"head": {"vars": self.variables}, "results": {"bindings": bindings}},
            ensure_ascii=False,
            indent=1,
        )

    def to_dataframe(self) -> Any:
        """A pandas DataFrame of native Python values (needs the ``pandas`` extra)."""
        try:
            import pandas as pd
        except ImportError as exc:  # pragma: no cover - depends on the environment
            from .errors import UsageError

            raise UsageError("to_dataframe needs pandas: pip install 'kzby-kg[pandas]'") from exc
        data = [[_native(v) for v in row] for row in self.rows]
        return pd.DataFrame(data, columns=self.variables)
