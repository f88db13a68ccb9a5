"""The compiled validator (shapes as SPARQL on Oxigraph) reports what pyshacl reports.

Compared per result: severity, focus node, path, value and source shape, as multisets; and the
message wherever the shape writes one. Both validators read one parsed shapes graph, so blank
property shapes have the same names on both sides.
"""

from __future__ import annotations

import re
import shutil
from collections import Counter
from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, SH
from rdflib.term import Node

from kzby_kg.cli.main import main
from kzby_kg.errors import UsageError
from kzby_kg.paths import ProjectPaths
from kzby_kg.querying.compare import normalise
from kzby_kg.rdf.load import load_into, load_store
from kzby_kg.validation.compiled import VALIDATOR_NAME
from kzby_kg.validation.compiler import UnsupportedShape, compile_shapes
from kzby_kg.validation.report import Report, Result
from kzby_kg.validation.validator import validate_graph, validate_store

from ..conftest import FIXTURES, INVALID, expectations

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
def compiled(graph: Graph, shapes: Graph) -> Report:
    return validate_graph(graph, shapes, validator="sparql")


def both(reference: Report, fast: Report) -> tuple[Report, Report]:
    """pyshacl's report (the session's, computed once) and the compiled validator's."""
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


@pytest.mark.slow
def test_article_graph_same_results(
    pyshacl_report: Report, compiled: Report, shapes: Graph
) -> None:
    """The article graph alone (the fixture graph, which contains it, is compared above)."""
    reference, fast = both(pyshacl_report, compiled)
    assert len(reference.results) > 100  # warnings and infos: a real comparison
    assert_same(reference, fast, shapes)


@pytest.mark.slow  # the oracle comparison: pyshacl on every fixture takes 20 s
def test_every_fixture_same_results(
    fixture_report: Report, fixture_compiled: Report, shapes: Graph
) -> None:
    reference, fast = both(fixture_report, fixture_compiled)
    assert len(reference.violations) >= 50
    assert_same(reference, fast, shapes)


def test_trade_figures_compare_within_one_kind_of_goods(fixture_compiled: Report) -> None:
    flagged = {r.focus_curie for r in fixture_compiled.results if "partial-year" in r.message}
    assert {"kzd:fx-partial-2017", "kzd:fx-goods-oil-2017"} <= flagged
    assert "kzd:fx-goods-grain-2017" not in flagged


def test_sparql_constraint_messages_are_filled_in(fixture_compiled: Report) -> None:
    fast = fixture_compiled
    texts = {r.message for r in fast.results if r.focus_curie == "kzd:fx-interval-backwards"}
    assert "ends (2014) before it begins (2015-01-01)" in texts


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.stem)
def test_each_fixture_file_alone(path: Path, paths: ProjectPaths, shapes: Graph) -> None:
    """Fixture by fixture, the compiled validator reports what the file's header expects (on the
    article's facts, which every fixture is written against)."""
    store = load_into(load_store(paths, scope="article"), [path])
    got = {
        (r.severity, r.focus_curie, r.path)
        for r in validate_store(store, shapes, validator="sparql").results
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


def run_validate(
    paths: ProjectPaths, capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(["validate", "--root", str(paths.root), "--scope", "article", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cli_says_which_validator(
    paths: ProjectPaths,
    report: Report,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, default, _ = run_validate(paths, capsys)
    assert code == 0
    assert f"(validator: {VALIDATOR_NAME})" in default.splitlines()[-1]
    counts = report.counts()  # pyshacl's, on the same graph (the session's reference report)
    assert default.splitlines()[-1].startswith(
        f"{counts['Violation']} violations, {counts['Warning']} warnings, {counts['Info']} infos"
    )
    # --validator pyshacl runs the reference (on a small project: pyshacl takes 7 s on all data)
    small = tmp_path / "small"
    shutil.copytree(paths.root / "ontology", small / "ontology")
    (small / "data").mkdir()
    shutil.copy(paths.data_dir / "places.ttl", small / "data")
    code, reference, _ = run_validate(ProjectPaths(small), capsys, "--validator", "pyshacl")
    assert code == 0
    assert "(validator: pyshacl)" in reference.splitlines()[-1]


def test_cli_fast_validator_fails_on_violations(
    paths: ProjectPaths, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = FIXTURES / "invalid" / "time.ttl"
    code, out, _ = run_validate(paths, capsys, "--validator", "sparql", str(broken))
    assert code == 1
    assert "kzd:fx-interval-backwards" in out


def test_cli_missing_extra_file(
    paths: ProjectPaths, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run_validate(paths, capsys, str(tmp_path / "nope.ttl"))
    assert code == 2
    assert "nope.ttl" in err


def test_report_lists_at_most_n_per_message(fixture_compiled: Report) -> None:
    report = fixture_compiled
    full = report.format(include_info=True)
    short = report.format(include_info=True, per_message=1)
    assert len(short.splitlines()) < len(full.splitlines())
    assert "more: " in short
    assert full.splitlines()[-1] == short.splitlines()[-1]  # the same counts


#: pyshacl's own wording, which a shape's sh:message should have replaced
GENERIC = re.compile(
    r"^(Less than|More than|Value is not|Value does not|Node .* must conform|"
    r".*must conform to one or more shapes|Value .* not in|Node .* is closed)"
)


@pytest.mark.slow  # pyshacl's report on every fixture takes 20 s: the oracle tier
def test_fixture_messages_are_the_shapes_own(fixture_report: Report) -> None:
    generic = sorted({r.message for r in fixture_report.results if GENERIC.match(r.message)})
    assert not generic, f"pyshacl's generic wording reached the report: {generic}"


# every node shape can fail (in pyshacl's report, whose sourceShape and sourceConstraint name
# the constraint exactly; in the slow tier, with the other checks that pay for that report)


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


@pytest.mark.slow
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
