"""A cache of the built Oxigraph store, keyed on the content of ontology/ and data/.

`kzby-kg query` then starts without parsing anything: it opens the store read-only. Any change
to a data or ontology file changes the key, so a stale store is never used. The cache lives in
``$KZBY_KG_CACHE_DIR``, else ``$XDG_CACHE_HOME/kzby-kg``, else ``~/.cache/kzby-kg``.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from kzby_kg.paths import ProjectPaths
from kzby_kg.rdf.load import load_into, project_files

if TYPE_CHECKING:
    import pyoxigraph as ox

__all__ = ["cache_dir", "cached_store", "content_key"]

_FORMAT_VERSION = "1"


def cache_dir() -> Path:
    """Where built stores are kept."""
    if os.environ.get("KZBY_KG_CACHE_DIR"):
        return Path(os.environ["KZBY_KG_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "kzby-kg"


def content_key(paths: ProjectPaths) -> str:
    """A digest of every file the graph is built from: names and bytes, in a fixed order."""
    digest = hashlib.sha256(_FORMAT_VERSION.encode())
    for path in project_files(paths):
        digest.update(str(path.relative_to(paths.root)).encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:32]


def _build(paths: ProjectPaths, target: Path) -> None:
    import pyoxigraph as ox

    store = load_into(ox.Store(str(target)), project_files(paths))
    store.flush()
    del store


def cached_store(paths: ProjectPaths) -> ox.Store:
    """The project's graph in a read-only Oxigraph store, built once per content.

    A broken file raises :class:`~kzby_kg.errors.LoadError` and leaves no cache entry.
    """
    import pyoxigraph as ox

    folder = cache_dir() / content_key(paths)
    if not (folder / "complete").is_file():
        folder.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".building-", dir=folder.parent))
        try:
            _build(paths, staging / "store")
            (staging / "complete").write_text("ok\n")
            try:
                staging.rename(folder)
            except OSError:  # another process finished first: use its store
                shutil.rmtree(staging, ignore_errors=True)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    return ox.Store.read_only(str(folder / "store"))
