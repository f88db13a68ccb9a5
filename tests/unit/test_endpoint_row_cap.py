"""EndpointBackend against a server that cuts answers at a row cap, as Virtuoso does.

A small loopback server stands in for Virtuoso: it cuts a SELECT at ``cap`` rows and says so in
``X-SPARQL-MaxRows`` (also on a page that is exactly ``cap`` rows long, as Virtuoso 7.2 does),
answers ``... LIMIT n OFFSET m`` with that slice, and cuts a CONSTRUCT without a word.
tests/slow/test_virtuoso_paging.py checks the same against a real stock Virtuoso.
"""

from __future__ import annotations

import json
import re
import threading
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from rdflib import XSD, Literal, URIRef

from kzby_kg.errors import EndpointError
from kzby_kg.remote.endpoint import EndpointBackend, split_prologue

CAP = 10
PAGE = re.compile(r"\}\s*\}\s*LIMIT (\d+) OFFSET (\d+)$")


@dataclass
class Server:
    """What the fake server holds, how it misbehaves, and what it was asked."""

    url: str = ""
    rows: int = 25
    triples: int = CAP + 1
    ignores_limit: bool = False
    refuses_pages: bool = False
    queries: list[str] = field(default_factory=list)
    accepts: list[str] = field(default_factory=list)


def _bindings(start: int, stop: int) -> list[dict[str, object]]:
    return [
        {
            "n": {"type": "literal", "value": f"{i:03d}"},
            "s": {"type": "uri", "value": f"urn:x:{i}"},
        }
        for i in range(start, stop)
    ]


@pytest.fixture
def server() -> Iterator[Server]:
    state = Server()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            form = urllib.parse.parse_qs(self.rfile.read(length).decode("utf-8"))
            query = form["query"][0]
            state.queries.append(query)
            state.accepts.append(self.headers.get("Accept", ""))
            if "CONSTRUCT" in query or "DESCRIBE" in query:
                # as Virtuoso does: N-Triples keeps a whole decimal's type, Turtle does not
                if self.headers.get("Accept", "").startswith("application/n-triples"):
                    row, kind = '<urn:x:{0}> <urn:p> "{0}"^^<{1}> .\n', "application/n-triples"
                else:
                    row, kind = "<urn:x:{0}> <urn:p> {0} .\n", "text/turtle"
                decimal = "http://www.w3.org/2001/XMLSchema#decimal"
                body = "".join(row.format(i, decimal) for i in range(state.triples)).encode()
                self._answer(body, kind, cut=False)
                return
            page = PAGE.search(query)
            if page is not None and state.refuses_pages:
                self.send_response(500)
                self.end_headers()
                self.wfile.write(
                    b"Virtuoso 42000 Error The estimated execution time 593 (sec) exceeds "
                    b"the limit of 400 (sec).\n\nSPARQL query:\n" + query.encode()
                )
                return
            start, stop = (0, CAP) if page is None else (int(page[2]), int(page[2]) + int(page[1]))
            chosen = (
                _bindings(0, CAP + 1)
                if state.ignores_limit
                else _bindings(start, min(stop, state.rows))
            )
            cut = len(chosen) >= CAP
            data = {"head": {"vars": ["s", "n"]}, "results": {"bindings": chosen}}
            self._answer(json.dumps(data).encode(), "application/sparql-results+json", cut=cut)

        def _answer(self, body: bytes, kind: str, *, cut: bool) -> None:
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            if cut:
                self.send_header("X-SPARQL-MaxRows", str(CAP))
            self.end_headers()
            self.wfile.write(body)

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{httpd.server_address[1]}/sparql"
    yield state
    httpd.shutdown()
    httpd.server_close()


def _numbers(rows: object) -> list[int]:
    return [int(str(row[1])) for row in rows]  # type: ignore[attr-defined, index]


ORDERED = "PREFIX ex: <urn:x:>\n# the order\nSELECT ?s ?n WHERE { ?s ex:p ?n } ORDER BY ?n # last"


def test_a_cut_select_is_read_whole_in_pages_in_its_order(server: Server) -> None:
    result = EndpointBackend(server.url).run(ORDERED)
    assert result.variables == ["s", "n"]
    assert _numbers(result.rows) == list(range(25))
    assert result.rows[0] == (URIRef("urn:x:0"), Literal("000"))
    # the query itself, then three pages of the query wrapped whole: prologue outside, the
    # query's ORDER BY kept inside, a line break after its trailing comment
    first, *pages = server.queries
    assert first == ORDERED and len(pages) == 3
    for number, page in enumerate(pages):
        assert page.startswith("PREFIX ex: <urn:x:>\n\nSELECT * WHERE { {\n# the order\nSELECT")
        assert "ORDER BY ?n # last\n} }" in page
        assert page.endswith(f"LIMIT {CAP} OFFSET {number * CAP}")


def test_a_query_without_order_is_ordered_by_all_its_variables_inside(server: Server) -> None:
    result = EndpointBackend(server.url).run("SELECT ?s ?n WHERE { ?s <urn:p> ?n }")
    assert len(result.rows) == 25
    page = server.queries[1]
    assert page == (
        "\nSELECT * WHERE { { SELECT * WHERE {\nSELECT ?s ?n WHERE { ?s <urn:p> ?n }\n}"
        " ORDER BY ?s ?n } } LIMIT 10 OFFSET 0"
    )


def test_bound_values_are_in_every_page(server: Server) -> None:
    EndpointBackend(server.url).run(ORDERED, {"n": Literal("007")})
    assert all('VALUES (?n) { ("007") }' in q for q in server.queries)


