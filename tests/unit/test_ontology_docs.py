"""The ontology documentation (docs/ontology/) and the validation report page.

The documentation is committed and generated from ontology/ by ``kzby-kg build``. Here its
stamp is checked against the checksum of its inputs (as data/vendored/inputs.json is), which
takes a millisecond, and the committed page is read for what it must show; the slow tier
regenerates it and compares bytes (tests/slow/test_build_docs.py). The report page is tested on
a report of three results over an inline graph of a few triples.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from html import escape
from pathlib import Path

import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SH, SKOS

from kzby_kg.paths import ProjectPaths
from kzby_kg.pipeline import BuildResult
from kzby_kg.rdf.curies import compact
from kzby_kg.rdf.load import parse_turtle
from kzby_kg.rdf.namespaces import KZBY, KZD
from kzby_kg.validation.report import Report, Result
from kzby_kg.views.ontology_docs import (
    DOC_FILES,
    DOCS_DIR,
    STAMPS,
    inputs_digest,
    ontology_docs,
    write_ontology_docs,
)
from kzby_kg.views.validation_page import fact_sources, validation_html

#: the types whose terms the brief promises to document
DECLARED = (
    OWL.Class,
    RDFS.Class,
    OWL.ObjectProperty,
    OWL.DatatypeProperty,
    OWL.AnnotationProperty,
    RDF.Property,
)
ENTRY = re.compile(r'<section class="term" id="([^"]+)">(.*?)</section>', re.S)


@pytest.fixture(scope="module")
def ontology(paths: ProjectPaths) -> Graph:
    return parse_turtle(paths.ontology)


@pytest.fixture(scope="module")
def page(paths: ProjectPaths) -> str:
    return (paths.root / DOCS_DIR / "index.html").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def entries(page: str) -> dict[str, str]:
    """Each term's entry on the page, by its anchor."""
    return {m.group(1): m.group(2) for m in ENTRY.finditer(page)}


def entry(entries: dict[str, str], iri: str) -> str:
    """The HTML of one term's entry, found by its anchor (its CURIE with - for :)."""
    anchor = escape(compact(iri).replace(":", "-"))
    assert anchor in entries, f"{compact(iri)} is not documented"
    return entries[anchor]


def test_committed_docs_are_stamped_with_todays_inputs(paths: ProjectPaths) -> None:
    """docs/ontology/ is committed so that it shows in the repository; its stamp must be the
    checksum of today's ontology, shapes and generator, or a reader is shown a stale ontology."""
    folder = paths.root / DOCS_DIR
    assert sorted(p.name for p in folder.iterdir()) == sorted([*DOC_FILES, STAMPS])
    stamp = json.loads((folder / STAMPS).read_text(encoding="utf-8"))["inputs"]
    assert stamp == inputs_digest(paths), (
        f"{DOCS_DIR} is out of date with ontology/: run `make build` and commit it"
    )
    assert {s for _, s in write_ontology_docs(paths, check_only=True)} == {"unchanged"}


def test_committed_docs_are_the_bytes_the_ontology_gives_today(paths: ProjectPaths) -> None:
    """The stamp is only build's cache key; what a reader sees is the pages, so they are
    regenerated (half a second) and compared byte for byte."""
    generated = ontology_docs(paths)
    for name in DOC_FILES:
        assert (paths.root / DOCS_DIR / name).read_bytes() == generated[name], (
            f"{DOCS_DIR / name} differs from what ontology/ gives: run `make build` and commit it"
        )


def test_every_declared_term_appears_with_every_label_and_definition(
    ontology: Graph, entries: dict[str, str]
) -> None:
    declared = {
        s for t in DECLARED for s in ontology.subjects(RDF.type, t) if isinstance(s, URIRef)
    }
    assert len(declared) > 100
    for term in sorted(declared):
        found = entry(entries, str(term))
        labels = [v for v in ontology.objects(term, RDFS.label) if isinstance(v, Literal)]
        assert labels or not str(term).startswith(str(KZBY)), f"{term} has no label"
        for value in labels:
            lang = value.language
            line = f'<li lang="{lang}"><span class="lang">{lang}</span> {escape(str(value))}</li>'
            assert line in found, f"{compact(str(term))}: label {value!r} missing"
        for definition in ontology.objects(term, SKOS.definition):
            assert escape(str(definition)) in found


