"""Every shape can fail: each invalid fixture produces the results its header expects, and every
node shape in ontology/shapes.ttl is exercised by some fixture."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, SH
from rdflib.term import Node

from kzby_kg.validation.report import Report

from ..conftest import INVALID, expectations


def test_fixtures_declare_expectations() -> None:
    assert INVALID, "no invalid fixtures found"
    for path in INVALID:
        assert expectations(path), f"{path.name} declares no '# expect:' line"


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.stem)
def test_invalid_fixture_fails_as_expected(path: Path, fixture_report: Report) -> None:
    got = {(r.severity, r.focus_curie, r.path) for r in fixture_report.results}
    missing = [e for e in expectations(path) if e not in got]
    assert not missing, f"{path.name}: expected results not reported: {missing}"


def test_fixture_violations_concern_fixture_nodes_only(fixture_report: Report) -> None:
    """The fixtures break their own nodes and nothing of the real graph, except where a rule
    is about a pair (a duplicate observation, a repeated ordinal): then the real node is
    reported too, naming the fixture node as its partner."""
    stray = [
        r
        for r in fixture_report.violations
        if "fx" not in r.focus_curie
        and "fx" not in r.focus_label
        and "fx-" not in (r.value or "") + r.message
    ]
    assert not stray, stray


def _targets(shapes: Graph, shape: Node, data: Graph, focus: Node) -> bool:
    for cls in shapes.objects(shape, SH.targetClass):
        ask = data.query("ASK { ?f a/rdfs:subClassOf* ?c }", initBindings={"f": focus, "c": cls})
        if ask.askAnswer:
            return True
    for prop in shapes.objects(shape, SH.targetSubjectsOf):
        if (focus, prop, None) in data:
            return True
    return any((None, prop, focus) in data for prop in shapes.objects(shape, SH.targetObjectsOf))


def _node_shapes_behind(shapes: Graph, data: Graph, focus: Node, source: Node) -> set[Node]:
    """Node shapes that own the constraint or property shape ``source`` and target ``focus``."""
    owners = (
        {source}
        | set(shapes.subjects(SH.property, source))
        | set(shapes.subjects(SH.sparql, source))
    )
    return {
        o
        for o in owners
        if (o, RDF.type, SH.NodeShape) in shapes and _targets(shapes, o, data, focus)
    }


def test_every_node_shape_is_exercised(
    shapes: Graph, fixture_graph: Graph, fixture_report_graph: Graph
) -> None:
    report_graph = fixture_report_graph
    exercised: set[Node] = set()
    for node in report_graph.subjects(RDF.type, SH.ValidationResult):
        focus = report_graph.value(node, SH.focusNode)
        if not isinstance(focus, URIRef) or ("/fx" not in str(focus) and "#fx" not in str(focus)):
            continue
        for source in (
            report_graph.value(node, SH.sourceShape),
            report_graph.value(node, SH.sourceConstraint),
        ):
            if source is not None:
                exercised |= _node_shapes_behind(shapes, fixture_graph, focus, source)
    never = sorted(
        str(s).rsplit("#", 1)[-1] for s in set(shapes.subjects(RDF.type, SH.NodeShape)) - exercised
    )
    assert not never, f"node shapes that no invalid fixture makes fail: {never}"


#: pyshacl's own wording, which tells a researcher nothing about the data
GENERIC = re.compile(
    r"^(Less than|More than|Value is not|Value does not|Node .* must conform|"
    r".*must conform to one or more shapes|Value .* not in|Node .* is closed)"
)


def test_every_shape_speaks_to_researchers(shapes: Graph) -> None:
    """Every shape that constrains something carries its own sh:message."""
    constraints = [
        SH["class"], SH.datatype, SH.nodeKind, SH.minCount, SH.maxCount, SH.minInclusive,
        SH.maxInclusive, SH.minExclusive, SH.maxExclusive, SH.pattern, SH.languageIn,
        SH["in"], SH["or"], SH.xone, SH.node, SH.hasValue, SH.qualifiedValueShape,
    ]  # fmt: skip
    # members of sh:or / sh:xone lists and qualified value shapes report through their owner
    inner = {
        member
        for logical in (SH["or"], SH.xone)
        for head in shapes.objects(None, logical)
        for member in Collection(shapes, head)
    } | set(shapes.objects(None, SH.qualifiedValueShape))
    silent = sorted(
        str(shape)
        for shape in set(shapes.subjects()) - inner
        if any((shape, c, None) in shapes for c in constraints)
        and (shape, SH.message, None) not in shapes
    )
    assert not silent, f"shapes without sh:message: {silent}"


def test_fixture_messages_are_the_shapes_own(fixture_report: Report) -> None:
    generic = sorted({r.message for r in fixture_report.results if GENERIC.match(r.message)})
    assert not generic, f"pyshacl's generic wording reached the report: {generic}"
