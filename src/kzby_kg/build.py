"""The main job: load, validate, write dist/ and summarise.

Nothing is written when the graph has violations, so dist/ always holds a graph that passed.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph
from rdflib.namespace import OWL, RDF, RDFS

from .export import FORMATS, serialize_all, write_atomic
from .labels import label
from .loading import load
from .paths import ProjectPaths, find_root
from .validation import Report, validate_graph

__all__ = ["BuildResult", "build", "entity_counts"]

_SCHEMA_TYPES = {OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.Ontology, RDFS.Class}


@dataclass
class BuildResult:
    """What a build produced."""

    triples: int
    entities: Counter[str]
    report: Report
    outputs: list[Path] = field(default_factory=list)

    def format(self) -> str:
        lines = [f"triples: {self.triples}", "entities by class:"]
        lines.extend(
            f"  {count:>5}  {name}"
            for name, count in sorted(self.entities.items(), key=lambda kv: (-kv[1], kv[0]))
        )
        lines.append("validation:")
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
    """Load ontology and data, validate, and write dist/kzby-kg.{ttl,nt,jsonld} if it conforms."""
    paths = root if isinstance(root, ProjectPaths) else find_root(root)
    graph = load(paths)
    report = validate_graph(graph, paths.shapes)
    result = BuildResult(len(graph), entity_counts(graph), report)
    if report.conforms:
        target = out_dir or paths.dist
        # Serialize everything before writing anything, so a failure leaves dist/ as it was.
        data = serialize_all(graph, list(FORMATS))
        payloads = {target / f"kzby-kg{FORMATS[fmt][1]}": data[fmt] for fmt in FORMATS}
        for path, data in payloads.items():
            write_atomic(path, data)
            result.outputs.append(path)
    return result
