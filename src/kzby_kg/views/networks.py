"""The graph as networkx MultiDiGraphs, optionally as of a date.

Two views:

* ``full``: every resource is a node; every triple between two resources is an edge keyed by the
  predicate's CURIE. Literals stay on the RDF side.
* ``entities``: only states, organisations, people, places and agreements are nodes. The n-ary
  fact nodes (memberships, meetings, observations, migrations, foundings, events, ranks,
  priorities, figures) become labelled edges between the entities they connect, carrying the
  fact's attributes: start, end, date, value, unit and unit multiplier, and sources.

``as_of`` keeps the edges valid on that day (a membership from its start until its end, an event
from its date on) and gives places the names they had then. Building a view is one pass over the
triples, so its cost grows linearly with the graph.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, ORG, OWL, RDF, RDFS, SKOS, TIME
from rdflib.term import Node

from kzby_kg.errors import UsageError
from kzby_kg.languages import LANGUAGES, check_language
from kzby_kg.rdf.labels import curie, label, labels_by_language
from kzby_kg.rdf.load import check_scope
from kzby_kg.rdf.namespaces import KZBY, SDMX_ATTRIBUTE
from kzby_kg.rdf.temporal import instant_value

if TYPE_CHECKING:
    import networkx as nx
    from matplotlib.figure import Figure

__all__ = [
    "LANGUAGES",
    "VIEWS",
    "Edge",
    "draw_network",
    "entity_nodes",
    "to_networkx",
    "valid_on",
]

VIEWS = ("entities", "full")
_ENTITY_ROOTS = (
    KZBY.SovereignState,
    ORG.Organization,
    KZBY.Person,
    KZBY.Place,
    KZBY.InternationalInstrument,
)


# ---------------------------------------------------------------- time


def _at_precision(value: str, day: str) -> tuple[str, str]:
    """Compare a date of any precision with a day at the coarser precision ("2015" vs "2015-06")."""
    n = min(len(value), len(day))
    return value[:n], day[:n]


def valid_on(attrs: dict[str, Any], day: str) -> bool:
    """Whether an edge holds on ``day`` (an ISO date): started, not yet ended, already happened.

    >>> eaeu = {"start": "2015-01-01"}
    >>> valid_on(eaeu, "2014-12-31"), valid_on(eaeu, "2015-01-01")
    (False, True)
    >>> valid_on({"start": "2001", "end": "2015-01-01"}, "2015-01-01")
    False
    """
    start, end, date = attrs.get("start"), attrs.get("end"), attrs.get("date")
    if start:
        a, d = _at_precision(start, day)
        if d < a:
            return False
    if end:
        a, d = _at_precision(end, day)
        if d >= a:
            return False
    if date and not start:
        a, d = _at_precision(date, day)
        if d < a:
            return False
    return True


def _interval(graph: Graph, interval: Node | None) -> tuple[str | None, str | None]:
    """(start, end) of an interval; vague intervals give their certain bounds."""
    if interval is None:
        return None, None
    start = instant_value(graph, graph.value(interval, TIME.hasBeginning))
    end = instant_value(graph, graph.value(interval, TIME.hasEnd))
    inside = instant_value(graph, graph.value(interval, TIME.inside))
    lo, hi = graph.value(interval, KZBY.notBefore), graph.value(interval, KZBY.notAfter)
    return start or inside or (str(lo) if lo else None), end or (str(hi) if hi else None)


# ---------------------------------------------------------------- nodes


def _entity_classes(graph: Graph) -> set[Node | None]:
    classes: set[Node | None] = set()
    for root in _ENTITY_ROOTS:
        classes |= set(graph.transitive_subjects(RDFS.subClassOf, root))
    return classes


def entity_nodes(graph: Graph) -> set[URIRef]:
    """States, organisations, people, places and instruments: the nodes of the entity view."""
    classes = _entity_classes(graph)
    return {
        s
        for s, o in graph.subject_objects(RDF.type)
        if isinstance(s, URIRef) and o in classes and (s, RDF.type, OWL.Class) not in graph
    }


def _names_on(graph: Graph, place: Node, day: str) -> dict[str, str]:
    """The names a place bore on ``day``, by language (empty if it has no dated names)."""
    names: dict[str, str] = {}
    for name_node in graph.objects(place, KZBY.hasName):
        start, end = _interval(graph, graph.value(name_node, KZBY.validDuring))
        if valid_on({"start": start, "end": end}, day):
            for name in graph.objects(name_node, KZBY.name):
                if isinstance(name, Literal):
                    names[name.language or ""] = str(name)
    return names


def _node_attrs(graph: Graph, node: Node, as_of: str | None) -> dict[str, Any]:
    labels = labels_by_language(graph, node) if not isinstance(node, BNode) else {}
    if as_of:
        labels.update(_names_on(graph, node, as_of))
    attrs: dict[str, Any] = {f"label_{lang}": labels[lang] for lang in LANGUAGES if lang in labels}
    attrs["label"] = attrs.get("label_en") or label(graph, node)
    # alternative names and abbreviations (EAEU, ЕАЭС), so that the network functions take
    # them as describe does; one string, as GraphML and GEXF attributes must be
    other = {
        str(value)
        for prop in (SKOS.altLabel, KZBY.abbreviation)
        for value in graph.objects(node, prop)
        if isinstance(value, Literal)
    }
    if other:
        attrs["other_names"] = " | ".join(sorted(other))
    types = sorted(curie(graph, t) for t in graph.objects(node, RDF.type))
    attrs["types"] = " ".join(types)
    attrs["kind"] = label(graph, sorted(graph.objects(node, RDF.type), key=str)[0]) if types else ""
    for same in graph.objects(node, SKOS.exactMatch):
        if str(same).startswith("http://www.wikidata.org/entity/"):
            attrs["wikidata"] = str(same).rsplit("/", 1)[-1]
    return attrs


# ---------------------------------------------------------------- fact nodes -> edges


#: what a fact rule yields: (source, target, attributes); an end is None when the fact lacks it,
#: and only ends that are entities make an edge
_Ends = Iterable[tuple[Node | None, Node | None, dict[str, Any]]]


@dataclass(frozen=True)
class Edge:
    """One labelled edge of the entity view, made from a fact node."""

    source: URIRef
    target: URIRef
    key: str
    attrs: dict[str, Any]


def _sources(graph: Graph, fact: Node) -> str:
    marker = graph.value(fact, KZBY.citationMarker)
    names = [label(graph, s) for s in sorted(graph.objects(fact, DCTERMS.source), key=str)]
    text = "; ".join(names)
    return f"{text} {marker}" if marker else text


def _base(graph: Graph, fact: Node, relation: str) -> dict[str, Any]:
    return {
        "relation": relation,
        "fact": curie(graph, fact),
        "label": label(graph, fact),
        "sources": _sources(graph, fact),
    }


def _value_attrs(graph: Graph, fact: Node, prop: URIRef) -> dict[str, Any]:
    out: dict[str, Any] = {}
    value = graph.value(fact, prop)
    if value is not None:
        out["value"] = float(cast(Literal, value).toPython())
        # SDMX: the unit of measure and its multiplier, both as printed
        for key, attribute in (
            ("unit", SDMX_ATTRIBUTE.unitMeasure),
            ("unitMult", SDMX_ATTRIBUTE.unitMult),
        ):
            unit = graph.value(fact, attribute)
            if unit is not None:
                out[key] = label(graph, unit)
    return out


def _membership(graph: Graph, fact: Node) -> _Ends:
    start, end = _interval(graph, graph.value(fact, ORG.memberDuring))
    role = graph.value(fact, ORG.role)
    attrs = _base(graph, fact, "membership") | {
        "start": start,
        "end": end,
        "label": label(graph, role) if role else "member",
    }
    yield graph.value(fact, ORG.member), graph.value(fact, ORG.organization), attrs


def _observation(graph: Graph, fact: Node) -> _Ends:
    flow = graph.value(fact, KZBY.flow)
    attrs = _base(graph, fact, "trade") | _value_attrs(graph, fact, KZBY.tradeValue)
    attrs |= {
        "date": str(graph.value(fact, KZBY.refPeriod)),
        "label": f"trade: {label(graph, cast(Node, flow))}",
    }
    share = graph.value(fact, KZBY.sharePercent)
    if share is not None:
        attrs["share_percent"] = float(cast(Literal, share).toPython())
    yield graph.value(fact, KZBY.reporter), graph.value(fact, KZBY.partner), attrs


def _migration(graph: Graph, fact: Node) -> _Ends:
    start, end = _interval(graph, graph.value(fact, KZBY.period))
    cause = graph.value(fact, KZBY.cause)
    attrs = _base(graph, fact, "migration") | _value_attrs(graph, fact, KZBY.numberOfPeople)
    attrs |= {"date": start, "period_end": end, "cause": label(graph, cause) if cause else ""}
    origin, destination = graph.value(fact, KZBY.origin), graph.value(fact, KZBY.destination)
    yield origin, destination, attrs
    for person in graph.objects(fact, KZBY.namedMigrant):
        yield person, destination, attrs | {"relation": "named migrant"}
    for other in graph.objects(fact, KZBY.concerns):
        yield other, origin, attrs | {"relation": "concerns"}


def _meeting(graph: Graph, fact: Node) -> _Ends:
    attrs = _base(graph, fact, "meeting") | {
        "date": str(graph.value(fact, DCTERMS.date)),
        "ordinal": int(cast(Literal, graph.value(fact, KZBY.ordinal))),
    }
    yield graph.value(fact, KZBY.ofCommission), graph.value(fact, KZBY.place), attrs


def _founding(graph: Graph, fact: Node) -> _Ends:
    date = graph.value(fact, DCTERMS.date)
    founded = graph.value(fact, KZBY.founded)
    for original in graph.objects(fact, ORG.originalOrganization):
        attrs = _base(graph, fact, "succession") | {"date": str(date), "label": "grew into"}
        yield original, founded, attrs


def _event(graph: Graph, fact: Node) -> _Ends:
    date = graph.value(fact, DCTERMS.date) or graph.value(fact, KZBY.dateNotAfter)
    attrs = _base(graph, fact, "event") | {"date": str(date) if date is not None else None}
    participants = sorted(graph.objects(fact, KZBY.participant), key=str)
    others = sorted(graph.objects(fact, KZBY.concerns), key=str) + sorted(
        graph.objects(fact, KZBY.place), key=str
    )
    if len(participants) >= 2:
        for i, a in enumerate(participants):
            for b in participants[i + 1 :]:
                yield a, b, attrs
    for a in participants[:1] or []:
        for b in others:
            yield a, b, attrs


def _rank(graph: Graph, fact: Node) -> _Ends:
    start, end = _interval(graph, graph.value(fact, KZBY.period))
    value = graph.value(fact, KZBY.rank)
    above = graph.value(fact, KZBY.rankedAbove)
    attrs = _base(graph, fact, "partner rank") | {"start": start, "end": end}
    if value is not None:  # "the third largest trading partner"
        rank = int(cast(Literal, value))
        attrs |= {"rank": rank, "label": f"trading partner no. {rank}"}
    else:  # "after Russia and Ukraine": above another partner, its own rank unstated
        named = label(graph, above) if above is not None else "another partner"
        attrs |= {"label": f"trading partner ranked above {named}"}
    yield graph.value(fact, KZBY.reporter), graph.value(fact, KZBY.partner), attrs


def _count(graph: Graph, fact: Node) -> _Ends:
    year = graph.value(fact, KZBY.refPeriod) or graph.value(fact, KZBY.refTime)
    start, _ = _interval(graph, graph.value(fact, KZBY.period))
    attrs = _base(graph, fact, "figure") | _value_attrs(graph, fact, KZBY.value)
    attrs["date"] = str(year) if year is not None else start
    area = graph.value(fact, KZBY.refArea)
    for other in graph.objects(fact, KZBY.concerns):
        if area is not None:
            yield area, other, attrs
    concerned = sorted(graph.objects(fact, KZBY.concerns), key=str)
    if area is None and len(concerned) >= 2:
        yield concerned[0], concerned[1], attrs


def _priority(graph: Graph, fact: Node) -> _Ends:
    start, end = _interval(graph, graph.value(fact, KZBY.period))
    attrs = _base(graph, fact, "priority") | {"start": start, "end": end}
    concerned = sorted(graph.objects(fact, KZBY.concerns), key=str)
    for a, b in itertools.pairwise(concerned):
        yield a, b, attrs


_FACT_RULES: dict[URIRef, Callable[[Graph, Node], _Ends]] = {
    ORG.Membership: _membership,
    KZBY.CommissionMeeting: _meeting,
    KZBY.MigrationEvent: _migration,
    ORG.ChangeEvent: _founding,
    KZBY.PartnerRank: _rank,
    KZBY.Count: _count,
    KZBY.PolicyPriority: _priority,
    KZBY.Event: _event,
}


def _fact_edges(graph: Graph, entities: set[URIRef]) -> Iterable[Edge]:
    for fact in set(graph.subjects(KZBY.tradeValue)):
        for a, b, attrs in _observation(graph, fact):
            if a in entities and b in entities:
                assert isinstance(a, URIRef) and isinstance(b, URIRef)  # entities are IRIs
                yield Edge(a, b, attrs["fact"], attrs)
    done: set[Node] = set()
    for cls, rule in _FACT_RULES.items():
        for fact in sorted(set(graph.subjects(RDF.type, cls)), key=str):
            if fact in done:
                continue
            done.add(fact)
            for a, b, attrs in rule(graph, fact):
                if a in entities and b in entities and a != b:
                    assert isinstance(a, URIRef) and isinstance(b, URIRef)  # entities are IRIs
                    yield Edge(a, b, f"{attrs['fact']}|{curie(graph, b)}", attrs)


def _instrument_attrs(graph: Graph, instrument: Node) -> dict[str, Any]:
    signed = graph.value(instrument, KZBY.signatureDate)
    return {
        "date": str(signed) if signed is not None else None,
        "sources": _sources(graph, instrument),
    }


def _clean(attrs: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in attrs.items() if v is not None and v != ""}


# ---------------------------------------------------------------- views


def _entity_view(graph: Graph, as_of: str | None) -> nx.MultiDiGraph:
    import networkx as nx

    entities = entity_nodes(graph)
    net: nx.MultiDiGraph[str] = nx.MultiDiGraph(view="entities", as_of=as_of or "")
    for node in sorted(entities, key=str):
        net.add_node(curie(graph, node), **_clean(_node_attrs(graph, node, as_of)))
    edges: list[Edge] = list(_fact_edges(graph, entities))
    for s, p, o in graph:
        if s in entities and o in entities and s != o and p not in (SKOS.exactMatch,):
            assert isinstance(s, URIRef) and isinstance(o, URIRef)  # entities are IRIs
            attrs = {"relation": curie(graph, p), "label": label(graph, p)}
            if p in (KZBY.party, KZBY.signaturePlace):
                attrs |= _instrument_attrs(graph, s)
            edges.append(Edge(s, o, curie(graph, p), attrs))
    for edge in sorted(edges, key=lambda e: (str(e.source), str(e.target), e.key)):
        attrs = _clean(edge.attrs)
        if as_of and not valid_on(attrs, as_of):
            continue
        net.add_edge(curie(graph, edge.source), curie(graph, edge.target), key=edge.key, **attrs)
    return net


def _full_view(graph: Graph, as_of: str | None) -> nx.MultiDiGraph:
    import networkx as nx

    net: nx.MultiDiGraph[str] = nx.MultiDiGraph(view="full", as_of=as_of or "")
    nodes = {n for t in graph for n in (t[0], t[2]) if isinstance(n, (URIRef, BNode))}
    for node in sorted(nodes, key=str):
        net.add_node(curie(graph, node), **_clean(_node_attrs(graph, node, as_of)))
    for s, p, o in sorted(graph, key=lambda t: (str(t[0]), str(t[1]), str(t[2]))):
        if isinstance(o, Literal):
            continue
        net.add_edge(
            curie(graph, s),
            curie(graph, o),
            key=curie(graph, p),
            relation=curie(graph, p),
            label=label(graph, p),
        )
    return net


def to_networkx(graph: Graph, view: str = "entities", as_of: str | None = None) -> nx.MultiDiGraph:
    """Project the RDF graph onto a networkx MultiDiGraph.

    >>> from kzby_kg.rdf.load import load
    >>> net = to_networkx(load(), as_of="2020-06-01")
    >>> net.nodes["kzd:astana"]["label"]
    'Nur-Sultan'

    :param view: ``entities`` (facts become labelled edges) or ``full`` (every triple).
    :param as_of: an ISO date; keeps the edges valid that day and the names places had then.
    :raises UsageError: for an unknown view or a malformed date.
    """
    if view not in VIEWS:
        raise UsageError(f"--view: unknown view {view!r}; choose one of {', '.join(VIEWS)}")
    if as_of is not None:
        from datetime import date

        try:
            as_of = date.fromisoformat(as_of).isoformat()
        except ValueError:
            raise UsageError(f"--as-of: {as_of!r} is not a date like 2012-06-01") from None
    return _entity_view(graph, as_of) if view == "entities" else _full_view(graph, as_of)


# ---------------------------------------------------------------- drawing


def _article_part(graph: Graph, net: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """The view without what the imports added: nodes and facts carrying prov:wasGeneratedBy.

    On a graph loaded with ``scope="article"`` this changes nothing; on the full graph it keeps
    the article's 76 entities instead of some 1,800 imported agreements and organisations."""
    from rdflib.namespace import PROV

    imported = {curie(graph, s) for s in graph.subjects(PROV.wasGeneratedBy)}
    if not imported:
        return net
    kept = net.copy()
    kept.remove_nodes_from([n for n in net if n in imported])
    kept.remove_edges_from(
        [(u, v, k) for u, v, k, d in kept.edges(keys=True, data=True) if d.get("fact") in imported]
    )
    return kept


