"""Parameters are typed and bound; hostile values never change a query; errors are clear."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import RDFS, SKOS

import kzby_kg
from kzby_kg import stored_query
from kzby_kg.errors import EndpointError, QueryError, UsageError
from kzby_kg.querying.backend import Backend
from kzby_kg.querying.catalogue import StoredQuery
from kzby_kg.querying.parameters import inline_bindings
from kzby_kg.querying.render import render
from kzby_kg.querying.text import query_form
from kzby_kg.rdf.namespaces import KZBY, KZD
from kzby_kg.remote.endpoint import EndpointBackend

HOSTILE_TEXT = [
    '"',
    "'",
    "}",
    "{ ?s ?p ?o }",
    "\\u0022",
    "> ?p ?o }#",
    '" } UNION { ?s ?p ?o } #',
    'Astana" . ?x ?y ?z . FILTER("',
    "\n} #",
]


def run(backend: Backend, name: str, **params: object) -> list[dict[str, object]]:
    stored = stored_query(name)
    return backend.run(stored.text, stored.bindings(params)).dicts()


def labels_containing(graph: Graph, text: str) -> set[tuple[str, str]]:
    """What search-labels must answer, computed in Python from the graph, not by SPARQL."""
    props = {RDFS.label, SKOS.altLabel, KZBY.abbreviation}
    return {
        (str(s), str(o))
        for s, p, o in graph
        if p in props and isinstance(s, URIRef) and text.lower() in str(o).lower()
    }


@pytest.mark.parametrize("value", [*HOSTILE_TEXT, "Astana"])
def test_hostile_text_is_searched_as_text_or_refused(
    backend: Backend, graph: Graph, value: str
) -> None:
    """A hostile value is either refused, naming the parameter, or searched for literally:
    the answer is exactly the labels that contain it, no more (the query kept its shape)."""
    try:
        rows = run(backend, "search-labels", text=value)
    except UsageError as exc:
        assert "parameter 'text'" in str(exc)
        assert "\\" in value or any(ord(c) < 32 for c in value), "only the inexpressible"
        return
    assert {(str(r["entity"]), str(r["label"])) for r in rows} == labels_containing(graph, value)


def test_a_plain_search_finds_something(backend: Backend, graph: Graph) -> None:
    """The comparison above is not vacuous: a plain word has answers."""
    assert len(labels_containing(graph, "Astana")) >= 2
    assert len(run(backend, "search-labels", text="Astana")) >= 2


@pytest.mark.parametrize(
    ("name", "param", "value"),
    [
        ("facts-citing-reference", "reference", "4 } UNION { ?s ?p ?o"),
        ("facts-citing-reference", "reference", "four"),
        ("facts-citing-reference", "reference", "4.5"),
        ("memberships-of-state", "state", "kzd:belarus> ?p ?o }#"),
        ("memberships-of-state", "state", "http://x.org/a b"),
        ("memberships-of-state", "state", "nope:belarus"),
        ("shared-unions-on-date", "as_of", '2016-01-01"^^xsd:date } #'),
        ("shared-unions-on-date", "as_of", "2015-02-30"),
        ("shared-unions-on-date", "as_of", "2016"),
    ],
)
def test_ill_typed_value_names_the_parameter(
    queries: dict[str, StoredQuery], name: str, param: str, value: str
) -> None:
    with pytest.raises(UsageError, match=f"parameter '{param}'"):
        queries[name].bindings({param: value})


def test_missing_and_unknown_parameters(queries: dict[str, StoredQuery]) -> None:
    stored = queries["facts-citing-reference"]
    assert stored.bindings({})["_reference_integer"].toPython() == 4  # the header default
    with pytest.raises(UsageError, match=r"no parameter 'ref'.*reference \(integer"):
        stored.bindings({"ref": 4})


def test_curie_and_iri_parameters_agree(backend: Backend) -> None:
    a = run(backend, "memberships-of-state", state="kzd:belarus")
    b = run(backend, "memberships-of-state", state="https://w3id.org/kzby-kg/id/belarus")
    assert a == b and len(a) >= 7


def test_parameters_change_answers(backend: Backend) -> None:
    in_2012 = {r["organisation"] for r in run(backend, "shared-unions-on-date", as_of="2012-06-01")}
    in_2016 = {r["organisation"] for r in run(backend, "shared-unions-on-date", as_of="2016-06-01")}
    assert KZD.eurasec in in_2012 - in_2016
    assert KZD.eaeu in in_2016 - in_2012


def test_inlined_values_keep_the_query_shape(queries: dict[str, StoredQuery]) -> None:
    text = queries["search-labels"].text
    with pytest.raises(UsageError):
        inline_bindings(text, queries["search-labels"].bindings({"text": "\\u0022"}))
    safe = inline_bindings(text, queries["search-labels"].bindings({"text": '"} #'}))
    assert 'VALUES (?_text) { ("\\"} #") }' in safe


@pytest.mark.parametrize(
    ("text", "form"),
    [
        ("SELECT * WHERE { ?s ?p ?o }", "SELECT"),
        ("ask { }", "ASK"),
        ("# SELECT in a comment\nCONSTRUCT WHERE { ?s ?p ?o }", "CONSTRUCT"),
        ("DESCRIBE <urn:x>", "DESCRIBE"),
    ],
)
def test_query_form(text: str, form: str) -> None:
    assert query_form(text) == form


@pytest.mark.parametrize(
    "update",
    [
        "INSERT DATA { <urn:a> <urn:b> <urn:c> }",
        "DROP ALL ",
        "CLEAR DEFAULT ",
        "LOAD <file:///etc/passwd> ",
    ],
)
def test_updates_are_refused(backend: Backend, update: str) -> None:
    with pytest.raises(QueryError, match="Update"):
        backend.run(update)


def test_malformed_query_is_a_query_error(backend: Backend) -> None:
    with pytest.raises(QueryError):
        backend.run("SELECT ?x WHERE { ?x ")


def test_ask_construct_describe(backend: Backend) -> None:
    assert backend.run("ASK { <https://w3id.org/kzby-kg/id/gomel> ?p ?o }").boolean is True
    built = backend.run(
        "CONSTRUCT { ?c <urn:in> ?s } WHERE { ?c <https://w3id.org/kzby-kg/ontology#inCountry> ?s }"
    )
    assert built.graph is not None and len(built.graph) >= 10
    described = backend.run("DESCRIBE <https://w3id.org/kzby-kg/id/gomel>")
    assert described.graph is not None and len(described.graph) >= 5


# ---------------------------------------------------------------- a misbehaving server


class _Script(BaseHTTPRequestHandler):
    """Answers by a script: a list of (status, headers, body, delay) popped per request."""

    script: ClassVar[list[tuple[int, dict[str, str], bytes, float]]] = []
    seen = 0

    def do_POST(self) -> None:
        import time

        type(self).seen += 1
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        status, headers, body, delay = self.script.pop(0) if self.script else (500, {}, b"", 0.0)
        time.sleep(delay)
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        return


RESULTS = json.dumps(
    {"head": {"vars": ["x"]}, "results": {"bindings": [{"x": {"type": "literal", "value": "1"}}]}}
).encode()
JSON = {"Content-Type": "application/sparql-results+json"}


@pytest.fixture()
def fake_server() -> Iterator[str]:
    _Script.script = []
    _Script.seen = 0
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Script)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/sparql"
    server.shutdown()


def test_retries_on_429_and_503(fake_server: str) -> None:
    _Script.script = [
        (503, {}, b"busy", 0.0),
        (429, {"Retry-After": "0"}, b"slow down", 0.0),
        (200, JSON, RESULTS, 0.0),
    ]
    result = EndpointBackend(fake_server, backoff=0.01).run("SELECT ?x WHERE { }")
    assert [str(r[0]) for r in result.rows] == ["1"]
    assert _Script.seen == 3


def test_gives_up_after_retries(fake_server: str) -> None:
    _Script.script = [(503, {}, b"busy", 0.0)] * 5
    with pytest.raises(EndpointError, match="HTTP 503"):
        EndpointBackend(fake_server, retries=2, backoff=0.01).run("SELECT ?x WHERE { }")
    assert _Script.seen == 3


def test_partial_results_are_refused(fake_server: str) -> None:
    _Script.script = [(200, {**JSON, "X-SQL-State": "S1TAT"}, RESULTS, 0.0)]
    with pytest.raises(EndpointError, match="partial results"):
        EndpointBackend(fake_server).run("SELECT ?x WHERE { }")


def test_timeout_is_an_endpoint_error(fake_server: str) -> None:
    _Script.script = [(200, JSON, RESULTS, 3.0)]
    with pytest.raises(EndpointError, match=r"did not answer|cannot reach"):
        EndpointBackend(fake_server, timeout=1).run("SELECT ?x WHERE { }")


def test_server_down_is_an_endpoint_error() -> None:
    with pytest.raises(EndpointError, match="cannot reach"):
        EndpointBackend("http://127.0.0.1:9/sparql", retries=0).run("ASK { }")


# ---------------------------------------------------------------- API and formats


def test_python_api_and_dataframe() -> None:
    result = kzby_kg.query("trade-balance")
    frame = result.to_dataframe()
    assert list(frame.columns)[:6] == ["year", "export", "import", "balance", "unitMult", "unit"]
    assert len(frame) == 8
    assert float(
        frame.loc[frame["year"].astype(str) == "2020", "balance"].iloc[0]
    ) == pytest.approx(-32.9)


@pytest.mark.parametrize("fmt", ["table", "csv", "tsv", "json", "markdown"])
def test_formats(queries: dict[str, StoredQuery], backend: Backend, fmt: str) -> None:
    from kzby_kg.querying.render import fetch_labels

    stored = queries["commission-meetings"]
    result = backend.run(stored.text, stored.bindings({"since": 2000}))
    text = render(result, fmt, labels=fetch_labels(backend, result, "ru"), lang="ru")
    assert text.strip()
    if fmt == "json":
        assert len(json.loads(text)["results"]["bindings"]) == 2
    elif fmt in ("csv", "tsv"):
        # CSV heads columns with names; SPARQL TSV with variables, as the standard says
        first = text.splitlines()[0].split("," if fmt == "csv" else "\t")[0]
        assert first == ("item" if fmt == "csv" else "?item")
        assert "https://w3id.org/kzby-kg/id/gomel" in text
    else:
        assert "Гомель" in text  # labels in the chosen language


def test_unknown_stored_query_suggests() -> None:
    with pytest.raises(UsageError, match=r"did you mean trade-balance"):
        kzby_kg.stored_query("trade-balanse")
