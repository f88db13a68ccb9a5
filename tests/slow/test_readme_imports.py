"""The README's import examples, run on a copy of the project: each prints what the README
shows, and the question asked after them answers as shown."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from kzby_kg.cli.main import main
from kzby_kg.paths import ProjectPaths

from ..conftest import copy_project
from ..readme_examples import cli_examples, matches

pytestmark = pytest.mark.slow


def test_import_examples_print_what_the_readme_shows(
    paths: ProjectPaths,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    project = copy_project(paths, tmp_path / "project")
    (project.root / "datasets").symlink_to(paths.root / "datasets")
    monkeypatch.chdir(project.root)
    monkeypatch.setenv("KZBY_KG_CACHE_DIR", str(tmp_path / "cache"))
    examples = cli_examples(imports=True)
    assert examples, "the README shows no import example"
    for command, expected in examples:
        main(shlex.split(command)[1:])
        captured = capsys.readouterr()
        actual = (captured.out + captured.err).splitlines()
        assert matches(expected, actual), f"{command}\n" + "\n".join(actual)
