"""Where queries run: embedded rdflib (default), Oxigraph, or any SPARQL 1.1 endpoint.

Every backend takes the same SPARQL text and the same typed bindings, and returns a
:class:`~kzby_kg.results.QueryResult` of rdflib terms. Bindings are passed natively to rdflib
(``initBindings``). Oxigraph's ``substitutions`` accept only projected variables and a remote
endpoint has no such mechanism, so there the values are written as a ``VALUES`` block of terms
serialized by rdflib after strict type checks (see :func:`inline_bindings`), never as pasted
user text.
"""

from __future__ import annotations

import re
import time
import urllib.error
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from functools import lru_cache
from typing import Any, overload

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import XSD
from rdflib.term import Identifier

from .catalogue import parameter_name
from .errors import EndpointError, QueryError, UsageError
from .namespaces import bind_prefixes
from .results import LazyRows, QueryResult

__all__ = [
    "Backend",
    "EndpointBackend",
    "OxigraphBackend",
    "RdflibBackend",
    "inline_bindings",
    "query_form",
]

_FORM = re.compile(r"\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", re.IGNORECASE)


@lru_cache(maxsize=512)
def _strip_comments_and_strings(text: str) -> str:
    """Blank out comments, strings and IRIs (keeping offsets) so keywords can be found safely.

    Cached: stored queries are run again and again, and this scan costs more than a small
    query on Oxigraph."""
    out = list(text)
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "#":
            j = text.find("\n", i)
            j = n if j < 0 else j
        elif c == "<" and re.match(r"<[^\s<>\"{}|^`]*>", text[i:]):
            j = i + re.match(r"<[^\s<>\"{}|^`]*>", text[i:]).end()  # type: ignore[union-attr]
        elif c in "\"'":
            quote = text[i : i + 3] if text[i : i + 3] in ('"""', "'''") else c
            j = i + len(quote)
            while j < n and text[j : j + len(quote)] != quote:
                j += 2 if text[j] == "\\" else 1
            j = min(n, j + len(quote))
        else:
            i += 1
            continue
        for k in range(i, j):
            if out[k] != "\n":
                out[k] = " "
        i = j
    return "".join(out)


@lru_cache(maxsize=512)
def query_form(text: str) -> str:
    """SELECT, ASK, CONSTRUCT or DESCRIBE; an update or anything else is refused.

    :raises QueryError: for SPARQL Update or text that is no query.
    """
    clean = _strip_comments_and_strings(text)
    if re.search(
        r"\b(INSERT|DELETE|LOAD|CLEAR|DROP|CREATE|ADD|MOVE|COPY)\b\s", clean, re.IGNORECASE
    ) and not _FORM.search(clean):
        raise QueryError("SPARQL Update is not a query; this command only reads")
    match = _FORM.search(clean)
    if not match:
        raise QueryError("not a SPARQL query: expected SELECT, ASK, CONSTRUCT or DESCRIBE")
    return match.group(1).upper()


def _term_text(variable: str, term: Identifier) -> str:
    """An rdflib term as SPARQL text, refusing anything that could change the query's shape."""
    name = parameter_name(variable)
    if isinstance(term, URIRef):
        if re.search(r"[\s<>\"{}|^`\\]", str(term)):
            raise UsageError(f"parameter {name!r}: IRI contains characters SPARQL forbids")
        return f"<{term}>"
    if isinstance(term, Literal):
        lexical = str(term)
        if "\\" in lexical or re.search(r"[\x00-\x1f]", lexical):
            raise UsageError(
                f"parameter {name!r}: backslashes and control characters cannot be written into "
                "a query for this backend; use the embedded store (--store memory)"
            )
        return term.n3()
    raise UsageError(f"parameter {name!r}: only IRIs and literals can be bound")


def inline_bindings(text: str, bindings: dict[str, Identifier]) -> str:
    """The query text with its bindings in a VALUES block (see :func:`_inline`), cached."""
    if not bindings:
        return text
    return _inline(text, tuple(sorted(bindings.items())))


