"""The network drawing on a small hand-made view: labels that neither overlap nor cover nodes
nor are cut, arrows for directed relations, legends, labels in the chosen language.

Two figures (English, Kazakh) are drawn per module (a small graph, no rendering to a file), so the
whole module takes a few tenths of a second; the article-scope drawing is tested in
tests/slow/test_network_drawing_full.py."""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

import networkx as nx
import pytest

from kzby_kg.errors import UsageError
from kzby_kg.views.network_io import (
    _EDGE_STYLES,
    DRAWING_TEXTS,
    edge_category,
    network_figure,
    node_label,
)

if TYPE_CHECKING:
    from matplotlib.figure import Figure
    from matplotlib.text import Text

LONG = "Agreement between the Governments of Kazakhstan and Belarus on cooperation in migration"


def _view() -> nx.MultiDiGraph:
    """A small entity view shaped like the real one: two states, unions, an instrument, places."""
    net: nx.MultiDiGraph[str] = nx.MultiDiGraph(view="entities", as_of="")
    nodes = {
        "kzd:kazakhstan": ("Kazakhstan", "Казахстан", "Қазақстан", "sovereign state"),
        "kzd:belarus": ("Belarus", "Беларусь", "Беларусь", "sovereign state"),
        "kzd:russia": ("Russia", "Россия", "Ресей", "sovereign state"),
        "kzd:eaeu": ("Eurasian Economic Union", "ЕАЭС", "ЕАЭО", "integration union"),
        "kzd:cis": ("Commonwealth of Independent States", "СНГ", "ТМД", "integration union"),
        "kzd:migration-agreement": (LONG, None, None, "agreement"),
        "kzd:astana": ("Astana", "Астана", "Астана", "city"),
        "kzd:minsk": ("Minsk", "Минск", "Минск", "city"),
        "kzd:lukashenko": ("Alexander Lukashenko", None, None, "person"),
    }
    for node, (en, ru, kk, kind) in nodes.items():
        labels = {"label_en": en} | ({"label_ru": ru, "label_kk": kk} if ru and kk else {})
        net.add_node(node, label=en, kind=kind, **labels)
    for state in ("kzd:kazakhstan", "kzd:belarus", "kzd:russia"):
        for union in ("kzd:eaeu", "kzd:cis"):
            net.add_edge(state, union, key=f"m-{state}-{union}", relation="membership")
    for state in ("kzd:kazakhstan", "kzd:belarus"):
        net.add_edge("kzd:migration-agreement", state, key=state, relation="kzby:party")
    net.add_edge("kzd:astana", "kzd:kazakhstan", key="cap", relation="kzby:isCapitalOf")
    net.add_edge("kzd:minsk", "kzd:belarus", key="cap", relation="kzby:isCapitalOf")
    net.add_edge("kzd:kazakhstan", "kzd:belarus", key="t1", relation="trade")
    net.add_edge("kzd:kazakhstan", "kzd:belarus", key="t2", relation="trade")
    net.add_edge("kzd:belarus", "kzd:kazakhstan", key="t3", relation="trade")
    net.add_edge("kzd:lukashenko", "kzd:kazakhstan", key="e", relation="event")
    return net


@pytest.fixture(scope="module")
def net() -> nx.MultiDiGraph:
    return _view()


#: Given positions spare the layout's cost (Kamada-Kawai is tested on the article's graph in the
#: slow tier): the two hubs close together in the middle, the rest on a ring around them, so
#: labels have to find room in a crowded centre.
POSITIONS = {
    "kzd:kazakhstan": (0.0, 0.0),
    "kzd:belarus": (0.15, 0.05),
    "kzd:russia": (0.5, 0.0),
    "kzd:eaeu": (0.1, 0.3),
    "kzd:cis": (-0.3, 0.3),
    "kzd:migration-agreement": (0.05, -0.2),
    "kzd:astana": (-0.5, -0.1),
    "kzd:minsk": (0.4, -0.4),
    "kzd:lukashenko": (-0.2, -0.5),
}


