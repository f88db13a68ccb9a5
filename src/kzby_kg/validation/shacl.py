"""Validation by pyshacl, the reference validator, turned into a :class:`Report`.

pyshacl is the reference: the compiled validator (:mod:`kzby_kg.validation.compiled`) is proven
equal to it by the tests. It needs an rdflib graph, which is made from the store only here.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from rdflib import Graph
from rdflib.namespace import RDF, SH
from rdflib.term import Node

from kzby_kg.paths import ProjectPaths, find_root
from kzby_kg.rdf.labels import curie, label
from kzby_kg.rdf.load import parse_turtle
from kzby_kg.validation.report import Report, Result, sort_results

if TYPE_CHECKING:
    from rdflib.plugins.sparql.sparql import Query

__all__ = ["load_shapes", "results_of", "shacl_report_graph", "shapes_graph", "validate"]


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

    def query(self, query_object: str | Query, *args: Any, **kwargs: Any) -> Any:
        if isinstance(query_object, str):
            prepared = self._prepared.get(query_object)
            if prepared is None:
                from rdflib.plugins.sparql import prepareQuery

                prepared = prepareQuery(query_object, initNs=dict(self.namespaces()))
                self._prepared[query_object] = prepared
            query_object = prepared
        return super().query(query_object, *args, **kwargs)


def _one(graph: Graph, subject: Node, predicate: Node) -> Node | None:
    return next(iter(graph.objects(subject, predicate)), None)


def _message(report: Graph, node: Node, shapes: Graph | None) -> str:
    """The result's message. A SPARQL constraint's own message (with its values filled in) is
    preferred over its shape's general one, which pyshacl adds beside it."""
    messages = sorted(str(m) for m in report.objects(node, SH.resultMessage))
    shape = _one(report, node, SH.sourceShape)
    if len(messages) > 1 and shapes is not None and shape is not None:
        general = {str(m) for m in shapes.objects(shape, SH.message)}
        messages = [m for m in messages if m not in general] or messages
    return messages[0] if messages else ""


def results_of(report: Graph, data: Graph, shapes: Graph | None = None) -> list[Result]:
    out = []
    for node in report.subjects(RDF.type, SH.ValidationResult):
        severity_node = _one(report, node, SH.resultSeverity)
        severity = str(severity_node).rsplit("#", 1)[-1] if severity_node else "Violation"
        focus = _one(report, node, SH.focusNode)
        assert focus is not None  # SHACL: every result has exactly one sh:focusNode
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


def shapes_graph(shapes: Graph | Path | None) -> Graph:
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
        shacl_graph=shapes_graph(shapes),
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
    shapes_g = shapes_graph(shapes)
    return Report(results_of(shacl_report_graph(data, shapes_g), data, shapes_g))
