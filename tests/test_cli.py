"""The command line: exit codes, summaries and one-line errors, run as a user would."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from .conftest import FIXTURES


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kzby_kg", *args], capture_output=True, text=True, timeout=300
    )


def test_build_writes_dist_and_summarises(tmp_path: Path) -> None:
    result = run("build", "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "triples:" in result.stdout
    assert "entities by class:" in result.stdout
    assert "0 violations" in result.stdout
    assert "Warning" in result.stdout and "before the fact it supports" in result.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "kzby-kg.jsonld",
        "kzby-kg.nt",
        "kzby-kg.ttl",
    ]


def test_validate_exits_zero_on_warnings_only() -> None:
    result = run("validate")
    assert result.returncode == 0
    assert "0 violations" in result.stdout


def test_validate_exits_one_on_violations() -> None:
    result = run("validate", str(FIXTURES / "invalid" / "time.ttl"))
    assert result.returncode == 1
    assert "Violation" in result.stdout and "fx-interval-backwards" in result.stdout


def test_broken_file_is_one_line_without_traceback() -> None:
    result = run("validate", str(FIXTURES / "broken" / "unterminated-string.ttl"))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "unterminated-string.ttl:5:" in lines[0]


def test_describe_unknown_suggests() -> None:
    result = run("describe", "Belaruss")
    assert result.returncode == 2
    assert "did you mean" in result.stderr and "kzd:belarus" in result.stderr
    assert "Traceback" not in result.stderr


def test_describe_prints_facts_with_sources() -> None:
    result = run("describe", "Gomel")
    assert result.returncode == 0
    assert "12th meeting" in result.stdout and "[8]" in result.stdout


def test_bad_format_is_a_usage_error() -> None:
    result = run("export", "--format", "xml")
    assert result.returncode == 2
    assert "invalid choice" in result.stderr


def test_queries_lists_at_least_25_with_parameters() -> None:
    result = run("queries")
    assert result.returncode == 0
    names = [line for line in result.stdout.splitlines() if line and not line.startswith(" ")]
    assert len(names) >= 25
    assert "reference (integer) = 4" in result.stdout


def test_query_csv_and_bad_parameter() -> None:
    ok = run("query", "trade-balance", "--format", "csv")
    assert ok.returncode == 0
    assert ok.stdout.splitlines()[0] == "year,export,import,balance,unit"
    row_2020 = next(line for line in ok.stdout.splitlines() if line.startswith("2020,"))
    # Oxigraph (the CLI's default store) writes decimals canonically: 138.0 comes back as 138.
    assert [float(v) for v in row_2020.split(",")[1:4]] == [105.1, 138.0, -32.9]
    bad = run("query", "facts-citing-reference", "-p", "reference=four")
    assert bad.returncode == 2
    assert "parameter 'reference'" in bad.stderr and "Traceback" not in bad.stderr


def test_query_on_oxigraph_in_kazakh() -> None:
    result = run(
        "query",
        "place-name-on-date",
        "-p",
        "date=2020-06-01",
        "--store",
        "oxigraph",
        "--lang",
        "kk",
    )
    assert result.returncode == 0
    assert "Нұр-Сұлтан" in result.stdout


def test_sparql_ask_file_and_update(tmp_path: Path) -> None:
    assert run("sparql", "ASK { ?s ?p ?o }").stdout.strip() == "true"
    query = tmp_path / "q.rq"
    query.write_text(
        "SELECT ?l WHERE { <https://w3id.org/kzby-kg/id/gomel> rdfs:label ?l }".replace(
            "rdfs:", "<http://www.w3.org/2000/01/rdf-schema#>"
        ).replace("#>label", "#label>")
    )
    assert "Gomel" in run("sparql", "-f", str(query)).stdout
    refused = run("sparql", "DROP ALL ")
    assert refused.returncode == 2 and "Update" in refused.stderr


def test_query_and_push_on_virtuoso() -> None:
    from .conftest import require_virtuoso

    settings = require_virtuoso()
    pushed = run(
        "push",
        "--endpoint",
        settings["url"],
        "--graph",
        "urn:kzby-kg:test:cli",
        "--update-url",
        settings["update_url"],
        "--gsp-url",
        settings["gsp_url"],
        "--user",
        settings["user"],
        "--password",
        settings["password"],
    )
    assert pushed.returncode == 0, pushed.stderr
    assert "pushed" in pushed.stdout
    answer = run(
        "query",
        "diplomatic-relations",
        "--endpoint",
        settings["url"],
        "--default-graph",
        "urn:kzby-kg:test:cli",
        "--format",
        "csv",
    )
    assert answer.returncode == 0, answer.stderr
    assert "1992-09-16" in answer.stdout
