"""The installed command against a real pipe and the real default store: what an in-process test
cannot show (the interpreter's final flush, the cached Oxigraph store).

Slow: each case starts a Python process (about half a second).
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow


def _run_into_closed_pipe(*argv: str) -> subprocess.CompletedProcess[bytes]:
    """Run ``python -m kzby_kg ARGV`` with standard output a pipe whose reader is already
    gone, as ``kzby-kg … | head -1`` leaves it once head has its line."""
    read, write = os.pipe()
    os.close(read)
    try:
        return subprocess.run(
            [sys.executable, "-m", "kzby_kg", *argv],
            stdout=write,
            stderr=subprocess.PIPE,
            check=False,
            timeout=120,
        )
    finally:
        os.close(write)


@pytest.mark.parametrize("argv", [["queries"], ["--help"], ["--version"], ["query", "--help"]])
def test_a_closed_pipe_ends_quietly(argv: list[str]) -> None:
    done = _run_into_closed_pipe(*argv)
    assert done.stderr == b""
    assert done.returncode == 0


def test_the_default_store_takes_the_project_prefixes_and_says_a_syntax_error_in_one_line() -> None:
    ok = subprocess.run(
        [
            sys.executable,
            "-m",
            "kzby_kg",
            "sparql",
            "--format",
            "csv",
            "SELECT ?l WHERE { kzd:belarus rdfs:label ?l FILTER(LANG(?l) = 'en') }",
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert ok.returncode == 0, ok.stderr
    assert "Belarus" in ok.stdout.splitlines()[1:]
    bad = subprocess.run(
        [
            sys.executable,
            "-m",
            "kzby_kg",
            "sparql",
            "SELECT ?x WHERE { ?x a kzby:State . FILTER( }",
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert bad.returncode == 2
    assert bad.stderr.startswith("kzby-kg: error: query failed: syntax error at line 1, column")
    assert bad.stderr.count("\n") == 1
