"""The same DataFrame from every engine: dtypes, values and labels (asked of the engine that
answered) agree whether Oxigraph, rdflib or Virtuoso ran the question. Virtuoso writes a whole
decimal as an integer, so this also shows why a column of integers and decimals is float64.
Slow tier: rdflib and Virtuoso run here (the ``backend`` fixture's own marks)."""

from __future__ import annotations

import pytest
from rdflib import Graph

import kzby_kg
from kzby_kg.querying.backend import Backend
from kzby_kg.querying.engines import OxigraphBackend

pytestmark = pytest.mark.slow


@pytest.mark.parametrize(
    ("name", "params"),
    [("trade-series", {}), ("trade-balance", {}), ("commission-meetings", {"since": 1996})],
)
def test_every_engine_gives_the_same_frame(
    backend: Backend, graph: Graph, name: str, params: dict[str, object]
) -> None:
    import pandas as pd

    reference = kzby_kg.frame(
        name, labels=True, lang="kk", backend=OxigraphBackend.from_graph(graph), **params
    )
    frame = kzby_kg.frame(name, labels=True, lang="kk", backend=backend, **params)
    assert len(reference) > 0
    assert any(column.endswith("_label") for column in reference.columns)
    if name == "commission-meetings":  # rows with equal sort keys may come in any order
        columns = list(reference.columns)  # "date" holds years and days: sorted as text
        reference = reference.sort_values(columns, key=lambda c: c.astype(str))
        frame = frame.sort_values(columns, key=lambda c: c.astype(str))
        reference, frame = reference.reset_index(drop=True), frame.reset_index(drop=True)
    for df in (reference, frame):  # a GROUP_CONCAT's parts come in any order (see values())
        for column in [c for c in df.columns if c.endswith("List")]:
            df[column] = df[column].map(
                lambda v: "; ".join(sorted(v.split("; "))), na_action="ignore"
            )
    pd.testing.assert_frame_equal(frame, reference)
