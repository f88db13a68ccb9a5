"""What every engine is: a place to run read-only SPARQL with typed bindings.

Kept apart from the registry (:mod:`kzby_kg.querying.engines`) so that engines defined elsewhere
(the remote endpoint) depend on this contract only.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

from rdflib.term import Identifier

from kzby_kg.querying.results import QueryResult

__all__ = ["Backend"]


class Backend(ABC):
    """A place to run read-only SPARQL."""

    name: str = "backend"

    @abstractmethod
    def run(self, text: str, bindings: dict[str, Identifier] | None = None) -> QueryResult:
        """Run a read-only query with typed bindings.

        :raises QueryError: for an update, a malformed query or an engine failure.
        """
