"""Questions a network answers: paths between entities, neighbourhoods, central nodes."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from kzby_kg.errors import UnknownEntityError, UsageError
from kzby_kg.querying.parameters import EntityNames, entity_text
from kzby_kg.rdf.curies import compact, expand

if TYPE_CHECKING:
    import networkx as nx
    from rdflib import URIRef

__all__ = [
    "MEASURES",
    "PathStep",
    "centrality",
    "format_paths",
    "neighbours",
    "resolve_node",
    "shortest_paths",
]

MEASURES = ("degree", "pagerank", "betweenness")


@dataclass(frozen=True)
class PathStep:
    """One hop of a path, with every edge that links the two nodes (either direction)."""

    source: str
    target: str
    edges: tuple[dict[str, Any], ...]


def resolve_node(net: nx.MultiDiGraph, name: str | URIRef) -> str:
    """The node (a CURIE) a user means by ``name``: a label in any language, a CURIE, an IRI
    string or a ``URIRef``, picked by the same rule as :func:`kzby_kg.views.describe.resolve`
    over the labels the network's nodes carry.

    :raises AmbiguousEntityError: listing the candidates, when several nodes share the name.
    :raises UsageError: with close matches, when no node bears it.
    """
    text = entity_text(name)
    node = compact(expand(text))
    if node in net:
        return node
    index = EntityNames()
    for ident, data in net.nodes(data=True):
        names = [v for k, v in data.items() if k.startswith("label") and isinstance(v, str)]
        names += [n for n in str(data.get("other_names", "")).split(" | ") if n]
        for value in names:
            index.add(ident, value, curie=ident, minor=data.get("types") == "skos:Concept")
        if data.get("label"):
            index.prefer_shown(ident, data["label"])
    try:
        return index.pick(text)
    except UnknownEntityError as exc:
        hint = f"; did you mean: {', '.join(exc.suggestions)}?" if exc.suggestions else ""
        view = net.graph.get("view", "")
        raise UsageError(f"{text!r} is not a node of the {view} view{hint}") from exc


def _edges_between(net: nx.MultiDiGraph, a: str, b: str) -> tuple[dict[str, Any], ...]:
    found = []
    for u, v in ((a, b), (b, a)):
        for data in (net.get_edge_data(u, v) or {}).values():
            found.append({"from": u, "to": v, **data})
    return tuple(
        sorted(found, key=lambda d: (d.get("date") or d.get("start") or "", d.get("label", "")))
    )


def shortest_paths(
    net: nx.MultiDiGraph, a: str | URIRef, b: str | URIRef, limit: int = 5
) -> list[list[PathStep]]:
    """Up to ``limit`` shortest paths from a to b, ignoring edge direction. Each end is a
    label in any language, a CURIE, an IRI string or a ``URIRef`` (see :func:`resolve_node`).

    :raises UsageError: if an end names no node, or no path joins them.
    """
    import networkx as nx

    a = resolve_node(net, a)
    b = resolve_node(net, b)
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


def neighbours(net: nx.MultiDiGraph, node: str | URIRef, depth: int = 1) -> dict[str, int]:
    """Nodes within ``depth`` hops (either direction), with their distance. ``node`` is a
    label, a CURIE, an IRI string or a ``URIRef`` (see :func:`resolve_node`)."""
    import networkx as nx

    node = resolve_node(net, node)
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
