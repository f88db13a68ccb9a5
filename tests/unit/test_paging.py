"""Stored questions in pages (issue 16): limit and offset on the Python API and the CLI, refused
with a message that names them, pages that concatenate to the whole answer on rdflib and
Oxigraph, and answers written as they are produced, byte for byte the same as written whole."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from rdflib import Graph

import kzby_kg
from kzby_kg.cli.main import main
from kzby_kg.errors import UsageError
from kzby_kg.querying import formats
from kzby_kg.querying.backend import Backend
from kzby_kg.querying.catalogue import StoredQuery
from kzby_kg.querying.engines import OxigraphBackend, RdflibBackend
from kzby_kg.querying.formats import serialize_result, stream_query
from kzby_kg.querying.parameters import MAX_SLICE, parse_slice
from kzby_kg.querying.questions import run_stored

#: a question with an answer of dozens of rows on the article's graph, and an ORDER BY
PAGED = "dossier"


@pytest.fixture(scope="module")
def engines(graph: Graph) -> dict[str, Backend]:
    return {"rdflib": RdflibBackend(graph), "oxigraph": OxigraphBackend.from_graph(graph)}


@pytest.mark.parametrize(
    ("raw", "expected"), [(None, None), (0, 0), ("100", 100), (" 7 ", 7), (MAX_SLICE, MAX_SLICE)]
)
def test_good_slices(raw: object, expected: int | None) -> None:
    assert parse_slice("limit", raw) == expected


@pytest.mark.parametrize(
    ("raw", "why"),
    [
        ("-1", "-1 is negative"),
        (-5, "-5 is negative"),
        ("1.5", "'1.5' is not a whole number"),
        ("ten", "'ten' is not a whole number"),
        ("", "'' is not a whole number"),
        (2.0, "2.0 is not a whole number"),
        (True, "True is not a whole number"),
        (MAX_SLICE + 1, f"is above the maximum of {MAX_SLICE}"),
        ("9" * 5000, f"is above the maximum of {MAX_SLICE}"),
    ],
)
def test_bad_slices_name_the_parameter_and_say_why(raw: object, why: str) -> None:
    with pytest.raises(UsageError, match=r"^offset: ") as caught:
        parse_slice("offset", raw)
    assert why in str(caught.value)


def test_the_slice_follows_the_order_by_and_survives_a_trailing_comment() -> None:
    text = "SELECT ?x WHERE { ?x ?p ?o } ORDER BY ?x # the order"
    paged = StoredQuery("q", Path("q.rq"), text, "s").sliced(10, 0)
    assert paged == text + "\nLIMIT 10\n"
    assert StoredQuery("q", Path("q.rq"), text, "s").sliced(None, 5).endswith("\nOFFSET 5\n")


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("ASK { ?s ?p ?o }", "is an ASK question"),
        ("SELECT * WHERE { ?s ?p ?o } LIMIT 3", "has its own LIMIT"),
        ("SELECT * WHERE { ?s ?p ?o } VALUES ?s { <urn:a> }", "has its own VALUES"),
    ],
)
def test_questions_that_cannot_be_paged_say_so(text: str, why: str) -> None:
    with pytest.raises(UsageError, match=why):
        StoredQuery("q", Path("q.rq"), text, "s").sliced(10, 0)
    # a subquery's own LIMIT is no obstacle
    inner = "SELECT * WHERE { { SELECT ?s WHERE { ?s ?p ?o } LIMIT 3 } }"
    assert StoredQuery("q", Path("q.rq"), inner, "s").sliced(2, 1).endswith("LIMIT 2 OFFSET 1\n")


@pytest.mark.parametrize("engine", ["rdflib", "oxigraph"])
def test_pages_concatenate_to_the_whole_answer(
    engine: str, engines: dict[str, Backend], queries: dict[str, StoredQuery]
) -> None:
    backend, stored = engines[engine], queries[PAGED]
    whole = run_stored(stored, backend, {}).rows
    assert len(whole) > 40, "the question needs several pages to prove anything"
    pages = [run_stored(stored, backend, {}, limit=20, offset=start).rows for start in (0, 20, 40)]
    assert [len(p) for p in pages] == [20, 20, len(whole) - 40]
    assert [row for page in pages for row in page] == list(whole)


def test_the_python_api_takes_limit_and_offset(engines: dict[str, Backend]) -> None:
    oxigraph = engines["oxigraph"]
    whole = kzby_kg.query(PAGED, oxigraph).rows
    assert kzby_kg.query(PAGED, oxigraph, limit=3, offset=2).rows == list(whole[2:5])
    assert kzby_kg.query(PAGED, oxigraph, limit=5, offset=len(whole)).rows == []
    assert kzby_kg.query(PAGED, oxigraph, limit=0).rows == []
    with pytest.raises(UsageError, match="limit: -1 is negative"):
        kzby_kg.query(PAGED, oxigraph, limit=-1)


def test_streamed_answers_are_the_written_ones(
    engines: dict[str, Backend], queries: dict[str, StoredQuery], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Oxigraph writes from its lazy solutions, rdflib a batch of rows at a time (2 here, so
    that batches are joined): both give the bytes of the answer written whole."""
    monkeypatch.setattr(formats, "_BATCH", 2)
    text = queries["place-names"].text  # dates, language tags, IRIs; quick on rdflib
    answers = {name: backend.run(text) for name, backend in engines.items()}
    assert len(answers["oxigraph"].rows) > 4
    for name in ("csv", "tsv", "json", "xml"):
        expected = serialize_result(answers["oxigraph"], name)
        assert serialize_result(answers["rdflib"], name) == expected
        for backend in engines.values():
            out = io.BytesIO()
            stream_query(backend, text, None, name, out)
            assert out.getvalue() == expected, (backend.name, name)


def test_the_cli_pages_and_streams(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["query", PAGED, "--format", "json"]) == 0
    whole = json.loads(capsys.readouterr().out)["results"]["bindings"]
    assert main(["query", PAGED, "--format", "json", "--limit", "4", "--offset", "3"]) == 0
    page = capsys.readouterr().out
    assert page.endswith("}\n") and json.loads(page)["results"]["bindings"] == whole[3:7]


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--limit", "-3", "limit: -3 is negative"),
        ("--offset", "x", "offset: 'x' is not a whole number"),
        ("--limit", "3000000000", "limit: 3000000000 is above the maximum"),
    ],
)
def test_the_cli_refuses_bad_pages(
    option: str, value: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["query", PAGED, option, value]) == 2
    assert message in capsys.readouterr().err
