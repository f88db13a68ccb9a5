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

__all__ = [
    "blank_out",
    "declare_prefixes",
    "one_line_error",
    "query_form",
    "where_body_start",
]

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


def declare_prefixes(text: str) -> tuple[str, int]:
    """The query with a ``PREFIX`` line for each project prefix (kzby:, kzd:, …) it uses but
    does not declare, and how many lines that added. Declarations in the text are the one thing
    every engine (Oxigraph, rdflib, any endpoint) reads alike; the user's own are kept."""
    import re

    from kzby_kg.rdf.namespaces import PREFIXES

    clean = blank_out(text)
    declared = set(re.findall(r"(?i)\bPREFIX\s+([A-Za-z][\w.-]*)\s*:", clean))
    missing = [
        name
        for name in PREFIXES
        if name not in declared and re.search(rf"(?<![\w.\-?$:]){re.escape(name)}:", clean)
    ]
    if not missing:
        return text, 0
    header = " ".join(f"PREFIX {name}: <{PREFIXES[name]}>" for name in missing)
    return f"{header}\n{text}", 1


def one_line_error(message: str, text: str, added: int) -> str:
    """An engine's complaint about a query as one line, at the user's own line and column:
    Oxigraph lists every character it expected (Unicode ranges over several lines)."""
    import re

    from kzby_kg.rdf.namespaces import PREFIXES

    found = re.search(r"error at (\d+):(\d+): (.*)", message, re.DOTALL)
    if found is None:  # rdflib's or a server's message: its first line, at the user's line
        first = re.sub(r"\s*\(at char \d+\),?", "", (message.splitlines() or [""])[0])
        return re.sub(r"\(line:(\d+)", lambda m: f"(line:{int(m.group(1)) - added}", first)
    line, column, detail = int(found.group(1)) - added, int(found.group(2)), found.group(3)
    lines = text.splitlines()
    source = lines[line - 1] if 0 < line <= len(lines) else ""
    near = source[column - 1 : column + 29].strip() or source[max(0, column - 31) :].strip()
    where = f"query failed: syntax error at line {line}, column {column}"
    if near:
        where += f", near {near!r}"
    if "Prefix not found" in detail:
        names = re.findall(r"([A-Za-z][\w.-]*)?:", source[: column - 1])
        prefix = f"{names[-1]}:" if names else "a prefix"
        return (
            f"{where}: {prefix} is not declared; add PREFIX {prefix} <…> (the project's own "
            f"prefixes need none: {', '.join(p + ':' for p in PREFIXES)})"
        )
    detail = detail.splitlines()[0] if detail else ""
    if len(detail) > 80 or "\\u{" in detail:
        detail = "unexpected text"
    return f"{where}: {detail}"
