"""Questions answered straight into pandas DataFrames, for notebooks and analysis.

One call runs the question on an engine and keeps that engine for the labels, so that the
labels come from the graph that gave the rows (:meth:`QueryResult.to_dataframe` says how each
datatype becomes a dtype). For example (the README runs it, with a plot, in the slow tier)::

    df = kzby_kg.frame("trade-balance")          # year Int64, export/import/balance float64
    df.plot(x="year", y=["export", "import", "balance"])
    kzby_kg.frame("trade-series", labels=True, lang="ru", flow="kzd:flow-export")
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kzby_kg.querying.backend import Backend
from kzby_kg.querying.engines import open_backend
from kzby_kg.querying.questions import query_stored, sparql, stored_query
from kzby_kg.querying.results import check_lang

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["frame", "sparql_frame"]


def frame(
    name: str,
    labels: bool = False,
    lang: str = "en",
    *,
    backend: Backend | None = None,
    limit: int | str | None = None,
    offset: int | str | None = None,
    **params: Any,
) -> pd.DataFrame:
    """The stored question ``name`` as a DataFrame, its parameters as keyword arguments.

    :param labels: add ``<column>_label`` beside each column of IRIs, in ``lang``.
    :param lang: ``en``, ``ru``, ``kk`` or ``be``.
    :param backend: the engine (default: Oxigraph on the project's cached store).
    :param limit: at most this many rows; ``offset``: skip this many first (see
        :func:`kzby_kg.query`).
    :raises UsageError: for an unknown question (naming close matches) or language, before
        any engine is opened; for a bad parameter, as :func:`kzby_kg.query` does.
    """
    check_lang(lang)
    stored = stored_query(name)  # an unknown name is refused before an engine is opened
    engine = backend or open_backend()
    result = query_stored(stored, engine, limit=limit, offset=offset, **params)
    return result.to_dataframe(labels, lang, backend=engine)


def sparql_frame(
    text: str, labels: bool = False, lang: str = "en", *, backend: Backend | None = None
) -> pd.DataFrame:
    """An ad-hoc SELECT as a DataFrame (see :func:`frame` for ``labels`` and ``lang``).

    :raises UsageError: for an unknown language, or a query that is no SELECT.
    :raises QueryError: for a malformed query or an update.
    """
    check_lang(lang)
    engine = backend or open_backend()
    return sparql(text, engine).to_dataframe(labels, lang, backend=engine)
