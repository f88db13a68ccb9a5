"""Build writes the ontology documentation and the validation report page (slow tier: builds of
the article's graph, and the documentation regenerated from the ontology).

The fast tier compares the committed pages with freshly generated ones; here they are generated
again from shuffled parses, and a build writes them from nothing.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from rdflib import BNode, Graph

from kzby_kg.paths import ProjectPaths
from kzby_kg.pipeline import REPORT_PAGE, build
from kzby_kg.rdf.load import parse_turtle
from kzby_kg.views.ontology_docs import (
    DOC_FILES,
    DOCS_DIR,
    STAMPS,
    collect_terms,
    render_html,
    render_json,
)

from ..conftest import FIXTURES

pytestmark = pytest.mark.slow


def committed(paths: ProjectPaths) -> dict[str, bytes]:
    return {name: (paths.root / DOCS_DIR / name).read_bytes() for name in DOC_FILES}


def shuffled(graph: Graph) -> Graph:
    """The same triples in reverse order, with new blank-node labels, as another parse may
    give them."""
    fresh: dict[BNode, BNode] = {}
    copy = Graph()
    for s, p, o in sorted(graph, key=lambda t: tuple(map(str, t)), reverse=True):
        s2 = fresh.setdefault(s, BNode()) if isinstance(s, BNode) else s
        o2 = fresh.setdefault(o, BNode()) if isinstance(o, BNode) else o
        copy.add((s2, p, o2))
    return copy


def test_docs_do_not_depend_on_parse_order(paths: ProjectPaths) -> None:
    ontology, shapes = shuffled(parse_turtle(paths.ontology)), shuffled(parse_turtle(paths.shapes))
    terms = collect_terms(ontology, shapes)
    generated = {
        "index.html": render_html(terms, ontology).encode(),
        "terms.json": render_json(terms).encode(),
    }
    assert generated == committed(paths)


def test_build_writes_the_docs_and_the_same_report_twice(
    paths: ProjectPaths, project: ProjectPaths, tmp_path: Path
) -> None:
    shutil.rmtree(project.root / DOCS_DIR)
    steps: list[str] = []
    first = build(project, tmp_path / "one", progress=steps.append)
    assert first.report.conforms
    assert steps == [  # this copy has no datasets/manifest.json, so nothing to import
        "loading the ontology and data",
        "updating docs/ontology",
        "validating against the SHACL shapes",
        "writing dist/",
    ]
    assert [(str(p), s) for p, s in first.docs] == [
        (str(DOCS_DIR / name), "written") for name in DOC_FILES
    ]
    docs_dir = project.root / DOCS_DIR
    assert sorted(p.name for p in docs_dir.iterdir()) == sorted([*DOC_FILES, STAMPS])
    assert committed(project) == committed(paths)
    second = build(project, tmp_path / "two")
    assert {s for _, s in second.docs} == {"unchanged"}
    pages = [(tmp_path / d / REPORT_PAGE).read_bytes() for d in ("one", "two")]
    assert pages[0] == pages[1]
    page = pages[0].decode()
    assert "The graph conforms" in page and '<section id="warnings">' in page
    # a source-criticism warning of the article, with its focus node and the source it cites
    assert "kzd:commission-meeting-12" in page and "(kzd:ref-08) [8]" in page
    assert f"wrote: {tmp_path / 'one' / 'kzby-kg.ttl'}" in first.format()
    # each check links to its path's entry in this project's docs, relative to the page
    hrefs = set(re.findall(r'<a class="docs" href="([^"#]+)#([^"]+)"', page))
    assert hrefs
    docs_page = committed(project)["index.html"].decode()
    for href, anchor in hrefs:
        assert (tmp_path / "one" / href).resolve() == (docs_dir / "index.html").resolve()
        assert f'id="{anchor}"' in docs_page


def test_a_failed_build_writes_the_report_and_no_graph(
    project: ProjectPaths, tmp_path: Path
) -> None:
    shutil.copy(FIXTURES / "invalid" / "time.ttl", project.data_dir / "fx-time.ttl")
    out = tmp_path / "out"
    result = build(project, out)
    assert not result.report.conforms
    assert sorted(p.name for p in out.iterdir()) == [REPORT_PAGE]
    page = (out / REPORT_PAGE).read_text(encoding="utf-8")
    assert "The graph does not conform" in page
    violations = page[
        page.index('<section id="violations">') : page.index('<section id="warnings">')
    ]
    assert "kzd:fx-interval-backwards" in violations
    assert f"wrote {out / REPORT_PAGE} only: the graph has violations" in result.format()
