"""What a query may do on the served endpoint, and what it may cost.

The endpoint is read-only and reaches nothing outside its own graph. This module decides,
before a query reaches a worker, whether it is too long, an update, or asks for anything
outside (SERVICE, FROM, FROM NAMED). It decides from the *parsed* query, never from its text:
the SPARQL parser expands ``\\u`` escapes and prefixes first, so no spelling of a keyword, no
IRI or string that hides one, and no nesting (OPTIONAL, MINUS, EXISTS, subqueries) changes the
answer. The worker processes add a second wall below this one (:mod:`kzby_kg.web.sandbox`):
they cannot open a connection even when a check here is missed.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from kzby_kg.errors import KzbyError

__all__ = ["LimitError", "Limits", "refuse_unsafe"]

#: parse-tree node names of the query forms, and the form each one is
_FORMS = {
    "SelectQuery": "SELECT",
    "AskQuery": "ASK",
    "ConstructQuery": "CONSTRUCT",
    "DescribeQuery": "DESCRIBE",
}
#: rdflib's parser (pyparsing) is not thread-safe: two requests parsing at once fail at random
_PARSER = threading.Lock()
_OUTSIDE = "is not allowed: this endpoint reads only its own graph and fetches nothing"


@dataclass(frozen=True)
class Limits:
    """What one query may cost. The defaults suit a shared, modest machine."""

    timeout: float = 10.0
    max_rows: int = 10_000
    max_query_length: int = 20_000
    #: long-running queries at once; one more that runs past ``light_time`` is stopped
    max_concurrent: int = 2
    queue_wait: float = 10.0
    max_body: int = 100_000
    #: a query that has used this many seconds of CPU is a long one (at most half the timeout)
    light_time: float = 0.25
    #: workers beyond ``max_concurrent``, so quick queries answer while long ones run
    light_lanes: int = 6
    #: seconds a connection may sit idle, or take to send its request line and headers
    idle_timeout: float = 20.0
    #: open connections at once (each holds a thread); one more gets 503 at once
    max_connections: int = 64
    #: bytes of finished answers kept to answer the same request again without a worker (the
    #: graph does not change while it is served); 0 turns the cache off
    answer_cache_bytes: int = 64 * 1024 * 1024
    #: the largest answer kept (larger ones are streamed every time)
    answer_cache_entry: int = 1024 * 1024

    @property
    def long_after(self) -> float:
        """CPU seconds after which a running query counts as long."""
        return min(self.light_time, self.timeout / 2)


class LimitError(KzbyError):
    """A query hit one of the server's limits."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def _nodes(tree: Any) -> Iterator[Any]:
    """Every node of a parse tree (rdflib's CompValue and ParseResults), depth first."""
    stack = [tree]
    while stack:
        node = stack.pop()
        name = getattr(node, "name", None)
        if name is not None:
            yield node
        if isinstance(node, dict):
            stack.extend(node.values())
        elif isinstance(node, list | tuple) or type(node).__name__ == "ParseResults":
            stack.extend(list(node))


def _syntax_error(exc: Exception) -> LimitError:
    line, col = getattr(exc, "lineno", None), getattr(exc, "col", None)
    if line is None and not isinstance(exc, ValueError):
        # the parser itself failed (rdflib recurses without end on a nested SERVICE): what
        # cannot be checked is refused
        return LimitError(400, "the query could not be checked by the parser, so it is refused")
    where = f" at line {line}, column {col}" if line is not None else ""
    return LimitError(400, f"not a valid SPARQL query: syntax error{where}")


@lru_cache(maxsize=256)
def _decide(text: str) -> tuple[int, str]:
    """(0, form) for a query the endpoint runs, or (status, reason) for one it refuses.

    Cached: the same text always gets the same decision, and parsing costs more than a small
    query on Oxigraph.
    """
    from rdflib.plugins.sparql.parser import parseQuery, parseUpdate

    with _PARSER:
        try:
            parsed = parseQuery(text)
        except Exception as exc:  # pyparsing's ParseException, or a bad escape or IRI
            try:
                parseUpdate(text)
            except Exception:
                error = _syntax_error(exc)
                return error.status, str(error)
            return 403, "SPARQL Update is not accepted: this endpoint is read-only"
    query = parsed[1]
    if "datasetClause" in query:  # (CompValue.get returns the key itself when it is absent)
        named = any("named" in clause for clause in query["datasetClause"])
        return 403, f"{'FROM NAMED' if named else 'FROM'} {_OUTSIDE}"
    if any(node.name == "ServiceGraphPattern" for node in _nodes(parsed)):
        return 403, f"SERVICE {_OUTSIDE}"
    form = _FORMS.get(query.name)
    if form is None:
        return 400, "not a SPARQL query: expected SELECT, ASK, CONSTRUCT or DESCRIBE"
    return 0, form


def refuse_unsafe(text: str, limits: Limits) -> str:
    """The query's form, or an error if it is too long, an update, or reaches outside.

    :raises LimitError: 413 for a long query, 400 for text that is no query, 403 for updates,
        SERVICE, FROM and FROM NAMED.
    """
    if len(text) > limits.max_query_length:
        raise LimitError(
            413, f"query is {len(text)} characters; the limit is {limits.max_query_length}"
        )
    status, answer = _decide(text)
    if status:
        raise LimitError(status, answer)
    return answer
