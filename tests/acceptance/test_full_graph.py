"""The full graph: the article's facts with the three vendored tables (datasets/manifest.json),
reconciled with them. Each test is a bullet of the imports issue: releases, reconciliation of
COW's memberships, one row per state and organisation, severities that keep the article's
findings in view, views that default to the article's scope."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest

from kzby_kg.importing.vendored import vendor
from kzby_kg.paths import ProjectPaths
from kzby_kg.querying.catalogue import StoredQuery
from kzby_kg.querying.engines import OxigraphBackend
from kzby_kg.rdf.load import load_store
from kzby_kg.validation.report import Report


@pytest.fixture(scope="module")
def full(paths: ProjectPaths) -> OxigraphBackend:
    return OxigraphBackend(load_store(paths, scope="full"))


@pytest.fixture(scope="module")
def article(store: ox.Store) -> OxigraphBackend:
    return OxigraphBackend(store)


KZD = "https://w3id.org/kzby-kg/id/"
PREFIXES = "".join(
    f"PREFIX {p}: <{ns}>\n"
    for p, ns in {
        "kzd": "https://w3id.org/kzby-kg/id/",
        "kzby": "https://w3id.org/kzby-kg/ontology#",
        "org": "http://www.w3.org/ns/org#",
        "prov": "http://www.w3.org/ns/prov#",
        "dcterms": "http://purl.org/dc/terms/",
        "time": "http://www.w3.org/2006/time#",
        "qb": "http://purl.org/linked-data/cube#",
    }.items()
)


def ask(backend: OxigraphBackend, text: str) -> Any:
    return backend.run(PREFIXES + text)


def answer(backend: OxigraphBackend, query: StoredQuery, **params: str) -> list[dict[str, Any]]:
    result = backend.run(query.text, query.bindings(params))
    return [{k: (None if v is None else str(v)) for k, v in row.items()} for row in result.dicts()]


def test_the_vendored_tables_are_up_to_date(paths: ProjectPaths) -> None:
    """data/vendored/ was built from today's ontology, data, mappings and files: a change to
    any of them needs `make build` (which re-imports) before it is committed."""
    stale = [t.output.name for t in vendor(paths, check_only=True) if t.status != "unchanged"]
    assert not stale, f"run `make build`: {stale} no longer match their inputs"


@pytest.mark.parametrize("as_of", ["2016-01-01", "2020-01-01", "2024-08-01"])
def test_as_of_answers_are_the_same_with_and_without_the_cow_panel(
    article: OxigraphBackend,
    full: OxigraphBackend,
    queries: dict[str, StoredQuery],
    as_of: str,
) -> None:
    """After the panel's last year (2014), COW adds nothing; EurAsEC is not live in 2016."""
    query = queries["shared-unions-on-date"]
    assert answer(full, query, as_of=as_of) == answer(article, query, as_of=as_of)
    assert "https://w3id.org/kzby-kg/id/eurasec" not in {
        r["organisation"] for r in answer(full, query, as_of=as_of)
    }


def test_before_2015_cow_adds_only_organisations(
    article: OxigraphBackend, full: OxigraphBackend, queries: dict[str, StoredQuery]
) -> None:
    """In 2012 the article's five organisations answer as before, once each, and COW adds the
    organisations the graph does not hold."""
    query = queries["shared-unions-on-date"]
    own = answer(article, query, as_of="2012-06-01")
    both = answer(full, query, as_of="2012-06-01")
    organisations = [r["organisation"] for r in both]
    assert len(organisations) == len(set(organisations)), "one row per organisation"
    assert all(row in both for row in own)
    extra = {r["organisation"] for r in both} - {r["organisation"] for r in own}
    assert extra and all("/cow-igo-" in o for o in extra)


def test_members_of_a_union_once_each(
    article: OxigraphBackend, full: OxigraphBackend, queries: dict[str, StoredQuery]
) -> None:
    query = queries["members-of-union"]
    for union in ("kzd:eurasec", "kzd:cis", "kzd:csto", "kzd:sco"):
        assert answer(full, query, union=union, as_of="2012-06-01") == answer(
            article, query, union=union, as_of="2012-06-01"
        ), union


def test_cow_memberships_reconcile_instead_of_piling_up(full: OxigraphBackend) -> None:
    """Agreeing spells (the CIS) add no membership; COW's SCO and CSTO years, already recorded
    as deprecated statements, add none either; a disagreeing spell (EurAsEC from 2000) is a
    membership of its own with a finding; runs to 2014 are observed until then, not open."""
    held = ask(
        full,
        """ASK { ?m org:member kzd:kazakhstan ; org:organization ?o ;
                   prov:wasGeneratedBy ?import . FILTER (?o IN (kzd:cis, kzd:sco, kzd:csto)) }""",
    )
    assert held.boolean is False
    rows = ask(
        full,
        """SELECT ?finding WHERE { ?finding a kzby:DataQualityFinding ;
             kzby:affects kzd:membership-eurasec-kazakhstan ; dcterms:source kzd:cow-igo-v3 ;
             kzby:findingType kzd:finding-sources-disagree }""",
    )
    assert len(rows.rows) == 1
    open_ended = ask(
        full,
        """SELECT ?m WHERE { ?m dcterms:source kzd:cow-igo-v3 ; org:memberDuring ?i .
             FILTER NOT EXISTS { ?i time:hasEnd ?e } FILTER NOT EXISTS { ?m kzby:observedUntil ?y }
             ?m prov:wasGeneratedBy ?import }""",
    )
    assert open_ended.rows == [], "a COW run without an end must say when it was last observed"


