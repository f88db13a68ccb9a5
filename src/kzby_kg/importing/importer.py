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

import hashlib
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, XSD

from kzby_kg.errors import KzbyError, UsageError
from kzby_kg.importing.tables import Table, read_rows
from kzby_kg.paths import ProjectPaths
from kzby_kg.rdf.namespaces import KZBY, KZD, bind_prefixes

__all__ = ["ImportFailed", "ImportSummary", "Mapping", "import_table", "load_mapping"]

ROWS_GRAPH = "urn:kzby-kg:import:rows"
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
            return (
                f"{self.source.name}: already imported with mapping {self.mapping} "
                f"({_shown(self.output)}); nothing added"
            )
        lines = [
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


def _construct(store: Any, mapping: Mapping) -> Graph:
    """The mapping's CONSTRUCT over rows, vocabularies and graph, less what the graph has."""
    import pyoxigraph as ox

    from kzby_kg.rdf.terms import triple_from_ox

    try:
        triples = store.query(mapping.construct, use_default_graph_as_union=True)
    except SyntaxError as exc:
        raise UsageError(f"MAPPING: {mapping.folder / 'construct.rq'}: {exc}") from exc
    out = bind_prefixes(Graph())
    default = ox.DefaultGraph()
    for t in triples:
        if not any(
            True for _ in store.quads_for_pattern(t.subject, t.predicate, t.object, default)
        ):
            out.add(triple_from_ox(t))
    return out


def _provenance(
    added: Graph, mapping: Mapping, source: Path, digest: str, rows: int, label: str | None
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
    added.add((activity, PROV.used, mapping.dataset))
    added.add((activity, KZBY.mapping, Literal(f"mappings/{mapping.name}")))
    added.add((activity, KZBY.sha256, Literal(digest)))
    added.add((activity, KZBY.fileName, Literal(source.name)))
    added.add((activity, KZBY.rowCount, Literal(rows, datatype=XSD.integer)))
    now = datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    added.add((activity, PROV.endedAtTime, Literal(now, datatype=XSD.dateTime)))
    for fact in set(added.subjects(DCTERMS.source, None)):
        added.add((fact, PROV.wasGeneratedBy, activity))
    return activity


def _validate(paths: ProjectPaths, added: Graph) -> str:
    from kzby_kg.validation.validator import validate_files

    with tempfile.TemporaryDirectory() as folder:
        candidate = Path(folder) / "candidate.nt"
        candidate.write_bytes(added.serialize(format="nt", encoding="utf-8"))
        files = [paths.ontology, *paths.data_files(), candidate]
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
    dry_run: bool = False,
    progress: Callable[[int], None] | None = None,
) -> ImportSummary:
    """Convert, check, validate, then write; any failure leaves data/ as it was.

    :raises TableError: for a file that does not match the mapping's table description.
    :raises ImportFailed: for rows the mapping refuses or triples the shapes refuse.
    """
    import pyoxigraph as ox

    from kzby_kg.rdf.load import load_into, project_files
    from kzby_kg.rdf.write import serialize, write_atomic

    source = Path(source)
    if not source.is_file():
        raise UsageError(f"FILE: {source}: no such file")
    summary = ImportSummary(mapping.name, source, dry_run=dry_run)
    digest = sha256(source)
    output = paths.data_dir / "imported" / f"{mapping.name}-{digest[:12]}.ttl"
    if output.exists():
        summary.already_imported, summary.output = True, output
        return summary
    store = load_into(ox.Store(), project_files(paths))
    summary.rows_read = _load_rows(store, mapping, source, progress)
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
    added = _construct(store, mapping)
    if len(added) == 0:
        raise ImportFailed(f"{source}: the mapping made no triples from {summary.rows_read} rows")
    minted, summary.entities_matched = _count_entities(store, added)
    summary.minted = sorted(str(added.value(m, RDFS.label) or m) for m in minted)
    _provenance(added, mapping, source, digest, summary.rows_read, source_label)
    summary.triples_added = len(added)
    summary.validator = _validate(paths, added)
    data = serialize(added, "turtle")
    if dry_run:
        summary.preview = "\n".join(data.decode("utf-8").splitlines()[:40])
        return summary
    write_atomic(output, data)
    summary.output = output
    return summary


def _count_entities(store: Any, added: Graph) -> tuple[set[URIRef], int]:
    """(agents the mapping minted, how many existing entities the new triples point at)."""
    import pyoxigraph as ox

    def exists(node: URIRef) -> bool:
        pattern = store.quads_for_pattern(ox.NamedNode(str(node)), None, None, ox.DefaultGraph())
        return any(True for _ in pattern)

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
