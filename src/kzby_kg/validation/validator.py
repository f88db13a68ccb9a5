"""Which validator runs: pyshacl, or the shapes compiled to SPARQL on Oxigraph.

pyshacl is the reference but slow (7 s on the article graph, 729 s at 103k triples); the
compiled validator runs the same checks inside Oxigraph and is proven equal to it by the tests.
``auto`` runs the compiled validator, and pyshacl when the shapes use SHACL it cannot translate.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from rdflib import Graph

from kzby_kg.errors import UsageError
from kzby_kg.validation.report import Report
from kzby_kg.validation.shacl import shapes_graph, validate

if TYPE_CHECKING:
    import pyoxigraph as ox

__all__ = ["FAST_THRESHOLD", "VALIDATORS", "validate_files", "validate_graph", "validate_store"]


#: ``auto`` uses pyshacl below this many triples and the compiled validator from it on. It is 0:
#: the compiled validator always runs when it can translate the shapes, because the tests prove
#: it reports what pyshacl reports (tests/acceptance/test_fast_validation.py) and it takes 0.3 s
#: on the article graph where pyshacl takes 7 s (29 s at 14k triples, 729 s at 103k).
#: ``--validator pyshacl`` runs the reference.
FAST_THRESHOLD = 0

VALIDATORS = ("auto", "pyshacl", "sparql")


def _check_validator(validator: str) -> None:
    if validator not in VALIDATORS:
        raise UsageError(
            f"--validator: unknown validator {validator!r}; choose {', '.join(VALIDATORS)}"
        )


def _uses_pyshacl(validator: str, triples: int, threshold: int) -> bool:
    """Whether the reference runs: asked for, or ``auto`` below the threshold."""
    return validator == "pyshacl" or (validator == "auto" and triples < threshold)


def _compiled_or_pyshacl(
    store: ox.Store, shapes: Graph, validator: str, pyshacl: Callable[[], Report]
) -> Report:
    """The compiled validator on ``store``; if the shapes are beyond it, pyshacl for ``auto``
    (and the report says why), an error for ``sparql``."""
    from kzby_kg.validation.compiled import validate_compiled
    from kzby_kg.validation.compiler import UnsupportedShape

    try:
        return validate_compiled(store, shapes)
    except UnsupportedShape as exc:
        if validator == "sparql":
            raise UsageError(f"--validator sparql: {exc}") from exc
        report = pyshacl()
        report.validator = f"pyshacl (the compiled validator cannot run these shapes: {exc})"
        return report


def validate_store(
    store: ox.Store,
    shapes: Graph | Path | None = None,
    *,
    validator: str = "auto",
    threshold: int = FAST_THRESHOLD,
    graph: Graph | None = None,
) -> Report:
    """Validate the default graph of an Oxigraph store.

    ``auto`` runs the compiled validator on stores of at least ``threshold`` triples and
    pyshacl (on an rdflib graph made from the store) below it. If the shapes use SHACL the
    compiler does not translate, ``auto`` falls back to pyshacl and the report says so;
    ``sparql`` raises instead.

    :param graph: the same data as an rdflib graph, if the caller holds one already.
    :raises UsageError: for an unknown validator name.
    """
    from kzby_kg.rdf.load import to_graph

    _check_validator(validator)
    shapes_g = shapes_graph(shapes)

    def pyshacl() -> Report:
        return validate(graph if graph is not None else to_graph(store), shapes_g)

    if _uses_pyshacl(validator, len(store), threshold):
        return pyshacl()
    return _compiled_or_pyshacl(store, shapes_g, validator, pyshacl)


def validate_files(
    files: list[Path],
    shapes: Graph | Path | None = None,
    *,
    validator: str = "auto",
    threshold: int = FAST_THRESHOLD,
) -> Report:
    """Validate Turtle files together (each parsed once, into Oxigraph); see
    :func:`validate_store`."""
    import pyoxigraph as ox

    from kzby_kg.rdf.load import load_into

    _check_validator(validator)
    store = load_into(ox.Store(), files)
    return validate_store(store, shapes, validator=validator, threshold=threshold)


def validate_graph(
    graph: Graph,
    shapes: Graph | Path | None = None,
    *,
    validator: str = "auto",
    threshold: int = FAST_THRESHOLD,
) -> Report:
    """Like :func:`validate_store`, for an rdflib graph already in memory; it is copied into
    Oxigraph only when the compiled validator runs."""
    from kzby_kg.rdf.load import store_from_graph

    _check_validator(validator)
    if _uses_pyshacl(validator, len(graph), threshold):
        return validate(graph, shapes)
    store = store_from_graph(graph)
    return validate_store(store, shapes, validator=validator, threshold=threshold, graph=graph)
