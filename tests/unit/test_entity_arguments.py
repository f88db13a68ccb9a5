"""Entity arguments: every function that takes an entity accepts a label (any language), a
CURIE, an IRI string or a URIRef, and an unknown or ambiguous name is an error that helps.

Tiny inline graphs and networks, so each test runs in milliseconds.
"""

from __future__ import annotations

import networkx as nx
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS

from kzby_kg.errors import AmbiguousEntityError, UnknownEntityError, UsageError
from kzby_kg.querying.engines import OxigraphBackend
from kzby_kg.querying.parameters import EntityNames, resolve_entity_values
from kzby_kg.rdf.namespaces import KZBY, KZD
from kzby_kg.views.describe import describe, resolve
from kzby_kg.views.timeline import timeline
from kzby_kg.views.traversal import neighbours, shortest_paths

ALPHA = KZD["alpha"]
BETA = KZD["beta"]

#: the four ways a caller may name kzd:alpha
SPELLINGS: dict[str, str | URIRef] = {
    "label": "Альфа",
    "curie": "kzd:alpha",
    "iri": str(ALPHA),
    "uriref": ALPHA,
}


@pytest.fixture(scope="module")
def tiny() -> Graph:
    """Two entities, one dated and cited fact joining them, and a code-list value that shares
    a name with an entity."""
    g = Graph()
    g.add((ALPHA, RDFS.label, Literal("Alpha", lang="en")))
    g.add((ALPHA, RDFS.label, Literal("Альфа", lang="ru")))
    g.add((BETA, RDFS.label, Literal("Beta", lang="en")))
    g.add((KZD["commission"], RDFS.label, Literal("Alpha-Beta intergovernmental commission")))
    g.add((KZD["keyword-beta"], RDF.type, SKOS.Concept))
    g.add((KZD["keyword-beta"], SKOS.prefLabel, Literal("Beta", lang="en")))
    # two entities of one name: only a CURIE can pick one
    for twin in ("gamma-1", "gamma-2"):
        g.add((KZD[twin], RDFS.label, Literal("Gamma", lang="en")))
    fact = KZD["meeting-1"]
    g.add((fact, RDF.type, KZBY.CommissionMeeting))
    g.add((fact, RDFS.label, Literal("First meeting", lang="en")))
    g.add((fact, DCTERMS.date, Literal("2015-06-01")))
    g.add((fact, DCTERMS.source, KZD["article"]))
    g.add((fact, KZBY.participant, ALPHA))
    g.add((fact, KZBY.participant, BETA))
    return g


@pytest.fixture(scope="module")
def net() -> nx.MultiDiGraph:
    """The network view's shape: CURIE nodes with labels per language."""
    n = nx.MultiDiGraph(view="entities")
    n.add_node("kzd:alpha", label="Alpha", label_en="Alpha", label_ru="Альфа")
    n.add_node("kzd:beta", label="Beta", label_en="Beta")
    n.add_node("kzd:delta", label="Delta", label_en="Delta")
    n.add_edge("kzd:alpha", "kzd:beta", key="k1", label="meets")
    n.add_edge("kzd:beta", "kzd:delta", key="k2", label="meets")
    return n


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_resolve_takes_every_spelling(tiny: Graph, spelling: str) -> None:
    assert resolve(tiny, SPELLINGS[spelling]) == ALPHA


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_describe_takes_every_spelling(tiny: Graph, spelling: str) -> None:
    description = describe(tiny, SPELLINGS[spelling])
    assert description.curie == "kzd:alpha"
    assert [f.node for f in description.facts] == ["kzd:meeting-1"]


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_timeline_takes_every_spelling(tiny: Graph, spelling: str) -> None:
    entries = timeline(tiny, SPELLINGS[spelling])
    assert [(e.sort_key, e.fact.node) for e in entries] == [("2015-06-01", "kzd:meeting-1")]


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_shortest_paths_take_every_spelling(net: nx.MultiDiGraph, spelling: str) -> None:
    paths = shortest_paths(net, SPELLINGS[spelling], "Delta")
    assert [[(s.source, s.target) for s in p] for p in paths] == [
        [("kzd:alpha", "kzd:beta"), ("kzd:beta", "kzd:delta")]
    ]


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_neighbours_take_every_spelling(net: nx.MultiDiGraph, spelling: str) -> None:
    assert neighbours(net, SPELLINGS[spelling], 2) == {"kzd:beta": 1, "kzd:delta": 2}


def test_a_code_list_value_gives_way_to_the_entity_of_its_name(tiny: Graph) -> None:
    assert resolve(tiny, "beta") == BETA


def test_an_ambiguous_label_lists_the_candidates(tiny: Graph) -> None:
    with pytest.raises(AmbiguousEntityError) as caught:
        resolve(tiny, "Gamma")
    assert [c for c, _ in caught.value.matches] == ["kzd:gamma-1", "kzd:gamma-2"]
    assert "Use a CURIE" in str(caught.value)


def test_an_unknown_curie_suggests_close_curies(tiny: Graph) -> None:
    with pytest.raises(UnknownEntityError) as caught:
        resolve(tiny, "kzd:alpah")
    assert caught.value.suggestions[0] == "Alpha (kzd:alpha)"


def test_an_iri_the_graph_lacks_is_unknown_not_silently_kept(tiny: Graph) -> None:
    with pytest.raises(UnknownEntityError):
        resolve(tiny, KZD["nowhere"])


