"""The answer to a query, in one shape whichever engine gave it.

SELECT rows are tuples of rdflib terms (None where a variable is unbound), ASK a boolean,
CONSTRUCT and DESCRIBE an rdflib graph. Oxigraph's rows are held as the SPARQL TSV bytes it
writes in Rust (:class:`TsvRows`) and become rdflib terms only when read; writing them out in
a wire format (:mod:`kzby_kg.querying.formats`) never makes an rdflib term.
:meth:`QueryResult.to_dataframe` turns the rows into a pandas DataFrame whose dtypes follow
the values' datatypes, so that an answer plots and computes as it is.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, overload

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, XSD
from rdflib.term import Identifier

from kzby_kg.errors import UsageError
from kzby_kg.languages import LANGUAGES
from kzby_kg.querying.compare import LIST_SEPARATOR, normalise
from kzby_kg.rdf.curies import compact
from kzby_kg.rdf.terms import from_ox

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["LANGUAGES", "QueryResult", "Row", "TsvRows", "check_lang"]

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


_INTEGERS = frozenset(
    XSD[name]
    for name in (
        "integer",
        "int",
        "long",
        "short",
        "byte",
        "nonNegativeInteger",
        "positiveInteger",
        "negativeInteger",
        "nonPositiveInteger",
        "unsignedLong",
        "unsignedInt",
        "unsignedShort",
        "unsignedByte",
    )
)
_FLOATS = frozenset((XSD.decimal, XSD.double, XSD.float))
#: plain strings, not URIRefs, wherever a cell's datatype is looked up: rdflib compares
#: URIRefs in Python, which cost a third of the conversion of a 14k-row answer
_STRINGS = frozenset((str(XSD.string), str(RDF.langString)))
_INTEGER = re.compile(r"[+-]?\d+")
#: rdflib writes NaN and INF of a double it has read as "nan" and "inf"
_FLOAT = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?|[+-]?inf|nan", re.IGNORECASE)
_TZ = r"(Z|[+-]\d\d:\d\d)?"
_YEAR = re.compile(rf"(-?\d{{4,}}){_TZ}")
_MONTH = re.compile(rf"(\d{{4}})-(0[1-9]|1[0-2]){_TZ}")
#: a date with a time zone is no instant, and stays unconverted
_DATE = re.compile(r"\d{4}-\d\d-\d\d|\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?" + _TZ)
#: a cell as (kind, value), or None for a lexical form its datatype refuses
Converted = tuple[str, Any] | None


def _integer(text: str, pd: Any) -> Converted:
    return ("integer", int(text)) if _INTEGER.fullmatch(text) else None


def _float(text: str, pd: Any) -> Converted:
    return ("float", float(text)) if _FLOAT.fullmatch(text) else None


def _year(text: str, pd: Any) -> Converted:
    match = _YEAR.fullmatch(text)
    return ("year", int(match[1])) if match else None


def _month(text: str, pd: Any) -> Converted:
    match = _MONTH.fullmatch(text)
    if not match:
        return None
    return "month", pd.Period(year=int(match[1]), month=int(match[2]), freq="M")


def _datetime(text: str, pd: Any) -> Converted:
    if not _DATE.fullmatch(text):
        return None
    try:  # as_unit refuses a date beyond what datetime64[ns] holds (before 1677)
        return "datetime", pd.Timestamp(text).as_unit("ns")
    except (ValueError, OverflowError):  # also a day or hour out of range (2016-02-30)
        return None


def _boolean(text: str, pd: Any) -> Converted:
    return ("boolean", text in ("true", "1")) if text in ("true", "false", "1", "0") else None


#: datatype -> its converter; a literal of another datatype gives what rdflib's toPython gives
_CONVERTERS: dict[str, Callable[[str, Any], Converted]] = {
    **dict.fromkeys(map(str, _INTEGERS), _integer),
    **dict.fromkeys(map(str, _FLOATS), _float),
    str(XSD.gYear): _year,
    str(XSD.gYearMonth): _month,
    str(XSD.date): _datetime,
    str(XSD.dateTime): _datetime,
    str(XSD.dateTimeStamp): _datetime,
    str(XSD.boolean): _boolean,
}
#: the largest integer a float64 holds exactly: a mixed integer/decimal column is float64 only
#: when every integer in it survives the conversion
_EXACT_IN_FLOAT = 2**53
#: a column's kinds -> what it becomes; kinds not listed here (a mix) make an object column
_DTYPES = {
    frozenset({"integer"}): "Int64",
    frozenset({"year"}): "Int64",
    frozenset({"float"}): "float64",
    frozenset({"integer", "float"}): "float64",
    frozenset({"boolean"}): "boolean",
    frozenset({"month"}): "period[M]",
    frozenset({"datetime"}): "datetime64[ns]",
    frozenset({"string"}): "string",
    frozenset({"iri"}): "string",
    frozenset({"bnode"}): "string",
    frozenset({"iri", "bnode"}): "string",
}
#: the SPARQL that asks one node's labels; the node is bound, never written into the text
_LABEL_QUERY = (
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
    "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
    "SELECT ?p ?label WHERE { VALUES ?p { rdfs:label skos:prefLabel } ?_node ?p ?label }"
)


class _Runs(Protocol):
    """What a label lookup needs of an engine (any :class:`~kzby_kg.querying.backend.Backend`;
    named structurally so that this module need not import the engine contract, which
    imports it)."""

    def run(
        self, text: str, bindings: dict[str, Identifier] | None = None
    ) -> QueryResult: ...  # pragma: no cover - a protocol


def check_lang(lang: str) -> str:
    """``lang`` if labels are written in it.

    :raises UsageError: naming the languages there are.
    """
    if lang not in LANGUAGES:
        raise UsageError(f"lang: unknown language {lang!r}; choose one of {', '.join(LANGUAGES)}")
    return lang


def _cell(term: Identifier | None, pd: Any, seen: dict[Any, tuple[str, Any]]) -> tuple[str, Any]:
    """(kind, Python value) of one answer cell. Kind ``unconverted`` keeps the term itself:
    a literal whose lexical form its datatype refuses, or a date beyond pandas's range.
    ``seen`` holds the cells already converted in this answer (years and units repeat)."""
    if term is None:
        return _MISSING
    if isinstance(term, Literal):
        datatype = term.datatype
        if datatype is None:  # plain or language-tagged
            return "string", str(term)
        key = (str(term), str(datatype))
        if key[1] in _STRINGS:
            return "string", key[0]
        if key in seen:
            return seen[key]
        convert = _CONVERTERS.get(key[1])
        if convert is None:
            cell: tuple[str, Any] = ("other", term.toPython())
        elif term.ill_typed:  # rdflib could not read it (and may have rewritten its text)
            cell = ("unconverted", term)
        else:
            cell = convert(key[0].strip(), pd) or ("unconverted", term)
        seen[key] = cell
        return cell
    if isinstance(term, URIRef):
        iri = str(term)
        if iri not in seen:
            seen[iri] = ("iri", compact(iri))
        return seen[iri]
    return "bnode", f"_:{term}"


_MISSING = ("missing", None)


def _column(cells: list[tuple[str, Any]], pd: Any) -> Any:
    """One column as a pandas array of the dtype its kinds call for, else of objects."""
    kinds = frozenset(kind for kind, _ in cells) - {"missing"}
    values = [pd.NA if kind == "missing" else value for kind, value in cells]
    dtype = _DTYPES.get(kinds, "object")
    if dtype == "float64" and any(k == "integer" and abs(v) > _EXACT_IN_FLOAT for k, v in cells):
        dtype = "object"
    if dtype == "datetime64[ns]":
        zones = {value.tzinfo is None for kind, value in cells if kind == "datetime"}
        if zones == {False}:  # every value has a time zone: the same instants, in UTC
            values = [v if v is pd.NA else v.tz_convert("UTC") for v in values]
            dtype = "datetime64[ns, UTC]"
        elif zones != {True}:
            dtype = "object"
    if dtype == "float64":
        return pd.array([float("nan") if v is pd.NA else v for v in values], dtype=dtype)
    try:
        return pd.array(values, dtype=dtype)
    except (ValueError, TypeError, OverflowError):  # an integer beyond int64
        return pd.array(values, dtype="object")


def _labels(backend: _Runs, iris: set[URIRef], lang: str) -> dict[URIRef, str]:
    """Each IRI's label as :func:`kzby_kg.rdf.labels.label` picks it (``lang``, English,
    untagged, any, then the CURIE), from the graph ``backend`` queries: one small bound query
    per distinct IRI, so that no value is ever written into query text and a graph of any size
    answers each in an index lookup."""
    from rdflib import Graph

    from kzby_kg.rdf.curies import is_safe_iri
    from kzby_kg.rdf.labels import label

    found = {}
    for iri in iris:
        graph = Graph()
        if is_safe_iri(str(iri)):  # an IRI no engine can be asked about keeps its CURIE
            for predicate, value in backend.run(_LABEL_QUERY, {"_node": iri}).rows:
                if isinstance(predicate, URIRef) and isinstance(value, Literal):
                    graph.add((iri, predicate, value))
        found[iri] = label(graph, iri, lang)
    return found


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

    def to_dataframe(
        self, labels: bool = False, lang: str = "en", *, backend: _Runs | None = None
    ) -> pd.DataFrame:
        """The rows as a pandas DataFrame whose columns have the dtypes of their values, ready
        to plot and compute with (needs the ``pandas`` extra). A column's dtype follows the
        datatypes of its values:

        * xsd:integer and its subtypes: ``Int64`` (nullable);
          xsd:decimal, xsd:double, xsd:float: ``float64`` (a column mixing integers and
          decimals too, when every integer is below 2**53, so that none changes);
        * xsd:gYear: the year as ``Int64`` (2016, not 2016-01-01: no precision is invented);
        * xsd:gYearMonth: ``period[M]``, a pandas Period of that month (again, no invented day);
        * xsd:date, xsd:dateTime: ``datetime64[ns]``; when every value has a time zone, the same
          instants as ``datetime64[ns, UTC]``; a mix of zoned and unzoned values, or a date
          with a time zone, stays as it was (below);
        * xsd:boolean: ``boolean``; plain and xsd:string literals, and language-tagged ones
          (the tag dropped: ask the query for ``LANG(?x)`` to keep it): ``string``;
        * IRIs: ``string`` holding CURIEs under the project's prefixes (``kzd:belarus``, as the
          command line's tables show them; any other IRI in full), blank nodes ``_:id``.

        Unbound cells are missing (``<NA>``, ``NaN`` or ``NaT``). Nothing is dropped or
        guessed: a column whose values mix datatypes (a year and a date, a number and a string)
        is of dtype ``object`` and holds each value as above (an int, a str, a Timestamp, …),
        and a literal that cannot be converted (a lexical form its datatype refuses, a date
        pandas cannot hold) stays the rdflib ``Literal`` it was, which makes its column
        ``object`` too. Other datatypes give what rdflib's ``toPython`` gives, in ``object``.

        :param labels: beside each column of IRIs, add ``<column>_label`` with each entity's
            label, chosen as :func:`kzby_kg.rdf.labels.label` chooses (``lang``, then English,
            untagged, any, then the CURIE). A column the query already names so is kept.
        :param lang: the language of the labels: ``en``, ``ru``, ``kk`` or ``be``.
        :param backend: the engine the result came from, which the labels are asked of (one
            small query per distinct IRI); needed with ``labels=True``.
            :func:`kzby_kg.frame` and :func:`kzby_kg.sparql_frame` pass it for you.
        :raises UsageError: for an unknown language, labels without a backend, an answer that
            is not a table (ASK, CONSTRUCT), or pandas not installed.

        >>> from rdflib import Literal
        >>> from rdflib.namespace import XSD
        >>> result = QueryResult("SELECT", ["year"], [(Literal("2016", datatype=XSD.gYear),)])
        >>> result.to_dataframe()["year"].tolist()
        [2016]
        """
        check_lang(lang)
        if self.form != "SELECT":
            raise UsageError(
                f"to_dataframe: a {self.form} answer has no rows; only a SELECT makes a table"
            )
        if labels and backend is None:
            raise UsageError(
                "labels: labels=True needs the backend the result came from (backend=...); "
                "kzby_kg.frame and kzby_kg.sparql_frame pass it for you"
            )
        try:
            import pandas as pd
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise UsageError("to_dataframe needs pandas: pip install 'kzby-kg[pandas]'") from exc
        rows = list(self.rows)
        seen: dict[Any, tuple[str, Any]] = {}
        columns: dict[str, Any] = {}
        iri_columns: dict[str, list[Identifier | None]] = {}
        for index, name in enumerate(self.variables):
            terms = [row[index] for row in rows]
            cells = [_cell(term, pd, seen) for term in terms]
            columns[name] = _column(cells, pd)
            kinds = {kind for kind, _ in cells}
            resources = "iri" in kinds and kinds <= {"iri", "bnode", "missing"}
            if resources and f"{name}_label" not in self.variables:
                iri_columns[name] = terms
        if labels and iri_columns:
            assert backend is not None
            wanted = {t for terms in iri_columns.values() for t in terms if isinstance(t, URIRef)}
            found = _labels(backend, wanted, lang)
            labelled: dict[str, Any] = {}
            for name, column in columns.items():
                labelled[name] = column
                if name in iri_columns:
                    texts = [
                        found.get(t, pd.NA) if isinstance(t, URIRef) else pd.NA
                        for t in iri_columns[name]
                    ]
                    labelled[f"{name}_label"] = pd.array(texts, dtype="string")
            columns = labelled
        return pd.DataFrame(columns, index=pd.RangeIndex(len(rows)))