def test_belarusian_labels_get_their_own_line(entries: dict[str, str]) -> None:
    """One line per language, never run together (the reason pyLODE 3.3 was not used)."""
    lines = re.findall(r'<li lang="(\w+)">', entry(entries, str(KZBY.CapitalStatus)))
    assert lines == ["en", "ru", "kk", "be"]


def test_shapes_are_listed_with_the_terms_they_constrain(
    shapes: Graph, entries: dict[str, str]
) -> None:
    for shape, cls in shapes.subject_objects(SH.targetClass):
        assert f"<code>{escape(compact(str(shape)))}</code>" in entry(entries, str(cls))
    named_property_shapes = [
        (s, p)
        for s, p in shapes.subject_objects(SH.path)
        if isinstance(s, URIRef) and isinstance(p, URIRef)
    ]
    assert named_property_shapes
    for shape, path in named_property_shapes:
        found = entry(entries, str(path))
        assert f"<code>{escape(compact(str(shape)))}</code>" in found
        for message in shapes.objects(shape, SH.message):
            assert escape(str(message)) in found


def test_a_shape_shows_its_severity_and_message(entries: dict[str, str]) -> None:
    item = re.search(
        r"<li><span class=\"sev sev-warning\">Warning</span> <code>kzs:labelRu</code>.*?</li>",
        entry(entries, str(RDFS.label)),
        re.S,
    )
    assert item is not None and "has no Russian label" in item.group(0)


def test_message_placeholders_show_as_slots_not_as_sparql(page: str) -> None:
    """``{?value}`` is how SHACL spells a slot; a reader of the docs sees the slot's name."""
    assert re.search(r"\{[?$]\w+\}", page) is None
    assert "<var>value</var>" in page


def test_no_term_has_an_empty_definition(entries: dict[str, str]) -> None:
    """A reused term's definition is its vocabulary's: the entry says where to read it."""
    assert [a for a, html in entries.items() if '<div class="definition"></div>' in html] == []
    assert 'Defined by its vocabulary: <a href="https://www.w3.org/TR/vocab-org/">' in (
        entry(entries, "http://www.w3.org/ns/org#Membership")
    )


def test_reused_terms_name_their_vocabulary_and_alignments(entries: dict[str, str]) -> None:
    state = entry(entries, str(KZBY.SovereignState))
    assert "subclass of" in state and 'href="#foaf-Agent"' in state
    reused = entry(entries, "http://www.w3.org/ns/org#Membership")
    assert "The Organization Ontology" in reused and "(reused)" in reused


def test_pages_are_self_contained(paths: ProjectPaths, page: str, entries: dict[str, str]) -> None:
    index = (paths.root / DOCS_DIR / "terms.json").read_text(encoding="utf-8")
    for text in (page, index):
        assert "<script" not in text and "<link" not in text and " src=" not in text
        assert "url(" not in text and "@import" not in text
    assert sorted(t["anchor"] for t in json.loads(index)) == sorted(entries)


# --- the validation report page ---------------------------------------------------------------


@pytest.fixture
def small() -> tuple[Report, Graph]:
    g = Graph()
    table, obs, ref = KZD["fx-table"], KZD["fx-obs"], KZD["fx-ref"]
    g.add((ref, RDFS.label, Literal("Reference 5", lang="en")))
    g.add((table, DCTERMS.source, ref))
    g.add((table, KZBY.citationMarker, Literal("[5]")))
    g.add((obs, URIRef("http://purl.org/linked-data/cube#dataSet"), table))
    g.add((obs, RDFS.label, Literal("Export, 2010", lang="en")))

    def result(severity: str, message: str, path: str | None = "kzby:tradeValue") -> Result:
        return Result(severity, obs, "Export, 2010", "kzd:fx-obs", path, "464.8", message, "kzs:S")

    report = Report(
        [
            result("Warning", "a <doubtful> figure"),
            result("Warning", "another doubt"),
            result("Info", "rests on the article", path=None),
        ],
        validator="test",
    )
    return report, g


