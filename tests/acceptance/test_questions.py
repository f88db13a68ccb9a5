"""Competency questions: every stored query gives its expected answer on every backend.

The answers live in questions.yaml; one test per question, case and backend, so a wrong answer
names the question. The suite is written once and runs on embedded rdflib, Oxigraph and a real
Virtuoso server.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from kzby_kg.querying.backend import Backend
from kzby_kg.querying.catalogue import StoredQuery
from kzby_kg.querying.compare import comparable

from ..conftest import IMPORTED_QUESTIONS  # answered from imported tables in test_importing

CASES: list[dict[str, Any]] = yaml.safe_load(
    (Path(__file__).parent / "questions.yaml").read_text(encoding="utf-8")
)


def _case_id(case: dict[str, Any]) -> str:
    params = ",".join(f"{k}={v}" for k, v in case["params"].items())
    return f"{case['query']}[{params}]" if params else case["query"]


def test_catalogue_has_at_least_25_questions(queries: dict[str, StoredQuery]) -> None:
    assert len(queries) >= 25


def test_every_stored_question_has_an_expected_answer(queries: dict[str, StoredQuery]) -> None:
    answered = {case["query"] for case in CASES}
    assert set(queries) == answered | IMPORTED_QUESTIONS
    assert not answered & IMPORTED_QUESTIONS


def test_every_question_has_grlc_header(queries: dict[str, StoredQuery]) -> None:
    for query in queries.values():
        assert query.summary and query.description and query.tags, query.name
        assert query.form == "SELECT", query.name
        for name in query.defaults:
            assert name in {p.name for p in query.parameters}, f"{query.name}: default {name}"


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_question(case: dict[str, Any], backend: Backend, queries: dict[str, StoredQuery]) -> None:
    stored = queries[case["query"]]
    result = backend.run(stored.text, stored.bindings(case["params"]))
    got = [[row.get(c) for c in case["columns"]] for row in result.values()]
    ordered = backend.name != "endpoint"  # see kzby_kg.querying.compare.comparable
    assert comparable(got, ordered) == comparable(case["rows"], ordered), (
        f"{case['question']} ({backend.name})"
    )
