"""The drawing of the article's network, as the README and the briefing show it: every label
readable (none overlapping another or covering a node, the central ones whole), one arrow per
drawn relation, both legends, PNG and SVG byte for byte the same on every run, and the same
picture from the full graph when asked for the article's scope. Each drawing of the 72 entities
takes a few seconds, hence the slow tier."""

from __future__ import annotations

import itertools
from pathlib import Path

import networkx as nx
import pytest
from matplotlib.figure import Figure
from matplotlib.patches import ArrowStyle, FancyArrowPatch
from rdflib import Graph

from kzby_kg.cli.main import main
from kzby_kg.paths import ProjectPaths
from kzby_kg.rdf.load import load
from kzby_kg.views.network_io import (
    _EDGE_STYLES,
    CENTRAL,
    edge_category,
    figure_bytes,
    node_label,
)
from kzby_kg.views.networks import draw_network, to_networkx

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def figure(graph: Graph) -> Figure:
    return draw_network(graph)


@pytest.fixture(scope="module")
def drawn(graph: Graph) -> nx.MultiDiGraph:
    """The part of the view the figure draws: its largest connected component."""
    net = to_networkx(graph)
    largest = max(nx.connected_components(net.to_undirected()), key=len)
    return net.subgraph(largest).copy()


def _labels(figure: Figure) -> dict[str, str]:
    return {
        str(t.get_gid()).removeprefix("label:"): t.get_text()
        for t in figure.axes[0].texts
        if str(t.get_gid()).startswith("label:")
    }


def test_labels_overlap_nothing(figure: Figure) -> None:
    renderer = figure.canvas.get_renderer()  # type: ignore[attr-defined]
    axes = figure.axes[0]
    texts = [t for t in axes.texts if str(t.get_gid()).startswith("label:")]
    assert len(texts) >= 50, "most of the 72 entities are labelled"
    boxes = [(t.get_gid(), t.get_window_extent(renderer)) for t in texts]
    overlaps = [(a, b) for (a, x), (b, y) in itertools.combinations(boxes, 2) if x.overlaps(y)]
    assert overlaps == []
    centres = [axes.transData.transform(xy) for c in axes.collections for xy in c.get_offsets()]
    assert len(centres) == 72
    covering = [g for g, box in boxes if any(box.contains(x, y) for x, y in centres)]
    assert covering == []
    assert min(t.get_fontsize() for t in texts) >= 9


def test_central_labels_are_whole(figure: Figure, drawn: nx.MultiDiGraph) -> None:
    centrality = nx.degree_centrality(nx.Graph(drawn.to_undirected()))
    central = sorted(drawn, key=lambda n: (-centrality[n], n))[:CENTRAL]
    labels = _labels(figure)
    assert not any("…" in t for t in labels.values())
    for node in central:
        assert labels.get(node, "").replace("\n", " ") == node_label(drawn.nodes[node], "en")
    assert labels["kzd:eaeu"].replace("\n", " ") == "Eurasian Economic Union"


def test_one_arrow_per_relation_and_pair(figure: Figure, drawn: nx.MultiDiGraph) -> None:
    wanted = {(u, v, edge_category(r)) for u, v, r in drawn.edges(data="relation")}
    arrows = [p for p in figure.axes[0].patches if isinstance(p, FancyArrowPatch)]
    assert {a.get_gid() for a in arrows} == {f"edge:{u}:{v}:{c}" for u, v, c in wanted}
    assert len(arrows) == len(wanted)
    headed = [a for a in arrows if isinstance(a.get_arrowstyle(), ArrowStyle.CurveFilledB)]
    assert len(headed) == sum(_EDGE_STYLES[c].directed for *_, c in wanted) > 100


def test_legends_explain_kinds_and_relations(figure: Figure) -> None:
    texts = {str(lg.get_gid()): {t.get_text() for t in lg.get_texts()} for lg in figure.legends}
    assert {"sovereign state (states)", "integration union (organisations)"} <= texts[
        "legend:entities"
    ]
    assert {"has as party (instrument → state)", "member of (member → union)"} <= texts[
        "legend:relations"
    ]


def test_png_and_svg_are_the_same_on_every_run(figure: Figure, graph: Graph) -> None:
    again = draw_network(graph)
    for fmt in ("png", "svg"):
        assert figure_bytes(figure, fmt) == figure_bytes(again, fmt), fmt
    svg = figure_bytes(figure, "svg")
    assert b"<dc:date>" not in svg and b"Matplotlib v" not in svg
    png = figure_bytes(figure, "png")
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and b"Software" not in png


def test_labels_in_russian_and_kazakh(graph: Graph) -> None:
    ru = _labels(draw_network(graph, lang="ru"))
    assert ru["kzd:kazakhstan"] == "Казахстан" and ru["kzd:belarus"] == "Беларусь"
    kk = _labels(draw_network(graph, lang="kk"))
    assert kk["kzd:kazakhstan"] == "Қазақстан"


def test_article_scope_of_the_full_graph_draws_the_article(
    figure: Figure, paths: ProjectPaths
) -> None:
    full = draw_network(load(paths, scope="full"), scope="article")
    assert _labels(full) == _labels(figure)
    assert figure_bytes(full, "svg") == figure_bytes(figure, "svg")


def test_draw_command_writes_svg_and_refuses_other_suffixes(
    tmp_path: Path, paths: ProjectPaths, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "network.svg"
    assert main(["draw", "--root", str(paths.root), "-o", str(out), "--lang", "kk"]) == 0
    svg = out.read_text(encoding="utf-8")
    assert svg.startswith("<?xml") and 'id="label:kzd:kazakhstan"' in svg
    assert main(["draw", "--root", str(paths.root), "-o", str(tmp_path / "n.pdf")]) == 2
    assert "-o:" in capsys.readouterr().err and not (tmp_path / "n.pdf").exists()
