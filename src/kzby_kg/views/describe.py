"""Find an entity by any of its names and gather every fact about it, each with its source.

A fact about an entity is either a property of the entity itself, or a fact node (membership,
event, observation, statement, ...) that points at it. Facts are grouped by the fact's class.
"""

from __future__ import annotations

import functools
import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from importlib.resources import files
from typing import cast

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, ORG, PROV, RDF, RDFS, SKOS, TIME
from rdflib.term import Node

from kzby_kg.querying.parameters import EntityNames, entity_text
from kzby_kg.rdf.curies import expand
from kzby_kg.rdf.labels import curie, label, labels_by_language
from kzby_kg.rdf.namespaces import KZBY
from kzby_kg.rdf.temporal import instant_value

__all__ = ["Description", "Fact", "describe", "fact_entry", "graph_names", "resolve", "when"]

_NAME_PROPERTIES = (RDFS.label, SKOS.prefLabel, SKOS.altLabel, KZBY.abbreviation)
_SKIP_OUTGOING = {RDFS.label, SKOS.prefLabel, RDF.type}


def graph_names(graph: Graph) -> EntityNames:
    """Every entity's names in ``graph``: the index :func:`resolve` picks from."""
    index = EntityNames()
    for prop in _NAME_PROPERTIES:
        for subject, value in graph.subject_objects(prop):
            if isinstance(subject, URIRef) and isinstance(value, Literal):
                concept = (subject, RDF.type, SKOS.Concept) in graph
                index.add(str(subject), str(value), minor=concept)
                if value.language == "en" and prop in (RDFS.label, SKOS.prefLabel):
                    index.prefer_shown(str(subject), str(value), int(prop == SKOS.prefLabel))
    return index


def resolve(graph: Graph, name: str | URIRef) -> URIRef:
    """The one entity a user means by ``name``: a label in any language, a CURIE, an IRI
    string or a ``URIRef``. Every view that takes an entity resolves it here.

    >>> from kzby_kg.rdf.load import load
    >>> resolve(load(), "Қазақстан")
    rdflib.term.URIRef('https://w3id.org/kzby-kg/id/kazakhstan')

    :raises AmbiguousEntityError: listing every match, when several entities share the name.
    :raises UnknownEntityError: with close matches (labels containing the word first), when
        nothing does.
    """
    text = entity_text(name)
    iri = expand(text)
    if iri.startswith(("http://", "https://", "urn:")) or isinstance(name, URIRef):
        node = URIRef(iri)
        if (node, None, None) in graph or (None, None, node) in graph:
            return node
    elif ":" in text and " " not in text:
        try:
            node = graph.namespace_manager.expand_curie(text)
        except ValueError:
            node = None
        if node is not None and (node, None, None) in graph:
            return node
    return URIRef(graph_names(graph).pick(text))


@functools.cache
def _words() -> dict[str, dict[str, str]]:
    table: dict[str, dict[str, str]] = json.loads(
        files("kzby_kg").joinpath("views/templates/describe_words.json").read_text("utf-8")
    )
    return table


def _say(key: str, lang: str, **values: object) -> str:
    """A phrase of the description in ``lang`` (English where it has none), from
    ``views/templates/describe_words.json``: the entity pages are served in four languages."""
    forms = _words()[key]
    return forms.get(lang, forms["en"]).format(**values)


def _interval(graph: Graph, node: Node, lang: str) -> str:
    start = instant_value(graph, graph.value(node, TIME.hasBeginning))
    end = instant_value(graph, graph.value(node, TIME.hasEnd))
    inside = instant_value(graph, graph.value(node, TIME.inside))
    if start and not end:
        return _say("since", lang, start=start)
    if start or end:
        return _say("range", lang, start=start or "?", end=end)
    if inside:
        return _say("inside", lang, inside=inside)
    lo, hi = graph.value(node, KZBY.notBefore), graph.value(node, KZBY.notAfter)
    text = label(graph, node, lang) if (node, RDFS.label, None) in graph else ""
    bounds = f"{lo or '?'}..{hi or '?'}" if (lo or hi) else ""
    return f"{text} ({bounds})" if text and bounds else text or bounds


def when(graph: Graph, node: Node, lang: str = "en") -> str:
    """The time of a fact in its true precision: a date, a year, an interval or a bound."""
    for prop in (DCTERMS.date, KZBY.signatureDate, KZBY.refPeriod, KZBY.refTime):
        value = graph.value(node, prop)
        if value is not None:
            return str(value)
    for prop in (ORG.memberDuring, KZBY.period, KZBY.validDuring, KZBY.periodCovered):
        value = graph.value(node, prop)
        if value is not None:
            return _interval(graph, value, lang)
    bound = graph.value(node, KZBY.dateNotAfter)
    return _say("not_after", lang, bound=bound) if bound is not None else ""


@dataclass(frozen=True)
class Fact:
    """One fact about the entity, ready to print."""

    group: str
    node: str
    text: str
    when: str
    sources: tuple[str, ...]
    is_fact: bool = True


