"""Write a networkx view for graph tools (GraphML for Cytoscape, GEXF for Gephi, node-link JSON
for D3), deterministically and atomically, and draw the entity view as a picture."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from kzby_kg.errors import UsageError
from kzby_kg.rdf.write import write_atomic

if TYPE_CHECKING:
    import networkx as nx
    from matplotlib.figure import Figure

__all__ = [
    "DRAWING_TEXTS",
    "NETWORK_FORMATS",
    "draw",
    "drawing_format",
    "edge_category",
    "figure_bytes",
    "network_bytes",
    "network_figure",
    "network_layout",
    "node_label",
    "save_figure",
    "write_network",
]

NETWORK_FORMATS = ("graphml", "gexf", "nodelink")

# Colours by the node's class (its "kind"), so a reader can tell states from unions at a glance.
_COLOURS = {
    "sovereign state": "#1f77b4",
    "integration union": "#d62728",
    "international organisation": "#ff7f0e",
    "intergovernmental commission": "#9467bd",
    "city": "#2ca02c",
    "region": "#98df8a",
    "place": "#bcbd22",
    "person": "#e377c2",
    "agreement": "#8c564b",
    "programme": "#c49c94",
    "declaration": "#c5b0d5",
    "public association": "#17becf",
    "organisation": "#ffbb78",
}
_OTHER = "#7f7f7f"


def network_bytes(net: nx.MultiDiGraph, fmt: str) -> bytes:
    """The view in ``fmt``; the same view gives the same bytes.

    :raises UsageError: for an unknown format.
    """
    import networkx as nx

    if fmt == "graphml":
        buffer = io.BytesIO()
        nx.write_graphml(net, buffer, encoding="utf-8", prettyprint=True)
        return buffer.getvalue()
    if fmt == "gexf":
        buffer = io.BytesIO()
        nx.write_gexf(net, buffer, encoding="utf-8", prettyprint=True)
        # networkx stamps the GEXF with today's date; drop it so exports are reproducible.
        text = re.sub(r' lastmodifieddate="[^"]*"', "", buffer.getvalue().decode("utf-8"))
        return text.encode("utf-8")
    if fmt == "nodelink":
        data = nx.node_link_data(net, edges="links")
        return json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")
    raise UsageError(
        f"--format: unknown network format {fmt!r}; choose one of {', '.join(NETWORK_FORMATS)}"
    )


def write_network(net: nx.MultiDiGraph, fmt: str, path: Path) -> Path:
    """Serialize first, then replace the file in one step."""
    write_atomic(path, network_bytes(net, fmt))
    return path


# ---------------------------------------------------------------- drawing

#: The figure's size: 16 x 12 inches at 125 dpi is 2000 x 1500 pixels, small enough that 9 pt
#: text stays readable when the picture is shown at page width.
FIGSIZE = (16.0, 12.0)
DPI = 125
#: Fonts are fixed (DejaVu ships with matplotlib and has Cyrillic and Kazakh letters), so the
#: same graph gives the same picture on every machine.
FONT = "DejaVu Sans"
#: matplotlib settings for drawing and saving: the same font, and SVG ids and glyphs that do
#: not change from run to run
_RC: dict[Any, Any] = {"font.family": FONT, "svg.hashsalt": "kzby-kg", "svg.fonttype": "path"}
#: Point sizes: the central nodes' labels, the others', the legend's.
CENTRAL_PT, LABEL_PT, LEGEND_PT = 10.0, 9.0, 9.5
#: How many of the most central nodes always get their whole label (see :func:`network_figure`).
CENTRAL = 24
#: The least distance between two nodes, for n nodes: SPACING / sqrt(n) of the layout's width of 2.
SPACING = 1.0
#: The magnification of the middle (see :func:`_fisheye`): 1 is none, smaller is more.
FISHEYE = 0.6
#: Long labels wrap at this many characters instead of being cut.
WRAP = 18

# Node shape by the entity's root class; colour by its kind.
_SHAPES = {
    "sovereign state": "o",
    "integration union": "s",
    "international organisation": "s",
    "organisation": "s",
    "intergovernmental commission": "s",
    "public association": "s",
    "city": "D",
    "region": "D",
    "place": "D",
    "person": "^",
    "agreement": "p",
    "programme": "p",
    "declaration": "p",
}
_GROUPS = {
    "o": "states",
    "s": "organisations",
    "D": "places",
    "^": "people",
    "p": "instruments",
}


@dataclass(frozen=True)
class _Style:
    """How one kind of relation is drawn and named in the legend."""

    name: str
    colour: str
    line: Literal["-", "--", "-.", ":"]
    directed: bool


# Edge categories by the edge's ``relation``; the legend names each with its direction.
_EDGE_STYLES = {
    "member": _Style("member of (member → union)", "#d62728", "-", True),
    "party": _Style("has as party (instrument → state)", "#8c564b", "-", True),
    "signed": _Style("signed at (instrument → place)", "#c49c94", ":", True),
    "place": _Style("located in, capital of (place → state)", "#2ca02c", ":", True),
    "government": _Style("government of (body → state)", "#9467bd", "-", True),
    "trade": _Style("trade, partner rank (reporter → partner)", "#1f77b4", "-", True),
    "migration": _Style("migration (origin → destination)", "#e377c2", "--", True),
    "succession": _Style("grew into (old → new)", "#ff7f0e", "-.", True),
    "shared": _Style("shared event, figure, priority (no direction)", "#7f7f7f", ":", False),
}
_RELATIONS = {
    "membership": "member",
    "kzby:party": "party",
    "kzby:signaturePlace": "signed",
    "kzby:inCountry": "place",
    "kzby:isCapitalOf": "place",
    "kzby:place": "place",
    "dcterms:spatial": "place",
    "kzby:governmentOf": "government",
    "trade": "trade",
    "partner rank": "trade",
    "migration": "migration",
    "named migrant": "migration",
    "concerns": "migration",
    "succession": "succession",
}


def edge_category(relation: str) -> str:
    """The legend entry an edge falls under, by its ``relation`` attribute.

    >>> edge_category("membership"), edge_category("kzby:party"), edge_category("event")
    ('member', 'party', 'shared')
    """
    return _RELATIONS.get(relation, "shared")


def node_label(attrs: dict[str, Any], lang: str) -> str:
    """A node's label in ``lang``, else in English, else its one label (as the views store them).

    >>> node_label({"label": "Kazakhstan", "label_en": "Kazakhstan", "label_kk": "Қазақстан"}, "kk")
    'Қазақстан'
    >>> node_label({"label": "Kazakhstan", "label_en": "Kazakhstan"}, "ru")
    'Kazakhstan'
    """
    return str(attrs.get(f"label_{lang}") or attrs.get("label_en") or attrs.get("label") or "")


#: characters a legend line may hold: Cyrillic letters are wider, and 46 ran off the figure
LEGEND_WRAP = 40


def _legend(figure: Any, handles: list[Any], title: str, loc: str, y: float, name: str) -> None:
    """One of the drawing's two legends, in the right quarter of the figure."""
    legend = figure.legend(
        handles=handles,
        title=_wrapped(title, LEGEND_WRAP),
        loc=loc,
        bbox_to_anchor=(0.75, y),
        fontsize=LEGEND_PT,
        title_fontsize=LEGEND_PT + 0.5,
        frameon=False,
        alignment="left",
    )
    legend.set_gid(f"legend:{name}")


