"""Issue 16: answers above a stock Virtuoso's row cap come whole (needs Virtuoso; see conftest).

.ci/virtuoso.sh runs Debian's virtuoso.ini, whose ``ResultSetMaxRows = 10000`` cuts every
answer at 10,000 rows. A cut SELECT is read in pages (see kzby_kg.remote.endpoint), so it must
come whole and in its order; a CONSTRUCT or DESCRIBE, cut without a word from the server, must
be refused rather than handed back short.

The data: the article's graph and the commission meetings of ``bench/generate.py``'s
``generate(800_000)`` (about 70k triples: what the question reads of them).
``generate(100_000)`` would have only 1,428 meetings, below the cap; 11,428 make
``commission-meetings`` a question whose answer the server cuts, as the three largest stored
questions are at 1M triples.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph

from kzby_kg.errors import EndpointError
from kzby_kg.querying.catalogue import StoredQuery
from kzby_kg.querying.engines import OxigraphBackend
from kzby_kg.rdf.load import store_from_graph
from kzby_kg.rdf.terms import triple_from_ox
from kzby_kg.remote.endpoint import EndpointBackend

from ..conftest import push_to_virtuoso, require_virtuoso

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
TARGET = "urn:kzby-kg:test:paging"
CAP = 10_000  # ResultSetMaxRows of the stock ini
#: what commission-meetings reads of a meeting (not its label, nor its source's own triples)
MEETINGS = """PREFIX kzby: <https://w3id.org/kzby-kg/ontology#>
PREFIX dcterms: <http://purl.org/dc/terms/>
CONSTRUCT { ?m a kzby:CommissionMeeting ; ?p ?o }
WHERE {
  ?m a kzby:CommissionMeeting ; ?p ?o
  VALUES ?p { kzby:ofCommission kzby:ordinal dcterms:date kzby:place dcterms:source }
}"""


@pytest.fixture(scope="module")
def engines(graph: Graph) -> tuple[EndpointBackend, OxigraphBackend]:
    """The same graph on Virtuoso (pushed) and in Oxigraph: the article's, and the commission
    meetings of ``generate(800_000)`` (Oxigraph reads its 900k triples in seconds, where
    rdflib would take a minute)."""
    settings = require_virtuoso()
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        from generate import generate  # type: ignore[import-not-found]
    finally:
        sys.path.remove(str(ROOT / "bench"))
    generated = ox.Store()
    generated.bulk_load(generate(800_000).encode("utf-8"), ox.RdfFormat.TURTLE)
    meetings = list(generated.query(MEETINGS))  # type: ignore[arg-type]
    store = store_from_graph(graph)
    store.extend(ox.Quad(t.subject, t.predicate, t.object) for t in meetings)
    combined = Graph()
    combined += graph
    for triple in meetings:
        combined.add(triple_from_ox(triple))
    push_to_virtuoso(combined, TARGET)
    virtuoso = EndpointBackend(settings["url"], default_graph=TARGET, timeout=120)
    return virtuoso, OxigraphBackend(store)


def _cut(virtuoso: EndpointBackend, text: str) -> bool:
    """Whether the server cuts this query's answer (else the test would test nothing)."""
    answer = virtuoso._send(text, "json")
    return answer.response.info().get("X-SPARQL-MaxRows") == str(CAP)


def test_a_stored_question_above_the_cap_has_the_embedded_stores_rows(
    engines: tuple[EndpointBackend, OxigraphBackend], queries: dict[str, StoredQuery]
) -> None:
    virtuoso, oxigraph = engines
    stored = queries["commission-meetings"]
    assert _cut(virtuoso, stored.text)
    expected = oxigraph.run(stored.text, stored.bindings({}))
    got = virtuoso.run(stored.text, stored.bindings({}))
    assert got.variables == expected.variables
    assert len(got.rows) == len(expected.rows) > CAP
    # in the same order: the question orders by date, ordinal and item, which no two rows share
    assert got.values() == expected.values()


def test_an_ordered_answer_above_the_cap_comes_whole_and_in_order(
    engines: tuple[EndpointBackend, OxigraphBackend],
) -> None:
    virtuoso, oxigraph = engines
    # a prologue, a comment on the last line (the pages close braces after it): both must
    # survive the query being wrapped
    text = (
        "PREFIX kzby: <https://w3id.org/kzby-kg/ontology#>\n"
        "PREFIX dcterms: <http://purl.org/dc/terms/>\n"
        "SELECT ?m ?date WHERE { ?m a kzby:CommissionMeeting ; dcterms:date ?date }\n"
        "ORDER BY DESC(?date) ?m # latest first"
    )
    assert _cut(virtuoso, text)
    got = virtuoso.run(text)
    expected = oxigraph.run(text)
    assert len(got.rows) == len(expected.rows) > CAP
    assert got.rows == expected.rows


def test_an_unordered_answer_above_the_cap_comes_whole(
    engines: tuple[EndpointBackend, OxigraphBackend],
) -> None:
    virtuoso, oxigraph = engines
    text = "SELECT ?m ?place WHERE { ?m <https://w3id.org/kzby-kg/ontology#place> ?place }"
    assert _cut(virtuoso, text)
    got = virtuoso.run(text)
    expected = oxigraph.run(text)
    assert len(got.rows) > CAP
    assert Counter(got.rows) == Counter(expected.rows)


def test_pages_are_bounded(engines: tuple[EndpointBackend, OxigraphBackend]) -> None:
    virtuoso, _ = engines
    bounded = EndpointBackend(virtuoso.url, default_graph=TARGET, timeout=120, max_pages=1)
    with pytest.raises(EndpointError, match="still had rows after 1 pages of 10000"):
        bounded.run("SELECT ?s ?p ?o WHERE { ?s ?p ?o }")


@pytest.mark.parametrize(
    "text",
    [
        "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }",
        # 6,000 solutions of two triples each: its LIMIT is below the cap, its answer is not
        "CONSTRUCT { ?s ?p ?o . ?o ?p ?s } WHERE { ?s ?p ?o FILTER (isIRI(?o)) } LIMIT 6000",
        # DESCRIBE is cut at 10,001 resources, with all their triples
        "DESCRIBE ?m WHERE { ?m a <https://w3id.org/kzby-kg/ontology#CommissionMeeting> }",
    ],
)
def test_a_graph_answer_at_the_cap_is_refused_not_cut(
    engines: tuple[EndpointBackend, OxigraphBackend], text: str
) -> None:
    virtuoso, _ = engines
    with pytest.raises(EndpointError, match="may be cut short") as caught:
        virtuoso.run(text)
    assert "ResultSetMaxRows" in str(caught.value) and "\n" not in str(caught.value)


def test_a_graph_answer_its_limit_keeps_below_the_cap_is_whole(
    engines: tuple[EndpointBackend, OxigraphBackend],
) -> None:
    virtuoso, _ = engines
    text = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o FILTER (isIRI(?o)) } LIMIT 9990"
    assert len(virtuoso.run(text)) == 9990
    meeting = "DESCRIBE ?m WHERE { ?m a <https://w3id.org/kzby-kg/ontology#CommissionMeeting> }"
    described = virtuoso.run(meeting + " LIMIT 2000")
    assert len(described) > CAP  # many triples, but only 2,000 resources: not cut
