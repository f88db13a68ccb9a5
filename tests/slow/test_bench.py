"""The benchmark's quick mode completes and writes its files (timings are not asserted)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))


def test_generator_is_deterministic_and_conforms(paths: object) -> None:
    from generate import generate

    from kzby_kg.rdf.load import load
    from kzby_kg.validation.shacl import validate

    text = generate(3000)
    assert text == generate(3000) and text != generate(3000, seed=1)
    graph = load(scope="article")
    graph.parse(data=text, format="turtle")
    report = validate(graph)
    assert report.conforms, [(r.focus_curie, r.path, r.message) for r in report.violations[:5]]


def test_quick_run_writes_its_files(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, str(ROOT / "bench" / "run.py"), "--quick", "--out", str(tmp_path)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    report = json.loads((tmp_path / "results.json").read_text())
    (size,) = report["sizes"]
    assert size["triples"] > 10_000
    assert set(size["backends"]) >= {"rdflib", "oxigraph (project)", "pyoxigraph (raw)"}
    project, raw = size["backends"]["oxigraph (project)"], size["backends"]["pyoxigraph (raw)"]
    assert set(project["queries"]) == set(raw["queries"]) and len(raw["queries"]) >= 25
    assert set(project["queries_rows_converted"]) == set(raw["queries"])
    assert "validate_pyshacl" in size["backends"]["rdflib"]
    assert project["validate_sparql"] > 0
    assert size["validators_agree"] is True  # compiled SHACL = pyshacl on the synthetic graph
    assert size["memory_mb"]["raw"] > 0 and size["memory_mb"]["project"] > 0
    text = (tmp_path / "RESULTS.md").read_text()
    assert "| rdflib |" in text and "## Targets" in text and "## Growth" in text
    assert set(size["rows"]) == set(raw["queries"])
    assert text.count("x |") >= len(raw["queries"])  # a row per query in the per-query table
    assert (tmp_path / "scaling.png").read_bytes()[:4] == b"\x89PNG"
    # every question against its budget, on both forms of the CLI's cached store
    forms = size["cli_store"]["forms"]
    assert set(forms) == {"memory", "disk"}
    questions = set(forms["memory"]["questions"])
    assert questions == set(forms["disk"]["questions"]) == set(raw["queries"])
    for timing in forms["memory"]["questions"].values():
        assert timing["seconds"] > 0 and timing["met"] == (timing["seconds"] <= timing["budget"])
    assert "## Each stored question against its budget" in text


def test_the_committed_results_render_to_the_committed_page(tmp_path: Path) -> None:
    """RESULTS.md is what ``--render`` writes from results.json: no figure in it was typed by
    hand, and the last run's figures are the ones shown."""
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "run.py"),
            "--render",
            str(ROOT / "bench" / "results.json"),
            "--out",
            str(tmp_path),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    assert (tmp_path / "RESULTS.md").read_text() == (ROOT / "bench" / "RESULTS.md").read_text()


def test_paired_times_runs_every_action_equally_and_reports_per_call() -> None:
    import time

    from run import paired_times

    calls = {"fast": 0, "slow": 0}

    def fast() -> None:
        calls["fast"] += 1

    def slow() -> None:
        calls["slow"] += 1
        time.sleep(0.002)

    times = paired_times({"slow": slow, "fast": fast}, runs=3, min_sample=0.01)
    assert times["slow"] >= 0.002 > times["fast"]
    # the first action is called once to warm up and again to choose how many calls make a
    # sample; after that every action is called the same number of times, in >= 9 samples
    assert calls["fast"] % 9 == 0 and calls["fast"] >= 9 * 2
    assert calls["slow"] > calls["fast"]
