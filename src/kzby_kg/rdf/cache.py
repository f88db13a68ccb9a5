"""A cache of the built graph, keyed on the content of ontology/ and data/, in two forms.

`kzby-kg query` then starts without parsing Turtle. Any change to a data or ontology file
changes the key, so a stale graph is never used. The cache lives in ``$KZBY_KG_CACHE_DIR``,
else ``$XDG_CACHE_HOME/kzby-kg``, else ``~/.cache/kzby-kg``.

Each entry holds the graph twice, because each form wins somewhere (bench/RESULTS.md, "Which
store the command line opens"):

* ``snapshot.nq``: N-Quads that an in-memory ``pyoxigraph.Store`` bulk-loads. Joins in memory
  are several times faster than on disk, so this is the form for answering questions.
* ``store/``: the same graph in Oxigraph's on-disk store, opened read-only in milliseconds
  at any size, but slower to join: the form for a graph too big to load for one command.

``form="auto"`` chooses memory up to :data:`MEMORY_LIMIT` quads, else disk: a command run once
at 1M triples would spend seconds loading the snapshot, while most questions answer on disk in
milliseconds. Long-lived users (``serve``, the benchmark, a notebook that asks many questions)
should ask for ``memory``.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from kzby_kg.errors import UsageError
from kzby_kg.paths import ProjectPaths
from kzby_kg.rdf.load import load_into, project_files

if TYPE_CHECKING:
    import pyoxigraph as ox

__all__ = ["FORMS", "MEMORY_LIMIT", "cache_dir", "cached_store", "content_key"]

_FORMAT_VERSION = "2"
FORMS = ("auto", "memory", "disk")
#: Above this many quads, ``auto`` opens the on-disk store instead of loading the snapshot.
MEMORY_LIMIT = 500_000


def cache_dir() -> Path:
    """Where built graphs are kept."""
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


def _build(paths: ProjectPaths, folder: Path) -> None:
    """Parse the Turtle once, then write both forms and the size from that one store."""
    import pyoxigraph as ox

    store = load_into(ox.Store(), project_files(paths))
    snapshot = folder / "snapshot.nq"
    store.dump(str(snapshot), ox.RdfFormat.N_QUADS)
    disk = ox.Store(str(folder / "store"))
    disk.bulk_load(path=str(snapshot), format=ox.RdfFormat.N_QUADS)
    disk.flush()
    del disk
    (folder / "quads").write_text(f"{len(store)}\n")


def _entry(paths: ProjectPaths) -> Path:
    """The cache entry for this content, built if it is missing (atomically: a folder is
    renamed into place only when complete, so a crash or a broken file leaves no entry)."""
    folder = cache_dir() / content_key(paths)
    if (folder / "complete").is_file():
        return folder
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".building-", dir=folder.parent))
    try:
        _build(paths, staging)
        (staging / "complete").write_text("ok\n")
        try:
            staging.rename(folder)
        except OSError:  # another process finished first: use its entry
            shutil.rmtree(staging, ignore_errors=True)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return folder


def cached_store(paths: ProjectPaths, *, form: str = "auto") -> ox.Store:
    """The project's graph in an Oxigraph store, built once per content.

    :param form: ``memory`` (a private in-memory store, loaded from the snapshot), ``disk``
        (the shared on-disk store, read-only) or ``auto`` (memory up to :data:`MEMORY_LIMIT`
        quads).
    :raises LoadError: for a broken file; no cache entry is left.
    :raises UsageError: for an unknown form.
    """
    import pyoxigraph as ox

    if form not in FORMS:
        raise UsageError(f"store form {form!r} is not one of {', '.join(FORMS)}")
    folder = _entry(paths)
    if form == "auto":
        quads = int((folder / "quads").read_text())
        form = "memory" if quads <= MEMORY_LIMIT else "disk"
    if form == "disk":
        return ox.Store.read_only(str(folder / "store"))
    store = ox.Store()
    store.bulk_load(path=str(folder / "snapshot.nq"), format=ox.RdfFormat.N_QUADS)
    return store
