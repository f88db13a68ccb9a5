"""queries/checks/*.rq return no rows on the real graph, and rows on a graph that breaks them."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from kzby_kg.paths import ProjectPaths
from kzby_kg.querying.engines import OxigraphBackend
from kzby_kg.rdf.load import load_store

CHECKS = sorted((Path(__file__).resolve().parents[2] / "queries" / "checks").glob("*.rq"))

BREAKERS = {
    "facts-without-source": "kzd:x a kzby:Event ; rdfs:label 'x'@en .",
    "intervals-ending-before-start": (
        "kzd:x time:hasBeginning [ time:inXSDgYear '2015'^^xsd:gYear ] ;"
        " time:hasEnd [ time:inXSDDate '2014-12-31'^^xsd:date ] ."
    ),
    "numbers-without-unit": "kzd:x kzby:value 3 .",
    "dangling-links": "kzd:x kzby:concerns kzd:nobody .",
    "undeclared-terms": "kzd:x kzby:madeUpProperty 1 .",
    "entities-without-english-label": "kzd:x a kzby:Person ; rdfs:label 'Иван'@ru .",
}
PREFIXES = """
@prefix kzby: <https://w3id.org/kzby-kg/ontology#> .
@prefix kzd: <https://w3id.org/kzby-kg/id/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix time: <http://www.w3.org/2006/time#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""


def test_every_check_has_a_breaker() -> None:
    assert CHECKS
    assert {p.stem for p in CHECKS} == set(BREAKERS)


@pytest.mark.parametrize("check", CHECKS, ids=lambda p: p.stem)
def test_check_returns_no_rows(check: Path, store: ox.Store) -> None:
    rows = list(OxigraphBackend(store).run(check.read_text(encoding="utf-8")).rows)
    assert rows == [], f"{check.name} returned {len(rows)} rows, first: {rows[:3]}"


@pytest.mark.parametrize("check", CHECKS, ids=lambda p: p.stem)
def test_check_finds_a_planted_defect(check: Path, paths: ProjectPaths) -> None:
    broken = load_store(paths)
    broken.load((PREFIXES + BREAKERS[check.stem]).encode(), ox.RdfFormat.TURTLE)
    rows = list(OxigraphBackend(broken).run(check.read_text(encoding="utf-8")).rows)
    assert rows, f"{check.name} did not notice the planted defect"
