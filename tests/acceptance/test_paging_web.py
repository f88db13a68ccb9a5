"""The web API in pages and streamed (issue 16): /api/NAME?limit=&offset=, a page of 100 rows
unless a download asks for the whole answer by ?format=, answers sent in chunks as the worker
writes them, and an answer cut short by the time limit never looks complete."""

from __future__ import annotations

import http.client
import json
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Sequence
from typing import Any

import pytest
from rdflib import Literal, URIRef
from rdflib.term import Identifier

from kzby_kg.querying.backend import Backend
from kzby_kg.querying.results import QueryResult, Row
from kzby_kg.web.app import PAGE_SIZE, _App, _Handler, _Server
from kzby_kg.web.policy import LimitError, Limits
from kzby_kg.web.pool import QueryPool

JSON = {"Accept": "application/sparql-results+json"}


def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers or JSON)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def rows(body: bytes) -> list[dict[str, Any]]:
    return list(json.loads(body)["results"]["bindings"])


def test_pages_concatenate_to_the_download(served: str) -> None:
    status, headers, body = get(f"{served}/api/dossier?format=json")
    assert status == 200 and headers["Transfer-Encoding"] == "chunked"
    whole = rows(body)
    assert 40 < len(whole) < PAGE_SIZE
    pages = []
    for start in (0, 20, 40):
        status, headers, body = get(f"{served}/api/dossier?limit=20&offset={start}")
        assert status == 200 and headers["X-Limit"] == "20" and headers["X-Offset"] == str(start)
        pages.append(rows(body))
    assert [row for page in pages for row in page] == whole
    assert 'rel="next"' in headers.get("Link", "") or start + 20 >= len(whole)
    # the total shows on the last page (short), with a link back
    assert headers["X-Total-Rows"] == str(len(whole))
    assert '</api/dossier?limit=20&offset=20>; rel="prev"' in headers["Link"]


def test_a_page_is_the_default(served: str) -> None:
    status, headers, body = get(f"{served}/api/dossier")
    assert status == 200 and headers["X-Limit"] == str(PAGE_SIZE)
    status, headers, body = get(f"{served}/api/dossier?limit=5&offset=0")
    assert len(rows(body)) == 5 and "X-Total-Rows" not in headers
    assert headers["Link"] == '</api/dossier?limit=5&offset=5>; rel="next"'


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("limit=-1", b"limit: -1 is negative"),
        ("offset=ten", b"offset: 'ten' is not a whole number"),
        ("limit=1.5", b"limit: '1.5' is not a whole number"),
        ("limit=10001", b"limit: 10001 is above this server's row limit of 10000"),
        ("offset=99999999999", b"offset: 99999999999 is above the maximum"),
    ],
)
def test_bad_pages_are_400_with_a_message(served: str, query: str, message: bytes) -> None:
    status, _, body = get(f"{served}/api/dossier?{query}")
    assert status == 400 and message in body, body


def test_an_http_1_0_client_gets_a_length(served: str) -> None:
    host, port = urllib.parse.urlsplit(served).netloc.split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(b"GET /api/dossier?limit=3 HTTP/1.0\r\nAccept: text/csv\r\n\r\n")
        reply = b""
        while chunk := sock.recv(65536):
            reply += chunk
    head, _, body = reply.partition(b"\r\n\r\n")
    assert b" 200 " in head.split(b"\r\n")[0] and b"chunked" not in head
    assert f"Content-Length: {len(body)}".encode() in head
    assert len(body.splitlines()) == 4


# ---------------------------------------------------------------- an answer cut short


class _Rows(Sequence[Row]):
    """A thousand-odd rows written at once, then a stall (or a failure): the time limit, or
    the error, comes while the answer is being written."""

    def __init__(self, fail: bool) -> None:
        self.fail = fail

    def __len__(self) -> int:
        return 10  # under the row limit: the worker starts writing

    def __iter__(self) -> Iterator[Row]:
        for i in range(3000):
            yield (URIRef(f"urn:row:{i}"), Literal("x" * 1000))
        if self.fail:
            raise RuntimeError("the engine broke mid-answer")
        time.sleep(60)  # the worker is killed long before this ends

    def __getitem__(self, index: Any) -> Any:  # pragma: no cover - never indexed
        raise IndexError(index)


class _Stalling(Backend):
    name = "stalling"

    def run(self, text: str, bindings: dict[str, Identifier] | None = None) -> QueryResult:
        if "ASK" in text:
            return QueryResult("ASK", boolean=True)
        return QueryResult("SELECT", ["s", "o"], _Rows(fail="fail" in text))


@pytest.fixture(scope="module")
def stalling() -> Iterator[tuple[str, QueryPool]]:
    from rdflib import Graph

    pool = QueryPool(_Stalling(), Limits(timeout=1.0, max_concurrent=1, light_lanes=1))
    handler = type("Handler", (_Handler,), {"app": _App(Graph(), pool, {}), "timeout": 10})
    server = _Server(("127.0.0.1", 0), handler, 8)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    host, port = server.server_address[:2]
    yield f"{host}:{port}", pool
    server.shutdown()
    pool.close()


@pytest.mark.parametrize(
    "query", ["SELECT * WHERE { ?s ?o ?x }", "SELECT * WHERE { ?s ?o 'fail' }"]
)
def test_an_answer_cut_short_never_looks_complete(
    stalling: tuple[str, QueryPool], query: str
) -> None:
    where, pool = stalling
    connection = http.client.HTTPConnection(where, timeout=30)
    connection.request("GET", "/sparql?" + urllib.parse.urlencode({"query": query}), headers=JSON)
    response = connection.getresponse()
    assert response.status == 200 and response.headers["Transfer-Encoding"] == "chunked"
    with pytest.raises(http.client.IncompleteRead) as cut:
        response.read()
    assert len(cut.value.partial) > 1_000_000, "the first rows arrived as they were written"
    connection.close()
    if "fail" in query:  # the pool itself says why, and a fresh worker answers the next query
        with pytest.raises(LimitError, match="broke mid-answer"):
            answer = pool.stream_rendered(query, None, "", "json")
            b"".join(answer.chunks)
    assert pool.run_rendered("ASK {}", None, "", "json")[1] == b'{"head":{},"boolean":true}'
