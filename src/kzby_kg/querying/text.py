"""Reading SPARQL text without running it: where comments, strings and IRIs are, and which form
a query has.

This is the one place that scans query text. It is used to put bound values into a query (see
:mod:`kzby_kg.querying.parameters`), to place a stored query's ``VALUES`` block, and to refuse
updates before anything is loaded. It is **not** a security boundary: the served endpoint
decides what a query may do from the engine's parse of it (:mod:`kzby_kg.web.policy`).
"""

from __future__ import annotations

import re
from functools import lru_cache

from kzby_kg.errors import QueryError

__all__ = ["blank_out", "query_form", "where_body_start"]

_FORM = re.compile(r"\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", re.IGNORECASE)
_UPDATE = re.compile(r"\b(INSERT|DELETE|LOAD|CLEAR|DROP|CREATE|ADD|MOVE|COPY)\b\s", re.IGNORECASE)
_IRI = re.compile(r"<[^\s<>\"{}|^`]*>")
_WHERE = re.compile(r"\bWHERE\s*\{", re.IGNORECASE)


@lru_cache(maxsize=512)
def blank_out(text: str) -> str:
    """The text with comments, strings and IRIs blanked (offsets and newlines kept), so that
    keywords can be found without matching inside them.

    Cached: stored queries run again and again, and this scan costs more than a small query on
    Oxigraph.

    >>> blank_out('SELECT * { ?s ?p "WHERE" } # ASK')
    'SELECT * { ?s ?p         }      '
    """
    out = list(text)
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        iri = _IRI.match(text, i) if c == "<" else None
        if c == "#":
            j = text.find("\n", i)
            j = n if j < 0 else j
        elif iri is not None:
            j = iri.end()
        elif c in "\"'":
            quote = text[i : i + 3] if text[i : i + 3] in ('"""', "'''") else c
            j = i + len(quote)
            while j < n and text[j : j + len(quote)] != quote:
                j += 2 if text[j] == "\\" else 1
            j = min(n, j + len(quote))
        else:
            i += 1
            continue
        for k in range(i, j):
            if out[k] != "\n":
                out[k] = " "
        i = j
    return "".join(out)


@lru_cache(maxsize=512)
def query_form(text: str) -> str:
    """SELECT, ASK, CONSTRUCT or DESCRIBE; an update or anything else is refused.

    >>> query_form("PREFIX ex: <http://ex.org/select#> ASK { ?s ?p ?o }")
    'ASK'

    :raises QueryError: for SPARQL Update or text that is no query.
    """
    clean = blank_out(text)
    match = _FORM.search(clean)
    if match is None:
        if _UPDATE.search(clean):
            raise QueryError("SPARQL Update is not a query; this command only reads")
        raise QueryError("not a SPARQL query: expected SELECT, ASK, CONSTRUCT or DESCRIBE")
    return match.group(1).upper()


def where_body_start(text: str) -> int:
    """The offset just inside the outermost ``WHERE {``, where a VALUES block can go.

    :raises QueryError: if the query has no ``WHERE {``.
    """
    where = _WHERE.search(blank_out(text))
    if where is None:
        raise QueryError("a query with parameters needs a WHERE { … } clause")
    return where.end()
