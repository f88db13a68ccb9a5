"""The served site as a reader meets it: labels in result cells, entity pages in every language,
links that resolve, the report and the ontology docs, the query page's parameter forms.

The fast tests share one server started on the session's graph and store (no second load of
the graph); the report and the ontology docs come from a small project folder made here, so
what they test does not wait on the build. The full graph's Belarus page and the browser run
in the slow tier.
"""

from __future__ import annotations

import html
import json
import re
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS

from kzby_kg.paths import ProjectPaths
from kzby_kg.querying.catalogue import StoredQuery
from kzby_kg.querying.engines import open_backend
from kzby_kg.web.app import make_server, serve_graph
from kzby_kg.web.links import LANGUAGES, MAX_LABELS, Labeller, kzd_href, local_of, ui
from kzby_kg.web.pages import entity_html
from kzby_kg.web.policy import Limits

from .test_serving import call

KZD = "https://w3id.org/kzby-kg/id/"
ROOT = Path(__file__).resolve().parents[2]


def serve(
    graph: Graph,
    backend_store: ox.Store | None,
    paths: ProjectPaths,
    queries: dict[str, StoredQuery],
    report: Callable[[str], str] | None = None,
) -> tuple[str, object, object]:
    backend = open_backend("oxigraph", loaded=backend_store, graph=graph)
    # no worker is started ahead (0.4-0.7 s each): these pages read the graph, not the pool,
    # and a query would still get a worker of the light lanes on demand
    limits = Limits(max_concurrent=0, light_lanes=1, timeout=5.0)
    server, pool = serve_graph("127.0.0.1", 0, graph, backend, limits, paths, queries, report)
    # a short poll: shutdown() waits for it
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    host, port = server.server_address[:2]
    return f"http://{host}:{port}", server, pool


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> ProjectPaths:
    """A project folder with ontology docs and no report yet."""
    root = tmp_path_factory.mktemp("project")
    docs = root / "docs" / "ontology"
    docs.mkdir(parents=True)
    (docs / "index.html").write_text("<!doctype html><title>ontology docs</title>kzby:Agreement")
    (docs / "terms.ttl").write_text("@prefix kzby: <https://w3id.org/kzby-kg/ontology#> .\n")
    (docs / ".hidden.html").write_text("secret")
    (docs / "notes.py").write_text("print('not served')")
    (root / "secret.txt").write_text("outside the docs")
    return ProjectPaths(root)


@pytest.fixture(scope="module")
def site(
    graph: Graph, store: ox.Store, project: ProjectPaths, queries: dict[str, StoredQuery]
) -> Iterator[str]:
    url, server, pool = serve(graph, store, project, queries)
    yield url
    server.shutdown()  # type: ignore[attr-defined]
    pool.close()  # type: ignore[attr-defined]


def get(url: str, **headers: str) -> tuple[int, str]:
    status, _, body = call(url, headers=headers)
    return status, body.decode("utf-8")


def redirect_of(url: str) -> tuple[int, str | None]:
    """The status and Location of an answer, not followed."""

    class Stay(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: object, **kwargs: object) -> None:
            return None

    try:
        with urllib.request.build_opener(Stay).open(url, timeout=30) as response:
            return response.status, response.headers.get("Location")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("Location")


def ready(url: str, seconds: float = 300) -> str:
    """A page that answers 503 while it is being built, once it is there."""
    deadline = time.monotonic() + seconds
    while True:
        status, body = get(url)
        if status != 503 or time.monotonic() > deadline:
            assert status == 200, body[:300]
            return body
        time.sleep(0.02 if seconds < 60 else 1.0)


def links(page: str, prefix: str = "/") -> list[str]:
    """The site's own links on a page (href values, unescaped)."""
    return [html.unescape(h) for h in re.findall(r'href="([^"]*)"', page) if h.startswith(prefix)]


# ---------------------------------------------------------------- words