def test_an_observation_cites_through_its_data_set(small: tuple[Report, Graph]) -> None:
    _, g = small
    assert fact_sources(g, KZD["fx-obs"]) == ["Reference 5 (kzd:fx-ref) [5]"]
    assert fact_sources(g, KZD["fx-ref"]) == []


def test_report_page_groups_by_severity_and_check(small: tuple[Report, Graph]) -> None:
    report, g = small
    html = validation_html(report, g)
    assert "The graph conforms" in html and "0 violations, 2 warnings, 1 infos" in html
    warnings = html.index('<section id="warnings">')
    infos = html.index('<section id="infos">')
    group = html[warnings:infos]
    assert "<code>kzs:S [kzby:tradeValue]</code> · 2" in group
    assert group.count("<tr><td>Export, 2010<br><code>kzd:fx-obs</code></td>") == 2
    assert "a &lt;doubtful&gt; figure" in group and "<doubtful>" not in group
    assert "464.8" in group and "Reference 5 (kzd:fx-ref) [5]" in group
    assert "rests on the article" in html[infos:]
    assert html == validation_html(report, g)


def test_report_page_does_not_depend_on_result_order_or_blank_node_labels(
    small: tuple[Report, Graph],
) -> None:
    report, g = small

    def interval(label: str) -> Result:
        return Result("Warning", BNode(), label, f"_:{label}", None, None, "ends early", "kzs:B")

    report.results += [interval("b1"), interval("a1")]
    html = validation_html(report, g)
    again = Report(list(reversed(report.results)), validator=report.validator)
    assert validation_html(again, g) == html
    assert "_:" not in html and html.count("<code>(blank node)</code>") == 2


def test_report_page_links_each_check_to_its_path_in_the_docs(
    small: tuple[Report, Graph], entries: dict[str, str]
) -> None:
    report, g = small
    html = validation_html(report, g, docs_href="../docs/ontology/index.html")
    assert 'href="../docs/ontology/index.html#kzby-tradeValue"' in html
    assert "kzby-tradeValue" in entries  # the anchor it points at
    assert '<a href="../docs/ontology/index.html">' in html
    assert "docs/ontology/index.html#" not in validation_html(report, g)


def test_report_page_says_when_the_graph_does_not_conform(small: tuple[Report, Graph]) -> None:
    report, g = small
    report.results.append(
        Result("Violation", KZD["fx-obs"], "Export, 2010", "kzd:fx-obs", None, None, "bad", "kzs:V")
    )
    html = validation_html(report, g)
    assert "does not conform: 1 violations" in html
    assert html.index('<section id="violations">') < html.index(">bad<")


def test_build_summary_names_the_report_and_the_docs(small: tuple[Report, Graph]) -> None:
    report, _ = small
    docs = [(DOCS_DIR / "index.html", "unchanged"), (DOCS_DIR / "terms.json", "written")]
    done = BuildResult(1, Counter(), report, [Path("dist/kzby-kg.ttl")])
    done.report_page, done.docs = Path("dist/validation.html"), docs
    lines = done.format().splitlines()
    assert lines[-2] == "wrote: dist/kzby-kg.ttl, dist/validation.html"
    assert lines[-1] == (
        "ontology docs: docs/ontology/index.html (unchanged), docs/ontology/terms.json (written)"
    )
    failed = BuildResult(1, Counter(), report)
    failed.report_page = Path("dist/validation.html")
    assert "wrote dist/validation.html only: the graph has violations" in failed.format()
