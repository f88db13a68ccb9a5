"""push with the switch on Virtuoso's SQL port (needs Virtuoso and its isql; see conftest).

A stock Virtuoso ends every SPARQL request after 60 s; the COPY of a 5.7M-triple staging graph
was refused there ("SR171: Transaction timed out"), so ``--sql-port`` runs that one statement
through isql. The parts still go over HTTP, and every failure still leaves the target whole.
"""

from __future__ import annotations

import pytest
from rdflib import Graph, Literal, URIRef

from kzby_kg.rdf.load import store_from_graph
from kzby_kg.remote.endpoint import EndpointBackend
from kzby_kg.remote.push import PushError, SqlPort, push

from ..conftest import push_to_virtuoso, require_virtuoso
from .test_push_faults import _staging_graphs

pytestmark = pytest.mark.slow

TARGET = "urn:kzby-kg:test:push-sql"


def _sql() -> SqlPort:
    settings = require_virtuoso()
    if not settings["sql"]:
        pytest.fail("KZBY_KG_VIRTUOSO_SQL is not set (.ci/virtuoso.sh start prints it)")
    return SqlPort(settings["sql"])


def _count(url: str) -> int:
    answer = EndpointBackend(url).run(
        f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{TARGET}> {{ ?s ?p ?o }} }}"
    )
    return int(answer.rows[0][0])


def _options(sql: SqlPort) -> dict[str, object]:
    settings = require_virtuoso()
    return {
        "update_url": settings["update_url"],
        "gsp_url": settings["gsp_url"] or None,
        "user": settings["user"],
        "password": settings["password"],
        "timeout": 120.0,
        "sql": sql,
    }


def _small(number: int) -> Graph:
    graph = Graph()
    for i in range(number):
        graph.add((URIRef(f"urn:kzby-kg:test:s{i}"), URIRef("urn:kzby-kg:test:p"), Literal(i)))
    return graph


def test_the_switch_runs_through_isql(graph: Graph) -> None:
    sql = _sql()
    url = require_virtuoso()["url"]
    result = push(store_from_graph(graph), url, TARGET, **_options(sql))  # type: ignore[arg-type]
    assert _count(url) == len(graph) == result.triples
    assert _staging_graphs(url, TARGET) == []


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        (lambda good: SqlPort("127.0.0.1:9"), r"cannot run the COPY \(through isql\)"),
        (lambda good: SqlPort(good.address, "no-such-isql"), "no-such-isql not found"),
    ],
)
def test_a_switch_that_cannot_run_leaves_the_target_whole(sql: object, message: str) -> None:
    good = _sql()
    settings = push_to_virtuoso(_small(5), TARGET)
    with pytest.raises(PushError, match=message) as caught:
        push(_small(8), settings["url"], TARGET, **_options(sql(good)))  # type: ignore[operator, arg-type]
    assert "left as it was" in str(caught.value)
    assert _count(settings["url"]) == 5


def test_bad_sql_settings_are_refused_before_anything_is_sent() -> None:
    with pytest.raises(PushError, match="is not HOST:PORT"):
        SqlPort("1111")
    with pytest.raises(PushError, match="contains ';'"):
        push(_small(1), "http://127.0.0.1:9/sparql", "urn:x;y", sql=SqlPort("127.0.0.1:1111"))


def test_the_cli_takes_the_sql_port(capsys: pytest.CaptureFixture[str]) -> None:
    from kzby_kg.cli import main

    sql = _sql()
    settings = require_virtuoso()
    code = main(
        [
            "push",
            "--endpoint", settings["url"],
            "--update-url", settings["update_url"],
            "--gsp-url", settings["gsp_url"],
            "--user", settings["user"],
            "--password", settings["password"],
            "--graph", TARGET,
            "--sql-port", sql.address,
        ]
    )  # fmt: skip
    assert code == 0
    assert "pushed" in capsys.readouterr().out
