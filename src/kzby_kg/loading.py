"""Load the ontology and the data into one rdflib graph.

Each file is parsed into a graph of its own before anything is merged, so that a broken file
never leaves a half-loaded graph behind: callers keep their previous graph on error.
"""

from __future__ import annotations

from pathlib import Path

from rdflib import Graph
from rdflib.plugins.parsers.notation3 import BadSyntax

from .errors import LoadError
from .namespaces import bind_prefixes
from .paths import ProjectPaths, find_root

__all__ = ["add_file", "load", "parse_turtle"]


def _position(text: str | bytes, offset: int) -> tuple[int, int]:
    """Turn a character offset into 1-based line and column."""
    newline: str | bytes = b"\n" if isinstance(text, bytes) else "\n"
    line = text.count(newline, 0, offset) + 1  # type: ignore[arg-type]
    column = offset - (text.rfind(newline, 0, offset) + 1) + 1  # type: ignore[arg-type]
    return line, column


def parse_turtle(path: Path) -> Graph:
    """Parse one Turtle file into a new graph.

    :param path: the file.
    :returns: a graph holding only that file's triples.
    :raises LoadError: naming the file, line and column of a syntax error, or why it can't be read.
    """
    graph = Graph()
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise LoadError(path, f"cannot read file: {exc.strerror or exc}") from exc
    try:
        graph.parse(data=data, format="turtle", publicID=path.resolve().as_uri())
    except BadSyntax as exc:
        line, column = _position(exc._str, exc._i)
        raise LoadError(path, f"bad Turtle syntax: {exc._why}", line, column) from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise LoadError(path, f"cannot parse as Turtle: {exc}") from exc
    return graph


def add_file(graph: Graph, path: Path) -> int:
    """Add a Turtle file's triples to ``graph``, all or nothing.

    :returns: how many triples the file held.
    :raises LoadError: if the file is broken; ``graph`` is then unchanged.
    """
    parsed = parse_turtle(path)
    graph += parsed
    for prefix, namespace in parsed.namespaces():
        if prefix and prefix not in dict(graph.namespaces()):
            graph.bind(prefix, namespace)
    return len(parsed)


def load(root: str | Path | ProjectPaths | None = None, *, ontology: bool = True) -> Graph:
    """Load the project's ontology and every data file into a fresh graph.

    >>> graph = load()
    >>> len(graph) > 1000
    True

    :param root: the project folder (see :func:`kzby_kg.paths.find_root`).
    :param ontology: include ontology/kzby.ttl (the shapes rely on its subclass axioms).
    :raises LoadError: on the first file that fails; nothing is returned in that case.
    """
    paths = root if isinstance(root, ProjectPaths) else find_root(root)
    files = ([paths.ontology] if ontology else []) + paths.data_files()
    graph = bind_prefixes(Graph())
    for path in files:
        add_file(graph, path)
    bind_prefixes(graph)
    return graph