def test_every_word_is_in_every_language() -> None:
    raw = json.loads((ROOT / "src/kzby_kg/static/strings.json").read_text("utf-8"))
    words = {k: v for k, v in raw.items() if not k.startswith("_")}
    assert len(words) > 20
    for key, by_lang in words.items():
        assert set(by_lang) == set(LANGUAGES), key
        assert all(text.strip() for text in by_lang.values()), key
        holes = {re.findall(r"\{\w+\}", text).__str__() for text in by_lang.values()}
        assert len(holes) == 1, f"{key}: every language fills the same values"
    assert ui("kk")["source"] == "дереккөз" and ui("be")["names"] == "назвы"


def test_the_query_page_reads_the_same_words(site: str) -> None:
    status, headers, body = call(f"{site}/static/strings.json")
    assert status == 200 and headers["Content-Type"].startswith("application/json")
    assert json.loads(body)["run"]["be"] == ui("be")["run"]


# ---------------------------------------------------------------- entity pages


@pytest.mark.parametrize(
    ("lang", "heading", "type_name", "name"),
    [
        ("en", "names", "city", "Gomel"),
        ("ru", "названия", "город", "Гомель"),
        ("kk", "атаулары", "қала", "Гомель"),
        ("be", "назвы", "горад", "Гомель"),
    ],
)
def test_entity_page_in_each_language(
    site: str, lang: str, heading: str, type_name: str, name: str
) -> None:
    status, page = get(f"{site}/id/gomel?lang={lang}")
    assert status == 200
    words = ui(lang)
    assert f'<html lang="{lang}">' in page and f"<h1>{name}</h1>" in page
    assert f"<h2>{heading}</h2>" in page and f"{words['source']}:" in page
    assert f"{words['types']}: {type_name}" in page and words["report"] in page
    others = {
        "/id/gomel" + ("" if other == "en" else f"?lang={other}")
        for other in LANGUAGES
        if other != lang
    }
    assert others <= set(links(page, "/id/gomel")), "the page in the other languages"
    entity_links = [h for h in links(page, "/id/") if not h.startswith("/id/gomel")]
    assert len(entity_links) >= 2 and "/id/belarus" + ("" if lang == "en" else f"?lang={lang}") in (
        entity_links
    )
    if lang != "en":
        assert all(h.endswith(f"lang={lang}") for h in entity_links), "links keep the language"


def test_an_unknown_language_is_refused_by_name(site: str) -> None:
    status, body = get(f"{site}/id/gomel?lang=fr")
    assert status == 400 and body.startswith("lang: 'fr' is not one of en, ru, kk, be")


def test_header_links_the_query_page_report_and_ontology_docs(site: str) -> None:
    _, page = get(f"{site}/id/gomel?lang=ru")
    header = page.split("<header>", 1)[1].split("</header>", 1)[0]
    assert {"/?lang=ru", "/report?lang=ru", "/docs/ontology/"} <= set(links(header))
    _, index = get(f"{site}/")
    header = index.split("<header>", 1)[1].split("</header>", 1)[0]
    assert {"/report", "/docs/ontology/", "/api"} <= set(links(header))


# ---------------------------------------------------------------- links that resolve


def test_links_to_iris_with_escaped_characters_come_back_to_them() -> None:
    """Local parts that hold %3A, a slash, a colon or Cyrillic letters: the link decodes to the
    same IRI, and a request for the IRI's own path (what a w3id redirect sends) finds it too."""
    for local in ("agreement-AB_2000E3%3AMARPOL_1973A", "a/b", "x:y", "город-минск", "a%2Fb"):
        iri = KZD + local
        href = kzd_href(iri, "ru")
        path, _, query = href.partition("?")
        assert query == "lang=ru" and path.startswith("/id/")
        assert "%" not in path[4:] or re.fullmatch(r"[A-Za-z0-9_.~%-]*", path[4:])
        assert local_of(path[4:])[0] == local
    assert "agreement-AB%3AC" in local_of("agreement-AB%3AC")


