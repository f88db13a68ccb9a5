"""The briefing's figures as inline SVG, drawn with matplotlib from plain records (the build
module turns query answers into them), so that the drawing can be tested without the graph.

Output is deterministic: the Agg backend, DejaVu Sans (shipped with matplotlib) drawn as paths so
that no font is needed where the page is read, a fixed ``svg.hashsalt`` per figure, and no date
in the metadata. The same records give the same bytes.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = [
    "ArticleFigure",
    "MigrantSeries",
    "Mirror",
    "TimelineBar",
    "TimelineMark",
    "TradePoint",
    "fractional_year",
    "gapped",
    "mark_labels",
    "migration_chart",
    "render_settings",
    "svg_text",
    "timeline_chart",
    "trade_chart",
]

_EXPORT, _IMPORT = "#1f77b4", "#d62728"
_STATE_COLOURS = ("#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd")


@dataclass(frozen=True)
class TradePoint:
    """One trade figure in the reading unit; ``partial`` for a partial or provisional period,
    ``doubted`` when a finding doubts the value itself."""

    year: int
    flow: str  # "export" or "import"
    value: float
    partial: bool = False
    doubted: bool = False


@dataclass(frozen=True)
class TimelineBar:
    """A membership: ``row`` is the organisation, ``who`` the member state."""

    row: str
    who: str
    start: float
    end: float | None
    #: False for an observer, associate or dialogue partner: drawn hatched, not as membership
    full: bool = True


@dataclass(frozen=True)
class TimelineMark:
    """A dated fact shown as a mark on a row (agreements, commission, migration)."""

    row: str
    when: float
    text: str


@dataclass(frozen=True)
class MigrantSeries:
    """A migrant-stock series: persons by year."""

    label: str
    points: dict[int, float]


@dataclass(frozen=True)
class ArticleFigure:
    """One of the article's figures, in persons."""

    year: int
    value: float
    label: str


@dataclass(frozen=True)
class Mirror:
    """Two figures for the same thing from two sources, in persons."""

    year: int
    a: float
    b: float
    text: str


@dataclass
class _Rows:
    names: list[str] = field(default_factory=list)

    def index(self, name: str) -> int:
        if name not in self.names:
            self.names.append(name)
        return self.names.index(name)


# ---------------------------------------------------------------- helpers


def fractional_year(text: str) -> float:
    """A date of any precision as a year with a fraction, for a time axis.

    >>> fractional_year("2016"), fractional_year("2015-01-01")
    (2016.0, 2015.0)
    >>> round(fractional_year("2016-07-21"), 2)
    2016.55
    """
    text = text.strip()
    if len(text) >= 10:
        day = date.fromisoformat(text[:10])
        return day.year + (day.timetuple().tm_yday - 1) / 365.25
    if len(text) >= 7:
        return int(text[:4]) + (int(text[5:7]) - 1) / 12
    return float(int(text[:4]))


def gapped(points: dict[int, float], years: Iterable[int]) -> list[float]:
    """Values for each of ``years``, NaN where there is no figure, so that matplotlib breaks the
    line there instead of drawing across a missing year.

    >>> gapped({2010: 1.0, 2012: 3.0}, range(2010, 2013))
    [1.0, nan, 3.0]
    """
    return [points.get(year, math.nan) for year in years]


def mark_labels(marks: Sequence[TimelineMark], within: float = 1.5) -> list[tuple[float, str]]:
    """Labels for marks on one row: marks closer than ``within`` years share one label (their
    texts, each once, in time order), placed at the cluster's middle, so that labels of close
    marks do not print over each other.

    >>> marks = [TimelineMark("a", 2014.4, "Astana"), TimelineMark("a", 2014.8, "Minsk"),
    ...          TimelineMark("a", 2014.8, "Minsk"), TimelineMark("a", 2011.9, "Moscow")]
    >>> mark_labels(marks)
    [(2011.9, 'Moscow'), (2014.6, 'Astana, Minsk')]
    """
    clusters: list[list[TimelineMark]] = []
    for mark in sorted(marks, key=lambda m: m.when):
        if clusters and mark.when - clusters[-1][0].when < within:
            clusters[-1].append(mark)
        else:
            clusters.append([mark])
    out = []
    for cluster in clusters:
        texts = list(dict.fromkeys(m.text for m in cluster if m.text))
        middle = round((cluster[0].when + cluster[-1].when) / 2, 4)
        out.append((middle, ", ".join(texts)))
    return out


