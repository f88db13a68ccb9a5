"""Shared fixtures: the real graph and its validation report are built once per session."""

from __future__ import annotations

import os
import re
import shutil
import socket
import threading
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal
from rdflib.namespace import XSD

from kzby_kg.paths import ProjectPaths, find_root
from kzby_kg.querying.backend import Backend
from kzby_kg.querying.catalogue import StoredQuery, catalogue
from kzby_kg.querying.engines import OxigraphBackend, RdflibBackend
from kzby_kg.rdf.load import add_file, load, load_store, parse_turtle
from kzby_kg.remote.endpoint import EndpointBackend
from kzby_kg.validation.report import Report
from kzby_kg.validation.shacl import results_of, shacl_report_graph, validate

FIXTURES = Path(__file__).parent / "fixtures"
ROOT = Path(__file__).resolve().parents[1]
DATASETS = ROOT / "datasets"
COW = DATASETS / "cow_igo_v3_eaeu5_memberships_1991_2014.csv"
UNDESA = DATASETS / "undesa_ims2020_bilateral_stock_eaeu5_all_partners.csv"
TREATIES = DATASETS / "manytreaties_parties_eaeu5.csv"


@pytest.fixture(scope="session")
def paths() -> ProjectPaths:
    return find_root(Path(__file__).resolve().parents[1])


@pytest.fixture(scope="session")
def graph(paths: ProjectPaths) -> Graph:
    return load(paths, scope="article")


@pytest.fixture(scope="session")
def store(paths: ProjectPaths) -> ox.Store:
    """The project's graph in an in-memory Oxigraph store, loaded once (do not write to it)."""
    return load_store(paths, scope="article")


@pytest.fixture(scope="session")
def queries(paths: ProjectPaths) -> dict[str, StoredQuery]:
    """The stored questions, read once per session (not at import time)."""
    return catalogue(paths)


def query_names(form: str | None = None) -> list[str]:
    """Stored question names for parametrize, from the file names alone (nothing parsed);
    with ``form``, only the questions whose text uses that query form."""
    folder = ROOT / "queries"
    return sorted(
        p.stem
        for p in folder.glob("*.rq")
        if form is None or form in p.read_text(encoding="utf-8").upper()
    )


@pytest.fixture(scope="session")
def shapes(paths: ProjectPaths) -> Graph:
    """Parsed once: results name blank-node property shapes of this very graph."""
    return parse_turtle(paths.shapes)


@pytest.fixture(scope="session")
def report(graph: Graph, shapes: Graph) -> Report:
    """The default validator's report on the article graph (the shapes compiled to SPARQL),
    computed once per session. It equals pyshacl's: test_fast_validation.py proves that on the
    graph with every invalid fixture here, and on the article graph alone in the slow tier."""
    from kzby_kg.validation.validator import validate_graph

    return validate_graph(graph, shapes, validator="sparql")


@pytest.fixture(scope="session")
def pyshacl_report(graph: Graph, shapes: Graph) -> Report:
    """pyshacl's report on the article graph: the reference (10 s; the slow tier uses it)."""
    return validate(graph, shapes)


@pytest.fixture(scope="session")
def fixture_graph(paths: ProjectPaths) -> Graph:
    """The real graph plus every invalid fixture (they use disjoint kzd:fx-* names)."""
    graph = load(paths, scope="article")
    for path in INVALID:
        add_file(graph, path)
    return graph


@pytest.fixture(scope="session")
def fixture_report_graph(fixture_graph: Graph, shapes: Graph) -> Graph:
    """pyshacl's raw report on the graph with every invalid fixture, computed once."""
    return shacl_report_graph(fixture_graph, shapes)


@pytest.fixture(scope="session")
def fixture_report(fixture_report_graph: Graph, fixture_graph: Graph, shapes: Graph) -> Report:
    """pyshacl's report on the graph with every invalid fixture (the reference: 40 s)."""
    return Report(results_of(fixture_report_graph, fixture_graph, shapes))


