"""The compiled validator (shapes as SPARQL on Oxigraph) reports what pyshacl reports.

Compared per result: severity, focus node, path, value and source shape, as multisets; and the
message wherever the shape writes one. Both validators read one parsed shapes graph, so blank
property shapes have the same names on both sides.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from rdflib import Graph

from kzby_kg.errors import UsageError
from kzby_kg.fast_validation import VALIDATOR_NAME
from kzby_kg.loading import add_file, load, parse_turtle
from kzby_kg.paths import ProjectPaths
from kzby_kg.results import normalise
from kzby_kg.shacl_sparql import UnsupportedShape, compile_shapes
from kzby_kg.validation import Report, Result, validate, validate_graph

from .conftest import FIXTURES
from .test_shapes import expectations

INVALID = sorted((FIXTURES / "invalid").glob("*.ttl"))
PYSHACL_DEFAULTS = ("Less than ", "More than ", "Value ", "Node ", "Focus node ")


def key(result: Result) -> tuple[object, ...]:
    # Oxigraph writes decimals canonically (119.0 becomes 119): compare values as numbers.
    return (
        result.severity,
        result.focus_curie,
        result.path,
        normalise(result.value_node),
        result.shape,
    )


def message(result: Result) -> str:
    return re.sub(r"\b(\d+)\.0\b", r"\1", result.message)


@pytest.fixture(scope="module")
def shapes(paths: ProjectPaths) -> Graph:
    return parse_turtle(paths.shapes)


def both(graph: Graph, shapes: Graph) -> tuple[Report, Report]:
    reference = validate(graph, shapes)
    fast = validate_graph(graph, shapes, validator="sparql")
    assert reference.validator == "pyshacl"
    assert fast.validator == VALIDATOR_NAME
    return reference, fast


def assert_same(reference: Report, fast: Report, shapes: Graph) -> None:
    ref, got = Counter(map(key, reference.results)), Counter(map(key, fast.results))
    assert ref - got == Counter(), f"pyshacl only: {list((ref - got).elements())}"
    assert got - ref == Counter(), f"compiled only: {list((got - ref).elements())}"
    # Messages the shapes write must match; pyshacl words its own defaults differently.
    authored = [r for r in reference.results if not r.message.startswith(PYSHACL_DEFAULTS)]
    assert len(authored) > len(reference.results) // 3
    missing = Counter((key(r), message(r)) for r in authored) - Counter(
        (key(r), message(r)) for r in fast.results
    )
    assert missing == Counter(), list(missing.elements())


def test_article_graph_same_results(graph: Graph, shapes: Graph) -> None:
    reference, fast = both(graph, shapes)
    assert len(reference.results) > 100  # warnings and infos: a real comparison
    assert_same(reference, fast, shapes)


def test_every_fixture_same_results(fixture_graph: Graph, shapes: Graph) -> None:
    reference, fast = both(fixture_graph, shapes)
    assert len(reference.violations) >= 50
    assert_same(reference, fast, shapes)


def test_trade_figures_compare_within_one_kind_of_goods(
    fixture_graph: Graph, shapes: Graph
) -> None:
    for report in both(fixture_graph, shapes):
        flagged = {r.focus_curie for r in report.results if "partial-year" in r.message}
        assert {"kzd:fx-partial-2017", "kzd:fx-goods-oil-2017"} <= flagged
        assert "kzd:fx-goods-grain-2017" not in flagged


def test_sparql_constraint_messages_are_filled_in(fixture_graph: Graph, shapes: Graph) -> None:
    fast = validate_graph(fixture_graph, shapes, validator="sparql")
    texts = {r.message for r in fast.results if r.focus_curie == "kzd:fx-interval-backwards"}
    assert "ends (2014) before it begins (2015-01-01)" in texts


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.stem)
def test_each_fixture_file_alone(path: Path, paths: ProjectPaths, shapes: Graph) -> None:
    """Fixture by fixture, the compiled validator reports what the file's header expects."""
    graph = load(paths)
    add_file(graph, path)
    got = {
        (r.severity, r.focus_curie, r.path)
        for r in validate_graph(graph, shapes, validator="sparql").results
    }
    missing = [e for e in expectations(path) if e not in got]
    assert not missing, f"{path.name}: expected results not reported: {missing}"


UNSUPPORTED = """
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix ex: <urn:ex:> .
ex:S a sh:NodeShape ; sh:targetClass ex:C ;
    sh:property [ sh:path ex:p ; sh:equals ex:q ] .
"""


def test_unsupported_shape_is_refused_not_skipped() -> None:
    shapes = Graph().parse(data=UNSUPPORTED, format="turtle")
    with pytest.raises(UnsupportedShape, match="equals"):
        compile_shapes(shapes)


def test_auto_falls_back_to_pyshacl_and_says_so() -> None:
    shapes = Graph().parse(data=UNSUPPORTED, format="turtle")
    data = Graph().parse(
        data="<urn:ex:a> a <urn:ex:C> ; <urn:ex:p> 1 ; <urn:ex:q> 2 .", format="turtle"
    )
    report = validate_graph(data, shapes, validator="auto", threshold=0)
    assert report.validator.startswith("pyshacl (the compiled validator cannot run")
    assert len(report.violations) == 2  # one per value that differs
    with pytest.raises(UsageError, match="--validator sparql"):
        validate_graph(data, shapes, validator="sparql")


def test_unknown_validator_names_the_option(graph: Graph) -> None:
    with pytest.raises(UsageError, match="--validator"):
        validate_graph(graph, validator="fastest")


def run_validate(paths: ProjectPaths, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kzby_kg", "validate", "--root", str(paths.root), *args],
        capture_output=True,
        text=True,
        check=False,
    )


def test_cli_says_which_validator(paths: ProjectPaths) -> None:
    small = run_validate(paths)
    assert small.returncode == 0, small.stderr
    assert "(validator: pyshacl)" in small.stdout.splitlines()[-1]
    large = run_validate(paths, "--threshold", "1000")
    assert large.returncode == 0, large.stderr
    assert f"(validator: {VALIDATOR_NAME})" in large.stdout.splitlines()[-1]
    # the same counts either way
    assert (
        small.stdout.splitlines()[-1].split(" (")[0] == large.stdout.splitlines()[-1].split(" (")[0]
    )


def test_cli_fast_validator_fails_on_violations(paths: ProjectPaths) -> None:
    broken = FIXTURES / "invalid" / "time.ttl"
    done = run_validate(paths, "--validator", "sparql", str(broken))
    assert done.returncode == 1
    assert "kzd:fx-interval-backwards" in done.stdout


def test_cli_missing_extra_file(paths: ProjectPaths, tmp_path: Path) -> None:
    done = run_validate(paths, str(tmp_path / "nope.ttl"))
    assert done.returncode == 2
    assert "nope.ttl" in done.stderr


def test_report_lists_at_most_n_per_message(fixture_graph: Graph, shapes: Graph) -> None:
    report = validate_graph(fixture_graph, shapes, validator="sparql")
    full = report.format(include_info=True)
    short = report.format(include_info=True, per_message=1)
    assert len(short.splitlines()) < len(full.splitlines())
    assert "more: " in short
    assert full.splitlines()[-1] == short.splitlines()[-1]  # the same counts