def test_a_word_suggests_the_entities_whose_labels_contain_it_best_first(tiny: Graph) -> None:
    """`describe commission` must offer the commission itself: its CURIE's local name is the
    word, and its label contains it."""
    with pytest.raises(UnknownEntityError) as caught:
        resolve(tiny, "intergovernmental")
    assert caught.value.suggestions[0] == (
        "Alpha-Beta intergovernmental commission (kzd:commission)"
    )
    names = EntityNames()
    names.add("kzd:meeting", "Meeting of the commission")
    names.add("kzd:commission", "Alpha-Beta intergovernmental commission")
    names.add("kzby:ofCommission", "of commission", curie="kzby:ofCommission")
    assert names.suggest("commission") == [
        "Alpha-Beta intergovernmental commission (kzd:commission)",
        "Meeting of the commission (kzd:meeting)",
        "of commission (kzby:ofCommission)",
    ]


def test_a_network_name_that_is_no_node_is_refused_with_suggestions(
    net: nx.MultiDiGraph,
) -> None:
    with pytest.raises(UsageError, match=r"not a node of the entities view; did you mean: Delta"):
        neighbours(net, "Deltta")


def test_timeline_refuses_a_range_that_ends_before_it_starts(tiny: Graph) -> None:
    with pytest.raises(UsageError, match="--from 2016 is after --to 2014"):
        timeline(tiny, start="2016", end="2014")
    # the same year at two precisions is a possible range
    assert len(timeline(tiny, start="2015-06", end="2015")) == 1


# ---------------------------------------------------------------- stored questions' parameters


@pytest.fixture(scope="module")
def backend(tiny: Graph) -> OxigraphBackend:
    return OxigraphBackend.from_graph(tiny)


@pytest.mark.parametrize(
    ("given", "expected"),
    [("Альфа", ALPHA), ("alpha", ALPHA), ("kzd:alpha", ALPHA), (str(ALPHA), ALPHA)],
)
def test_entity_parameters_resolve_labels_curies_and_iris(
    backend: OxigraphBackend, given: str, expected: URIRef
) -> None:
    assert resolve_entity_values(backend, {"state": given}) == {"state": str(expected)}


def test_an_entity_parameter_typo_is_an_error_with_suggestions_not_zero_rows(
    backend: OxigraphBackend,
) -> None:
    with pytest.raises(UsageError) as caught:
        resolve_entity_values(backend, {"state": "kzd:alphaa"})
    message = str(caught.value)
    assert message.startswith("parameter 'state': no entity matches 'kzd:alphaa'")
    assert "Alpha (kzd:alpha)" in message


def test_an_ambiguous_entity_parameter_lists_the_candidates(backend: OxigraphBackend) -> None:
    with pytest.raises(UsageError, match=r"parameter 'x': 'Gamma' is ambiguous.*kzd:gamma-1"):
        resolve_entity_values(backend, {"x": "Gamma"})


@pytest.mark.parametrize("spelling", ["Беларусь", KZD.belarus])  # a label costs 0.3 s
def test_a_stored_question_takes_every_spelling(store: object, spelling: object) -> None:
    """kzby_kg.query's entity parameters resolve as the CLI's do."""
    from kzby_kg.querying.questions import query

    backend = OxigraphBackend(store)  # type: ignore[arg-type]
    expected = query("memberships-of-state", backend, state="kzd:belarus").rows
    assert expected and query("memberships-of-state", backend, state=spelling).rows == expected


@pytest.mark.slow  # the suggestions index the whole store (0.3 s)
def test_a_stored_question_refuses_an_unknown_entity_with_matches(store: object) -> None:
    from kzby_kg.querying.questions import query

    with pytest.raises(UsageError, match=r"parameter 'state'.*Belarus \(kzd:belarus\)"):
        query("memberships-of-state", OxigraphBackend(store), state="kzd:belaruss")  # type: ignore[arg-type]


def test_python_sparql_takes_the_project_prefixes_and_errs_in_one_line(store: object) -> None:
    """kzby_kg.sparql as the command line: no PREFIX needed for kzby:, one line per error."""
    from kzby_kg.errors import QueryError
    from kzby_kg.querying.questions import sparql

    backend = OxigraphBackend(store)  # type: ignore[arg-type]
    states = sparql("SELECT ?s WHERE { ?s a kzby:SovereignState }", backend).rows
    assert (KZD.belarus,) in states
    with pytest.raises(QueryError) as caught:
        sparql("SELECT ?s WHERE { ?s a kzby:SovereignState ", backend)
    assert "\n" not in str(caught.value) and "line 1" in str(caught.value)


def test_the_network_functions_take_an_abbreviation() -> None:
    """to_networkx keeps alternative names and abbreviations, so shortest_paths and
    neighbours take "EAEU" as describe does."""
    from kzby_kg.views.networks import to_networkx

    g = Graph()
    union, state = KZD["eaeu"], KZD["belarus"]
    g.add((union, RDFS.label, Literal("Eurasian Economic Union", lang="en")))
    g.add((union, KZBY.abbreviation, Literal("EAEU")))
    g.add((union, SKOS.altLabel, Literal("ЕАЭС", lang="ru")))
    g.add((state, RDFS.label, Literal("Belarus", lang="en")))
    g.add((state, KZBY.memberOf, union))  # the full view makes an edge of every triple
    net = to_networkx(g, view="full")
    assert net.nodes["kzd:eaeu"]["other_names"] == "EAEU | ЕАЭС"
    assert neighbours(net, "ЕАЭС") == neighbours(net, "kzd:eaeu")
    assert shortest_paths(net, "Belarus", "EAEU") == shortest_paths(net, "kzd:belarus", "kzd:eaeu")
