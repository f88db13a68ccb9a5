"""Where the ontology and data live.

The project root holds ``ontology/`` and ``data/``. A user may point elsewhere with ``--root`` or
``KZBY_KG_ROOT`` (for example a fork with their own data); otherwise the current directory is used
when it looks like a checkout, and the checkout this package was installed from last.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from kzby_kg.errors import UsageError

__all__ = ["ProjectPaths", "find_root"]


@dataclass(frozen=True)
class ProjectPaths:
    """The folders and files of one project checkout."""

    root: Path

    @property
    def ontology(self) -> Path:
        return self.root / "ontology" / "kzby.ttl"

    @property
    def shapes(self) -> Path:
        return self.root / "ontology" / "shapes.ttl"

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def dist(self) -> Path:
        return self.root / "dist"

    @property
    def vendored_dir(self) -> Path:
        """Where ``build`` writes the vendored tables it imports (datasets/manifest.json)."""
        return self.data_dir / "vendored"

    def data_files(self) -> list[Path]:
        """Every Turtle file under data/, sorted so that loading order never changes results."""
        return sorted(self.data_dir.rglob("*.ttl"))

    def article_files(self) -> list[Path]:
        """The hand-written data: data/*.ttl, without imported or vendored tables."""
        return sorted(self.data_dir.glob("*.ttl"))


def _looks_like_root(path: Path) -> bool:
    return (path / "ontology" / "kzby.ttl").is_file() and (path / "data").is_dir()


def find_root(explicit: str | os.PathLike[str] | None = None) -> ProjectPaths:
    """Pick the project root: explicit argument, then KZBY_KG_ROOT, then cwd, then the checkout.

    :raises UsageError: if the chosen folder has no ontology/kzby.ttl and data/.
    """
    candidates: list[Path]
    if explicit is not None:
        candidates = [Path(explicit)]
    elif os.environ.get("KZBY_KG_ROOT"):
        candidates = [Path(os.environ["KZBY_KG_ROOT"])]
    else:
        candidates = [Path.cwd(), Path(__file__).resolve().parents[2]]
    for candidate in candidates:
        if _looks_like_root(candidate):
            return ProjectPaths(candidate.resolve())
    raise UsageError(
        f"{candidates[0]} is not a kzby-kg project: it needs ontology/kzby.ttl and data/"
    )
