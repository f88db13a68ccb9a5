"""Where queries run, chosen by name from one registry.

Every engine takes the same SPARQL text and the same typed bindings and returns a
:class:`~kzby_kg.querying.results.QueryResult`. The registry, like rdflib's plugin registry,
maps a name to what opens it, so the CLI, the web server and the Python API choose the same
way and :data:`DEFAULT_STORE` is the default everywhere:

* ``oxigraph`` (the default): pyoxigraph, embedded; the project's graph is the cached store
  built from ``ontology/`` and ``data/`` (:mod:`kzby_kg.rdf.cache`).
* ``rdflib``: rdflib's own engine over an in-memory graph (``memory`` is an older name).
* ``endpoint``: any SPARQL 1.1 endpoint (:mod:`kzby_kg.remote.endpoint`).

>>> sorted(ENGINES)
['endpoint', 'oxigraph', 'rdflib']
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from rdflib import Graph
from rdflib.term import Identifier

from kzby_kg.errors import QueryError, UsageError
from kzby_kg.paths import ProjectPaths
from kzby_kg.querying.backend import Backend
from kzby_kg.querying.parameters import inline_bindings
from kzby_kg.querying.results import QueryResult, Row, TsvRows
from kzby_kg.querying.text import query_form
from kzby_kg.rdf.namespaces import bind_prefixes
from kzby_kg.rdf.terms import triple_from_ox

if TYPE_CHECKING:
    import pyoxigraph as ox
    from rdflib.query import ResultRow

__all__ = [
    "DEFAULT_STORE",
    "ENGINES",
    "Backend",
    "EngineOptions",
    "OxigraphBackend",
    "RdflibBackend",
    "open_backend",
]

DEFAULT_STORE = "oxigraph"
_ALIASES = {"memory": "rdflib"}


class RdflibBackend(Backend):
    """rdflib's own engine over an in-memory graph (binds values natively)."""

    name = "rdflib"

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
        rows = [tuple(row) for row in cast("Iterable[ResultRow]", result)]  # SELECT yields rows
        return QueryResult(form, variables, rows, backend=self.name)

    def select_rows(
        self, text: str, bindings: dict[str, Identifier] | None = None
    ) -> tuple[list[str], Iterator[Row]]:
        """A SELECT's variables and its rows as rdflib evaluates them, one at a time: nothing
        keeps the rows read (rdflib's own Result does, which holds the whole answer).

        :raises QueryError: for a query rdflib cannot parse or evaluate (also while reading).
        """
        from rdflib.plugins.sparql.processor import SPARQLProcessor

        try:
            answer = SPARQLProcessor(self.graph).query(
                text, bindings or {}, dict(self.graph.namespaces())
            )
        except Exception as exc:  # rdflib raises pyparsing and many other errors
            raise QueryError(f"query failed: {exc}") from exc
        names = answer.get("vars_") or []

        def rows() -> Iterator[Row]:
            try:
                for solution in answer["bindings"]:
                    if solution:  # rdflib's Result drops an empty solution; so do we
                        yield tuple(solution.get(name) for name in names)
            except QueryError:
                raise
            except Exception as exc:
                raise QueryError(f"query failed: {exc}") from exc

        return [str(name) for name in names], rows()