@dataclass
class Description:
    """Everything the graph says about one entity."""

    curie: str
    label: str
    types: list[str]
    labels: dict[str, str]
    #: links to other knowledge bases (skos:exactMatch): Wikidata, GeoNames
    matches: list[str]
    properties: list[tuple[str, str]] = field(default_factory=list)
    facts: list[Fact] = field(default_factory=list)
    #: facts of imported tables left out (``describe(..., imported=False)``)
    hidden: int = 0

    def format(self) -> str:
        lines = [f"{self.label} ({self.curie})", f"  types: {', '.join(self.types) or '-'}"]
        if self.labels:
            lines.append(
                "  labels: " + " · ".join(f"{k or '-'} {v}" for k, v in sorted(self.labels.items()))
            )
        for iri in self.matches:
            lines.append(f"  exact match: {iri}")
        if self.properties:
            lines.append("  properties:")
            lines.extend(f"    {p}: {v}" for p, v in self.properties)
        groups: dict[str, list[Fact]] = defaultdict(list)
        for fact in self.facts:
            groups[fact.group].append(fact)
        for group in sorted(groups):
            lines.append(f"  {group} ({len(groups[group])}):")
            for fact in groups[group]:
                when_text = f"{fact.when}: " if fact.when else ""
                lines.append(f"    {when_text}{fact.text} ({fact.node})")
                if fact.is_fact:
                    lines.append(f"      source: {'; '.join(fact.sources) or 'NONE'}")
        if self.hidden:
            lines.append(f"  ({self.hidden:,} facts of imported tables not shown)")
        return "\n".join(lines)


def _year(text: str) -> str:
    """The first year in a time text, so that vague periods sort among dated ones."""
    if text.startswith("?"):
        return "0000"
    found = re.search(r"\d{4}", text)
    return found.group(0) if found else "9999"


def _sources(graph: Graph, node: Node, lang: str) -> tuple[str, ...]:
    marker = graph.value(node, KZBY.citationMarker)
    out = []
    for source in sorted(graph.objects(node, DCTERMS.source), key=str):
        text = label(graph, source, lang)
        out.append(f"{text} {marker}" if marker and graph.value(source, KZBY.entryNumber) else text)
    return tuple(out)


def _fact_text(graph: Graph, node: Node, lang: str) -> str:
    if (node, RDFS.label, None) in graph or (node, SKOS.prefLabel, None) in graph:
        return label(graph, node, lang)
    if (node, RDF.type, ORG.Membership) in graph:
        # shapes.ttl requires each of these once on a membership
        member = label(graph, cast(Node, graph.value(node, ORG.member)), lang)
        role = label(graph, cast(Node, graph.value(node, ORG.role)), lang)
        organisation = label(graph, cast(Node, graph.value(node, ORG.organization)), lang)
        return _say("membership", lang, member=member, role=role, organisation=organisation)
    return curie(graph, node)


def _group(graph: Graph, node: Node, lang: str) -> str:
    types = sorted(graph.objects(node, RDF.type), key=str)
    return label(graph, types[0], lang) if types else _say("other", lang)


def _value_text(graph: Graph, value: Node, lang: str) -> str:
    if isinstance(value, Literal):
        suffix = f"@{value.language}" if value.language else ""
        return f"{value}{suffix}"
    if isinstance(value, BNode):
        return _interval(graph, value, lang) or "(blank node)"
    return f"{label(graph, value, lang)} ({curie(graph, value)})"


def fact_entry(graph: Graph, node: URIRef, lang: str, is_fact: bool) -> Fact:
    """A fact entry for ``node``: its class, text, time and sources (also used by the timeline)."""
    group = _group(graph, node, lang)
    return Fact(
        group=group if is_fact else f"linked {group}",
        node=curie(graph, node),
        text=_fact_text(graph, node, lang),
        when=when(graph, node, lang),
        sources=_sources(graph, node, lang),
        is_fact=is_fact,
    )


def describe(
    graph: Graph, entity: str | URIRef, lang: str = "en", *, imported: bool = True
) -> Description:
    """Gather the entity's own properties and every fact node that refers to it.

    ``entity`` is a label in any language, a CURIE, an IRI or a ``URIRef`` (see
    :func:`resolve`).

    Facts on the entity itself carry its own sources; fact nodes carry theirs. With
    ``imported=False``, fact nodes an import generated (1,600 catalogue agreements of one state)
    are counted in ``hidden`` instead of listed.
    """
    entity = resolve(graph, entity)
    description = Description(
        curie=curie(graph, entity),
        label=label(graph, entity, lang),
        types=[label(graph, t, lang) for t in sorted(graph.objects(entity, RDF.type), key=str)],
        labels=labels_by_language(graph, entity),
        matches=[str(o) for o in sorted(graph.objects(entity, SKOS.exactMatch), key=str)],
    )
    for prop, value in sorted(
        graph.predicate_objects(entity), key=lambda pv: (str(pv[0]), str(pv[1]))
    ):
        if prop in _SKIP_OUTGOING or prop == SKOS.exactMatch:
            continue
        description.properties.append((label(graph, prop, lang), _value_text(graph, value, lang)))
    if (entity, DCTERMS.source, None) in graph:
        description.facts.append(
            Fact(
                "this fact",
                curie(graph, entity),
                description.label,
                when(graph, entity, lang),
                _sources(graph, entity, lang),
            )
        )
    seen: set[Node] = {entity}
    # Fact nodes the entity points at (its place names) and those pointing at it.
    pointed_at = sorted(set(graph.objects(entity)), key=str)
    pointing = sorted(set(graph.subjects(None, entity)), key=str)
    for node in pointed_at + pointing:
        if node in seen or not isinstance(node, URIRef):
            continue
        is_fact = (node, DCTERMS.source, None) in graph
        if node in pointed_at and not is_fact:
            continue
        seen.add(node)
        if not imported and (node, PROV.wasGeneratedBy, None) in graph:
            description.hidden += 1
            continue
        description.facts.append(fact_entry(graph, node, lang, is_fact))
    description.facts.sort(key=lambda f: (f.group, _year(f.when), f.when, f.text))
    return description