@pytest.fixture(scope="session")
def fixture_compiled(fixture_graph: Graph, shapes: Graph) -> Report:
    """The default validator's report on the same graph (2 s). It equals pyshacl's:
    test_fast_validation.py compares the two, so the other tests can use this one."""
    from kzby_kg.validation.validator import validate_graph

    return validate_graph(fixture_graph, shapes, validator="sparql")


#: one invalid fixture per shape; each says what it must trigger in ``# expect:`` lines
INVALID = sorted((FIXTURES / "invalid").glob("*.ttl"))
EXPECT = re.compile(r"^# expect: (Violation|Warning|Info) (\S+) (\S+)\s*$")

#: Stored questions that need imported data; test_questions.py checks the others.
IMPORTED_QUESTIONS = {"migrant-stock", "cow-shared-organisations", "agreements-both-parties"}


def expectations(path: Path) -> list[tuple[str, str, str | None]]:
    """The (severity, focus, path) results a fixture file's header says it must trigger."""
    found = []
    for line in path.read_text(encoding="utf-8").splitlines():
        match = EXPECT.match(line)
        if match:
            severity, focus, result_path = match.groups()
            found.append((severity, focus, None if result_path == "-" else result_path))
    return found


# ------------------------------------------------ backends: tests written once, run per store

VIRTUOSO_GRAPH = "urn:kzby-kg:test:graph"


def virtuoso_settings() -> dict[str, str] | None:
    """Connection settings from the environment (.ci/virtuoso.sh start prints them)."""
    url = os.environ.get("KZBY_KG_VIRTUOSO_URL")
    if not url:
        return None
    return {
        "url": url,
        "update_url": os.environ.get("KZBY_KG_VIRTUOSO_UPDATE_URL", url),
        "gsp_url": os.environ.get("KZBY_KG_VIRTUOSO_GSP_URL", ""),
        "user": os.environ.get("KZBY_KG_VIRTUOSO_USER", "dba"),
        "password": os.environ.get("KZBY_KG_VIRTUOSO_PASSWORD", "dba"),
        "sql": os.environ.get("KZBY_KG_VIRTUOSO_SQL", ""),  # host:port of its SQL side
    }


def skip_unless_required(message: str, variable: str) -> None:
    """Skip locally with a message; fail where ``variable`` is 1 (CI), since there it must run."""
    if os.environ.get(variable) == "1":
        pytest.fail(message)
    pytest.skip(message)


def require_virtuoso() -> dict[str, str]:
    settings = virtuoso_settings()
    if settings is None:
        skip_unless_required(
            "Virtuoso not configured: run `eval $(.ci/virtuoso.sh start)` to test against it",
            "KZBY_KG_REQUIRE_VIRTUOSO",
        )
    assert settings is not None
    return settings


def push_to_virtuoso(graph: Graph, target: str, timeout: float = 120.0) -> dict[str, str]:
    """Push ``graph`` into ``target`` on the test server (skipped, or failed in CI, without
    one); the server's settings, for the caller's queries."""
    from kzby_kg.remote.push import push

    settings = require_virtuoso()
    push(
        graph,
        settings["url"],
        target,
        update_url=settings["update_url"],
        gsp_url=settings["gsp_url"] or None,
        user=settings["user"],
        password=settings["password"],
        timeout=timeout,
    )
    return settings


@pytest.fixture(scope="session")
def virtuoso_backend(graph: Graph) -> Backend:
    settings = push_to_virtuoso(graph, VIRTUOSO_GRAPH)
    return EndpointBackend(settings["url"], default_graph=VIRTUOSO_GRAPH, timeout=60)


@pytest.fixture(
    scope="session",
    # Oxigraph (the default) in the fast tiers; rdflib takes 12 s over the competency questions
    # and Virtuoso needs a server, so both run in the slow tier (CI runs every tier)
    params=[
        pytest.param("rdflib", marks=pytest.mark.slow),
        "oxigraph",
        pytest.param("virtuoso", marks=pytest.mark.slow),
    ],
)
def backend(request: pytest.FixtureRequest, graph: Graph) -> Backend:
    if request.param == "rdflib":
        return RdflibBackend(graph)
    if request.param == "oxigraph":
        return OxigraphBackend.from_graph(graph)
    return request.getfixturevalue("virtuoso_backend")