def _wrapped(text: str, width: int = WRAP) -> str:
    """Wrap text onto lines of about ``width`` characters (a node label's :data:`WRAP`, a
    legend entry's :data:`LEGEND_WRAP`: the legends sit in the right quarter of the figure,
    and Russian relation names ran off it); words are never cut."""
    import textwrap

    return "\n".join(textwrap.wrap(text, width, break_long_words=False)) or text


def _spread(layout: dict[str, Any], minimum: float, rounds: int = 60) -> dict[str, Any]:
    """Push apart nodes closer than ``minimum`` (in layout units), so hubs' leaves do not pile up.

    Deterministic: the same layout gives the same result."""
    import numpy as np

    names = list(layout)
    xy = np.array([layout[n] for n in names], dtype=float)
    for _ in range(rounds):
        delta = xy[:, None, :] - xy[None, :, :]
        dist = np.hypot(delta[..., 0], delta[..., 1])
        np.fill_diagonal(dist, 2 * minimum + 1.0)  # a node does not push itself
        close = dist < minimum
        if not close.any():
            break
        push = np.where(close, (minimum - dist) / 2 / np.maximum(dist, 1e-9), 0.0)
        xy += (delta * push[..., None]).sum(axis=1) * 0.5
    return {n: xy[i] for i, n in enumerate(names)}


