"""The tests' fast isomorphism check agrees with rdflib's on small graphs with blank nodes."""

from __future__ import annotations

import itertools

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import isomorphic

from ..conftest import same_graph

EX = "http://example.org/"


def chain(*labels: str) -> Graph:
    graph = Graph()
    nodes = [BNode(label) for label in labels]
    for a, b in itertools.pairwise(nodes):
        graph.add((a, URIRef(EX + "next"), b))
    graph.add((nodes[0], URIRef(EX + "name"), Literal("start", lang="en")))
    return graph


def test_relabelled_blank_nodes_are_the_same_graph() -> None:
    a, b = chain("a", "b", "c"), chain("x", "y", "z")
    assert isomorphic(a, b) and same_graph(a, b)


def test_a_changed_literal_is_another_graph() -> None:
    a, b = chain("a", "b", "c"), chain("x", "y", "z")
    b.set((BNode("x"), URIRef(EX + "name"), Literal("start", lang="kk")))
    assert not isomorphic(a, b) and not same_graph(a, b)


def test_a_different_shape_is_another_graph() -> None:
    a, b = chain("a", "b", "c"), chain("x", "y")
    b.add((BNode("y"), URIRef(EX + "next"), BNode("x")))
    assert len(a) == len(b)
    assert not isomorphic(a, b) and not same_graph(a, b)
