"""Sources to a store: each Turtle file is parsed once, by Oxigraph.

This is the one way a file enters the package. The project's files go into an Oxigraph store
(:func:`load_store`); the cached store of :mod:`kzby_kg.rdf.cache` and the importer use the same
function. An rdflib graph is made *from the store* (:func:`to_graph`) only where a library needs
one: pyshacl, rdflib's serialisers and the views that walk the graph in Python.

Oxigraph keeps typed literals by value, so a graph read back writes them in canonical form
(``"119.0"^^xsd:decimal`` is the same value as ``119``).

A file that fails to parse raises :class:`~kzby_kg.errors.LoadError` with its path, line and
column, and the store being filled is dropped: callers keep what they had.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from rdflib import Graph

from kzby_kg.errors import LoadError, UsageError
from kzby_kg.paths import ProjectPaths, find_root
from kzby_kg.rdf.namespaces import bind_prefixes
from kzby_kg.rdf.terms import quads_to_ox, triple_from_ox

if TYPE_CHECKING:
    import pyoxigraph as ox

__all__ = [
    "SCOPES",
    "add_file",
    "check_scope",
    "load",
    "load_store",
    "parse_turtle",
    "project_files",
    "store_from_graph",
    "to_graph",
]


def _load_error(path: Path, exc: SyntaxError) -> LoadError:
    """A pyoxigraph syntax error as a LoadError naming the file, line and column."""
    reason = str(exc.msg if exc.msg else exc)
    _, _, why = reason.partition(": ")
    return LoadError(path, f"bad Turtle syntax: {why or reason}", exc.lineno, exc.offset)


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise LoadError(path, f"cannot read file: {exc.strerror or exc}") from exc


def load_into(store: ox.Store, files: Iterable[Path]) -> ox.Store:
    """Bulk-load Turtle files into ``store``'s default graph, one parse per file.

    Blank nodes of different files stay distinct (each parse mints its own).

    :raises LoadError: on the first file that cannot be read or parsed.
    """
    import pyoxigraph as ox

    for path in files:
        data = _read(path)
        try:
            store.bulk_load(data, format=ox.RdfFormat.TURTLE, base_iri=path.resolve().as_uri())
        except SyntaxError as exc:
            raise _load_error(path, exc) from exc
    return store


#: what a view shows: the article's graph (hand-written data) or the full graph (with the
#: vendored and imported tables)
SCOPES = ("article", "full")


def check_scope(scope: str) -> None:
    """Refuse a scope that is not "article" or "full", naming the option (``--scope``)."""
    if scope not in SCOPES:
        raise UsageError(f"--scope: {scope!r} is not one of {', '.join(SCOPES)}")


def project_files(paths: ProjectPaths, *, ontology: bool = True, scope: str = "full") -> list[Path]:
    """The files the project's graph is built from, in a fixed order: the ontology, then data.

    :raises UsageError: for a scope that is not "article" or "full".
    """
    check_scope(scope)
    data = paths.article_files() if scope == "article" else paths.data_files()
    return ([paths.ontology] if ontology else []) + data


def load_store(
    root: str | Path | ProjectPaths | None = None, *, ontology: bool = True, scope: str = "full"
) -> ox.Store:
    """The project's ontology and data in a new in-memory Oxigraph store.

    :raises LoadError: on the first broken file; no store is returned then.
    """
    import pyoxigraph as ox

    paths = root if isinstance(root, ProjectPaths) else find_root(root)
    return load_into(ox.Store(), project_files(paths, ontology=ontology, scope=scope))


def to_graph(store: ox.Store) -> Graph:
    """An rdflib graph holding the store's default graph, with the project's prefixes bound."""
    import pyoxigraph as ox

    graph = bind_prefixes(Graph())
    for quad in store.quads_for_pattern(None, None, None, ox.DefaultGraph()):
        graph.add(triple_from_ox(quad))
    return graph


def store_from_graph(graph: Graph) -> ox.Store:
    """A new in-memory Oxigraph store holding ``graph``, blank-node labels kept, so that
    answers name the same nodes as the rdflib graph."""
    import pyoxigraph as ox

    store = ox.Store()
    store.extend(quads_to_ox(graph))  # type: ignore[arg-type]
    return store


def load(
    root: str | Path | ProjectPaths | None = None, *, ontology: bool = True, scope: str = "full"
) -> Graph:
    """The project's ontology and every data file as an rdflib graph.

    >>> graph = load()
    >>> len(graph) > 1000
    True

    :param root: the project folder (see :func:`kzby_kg.paths.find_root`).
    :param ontology: include ontology/kzby.ttl (the shapes rely on its subclass axioms).
    :param scope: "full" (every data file) or "article" (data/*.ttl only, without the
        vendored and imported tables).
    :raises LoadError: on the first file that fails; nothing is returned in that case.
    """
    return to_graph(load_store(root, ontology=ontology, scope=scope))


def parse_turtle(path: Path) -> Graph:
    """One Turtle file as a new rdflib graph (through Oxigraph's parser).

    :raises LoadError: naming the file, line and column of a syntax error, or why it can't be read.
    """
    import pyoxigraph as ox

    data = _read(path)
    graph = bind_prefixes(Graph())
    try:
        for triple in ox.parse(data, format=ox.RdfFormat.TURTLE, base_iri=path.resolve().as_uri()):
            graph.add(triple_from_ox(triple))
    except SyntaxError as exc:
        raise _load_error(path, exc) from exc
    return graph


def add_file(graph: Graph, path: Path) -> int:
    """Add a Turtle file's triples to ``graph``, all or nothing.

    :returns: how many triples the file held.
    :raises LoadError: if the file is broken; ``graph`` is then unchanged.
    """
    parsed = parse_turtle(path)
    graph += parsed
    return len(parsed)
