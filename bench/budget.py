"""Each stored question against its budget, on the store the command line answers from.

The budget is issue 16's: **20 ms + 5 µs per row returned**, with the question's default
parameters. Times are taken on the project's own path: a copy of the project with the generated
graph in ``data/``, opened by :func:`kzby_kg.rdf.cache.cached_store` as ``kzby-kg query`` opens
it, and asked through :func:`kzby_kg.querying.questions.run_stored` (the whole answer evaluated
and held, as the CLI and the server get it).

A question that cannot meet its budget says why in its header (``budget_note``); the
benchmark prints that reason beside the miss.
"""

from __future__ import annotations

import shutil
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

BASE_SECONDS = 0.020
PER_ROW_SECONDS = 5e-6


def budget(rows: int) -> float:
    """Seconds a question returning ``rows`` rows may take."""
    return BASE_SECONDS + PER_ROW_SECONDS * rows


@dataclass(frozen=True)
class Timing:
    """One question's median time, its rows and its budget."""

    name: str
    seconds: float
    rows: int
    note: str = ""

    @property
    def budget(self) -> float:
        return budget(self.rows)

    @property
    def met(self) -> bool:
        return self.seconds <= self.budget

    def as_dict(self) -> dict[str, Any]:
        return {
            "seconds": self.seconds,
            "rows": self.rows,
            "budget": self.budget,
            "met": self.met,
            "note": self.note,
        }


def project_copy(root: Path, target: Path, extra: Path | None) -> Path:
    """A copy of the project's ontology, data and queries under ``target``, with ``extra`` (the
    generated graph) in its ``data/``: the benchmark's graph where a user would put it."""
    for folder in ("ontology", "data", "queries"):
        shutil.copytree(root / folder, target / folder, dirs_exist_ok=True)
    if extra is not None:
        shutil.copyfile(extra, target / "data" / f"bench-{extra.stem}.ttl")
    return target


def budget_note(path: Path) -> str:
    """The ``budget_note`` of a stored question's header, if it has one."""
    header = "\n".join(
        line[2:].removeprefix(" ")
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.startswith("#+")
    )
    meta = yaml.safe_load(header) or {}
    return str(meta.get("budget_note", ""))


def median_seconds(action: Callable[[], Any], runs: int, min_sample: float = 0.02) -> float:
    """The median seconds per call. A short call is repeated until a sample lasts
    ``min_sample`` seconds, so that timer resolution and noise do not decide the figure."""
    start = time.perf_counter()
    action()  # the first call parses the text and warms the store's caches
    if time.perf_counter() - start > 1.0:  # a slow call: a few single samples say enough
        runs = min(runs, 2)
    count = 1
    while count < 1000:
        start = time.perf_counter()
        for _ in range(count):
            action()
        if time.perf_counter() - start >= min_sample:
            break
        count *= 2
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        for _ in range(count):
            action()
        samples.append((time.perf_counter() - start) / count)
    return statistics.median(samples)


def time_questions(
    backend: Any, queries: dict[str, Any], runs: int = 3, names: list[str] | None = None
) -> list[Timing]:
    """Every stored question (or ``names``) on ``backend``, with default parameters."""
    from kzby_kg.querying.questions import run_stored

    timings = []
    for name, stored in sorted(queries.items()):
        if names and name not in names:
            continue
        rows = len(run_stored(stored, backend, {}))
        seconds = median_seconds(lambda s=stored: run_stored(s, backend, {}), runs)
        timings.append(Timing(name, seconds, rows, budget_note(stored.path)))
    return timings
