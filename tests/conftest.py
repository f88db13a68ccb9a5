"""Shared fixtures: the real graph and its validation report are built once per session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from rdflib import Graph

from kzby_kg.backends import Backend, EndpointBackend, OxigraphBackend, RdflibBackend
from kzby_kg.loading import add_file, load
from kzby_kg.paths import ProjectPaths, find_root
from kzby_kg.validation import Report, validate

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def paths() -> ProjectPaths:
    return find_root(Path(__file__).resolve().parents[1])


@pytest.fixture(scope="session")
def graph(paths: ProjectPaths) -> Graph:
    return load(paths)


@pytest.fixture(scope="session")
def report(graph: Graph, paths: ProjectPaths) -> Report:
    return validate(graph, paths.shapes)


@pytest.fixture(scope="session")
def fixture_graph(paths: ProjectPaths) -> Graph:
    """The real graph plus every invalid fixture (they use disjoint kzd:fx-* names)."""
    graph = load(paths)
    for path in sorted((FIXTURES / "invalid").glob("*.ttl")):
        add_file(graph, path)
    return graph


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


@pytest.fixture(scope="session")
def virtuoso_backend(graph: Graph) -> Backend:
    from kzby_kg.push import push

    settings = require_virtuoso()
    push(
        graph,
        settings["url"],
        VIRTUOSO_GRAPH,
        update_url=settings["update_url"],
        gsp_url=settings["gsp_url"] or None,
        user=settings["user"],
        password=settings["password"],
    )
    return EndpointBackend(settings["url"], default_graph=VIRTUOSO_GRAPH, timeout=60)


@pytest.fixture(scope="session", params=["embedded", "oxigraph", "virtuoso"])
def backend(request: pytest.FixtureRequest, graph: Graph) -> Backend:
    if request.param == "embedded":
        return RdflibBackend(graph)
    if request.param == "oxigraph":
        return OxigraphBackend(graph)
    return request.getfixturevalue("virtuoso_backend")
