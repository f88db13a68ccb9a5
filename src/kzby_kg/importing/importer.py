"""Add a table to the graph through a declared mapping: all of it, validated, or nothing.

A mapping is a folder of data files (see mappings/README.md):

- ``table.json``: a W3C CSVW table description, read by :mod:`kzby_kg.importing.tables`;
- ``construct.rq``: a SPARQL CONSTRUCT from the rows (one resource per row, one property per
  column, in the rows graph) and the existing graph to the graph's own model;
- ``problems.rq``: a SELECT of ``?line ?column ?value ?why`` for rows that must stop the
  import (a name that resolves to no entity, a date before another): it must return nothing;
- ``skipped.rq`` (optional): a SELECT of ``?line ?why`` for rows the mapping leaves out on
  purpose (a partner state the graph does not hold), counted in the summary;
- ``*.ttl`` (optional): vocabularies the queries consult (the names a source uses).

The new triples are validated with the whole graph before anything is written; the file goes
to ``data/imported/MAPPING-SHA.ttl`` with a provenance record (data set, checksum, mapping,
time, rows), so importing the same file twice adds nothing.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, PROV, RDF, RDFS, XSD

from kzby_kg.errors import KzbyError, UsageError
from kzby_kg.importing.tables import Table, read_rows
from kzby_kg.paths import ProjectPaths
from kzby_kg.rdf.namespaces import KZBY, KZD, bind_prefixes

__all__ = [
    "ImportFailed",
    "ImportSummary",
    "Mapping",
    "Release",
    "choose_release",
    "import_table",
    "load_mapping",
    "version_slug",
]

ROWS_GRAPH = "urn:kzby-kg:import:rows"
#: DCAT 3's dcat:version (rdflib's DCAT namespace predates it)
DCAT_VERSION = URIRef("http://www.w3.org/ns/dcat#version")
ROW = "https://w3id.org/kzby-kg/import/row/"
COLUMN = "https://w3id.org/kzby-kg/import/column/"


class ImportFailed(KzbyError):
    """The import was refused; nothing was added."""


@dataclass(frozen=True)
class Mapping:
    """A mapping folder, read."""

    name: str
    folder: Path
    table: Table
    construct: str
    problems: str
    skipped: str | None
    vocabularies: tuple[Path, ...]
    dataset: URIRef
    #: the release the table description declares for its own file (``url``), if any
    default_release: Release | None = None


@dataclass(frozen=True)
class Release:
    """One release of a data set: the source of every fact an import of it adds.

    Two releases of one series never share a node: a fact's IRI carries its release's key."""

    iri: URIRef
    version: str

    @property
    def key(self) -> str:
        """The release's part of a fact's IRI (the last segment of its own IRI)."""
        return str(self.iri).rstrip("/").rsplit("/", 1)[-1]

    @classmethod
    def of(cls, series: URIRef, version: str) -> Release:
        """The release ``version`` of ``series``: ``kzd:undesa-ims`` and "2024" give
        ``kzd:undesa-ims-2024``."""
        return cls(URIRef(f"{series}-{version_slug(version)}"), version)


def version_slug(version: str) -> str:
    """A release's version as a name part: "3.0" gives "3-0".

    :raises UsageError: for a version with no letters or digits.
    """
    slug = re.sub(r"[^a-z0-9]+", "-", version.lower()).strip("-")
    if not slug:
        raise UsageError(f"--release: {version!r} has no letters or digits to name it by")
    return slug


def load_mapping(name: str, paths: ProjectPaths) -> Mapping:
    """A mapping by folder name under mappings/, or by path.

    :raises UsageError: if the mapping or one of its files is missing.
    """
    folder = Path(name)
    if not folder.is_dir():
        folder = paths.root / "mappings" / name
    if not folder.is_dir():
        known = sorted(p.name for p in (paths.root / "mappings").iterdir() if p.is_dir())
        raise UsageError(f"MAPPING: no mapping {name!r}; known: {', '.join(known)}")
    for required in ("table.json", "construct.rq", "problems.rq"):
        if not (folder / required).is_file():
            raise UsageError(f"MAPPING: {folder} has no {required}")
    table = Table.from_file(folder / "table.json")
    dataset = table.properties.get("dcterms:source", {})
    if not isinstance(dataset, dict) or "@id" not in dataset:
        raise UsageError(f"MAPPING: {folder}/table.json must name its data set as dcterms:source")
    declared = table.properties.get("kzby:release")
    default_release = None
    if declared is not None:
        if (
            not isinstance(declared, dict)
            or "@id" not in declared
            or "dcat:version" not in declared
        ):
            raise UsageError(
                f"MAPPING: {folder}/table.json: kzby:release needs an @id and a dcat:version"
            )
        default_release = Release(URIRef(declared["@id"]), str(declared["dcat:version"]))
    skipped = folder / "skipped.rq"
    return Mapping(
        name=folder.name,
        folder=folder,
        table=table,
        construct=(folder / "construct.rq").read_text(encoding="utf-8"),
        problems=(folder / "problems.rq").read_text(encoding="utf-8"),
        skipped=skipped.read_text(encoding="utf-8") if skipped.is_file() else None,
        vocabularies=tuple(sorted(folder.glob("*.ttl"))),
        dataset=URIRef(dataset["@id"]),
        default_release=default_release,
    )


def choose_release(mapping: Mapping, source: Path, version: str | None) -> Release:
    """The release a file is imported as: ``--release`` if given, else the table description's
    own release, but only for its own file: another file of the same format may be another
    release, and labelling it with the old one would merge two releases.

    :raises UsageError: if neither names the release.
    """
    if version:
        declared = mapping.default_release
        if declared is not None and declared.version == version:
            return declared
        return Release.of(mapping.dataset, version)
    if mapping.default_release is not None and source.name == mapping.table.url:
        return mapping.default_release
    raise UsageError(
        f"--release: name the release of {source.name} (for example --release 2024): "
        f"only {mapping.table.url or 'the described file'} has a release declared in "
        f"mappings/{mapping.name}/table.json"
    )


@dataclass
class ImportSummary:
    """What an import read, matched and added."""

    mapping: str
    source: Path
    rows_read: int = 0
    rows_skipped: int = 0
    triples_added: int = 0
    entities_matched: int = 0
    output: Path | None = None
    dry_run: bool = False
    release: str = ""
    already_imported: bool = False
    validator: str = ""
    preview: str = ""
    skipped_reasons: dict[str, int] = field(default_factory=dict)
    minted: list[str] = field(default_factory=list)

    @property
    def entities_minted(self) -> int:
        return len(self.minted)

    def format(self) -> str:
        if self.already_imported:
            where = f" ({_shown(self.output)})" if self.output else " (every fact is in the graph)"
            return (
                f"{self.source.name}: already imported as release {self.release} with mapping "
                f"{self.mapping}{where}; nothing added"
            )
        lines = [
            f"release          {self.release}",
            f"rows read        {self.rows_read:,}",
            f"rows skipped     {self.rows_skipped:,}"
            + "".join(f"\n  {n:,} {why}" for why, n in sorted(self.skipped_reasons.items())),
            "rows rejected    0",
            f"entities matched {self.entities_matched:,} (already in the graph)",
            f"entities minted  {self.entities_minted:,} (declared by the mapping)"
            + "".join(f"\n  {name}" for name in self.minted[:10])
            + (f"\n  … and {len(self.minted) - 10:,} more" if len(self.minted) > 10 else ""),
            f"triples added    {self.triples_added:,}",
            f"validated with   {self.validator}",
        ]
        if self.dry_run:
            lines.append("dry run: nothing written. The first new triples:")
            lines.append(self.preview)
        elif self.output is not None:
            lines.append(f"wrote {_shown(self.output)}")
        return "\n".join(lines)


def _shown(path: Path | None) -> str:
    """A path as the user would type it: relative to the working folder when inside it."""
    if path is None:
        return ""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _load_rows(
    store: Any, mapping: Mapping, source: Path, progress: Callable[[int], None] | None
) -> int:
    """Rows into the rows graph: one resource per row, one property per column."""
    import pyoxigraph as ox

    from kzby_kg.rdf.terms import to_ox

    graph = ox.NamedNode(ROWS_GRAPH)
    line_property = ox.NamedNode(COLUMN + "_line")
    columns = {c.name: ox.NamedNode(COLUMN + c.name) for c in mapping.table.columns}
    batch: list[Any] = []
    count = 0
    for line, row in read_rows(mapping.table, source, progress):
        count += 1
        subject = ox.NamedNode(f"{ROW}{line}")
        batch.append(
            ox.Quad(
                subject,
                line_property,
                ox.Literal(str(line), datatype=ox.NamedNode(str(XSD.integer))),
                graph,
            )
        )
        for name, value in row.items():
            if value is not None:
                batch.append(ox.Quad(subject, columns[name], to_ox(value), graph))
        if len(batch) >= 50_000:
            store.extend(batch)
            batch = []
    store.extend(batch)
    return count


LOCK_NAME = ".kzby-kg-import.lock"


@contextmanager
def import_lock(paths: ProjectPaths, wait: float = 30.0) -> Iterator[None]:
    """One import at a time per project: the second waits up to ``wait`` seconds, then is
    refused. An import validates against the graph as it is once it holds the lock, so it
    never passes against a graph another import is about to change. The lock is the kernel's
    (flock): a killed process releases it.

    :raises ImportFailed: if another import still holds the lock after ``wait`` seconds.
    """
    with (paths.root / LOCK_NAME).open("a+") as handle:  # beside data/, never in it
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    handle.seek(0)
                    holder = handle.read().strip() or "another process"
                    raise ImportFailed(
                        f"another import is running ({holder}); nothing was imported. "
                        "Run this one again when it has finished."
                    ) from None
                time.sleep(0.1)
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()} since {datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC")
        handle.flush()
        try:
            _remove_stray_files(paths)
            yield
        finally:
            handle.seek(0)
            handle.truncate()
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _remove_stray_files(paths: ProjectPaths) -> None:
    """Temporary files an import killed mid-write left (``.NAME.XXXX.tmp``, see
    :func:`kzby_kg.rdf.write.atomic_file`): no writer is active while the lock is held."""
    for folder in (paths.data_dir / "imported", paths.vendored_dir):
        if folder.is_dir():
            for stray in folder.glob(".*.tmp"):
                stray.unlink(missing_ok=True)


def _check_rows(mapping: Mapping, source: Path, progress: Callable[[int], None] | None) -> int:
    """A first pass that only checks every row, in memory that does not grow with the file:
    a bad row is refused before anything is loaded."""
    count = 0
    for _ in read_rows(mapping.table, source, progress):
        count += 1
    return count


def _select(store: Any, text: str) -> list[dict[str, str]]:
    """A mapping's SELECT over graph, rows and vocabularies; cells as plain text."""
    try:
        result = store.query(text, use_default_graph_as_union=True)
    except SyntaxError as exc:
        raise UsageError(f"MAPPING: a query does not parse: {exc}") from exc
    names = [v.value for v in result.variables]
    return [
        {n: ("" if solution[n] is None else solution[n].value) for n in names}
        for solution in result
    ]