class OxigraphBackend(Backend):
    """pyoxigraph: the default engine. Bindings go in a VALUES block, because Oxigraph's
    substitutions accept only projected variables."""

    name = "oxigraph"

    def __init__(self, store: ox.Store) -> None:
        self.store = store

    @classmethod
    def from_graph(cls, graph: Graph) -> OxigraphBackend:
        """A new in-memory store holding a copy of ``graph`` (blank-node labels kept)."""
        from kzby_kg.rdf.load import store_from_graph

        return cls(store_from_graph(graph))

    def run(self, text: str, bindings: dict[str, Identifier] | None = None) -> QueryResult:
        import pyoxigraph as ox

        form = query_form(text)
        try:
            result = self.store.query(inline_bindings(text, bindings or {}))
            if isinstance(result, ox.QuerySolutions):
                variables = [v.value for v in result.variables]
                tsv = result.serialize(format=ox.QueryResultsFormat.TSV)
                assert tsv is not None  # no output given: the bytes are returned
                rows = TsvRows(tsv)
                return QueryResult(form, variables, rows, backend=self.name)
            if isinstance(result, ox.QueryBoolean):
                return QueryResult(form, boolean=bool(result), backend=self.name)
            graph = bind_prefixes(Graph())
            for triple in result:
                graph.add(triple_from_ox(triple))
            return QueryResult(form, graph=graph, backend=self.name)
        except (SyntaxError, OSError) as exc:  # evaluation errors surface while reading
            raise QueryError(f"query failed: {exc}") from exc

    def solutions(
        self, text: str, bindings: dict[str, Identifier] | None = None
    ) -> ox.QuerySolutions:
        """A SELECT's answer as Oxigraph's lazy solutions: evaluated as they are read, so that
        ``solutions.serialize(output=...)`` writes an answer of any size in flat memory.

        :raises QueryError: for a malformed query, or one that is no SELECT.
        """
        import pyoxigraph as ox

        try:
            result = self.store.query(inline_bindings(text, bindings or {}))
        except (SyntaxError, OSError) as exc:
            raise QueryError(f"query failed: {exc}") from exc
        if not isinstance(result, ox.QuerySolutions):
            raise QueryError("query failed: only a SELECT has solutions to stream")
        return result


@dataclass(frozen=True)
class EngineOptions:
    """What opening an engine may use. Each engine reads the fields it needs."""

    #: an rdflib graph to query (copied into a new store by Oxigraph)
    graph: Graph | None = None
    #: an Oxigraph store already loaded (queried in place by Oxigraph)
    loaded: ox.Store | None = None
    root: str | Path | ProjectPaths | None = None
    endpoint: str | None = None
    user: str | None = None
    password: str | None = None
    timeout: float = 30.0
    retries: int = 3
    default_graph: str | None = None
    #: how Oxigraph opens the cached graph: auto, memory or disk (see kzby_kg.rdf.cache)
    form: str = "auto"


def _open_oxigraph(options: EngineOptions) -> Backend:
    if options.loaded is not None:
        return OxigraphBackend(options.loaded)
    if options.graph is not None:
        return OxigraphBackend.from_graph(options.graph)
    from kzby_kg.paths import find_root
    from kzby_kg.rdf.cache import cached_store

    root = options.root
    paths = root if isinstance(root, ProjectPaths) else find_root(root)
    return OxigraphBackend(cached_store(paths, form=options.form))


def _open_rdflib(options: EngineOptions) -> Backend:
    if options.graph is not None:
        return RdflibBackend(options.graph)
    from kzby_kg.rdf.load import load, to_graph

    if options.loaded is not None:
        return RdflibBackend(to_graph(options.loaded))

    return RdflibBackend(load(options.root))


def _open_endpoint(options: EngineOptions) -> Backend:
    from kzby_kg.remote.endpoint import EndpointBackend

    if not options.endpoint:
        raise UsageError("--endpoint: the endpoint engine needs a URL")
    return EndpointBackend(
        options.endpoint,
        user=options.user,
        password=options.password,
        timeout=options.timeout,
        retries=options.retries,
        default_graph=options.default_graph,
    )


#: engine name -> the function that opens it
ENGINES: dict[str, Callable[[EngineOptions], Backend]] = {
    "oxigraph": _open_oxigraph,
    "rdflib": _open_rdflib,
    "endpoint": _open_endpoint,
}

#: the names a user may give to --store (the embedded engines)
STORES = ("oxigraph", "rdflib")


def open_backend(store: str = DEFAULT_STORE, **options: Any) -> Backend:
    """The engine a user asked for: an endpoint URL wins, else the embedded store named.

    ``oxigraph`` without a graph opens the cached store of the project, so nothing is parsed
    when the files have not changed.

    :param store: ``oxigraph`` (default), ``rdflib``, or ``endpoint``.
    :param options: the fields of :class:`EngineOptions`.
    :raises UsageError: for an unknown store.
    """
    opts = EngineOptions(**options)
    name = "endpoint" if opts.endpoint else _ALIASES.get(store, store)
    opener = ENGINES.get(name)
    if opener is None:
        raise UsageError(f"--store: unknown store {store!r}; choose one of {', '.join(STORES)}")
    return opener(opts)