def _fisheye(layout: dict[str, Any], power: float = FISHEYE) -> dict[str, Any]:
    """Magnify the middle: a node at distance r from the centroid moves to R * (r / R) ** power.

    Hubs pull their neighbours into the middle of a force layout; this gives them the room
    their labels need and draws in the sparse rim, keeping every node's direction."""
    import numpy as np

    names = list(layout)
    xy = np.array([layout[n] for n in names], dtype=float)
    centre = xy.mean(axis=0)
    offset = xy - centre
    r = np.hypot(offset[:, 0], offset[:, 1])
    reach = float(r.max()) or 1.0
    scale = np.where(r > 0, (r / reach) ** power * reach / np.maximum(r, 1e-12), 1.0)
    return {n: centre + offset[i] * scale[i] for i, n in enumerate(names)}


def network_layout(net: nx.Graph) -> dict[str, tuple[float, float]]:
    """Where each node goes: Kamada-Kawai (deterministic, and it keeps graph distances as
    drawn distances), the middle magnified, then nodes closer than ``SPACING / sqrt(n)`` pushed
    apart."""
    import networkx as nx

    nodes = sorted(net)
    if len(nodes) <= 2:
        return {n: (float(i), 0.0) for i, n in enumerate(nodes)}
    spread = _spread(_fisheye(nx.kamada_kawai_layout(net)), SPACING / len(nodes) ** 0.5)
    return {n: (float(spread[n][0]), float(spread[n][1])) for n in nodes}


_TITLE = "Kazakhstan, Belarus and their unions"
_AS_OF = ", as of {date}"
_ENTITIES_TITLE = "Entities (colour: kind; shape: class)"
_RELATIONS_TITLE = "Relations (arrow: from → to; wider: more facts)"
_COUNTS = "{entities} entities, {facts} facts as {arrows} arrows"
_LEFT_OUT = "{count} nodes outside the main component not drawn"
_UNLABELLED = "{count} less central labels left out for room"
_SOURCE = "source: kzby-kg."
#: Every English text the drawing writes itself, for translation (``texts=`` of
#: :func:`network_figure`); entity labels come from the graph in the chosen language instead.
DRAWING_TEXTS = (
    _TITLE,
    _AS_OF,
    _ENTITIES_TITLE,
    _RELATIONS_TITLE,
    _COUNTS,
    _LEFT_OUT,
    _UNLABELLED,
    _SOURCE,
    "other",
    *_COLOURS,
    *_GROUPS.values(),
    *(style.name for style in _EDGE_STYLES.values()),
)

#: Where a label may go around its node, best first: beside, above, below, the corners, between.
_DIRECTIONS = [(1.0, 0.0), (-1.0, 0.0), (0.0, 1.0), (0.0, -1.0), (1.0, 1.0), (-1.0, 1.0)]
_DIRECTIONS += [(1.0, -1.0), (-1.0, -1.0), (1.0, 0.5), (-1.0, 0.5), (1.0, -0.5), (-1.0, -0.5)]
_DIRECTIONS += [(0.5, 1.0), (-0.5, 1.0), (0.5, -1.0), (-0.5, -1.0)]


