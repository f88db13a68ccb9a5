"""push sends an Oxigraph store as it sends an rdflib graph: the same N-Triples, in parts
that never split a blank node's triples (no server needed; tests/slow/test_push.py sends both
to Virtuoso)."""

from __future__ import annotations

import itertools

import pyoxigraph as ox
import pytest
from rdflib import XSD, BNode, Graph, Literal, URIRef
from rdflib.compare import isomorphic

from kzby_kg.rdf.load import store_from_graph
from kzby_kg.remote.push import _is_blank, _nt_line, _parts, _size

EX = "urn:kzby-kg:test:"


def _sample() -> Graph:
    """Plain triples, two chains of linked blank nodes, and literals that need escaping."""
    graph = Graph()
    for number in range(7):
        graph.add((URIRef(f"{EX}s{number}"), URIRef(f"{EX}p"), Literal(number)))
    graph.add((URIRef(f"{EX}s0"), URIRef(f"{EX}name"), Literal('Қазақстан "KZ"\n', lang="kk")))
    graph.add((URIRef(f"{EX}s0"), URIRef(f"{EX}v"), Literal("12", datatype=XSD.decimal)))
    for chain in range(2):
        nodes = [BNode() for _ in range(4)]
        graph.add((URIRef(f"{EX}s{chain}"), URIRef(f"{EX}has"), nodes[0]))
        for here, there in itertools.pairwise(nodes):
            graph.add((here, URIRef(f"{EX}next"), there))
            graph.add((here, URIRef(f"{EX}label"), Literal(f"chain {chain}")))
    return graph


@pytest.mark.parametrize("kind", ["graph", "store"])
def test_parts_carry_every_triple_and_keep_blank_nodes_together(kind: str) -> None:
    graph = _sample()
    source = graph if kind == "graph" else store_from_graph(graph)
    parts = list(_parts(source, 3))
    assert _size(source) == len(graph) == sum(map(len, parts))
    assert len(parts) > 3
    owner: dict[str, int] = {}
    for number, part in enumerate(parts):
        for triple in part:
            for term in (triple[0], triple[2]):
                if _is_blank(term):
                    # one chain's nodes are linked, so each node lives in exactly one part
                    assert owner.setdefault(str(term), number) == number
    sent = Graph().parse(data="".join(_nt_line(t) for p in parts for t in p), format="nt")
    assert isomorphic(sent, graph)


def test_a_store_sends_its_default_graph_only() -> None:
    store = store_from_graph(_sample())
    store.add(
        ox.Quad(
            ox.NamedNode(f"{EX}x"),
            ox.NamedNode(f"{EX}p"),
            ox.Literal("elsewhere"),
            ox.NamedNode(f"{EX}g"),
        )
    )
    assert _size(store) == len(_sample())
    assert all("elsewhere" not in _nt_line(t) for p in _parts(store, 100) for t in p)


def test_a_copy_cut_by_the_sparql_time_limit_points_to_the_sql_port(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """What a stock Virtuoso answered to the COPY of 5.7M triples, after its 60 s."""
    from kzby_kg.remote import push as module

    server = module._Server("http://x/sparql", "http://x/sparql", None, None, None, 1.0)

    def refuse(text: str, what: str) -> None:
        raise module.PushError(
            "http://x/sparql refused the COPY (HTTP 500: Virtuoso S1T00 Error SR171: "
            "Transaction timed out)",
            status=500,
        )

    monkeypatch.setattr(server, "update", refuse)
    with pytest.raises(module.PushError, match=r"SR171.*give --sql-port HOST:PORT") as caught:
        module._copy(server, None, "urn:s", "urn:t")
    assert caught.value.answered and caught.value.status == 500
