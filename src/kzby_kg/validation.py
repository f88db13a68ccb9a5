"""Validate the graph against the SHACL shapes and report results by label.

pyshacl is the validator. The report is turned into plain records (severity, focus node and its
label, path, value, message) so that the CLI and tests can read it without SHACL vocabulary.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rdflib import Graph
from rdflib.namespace import RDF, SH
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.sparql import Query
from rdflib.term import Node

from .labels import curie, label
from .loading import parse_turtle
from .paths import ProjectPaths, find_root

__all__ = [
    "Report",
    "Result",
    "load_shapes",
    "shacl_report_graph",
    "sort_results",
    "validate",
    "validate_files",
    "validate_graph",
]

_SEVERITY_ORDER = {"Violation": 0, "Warning": 1, "Info": 2}


@dataclass(frozen=True)
class Result:
    """One SHACL result, with the focus node already named for a reader."""

    severity: str
    focus: Node
    focus_label: str
    focus_curie: str
    path: str | None
    value: str | None
    message: str
    shape: str
    #: the value node itself, for callers that compare values rather than read them
    value_node: Node | None = None


@dataclass
class Report:
    """All results of one validation run."""

    results: list[Result] = field(default_factory=list)
    validator: str = "pyshacl"

    def of(self, severity: str) -> list[Result]:
        return [r for r in self.results if r.severity == severity]

    @property
    def violations(self) -> list[Result]:
        return self.of("Violation")

    @property
    def warnings(self) -> list[Result]:
        return self.of("Warning")

    @property
    def infos(self) -> list[Result]:
        return self.of("Info")

    @property
    def conforms(self) -> bool:
        """True when nothing is a Violation: warnings and infos do not fail a graph."""
        return not self.violations

    def counts(self) -> Counter[str]:
        return Counter(r.severity for r in self.results)

    def format(self, *, include_info: bool = False, per_message: int | None = None) -> str:
        """A readable listing: severity, focus label (CURIE), path, message.

        With ``per_message``, at most that many results of one severity and message are listed,
        then a count of the rest: an imported catalogue with 1,600 agreements that have no
        Russian label should not bury the one violation that matters.
        """
        lines = []
        shown: Counter[tuple[str, str]] = Counter()
        for r in self.results:
            if r.severity == "Info" and not include_info:
                continue
            kind = (r.severity, r.message)
            shown[kind] += 1
            if per_message is not None and shown[kind] > per_message:
                continue
            path = f" [{r.path}]" if r.path else ""
            lines.append(f"{r.severity:<9} {r.focus_label} ({r.focus_curie}){path}: {r.message}")
        if per_message is not None:
            for (severity, message), n in sorted(shown.items()):
                if n > per_message:
                    lines.append(f"{severity:<9} … {n - per_message:,} more: {message}")
        counts = self.counts()
        lines.append(
            f"{counts['Violation']} violations, {counts['Warning']} warnings, "
            f"{counts['Info']} infos (validator: {self.validator})"
        )
        return "\n".join(lines)


class _PreparedQueryGraph(Graph):
    """A view of a graph's store that parses each SPARQL text once.

    pyshacl runs every SHACL-SPARQL constraint once per focus node, passing the same query text
    each time; rdflib would parse it anew on every call, which cost 35-100 ms per focus node and
    made validation of the article graph take a minute. Sharing the store copies no triples.
    """

    def __init__(self, base: Graph) -> None:
        super().__init__(
            store=base.store, identifier=base.identifier, namespace_manager=base.namespace_manager
        )
        self._prepared: dict[str, Query] = {}

    def query(self, query_object: object, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        if isinstance(query_object, str):
            prepared = self._prepared.get(query_object)
            if prepared is None:
                prepared = prepareQuery(query_object, initNs=dict(self.namespaces()))
                self._prepared[query_object] = prepared
            query_object = prepared
        return super().query(query_object, *args, **kwargs)


def _one(graph: Graph, subject: Node, predicate: Node) -> Node | None:
    return next(iter(graph.objects(subject, predicate)), None)


def sort_results(results: list[Result]) -> list[Result]:
    """Violations first, then by focus label, path and message: the order readers scan in."""
    return sorted(
        results,
        key=lambda r: (_SEVERITY_ORDER.get(r.severity, 3), r.focus_label, r.path or "", r.message),
    )


def _message(report: Graph, node: Node, shapes: Graph | None) -> str:
    """The result's message. A SPARQL constraint's own message (with its values filled in) is
    preferred over its shape's general one, which pyshacl adds beside it."""
    messages = sorted(str(m) for m in report.objects(node, SH.resultMessage))
    shape = _one(report, node, SH.sourceShape)
    if len(messages) > 1 and shapes is not None and shape is not None:
        general = {str(m) for m in shapes.objects(shape, SH.message)}
        messages = [m for m in messages if m not in general] or messages
    return messages[0] if messages else ""


