"""The fast paths give the reference answers: lazy Oxigraph rows, JSON written from Oxigraph's
own terms, and Oxigraph's dump as an export."""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from rdflib import Graph, Literal
from rdflib.compare import isomorphic
from rdflib.namespace import XSD

from kzby_kg import backends
from kzby_kg.backends import OxigraphBackend, OxigraphRows, TsvSolutions
from kzby_kg.catalogue import catalogue
from kzby_kg.errors import ExportError, UsageError
from kzby_kg.export import dump_store
from kzby_kg.paths import ProjectPaths
from kzby_kg.results import LazyRows

QUESTIONS = catalogue()
SELECTS = {n: q for n, q in QUESTIONS.items() if "SELECT" in q.text.upper()}


@pytest.fixture(scope="module")
def oxigraph(graph: Graph) -> OxigraphBackend:
    return OxigraphBackend(graph)


def bindings_key(bindings: list[dict[str, Any]]) -> list[str]:
    return sorted(json.dumps(b, sort_keys=True, ensure_ascii=False) for b in bindings)


@pytest.mark.parametrize("name", sorted(SELECTS))
def test_json_from_oxigraph_terms_equals_json_from_rdflib_terms(
    name: str, oxigraph: OxigraphBackend
) -> None:
    question = SELECTS[name]
    result = oxigraph.run(question.text, question.bindings({}))
    assert isinstance(result.rows, OxigraphRows)
    fast = json.loads(result.to_json())["results"]["bindings"]
    reference = LazyRows.json_bindings(result.rows, result.variables)  # via rdflib terms
    assert fast == reference
    assert len(fast) == len(result.rows)


def test_counting_and_json_convert_nothing(
    oxigraph: OxigraphBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    question = QUESTIONS["trade-balance"]
    result = oxigraph.run(question.text, question.bindings({}))

    def refuse(term: object) -> None:
        raise AssertionError("converted a term")

    monkeypatch.setattr(backends, "_from_ox", refuse)
    assert len(result.rows) > 0
    assert json.loads(result.to_json())["results"]["bindings"]
    with pytest.raises(AssertionError, match="converted a term"):
        list(result.rows)  # reading rows does convert: the patch is in effect


def test_lazy_rows_behave_like_a_list(oxigraph: OxigraphBackend) -> None:
    question = QUESTIONS["trade-balance"]
    result = oxigraph.run(question.text, question.bindings({}))
    rows = list(result.rows)
    assert result.rows == rows
    assert result.rows[0] == rows[0]
    assert result.rows[-1] == rows[-1]
    assert result.rows[1:3] == rows[1:3]
    sent = pickle.loads(pickle.dumps(result))  # what the server's worker sends
    assert sent.rows == rows and isinstance(sent.rows, list)


def term_key(term: Any) -> tuple[str | None, ...] | None:
    """Everything that tells one Oxigraph term from another."""
    import pyoxigraph as ox

    if term is None:
        return None
    if isinstance(term, ox.Literal):
        return ("literal", term.value, term.datatype.value, term.language)
    return (type(term).__name__, term.value)


def direct_and_held(store: Any, text: str) -> tuple[list[Any], list[Any]]:
    """The solutions as Oxigraph iterates them, and as the project holds them (TSV bytes)."""
    direct = [[term_key(t) for t in s] for s in store.query(text)]
    held = OxigraphBackend(store=store).run(text).rows
    assert isinstance(held, OxigraphRows) and isinstance(held.raw, TsvSolutions)
    return direct, [[term_key(t) for t in s] for s in held.raw]


@pytest.mark.parametrize("name", sorted(SELECTS))
def test_held_answer_has_the_terms_oxigraph_gave(name: str, oxigraph: OxigraphBackend) -> None:
    question = SELECTS[name]
    text = backends.inline_bindings(question.text, question.bindings({}))
    direct, held = direct_and_held(oxigraph.store, text)
    assert held == direct  # same terms, same order
    assert len(oxigraph.run(text).rows) == len(direct)


AWKWARD_TERMS = r"""
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<http://example.org/s> <http://example.org/p>
  "tab\there, newline\nthere, \"quoted\" \\ back-slashed, é, 😀", "Қазақстан"@kk-Cyrl,
  "01"^^xsd:integer, "not a number"^^xsd:integer, "119.0"^^xsd:decimal, "1e3"^^xsd:double,
  "-0.50"^^xsd:decimal, "NaN"^^xsd:double, "INF"^^xsd:double, "2020"^^xsd:gYear,
  "1996-04"^^xsd:gYearMonth, "x"^^<http://example.org/datatype>, "", _:b1, _:b2,
  <http://example.org/é?q=1#f> .
"""


def test_held_answer_keeps_awkward_terms_exactly() -> None:
    import pyoxigraph as ox

    store = ox.Store()
    store.load(AWKWARD_TERMS.encode(), ox.RdfFormat.TURTLE)
    text = (
        "SELECT ?o ?unbound WHERE { ?s ?p ?o OPTIONAL { ?o <http://example.org/none> ?unbound } }"
        " ORDER BY STR(?o)"
    )
    direct, held = direct_and_held(store, text)
    assert len(direct) == 16
    assert held == direct
    assert sum(1 for row in held if row[0][0] == "BlankNode") == 2  # two, not merged


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("SELECT * WHERE {}", 1),  # one solution, no variables
        ("SELECT ?x WHERE { ?x ?p ?o }", 0),
        ("SELECT ?x WHERE { VALUES ?x { UNDEF UNDEF 1 } }", 3),
    ],
)
def test_held_answer_counts_rows(text: str, count: int) -> None:
    import pyoxigraph as ox

    rows = OxigraphBackend(store=ox.Store()).run(text).rows
    assert len(rows) == count
    assert len(list(rows)) == count
    assert len(rows[:]) == count


