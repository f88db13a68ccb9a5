"""The vendored tables as part of the graph: ``build`` imports each table of
``datasets/manifest.json`` through its mapping, as the release the manifest names.

Each output (``data/vendored/MAPPING-RELEASE.ttl``) is made from the ontology, the shapes, the
hand-written data, the tables before it in the manifest, its mapping folder and its file. Their
checksums are kept in ``data/vendored/inputs.json``: an import is redone only when one changed,
and it carries no clock time, so the same inputs always give the same bytes.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from kzby_kg.errors import UsageError
from kzby_kg.importing.importer import (
    choose_release,
    import_table,
    load_mapping,
    sha256,
    version_slug,
)
from kzby_kg.paths import ProjectPaths
from kzby_kg.rdf.write import write_atomic

__all__ = ["VendoredTable", "manifest", "vendor"]

MANIFEST = Path("datasets") / "manifest.json"
STAMPS = "inputs.json"


@dataclass(frozen=True)
class VendoredTable:
    """One manifest entry and what build did with it."""

    mapping: str
    file: Path
    release: str
    output: Path
    status: str = ""


def manifest(paths: ProjectPaths) -> list[VendoredTable]:
    """The manifest's tables, in order.

    :raises UsageError: if the manifest is missing, unreadable, or names a missing file.
    """
    path = paths.root / MANIFEST
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))["tables"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise UsageError(f"{path}: cannot read the list of vendored tables: {exc}") from exc
    tables = []
    for entry in entries:
        file = paths.root / "datasets" / entry["file"]
        if not file.is_file():
            raise UsageError(f"{path}: {entry['file']} is not in datasets/")
        output = paths.vendored_dir / f"{entry['mapping']}-{version_slug(entry['release'])}.ttl"
        tables.append(VendoredTable(entry["mapping"], file, entry["release"], output))
    return tables


def _inputs_digest(paths: ProjectPaths, table: VendoredTable, before: list[Path]) -> str:
    """One checksum over everything an output is made from, code included."""
    digest = hashlib.sha256()
    folder = paths.root / "mappings" / table.mapping
    code = Path(__file__).parent
    files = [
        paths.ontology,
        paths.shapes,
        *paths.article_files(),
        *before,
        *sorted(p for p in folder.iterdir() if p.is_file()),
        table.file,
    ]
    for file in files:
        digest.update(str(file.relative_to(paths.root)).encode())
        digest.update(sha256(file).encode())
    for module in ("importer.py", "tables.py"):  # the code, wherever the package is installed
        digest.update(module.encode())
        digest.update(sha256(code / module).encode())
    digest.update(table.release.encode())
    return digest.hexdigest()


def vendor(paths: ProjectPaths, *, check_only: bool = False) -> list[VendoredTable]:
    """Bring data/vendored/ up to date with the manifest: import what changed, keep the rest.

    With ``check_only``, nothing is written and a table is reported "stale" instead.

    :raises ImportFailed: if a vendored table no longer imports (the mapping or the graph
        changed under it); the previous output is left as it was.
    """
    stamps_path = paths.vendored_dir / STAMPS
    stamps = json.loads(stamps_path.read_text("utf-8")) if stamps_path.is_file() else {}
    done: list[VendoredTable] = []
    before: list[Path] = []
    for table in manifest(paths):
        key = str(table.output.relative_to(paths.root))
        digest = _inputs_digest(paths, table, before)
        if table.output.is_file() and stamps.get(key) == digest:
            status = "unchanged"
        elif check_only:
            status = "stale"
        else:
            mapping = load_mapping(table.mapping, paths)
            release = choose_release(mapping, table.file, table.release)
            base = [paths.ontology, *paths.article_files(), *before]
            status = "imported" if not table.output.is_file() else "updated"
            import_table(
                mapping, table.file, paths, release=release, base_files=base, output=table.output
            )
            stamps[key] = digest
            write_atomic(
                stamps_path, (json.dumps(stamps, indent=2, sort_keys=True) + "\n").encode()
            )
        done.append(VendoredTable(table.mapping, table.file, table.release, table.output, status))
        before.append(table.output)
    return done