def _check_problems(store: Any, mapping: Mapping, source: Path) -> None:
    rows = _select(store, mapping.problems)
    if rows:
        problems = [
            f"{source}: line {r.get('line', '?')}, column {r.get('column', '?')!r}, "
            f"value {r.get('value', '')!r}: {r.get('why', 'refused by the mapping')}"
            for r in rows[:20]
        ]
        more = f" (the first 20 of {len(rows)})" if len(rows) > 20 else ""
        raise ImportFailed(
            f"{source}: {len(rows)} rows the mapping refuses{more}; nothing was imported:\n  "
            + "\n  ".join(problems)
        )


def _construct(store: Any, mapping: Mapping, release: Release) -> tuple[Graph, bool]:
    """The mapping's CONSTRUCT over rows, vocabularies and graph, less what the graph has, and
    whether it made any triple at all (none new but some made: the graph has them already).

    The release is bound, never pasted: ``?_release`` (its IRI, the source of every fact) and
    ``?_releaseKey`` (the part of each fact's IRI that keeps two releases apart)."""
    import pyoxigraph as ox

    from kzby_kg.querying.parameters import inline_bindings
    from kzby_kg.rdf.terms import triple_from_ox

    text = mapping.construct
    if "?_release" in text:
        text = inline_bindings(text, {"_release": release.iri, "_releaseKey": Literal(release.key)})
    try:
        triples = store.query(text, use_default_graph_as_union=True)
    except SyntaxError as exc:
        raise UsageError(f"MAPPING: {mapping.folder / 'construct.rq'}: {exc}") from exc
    out = bind_prefixes(Graph())
    default = ox.DefaultGraph()
    made = False
    for t in triples:
        made = True
        if not any(
            True for _ in store.quads_for_pattern(t.subject, t.predicate, t.object, default)
        ):
            out.add(triple_from_ox(t))
    return out, made


