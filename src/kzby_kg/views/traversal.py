"""Questions a network answers: paths between entities, neighbourhoods, central nodes."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from kzby_kg.errors import UsageError

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["MEASURES", "PathStep", "centrality", "format_paths", "neighbours", "shortest_paths"]

MEASURES = ("degree", "pagerank", "betweenness")


@dataclass(frozen=True)
class PathStep:
    """One hop of a path, with every edge that links the two nodes (either direction)."""

    source: str
    target: str
    edges: tuple[dict[str, Any], ...]


def _require(net: nx.MultiDiGraph, node: str) -> None:
    if node not in net:
        raise UsageError(f"{node} is not a node of the {net.graph.get('view', '')} view")


def _edges_between(net: nx.MultiDiGraph, a: str, b: str) -> tuple[dict[str, Any], ...]:
    found = []
    for u, v in ((a, b), (b, a)):
        for data in (net.get_edge_data(u, v) or {}).values():
            found.append({"from": u, "to": v, **data})
    return tuple(
        sorted(found, key=lambda d: (d.get("date") or d.get("start") or "", d.get("label", "")))
    )


def shortest_paths(net: nx.MultiDiGraph, a: str, b: str, limit: int = 5) -> list[list[PathStep]]:
    """Up to ``limit`` shortest paths from a to b, ignoring edge direction.

    :raises UsageError: if a node is missing or no path joins them.
    """
    import networkx as nx

    _require(net, a)
    _require(net, b)
    undirected = net.to_undirected(as_view=True)
    try:
        paths = []
        for nodes in nx.all_shortest_paths(undirected, a, b):
            paths.append(
                [PathStep(x, y, _edges_between(net, x, y)) for x, y in itertools.pairwise(nodes)]
            )
            if len(paths) >= limit:
                break
    except nx.NetworkXNoPath:
        as_of = net.graph.get("as_of")
        raise UsageError(f"no path joins {a} and {b}" + (f" on {as_of}" if as_of else "")) from None
    return paths


def neighbours(net: nx.MultiDiGraph, node: str, depth: int = 1) -> dict[str, int]:
    """Nodes within ``depth`` hops (either direction), with their distance."""
    import networkx as nx

    _require(net, node)
    if depth < 1:
        raise UsageError("--depth must be 1 or more")
    lengths = nx.single_source_shortest_path_length(
        net.to_undirected(as_view=True), node, cutoff=depth
    )
    return {n: d for n, d in sorted(lengths.items(), key=lambda kv: (kv[1], kv[0])) if n != node}


def centrality(
    net: nx.MultiDiGraph, measure: str = "degree", top: int = 10
) -> list[tuple[str, float]]:
    """The ``top`` nodes by degree, PageRank or betweenness centrality.

    :raises UsageError: for an unknown measure.
    """
    import networkx as nx

    if measure not in MEASURES:
        raise UsageError(
            f"--measure: unknown measure {measure!r}; choose one of {', '.join(MEASURES)}"
        )
    simple: nx.Graph[str] = nx.Graph(net.to_undirected(as_view=True))
    if measure == "degree":
        scores = nx.degree_centrality(simple)
    elif measure == "pagerank":
        scores = nx.pagerank(nx.DiGraph(net))
    else:
        scores = nx.betweenness_centrality(simple)
    return sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))[:top]


def _edge_text(edge: dict[str, Any]) -> str:
    when = edge.get("date") or ""
    if edge.get("start") or edge.get("end"):
        when = f"{edge.get('start', '?')} to {edge.get('end', '')}".rstrip()
    arrow = f"{edge['from']} -> {edge['to']}"
    source = f"; source: {edge['sources']}" if edge.get("sources") else ""
    what = edge.get("label", edge.get("relation", ""))
    return f"{what} ({arrow}{', ' + when if when else ''}{source})"


def format_paths(net: nx.MultiDiGraph, paths: list[list[PathStep]], lang: str = "en") -> str:
    """Paths as text: each node by label, each hop with every edge's label, dates and sources."""

    def name(node: str) -> str:
        data = net.nodes[node]
        return f"{data.get('label_' + lang) or data.get('label', node)} ({node})"

    lines = []
    for i, path in enumerate(paths, 1):
        lines.append(
            f"path {i}: " + " — ".join([name(path[0].source)] + [name(s.target) for s in path])
        )
        for step in path:
            lines.append(f"  {name(step.source)} — {name(step.target)}")
            lines.extend(f"    {_edge_text(edge)}" for edge in step.edges)
    return "\n".join(lines)
