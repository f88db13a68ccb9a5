"""Issue 16: push and the endpoint backend on a stock Virtuoso (needs one; see conftest).

.ci/virtuoso.sh starts Debian's virtuoso.ini with only its ports and paths changed: 10,000
buffers, ResultSetMaxRows 10,000 and MaxQueryExecutionTime 60 s. push sends the graph in
Graph Store parts, and a failure part-way leaves the old target whole; an answer larger than
the row cap is read in pages, never handed back cut short.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from rdflib import RDF, Graph, URIRef

from kzby_kg.errors import EndpointError
from kzby_kg.remote.endpoint import EndpointBackend
from kzby_kg.remote.push import PushError, push

from ..conftest import push_to_virtuoso, require_virtuoso
from .test_push_faults import _proxied, _staging_graphs

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
TARGET = "urn:kzby-kg:test:push-stock:big"


@pytest.fixture(scope="module")
def big(graph: Graph) -> Graph:
    """The project's graph and the benchmark's 100k synthetic graph together."""
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        from generate import generate  # type: ignore[import-not-found]
    finally:
        sys.path.remove(str(ROOT / "bench"))
    combined = Graph()
    combined += graph
    combined.parse(data=generate(100_000), format="turtle")
    return combined


def _count(url: str, graph_iri: str) -> int:
    result = EndpointBackend(url, timeout=60).run(
        f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph_iri}> {{ ?s ?p ?o }} }}"
    )
    return int(result.rows[0][0])


def test_a_big_push_in_parts_and_a_failure_part_way(big: Graph, graph: Graph) -> None:
    settings = require_virtuoso()
    if not settings["gsp_url"]:
        pytest.skip("no Graph Store Protocol URL configured")
    options: dict[str, object] = {
        "update_url": settings["update_url"],
        "gsp_url": settings["gsp_url"],
        "user": settings["user"],
        "password": settings["password"],
        "timeout": 120.0,
        "chunk_size": 20_000,  # several parts, so that one can fail part-way
    }
    push(graph, settings["url"], TARGET, **options)  # type: ignore[arg-type]
    assert _count(settings["url"], TARGET) == len(graph)

    # connections: HEAD and POST (the register), HEAD and PUT (part 1), HEAD and POST (part 2),
    # HEAD and POST (part 3): the 8th never reaches the server
    with (
        _proxied(settings, "Graph Store Protocol", 8, "before") as (proxy, proxied),
        pytest.raises(PushError, match="left as it was") as caught,
    ):
        query_url = str(proxied.pop("query_url"))
        push(big, query_url, TARGET, **{**options, **proxied})
    assert proxy.log[7].startswith("POST /sparql-graph-crud"), proxy.log
    assert "\n" not in str(caught.value)
    assert _count(settings["url"], TARGET) == len(graph)  # the old target, whole
    assert _staging_graphs(settings["url"], TARGET) == []

    result = push(big, settings["url"], TARGET, **options)  # type: ignore[arg-type]
    assert result.method == "Graph Store Protocol"
    assert _count(settings["url"], TARGET) == len(big) == result.triples
    assert _staging_graphs(settings["url"], TARGET) == []


def test_an_answer_above_the_row_cap_comes_whole_not_cut(big: Graph) -> None:
    """Stock ResultSetMaxRows is 10,000; the combined graph has far more typed resources.

    The answer is read in pages (tests/slow/test_virtuoso_paging.py tests them in detail).
    """
    settings = require_virtuoso()
    if _count(settings["url"], TARGET) != len(big):
        push_to_virtuoso(big, TARGET)
    backend = EndpointBackend(settings["url"], default_graph=TARGET, timeout=60)
    typed = {(s, t) for s, _, t in big.triples((None, RDF.type, None)) if isinstance(s, URIRef)}
    assert len(typed) > 10_000
    try:
        result = backend.run("SELECT ?s ?t WHERE { ?s a ?t FILTER (isIRI(?s)) }")
    except EndpointError as exc:
        # Stock Virtuoso 7.2 refuses a query on its cost estimate alone
        # (MaxQueryCostEstimationTime = 400 s), and its estimate of the ordered pages varies
        # from run to run: 2 ms of work was once refused as "593 (sec)" in CI (estimates "way
        # off": openlink/virtuoso-opensource#229, #535). That refusal must be named, with the
        # page; tests/slow/test_virtuoso_paging.py proves the pages themselves.
        message = str(exc)
        assert "The estimated execution time" in message and "(page 1: " in message, message
        assert "\n" not in message
        pytest.xfail(f"the stock server refused the ordered pages on its estimate: {message}")
    assert sorted(result.rows) == sorted(typed)
    small = backend.run("SELECT ?s WHERE { ?s ?p ?o } LIMIT 9000")
    assert len(small.rows) == 9000
