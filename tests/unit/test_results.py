"""Answers held as Oxigraph's TSV bytes read back as the terms Oxigraph gave, and every wire
format comes from a library serialiser. Tiny inline stores, as pyoxigraph's own tests do."""

from __future__ import annotations

import json
import pickle
from typing import Any

import pyoxigraph as ox
import pytest
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import XSD

from kzby_kg.querying.engines import OxigraphBackend, RdflibBackend
from kzby_kg.querying.formats import serialize_result
from kzby_kg.querying.results import QueryResult, TsvRows
from kzby_kg.rdf.terms import from_json, from_ox, to_json, to_ox

AWKWARD_TERMS = r"""
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<http://example.org/s> <http://example.org/p>
  "tab\there, newline\nthere, \"quoted\" \\ back-slashed, é, 😀", "Қазақстан"@kk-Cyrl,
  "01"^^xsd:integer, "not a number"^^xsd:integer, "119.0"^^xsd:decimal, "1e3"^^xsd:double,
  "-0.50"^^xsd:decimal, "NaN"^^xsd:double, "INF"^^xsd:double, "2020"^^xsd:gYear,
  "1996-04"^^xsd:gYearMonth, "x"^^<http://example.org/datatype>, "", _:b1, _:b2,
  <http://example.org/é?q=1#f> .
"""
AWKWARD_QUERY = (
    "SELECT ?o ?unbound WHERE { ?s ?p ?o OPTIONAL { ?o <http://example.org/none> ?unbound } }"
    " ORDER BY STR(?o)"
)


@pytest.fixture
def awkward() -> ox.Store:
    store = ox.Store()
    store.load(AWKWARD_TERMS.encode(), ox.RdfFormat.TURTLE)
    return store


def term_key(term: Any) -> tuple[str | None, ...] | None:
    """Everything that tells one Oxigraph term from another."""
    if term is None:
        return None
    if isinstance(term, ox.Literal):
        return ("literal", term.value, term.datatype.value, term.language)
    return (type(term).__name__, term.value)


def test_held_answer_has_the_terms_oxigraph_gave(awkward: ox.Store) -> None:
    direct = [[term_key(t) for t in s] for s in awkward.query(AWKWARD_QUERY)]
    rows = OxigraphBackend(awkward).run(AWKWARD_QUERY).rows
    assert isinstance(rows, TsvRows)
    held = [
        [term_key(t) for t in s]
        for s in ox.parse_query_results(rows.tsv, format=ox.QueryResultsFormat.TSV)
    ]
    assert len(direct) == 16
    assert held == direct  # the same terms, in the same order
    assert sum(1 for row in held if row[0] and row[0][0] == "BlankNode") == 2  # not merged
    assert list(rows) == [tuple(from_ox(t) for t in s) for s in awkward.query(AWKWARD_QUERY)]


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("SELECT * WHERE {}", 1),  # one solution, no variables
        ("SELECT ?x WHERE { ?x ?p ?o }", 0),
        ("SELECT ?x WHERE { VALUES ?x { UNDEF UNDEF 1 } }", 3),
    ],
)
def test_held_answer_counts_rows(text: str, count: int) -> None:
    rows = OxigraphBackend(ox.Store()).run(text).rows
    assert len(rows) == count
    assert len(list(rows)) == count
    assert len(rows[:]) == count


def test_held_rows_behave_like_a_list_and_pickle_as_bytes(awkward: ox.Store) -> None:
    result = OxigraphBackend(awkward).run(AWKWARD_QUERY)
    rows = list(result.rows)
    assert result.rows == rows
    assert result.rows[0] == rows[0] and result.rows[-1] == rows[-1]
    assert result.rows[1:3] == rows[1:3]
    sent = pickle.loads(pickle.dumps(result))  # what the server's worker sends
    assert isinstance(sent.rows, TsvRows) and sent.rows == rows


def test_counting_and_wire_formats_make_no_rdflib_term(
    awkward: ox.Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kzby_kg.querying import results

    result = OxigraphBackend(awkward).run(AWKWARD_QUERY)

    def refuse(term: object) -> None:
        raise AssertionError("converted a term")

    monkeypatch.setattr(results, "from_ox", refuse)
    assert len(result.rows) == 16
    for name in ("json", "xml", "csv", "tsv"):
        assert serialize_result(result, name)
    with pytest.raises(AssertionError, match="converted a term"):
        list(result.rows)  # reading rows does convert: the patch is in effect


def test_json_is_the_same_from_every_engine(awkward: ox.Store) -> None:
    """Oxigraph's held answer and the same rows as rdflib terms write the same SPARQL JSON."""
    # rdflib writes doubles in its own lexical form (1000.0), so the graph has none here
    text = AWKWARD_QUERY.replace("?p ?o", "?p ?o FILTER(DATATYPE(?o) != xsd:double)")
    held = OxigraphBackend(awkward).run("PREFIX xsd: <http://www.w3.org/2001/XMLSchema#> " + text)
    plain = QueryResult("SELECT", held.variables, list(held.rows))
    assert json.loads(serialize_result(held, "json")) == json.loads(serialize_result(plain, "json"))


@pytest.mark.parametrize("name", ["json", "xml", "csv", "tsv"])
def test_ask_answers_in_every_format(name: str) -> None:
    result = QueryResult("ASK", boolean=True)
    assert b"true" in serialize_result(result, name)


def test_rdflib_engine_answers_like_oxigraph(awkward: ox.Store) -> None:
    from kzby_kg.rdf.load import to_graph

    text = "SELECT ?o WHERE { ?s ?p ?o FILTER(isLiteral(?o) && LANG(?o) != '') }"
    assert list(RdflibBackend(to_graph(awkward)).run(text).rows) == list(
        OxigraphBackend(awkward).run(text).rows
    )


@pytest.mark.parametrize(
    "term",
    [
        URIRef("http://example.org/é?q=1#f"),
        BNode("b1"),
        Literal("plain"),
        Literal("Қазақстан", lang="kk"),
        Literal("2020", datatype=XSD.gYear),
        Literal("x", datatype=URIRef("http://example.org/datatype")),
    ],
)
def test_term_conversions_round_trip(term: Any) -> None:
    assert from_ox(to_ox(term)) == term
    assert from_json(to_json(term)) == term
