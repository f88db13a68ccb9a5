"""Write a networkx view for graph tools (GraphML for Cytoscape, GEXF for Gephi, node-link JSON
for D3), deterministically and atomically, and draw the entity view as a picture."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import TYPE_CHECKING

from kzby_kg.errors import UsageError
from kzby_kg.rdf.write import write_atomic

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["NETWORK_FORMATS", "draw", "network_bytes", "write_network"]

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


def draw(net: nx.MultiDiGraph, path: Path, *, lang: str = "en") -> Path:
    """A labelled drawing of the view, coloured by class, as PNG or SVG (by the file suffix).

    The Kamada-Kawai layout is deterministic, so the same graph gives the same picture.
    """
    import networkx as nx

    suffix = Path(path).suffix.lower()
    if suffix not in (".png", ".svg"):
        raise UsageError(f"-o: {path} must end in .png or .svg")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    whole: nx.Graph[str] = nx.Graph(net.to_undirected(as_view=True))
    # Draw the largest connected part; isolated fragments would only push it into a corner.
    largest = max(nx.connected_components(whole), key=len) if len(whole) else set()
    simple = whole.subgraph(largest).copy()
    left_out = len(whole) - len(simple)
    layout = nx.kamada_kawai_layout(simple)
    kinds = {n: net.nodes[n].get("kind", "") for n in simple}
    colours = [_COLOURS.get(kinds[n], _OTHER) for n in simple]
    degree = dict(simple.degree())
    sizes = [120 + 40 * degree[n] for n in simple]
    figure, axes = plt.subplots(figsize=(20, 15), dpi=100)
    nx.draw_networkx_edges(simple, layout, ax=axes, alpha=0.25, width=0.8)
    nx.draw_networkx_nodes(simple, layout, ax=axes, node_color=colours, node_size=sizes, alpha=0.9)
    labels = {n: net.nodes[n].get(f"label_{lang}") or net.nodes[n].get("label", n) for n in simple}
    labels = {n: (t if len(t) <= 32 else t[:31] + "…") for n, t in labels.items()}
    nx.draw_networkx_labels(simple, layout, labels=labels, ax=axes, font_size=8)
    used = sorted({k for k in kinds.values()})
    handles = [
        Line2D(
            [0],
            [0],
            marker="o",
            linestyle="",
            markersize=9,
            markerfacecolor=_COLOURS.get(k, _OTHER),
            markeredgecolor="none",
            label=k or "other",
        )
        for k in used
    ]
    axes.legend(handles=handles, loc="lower left", fontsize=9, frameon=False)
    as_of = net.graph.get("as_of")
    title = "kzby-kg: Kazakhstan, Belarus and their unions" + (f", as of {as_of}" if as_of else "")
    if left_out:
        title += f" ({left_out} nodes outside the main component not drawn)"
    axes.set_title(title)
    axes.axis("off")
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(
        buffer,
        format=suffix[1:],
        metadata={"Software": None} if suffix == ".png" else {"Date": None},
    )
    plt.close(figure)
    write_atomic(Path(path), buffer.getvalue())
    return Path(path)
