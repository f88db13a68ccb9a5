"""The answer to a query, in one shape whichever engine gave it.

SELECT rows are tuples of rdflib terms (None where a variable is unbound), ASK a boolean,
CONSTRUCT and DESCRIBE an rdflib graph. Oxigraph's rows are held as the SPARQL TSV bytes it
writes in Rust (:class:`TsvRows`) and become rdflib terms only when read; writing them out in
a wire format (:mod:`kzby_kg.querying.formats`) never makes an rdflib term.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, overload

from rdflib import Graph, Literal
from rdflib.namespace import XSD
from rdflib.term import Identifier

from kzby_kg.errors import UsageError
from kzby_kg.querying.compare import LIST_SEPARATOR, normalise
from kzby_kg.rdf.terms import from_ox

__all__ = ["QueryResult", "Row", "TsvRows"]

Row = tuple[Identifier | None, ...]


class TsvRows(Sequence[Row]):
    """Oxigraph solutions held as the SPARQL TSV bytes Oxigraph wrote, parsed when read.

    Why: holding a Python object per solution cost 1.3x the query itself on a 14k-row answer
    at 1M triples (allocation and deallocation of every row), while Oxigraph writes the same
    answer as TSV inside Rust at 1.07x. TSV writes every term as in N-Triples, so parsing it
    back gives the same terms (tests/unit/test_results.py compares them). Counting rows counts
    lines; iterating parses one solution at a time; indexing parses once and keeps the list.
    Pickling (an answer sent from a worker process) sends the bytes.
    """

    __slots__ = ("_rows", "tsv")

    def __init__(self, tsv: bytes) -> None:
        self.tsv = tsv
        self._rows: list[Row] | None = None

    def __len__(self) -> int:
        return self.tsv.count(b"\n") - 1  # a header line, then one line per solution

    def __iter__(self) -> Iterator[Row]:
        if self._rows is not None:
            yield from self._rows
            return
        import pyoxigraph as ox

        solutions = ox.parse_query_results(self.tsv, format=ox.QueryResultsFormat.TSV)
        width = len(solutions.variables)  # type: ignore[union-attr]
        for solution in solutions:  # type: ignore[union-attr]
            yield tuple(from_ox(solution[i]) for i in range(width))

    @overload
    def __getitem__(self, index: int) -> Row: ...

    @overload
    def __getitem__(self, index: slice) -> list[Row]: ...

    def __getitem__(self, index: int | slice) -> Row | list[Row]:
        if self._rows is None:
            self._rows = list(self)
        return self._rows[index]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence):
            return list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"TsvRows({len(self)} rows)"

    def __reduce__(self) -> tuple[Any, ...]:
        return (TsvRows, (self.tsv,))


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

    def values(self) -> list[dict[str, Any]]:
        """Rows with values normalised for comparison across engines (see
        :func:`kzby_kg.querying.compare.normalise`).

        A variable whose name ends in ``List`` holds a GROUP_CONCAT with separator "; ".
        SPARQL leaves the order of its parts unspecified, and servers differ, so the parts
        are sorted here.
        """
        out = []
        for row in self.dicts():
            values = {k: normalise(v) for k, v in row.items()}
            for key, value in values.items():
                if key.endswith("List") and isinstance(value, str):
                    values[key] = LIST_SEPARATOR.join(
                        sorted(p for p in value.split(LIST_SEPARATOR) if p)
                    )
            out.append(values)
        return out

    def to_dataframe(self) -> Any:
        """A pandas DataFrame of native Python values (needs the ``pandas`` extra)."""
        try:
            import pandas as pd
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise UsageError("to_dataframe needs pandas: pip install 'kzby-kg[pandas]'") from exc
        data = [[_native(v) for v in row] for row in self.rows]
        return pd.DataFrame(data, columns=self.variables)