def test_every_link_of_a_page_with_awkward_iris_resolves() -> None:
    """A tiny graph with the IRIs that broke Belarus's page (fast: no graph loaded)."""
    graph = Graph()
    state = URIRef(KZD + "state")
    graph.add((state, RDFS.label, Literal("State", lang="en")))
    graph.add((state, RDF.type, URIRef("https://w3id.org/kzby-kg/ontology#SovereignState")))
    for local in ("agreement-AB_2000E3%3AMARPOL_1973A", "x/y", "z:w"):
        node = URIRef(KZD + local)
        graph.add((node, URIRef("https://w3id.org/kzby-kg/ontology#party"), state))
        graph.add((node, RDFS.label, Literal(f"agreement {local}", lang="en")))
    graph.add((state, RDFS.seeAlso, URIRef("http://example.org/elsewhere")))
    labeller = Labeller(graph)
    page = entity_html(graph, state, "kk", labeller=labeller)
    found = links(page, "/id/")
    assert len([h for h in found if "format=" not in h and "lang=kk" in h]) >= 3
    for href in found:
        path = urllib.parse.urlsplit(href).path
        assert any(labeller.described(URIRef(KZD + c)) for c in local_of(path[4:])), href
    assert 'href="http://example.org/elsewhere"' in page and 'rel="external"' in page


def test_iris_outside_kzd_have_a_page_or_link_out(site: str) -> None:
    state = "https://w3id.org/kzby-kg/ontology#SovereignState"
    status, page = get(f"{site}/iri?{urllib.parse.urlencode({'iri': state, 'lang': 'ru'})}")
    assert status == 200 and "<h1>суверенное государство</h1>" in page
    assert "/id/belarus?lang=ru" in links(page, "/id/")
    kzd_iri = f"{site}/iri?iri={urllib.parse.quote(KZD + 'gomel')}&lang=kk"
    assert redirect_of(kzd_iri) == (303, "/id/gomel?lang=kk")
    status, body = get(f"{site}/iri?iri=http://example.org/nothing")
    assert status == 404 and "says nothing about http://example.org/nothing" in body
    status, body = get(f"{site}/iri?iri=not%20an%20iri")
    assert status == 400 and body.startswith("iri:")


# ---------------------------------------------------------------- labels for result cells


def test_labels_of_a_page_of_results_in_one_request(site: str) -> None:
    iris = [KZD + "belarus", KZD + "gomel", "https://w3id.org/kzby-kg/ontology#City"]
    iris.append("http://www.wikidata.org/entity/Q184")
    body = json.dumps({"lang": "ru", "iris": iris}).encode()
    status, _, answer = call(f"{site}/labels", body, {"Content-Type": "application/json"})
    assert status == 200
    labels = json.loads(answer)["labels"]
    assert labels[KZD + "belarus"] == {
        "label": "Беларусь",
        "curie": "kzd:belarus",
        "href": "/id/belarus?lang=ru",
        "external": False,
    }
    assert labels[iris[2]]["href"].startswith("/iri?iri=") and labels[iris[2]]["curie"] == (
        "kzby:City"
    )
    assert labels[iris[3]] == {
        "label": "wd:Q184",
        "curie": "wd:Q184",
        "href": iris[3],
        "external": True,
    }
    for iri in iris[1:3]:
        assert get(site + labels[iri]["href"])[0] == 200
    status, answer_text = get(f"{site}/labels?lang=kk&iri={urllib.parse.quote(KZD + 'belarus')}")
    assert status == 200 and json.loads(answer_text)["labels"][KZD + "belarus"]["label"] == (
        "Беларусь"
    )
    # a CURIE is read as its IRI, and answered under the key it was asked by
    status, answer_text = get(f"{site}/labels?lang=en&iri=kzd:belarus")
    assert status == 200
    assert json.loads(answer_text)["labels"]["kzd:belarus"] == {
        "label": "Belarus",
        "curie": "kzd:belarus",
        "href": "/id/belarus",
        "external": False,
    }