def render_settings(salt: str) -> Any:
    """matplotlib settings that make a figure's SVG the same bytes every time (typed Any:
    matplotlib's stubs accept only a literal dict of known keys)."""
    return {
        "svg.hashsalt": f"kzby-kg-{salt}",
        "svg.fonttype": "path",
        "font.family": "DejaVu Sans",
        "font.size": 9,
        "figure.dpi": 100,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "path.simplify": True,
    }


@contextmanager
def _figure(salt: str, size: tuple[float, float]) -> Iterator[tuple[Figure, Any]]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    with plt.rc_context(render_settings(salt)):
        figure, axes = plt.subplots(figsize=size)
        try:
            yield figure, axes
        finally:
            plt.close(figure)


def svg_text(figure: Figure) -> str:
    """The figure as an SVG element to inline in HTML (no XML declaration or DOCTYPE), sized by
    its viewBox so that the page can scale it."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None}, bbox_inches="tight")
    text = buffer.getvalue().decode("utf-8")
    text = text[text.index("<svg") :]
    # width/height in pt would fix the size; the viewBox keeps the proportions and CSS scales it
    return re.sub(r'<svg([^>]*?) width="[^"]*" height="[^"]*"', r"<svg\1", text, count=1)


# ---------------------------------------------------------------- figures


def trade_chart(
    points: Sequence[TradePoint], s: dict[str, str], unit_label: str, title: str
) -> str:
    """Exports and imports by year: lines broken at missing years, hollow marks for partial
    periods, a red ring for doubted values."""
    years = range(min(p.year for p in points), max(p.year for p in points) + 1)
    with _figure("trade", (8.0, 4.2)) as (figure, axes):
        for flow, colour, name in (
            ("export", _EXPORT, s["exports"]),
            ("import", _IMPORT, s["imports"]),
        ):
            mine = [p for p in points if p.flow == flow]
            values = {p.year: p.value for p in mine}
            axes.plot(list(years), gapped(values, years), color=colour, linewidth=2, label=name)
            full = [p for p in mine if not p.partial]
            axes.plot([p.year for p in full], [p.value for p in full], "o", color=colour)
            partial = [p for p in mine if p.partial]
            axes.plot(
                [p.year for p in partial],
                [p.value for p in partial],
                "o",
                markerfacecolor="white",
                markeredgecolor=colour,
                markeredgewidth=2,
                markersize=8,
            )
        doubted = [p for p in points if p.doubted]
        axes.plot(
            [p.year for p in doubted],
            [p.value for p in doubted],
            "o",
            markerfacecolor="none",
            markeredgecolor="#d00000",
            markersize=15,
            markeredgewidth=1.2,
        )
        missing = [y for y in years if not any(p.year == y for p in points)]
        for year in missing:
            axes.axvspan(year - 0.5, year + 0.5, color="#eeeeee", zorder=0)
        from matplotlib.lines import Line2D
        from matplotlib.patches import Patch

        handles, _ = axes.get_legend_handles_labels()
        handles += [
            Line2D(
                [0],
                [0],
                marker="o",
                linestyle="",
                markerfacecolor="white",
                markeredgecolor="#444444",
                markeredgewidth=2,
                label=s["partial"],
            ),
            Line2D(
                [0],
                [0],
                marker="o",
                linestyle="",
                markerfacecolor="none",
                markeredgecolor="#d00000",
                markersize=12,
                label=s["doubted"],
            ),
        ]
        if missing:
            handles.append(Patch(color="#eeeeee", label=s["no_figure"]))
        axes.legend(
            handles=handles,
            loc="upper center",
            bbox_to_anchor=(0.5, -0.14),
            ncol=3,
            fontsize=8,
            frameon=False,
        )
        axes.set_xticks(list(years))
        axes.set_xlabel(s["year"])
        axes.set_ylabel(unit_label)
        axes.set_ylim(bottom=0)
        axes.set_title(title)
        axes.grid(axis="y", alpha=0.3)
        return svg_text(figure)


def timeline_chart(
    bars: Sequence[TimelineBar],
    marks: Sequence[TimelineMark],
    states: Sequence[str],
    s: dict[str, str],
    title: str,
    last: float,
) -> str:
    """Rows of membership bars (one thin bar per state) over rows of marks."""
    rows = _Rows()
    for bar in bars:
        rows.index(bar.row)
    for mark in marks:
        rows.index(mark.row)
    height = 1.2 + 0.42 * len(rows.names)
    with _figure("timeline", (9.0, height)) as (figure, axes):
        offsets = {who: (i - (len(states) - 1) / 2) * 0.28 for i, who in enumerate(states)}
        for bar in bars:
            y = rows.index(bar.row) + offsets.get(bar.who, 0.0)
            end = bar.end if bar.end is not None else last
            colour = _STATE_COLOURS[list(states).index(bar.who) % len(_STATE_COLOURS)]
            if bar.full:
                axes.barh(y, end - bar.start, left=bar.start, height=0.24, color=colour)
            else:  # an observer is not a member: an outline, hatched
                axes.barh(
                    y,
                    end - bar.start,
                    left=bar.start,
                    height=0.24,
                    facecolor="white",
                    edgecolor=colour,
                    hatch="////",
                    linewidth=0.8,
                )
        for row_name in rows.names:
            mine = [m for m in marks if m.row == row_name]
            y = rows.index(row_name)
            axes.plot([m.when for m in mine], [y] * len(mine), "D", color="#333333", markersize=6)
            # one label per cluster of close marks, alternately above and below the row
            for i, (at, text) in enumerate(mark_labels(mine)):
                axes.annotate(
                    text,
                    (at, y),
                    xytext=(at, y + (0.34 if i % 2 == 0 else -0.34)),
                    fontsize=6.5,
                    ha="center",
                    va="center",
                    color="#333333",
                )
        from matplotlib.patches import Patch

        handles: list[Any] = [
            Patch(color=_STATE_COLOURS[i % len(_STATE_COLOURS)], label=f"{s['memberships']}: {who}")
            for i, who in enumerate(states)
        ]
        if any(not bar.full for bar in bars):
            handles.append(
                Patch(facecolor="white", edgecolor="#555555", hatch="////", label=s["observer"])
            )
        from matplotlib.lines import Line2D

        handles.append(
            Line2D(
                [0],
                [0],
                marker="D",
                linestyle="",
                color="#333333",
                label=f"{s['agreements']}, {s['meetings']}, {s['migration_events']}",
            )
        )
        axes.legend(
            handles=handles,
            loc="upper center",
            bbox_to_anchor=(0.5, -0.12),
            ncol=3,
            fontsize=8,
            frameon=False,
        )
        axes.set_yticks(range(len(rows.names)), rows.names)
        axes.invert_yaxis()
        axes.set_xlim(1990.5, math.floor(last) + 1.5)
        axes.set_xlabel(s["year"])
        axes.set_title(title)
        axes.grid(axis="x", alpha=0.3)
        return svg_text(figure)


def migration_chart(
    series: Sequence[MigrantSeries],
    article: Sequence[ArticleFigure],
    mirrors: Sequence[Mirror],
    s: dict[str, str],
    title: str,
) -> str:
    """The UN DESA series as lines (gaps kept), the article's figures as large marks, and each
    mirror comparison as a dashed link labelled with its difference."""
    with _figure("migration", (8.0, 4.2)) as (figure, axes):
        colours = ("#2ca02c", "#9467bd", "#8c564b", "#17becf")
        for i, one in enumerate(series):
            years = sorted(one.points)
            axes.plot(
                years,
                [one.points[y] for y in years],
                "o-",
                color=colours[i % 4],
                label=one.label,
                linewidth=2,
            )
        if article:
            axes.plot(
                [a.year for a in article],
                [a.value for a in article],
                "*",
                color="#d62728",
                markersize=16,
                label=s["article_figure"],
            )
            for a in article:
                axes.annotate(
                    a.label,
                    (a.year, a.value),
                    xytext=(-8, 8),
                    textcoords="offset points",
                    fontsize=7,
                    ha="right",
                )
        for m in mirrors:
            axes.plot([m.year, m.year], [m.a, m.b], "--", color="#555555", linewidth=1)
            axes.annotate(
                m.text,
                (m.year, (m.a + m.b) / 2),
                xytext=(-6, 0),
                textcoords="offset points",
                fontsize=7,
                ha="right",
                va="center",
            )
        highest = max(
            [v for one in series for v in one.points.values()] + [a.value for a in article] + [1.0]
        )
        years = [y for one in series for y in one.points] + [a.year for a in article]
        years += [m.year for m in mirrors]
        if years:  # a lone figure would otherwise sit in a century-wide axis
            middle, half = (min(years) + max(years)) / 2, max((max(years) - min(years)) / 2, 5)
            axes.set_xlim(middle - half - 1, middle + half + 1)
        axes.xaxis.get_major_locator().set_params(integer=True)
        axes.set_xlabel(s["year"])
        axes.set_ylabel(s["persons"])
        axes.set_ylim(0, highest * 1.2)  # room for the labels under the title
        axes.yaxis.set_major_formatter(_thousands())
        axes.set_title(title)
        axes.grid(axis="y", alpha=0.3)
        axes.legend(loc="lower left", fontsize=8, frameon=False)
        return svg_text(figure)


def _thousands() -> Any:
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda value, _: f"{value:,.0f}".replace(",", "\u2009"))
