"""The describe view's own words follow the language (the entity pages are served in four)."""

from __future__ import annotations

import json
from importlib.resources import files

import pytest
from rdflib import Graph

from kzby_kg.rdf.namespaces import KZD
from kzby_kg.views.describe import describe

TINY = """
@prefix org: <http://www.w3.org/ns/org#> . @prefix time: <http://www.w3.org/2006/time#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix kzd: <https://w3id.org/kzby-kg/id/> .
kzd:by rdfs:label "Belarus"@en , "Беларусь"@ru .
kzd:cis rdfs:label "CIS"@en , "СНГ"@ru .
kzd:founding rdfs:label "founding member"@en , "государство-учредитель"@ru .
kzd:m a org:Membership ; org:member kzd:by ; org:organization kzd:cis ; org:role kzd:founding ;
    org:memberDuring [ time:hasBeginning [ time:inXSDDate "1991-12-08"^^xsd:date ] ] .
"""


@pytest.mark.parametrize(
    ("lang", "when", "text"),
    [
        ("en", "since 1991-12-08", "Belarus: founding member of CIS"),
        ("ru", "с 1991-12-08", "Беларусь: государство-учредитель, СНГ"),  # noqa: RUF001
    ],
)
def test_membership_words_in_the_language(lang: str, when: str, text: str) -> None:
    facts = describe(Graph().parse(data=TINY, format="turtle"), KZD.by, lang).facts
    assert [(f.when, f.text) for f in facts] == [(when, text)]


def test_every_phrase_has_every_language_and_the_same_placeholders() -> None:
    table = json.loads(files("kzby_kg").joinpath("views/templates/describe_words.json").read_text())
    for key, forms in table.items():
        assert set(forms) == {"en", "ru", "kk", "be"}, key
        holes = {
            tuple(sorted(part.split("}")[0] for part in f.split("{")[1:])) for f in forms.values()
        }
        assert len(holes) == 1, key


def test_a_states_timeline_includes_what_its_government_signed() -> None:
    """The 2019 migration agreement's parties are the two governments (its text says so)."""
    from kzby_kg.views.timeline import timeline

    graph = Graph().parse(
        data="""
@prefix kzby: <https://w3id.org/kzby-kg/ontology#> . @prefix kzd: <https://w3id.org/kzby-kg/id/> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
kzd:kz rdfs:label "Kazakhstan"@en . kzd:gov-kz kzby:governmentOf kzd:kz .
kzd:deal rdfs:label "Agreement"@en ; kzby:party kzd:gov-kz ; dcterms:source kzd:ref ;
    kzby:signatureDate "2019-10-25"^^xsd:date .
""",
        format="turtle",
    )
    entries = timeline(graph, "Kazakhstan", "2019", "2019")
    assert [e.fact.node for e in entries] == ["kzd:deal"]