@pytest.mark.parametrize(
    ("body", "content_type", "expected", "says"),
    [
        ({"lang": "en", "iris": ["x"] * 0 + [KZD + "a"] * (MAX_LABELS + 1)}, None, 400, "iris:"),
        ({"lang": "de", "iris": []}, None, 400, "lang:"),
        ({"lang": "en", "iris": ["not an iri"]}, None, 400, "iris:"),
        ({"lang": "en", "iris": "x"}, None, 400, "iris:"),
        ([1, 2], None, 400, "JSON object"),
        ({"lang": "en", "iris": []}, "text/plain", 415, "application/json"),
    ],
)
def test_bad_labels_requests_say_why(
    site: str, body: object, content_type: str | None, expected: int, says: str
) -> None:
    data = json.dumps(body).encode()
    status, _, answer = call(
        f"{site}/labels", data, {"Content-Type": content_type or "application/json"}
    )
    assert status == expected and says in answer.decode()


def test_entities_for_the_iri_inputs(site: str) -> None:
    status, body = get(f"{site}/entities?lang=ru")
    entities = json.loads(body)
    assert status == 200 and {"curie": "kzd:belarus", "label": "Беларусь"} in entities
    assert len(entities) < 5000 and all(e["curie"].startswith("kzd:") for e in entities)


def test_the_catalogue_gives_each_parameter_its_type_and_default(site: str) -> None:
    questions = {q["name"]: q for q in json.loads(get(f"{site}/api")[1])}
    union = questions["members-of-union"]["parameters"]
    assert {"name": "union", "type": "iri", "required": True, "default": "kzd:eaeu"} in union
    status, body = get(f"{site}/api/members-of-union?union=kzd:eaeu&as_of=yesterday")
    assert status == 400 and body.count("\n") == 1
    assert body.startswith("parameter 'as_of': 'yesterday' is")


# ---------------------------------------------------------------- report and ontology docs


def test_report_is_served_once_written(site: str, project: ProjectPaths) -> None:
    status, body = get(f"{site}/report")
    assert status == 404 and "kzby-kg report" in body and "dist/report.html" in body
    project.dist.mkdir(exist_ok=True)
    (project.dist / "report.html").write_text("<!doctype html><h1>Briefing</h1>", "utf-8")
    try:
        status, body = get(f"{site}/report")
        assert status == 200 and "<h1>Briefing</h1>" in body
    finally:
        (project.dist / "report.html").unlink()


def test_the_docs_folder_is_found_without_its_slash(site: str) -> None:
    assert redirect_of(f"{site}/docs/ontology") == (301, "/docs/ontology/")


def test_the_report_is_built_once_a_language(
    graph: Graph, store: ox.Store, project: ProjectPaths, queries: dict[str, StoredQuery]
) -> None:
    """With kzby-kg report's builder (make_server passes it), the page is built on the first
    request for a language and kept: the graph does not change while it is served."""
    built: list[str] = []

    def build(lang: str) -> str:
        built.append(lang)
        return f"<!doctype html><h1>briefing {lang}</h1>"

    url, server, pool = serve(graph, store, project, queries, build)
    try:
        first = get(f"{url}/report?lang=kk")
        answers = [ready(f"{url}/report{q}", 10) for q in ("?lang=kk", "?lang=kk", "")]
        refused = get(f"{url}/report?lang=xx")
    finally:
        server.shutdown()  # type: ignore[attr-defined]
        pool.close()  # type: ignore[attr-defined]
    assert first[0] in (200, 503) and ("reloads itself" in first[1] or "briefing kk" in first[1])
    assert answers == ["<!doctype html><h1>briefing kk</h1>"] * 2 + [
        "<!doctype html><h1>briefing en</h1>"
    ]
    assert refused[0] == 400 and refused[1].startswith("lang:")
    assert built == ["kk", "en"]


