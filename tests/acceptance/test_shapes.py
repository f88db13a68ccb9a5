"""Every shape can fail: each invalid fixture produces the results its header expects, and every
node shape in ontology/shapes.ttl is exercised by some fixture."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.collection import Collection
from rdflib.namespace import SH

from kzby_kg.validation.report import Report

from ..conftest import INVALID, expectations


def test_fixtures_declare_expectations() -> None:
    assert INVALID, "no invalid fixtures found"
    for path in INVALID:
        assert expectations(path), f"{path.name} declares no '# expect:' line"


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.stem)
def test_invalid_fixture_fails_as_expected(path: Path, fixture_compiled: Report) -> None:
    got = {(r.severity, r.focus_curie, r.path) for r in fixture_compiled.results}
    missing = [e for e in expectations(path) if e not in got]
    assert not missing, f"{path.name}: expected results not reported: {missing}"


def test_fixture_violations_concern_fixture_nodes_only(fixture_compiled: Report) -> None:
    """The fixtures break their own nodes and nothing of the real graph, except where a rule
    is about a pair (a duplicate observation, a repeated ordinal): then the real node is
    reported too, naming the fixture node as its partner."""
    stray = [
        r
        for r in fixture_compiled.violations
        if "fx" not in r.focus_curie
        and "fx" not in r.focus_label
        and "fx-" not in (r.value or "") + r.message
    ]
    assert not stray, stray


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
