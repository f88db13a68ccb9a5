"""Answers made comparable across engines: the one documented place where servers differ.

Servers differ in ways we know of: numbers come back as integer, decimal or double (Virtuoso
widens arithmetic to double); blank-node ids differ; Virtuoso 7.2 does not always honour ORDER
BY. The competency tests compare every engine's answer through these functions.

>>> from rdflib import Literal
>>> normalise(Literal("464.80", datatype=XSD.decimal))
464.8
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from rdflib import BNode, Literal, URIRef
from rdflib.namespace import XSD
from rdflib.term import Identifier

from kzby_kg.rdf.curies import compact

__all__ = ["LIST_SEPARATOR", "comparable", "normalise"]

#: The separator of GROUP_CONCAT in the stored questions (variables named ``…List``).
LIST_SEPARATOR = "; "

_NUMERIC = {
    XSD.integer,
    XSD.decimal,
    XSD.double,
    XSD.float,
    XSD.int,
    XSD.long,
    XSD.short,
    XSD.nonNegativeInteger,
    XSD.positiveInteger,
}


def normalise(term: Identifier | None) -> Any:
    """A comparable Python value for a term, the same whichever server answered: numbers
    become floats rounded to 6 places, other literals their lexical form, IRIs a CURIE where a
    project prefix fits, blank nodes a fixed marker."""
    if term is None:
        return None
    if isinstance(term, BNode):
        return "_:blank"
    if isinstance(term, URIRef):
        return compact(str(term))
    if isinstance(term, Literal) and term.datatype in _NUMERIC:
        try:
            return round(float(Decimal(str(term))), 6)
        except ArithmeticError:
            return str(term)
    return str(term)


def comparable(rows: list[list[Any]], ordered: bool) -> list[list[Any]]:
    """Rows ready to compare across servers; unordered when ``ordered`` is False.

    Virtuoso 7.2 does not always honour ORDER BY: on a fresh database it once returned the
    right rows of the ``offices`` question in the wrong order. Order is therefore asserted on
    the embedded engines, and answers from a remote server are compared as multisets of rows.
    """
    if ordered:
        return rows
    return sorted(rows, key=lambda row: [(v is None, str(v)) for v in row])