@lru_cache(maxsize=512)
def _inline(text: str, items: tuple[tuple[str, Identifier], ...]) -> str:
    """Put bindings in a VALUES block at the start of the outermost WHERE group.

    The stored query's own text is trusted; only the bound terms are new, and each is written by
    rdflib after the checks of :func:`_term_text`.

    >>> from rdflib import Literal
    >>> inline_bindings("SELECT ?x WHERE { ?x ?p ?_y }", {"_y": Literal("a")})
    'SELECT ?x WHERE { VALUES (?_y) { ("a") } ?x ?p ?_y }'
    """
    bindings = dict(items)
    clean = _strip_comments_and_strings(text)
    where = re.search(r"\bWHERE\s*\{", clean, re.IGNORECASE)
    if where is None:
        raise QueryError("a query with parameters needs a WHERE { … } clause")
    names = sorted(bindings)
    values = " ".join(_term_text(n, bindings[n]) for n in names)
    block = f" VALUES ({' '.join('?' + n for n in names)}) {{ ({values}) }}"
    return text[: where.end()] + block + text[where.end() :]


class Backend(ABC):
    """A place to run SPARQL."""

    name: str = "backend"

    @abstractmethod
    def run(self, text: str, bindings: dict[str, Identifier] | None = None) -> QueryResult:
        """Run a read-only query with typed bindings."""


class RdflibBackend(Backend):
    """The embedded default: rdflib's own engine over an in-memory graph."""

    name = "embedded"

    def __init__(self, graph: Graph) -> None:
        self.graph = graph

    def run(self, text: str, bindings: dict[str, Identifier] | None = None) -> QueryResult:
        form = query_form(text)
        try:
            result = self.graph.query(text, initBindings=bindings or {})
        except Exception as exc:  # rdflib raises pyparsing and many other errors
            raise QueryError(f"query failed: {exc}") from exc
        if form == "ASK":
            return QueryResult(form, boolean=bool(result.askAnswer), backend=self.name)
        if form in ("CONSTRUCT", "DESCRIBE"):
            graph = bind_prefixes(Graph())
            for triple in result:
                graph.add(triple)  # type: ignore[arg-type]
            return QueryResult(form, graph=graph, backend=self.name)
        variables = [str(v) for v in result.vars or []]
        rows = [tuple(row) for row in result]  # type: ignore[arg-type]
        return QueryResult(form, variables, rows, backend=self.name)


def to_ox(term: Identifier) -> Any:
    """An rdflib term as a pyoxigraph term: the inverse of :func:`_from_ox`."""
    import pyoxigraph as ox

    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype or XSD.string)))
    raise TypeError(f"not an RDF term: {term!r}")


def _from_ox(term: Any) -> Identifier | None:
    import pyoxigraph as ox

    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if term.language:
        return Literal(term.value, lang=term.language)
    datatype = term.datatype.value
    return Literal(term.value, datatype=None if datatype == str(XSD.string) else URIRef(datatype))


def triple_from_ox(triple: Any) -> tuple[Identifier, Identifier, Identifier]:
    """An Oxigraph triple (of a CONSTRUCT answer) as an rdflib triple."""
    return (_from_ox(triple.subject), _from_ox(triple.predicate), _from_ox(triple.object))  # type: ignore[return-value]


def store_from_graph(graph: Graph) -> Any:
    """A new in-memory Oxigraph store holding ``graph``.

    ``ox.parse`` keeps blank-node labels, so results name the same nodes as the rdflib graph.
    """
    import pyoxigraph as ox

    store = ox.Store()
    store.extend(ox.parse(graph.serialize(format="nt", encoding="utf-8"), ox.RdfFormat.N_TRIPLES))
    return store


def _cell_from_ox(solution: Any, index: int) -> Identifier | None:
    return _from_ox(solution[index])


_XSD_STRING = str(XSD.string)