def test_imported_facts_cite_their_release(full: OxigraphBackend) -> None:
    """Every fact an import generated cites a release of a series, and its IRI names it."""
    rows = ask(
        full,
        """SELECT ?fact ?source WHERE { ?fact prov:wasGeneratedBy ?import ; dcterms:source ?source .
             FILTER NOT EXISTS { ?source dcterms:isVersionOf ?series } }""",
    )
    assert rows.rows == [], "imported facts whose source is not a release"
    keys = ask(
        full,
        """SELECT ?fact WHERE { ?fact prov:wasGeneratedBy ?import ; dcterms:source ?release ;
             a qb:Observation .
             FILTER (!CONTAINS(STR(?fact), REPLACE(STR(?release), "^.*/", ""))) }""",
    )
    assert keys.rows == [], "an observation's IRI must carry its release"


def test_stocks_have_an_instant_and_flows_an_interval(full: OxigraphBackend) -> None:
    """A stock (diaspora, migrant stock, plants, meetings held so far) is counted at an instant
    (kzby:refTime) in the precision its source gives; a flow (trade, oil carried) covers an
    interval (kzby:refPeriod or kzby:period). No figure is both, and none is neither."""
    kinds = ask(
        full,
        """SELECT ?kind (COUNT(?f) AS ?n) WHERE { ?f kzby:stockOrFlow ?kind } GROUP BY ?kind""",
    )
    counts = {str(r["kind"]): int(str(r["n"])) for r in kinds.dicts()}
    assert counts[KZD + "sto-flow"] == 16 + 4, "the 16 trade observations and 4 other flows"
    assert counts[KZD + "sto-stock"] >= 5 + 1200, "the article's 5 stocks and UN DESA's"
    wrong = ask(
        full,
        """SELECT ?f WHERE {
             { ?f kzby:stockOrFlow kzd:sto-stock ; kzby:refPeriod|kzby:period ?t }
             UNION { ?f kzby:stockOrFlow kzd:sto-stock . FILTER NOT EXISTS { ?f kzby:refTime ?t } }
             UNION { ?f kzby:stockOrFlow kzd:sto-flow ; kzby:refTime ?t }
             UNION { ?f kzby:stockOrFlow kzd:sto-flow .
                     FILTER NOT EXISTS { ?f kzby:refPeriod|kzby:period ?t } }
             UNION { ?f a qb:Observation . FILTER NOT EXISTS { ?f kzby:stockOrFlow ?k } } }""",
    )
    assert wrong.rows == []
    diaspora = ask(
        full,
        """SELECT ?t WHERE {
             kzd:diaspora-belarusians-kz kzby:refTime ?t ; kzby:stockOrFlow kzd:sto-stock }""",
    )
    assert [str(r["t"]) for r in diaspora.dicts()] == ["2020"], "a year ('now', 2020): no day"


def test_the_article_and_un_desa_side_by_side(
    full: OxigraphBackend, queries: dict[str, StoredQuery]
) -> None:
    rows = answer(full, queries["mirror-statistics"])
    kinds = {r["kind"] for r in rows}
    assert "ethnic group (article) against country of birth (UN DESA)" in kinds
    stock = answer(full, queries["migrant-stock"])
    assert {r["source"] for r in stock} == {"https://w3id.org/kzby-kg/id/undesa-ims-2020"}
    assert next(r for r in stock if r["year"] == "2020")["total"] == "72761"


def test_imported_labels_are_infos_and_the_findings_stay_in_view(paths: ProjectPaths) -> None:
    """1,600 catalogue agreements with English titles only are Infos: the warnings are the
    article's 36, counted by check."""
    from kzby_kg.rdf.load import project_files
    from kzby_kg.validation.validator import validate_files

    report: Report = validate_files(project_files(paths), paths.shapes, validator="sparql")
    assert report.conforms
    assert len(report.warnings) == 36
    assert sum(n for _, n in report.by_check("Warning")) == 36
    infos = [r for r in report.infos if "English titles only" in r.message]
    assert len(infos) > 1000


def test_views_default_to_the_article_and_say_what_they_hid(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from kzby_kg.cli.main import main

    assert main(["neighbours", "Belarus", "--depth", "2"]) == 0
    out = capsys.readouterr()
    assert len(out.out.splitlines()) < 100
    assert "facts of the vendored and imported tables are not shown" in out.err
    assert main(["neighbours", "Belarus", "--depth", "2", "--scope", "full"]) == 0
    out = capsys.readouterr()
    assert len(out.out.splitlines()) > 1000 and "not shown" not in out.err


def test_a_file_other_than_the_described_one_needs_its_release(
    paths: ProjectPaths, tmp_path: Path
) -> None:
    from kzby_kg.errors import UsageError
    from kzby_kg.importing.importer import choose_release, load_mapping

    mapping = load_mapping("undesa-migrant-stock", paths)
    other = tmp_path / "undesa_ims2024.csv"
    other.write_text("year\n", encoding="utf-8")
    with pytest.raises(UsageError, match=r"--release: name the release of undesa_ims2024\.csv"):
        choose_release(mapping, other, None)
    release = choose_release(mapping, other, "2024")
    assert str(release.iri) == "https://w3id.org/kzby-kg/id/undesa-ims-2024"


def test_entity_pages_default_to_the_article_and_link_the_rest(paths: ProjectPaths) -> None:
    """A state's page lists the article's facts and counts the catalogue's agreements."""
    from rdflib import URIRef

    from kzby_kg.rdf.load import load
    from kzby_kg.web.pages import entity_html

    graph = load(paths, scope="full")
    belarus = URIRef("https://w3id.org/kzby-kg/id/belarus")
    article_page = entity_html(graph, belarus)
    full_page = entity_html(graph, belarus, scope="full")
    assert "facts of imported tables are not shown" in article_page
    assert 'href="/id/belarus?scope=full"' in article_page
    assert len(full_page) > 5 * len(article_page)
    assert "not shown" not in full_page