def _version_key(version: str) -> tuple[tuple[int, int | str], ...]:
    """Natural order of versions: "2024" after "2020", "3.10" after "3.9"."""
    return tuple(
        (0, int(part)) if part.isdigit() else (1, part)
        for part in re.findall(r"\d+|[a-z]+", version.lower())
    )


def _describe_release(store: Any, added: Graph, mapping: Mapping, release: Release) -> None:
    """The release as a data set of its own, a version of the mapping's series, and which
    release replaces which (dcterms:replaces): the declared rule is that the higher version of
    one series replaces the lower. Stored questions prefer the facts of the replacing release;
    both releases' facts stay, each with its source."""

    from kzby_kg.querying.parameters import inline_bindings

    known = store.query(
        inline_bindings(
            "SELECT ?r ?v WHERE { ?r <http://purl.org/dc/terms/isVersionOf> ?_series ; "
            "<http://www.w3.org/ns/dcat#version> ?v }",
            {"_series": mapping.dataset},
        )
    )
    others = {URIRef(row["r"].value): str(row["v"].value) for row in known}
    if not _described(store, release.iri):
        added.add((release.iri, RDF.type, DCAT.Dataset))
        added.add(
            (
                release.iri,
                RDFS.label,
                Literal(f"{_series_label(store, mapping)}, release {release.version}", lang="en"),
            )
        )
        added.add((release.iri, DCAT_VERSION, Literal(release.version)))
    if (
        release.iri,
        DCTERMS.isVersionOf,
        mapping.dataset,
    ) not in added and release.iri not in others:
        added.add((release.iri, DCTERMS.isVersionOf, mapping.dataset))
    for other, version in others.items():
        if other == release.iri or _version_key(version) == _version_key(release.version):
            continue
        newer, older = (
            (release.iri, other)
            if _version_key(release.version) > _version_key(version)
            else (other, release.iri)
        )
        added.add((newer, DCTERMS.replaces, older))


