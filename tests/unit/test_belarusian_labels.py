"""Every ontology term and code-list concept that has a Russian label has a Belarusian one, so
that ``--lang be`` names types and headings in Belarusian instead of falling back to English.
Parses ontology/kzby.ttl and data/codelists.ttl only (a few hundred milliseconds)."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, Literal
from rdflib.namespace import RDFS, SKOS
from rdflib.term import Node

ROOT = Path(__file__).resolve().parents[2]
FILES = ("ontology/kzby.ttl", "data/codelists.ttl")
LABELS = (RDFS.label, SKOS.prefLabel)

#: terms whose Belarusian label is the English one on purpose (a name or an abbreviation that is
#: the same in both): none at present. Add the term's CURIE here with the reason.
SAME_AS_ENGLISH: frozenset[str] = frozenset()

#: letters of Russian that Belarusian does not use: a label with one was pasted from Russian
NOT_BELARUSIAN = set("иИщЩъЪ")


@pytest.fixture(scope="module")
def graph() -> Graph:
    g = Graph()
    for name in FILES:
        g.parse(ROOT / name, format="turtle")
    return g


def _by_language(graph: Graph, subject: Node, predicate: Node) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for value in graph.objects(subject, predicate):
        if isinstance(value, Literal) and value.language:
            found.setdefault(value.language, []).append(str(value))
    return found


def _labelled(graph: Graph) -> list[tuple[str, dict[str, list[str]]]]:
    rows = []
    for predicate in LABELS:
        for subject in sorted(set(graph.subjects(predicate))):
            labels = _by_language(graph, subject, predicate)
            if "ru" in labels:
                rows.append((subject.n3(graph.namespace_manager), labels))
    return rows


def test_every_term_with_a_russian_label_has_a_belarusian_one(graph: Graph) -> None:
    rows = _labelled(graph)
    assert len(rows) > 200  # the two files were read
    missing = [curie for curie, labels in rows if "be" not in labels]
    assert missing == []


def test_belarusian_labels_are_not_empty_english_or_russian_spelling(graph: Graph) -> None:
    problems = []
    for curie, labels in _labelled(graph):
        for text in labels.get("be", []):
            if not text.strip():
                problems.append(f"{curie}: empty")
            elif text in labels.get("en", []) and curie not in SAME_AS_ENGLISH:
                problems.append(f"{curie}: same as English ({text!r})")
            elif NOT_BELARUSIAN & set(text):
                problems.append(f"{curie}: Russian letters in {text!r}")
    assert problems == []


def test_the_exceptions_are_still_exceptions(graph: Graph) -> None:
    """An entry of SAME_AS_ENGLISH whose labels now differ (or that is gone) is taken out."""
    same = {
        curie
        for curie, labels in _labelled(graph)
        if set(labels.get("be", [])) & set(labels.get("en", []))
    }
    assert same >= SAME_AS_ENGLISH
