"""What a query may do on the served endpoint, and what it may cost.

The endpoint is read-only and reaches nothing outside its own graph. This module decides,
before a query reaches a worker, whether it is too long, an update, or asks for anything
outside (SERVICE, FROM, LOAD); the workers add a second wall (:mod:`kzby_kg.web.pool`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kzby_kg.errors import KzbyError, QueryError
from kzby_kg.querying.text import blank_out, query_form

__all__ = ["LimitError", "Limits", "refuse_unsafe"]

_FORBIDDEN = re.compile(r"\b(SERVICE|FROM|LOAD)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Limits:
    """What one query may cost. The defaults suit a shared, modest machine."""

    timeout: float = 10.0
    max_rows: int = 10_000
    max_query_length: int = 20_000
    max_concurrent: int = 2
    queue_wait: float = 10.0
    max_body: int = 100_000


class LimitError(KzbyError):
    """A query hit one of the server's limits."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def refuse_unsafe(text: str, limits: Limits) -> str:
    """The query's form, or an error if it is too long, an update, or reaches outside.

    :raises LimitError: 413 for a long query, 403 for updates, SERVICE, FROM and LOAD.
    """
    if len(text) > limits.max_query_length:
        raise LimitError(
            413, f"query is {len(text)} characters; the limit is {limits.max_query_length}"
        )
    clean = blank_out(text)
    forbidden = _FORBIDDEN.search(clean)
    if forbidden:
        raise LimitError(
            403,
            f"{forbidden.group(1).upper()} is not allowed: this endpoint reads only "
            "its own graph and fetches nothing",
        )
    try:
        return query_form(text)
    except QueryError as exc:
        raise LimitError(403 if "Update" in str(exc) else 400, str(exc)) from exc