@pytest.fixture(scope="module")
def figure(net: nx.MultiDiGraph) -> Figure:
    return network_figure(net, positions=POSITIONS)


def _labels(figure: Figure) -> dict[str, Text]:
    axes = figure.axes[0]
    return {
        str(t.get_gid()).removeprefix("label:"): t
        for t in axes.texts
        if str(t.get_gid()).startswith("label:")
    }


def test_no_two_labels_overlap_and_none_covers_a_node(figure: Figure) -> None:
    renderer = figure.canvas.get_renderer()  # type: ignore[attr-defined]
    labels = _labels(figure)
    assert len(labels) >= 5, "a small view has room for most labels"
    boxes = {n: t.get_window_extent(renderer) for n, t in labels.items()}
    for (a, box_a), (b, box_b) in itertools.combinations(boxes.items(), 2):
        assert not box_a.overlaps(box_b), f"labels of {a} and {b} overlap"
    axes = figure.axes[0]
    centres = [axes.transData.transform(xy) for c in axes.collections for xy in c.get_offsets()]
    drawn = sorted(
        tuple(round(float(v), 6) for v in xy) for c in axes.collections for xy in c.get_offsets()
    )
    assert drawn == sorted(POSITIONS.values()), "given positions are kept"
    for n, box in boxes.items():
        assert not any(box.contains(x, y) for x, y in centres), f"label of {n} covers a node"


def test_central_labels_whole_and_wrapped_not_cut(figure: Figure) -> None:
    labels = _labels(figure)
    for node in ("kzd:kazakhstan", "kzd:belarus", "kzd:cis", "kzd:migration-agreement"):
        assert node in labels, f"{node} is central and must be labelled"
    texts = {n: t.get_text() for n, t in labels.items()}
    assert not any("…" in t for t in texts.values())
    assert texts["kzd:cis"].replace("\n", " ") == "Commonwealth of Independent States"
    assert texts["kzd:migration-agreement"].replace("\n", " ") == LONG
    assert max(len(line) for line in texts["kzd:migration-agreement"].splitlines()) <= 20
    assert min(t.get_fontsize() for t in labels.values()) >= 9


def test_every_relation_is_one_arrow_with_a_head_when_directed(
    figure: Figure, net: nx.MultiDiGraph
) -> None:
    from matplotlib.patches import ArrowStyle, FancyArrowPatch

    drawn = {
        (u, v, edge_category(r)) for u, v, r in net.edges(data="relation")
    }  # the two Kazakhstan -> Belarus trade facts are one arrow
    arrows = [p for p in figure.axes[0].patches if isinstance(p, FancyArrowPatch)]
    assert len(arrows) == len(drawn) == 13
    headed = [a for a in arrows if isinstance(a.get_arrowstyle(), ArrowStyle.CurveFilledB)]
    assert len(headed) == sum(_EDGE_STYLES[c].directed for _, _, c in drawn) == 12
    assert {a.get_gid() for a in arrows} >= {
        "edge:kzd:kazakhstan:kzd:belarus:trade",
        "edge:kzd:belarus:kzd:kazakhstan:trade",
    }


def test_legends_name_the_kinds_and_relations_drawn(figure: Figure) -> None:
    legends = {str(lg.get_gid()): [t.get_text() for t in lg.get_texts()] for lg in figure.legends}
    assert set(legends) == {"legend:entities", "legend:relations"}
    assert "sovereign state (states)" in legends["legend:entities"]
    assert "agreement (instruments)" in legends["legend:entities"]
    assert len(legends["legend:entities"]) == 5
    assert "member of (member → union)" in legends["legend:relations"]
    assert len(legends["legend:relations"]) == 5