def canonical_numbers(graph: Graph) -> Graph:
    """Oxigraph keeps numbers by value and writes XSD's canonical form: 119.0 becomes 119."""
    out = Graph()
    for s, p, o in graph:
        if isinstance(o, Literal) and o.datatype == XSD.decimal:
            o = Literal(format(Decimal(str(o)).normalize(), "f"), datatype=XSD.decimal)
        out.add((s, p, o))
    return out


def test_dump_store_has_the_same_triples(
    graph: Graph, oxigraph: OxigraphBackend, tmp_path: Path
) -> None:
    for fmt in ("turtle", "nt"):
        target = dump_store(oxigraph.store, fmt, tmp_path / f"graph.{fmt}")
        back = Graph().parse(target, format=fmt)
        assert len(back) == len(graph)
        assert isomorphic(canonical_numbers(back), canonical_numbers(graph)), fmt


def test_dump_store_refuses_other_formats(oxigraph: OxigraphBackend, tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="--format"):
        dump_store(oxigraph.store, "jsonld", tmp_path / "graph.jsonld")
    assert not list(tmp_path.iterdir())


class FailingStore:
    """Writes a little, then fails, as a full disk would."""

    def dump(self, output: Any, *args: Any, **kwargs: Any) -> None:
        output.write(b"@prefix broken")
        raise OSError(28, "No space left on device")


def test_failed_dump_leaves_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "graph.ttl"
    target.write_bytes(b"old contents\n")
    with pytest.raises(ExportError, match=r"graph\.ttl"):
        dump_store(FailingStore(), "turtle", target)
    assert target.read_bytes() == b"old contents\n"
    assert [p.name for p in tmp_path.iterdir()] == ["graph.ttl"]


def export_cli(paths: ProjectPaths, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "kzby_kg", "export", "--root", str(paths.root), *args]
    return subprocess.run(command, capture_output=True, text=True, check=False)


def test_cli_fast_export_matches_canonical_export(
    paths: ProjectPaths, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KZBY_KG_CACHE_DIR", str(tmp_path / "cache"))
    outputs = {}
    for name, extra in (("canonical", []), ("fast", ["--fast"])):
        target = tmp_path / f"{name}.ttl"
        done = export_cli(paths, "-o", str(target), *extra)
        assert done.returncode == 0, done.stderr
        outputs[name] = Graph().parse(target, format="turtle")
    assert len(outputs["fast"]) > 4000
    assert isomorphic(canonical_numbers(outputs["fast"]), canonical_numbers(outputs["canonical"]))


def test_cli_fast_export_refuses_network_formats(paths: ProjectPaths) -> None:
    done = export_cli(paths, "--fast", "--format", "graphml")
    assert done.returncode == 2
    assert "--fast" in done.stderr
