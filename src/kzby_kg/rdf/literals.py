"""Text to typed RDF literals, in one place for every way values enter the graph.

Stored-query parameters (typed by their variable's suffix) and imported table cells (typed by
their CSVW column) are read by the same functions, so that "2015-02-30" or "20x5" is refused
the same way wherever it is typed. Each parser returns a literal or raises :class:`ValueError`
whose message says what the text is not; callers add the parameter, file or column.

>>> parse_literal("integer", "2016")
rdflib.term.Literal('2016', datatype=rdflib.term.URIRef('http://www.w3.org/2001/XMLSchema#integer'))
>>> parse_literal("date", "2015-02-30")
Traceback (most recent call last):
...
ValueError: not a calendar date like 2016-07-21
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from decimal import Decimal, InvalidOperation

from rdflib import Literal
from rdflib.namespace import XSD

__all__ = ["LITERAL_KINDS", "parse_literal"]

_INTEGER = re.compile(r"[+-]?\d{1,18}")
_YEAR = re.compile(r"-?\d{4}")


def _integer(text: str) -> Literal:
    if not _INTEGER.fullmatch(text):
        raise ValueError("not an integer")
    return Literal(int(text), datatype=XSD.integer)


def _decimal(text: str) -> Literal:
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValueError("not a number") from None
    if not number.is_finite():
        raise ValueError("not a finite number")
    return Literal(number, datatype=XSD.decimal)


def _date(text: str) -> Literal:
    # fromisoformat also takes 20160721 and 2016-W29-4; a source's date is written one way.
    if len(text) != 10:
        raise ValueError("not a calendar date like 2016-07-21")
    try:
        return Literal(date.fromisoformat(text).isoformat(), datatype=XSD.date)
    except ValueError:
        raise ValueError("not a calendar date like 2016-07-21") from None


def _year(text: str) -> Literal:
    if not _YEAR.fullmatch(text):
        raise ValueError("not a year like 2016")
    return Literal(text, datatype=XSD.gYear)


def _string(text: str) -> Literal:
    return Literal(text)


#: kind name -> parser. The kinds are what parameters and CSVW columns call their types.
LITERAL_KINDS: dict[str, Callable[[str], Literal]] = {
    "string": _string,
    "integer": _integer,
    "decimal": _decimal,
    "number": _decimal,
    "date": _date,
    "year": _year,
    "gYear": _year,
}


def parse_literal(kind: str, text: str) -> Literal:
    """A literal of ``kind`` read from ``text``.

    :param kind: a key of :data:`LITERAL_KINDS`.
    :raises ValueError: saying what ``text`` is not.
    :raises KeyError: for an unknown kind (a programming error, not a user's).
    """
    return LITERAL_KINDS[kind](text)