class TsvSolutions(Sequence[Any]):
    """An Oxigraph answer held as the SPARQL TSV bytes Oxigraph writes, parsed when read.

    Why: holding a Python object per solution cost 1.3x the query itself on a 14k-row answer
    at 1M triples (allocation and deallocation of every row), while Oxigraph writes the same
    answer as TSV inside Rust at 1.07x. TSV writes every term as in N-Triples, so parsing it
    back gives the same terms (tests/test_fast_path.py compares them). Counting rows counts
    lines; iterating parses one solution at a time; indexing parses once and keeps the list.
    """

    __slots__ = ("_solutions", "tsv")

    def __init__(self, tsv: bytes) -> None:
        self.tsv = tsv
        self._solutions: list[Any] | None = None

    def __len__(self) -> int:
        return self.tsv.count(b"\n") - 1  # a header line, then one line per solution

    def __iter__(self) -> Iterator[Any]:
        if self._solutions is not None:
            return iter(self._solutions)
        import pyoxigraph as ox

        return iter(ox.parse_query_results(self.tsv, format=ox.QueryResultsFormat.TSV))

    @overload
    def __getitem__(self, index: int) -> Any: ...

    @overload
    def __getitem__(self, index: slice) -> list[Any]: ...

    def __getitem__(self, index: int | slice) -> Any:
        if self._solutions is None:
            self._solutions = list(self)
        return self._solutions[index]


class OxigraphRows(LazyRows):
    """Oxigraph solutions, converted to rdflib terms only when a row is read."""

    __slots__ = ()

    def json_bindings(self, variables: list[str]) -> list[dict[str, dict[str, str]]]:
        """SPARQL JSON straight from Oxigraph's terms: no rdflib object is made."""
        import pyoxigraph as ox

        out = []
        for solution in self.raw:
            binding = {}
            for index, name in enumerate(variables):
                term = solution[index]
                if term is None:
                    continue
                if isinstance(term, ox.NamedNode):
                    binding[name] = {"type": "uri", "value": term.value}
                elif isinstance(term, ox.BlankNode):
                    binding[name] = {"type": "bnode", "value": term.value}
                elif term.language:
                    binding[name] = {
                        "type": "literal",
                        "value": term.value,
                        "xml:lang": term.language,
                    }
                elif term.datatype.value == _XSD_STRING:
                    binding[name] = {"type": "literal", "value": term.value}
                else:
                    binding[name] = {
                        "type": "literal",
                        "value": term.value,
                        "datatype": term.datatype.value,
                    }
            out.append(binding)
        return out


class OxigraphBackend(Backend):
    """pyoxigraph's in-memory store: the same data, a much faster engine."""

    name = "oxigraph"

    def __init__(self, graph: Graph | None = None, *, store: Any = None) -> None:
        """From an rdflib graph (copied into a new in-memory store) or a ready pyoxigraph store."""
        self.store = store if store is not None else store_from_graph(graph or Graph())

    def run(self, text: str, bindings: dict[str, Identifier] | None = None) -> QueryResult:
        form = query_form(text)
        # pyoxigraph's substitutions only accept projected variables, so bindings go in a
        # VALUES block of rdflib-serialized terms, as for remote endpoints.
        try:
            result = self.store.query(inline_bindings(text, bindings or {}))
            if form == "SELECT":
                return self._select(result)
            if form == "ASK":
                return QueryResult(form, boolean=bool(result), backend=self.name)
            graph = bind_prefixes(Graph())
            for t in result:
                graph.add(triple_from_ox(t))
            return QueryResult(form, graph=graph, backend=self.name)
        except (SyntaxError, OSError) as exc:  # evaluation errors surface while reading
            raise QueryError(f"query failed: {exc}") from exc

    def _select(self, result: Any) -> QueryResult:
        import pyoxigraph as ox

        variables = [v.value for v in result.variables]
        answer = TsvSolutions(result.serialize(format=ox.QueryResultsFormat.TSV))
        rows = OxigraphRows(answer, len(variables), _cell_from_ox)
        return QueryResult("SELECT", variables, rows, backend=self.name)


