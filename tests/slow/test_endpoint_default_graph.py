"""`query --endpoint` without --default-graph warns when the server holds the graph more than
once: Virtuoso's default graph is the union of its graphs, so rows silently multiplied
(issue 15). Needs Virtuoso (see conftest)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import Graph

from kzby_kg.remote.push import _Server, push

from ..conftest import require_virtuoso

pytestmark = pytest.mark.slow

COPIES = ("urn:kzby-kg:test:copy-a", "urn:kzby-kg:test:copy-b")
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { <https://w3id.org/kzby-kg/id/kazakhstan> a ?t }"


def _query(url: str, *extra: str) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).with_name("kzby-kg")
    return subprocess.run(
        [str(exe), "sparql", COUNT, "--endpoint", url, "--format", "csv", *extra],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_graph_held_twice_is_named_and_default_graph_fixes_it(graph: Graph) -> None:
    settings = require_virtuoso()
    small = Graph()
    for triple in graph.triples((None, None, None)):
        if str(triple[0]) == "https://w3id.org/kzby-kg/id/kazakhstan":
            small.add(triple)
    options = {
        "update_url": settings["update_url"],
        "gsp_url": settings["gsp_url"] or None,
        "user": settings["user"],
        "password": settings["password"],
    }
    for iri in COPIES:
        push(small, settings["url"], iri, **options)
    try:
        plain = _query(settings["url"])
        scoped = _query(settings["url"], "--default-graph", COPIES[0])
    finally:  # other tests read the server's default graph: leave no copy behind
        server = _Server(
            settings["url"],
            settings["update_url"],
            None,
            settings["user"],
            settings["password"],
            60,
        )
        for iri in COPIES:
            server.update(f"DROP SILENT GRAPH <{iri}>", "drop the test copy")
    assert plain.returncode == 0, plain.stderr
    assert "no --default-graph was given" in plain.stderr, plain.stderr
    assert scoped.returncode == 0, scoped.stderr
    assert "warning" not in scoped.stderr
    counts = [int(out.stdout.split()[-1]) for out in (plain, scoped)]
    assert counts[0] >= 2 * counts[1] > 0, counts
