"""describe finds entities by any name and shows every fact with its source."""

from __future__ import annotations

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS

from kzby_kg.errors import AmbiguousEntityError, UnknownEntityError
from kzby_kg.rdf.namespaces import KZD
from kzby_kg.views.describe import describe, resolve


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Kazakhstan", "kazakhstan"),
        ("Қазақстан", "kazakhstan"),
        ("Казахстан", "kazakhstan"),
        ("belarus", "belarus"),
        ("Беларуссия", "belarus"),
        ("EAEU", "eaeu"),
        ("ЕАЭС", "eaeu"),
        ("ЕАЭО", "eaeu"),
        ("Nur-Sultan", "astana"),
        ("Gomel", "gomel"),
        ("kzd:minsk", "minsk"),
        ("https://w3id.org/kzby-kg/id/cis", "cis"),
        ("  customs   union ", "customs-union"),
    ],
)
def test_resolve_by_any_name(graph: Graph, name: str, expected: str) -> None:
    assert resolve(graph, name) == KZD[expected]


def test_ambiguous_name_lists_matches(graph: Graph) -> None:
    with pytest.raises(AmbiguousEntityError) as info:
        resolve(graph, "place")
    curies = [c for c, _ in info.value.matches]
    assert curies == ["kzby:Place", "kzby:place"]
    assert "Use a CURIE" in str(info.value)


def test_unknown_name_suggests_close_matches(graph: Graph) -> None:
    with pytest.raises(UnknownEntityError) as info:
        resolve(graph, "Kazakstan")
    assert any("kzd:kazakhstan" in s for s in info.value.suggestions)
    assert "did you mean" in str(info.value)


def test_describe_commission_shows_meeting_with_source(graph: Graph) -> None:
    text = describe(graph, KZD.commission).format()
    assert "2016-07-21: 12th meeting" in text
    assert "Reference 8 (Foreign trade of Belarus, statistical collection, 2012) [8]" in text


def test_describe_in_kazakh(graph: Graph) -> None:
    description = describe(graph, KZD.eaeu, lang="kk")
    assert description.label == "Еуразиялық экономикалық одақ"


def _entities_of(graph: Graph, fact: URIRef) -> list[URIRef]:
    return [o for o in graph.objects(fact) if isinstance(o, URIRef) and str(o).startswith(str(KZD))]


def test_every_sourced_fact_is_reachable_with_its_source(graph: Graph) -> None:
    """Every fact node shows up, with a source, when describing the fact or an entity it names."""
    missing = []
    for fact in sorted(set(graph.subjects(DCTERMS.source)), key=str):
        if not isinstance(fact, URIRef):
            continue
        candidates = [fact, *_entities_of(graph, fact)]
        found = False
        for entity in candidates:
            for item in describe(graph, entity).facts:
                if item.node == graph.namespace_manager.curie(fact) and item.sources:
                    found = True
                    break
            if found:
                break
        if not found:
            missing.append(fact)
    assert not missing, missing