def _described(store: Any, node: URIRef) -> bool:
    """Whether the graph (the store's default graph) says anything about ``node``."""
    import pyoxigraph as ox

    pattern = store.quads_for_pattern(ox.NamedNode(str(node)), None, None, ox.DefaultGraph())
    return any(True for _ in pattern)


def _series_label(store: Any, mapping: Mapping) -> str:
    import pyoxigraph as ox

    for quad in store.quads_for_pattern(
        ox.NamedNode(str(mapping.dataset)), ox.NamedNode(str(RDFS.label)), None, ox.DefaultGraph()
    ):
        return str(quad.object.value)
    return mapping.name


def _provenance(
    added: Graph,
    mapping: Mapping,
    source: Path,
    digest: str,
    rows: int,
    label: str | None,
    release: Release,
    timestamped: bool = True,
) -> URIRef:
    activity = KZD[f"import-{mapping.name}-{digest[:12]}"]
    added.add((activity, RDF.type, KZBY.DataImport))
    added.add(
        (
            activity,
            RDFS.label,
            Literal(label or f"Import of {source.name} ({mapping.name})", lang="en"),
        )
    )
    added.add((activity, PROV.used, release.iri))
    added.add((activity, KZBY.mapping, Literal(f"mappings/{mapping.name}")))
    added.add((activity, KZBY.sha256, Literal(digest)))
    added.add((activity, KZBY.fileName, Literal(source.name)))
    added.add((activity, KZBY.rowCount, Literal(rows, datatype=XSD.integer)))
    if timestamped:  # a vendored table is rebuilt byte for byte, so it carries no clock time
        now = datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
        added.add((activity, PROV.endedAtTime, Literal(now, datatype=XSD.dateTime)))
    for fact in set(added.subjects(DCTERMS.source, None)):
        added.add((fact, PROV.wasGeneratedBy, activity))
    return activity


def _validate(paths: ProjectPaths, added: Graph, base: list[Path]) -> str:
    from kzby_kg.validation.validator import validate_files

    with tempfile.TemporaryDirectory() as folder:
        candidate = Path(folder) / "candidate.nt"
        candidate.write_bytes(added.serialize(format="nt", encoding="utf-8"))
        files = [*base, candidate]
        report = validate_files(files, paths.shapes, validator="sparql")
    if report.violations:
        listing = "\n  ".join(
            f"{r.focus_curie} [{r.path or '-'}]: {r.message}" for r in report.violations[:20]
        )
        raise ImportFailed(
            f"the imported triples would break {len(report.violations)} SHACL rules; "
            f"nothing was imported:\n  {listing}"
        )
    return report.validator