@pytest.mark.parametrize(
    ("lang", "kazakhstan", "agreement"), [("ru", "Казахстан", LONG), ("kk", "Қазақстан", LONG)]
)
def test_labels_in_the_chosen_language_english_where_missing(
    net: nx.MultiDiGraph, lang: str, kazakhstan: str, agreement: str
) -> None:
    assert node_label(net.nodes["kzd:kazakhstan"], lang) == kazakhstan
    assert node_label(net.nodes["kzd:migration-agreement"], lang) == agreement


def test_the_drawing_uses_the_chosen_language_and_translations(net: nx.MultiDiGraph) -> None:
    """Labels come from the graph in ``lang``; the drawing's own words from ``texts`` (here a
    pseudo-translation that brackets each text, so a word it missed would show)."""
    brackets = {text: f"[{text}]" for text in DRAWING_TEXTS}
    figure = network_figure(net, lang="kk", positions=POSITIONS, texts=brackets)
    labels = {n: t.get_text() for n, t in _labels(figure).items()}
    assert labels["kzd:kazakhstan"] == "Қазақстан"
    assert labels["kzd:eaeu"] == "ЕАЭО"
    for legend in figure.legends:
        assert legend.get_title().get_text().startswith("[")
        for entry in legend.get_texts():
            assert entry.get_text().startswith("["), entry
    assert "[sovereign state] ([states])" in {e.get_text() for e in figure.legends[0].get_texts()}
    words = [t.get_text() for t in figure.texts]
    assert "[Kazakhstan, Belarus and their unions]" in words
    assert "[9 entities, 14 facts as 13 arrows]; [source: kzby-kg.]" in words


def test_unknown_language_or_missing_position_is_a_usage_error(net: nx.MultiDiGraph) -> None:
    from rdflib import Graph

    from kzby_kg.views.networks import draw_network

    with pytest.raises(UsageError, match="--lang: 'fr' is not one of"):
        draw_network(Graph(), lang="fr")
    with pytest.raises(UsageError, match="--scope: 'some' is not one of"):
        draw_network(Graph(), scope="some")
    with pytest.raises(UsageError, match="positions: no position for kzd:astana"):
        network_figure(net, positions={"kzd:belarus": (0.0, 0.0)})


def test_a_drawing_is_png_or_svg() -> None:
    from pathlib import Path

    from kzby_kg.views.network_io import drawing_format

    assert drawing_format(Path("out/network.PNG")) == "png"
    with pytest.raises(UsageError, match=r"-o: network.pdf must end in .png or .svg"):
        drawing_format(Path("network.pdf"))


def test_every_word_of_the_drawing_is_translated_with_its_placeholders() -> None:
    """The legends of `kzby-kg draw --lang ru|kk|be` and of the briefing's network."""
    import re

    from kzby_kg.views.network_io import DRAWING_TEXTS
    from kzby_kg.views.networks import drawing_texts

    for lang in ("ru", "kk", "be"):
        texts = drawing_texts(lang)
        assert set(texts) == set(DRAWING_TEXTS), lang
        for english, translated in texts.items():
            assert (translated and translated != english) or english == "source: kzby-kg.", english
            assert set(re.findall(r"\{\w+\}", translated)) == set(re.findall(r"\{\w+\}", english))
    assert drawing_texts("en") == {}


@pytest.mark.parametrize("lang", ["ru", "kk", "be"])
def test_the_legends_stay_inside_the_figure(net: nx.MultiDiGraph, lang: str) -> None:
    """Russian, Kazakh and Belarusian legend entries are longer than English ones: they wrap
    instead of running off the right edge."""
    from kzby_kg.views.networks import drawing_texts

    drawn = network_figure(net, positions=POSITIONS, lang=lang, texts=drawing_texts(lang))
    try:
        renderer = drawn.canvas.get_renderer()  # type: ignore[attr-defined]
        width = drawn.bbox.width
        for legend in drawn.legends:
            assert legend.get_window_extent(renderer).x1 <= width, legend.get_gid()
    finally:
        import matplotlib.pyplot as plt

        plt.close(drawn)
