"""The main job, the whole flow in one place: vendored tables -> sources -> store ->
validation -> exports.

Each file is parsed once, into Oxigraph; the validators read that store (pyshacl through an
rdflib graph made from it), and the exports are written from the same graph.

Nothing is written when the graph has violations, so dist/ always holds a graph that passed.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph
from rdflib.namespace import OWL, RDF, RDFS

from kzby_kg.importing.vendored import MANIFEST, VendoredTable, vendor
from kzby_kg.paths import ProjectPaths, find_root
from kzby_kg.rdf.labels import label
from kzby_kg.rdf.load import load_store, to_graph
from kzby_kg.rdf.write import FORMATS, serialize_all, write_atomic
from kzby_kg.validation.report import Report
from kzby_kg.validation.validator import validate_store

__all__ = ["BuildResult", "build", "entity_counts"]

_SCHEMA_TYPES = {OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.Ontology, RDFS.Class}


@dataclass
class BuildResult:
    """What a build produced."""

    triples: int
    entities: Counter[str]
    report: Report
    outputs: list[Path] = field(default_factory=list)
    vendored: list[VendoredTable] = field(default_factory=list)

    def format(self) -> str:
        lines = []
        if self.vendored:
            lines.append("vendored tables (datasets/manifest.json):")
            lines.extend(
                f"  {t.mapping} {t.release}: {t.output.parent.name}/{t.output.name} ({t.status})"
                for t in self.vendored
            )
        lines += [f"triples: {self.triples}", "entities by class:"]
        lines.extend(
            f"  {count:>5}  {name}"
            for name, count in sorted(self.entities.items(), key=lambda kv: (-kv[1], kv[0]))
        )
        lines.append("validation:")
        for severity in ("Violation", "Warning"):
            checks = self.report.by_check(severity)
            if checks:
                lines.append(f"  {severity.lower()}s by check:")
                lines.extend(f"  {n:>5}  {check}" for check, n in checks)
        lines.extend("  " + line for line in self.report.format(per_message=10).splitlines())
        if self.outputs:
            lines.append("wrote: " + ", ".join(str(p) for p in self.outputs))
        else:
            lines.append("wrote nothing: the graph has violations")
        return "\n".join(lines)


def entity_counts(graph: Graph) -> Counter[str]:
    """Instances per class (direct rdf:type), by English label; ontology terms are left out."""
    counts: Counter[str] = Counter()
    for node, cls in graph.subject_objects(RDF.type):
        if cls in _SCHEMA_TYPES or (node, RDF.type, OWL.Class) in graph:
            continue
        counts[label(graph, cls)] += 1
    return counts


def build(
    root: str | Path | ProjectPaths | None = None, out_dir: Path | None = None
) -> BuildResult:
    """Import the vendored tables that changed, load ontology and data, validate, and write
    dist/kzby-kg.{ttl,nt,jsonld} if it conforms: dist/ holds the full graph."""
    paths = root if isinstance(root, ProjectPaths) else find_root(root)
    vendored = vendor(paths) if (paths.root / MANIFEST).is_file() else []
    store = load_store(paths)
    graph = to_graph(store)  # for rdflib's serialisers and pyshacl
    report = validate_store(store, paths.shapes, graph=graph)
    result = BuildResult(len(graph), entity_counts(graph), report, vendored=vendored)
    if report.conforms:
        target = out_dir or paths.dist
        # Serialize everything before writing anything, so a failure leaves dist/ as it was.
        data = serialize_all(graph, list(FORMATS))
        payloads = {target / f"kzby-kg{FORMATS[fmt].suffix}": data[fmt] for fmt in FORMATS}
        for path, payload in payloads.items():
            write_atomic(path, payload)
            result.outputs.append(path)
    return result
