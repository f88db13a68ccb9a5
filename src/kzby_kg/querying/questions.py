"""Ask questions: stored questions by name, ad-hoc SPARQL, on the engine of your choice.

>>> import kzby_kg
>>> result = kzby_kg.query("commission-meetings", since=2000)
>>> [row["ordinal"].toPython() for row in result.dicts() if row["ordinal"] is not None]
[12]
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

from kzby_kg.errors import UsageError
from kzby_kg.paths import ProjectPaths, find_root
from kzby_kg.querying.backend import Backend
from kzby_kg.querying.catalogue import StoredQuery, catalogue, load_query
from kzby_kg.querying.engines import open_backend
from kzby_kg.querying.results import QueryResult

__all__ = ["query", "run_stored", "sparql", "stored_query"]


def stored_query(name: str, root: str | Path | ProjectPaths | None = None) -> StoredQuery:
    """One stored question by name.

    :raises UsageError: naming close matches when there is no such question.
    """
    paths = root if isinstance(root, ProjectPaths) else find_root(root)
    path = paths.root / "queries" / f"{name}.rq"
    if "/" not in name and path.is_file():
        return load_query(path)
    queries = catalogue(paths)
    close = difflib.get_close_matches(name, list(queries), n=3)
    hint = f"; did you mean {', '.join(close)}?" if close else "; see `kzby-kg queries`"
    raise UsageError(f"no stored query named {name!r}{hint}")


def run_stored(stored: StoredQuery, backend: Backend, params: dict[str, Any]) -> QueryResult:
    """Run a stored question with typed, bound parameters."""
    return backend.run(stored.text, stored.bindings(params))


def query(name: str, backend: Backend | None = None, **params: Any) -> QueryResult:
    """Run the stored question ``name`` with keyword parameters (default engine if none)."""
    return run_stored(stored_query(name), backend or open_backend(), params)


def sparql(text: str, backend: Backend | None = None) -> QueryResult:
    """Run ad-hoc SPARQL (SELECT, ASK, CONSTRUCT or DESCRIBE); updates are refused."""
    return (backend or open_backend()).run(text)
