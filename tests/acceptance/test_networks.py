"""The networkx views: paths, neighbours, time, exports and the picture, on the real graph."""

from __future__ import annotations

import io
from pathlib import Path

import networkx as nx
import pytest
from rdflib import Graph

from kzby_kg.errors import AmbiguousEntityError, UnknownEntityError, UsageError
from kzby_kg.views.network_io import draw, network_bytes
from kzby_kg.views.networks import to_networkx
from kzby_kg.views.timeline import timeline
from kzby_kg.views.traversal import centrality, neighbours, shortest_paths

UNIONS = {"kzd:cis", "kzd:eurasec", "kzd:customs-union", "kzd:ces", "kzd:eaeu"}


@pytest.fixture(scope="module")
def net(graph: Graph) -> nx.MultiDiGraph:
    return to_networkx(graph)


def shared_unions(graph: Graph, day: str) -> set[str]:
    """Integration unions both states had a membership edge to on ``day``."""
    view = to_networkx(graph, as_of=day)

    def unions(state: str) -> set[str]:
        return {
            v for _, v, d in view.out_edges(state, data=True) if d.get("relation") == "membership"
        } & UNIONS

    return unions("kzd:kazakhstan") & unions("kzd:belarus")


def test_entity_view_nodes_carry_labels_types_and_wikidata(net: nx.MultiDiGraph) -> None:
    kz = net.nodes["kzd:kazakhstan"]
    assert (kz["label_en"], kz["label_ru"], kz["label_kk"]) == (
        "Kazakhstan",
        "Казахстан",
        "Қазақстан",
    )
    assert kz["wikidata"] == "Q232" and "kzby:SovereignState" in kz["types"]
    assert not any(n.startswith("kzd:membership-") for n in net), "memberships must be edges"


def test_fact_edges_carry_attributes(net: nx.MultiDiGraph) -> None:
    edge = net.get_edge_data("kzd:kazakhstan", "kzd:eaeu")[
        "kzd:membership-eaeu-kazakhstan|kzd:eaeu"
    ]
    assert edge["start"] == "2015-01-01" and edge["label"] == "founding member"
    assert "Treaty on the Eurasian Economic Union" in edge["sources"]
    trade = net.get_edge_data("kzd:belarus", "kzd:kazakhstan")["kzd:obs-t2-2020-export"]
    assert (trade["date"], trade["value"]) == ("2020", 105.1)
    assert (trade["unitMult"], trade["unit"]) == ("billions", "US dollars")
    assert trade["sources"].endswith("[6]")


def test_path_from_gomel_to_the_eaeu_runs_through_belarus(net: nx.MultiDiGraph) -> None:
    paths = shortest_paths(net, "kzd:gomel", "kzd:eaeu")
    assert [[s.source for s in p] + [p[-1].target] for p in paths] == [
        ["kzd:gomel", "kzd:belarus", "kzd:eaeu"]
    ]
    assert any(e["label"] == "founding member" for e in paths[0][1].edges)


def test_unions_linking_the_states_in_2012_and_2016(graph: Graph) -> None:
    assert shared_unions(graph, "2012-06-01") == {
        "kzd:cis",
        "kzd:eurasec",
        "kzd:customs-union",
        "kzd:ces",
    }
    # the Customs Union and the Common Economic Space went into the EAEU on 2015-01-01
    assert shared_unions(graph, "2016-06-01") == {"kzd:cis", "kzd:eaeu"}


@pytest.mark.parametrize(
    ("day", "eaeu", "eurasec"),
    [("2014-12-31", False, True), ("2015-01-01", True, False)],
)
def test_as_of_boundaries(graph: Graph, day: str, eaeu: bool, eurasec: bool) -> None:
    shared = shared_unions(graph, day)
    assert ("kzd:eaeu" in shared) is eaeu
    assert ("kzd:eurasec" in shared) is eurasec


@pytest.mark.parametrize(
    ("day", "name"),
    [
        ("1995-01-01", "Akmola"),
        ("2012-06-01", "Astana"),
        ("2019-03-23", "Nur-Sultan"),
        ("2022-09-17", "Astana"),
    ],
)
def test_places_have_the_names_of_the_day(graph: Graph, day: str, name: str) -> None:
    assert to_networkx(graph, as_of=day).nodes["kzd:astana"]["label"] == name


def test_neighbours_and_centrality(net: nx.MultiDiGraph) -> None:
    near = neighbours(net, "kzd:gomel", depth=1)
    assert set(near) == {"kzd:belarus", "kzd:commission"}
    assert all(d == 2 for n, d in neighbours(net, "kzd:gomel", depth=2).items() if n not in near)
    top = [n for n, _ in centrality(net, "degree", 2)]
    assert set(top) == {"kzd:kazakhstan", "kzd:belarus"}
    # the dyad and its union lead PageRank (the EAEU and Kazakhstan are within 0.1% of each other)
    ranked = {n for n, _ in centrality(net, "pagerank", 3)}
    assert ranked == {"kzd:kazakhstan", "kzd:belarus", "kzd:eaeu"}


