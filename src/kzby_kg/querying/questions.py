"""Ask questions: stored questions by name, ad-hoc SPARQL, on the engine of your choice.

>>> import kzby_kg
>>> result = kzby_kg.query("commission-meetings", since=2000)
>>> [row["ordinal"].toPython() for row in result.dicts() if row["ordinal"] is not None]
[12]
>>> page = kzby_kg.query("commission-meetings", limit=2, offset=1)
>>> len(page.rows)
2
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

__all__ = [
    "entity_parameters",
    "query",
    "query_stored",
    "resolved_bindings",
    "run_stored",
    "sparql",
    "stored_query",
]


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


def entity_parameters(stored: StoredQuery, values: dict[str, Any]) -> set[str]:
    """The entity (IRI) parameters among ``values``, after every other value, and every
    parameter name, has been checked: so that a bad value is refused before an engine opens."""
    entities = {p.name for p in stored.parameters if p.kind == "iri" and p.name in values}
    stored.bindings({**values, **dict.fromkeys(entities, "urn:kzby-kg:pending")})
    return entities


def resolved_bindings(
    stored: StoredQuery,
    values: dict[str, Any],
    backend: Backend,
    entities: set[str] | None = None,
) -> dict[str, Any]:
    """Bindings for ``values``, each entity parameter given as a label (any language), a CURIE,
    an IRI or a URIRef and resolved against ``backend`` the way ``describe`` resolves names:
    an unknown entity is an error with close matches, never a silent empty answer.

    :param entities: ``entity_parameters(stored, values)``, if the caller has it already.
    :raises UsageError: naming the parameter.
    """
    from kzby_kg.querying.parameters import resolve_entity_values

    if entities is None:
        entities = entity_parameters(stored, values)
    resolved = resolve_entity_values(backend, {n: str(values[n]) for n in entities})
    return stored.bindings({**values, **resolved})


def run_stored(
    stored: StoredQuery,
    backend: Backend,
    params: dict[str, Any],
    *,
    limit: int | str | None = None,
    offset: int | str | None = None,
) -> QueryResult:
    """Run a stored question with typed, bound parameters; with ``limit`` and ``offset``, one
    page of its answer, in the question's order (see :meth:`StoredQuery.sliced`)."""
    bindings = stored.bindings(params)
    return backend.run(stored.sliced(limit, offset), bindings)


def query(
    name: str,
    backend: Backend | None = None,
    *,
    limit: int | str | None = None,
    offset: int | str | None = None,
    **params: Any,
) -> QueryResult:
    """Run the stored question ``name`` with keyword parameters (default engine if none).

    An entity parameter takes a label, a CURIE, an IRI or a URIRef
    (``query("memberships-of-state", state="Belarus")``).

    :param limit: at most this many rows (a whole number from 0; default: all).
    :param offset: skip this many rows first (default 0). Pages follow the question's ORDER BY,
        so ``offset=0, 100, 200, …`` read one after the other give the whole answer.
    :raises UsageError: for a bad parameter, limit or offset, naming it.
    """
    return query_stored(stored_query(name), backend, limit=limit, offset=offset, **params)


def query_stored(
    stored: StoredQuery,
    backend: Backend | None = None,
    *,
    limit: int | str | None = None,
    offset: int | str | None = None,
    **params: Any,
) -> QueryResult:
    """:func:`query` for a question already read (:func:`stored_query`)."""
    entities = entity_parameters(stored, params)  # refuse bad values before opening an engine
    text = stored.sliced(limit, offset)
    engine = backend or open_backend()
    return engine.run(text, resolved_bindings(stored, params, engine, entities))


def sparql(text: str, backend: Backend | None = None) -> QueryResult:
    """Run ad-hoc SPARQL (SELECT, ASK, CONSTRUCT or DESCRIBE); updates are refused.

    The project's prefixes (``kzby:``, ``kzd:``, ``org:``, …) need no declaration, as on the
    command line; a syntax error is one line at the text's own line and column.
    """
    from kzby_kg.errors import QueryError
    from kzby_kg.querying.text import declare_prefixes, one_line_error

    declared, added = declare_prefixes(text)
    try:
        return (backend or open_backend()).run(declared)
    except QueryError as exc:
        raise QueryError(one_line_error(str(exc), text, added)) from exc
