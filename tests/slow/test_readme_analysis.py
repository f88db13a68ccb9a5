"""The README's "Analysis in Python" example runs as a notebook would: a stored question to a
DataFrame to a plot. Slow tier: matplotlib and a figure cost more than the fast tier allows,
which is why the README marks the block ``py`` and the fast README test leaves it alone."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ..readme_examples import BLOCK, README, ROOT

pytestmark = pytest.mark.slow


def analysis_block() -> str:
    """The one ``py`` block of the README's "Analysis in Python" section."""
    section = README.split("\n## Analysis in Python\n", 1)[1].split("\n## ", 1)[0]
    blocks = [code for lang, code in BLOCK.findall(section) if lang == "py"]
    assert len(blocks) == 1, "the Analysis in Python section should show one py block"
    return blocks[0]


def test_the_analysis_example_draws_a_plot_with_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    monkeypatch.chdir(tmp_path)  # the example saves its figure here
    monkeypatch.setenv("KZBY_KG_ROOT", str(ROOT))
    namespace: dict[str, Any] = {}
    try:
        exec(compile(analysis_block(), "README.md", "exec"), namespace)
        df, ax = namespace["df"], namespace["ax"]
        assert str(df["year"].dtype) == "Int64"
        assert str(df["balance"].dtype) == "float64"
        lines = ax.get_lines()
        assert [line.get_label() for line in lines] == ["export", "import", "balance"]
        years = [float(x) for x in lines[0].get_xdata()]
        assert years == sorted(years) and years[0] >= 1991  # years on the x axis, as numbers
        assert years == list(range(int(years[0]), int(years[-1]) + 1))  # every year, in order
        import numpy as np

        for line in lines:  # the years with a figure are drawn; the others are gaps (masked)
            values = np.ma.masked_invalid(np.ma.asarray(line.get_ydata(), dtype=float))
            assert values.count() == len(df) > 1 and values.size > len(df)
        assert (tmp_path / "trade-balance.png").stat().st_size > 10_000
        by_flow = namespace["by_flow"]
        assert sorted(by_flow.columns) == ["импорт", "экспорт"]
        assert by_flow.notna().all().all()
    finally:
        plt.close("all")
