"""One converter for RDF terms between rdflib, pyoxigraph and SPARQL 1.1 Query Results JSON.

Engines answer in their own terms; the rest of the package reads rdflib terms. Every crossing
happens here, so that a language tag, an ``xsd:string`` datatype or a blank node is treated the
same way on every path (the fast-path tests compare the crossings term by term).

>>> from rdflib import Literal
>>> from_ox(to_ox(Literal("Қазақстан", lang="kk"))) == Literal("Қазақстан", lang="kk")
True
>>> to_json(Literal("1996", datatype=XSD.gYear))["datatype"]
'http://www.w3.org/2001/XMLSchema#gYear'
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from rdflib import BNode, Literal, URIRef
from rdflib.namespace import XSD
from rdflib.term import Identifier

if TYPE_CHECKING:
    import pyoxigraph as ox

__all__ = [
    "Triple",
    "from_json",
    "from_ox",
    "quads_to_ox",
    "to_json",
    "to_ox",
    "triple_from_ox",
]

Triple = tuple[Identifier, Identifier, Identifier]
_XSD_STRING = str(XSD.string)


def to_ox(term: Identifier) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    """An rdflib term as a pyoxigraph term."""
    import pyoxigraph as ox

    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype or XSD.string)))
    raise TypeError(f"not an RDF term: {term!r}")


def from_ox(term: Any) -> Identifier | None:
    """A pyoxigraph term (or None, for an unbound variable) as an rdflib term."""
    import pyoxigraph as ox

    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if term.language:
        return Literal(term.value, lang=term.language)
    datatype = term.datatype.value
    return Literal(term.value, datatype=None if datatype == _XSD_STRING else URIRef(datatype))


def triple_from_ox(triple: Any) -> Triple:
    """An Oxigraph triple or quad as an rdflib triple (blank-node labels kept)."""
    return (from_ox(triple.subject), from_ox(triple.predicate), from_ox(triple.object))  # type: ignore[return-value]


def quads_to_ox(triples: Iterable[Triple]) -> Iterator[ox.Quad]:
    """rdflib triples as Oxigraph quads in the default graph (to fill a store or a dataset)."""
    import pyoxigraph as ox

    for s, p, o in triples:
        yield ox.Quad(to_ox(s), to_ox(p), to_ox(o), ox.DefaultGraph())  # type: ignore[arg-type]


def to_json(term: Identifier) -> dict[str, str]:
    """An rdflib term as a SPARQL 1.1 Query Results JSON term."""
    if isinstance(term, URIRef):
        return {"type": "uri", "value": str(term)}
    if isinstance(term, BNode):
        return {"type": "bnode", "value": str(term)}
    item = {"type": "literal", "value": str(term)}
    if isinstance(term, Literal) and term.language:
        item["xml:lang"] = term.language
    elif isinstance(term, Literal) and term.datatype and str(term.datatype) != _XSD_STRING:
        item["datatype"] = str(term.datatype)
    return item


def from_json(value: dict[str, str] | None) -> Identifier | None:
    """A SPARQL JSON term (or None, for an unbound variable) as an rdflib term."""
    if value is None:
        return None
    kind = value.get("type")
    if kind == "uri":
        return URIRef(value["value"])
    if kind == "bnode":
        return BNode(value["value"])
    if "xml:lang" in value:
        return Literal(value["value"], lang=value["xml:lang"])
    datatype = value.get("datatype")
    if datatype == _XSD_STRING:
        datatype = None
    return Literal(value["value"], datatype=URIRef(datatype) if datatype else None)
