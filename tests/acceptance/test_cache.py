"""The cached Oxigraph store is keyed on the files' content: an edit changes the answer."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kzby_kg.errors import LoadError
from kzby_kg.paths import find_root
from kzby_kg.rdf.cache import cached_store, content_key

from ..conftest import FIXTURES

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture()
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for folder in ("ontology", "data", "queries"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    monkeypatch.setenv("KZBY_KG_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path


def run(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kzby_kg", *args, "--root", str(project)],
        capture_output=True,
        text=True,
        env=os.environ.copy(),
        timeout=120,
    )


def test_editing_a_data_file_changes_the_answer(project: Path) -> None:
    first = run(project, "query", "diplomatic-relations", "--format", "csv")
    assert first.returncode == 0 and "1992-09-16" in first.stdout
    again = run(project, "query", "diplomatic-relations", "--format", "csv")
    assert again.stdout == first.stdout
    assert len(list((project / "cache").iterdir())) == 1, "the second run reused the store"

    data = project / "data" / "bilateral.ttl"
    data.write_text(
        data.read_text(encoding="utf-8").replace("1992-09-16", "1992-09-17"), encoding="utf-8"
    )
    edited = run(project, "query", "diplomatic-relations", "--format", "csv")
    assert "1992-09-17" in edited.stdout and "1992-09-16" not in edited.stdout
    assert len(list((project / "cache").iterdir())) == 2


def test_key_follows_content_not_time(project: Path) -> None:
    paths = find_root(project)
    before = content_key(paths)
    (project / "data" / "places.ttl").touch()
    assert content_key(paths) == before
    (project / "data" / "extra.ttl").write_text("# a new, empty data file\n")
    assert content_key(paths) != before


def test_broken_file_leaves_no_cache_entry(project: Path) -> None:
    shutil.copy(FIXTURES / "broken" / "unterminated-string.ttl", project / "data" / "zz-broken.ttl")
    with pytest.raises(LoadError) as info:
        cached_store(find_root(project))
    assert info.value.path.name == "zz-broken.ttl" and info.value.line == 5
    assert not any((p / "complete").exists() for p in (project / "cache").iterdir())
