"""Shared fixtures: the real graph and its validation report are built once per session."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph

from kzby_kg.loading import load
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