def draw_network(
    graph: Graph,
    *,
    scope: str = "article",
    lang: str = "en",
    as_of: str | None = None,
    view: str = "entities",
    title: str | None = None,
    texts: Mapping[str, str] | None = None,
) -> Figure:
    """The Kazakhstan-Belarus network as a matplotlib Figure, ready for a briefing or a page.

    Arrows, a legend of entity kinds and relations, and labels in ``lang`` that neither overlap
    nor are cut; see :func:`kzby_kg.views.network_io.network_figure` for the rules. Save it with
    :func:`kzby_kg.views.network_io.save_figure` (PNG or SVG, deterministic).

    :param scope: ``article`` draws only the article's entities and facts, even from a graph
        loaded with the imported tables; ``full`` draws whatever ``graph`` holds.
    :param lang: the labels' language (en, ru, kk, be; English where a label is missing).
    :param as_of: an ISO date: only the facts valid that day, places under their names then.
    :param view: ``entities`` (the default) or ``full``.
    :param title: replaces the default title.
    :param texts: translations of the drawing's own words (legends, footnote), keyed by the
        English texts of :data:`kzby_kg.views.network_io.DRAWING_TEXTS`; by default the
        project's own for ``lang`` (:func:`drawing_texts`).
    :raises UsageError: for an unknown scope, language or view, or a malformed date.
    """
    from kzby_kg.views.network_io import network_figure

    check_scope(scope)
    check_language(lang)
    net = to_networkx(graph, view, as_of)
    if scope == "article":
        net = _article_part(graph, net)
    if texts is None and lang != "en":
        texts = drawing_texts(lang)
    return network_figure(net, lang=lang, title=title, texts=texts)


def drawing_texts(lang: str) -> dict[str, str]:
    """The drawing's own words in ``lang`` (ru, kk, be), from
    ``views/templates/drawing_texts.json``; English has none (it is the key)."""
    import json
    from importlib.resources import files

    table = json.loads(files("kzby_kg").joinpath("views/templates/drawing_texts.json").read_text())
    return dict(table.get(lang, {}))
