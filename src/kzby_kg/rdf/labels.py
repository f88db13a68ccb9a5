"""Human-readable names for graph nodes, in the language the user asks for."""

from __future__ import annotations

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDFS, SKOS
from rdflib.term import Node

from kzby_kg.rdf.curies import compact

__all__ = ["curie", "label", "labels_by_language"]

_LABEL_PROPERTIES = (RDFS.label, SKOS.prefLabel)


def curie(graph: Graph, node: Node) -> str:
    """A CURIE under a project prefix (kzd:belarus), else the full IRI, else the literal text.

    ``graph`` is unused and kept so that callers read alike; see :mod:`kzby_kg.rdf.curies`."""
    if isinstance(node, URIRef):
        return compact(str(node))
    return str(node)


def labels_by_language(graph: Graph, node: Node) -> dict[str, str]:
    """Every label of a node, one per language tag (rdfs:label before skos:prefLabel)."""
    found: dict[str, str] = {}
    for prop in _LABEL_PROPERTIES:
        for value in sorted(graph.objects(node, prop), key=str):
            if isinstance(value, Literal):
                found.setdefault(value.language or "", str(value))
    return found


def _owner(graph: Graph, node: BNode, depth: int = 0) -> str | None:
    """Name a blank node after the resource that holds it (an interval of a membership)."""
    for subject, predicate in graph.subject_predicates(node):
        if isinstance(subject, BNode) and depth < 3:
            inner = _owner(graph, subject, depth + 1)
            if inner:
                return f"{inner} / {curie(graph, predicate)}"
        elif not isinstance(subject, BNode):
            return f"{label(graph, subject)} / {curie(graph, predicate)}"
    return None


def label(graph: Graph, node: Node, lang: str = "en") -> str:
    """The best label: the requested language, then English, then untagged, then a CURIE.

    >>> from kzby_kg.rdf.load import load
    >>> from kzby_kg.rdf.namespaces import KZD
    >>> g = load()
    >>> label(g, KZD.kazakhstan, "kk")
    'Қазақстан'
    """
    if isinstance(node, Literal):
        return str(node)
    found = labels_by_language(graph, node)
    for key in (lang, "en", ""):
        if key in found:
            return found[key]
    if found:
        return next(iter(sorted(found.items())))[1]
    if isinstance(node, BNode):
        return _owner(graph, node) or "(blank node)"
    return curie(graph, node)