@pytest.fixture(scope="session")
def served() -> Iterator[str]:
    """The article's graph served on a free loopback port with the default limits."""
    import threading

    from kzby_kg.web.app import make_server

    server, pool = make_server("127.0.0.1", 0, scope="article")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    host, port = server.server_address[:2]
    yield f"http://{host}:{port}"
    server.shutdown()
    pool.close()


def canonical_numbers(graph: Graph) -> Graph:
    """Oxigraph keeps numbers by value and writes XSD's canonical form: 119.0 becomes 119."""
    out = Graph()
    for s, p, o in graph:
        if isinstance(o, Literal) and o.datatype == XSD.decimal:
            o = Literal(format(Decimal(str(o)).normalize(), "f"), datatype=XSD.decimal)
        out.add((s, p, o))
    return out


def same_graph(a: Graph, b: Graph) -> bool:
    """Graph isomorphism through RDFC-1.0 canonical labels (pyoxigraph): the same answer as
    rdflib's ``isomorphic`` in milliseconds instead of seconds."""
    import pyoxigraph as ox

    from kzby_kg.rdf.terms import quads_to_ox

    def canonical(graph: Graph) -> set[str]:
        dataset = ox.Dataset(quads_to_ox(graph))  # type: ignore[arg-type]
        dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
        return {str(quad) for quad in dataset}

    return len(a) == len(b) and canonical(a) == canonical(b)


# ------------------------------------------------ project copies, for tests that write data/


def copy_project(source: ProjectPaths, target: Path, *, article: bool = False) -> ProjectPaths:
    """A copy to change freely; with ``article``, without the vendored and imported tables
    (and without the manifest), so that a build or an import starts from the article's graph."""
    ignore = shutil.ignore_patterns("vendored", "imported") if article else None
    for folder in ("ontology", "data", "mappings", "queries"):
        shutil.copytree(source.root / folder, target / folder, ignore=ignore)
    # the committed ontology docs, so that a build finds them current and need not regenerate
    shutil.copytree(source.root / "docs" / "ontology", target / "docs" / "ontology")
    if article:
        (target / "data" / "imported").mkdir(exist_ok=True)
    return find_root(target)


def snapshot(paths: ProjectPaths) -> dict[str, bytes]:
    return {
        str(p.relative_to(paths.root)): p.read_bytes()
        for p in sorted(paths.data_dir.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def project(paths: ProjectPaths, tmp_path: Path) -> ProjectPaths:
    """A copy of the article's project (no vendored tables) to import into."""
    return copy_project(paths, tmp_path / "project", article=True)


@pytest.fixture()
def listener() -> Iterator[tuple[str, list[int]]]:
    """A TCP listener on 127.0.0.1 that counts the connections it receives: the witness that
    the endpoint and its workers connect nowhere."""
    seen: list[int] = []
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    sock.settimeout(0.2)
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = sock.accept()
                seen.append(1)
                conn.close()
            except TimeoutError:
                continue
            except OSError:
                return

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{sock.getsockname()[1]}/", seen
    stop.set()
    thread.join(timeout=2)
    sock.close()


#: doctests whose example loads the whole project graph (3-6 s each): they document the API as
#: a reader would call it, so they keep their ``load()``, and run in the slow tier with the
#: other full-graph checks
FULL_GRAPH_DOCTESTS = {
    "kzby_kg",
    "kzby_kg.views.networks.to_networkx",
    "kzby_kg.views.describe.resolve",
    "kzby_kg.rdf.load.load",
    "kzby_kg.rdf.labels.label",
}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if isinstance(item, pytest.DoctestItem) and item.name in FULL_GRAPH_DOCTESTS:
            item.add_marker(pytest.mark.slow)