def test_the_served_report_is_built_in_each_language_it_is_written_in(
    project: ProjectPaths, monkeypatch: pytest.MonkeyPatch
) -> None:
    """make_server's builder passes ru, kk and be through to kzby-kg report (be was English)."""
    import kzby_kg.report
    from kzby_kg.web.app import _report_builder

    asked: list[str] = []
    monkeypatch.setattr(
        kzby_kg.report,
        "build_report",
        lambda paths, lang, scope, loaded: asked.append(lang) or lang,
    )
    build = _report_builder(project, "article")
    assert build is not None
    assert [build(lang) for lang in ("en", "ru", "kk", "be")] == ["en", "ru", "kk", "be"]
    assert asked == ["en", "ru", "kk", "be"]


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/docs/ontology/", 200),
        ("/docs/ontology/index.html", 200),
        ("/docs/ontology/terms.ttl", 200),
        ("/docs/ontology/../../secret.txt", 404),
        ("/docs/ontology/%2e%2e/%2e%2e/secret.txt", 404),
        ("/docs/ontology/.hidden.html", 404),
        ("/docs/ontology/notes.py", 404),
        ("/docs/ontology//etc/passwd", 404),
        ("/docs/ontology/missing.html", 404),
    ],
)
def test_ontology_docs_are_served_read_only_from_their_folder(
    site: str, path: str, expected: int
) -> None:
    status, _, body = call(site + path)
    assert status == expected, body[:200]
    if expected == 200:
        assert b"secret" not in body and b"kzby" in body
    if expected == 404:
        assert b"outside the docs" not in body and body.strip()
    status, _, _ = call(site + path, data=b"x", headers={"Content-Type": "text/plain"})
    assert status in (404, 405)


# ---------------------------------------------------------------- slow: the full graph, a browser


@pytest.fixture(scope="module")
def full_site() -> Iterator[str]:
    """``kzby-kg serve`` as users start it: the full graph, with the imported tables."""
    server, pool = make_server("127.0.0.1", 0, "oxigraph", scope="full")
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    host, port = server.server_address[:2]
    yield f"http://{host}:{port}"
    server.shutdown()
    pool.close()


@pytest.mark.slow
def test_every_link_on_belarus_full_page_resolves(full_site: str) -> None:
    """All of them: 143 of Belarus's 1,006 links (catalogue agreements whose IRI holds %3A)
    were 404s."""
    status, page = get(f"{full_site}/id/belarus?scope=full&lang=ru")
    assert status == 200
    found = sorted({h for h in links(page, "/") if h.startswith(("/id/", "/iri?"))})
    assert len(found) > 1000 and any("%253A" in h for h in found)
    broken = [(h, s) for h in found if (s := get(full_site + h)[0]) != 200]
    assert not broken, f"{len(broken)} of {len(found)} links do not resolve: {broken[:5]}"


@pytest.mark.slow
def test_the_served_report_is_kzby_kg_report_of_the_served_graph(full_site: str) -> None:
    status, first = get(f"{full_site}/report?lang=ru")
    assert status == 503 and '<meta http-equiv="refresh"' in first
    page = ready(f"{full_site}/report?lang=ru")
    assert '<html lang="ru"' in page and "Беларусь" in page