def test_full_view_keys_edges_by_predicate(graph: Graph) -> None:
    full = to_networkx(graph, view="full")
    assert "kzd:membership-eaeu-kazakhstan" in full
    assert "org:member" in full.get_edge_data("kzd:membership-eaeu-kazakhstan", "kzd:kazakhstan")


@pytest.mark.parametrize("fmt", ["graphml", "gexf"])
def test_exports_read_back_with_the_same_nodes_and_edges(net: nx.MultiDiGraph, fmt: str) -> None:
    data = network_bytes(net, fmt)
    if fmt == "graphml":
        back = nx.read_graphml(io.BytesIO(data), force_multigraph=True)
    else:
        back = nx.read_gexf(io.BytesIO(data))
    assert set(back.nodes) == set(net.nodes)
    assert sorted((u, v) for u, v in back.edges()) == sorted((u, v) for u, v in net.edges())
    assert back.nodes["kzd:astana"]["label_kk"] == "Астана"
    assert network_bytes(net, fmt) == data, "exports are deterministic"


def test_nodelink_is_json_for_d3(net: nx.MultiDiGraph) -> None:
    import json

    data = json.loads(network_bytes(net, "nodelink"))
    assert (
        len(data["nodes"]) == net.number_of_nodes() and len(data["links"]) == net.number_of_edges()
    )


def test_picture_is_a_sensible_png(net: nx.MultiDiGraph, tmp_path: Path) -> None:
    import matplotlib.image

    path = draw(net, tmp_path / "network.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    height, width = matplotlib.image.imread(path).shape[:2]
    assert (width, height) == (2000, 1500)
    assert 50_000 < path.stat().st_size < 5_000_000


def test_timeline_orders_facts_with_sources(graph: Graph) -> None:
    from kzby_kg.rdf.namespaces import KZD

    entries = timeline(graph, KZD.belarus, "1991", "1992")
    assert [e.fact.when for e in entries] == [
        "1991-08-25",
        "since 1991-12-08",
        "1991-12-08",
        "1991-12-21",
        "1992-09-16",
    ]
    assert all(e.fact.sources for e in entries)
    keys = [e.sort_key for e in timeline(graph)]
    assert keys == sorted(keys) and len(keys) > 100
    with pytest.raises(UsageError, match="--from"):
        timeline(graph, None, "last year")


def test_bad_names_and_dates_are_clear(graph: Graph, net: nx.MultiDiGraph) -> None:
    from kzby_kg.views.describe import resolve

    with pytest.raises(UnknownEntityError, match="did you mean"):
        resolve(graph, "Gomell")
    with pytest.raises(AmbiguousEntityError):
        resolve(graph, "place")
    with pytest.raises(UsageError, match="--as-of"):
        to_networkx(graph, as_of="2012-13-01")
    with pytest.raises(UsageError, match="not a node"):
        shortest_paths(net, "kzd:gomel", "kzd:nowhere")


def test_a_renamed_copy_doubles_the_entity_view(graph: Graph) -> None:
    """The projection sees facts, not the order of the store: a renamed copy of every kzd:
    resource gives a view with exactly twice the nodes and edges. (Timing belongs to the
    benchmark, bench/run.py, not to an assertion here.)"""
    from rdflib import URIRef

    doubled = Graph()
    doubled += graph

    def rename(n: object) -> object:
        return URIRef(str(n) + "-copy") if isinstance(n, URIRef) and "/id/" in str(n) else n

    for s, p, o in graph:
        doubled.add((rename(s), p, rename(o)))  # type: ignore[arg-type]
    single, twice = to_networkx(graph), to_networkx(doubled)
    assert twice.number_of_nodes() == 2 * single.number_of_nodes()
    assert twice.number_of_edges() == 2 * single.number_of_edges()


def test_cli_path_and_timeline(capsys: pytest.CaptureFixture[str]) -> None:
    from kzby_kg.cli.main import main

    def run(*args: str) -> tuple[int, str, str]:
        code = main(list(args))
        out = capsys.readouterr()
        return code, out.out, out.err

    code, out, _ = run("path", "Gomel", "EAEU")
    assert code == 0
    assert "Gomel (kzd:gomel) — Belarus (kzd:belarus) — Eurasian Economic Union" in out
    code, _, err = run("path", "Gomell", "EAEU")
    assert code == 2 and "did you mean" in err and "Traceback" not in err
    code, out, _ = run("timeline", "Gomel")
    assert code == 0 and "2016-07-21  12th meeting" in out and "[8]" in out
