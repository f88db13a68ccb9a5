"""The command line: exit codes, summaries and one-line errors, as a user sees them.

``main(argv)`` runs in-process (the same code the entry point calls); tests/slow/test_entry_point.py
proves the installed ``kzby-kg`` command and ``python -m kzby_kg`` reach it.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from kzby_kg.cli.main import main
from kzby_kg.paths import ProjectPaths

from ..conftest import FIXTURES

Run = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str]) -> Run:
    """Run the command line in-process; the answer looks like a finished subprocess."""

    def invoke(*args: str) -> subprocess.CompletedProcess[str]:
        capsys.readouterr()
        try:
            code = main(list(args))
        except SystemExit as exc:  # argparse refuses bad options this way
            code = int(exc.code or 0)
        out = capsys.readouterr()
        return subprocess.CompletedProcess(list(args), code, out.out, out.err)

    return invoke


def test_build_writes_dist_and_summarises(run: Run, project: ProjectPaths, tmp_path: Path) -> None:
    """On the article's graph (the full build is the README's example, in the slow tier)."""
    result = run("build", "--root", str(project.root), "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "triples:" in result.stdout
    assert "entities by class:" in result.stdout
    assert "0 violations" in result.stdout
    assert "Warning" in result.stdout and "before the fact it supports" in result.stdout
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "project") == [
        "kzby-kg.jsonld",
        "kzby-kg.nt",
        "kzby-kg.ttl",
        "validation.html",
    ]


def test_validate_exits_zero_on_warnings_only(run: Run) -> None:
    result = run("validate")
    assert result.returncode == 0
    assert "0 violations" in result.stdout


def test_validate_exits_one_on_violations(run: Run) -> None:
    result = run("validate", str(FIXTURES / "invalid" / "time.ttl"))
    assert result.returncode == 1
    assert "Violation" in result.stdout and "fx-interval-backwards" in result.stdout


def test_broken_file_is_one_line_without_traceback(run: Run) -> None:
    result = run("validate", str(FIXTURES / "broken" / "unterminated-string.ttl"))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "unterminated-string.ttl:5:" in lines[0]


def test_describe_unknown_suggests(run: Run) -> None:
    result = run("describe", "Belaruss")
    assert result.returncode == 2
    assert "did you mean" in result.stderr and "kzd:belarus" in result.stderr
    assert "Traceback" not in result.stderr


def test_describe_prints_facts_with_sources(run: Run) -> None:
    result = run("describe", "Gomel")
    assert result.returncode == 0
    assert "12th meeting" in result.stdout and "[8]" in result.stdout


def test_bad_format_is_a_usage_error(run: Run) -> None:
    result = run("export", "--format", "xml")
    assert result.returncode == 2
    assert "invalid choice" in result.stderr


def test_queries_lists_at_least_25_with_parameters(run: Run) -> None:
    result = run("queries")
    assert result.returncode == 0
    names = [line for line in result.stdout.splitlines() if line and not line.startswith(" ")]
    assert len(names) >= 25
    assert "reference (integer) = 4" in result.stdout


def test_query_csv_and_bad_parameter(run: Run) -> None:
    ok = run("query", "trade-balance", "--format", "csv")
    assert ok.returncode == 0
    assert (
        ok.stdout.splitlines()[0]
        == "year,export,import,balance,unitMult,unit,readingUnitMult,flagList"
    )
    row_2020 = next(line for line in ok.stdout.splitlines() if line.startswith("2020,"))
    # Oxigraph (the CLI's default store) writes decimals canonically: 138.0 comes back as 138.
    assert [float(v) for v in row_2020.split(",")[1:4]] == [105.1, 138.0, -32.9]
    bad = run("query", "facts-citing-reference", "-p", "reference=four")
    assert bad.returncode == 2
    assert "parameter 'reference'" in bad.stderr and "Traceback" not in bad.stderr


def test_query_in_kazakh_on_each_store(run: Run) -> None:
    """The default store and rdflib give the same table, with Kazakh labels."""
    args = ["query", "place-name-on-date", "-p", "date=2020-06-01", "--lang", "kk"]
    default = run(*args)
    other = run(*args, "--store", "rdflib")
    assert default.returncode == other.returncode == 0
    assert "Нұр-Сұлтан" in default.stdout
    assert other.stdout == default.stdout


def test_sparql_ask_file_and_update(run: Run, tmp_path: Path) -> None:
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


def test_the_installed_command_and_python_m_reach_main() -> None:
    """The tests above call main() in-process; this proves the installed entry point and
    ``python -m kzby_kg`` run the same code."""
    import sys

    script = Path(sys.executable).parent / "kzby-kg"
    for command in ([str(script)], [sys.executable, "-m", "kzby_kg"]):
        done = subprocess.run(
            [*command, "query", "trade-balance", "--format", "csv"],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        assert done.stdout.startswith("year,export,import,balance,unitMult,unit")
