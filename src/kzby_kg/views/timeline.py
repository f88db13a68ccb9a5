"""Every dated fact, in order, with its sources: for one entity or for the whole graph."""

from __future__ import annotations

import re
from dataclasses import dataclass

from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, RDF
from rdflib.term import Node

from kzby_kg.errors import UsageError
from kzby_kg.rdf.namespaces import KZBY
from kzby_kg.views.describe import Fact, fact_entry, resolve, when

__all__ = ["TimelineEntry", "check_bounds", "timeline"]


@dataclass(frozen=True)
class TimelineEntry:
    """A dated fact: its time in true precision and a key that sorts vague periods too."""

    sort_key: str
    fact: Fact


def _sort_key(text: str) -> str:
    found = re.search(r"\d{4}(-\d{2}(-\d{2})?)?", text)
    return found.group(0) if found else ""


def _check_bound(name: str, value: str | None) -> str | None:
    """A bound as given, if it is a year, a year-month or a date that exists (2014-13 is not)."""
    import datetime

    if value is None:
        return value
    shape = re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", value)
    parts = [int(p) for p in value.split("-")] if shape else []
    try:
        if parts:
            datetime.date(parts[0], *[*parts[1:], 1, 1][:2])
    except ValueError:
        parts = []
    if not parts:
        raise UsageError(f"--{name}: {value!r} is not a year, year-month or date")
    return value


def check_bounds(start: str | None, end: str | None) -> None:
    """Refuse bounds that are no year, year-month or date, and a range that ends before it
    starts (it could only ever be empty). Cheap: the CLI calls it before loading the graph.

    >>> check_bounds("2014", "2014-06")
    >>> check_bounds("2014-13", None)
    Traceback (most recent call last):
    kzby_kg.errors.UsageError: --from: '2014-13' is not a year, year-month or date
    >>> check_bounds("2016", "2014")
    Traceback (most recent call last):
    kzby_kg.errors.UsageError: --from 2016 is after --to 2014: no date lies in that range
    """
    _check_bound("from", start)
    _check_bound("to", end)
    if start and end and start[: len(end)] > end[: len(start)]:
        raise UsageError(f"--from {start} is after --to {end}: no date lies in that range")


def timeline(
    graph: Graph,
    entity: str | URIRef | None = None,
    start: str | None = None,
    end: str | None = None,
    lang: str = "en",
) -> list[TimelineEntry]:
    """Dated facts (with a source) naming ``entity`` (or all), between start and end inclusive.

    Bounds compare at the coarser precision: ``--from 2015`` keeps 2015-01-01 and "2015".
    ``entity`` is a label in any language, a CURIE, an IRI string or a ``URIRef`` (see
    :func:`kzby_kg.views.describe.resolve`).

    :raises UsageError: for a malformed bound, or a range that ends before it starts (which
        could only ever be empty).
    :raises UnknownEntityError: for an entity the graph does not hold.
    """
    check_bounds(start, end)
    named: set[Node] = set()
    if entity is not None:
        entity = resolve(graph, entity)
        # a state acts through its government too: the 2019 migration agreement's parties
        # are the two governments, and it belongs on each state's timeline
        named = {entity, *graph.subjects(KZBY.governmentOf, entity)}
    entries = []
    for fact in sorted(set(graph.subjects(DCTERMS.source)), key=str):
        # a party's acts on an instrument show under the instrument; the treaty-status-by-party
        # question lists them party by party
        if not isinstance(fact, URIRef) or (fact, RDF.type, KZBY.PartyRecord) in graph:
            continue
        if named and fact not in named and not any((fact, None, n) in graph for n in named):
            continue
        time_text = when(graph, fact, lang)
        key = _sort_key(time_text)
        if not key:
            continue
        if start and key[: len(start)] < start[: len(key)]:
            continue
        if end and key[: len(end)] > end[: len(key)]:
            continue
        entries.append(TimelineEntry(key, fact_entry(graph, fact, lang, True)))
    entries.sort(key=lambda e: (e.sort_key, e.fact.node))
    return entries
