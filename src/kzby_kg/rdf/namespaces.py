"""The namespaces of the project and of the vocabularies it reuses, bound once for all output."""

from __future__ import annotations

from rdflib import Graph, Namespace
from rdflib.namespace import (
    DCAT,
    DCTERMS,
    FOAF,
    ORG,
    OWL,
    PROV,
    QB,
    RDF,
    RDFS,
    SKOS,
    TIME,
    XSD,
    DefinedNamespace,
)

__all__ = ["BIBO", "KZBY", "KZD", "KZS", "PREFIXES", "WD", "bind_prefixes"]

KZBY = Namespace("https://w3id.org/kzby-kg/ontology#")
KZD = Namespace("https://w3id.org/kzby-kg/id/")
KZS = Namespace("https://w3id.org/kzby-kg/shapes#")
BIBO = Namespace("http://purl.org/ontology/bibo/")
WD = Namespace("http://www.wikidata.org/entity/")

PREFIXES: dict[str, Namespace | type[DefinedNamespace]] = {
    "kzby": KZBY,
    "kzd": KZD,
    "kzs": KZS,
    "rdf": RDF,
    "rdfs": RDFS,
    "owl": OWL,
    "xsd": XSD,
    "skos": SKOS,
    "dcterms": DCTERMS,
    "dcat": DCAT,
    "org": ORG,
    "time": TIME,
    "prov": PROV,
    "qb": QB,
    "foaf": FOAF,
    "bibo": BIBO,
    "wd": WD,
}


def bind_prefixes(graph: Graph) -> Graph:
    """Bind the project's prefixes over rdflib's defaults, so CURIEs read the same everywhere."""
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, override=True, replace=True)
    return graph
