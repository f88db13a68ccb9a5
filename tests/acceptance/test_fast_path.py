"""The fast paths give the reference answers: lazy Oxigraph rows, JSON written from Oxigraph's
own terms, and Oxigraph's dump as an export."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from rdflib import Graph

from kzby_kg.cli.main import main
from kzby_kg.errors import ExportError, UsageError
from kzby_kg.paths import ProjectPaths
from kzby_kg.querying.catalogue import StoredQuery
from kzby_kg.querying.engines import OxigraphBackend
from kzby_kg.querying.formats import serialize_result
from kzby_kg.querying.parameters import inline_bindings
from kzby_kg.querying.results import TsvRows
from kzby_kg.rdf.terms import from_ox
from kzby_kg.rdf.write import dump_store

from ..conftest import canonical_numbers, query_names, same_graph


@pytest.fixture(scope="module")
def oxigraph(graph: Graph) -> OxigraphBackend:
    return OxigraphBackend.from_graph(graph)


def bindings_key(bindings: list[dict[str, Any]]) -> list[str]:
    return sorted(json.dumps(b, sort_keys=True, ensure_ascii=False) for b in bindings)


@pytest.mark.parametrize("name", query_names("SELECT"))
def test_every_question_holds_the_terms_oxigraph_gave(
    name: str, oxigraph: OxigraphBackend, queries: dict[str, StoredQuery]
) -> None:
    question = queries[name]
    text = inline_bindings(question.text, question.bindings({}))
    direct = [tuple(from_ox(t) for t in s) for s in oxigraph.store.query(text)]
    result = oxigraph.run(text)
    assert isinstance(result.rows, TsvRows)
    assert list(result.rows) == direct  # same terms, same order
    wire = json.loads(serialize_result(result, "json"))["results"]["bindings"]
    assert len(wire) == len(direct)


def test_dump_store_has_the_same_triples(
    graph: Graph, oxigraph: OxigraphBackend, tmp_path: Path
) -> None:
    for fmt in ("turtle", "nt"):
        target = dump_store(oxigraph.store, fmt, tmp_path / f"graph.{fmt}")
        back = Graph().parse(target, format=fmt)
        assert len(back) == len(graph)
        assert same_graph(canonical_numbers(back), canonical_numbers(graph)), fmt


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


def test_cli_fast_export_matches_canonical_export(
    project: ProjectPaths, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On the article's graph (the exports' code is the same for the full one)."""
    monkeypatch.setenv("KZBY_KG_CACHE_DIR", str(tmp_path / "cache"))
    outputs = {}
    for name, extra in (("canonical", []), ("fast", ["--fast"])):
        target = tmp_path / f"{name}.ttl"
        code = main(["export", "--root", str(project.root), "-o", str(target), *extra])
        assert code == 0
        outputs[name] = Graph().parse(target, format="turtle")
    assert len(outputs["fast"]) > 4000
    assert same_graph(canonical_numbers(outputs["fast"]), canonical_numbers(outputs["canonical"]))


def test_cli_fast_export_refuses_network_formats(
    paths: ProjectPaths, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["export", "--root", str(paths.root), "--fast", "--format", "graphml"]) == 2
    assert "--fast writes turtle or nt only" in capsys.readouterr().err
