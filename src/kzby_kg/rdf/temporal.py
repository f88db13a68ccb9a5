"""Reading OWL-Time instants in the precision they were given (a day, a month or a year)."""

from __future__ import annotations

from rdflib import Graph
from rdflib.namespace import TIME
from rdflib.term import Node

__all__ = ["INSTANT_PROPERTIES", "instant_value"]

INSTANT_PROPERTIES = (TIME.inXSDDate, TIME.inXSDgYearMonth, TIME.inXSDgYear)


def instant_value(graph: Graph, node: Node | None) -> str | None:
    """The lexical date of a time:Instant ("2015-01-01", "1998-12" or "1961"), or None."""
    if node is None:
        return None
    for prop in INSTANT_PROPERTIES:
        value = graph.value(node, prop)
        if value is not None:
            return str(value)
    return None