def _free_spot(
    node: tuple[float, float],
    radius: float,
    half: tuple[float, float],
    rings: int,
    placed: Any,
    discs: Any,
    own: int,
    frame: tuple[float, float, float, float],
    px_per_pt: float,
) -> tuple[float, float, tuple[float, float, float, float], int] | None:
    """The first place for a label box around a node, in display pixels: sixteen directions,
    then rings 9 pt farther out. A box must stay in ``frame`` (x0, y0, x1, y1) and meet no box
    of ``placed`` (an (n, 4) array) and no disc of ``discs`` (an (m, 3) array of x, y, radius).
    First choice is a box clearly (6 pt) nearer its own node (``discs[own]``) than any other, so
    that it cannot be misread; only a central label (``rings`` > 4) settles for a free box that
    is not, the one nearest its own node relative to the others. All candidates are tested at
    once with numpy.

    :returns: (centre x, centre y, box, ring), or None when no place is free.
    """
    import numpy as np

    x, y = node
    half_w, half_h = half
    ring = np.repeat(np.arange(rings), len(_DIRECTIONS))
    d = np.tile(np.array(_DIRECTIONS), (rings, 1))
    gap = radius + ring * 9 * px_per_pt
    cx, cy = x + d[:, 0] * (gap + half_w), y + d[:, 1] * (gap + half_h)
    x0, y0, x1, y1 = cx - half_w, cy - half_h, cx + half_w, cy + half_h
    ok = (x0 >= frame[0]) & (x1 <= frame[2]) & (y0 >= frame[1]) & (y1 <= frame[3])
    if len(placed):
        p = np.asarray(placed)
        meets = (
            (x0[:, None] < p[None, :, 2])
            & (p[None, :, 0] < x1[:, None])
            & (y0[:, None] < p[None, :, 3])
            & (p[None, :, 1] < y1[:, None])
        )
        ok &= ~meets.any(axis=1)
    # distance from each box to each node centre
    gx = np.maximum(
        np.maximum(x0[:, None] - discs[None, :, 0], 0.0), discs[None, :, 0] - x1[:, None]
    )
    gy = np.maximum(
        np.maximum(y0[:, None] - discs[None, :, 1], 0.0), discs[None, :, 1] - y1[:, None]
    )
    dist = np.hypot(gx, gy)
    ok &= ~(dist < discs[None, :, 2]).any(axis=1)
    if not ok.any():
        return None
    mine = dist[:, own].copy()
    dist[:, own] = np.inf
    margin = dist.min(axis=1) - mine
    clear = ok & (margin > 6 * px_per_pt)
    if clear.any():
        best = int(np.argmax(clear))  # the first clear candidate, in preference order
    elif rings > 4:
        best = int(np.argmax(np.where(ok, margin, -np.inf)))
    else:
        return None
    box = (float(x0[best]), float(y0[best]), float(x1[best]), float(y1[best]))
    return float(cx[best]), float(cy[best]), box, int(ring[best])


