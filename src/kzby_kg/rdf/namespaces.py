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

__all__ = [
    "BIBO",
    "BIRO",
    "CITO",
    "KZBY",
    "KZD",
    "KZS",
    "PREFIXES",
    "SDMX_ATTRIBUTE",
    "SDMX_CODE",
    "WD",
    "WIKIBASE",
    "bind_prefixes",
]

KZBY = Namespace("https://w3id.org/kzby-kg/ontology#")
KZD = Namespace("https://w3id.org/kzby-kg/id/")
KZS = Namespace("https://w3id.org/kzby-kg/shapes#")
BIBO = Namespace("http://purl.org/ontology/bibo/")
CITO = Namespace("http://purl.org/spar/cito/")
BIRO = Namespace("http://purl.org/spar/biro/")
WD = Namespace("http://www.wikidata.org/entity/")
#: Wikibase's own ontology: statement ranks (Wikidata's statement model)
WIKIBASE = Namespace("http://wikiba.se/ontology#")
SDMX_ATTRIBUTE = Namespace("http://purl.org/linked-data/sdmx/2009/attribute#")
SDMX_CODE = Namespace("http://purl.org/linked-data/sdmx/2009/code#")

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
    "cito": CITO,
    "biro": BIRO,
    "wd": WD,
    "wikibase": WIKIBASE,
    "sdmx-attribute": SDMX_ATTRIBUTE,
    "sdmx-code": SDMX_CODE,
}


def bind_prefixes(graph: Graph) -> Graph:
    """Bind the project's prefixes over rdflib's defaults, so CURIEs read the same everywhere."""
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, override=True, replace=True)
    return graph
