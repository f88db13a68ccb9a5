"""One root exception, so that callers and the CLI can catch everything the library raises.

Errors from rdflib, pyshacl and the file system are translated where they enter our code, and
carry what a user needs to fix the problem (file, line and column; the unknown name and close
matches), never a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "AmbiguousEntityError",
    "EndpointError",
    "ExportError",
    "KzbyError",
    "LoadError",
    "QueryError",
    "UnknownEntityError",
    "UsageError",
]


class KzbyError(Exception):
    """Root of every error kzby-kg raises on purpose."""


@dataclass
class LoadError(KzbyError):
    """A data or ontology file could not be read or parsed."""

    path: Path
    reason: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        where = str(self.path)
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return f"{where}: {self.reason}"


class ExportError(KzbyError):
    """The graph could not be written; any existing output file is left as it was."""


class UsageError(KzbyError):
    """A parameter has a value the command cannot use."""


@dataclass
class UnknownEntityError(KzbyError):
    """No entity has this label, CURIE or IRI."""

    name: str
    suggestions: list[str]

    def __str__(self) -> str:
        msg = f"no entity matches {self.name!r}"
        if self.suggestions:
            msg += "; did you mean: " + ", ".join(self.suggestions) + "?"
        return msg


@dataclass
class AmbiguousEntityError(KzbyError):
    """Several entities share the name; the user must pick one by CURIE."""

    name: str
    matches: list[tuple[str, str]]

    def __str__(self) -> str:
        options = "; ".join(f"{curie} ({label})" for curie, label in self.matches)
        return f"{self.name!r} is ambiguous, it matches: {options}. Use a CURIE to pick one."


class QueryError(KzbyError):
    """A query is malformed, or a backend could not answer it."""


class EndpointError(QueryError):
    """A remote SPARQL endpoint is down, refused, timed out, or answered only in part."""
