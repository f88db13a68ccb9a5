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