class EndpointBackend(Backend):
    """Any SPARQL 1.1 endpoint, through SPARQLWrapper.

    Retries 429 and 503 answers with backoff, refuses partial results (Virtuoso's anytime
    queries and row caps say so in headers), and turns network failures into
    :class:`~kzby_kg.errors.EndpointError`.
    """

    name = "endpoint"
    PARTIAL_HEADERS = ("X-SQL-State", "X-SPARQL-MaxRows")

    def __init__(
        self,
        url: str,
        *,
        user: str | None = None,
        password: str | None = None,
        timeout: float = 30.0,
        retries: int = 3,
        default_graph: str | None = None,
        backoff: float = 0.5,
    ) -> None:
        self.url = url
        self.user = user
        self.password = password
        self.timeout = timeout
        self.retries = retries
        self.default_graph = default_graph
        self.backoff = backoff

    def _wrapper(self, text: str, return_format: str) -> Any:
        from SPARQLWrapper import DIGEST, POST, SPARQLWrapper

        wrapper = SPARQLWrapper(self.url)
        wrapper.setMethod(POST)
        wrapper.setTimeout(int(self.timeout))
        wrapper.setQuery(text)
        wrapper.setReturnFormat(return_format)
        if self.user:
            wrapper.setHTTPAuth(DIGEST)
            wrapper.setCredentials(self.user, self.password or "")
        if self.default_graph:
            wrapper.addDefaultGraph(self.default_graph)
        return wrapper

    def _send(self, text: str, return_format: str) -> Any:
        from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

        attempt = 0
        while True:
            try:
                return self._wrapper(text, return_format).query()
            except urllib.error.HTTPError as exc:
                if exc.code in (429, 503) and attempt < self.retries:
                    retry_after = exc.headers.get("Retry-After") if exc.headers else None
                    delay = (
                        float(retry_after)
                        if retry_after and retry_after.isdigit()
                        else self.backoff * 2**attempt
                    )
                    time.sleep(min(delay, 30.0))
                    attempt += 1
                    continue
                raise EndpointError(f"{self.url} answered HTTP {exc.code}: {exc.reason}") from exc
            except SPARQLWrapperException as exc:
                message = str(exc).splitlines()[0]
                raise EndpointError(f"{self.url} refused the query: {message}") from exc
            except urllib.error.URLError as exc:
                raise EndpointError(f"cannot reach {self.url}: {exc.reason}") from exc
            except TimeoutError as exc:
                raise EndpointError(f"{self.url} did not answer within {self.timeout:g} s") from exc

    def _check_complete(self, response: Any) -> None:
        headers = response.info()
        for name in self.PARTIAL_HEADERS:
            if headers.get(name):
                raise EndpointError(
                    f"{self.url} answered with partial results ({name}: {headers.get(name)}); "
                    "raise the server's limits or narrow the query"
                )

    def run(self, text: str, bindings: dict[str, Identifier] | None = None) -> QueryResult:
        from SPARQLWrapper import JSON, TURTLE

        form = query_form(text)
        full = inline_bindings(text, bindings or {})
        if form in ("CONSTRUCT", "DESCRIBE"):
            answer = self._send(full, TURTLE)
            self._check_complete(answer.response)
            graph = bind_prefixes(Graph())
            try:
                graph.parse(data=answer.response.read(), format="turtle")
            except Exception as exc:
                raise EndpointError(f"{self.url} sent a graph that does not parse: {exc}") from exc
            return QueryResult(form, graph=graph, backend=self.name)
        answer = self._send(full, JSON)
        self._check_complete(answer.response)
        try:
            data = answer.convert()
        except Exception as exc:
            raise EndpointError(f"{self.url} sent results that do not parse: {exc}") from exc
        if form == "ASK":
            return QueryResult(form, boolean=bool(data.get("boolean")), backend=self.name)
        variables = list(data.get("head", {}).get("vars", []))
        rows = [
            tuple(_from_json(b.get(v)) for v in variables)
            for b in data.get("results", {}).get("bindings", [])
        ]
        return QueryResult(form, variables, rows, backend=self.name)


def _from_json(value: dict[str, str] | None) -> Identifier | None:
    if value is None:
        return None
    kind = value.get("type")
    if kind == "uri":
        return URIRef(value["value"])
    if kind == "bnode":
        return BNode(value["value"])
    if "xml:lang" in value:
        return Literal(value["value"], lang=value["xml:lang"])
    datatype = value.get("datatype")
    if datatype == str(XSD.string):
        datatype = None
    return Literal(value["value"], datatype=URIRef(datatype) if datatype else None)