def network_figure(
    net: nx.MultiDiGraph,
    *,
    lang: str = "en",
    title: str | None = None,
    positions: Mapping[str, tuple[float, float]] | None = None,
    texts: Mapping[str, str] | None = None,
) -> Figure:
    """A labelled drawing of an entity view, for a briefing: arrows, legends, readable labels.

    What is drawn:

    * the largest connected part of the view (the title says how many nodes were left out);
      Kamada-Kawai layout (deterministic), with nodes then pushed apart to a minimum spacing;
    * nodes coloured by kind and shaped by root class (state, organisation, place, person,
      instrument), sized by degree;
    * one arrow per (source, target, relation category), coloured and dashed by category, wider
      when several facts share it; the legend says which way each category points. Edge labels
      would cover the centre, so the legend names the relations instead;
    * labels in ``lang`` (falling back to English), wrapped at :data:`WRAP` characters and never
      cut. Labels are placed greedily, most central node first (degree centrality, ties by
      name): each goes to the first spot around its node (16 directions, growing distance,
      joined to the node by a thin leader line when away from it) whose box, measured with the
      renderer's text extents, overlaps no label already placed, no node and leaves the axes on
      no side, preferring spots clearly nearer their own node than any other. The
      :data:`CENTRAL` most central nodes search ten times farther (on the article's graph every
      one of them is placed, which a slow test checks); a less central node whose label finds no
      unambiguous free spot nearby gets none, and the footnote counts them. So no two labels
      overlap and no label covers a node.

    :param lang: the labels' language (en, ru, kk, be); English where a node has no label in it.
    :param title: the title; by default it names the dyad and the view's date.
    :param positions: node positions to use instead of computing a layout, for example those of
        :func:`network_layout` for another date, so that two drawings can be compared; every
        drawn node needs one.
    :param texts: the drawing's own words in another language, keyed by the English text of
        :data:`DRAWING_TEXTS` (entity kinds, relations, legend titles, title, footnote; keep
        the ``{placeholders}``); a text without a translation stays English.
    :raises UsageError: for positions that miss a drawn node.
    """
    import matplotlib

    matplotlib.use("Agg")
    import networkx as nx
    import numpy as np
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.patches import FancyArrowPatch

    def say(text: str) -> str:
        return (texts or {}).get(text, text)

    whole: nx.Graph[str] = nx.Graph(net.to_undirected(as_view=True))
    largest = (
        max(nx.connected_components(whole), key=lambda c: (len(c), sorted(c))) if whole else set()
    )
    shown = sorted(largest)
    simple = whole.subgraph(shown).copy()
    left_out = len(whole) - len(simple)
    if positions is None:
        layout = network_layout(simple)
    else:
        missing = sorted(set(shown) - set(positions))
        if missing:
            raise UsageError(f"positions: no position for {', '.join(missing[:3])}")
        layout = {n: positions[n] for n in shown}

    centrality = nx.degree_centrality(simple) if len(simple) > 1 else {n: 1.0 for n in shown}
    ranked = sorted(shown, key=lambda n: (-centrality[n], n))
    central = set(ranked[:CENTRAL])
    degree = dict(simple.degree())
    kinds = {n: net.nodes[n].get("kind", "") for n in shown}
    sizes = {n: min(60.0 + 18.0 * degree[n], 700.0) for n in shown}

    with matplotlib.rc_context(_RC):
        figure = Figure(figsize=FIGSIZE, dpi=DPI)
        axes = figure.add_axes((0.01, 0.04, 0.73, 0.9))
        axes.set_axis_off()
        xs = [float(layout[n][0]) for n in shown] or [0.0]
        ys = [float(layout[n][1]) for n in shown] or [0.0]
        pad_x = (max(xs) - min(xs)) * 0.12 + 0.1
        pad_y = (max(ys) - min(ys)) * 0.08 + 0.1
        axes.set_xlim(min(xs) - pad_x, max(xs) + pad_x)
        axes.set_ylim(min(ys) - pad_y, max(ys) + pad_y)

        # nodes, one scatter per shape
        for shape in _GROUPS:
            group = [n for n in shown if _SHAPES.get(kinds[n], "o") == shape]
            if group:
                axes.scatter(
                    [layout[n][0] for n in group],
                    [layout[n][1] for n in group],
                    s=[sizes[n] for n in group],
                    c=[_COLOURS.get(kinds[n], _OTHER) for n in group],
                    marker=shape,
                    edgecolors="white",
                    linewidths=0.8,
                    zorder=3,
                )

        # edges: one arrow per (source, target, category); parallel ones curve apart
        counts: dict[tuple[str, str, str], int] = {}
        for u, v, attrs in net.edges(data=True):
            if u in largest and v in largest:
                key = (u, v, edge_category(attrs.get("relation", "")))
                counts[key] = counts.get(key, 0) + 1
        pair_slot: dict[frozenset[str], int] = {}
        radius_pt = {n: sizes[n] ** 0.5 / 2 for n in shown}
        for (u, v, cat), count in sorted(counts.items()):
            style = _EDGE_STYLES[cat]
            slot = pair_slot.get(frozenset((u, v)), 0)
            pair_slot[frozenset((u, v))] = slot + 1
            rad = 0.0 if slot == 0 else 0.12 * ((slot + 1) // 2) * (1 if slot % 2 else -1)
            arrow = FancyArrowPatch(
                posA=(float(layout[u][0]), float(layout[u][1])),
                posB=(float(layout[v][0]), float(layout[v][1])),
                arrowstyle="-|>" if style.directed else "-",
                mutation_scale=11,
                connectionstyle=f"arc3,rad={rad}",
                shrinkA=radius_pt[u] + 1,
                shrinkB=radius_pt[v] + 2,
                color=style.colour,
                linestyle=style.line,
                linewidth=min(0.9 + 0.5 * (count - 1), 3.0),
                alpha=0.75,
                zorder=2,
            )
            arrow.set_gid(f"edge:{u}:{v}:{cat}")
            axes.add_artist(arrow)  # not add_patch: the limits are set, and autoscaling is slow

        # labels: greedy placement in display coordinates, most central first
        renderer = FigureCanvasAgg(figure).get_renderer()
        to_px = axes.transData
        extent = axes.get_window_extent(renderer)
        frame = (extent.x0, extent.y0, extent.x1, extent.y1)
        px_per_pt = DPI / 72.0
        discs = np.array(
            [(*to_px.transform(layout[n]), (radius_pt[n] + 1.5) * px_per_pt) for n in shown]
        )
        index = {n: i for i, n in enumerate(shown)}  # each node's disc, found once not per label
        placed: list[tuple[float, float, float, float]] = []
        unlabelled = 0
        for n in ranked:
            text = node_label(net.nodes[n], lang) or n
            size = CENTRAL_PT if n in central else LABEL_PT
            artist = axes.text(
                0,
                0,
                _wrapped(text),
                fontsize=size,
                ha="center",
                va="center",
                zorder=4,
                multialignment="center",
                # a faint white ground keeps the words legible where edges run beneath them
                bbox={"boxstyle": "square,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.8},
            )
            artist.set_gid(f"label:{n}")
            extent = artist.get_window_extent(renderer)
            half_w, half_h = extent.width / 2 + 3, extent.height / 2 + 2.5
            x, y = to_px.transform(layout[n])
            own = index[n]
            r = (radius_pt[n] + 2) * px_per_pt
            rings = 40 if n in central else 4
            spot = _free_spot(
                (x, y), r, (half_w, half_h), rings, placed, discs, own, frame, px_per_pt
            )
            if spot is None:
                artist.remove()
                unlabelled += 1
                continue
            cx, cy, box, ring = spot
            placed.append(box)
            inner = to_px.inverted().transform((cx, cy))
            artist.set_position(tuple(inner))
            if ring:
                axes.add_line(
                    Line2D(
                        [layout[n][0], inner[0]],
                        [layout[n][1], inner[1]],
                        color="#333333",
                        linewidth=0.7,
                        zorder=1,
                    )
                )

        # legends, outside the network
        used_kinds = sorted(
            set(kinds.values()), key=lambda k: (list(_GROUPS).index(_SHAPES.get(k, "o")), k)
        )
        node_handles = [
            Line2D(
                [0],
                [0],
                marker=_SHAPES.get(k, "o"),
                linestyle="",
                markersize=9,
                markerfacecolor=_COLOURS.get(k, _OTHER),
                markeredgecolor="white",
                label=_wrapped(
                    f"{say(k or 'other')} ({say(_GROUPS[_SHAPES.get(k, 'o')])})", LEGEND_WRAP
                ),
            )
            for k in used_kinds
        ]
        used_cats = [c for c in _EDGE_STYLES if any(key[2] == c for key in counts)]
        edge_handles = [
            Line2D(
                [0],
                [0],
                color=_EDGE_STYLES[c].colour,
                linestyle=_EDGE_STYLES[c].line,
                linewidth=1.6,
                label=_wrapped(say(_EDGE_STYLES[c].name), LEGEND_WRAP),
            )
            for c in used_cats
        ]
        _legend(figure, node_handles, say(_ENTITIES_TITLE), "upper left", 0.94, "entities")
        _legend(figure, edge_handles, say(_RELATIONS_TITLE), "lower left", 0.04, "relations")

        as_of = net.graph.get("as_of")
        heading = title or say(_TITLE) + (say(_AS_OF).format(date=as_of) if as_of else "")
        figure.suptitle(heading, x=0.01, y=0.985, ha="left", fontsize=14)
        notes = [
            say(_COUNTS).format(
                entities=len(simple), facts=sum(counts.values()), arrows=len(counts)
            )
        ]
        if left_out:
            notes.append(say(_LEFT_OUT).format(count=left_out))
        if unlabelled:
            notes.append(say(_UNLABELLED).format(count=unlabelled))
        notes.append(say(_SOURCE))
        figure.text(0.01, 0.012, "; ".join(notes), fontsize=LABEL_PT, color="#444444")
    return figure


def figure_bytes(figure: Figure, fmt: str) -> bytes:
    """The figure as PNG or SVG bytes, with no date or software stamp, so reruns match byte for
    byte.

    :raises UsageError: for a format other than png or svg.
    """
    import matplotlib

    if fmt not in ("png", "svg"):
        raise UsageError(f"-o: a drawing is .png or .svg, not .{fmt}")
    buffer = io.BytesIO()
    with matplotlib.rc_context(_RC):
        figure.savefig(
            buffer,
            format=fmt,
            metadata={"Software": None} if fmt == "png" else {"Date": None, "Creator": None},
        )
    return buffer.getvalue()


def drawing_format(path: Path) -> str:
    """``png`` or ``svg``, from the file's suffix.

    >>> drawing_format(Path("network.SVG"))
    'svg'

    :raises UsageError: for another suffix.
    """
    suffix = Path(path).suffix.lower()
    if suffix not in (".png", ".svg"):
        raise UsageError(f"-o: {path} must end in .png or .svg")
    return suffix[1:]


def save_figure(figure: Figure, path: Path) -> Path:
    """Write a figure as PNG or SVG, by the file's suffix, atomically.

    :raises UsageError: for another suffix.
    """
    write_atomic(Path(path), figure_bytes(figure, drawing_format(path)))
    return Path(path)


def draw(net: nx.MultiDiGraph, path: Path, *, lang: str = "en") -> Path:
    """Draw the view (see :func:`network_figure`) as PNG or SVG, by the file suffix."""
    drawing_format(path)
    return save_figure(network_figure(net, lang=lang), path)
