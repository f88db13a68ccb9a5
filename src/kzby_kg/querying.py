"""Ask questions: stored queries by name, ad-hoc SPARQL, on the backend of your choice.

>>> import kzby_kg
>>> result = kzby_kg.query("commission-meetings", since=2000)
>>> [row["ordinal"].toPython() for row in result.dicts() if row["ordinal"] is not None]
[12]
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rdflib import Graph

from .backends import Backend, EndpointBackend, OxigraphBackend, RdflibBackend
from .catalogue import StoredQuery, catalogue, load_query
from .errors import UsageError
from .loading import load
from .paths import ProjectPaths, find_root
from .results import QueryResult

__all__ = ["STORES", "open_backend", "query", "run_stored", "sparql", "stored_query"]

STORES = ("memory", "oxigraph")


def open_backend(
    store: str = "memory",
    *,
    endpoint: str | None = None,
    graph: Graph | None = None,
    root: str | Path | ProjectPaths | None = None,
    user: str | None = None,
    password: str | None = None,
    timeout: float = 30.0,
    retries: int = 3,
    default_graph: str | None = None,
) -> Backend:
    """The backend a user asked for: an endpoint URL wins; else the embedded store named.

    ``oxigraph`` without a graph opens the cached store built from ontology/ and data/
    (see :mod:`kzby_kg.cache`), so nothing is parsed when the files have not changed.

    :raises UsageError: for an unknown store.
    """
    if endpoint:
        return EndpointBackend(
            endpoint,
            user=user,
            password=password,
            timeout=timeout,
            retries=retries,
            default_graph=default_graph,
        )
    if store not in STORES:
        raise UsageError(f"--store: unknown store {store!r}; choose one of {', '.join(STORES)}")
    if store == "oxigraph" and graph is None:
        from .cache import oxigraph_store

        paths = root if isinstance(root, ProjectPaths) else find_root(root)
        return OxigraphBackend(store=oxigraph_store(paths))
    data = graph if graph is not None else load(root)
    return RdflibBackend(data) if store == "memory" else OxigraphBackend(data)


def stored_query(name: str, root: str | Path | ProjectPaths | None = None) -> StoredQuery:
    """One stored query by name.

    :raises UsageError: naming close matches when there is no such query.
    """
    paths = root if isinstance(root, ProjectPaths) else find_root(root)
    path = paths.root / "queries" / f"{name}.rq"
    if "/" not in name and path.is_file():
        return load_query(path)
    queries = catalogue(paths)
    if name not in queries:
        import difflib

        close = difflib.get_close_matches(name, list(queries), n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else "; see `kzby-kg queries`"
        raise UsageError(f"no stored query named {name!r}{hint}")
    return queries[name]


def run_stored(stored: StoredQuery, backend: Backend, params: dict[str, Any]) -> QueryResult:
    """Run a stored query with typed, bound parameters."""
    return backend.run(stored.text, stored.bindings(params))


def query(name: str, backend: Backend | None = None, **params: Any) -> QueryResult:
    """Run the stored query ``name`` with keyword parameters (embedded store by default)."""
    return run_stored(stored_query(name), backend or open_backend(), params)


def sparql(text: str, backend: Backend | None = None) -> QueryResult:
    """Run ad-hoc SPARQL (SELECT, ASK, CONSTRUCT or DESCRIBE); updates are refused."""
    return (backend or open_backend()).run(text)