def _results(report: Graph, data: Graph, shapes: Graph | None = None) -> list[Result]:
    out = []
    for node in report.subjects(RDF.type, SH.ValidationResult):
        severity_node = _one(report, node, SH.resultSeverity)
        severity = str(severity_node).rsplit("#", 1)[-1] if severity_node else "Violation"
        focus = _one(report, node, SH.focusNode)
        path = _one(report, node, SH.resultPath)
        value = _one(report, node, SH.value)
        shape = _one(report, node, SH.sourceShape)
        out.append(
            Result(
                severity=severity,
                focus=focus,
                focus_label=label(data, focus),
                focus_curie=curie(data, focus),
                path=curie(data, path) if path is not None else None,
                value=label(data, value) if value is not None else None,
                value_node=value,
                message=_message(report, node, shapes),
                shape=curie(data, shape) if shape is not None else "",
            )
        )
    return sort_results(out)


def load_shapes(paths: ProjectPaths | None = None) -> Graph:
    """The shapes graph, parsed with the same file-and-line errors as the data."""
    return parse_turtle((paths or find_root()).shapes)


def _shapes_graph(shapes: Graph | Path | None) -> Graph:
    if shapes is None:
        return load_shapes()
    if isinstance(shapes, Graph):
        return shapes
    return parse_turtle(Path(shapes))


def shacl_report_graph(data: Graph, shapes: Graph | Path | None = None) -> Graph:
    """Run pyshacl and return its raw report graph (for callers that need SHACL terms)."""
    from pyshacl import validate as shacl_validate  # 0.2 s to import: only when it runs

    _, report_graph, _ = shacl_validate(
        _PreparedQueryGraph(data),
        shacl_graph=_shapes_graph(shapes),
        inference="none",
        advanced=False,
        allow_warnings=True,
        allow_infos=True,
    )
    return report_graph


def validate(data: Graph, shapes: Graph | Path | None = None) -> Report:
    """Validate ``data`` (ontology plus facts) against the project's shapes.

    :param data: the graph to check; it should include ontology/kzby.ttl for subclass axioms.
    :param shapes: a shapes graph or file; the project's ontology/shapes.ttl by default.
    :returns: every result, sorted by severity and focus label.
    """
    shapes_graph = _shapes_graph(shapes)
    return Report(_results(shacl_report_graph(data, shapes_graph), data, shapes_graph))


#: Above this many triples `kzby-kg validate` uses the compiled validator: pyshacl took 29 s
#: at 14k triples and 729 s at 103k on the benchmark graph (bench/RESULTS.md).
FAST_THRESHOLD = 20_000

VALIDATORS = ("auto", "pyshacl", "sparql")


def _check_validator(validator: str) -> None:
    from .errors import UsageError

    if validator not in VALIDATORS:
        raise UsageError(
            f"--validator: unknown validator {validator!r}; choose {', '.join(VALIDATORS)}"
        )


def _compiled_or_pyshacl(
    store: Any, shapes: Graph, validator: str, pyshacl: Callable[[], Report]
) -> Report:
    """The compiled validator on ``store``; if the shapes are beyond it, pyshacl for ``auto``
    (and the report says why), an error for ``sparql``."""
    from .errors import UsageError
    from .fast_validation import validate_store
    from .shacl_sparql import UnsupportedShape

    try:
        return validate_store(store, shapes)
    except UnsupportedShape as exc:
        if validator == "sparql":
            raise UsageError(f"--validator sparql: {exc}") from exc
        report = pyshacl()
        report.validator = f"pyshacl (the compiled validator cannot run these shapes: {exc})"
        return report


def validate_files(
    files: list[Path],
    shapes: Graph | Path | None = None,
    *,
    validator: str = "auto",
    threshold: int = FAST_THRESHOLD,
) -> Report:
    """Validate Turtle files with pyshacl or with the shapes compiled to SPARQL on Oxigraph.

    ``auto`` loads the files into Oxigraph (fast), then keeps that store for graphs of at
    least ``threshold`` triples, and parses them with rdflib for pyshacl below it. If the
    shapes use SHACL the compiler does not translate, ``auto`` falls back to pyshacl and the
    report says so; ``sparql`` raises instead.

    :raises UsageError: for an unknown validator name.
    """
    import pyoxigraph as ox

    from .cache import load_files

    _check_validator(validator)
    shapes_graph = _shapes_graph(shapes)
    if validator != "pyshacl":
        store = load_files(ox.Store(), files)
        if validator == "sparql" or len(store) >= threshold:
            return _compiled_or_pyshacl(
                store, shapes_graph, validator, lambda: _pyshacl_files(files, shapes_graph)
            )
    return _pyshacl_files(files, shapes_graph)


def validate_graph(
    graph: Graph,
    shapes: Graph | Path | None = None,
    *,
    validator: str = "auto",
    threshold: int = FAST_THRESHOLD,
) -> Report:
    """Like :func:`validate_files`, for a graph already in memory (what `build` holds)."""
    from .backends import store_from_graph

    _check_validator(validator)
    shapes_graph = _shapes_graph(shapes)
    if validator == "pyshacl" or (validator == "auto" and len(graph) < threshold):
        return validate(graph, shapes_graph)
    return _compiled_or_pyshacl(
        store_from_graph(graph), shapes_graph, validator, lambda: validate(graph, shapes_graph)
    )


def _pyshacl_files(files: list[Path], shapes: Graph) -> Report:
    from .loading import add_file
    from .namespaces import bind_prefixes

    graph = bind_prefixes(Graph())
    for path in files:
        add_file(graph, path)
    bind_prefixes(graph)
    return validate(graph, shapes)
