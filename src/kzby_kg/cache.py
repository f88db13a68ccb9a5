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
from typing import Any

from .errors import LoadError
from .paths import ProjectPaths

__all__ = ["cache_dir", "content_key", "load_files", "oxigraph_store"]

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
    for path in [paths.ontology, *paths.data_files()]:
        digest.update(str(path.relative_to(paths.root)).encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:32]


def load_files(store: Any, files: list[Path]) -> Any:
    """Bulk-load Turtle files into a pyoxigraph store, naming file, line and column on error."""
    import pyoxigraph as ox

    for path in files:
        try:
            store.bulk_load(
                path=str(path), format=ox.RdfFormat.TURTLE, base_iri=path.resolve().as_uri()
            )
        except SyntaxError as exc:
            from .loading import parse_turtle

            parse_turtle(path)  # raises LoadError with file, line and column
            raise LoadError(path, f"bad Turtle syntax: {exc}") from exc
    return store


def _build(paths: ProjectPaths, target: Path) -> None:
    import pyoxigraph as ox

    store = load_files(ox.Store(str(target)), [paths.ontology, *paths.data_files()])
    store.flush()
    del store


def oxigraph_store(paths: ProjectPaths) -> Any:
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