def chromium_dom(url: str, profile: Path) -> str:
    from .test_serving import browser

    flags = [
        *(browser(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic"),
        *("--no-first-run", "--disable-background-networking", "--disable-component-update"),
        *("--disable-sync", f"--user-data-dir={profile}", "--virtual-time-budget=15000"),
    ]
    done = subprocess.run([*flags, "--dump-dom", url], capture_output=True, text=True, timeout=120)
    assert "<body" in done.stdout, done.stderr[-2000:]
    return done.stdout


@pytest.mark.slow
def test_query_page_form_labels_and_screenshot(full_site: str, tmp_path: Path) -> None:
    """A stored question's typed form, prefilled with its default; results as labels linked to
    entity pages, with the CURIE as the title; a bad value shows the server's one line; and
    the README's screenshot of it."""
    page = f"{full_site}/?example=members-of-union&run=1"
    dom = chromium_dom(page, tmp_path / "profile")
    form = dom.split('id="params"', 1)[1].split("</form>", 1)[0]
    assert re.search(r'<input[^>]*name="union"[^>]*list="entities"[^>]*value="kzd:eaeu"', form)
    assert re.search(r'<input name="as_of"[^>]*type="date"', form)
    assert dom.count('<option value="kzd:') > 100, "the IRI input offers the graph's entities"
    table = dom.split('id="result-table"', 1)[1].split("</table>", 1)[0]
    assert re.search(r'<a href="/id/belarus" title="kzd:belarus"[^>]*>Belarus</a>', table), table
    assert "kzd:belarus</a>" not in table, "cells show labels, not CURIEs"
    russian = chromium_dom(page + "&lang=ru", tmp_path / "profile-ru")
    assert re.search(r'id="status"[^>]*>строк: \d+</span>', russian), "the page's words too"
    assert re.search(r'<button id="run"[^>]*>Выполнить</button>', russian)
    table = russian.split('id="result-table"', 1)[1].split("</table>", 1)[0]
    assert re.search(r'<a href="/id/belarus\?lang=ru" title="kzd:belarus"[^>]*>Беларусь</a>', table)
    bad = chromium_dom(
        f"{full_site}/?example=members-of-union&union=not+an+iri&run=1", tmp_path / "p-bad"
    )
    status = bad.split('id="status"', 1)[1].split("</span>", 1)[0]
    assert "error 400: parameter &#39;union&#39;" in status or "error 400: parameter 'union'" in (
        status
    ), status
    # the README's picture
    from .test_serving import browser

    shot = ROOT / "docs" / "screenshots" / "query-page.png"
    shot.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            *(browser(), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars"),
            *("--no-first-run", "--disable-background-networking", "--disable-sync"),
            f"--user-data-dir={tmp_path / 'profile-shot'}",
            "--virtual-time-budget=15000",
            "--window-size=1400,1100",
            f"--screenshot={shot}",
            page,
        ],
        capture_output=True,
        timeout=120,
        check=True,
    )
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_date_default_written_without_quotes_is_listed(
    graph: Graph, store: ox.Store, project: ProjectPaths, tmp_path: Path
) -> None:
    """YAML reads ``- as_of: 2016-01-01`` as a date, which JSON has no type for: /api lists
    it as its text (it was a 500), and the form prefills it."""
    from kzby_kg.querying.catalogue import load_query

    rq = tmp_path / "dated.rq"
    rq.write_text(
        "#+ summary: dated\n#+ defaults:\n#+   - as_of: 2016-01-01\n"
        "SELECT ?s WHERE { ?s ?p ?o FILTER(?o = ?__as_of_xsd_date) }\n",
        encoding="utf-8",
    )
    url, server, pool = serve(graph, store, project, {"dated": load_query(rq)})
    try:
        status, body = get(f"{url}/api")
    finally:
        server.shutdown()  # type: ignore[attr-defined]
        pool.close()  # type: ignore[attr-defined]
    assert status == 200
    [question] = json.loads(body)
    assert question["parameters"] == [
        {"name": "as_of", "type": "date", "required": False, "default": "2016-01-01"}
    ]


def test_a_stored_question_takes_an_entity_by_its_name(site: str) -> None:
    """/api resolves entity parameters as the CLI and kzby_kg.query do: a label in any
    language is the entity; a typo is a 400 that names the parameter and suggests."""
    quoted = urllib.parse.quote("Беларусь")
    by_label = get(f"{site}/api/memberships-of-state?state={quoted}&format=csv")
    by_curie = get(f"{site}/api/memberships-of-state?state=kzd:belarus&format=csv")
    assert by_label[0] == 200 and by_label == by_curie and by_label[1].count("\n") > 5
    status, body = get(f"{site}/api/memberships-of-state?state=kzd:belaruss")
    assert status == 400 and "parameter 'state'" in body and "kzd:belarus" in body
