"""push replaces a named graph on a real server all or nothing (needs Virtuoso; see conftest)."""

from __future__ import annotations

import uuid

import pytest
from rdflib import XSD, Graph, Literal, URIRef

from kzby_kg.errors import EndpointError
from kzby_kg.remote.endpoint import EndpointBackend
from kzby_kg.remote.push import _Server, push

from ..conftest import require_virtuoso

pytestmark = pytest.mark.slow


def _count(url: str, graph_iri: str) -> int:
    result = EndpointBackend(url).run(
        f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph_iri}> {{ ?s ?p ?o }} }}"
    )
    return int(result.rows[0][0])


def _staging_graphs(url: str) -> int:
    result = EndpointBackend(url).run(
        "SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } "
        'FILTER (STRSTARTS(STR(?g), "urn:kzby-kg:staging:")) }'
    )
    return int(result.rows[0][0])


def _options(settings: dict[str, str], method: str) -> dict[str, str | None]:
    """push's server options for one method: the Graph Store URL only for that protocol."""
    return {
        "update_url": settings["update_url"],
        "gsp_url": settings["gsp_url"] if method.startswith("Graph") else None,
        "user": settings["user"],
        "password": settings["password"],
    }


@pytest.mark.parametrize("method", ["Graph Store Protocol", "SPARQL Update"])
def test_push_loads_every_triple(graph: Graph, method: str) -> None:
    settings = require_virtuoso()
    target = f"urn:kzby-kg:test:push:{method.split()[0].lower()}"
    result = push(graph, settings["url"], target, **_options(settings, method))
    assert result.method == method
    assert _count(settings["url"], target) == len(graph) == result.triples
    assert _staging_graphs(settings["url"]) == 0


@pytest.mark.parametrize("method", ["Graph Store Protocol", "SPARQL Update"])
def test_a_store_arrives_as_its_graph_would(method: str) -> None:
    """The CLI pushes the cached Oxigraph store: blank nodes, tags and decimals arrive intact
    (blank nodes as skolem IRIs through SPARQL Update, as an rdflib graph's do)."""
    from rdflib import BNode
    from rdflib.compare import isomorphic

    from kzby_kg.rdf.load import store_from_graph

    settings = require_virtuoso()
    target = f"urn:kzby-kg:test:push-store:{method.split()[0].lower()}"
    node, ex = BNode(), "urn:kzby-kg:test:"
    graph = Graph()
    graph.add((URIRef(f"{ex}a"), URIRef(f"{ex}has"), node))
    graph.add((node, URIRef(f"{ex}v"), Literal("12", datatype=XSD.decimal)))
    graph.add((node, URIRef(f"{ex}name"), Literal("Қазақстан", lang="kk")))
    result = push(store_from_graph(graph), settings["url"], target, **_options(settings, method))
    assert (result.method, result.triples) == (method, 3)
    held = EndpointBackend(settings["url"]).run(
        f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{target}> {{ ?s ?p ?o }} }}"
    )
    expected = (
        graph
        if method.startswith("Graph")
        else graph.skolemize(authority="https://w3id.org", basepath="/kzby-kg/.well-known/genid/")
    )
    assert held.graph is not None and isomorphic(held.graph, expected)


def test_failed_push_leaves_target_as_it_was(graph: Graph, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = require_virtuoso()
    target = "urn:kzby-kg:test:push:atomic"
    kwargs = dict(
        update_url=settings["update_url"],
        gsp_url=settings["gsp_url"] or None,
        user=settings["user"],
        password=settings["password"],
    )
    push(graph, settings["url"], target, **kwargs)
    smaller = Graph()
    for i, triple in enumerate(graph):
        if i < 100:
            smaller.add(triple)
    monkeypatch.setattr(_Server, "count", lambda self, iri: -1)  # the check after staging fails
    with pytest.raises(EndpointError, match="target graph is left as it was"):
        push(smaller, settings["url"], target, **kwargs)
    assert _count(settings["url"], target) == len(graph)
    assert _staging_graphs(settings["url"]) == 0


def test_push_to_a_dead_server_is_clear(graph: Graph) -> None:
    with pytest.raises(EndpointError, match="cannot reach"):
        push(graph, "http://127.0.0.1:9/sparql", "urn:kzby-kg:test:dead", timeout=2)


def _refusal(graph: Graph, settings: dict[str, str], **kwargs: str | None) -> str:
    """The one line a push that Virtuoso refuses ends with; the target is untouched."""
    target = "urn:kzby-kg:test:push:refused"
    options: dict[str, str | None] = {
        "update_url": settings["update_url"],
        "gsp_url": settings["gsp_url"] or None,
        "user": settings["user"],
        "password": settings["password"],
    }
    options.update(kwargs)
    with pytest.raises(EndpointError) as caught:
        push(graph, settings["url"], target, timeout=30, **options)
    assert _count(settings["url"], target) == 0
    message = str(caught.value)
    assert "\n" not in message and "SPARQL query" not in message, message
    assert message.endswith("the target graph is left as it was"), message
    return message


def test_virtuoso_refusals_are_named(graph: Graph) -> None:
    """Issue 15: a wrong password was "cannot reach … Broken pipe", and a missing
    --update-url a dump of Virtuoso's SQL error and the whole query."""
    settings = require_virtuoso()
    assert "refused the user name or password" in _refusal(graph, settings, password="wrong")
    message = _refusal(graph, settings, update_url=None)
    assert "SR186" in message and "--update-url" in message
    assert "wants a user name and password" in _refusal(graph, settings, user=None)
    base = settings["url"].rsplit("/", 1)[0]
    assert "does not exist on the server (HTTP 404)" in _refusal(
        graph, settings, update_url=f"{base}/no-such-endpoint"
    )
    assert _staging_graphs(settings["url"]) == 0


def test_push_refuses_a_bad_graph_iri(graph: Graph) -> None:
    with pytest.raises(EndpointError, match="not an absolute IRI"):
        push(graph, "http://127.0.0.1:9/sparql", "my graph> }")


def test_whole_decimals_keep_their_datatype_through_sparql_update() -> None:
    """Virtuoso 7.2 on its stock ini stores ``"1000000"^^xsd:decimal`` that arrives in INSERT
    DATA as an xsd:integer (openlink/virtuoso-opensource#1062); push writes ``"1000000.0"``,
    the same xsd:decimal value, which Virtuoso keeps and gives back as ``"1000000"``."""
    settings = require_virtuoso()
    # a fresh graph: Virtuoso keeps a triple already there that has an equal value, whatever
    # its datatype (an xsd:integer left by an earlier push would pass for the decimal)
    target = f"urn:kzby-kg:test:push:decimals:{uuid.uuid4().hex[:8]}"
    graph = Graph()
    values = [
        Literal(lexical, datatype=XSD.decimal) for lexical in ("1000000", "-12", "0", "1.5")
    ] + [Literal("7", datatype=XSD.integer)]
    for number, value in enumerate(values):
        graph.add((URIRef(f"urn:kzby-kg:test:d{number}"), URIRef("urn:kzby-kg:test:v"), value))
    push(
        graph,
        settings["url"],
        target,
        update_url=settings["update_url"],
        user=settings["user"],
        password=settings["password"],
    )
    held = EndpointBackend(settings["url"]).run(
        f"SELECT ?s ?p ?o WHERE {{ GRAPH <{target}> {{ ?s ?p ?o }} }}"
    )
    _Server(
        settings["url"], settings["update_url"], None, settings["user"], settings["password"], 60
    ).update(f"DROP SILENT GRAPH <{target}>", "removing the graph")
    assert set(held.rows) == set(graph)