def test_an_answer_of_whole_pages_ends_with_an_empty_page(server: Server) -> None:
    server.rows = 2 * CAP
    result = EndpointBackend(server.url).run(ORDERED)
    assert _numbers(result.rows) == list(range(2 * CAP))
    assert len(server.queries) == 1 + 3


def test_an_answer_the_cap_does_not_reach_is_one_request(server: Server) -> None:
    server.rows = CAP - 1
    assert len(EndpointBackend(server.url).run(ORDERED).rows) == CAP - 1
    assert len(server.queries) == 1


def test_pages_stop_at_max_pages(server: Server) -> None:
    server.rows = 10**9  # a server that never stops cutting
    with pytest.raises(EndpointError, match="still had rows after 4 pages of 10") as caught:
        EndpointBackend(server.url, max_pages=4).run(ORDERED)
    assert "ResultSetMaxRows" in str(caught.value)
    assert len(server.queries) == 1 + 4


def test_a_server_that_ignores_limit_is_refused(server: Server) -> None:
    server.ignores_limit = True
    with pytest.raises(EndpointError, match="does not keep to LIMIT"):
        EndpointBackend(server.url).run(ORDERED)


def test_a_query_rdflib_cannot_parse_is_refused_as_partial(server: Server) -> None:
    text = "SELECT ?s ?n WHERE { ?s <urn:p> ?n } ORDER BY ?n OPTION (QUIETCAST)"
    with pytest.raises(EndpointError, match=r"partial results .*rdflib cannot parse") as caught:
        EndpointBackend(server.url).run(text)
    assert "ResultSetMaxRows" in str(caught.value)


@pytest.mark.parametrize(
    "text",
    [
        "CONSTRUCT { ?s <urn:p> ?o } WHERE { ?s <urn:p> ?o }",
        "CONSTRUCT WHERE { ?s <urn:p> ?o } LIMIT 5",  # its template is not counted
        # its LIMIT is below the cap, but two triples a solution can reach it
        "CONSTRUCT { ?s <urn:p> ?o . ?s <urn:q> ?o } WHERE { ?s <urn:p> ?o } LIMIT 5",
        "DESCRIBE ?s WHERE { ?s <urn:p> ?o }",
        "DESCRIBE * WHERE { ?s <urn:p> ?o } LIMIT 2",  # how many resources a solution adds
        "DESCRIBE ?s WHERE { ?s <urn:p> ?o } OPTION (QUIETCAST)",  # rdflib cannot read it
    ],
)
def test_a_graph_answer_at_the_cap_is_refused(server: Server, text: str) -> None:
    """The server cuts it at ``CAP + 1`` triples, as Virtuoso 7.2 does, and says nothing."""
    with pytest.raises(EndpointError, match="may be cut short") as caught:
        EndpointBackend(server.url, row_cap=CAP).run(text)
    message = str(caught.value)
    assert "row cap of 10 " in message and "ResultSetMaxRows" in message
    assert "\n" not in message


def test_a_refused_page_says_what_the_server_said(server: Server) -> None:
    """Virtuoso refuses some ordered pages on its cost estimate alone (stock ini)."""
    server.refuses_pages = True
    refusal = r"estimated execution time 593 \(sec\).* \(page 1: "
    with pytest.raises(EndpointError, match=refusal) as caught:
        EndpointBackend(server.url).run(ORDERED)
    assert "\n" not in str(caught.value)


def test_a_graph_answer_keeps_whole_decimals(server: Server) -> None:
    """Asked for N-Triples first: Virtuoso's Turtle writes ``"12"^^xsd:decimal`` as ``12``."""
    server.triples = 3
    graph = EndpointBackend(server.url).run("CONSTRUCT WHERE { ?s <urn:p> ?o }").graph
    assert graph is not None
    assert {o.datatype for o in graph.objects()} == {XSD.decimal}  # type: ignore[attr-defined]
    assert server.accepts[-1].startswith("application/n-triples")


def test_the_default_row_cap_is_virtuosos(server: Server) -> None:
    server.triples = 10_001
    with pytest.raises(EndpointError, match="row cap of 10000 "):
        EndpointBackend(server.url).run("CONSTRUCT WHERE { ?s <urn:p> ?o }")
    server.triples = 100
    assert len(EndpointBackend(server.url).run("CONSTRUCT WHERE { ?s <urn:p> ?o }")) == 100


@pytest.mark.parametrize(
    ("text", "triples"),
    [
        ("CONSTRUCT { ?s <urn:p> ?o } WHERE { ?s <urn:p> ?o }", CAP - 2),
        ("CONSTRUCT { ?s <urn:p> ?o } WHERE { ?s <urn:p> ?o } LIMIT 8", CAP + 1),
        ("DESCRIBE ?s WHERE { ?s <urn:p> ?o } LIMIT 8", CAP + 1),
        ("DESCRIBE <urn:x:1> <urn:x:2>", CAP + 1),
    ],
)
def test_a_graph_answer_below_the_cap_or_kept_below_it_is_whole(
    server: Server, text: str, triples: int
) -> None:
    """A server's answer of ``triples``; the LIMIT cases keep the query below the cap."""
    server.triples = triples
    assert len(EndpointBackend(server.url, row_cap=CAP).run(text)) == triples


def test_split_prologue_keeps_iris_and_comments_that_look_like_keywords() -> None:
    text = "BASE <urn:SELECT>\n# SELECT\nPREFIX p: <urn:x#WHERE>\nASK { ?s p:x ?o }"
    assert split_prologue(text) == (
        "BASE <urn:SELECT>\n# SELECT\nPREFIX p: <urn:x#WHERE>\n",
        "ASK { ?s p:x ?o }",
    )
    assert split_prologue("PREFIX p: <urn:\\u0041>\nASK {}") == ("PREFIX p: <urn:A>\n", "ASK {}")