def import_table(
    mapping: Mapping,
    source: Path,
    paths: ProjectPaths,
    *,
    source_label: str | None = None,
    release: Release | None = None,
    dry_run: bool = False,
    progress: Callable[[int], None] | None = None,
    base_files: list[Path] | None = None,
    output: Path | None = None,
    lock_wait: float = 30.0,
) -> ImportSummary:
    """Convert, check, validate, then write; any failure leaves data/ as it was.

    Rows are checked in a first pass that holds one row at a time, so a bad row is refused
    in bounded memory before anything is loaded; then, under the project's import lock, the
    rows are loaded, shaped and validated against the graph as it is then.

    :raises TableError: for a file that does not match the mapping's table description.
    :raises ImportFailed: for rows the mapping refuses, triples the shapes refuse, or another
        import that holds the lock for longer than ``lock_wait`` seconds.
    """
    source = Path(source)
    if not source.is_file():
        raise UsageError(f"FILE: {source}: no such file")
    release = release or choose_release(mapping, source, None)
    summary = ImportSummary(mapping.name, source, dry_run=dry_run, release=release.version)
    digest = sha256(source)
    vendored = output is not None
    output = output or paths.data_dir / "imported" / f"{release.key}-{digest[:12]}.ttl"
    if output.exists() and not vendored:
        summary.already_imported, summary.output = True, output
        return summary
    _check_rows(mapping, source, progress)
    with import_lock(paths, lock_wait):
        if output.exists() and not vendored:
            summary.already_imported, summary.output = True, output
            return summary
        return _import_locked(
            mapping, source, paths, summary, release, digest, output, vendored,
            source_label=source_label, dry_run=dry_run, base_files=base_files,
        )  # fmt: skip


def _import_locked(
    mapping: Mapping,
    source: Path,
    paths: ProjectPaths,
    summary: ImportSummary,
    release: Release,
    digest: str,
    output: Path,
    vendored: bool,
    *,
    source_label: str | None,
    dry_run: bool,
    base_files: list[Path] | None,
) -> ImportSummary:
    """The import proper, under the project's import lock."""
    import pyoxigraph as ox

    from kzby_kg.rdf.load import load_into, project_files
    from kzby_kg.rdf.write import serialize, write_atomic

    base = base_files if base_files is not None else project_files(paths)
    store = load_into(ox.Store(), base)
    summary.rows_read = _load_rows(store, mapping, source, None)
    for vocabulary in mapping.vocabularies:
        store.load(
            path=str(vocabulary), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(ROWS_GRAPH)
        )
    _check_problems(store, mapping, source)
    if mapping.skipped:
        for row in _select(store, mapping.skipped):
            why = row.get("why", "left out by the mapping")
            summary.skipped_reasons[why] = summary.skipped_reasons.get(why, 0) + 1
        summary.rows_skipped = sum(summary.skipped_reasons.values())
    added, made = _construct(store, mapping, release)
    if len(added) == 0:
        if made:
            summary.already_imported = True  # every fact is in the graph already (vendored)
            return summary
        raise ImportFailed(f"{source}: the mapping made no triples from {summary.rows_read} rows")
    minted, summary.entities_matched = _count_entities(store, added)
    summary.minted = sorted(str(added.value(m, RDFS.label) or m) for m in minted)
    _describe_release(store, added, mapping, release)
    _provenance(
        added, mapping, source, digest, summary.rows_read, source_label, release, not vendored
    )
    summary.triples_added = len(added)
    summary.validator = _validate(paths, added, base)
    data = serialize(added, "turtle")
    if dry_run:
        summary.preview = "\n".join(data.decode("utf-8").splitlines()[:40])
        return summary
    write_atomic(output, data)
    summary.output = output
    return summary


def _count_entities(store: Any, added: Graph) -> tuple[set[URIRef], int]:
    """(agents the mapping minted, how many existing entities the new triples point at)."""

    def exists(node: URIRef) -> bool:
        return _described(store, node)

    def is_agent_class(cls: URIRef) -> bool:
        from kzby_kg.querying.parameters import inline_bindings

        ask = f"ASK WHERE {{ ?c <{RDFS.subClassOf}>* <http://xmlns.com/foaf/0.1/Agent> }}"
        return bool(store.query(inline_bindings(ask, {"c": cls})))

    agent_classes = {c for c in set(added.objects(None, RDF.type)) if is_agent_class(c)}  # type: ignore[arg-type]
    minted = {
        s
        for s, _, c in added.triples((None, RDF.type, None))
        if c in agent_classes and not exists(s)  # type: ignore[arg-type]
    }
    subjects = set(added.subjects())
    matched = {
        o for o in added.objects() if isinstance(o, URIRef) and o not in subjects and exists(o)
    }
    return cast("set[URIRef]", minted), len(matched)  # subjects a mapping mints are IRIs


def progress_bar(total: int) -> Callable[[int], None]:
    """A one-line progress bar on stderr, for files large enough to wait for."""
    start = time.monotonic()

    def show(done: int) -> None:
        fraction = min(1.0, done / total) if total else 1.0
        elapsed = time.monotonic() - start
        bar = "#" * int(fraction * 30)
        sys.stderr.write(
            f"\rreading {bar:<30} {fraction:6.1%} {done / 1e6:,.0f} MB {elapsed:5.0f} s"
        )
        sys.stderr.flush()

    return show
