"""The main job, the whole flow in one place: vendored tables -> sources -> store ->
validation -> exports, with the validation report page and the ontology's documentation.

Each file is parsed once, into Oxigraph; the validators read that store (pyshacl through an
rdflib graph made from it), and the exports are written from the same graph.

No graph is written when it has violations, so dist/ always holds a graph that passed; the
validation report page (dist/validation.html) is written every time, since a failed build is
when it is read most. docs/ontology/ is written from ontology/ alone, into the checkout (it is
committed), only where its bytes change.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable
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
from kzby_kg.views.ontology_docs import DOCS_DIR, write_ontology_docs
from kzby_kg.views.validation_page import validation_html

__all__ = ["REPORT_PAGE", "BuildResult", "build", "entity_counts"]

#: the validation report page, beside the exports
REPORT_PAGE = "validation.html"

_SCHEMA_TYPES = {OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.Ontology, RDFS.Class}


@dataclass
class BuildResult:
    """What a build produced."""

    triples: int
    entities: Counter[str]
    report: Report
    outputs: list[Path] = field(default_factory=list)
    vendored: list[VendoredTable] = field(default_factory=list)
    #: the validation report page, written whether or not the graph conforms
    report_page: Path | None = None
    #: docs/ontology/ files, relative to the project root, each ``written`` or ``unchanged``
    docs: list[tuple[Path, str]] = field(default_factory=list)

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
        page = [self.report_page] if self.report_page else []
        if self.outputs:
            lines.append("wrote: " + ", ".join(str(p) for p in [*self.outputs, *page]))
        elif page:
            lines.append(f"wrote {page[0]} only: the graph has violations")
        else:
            lines.append("wrote nothing: the graph has violations")
        if self.docs:
            # each page with its own status: "a, b (unchanged, written)" read as both were both
            lines.append(
                "ontology docs: " + ", ".join(f"{p} ({status})" for p, status in self.docs)
            )
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
    root: str | Path | ProjectPaths | None = None,
    out_dir: Path | None = None,
    *,
    progress: Callable[[str], None] | None = None,
) -> BuildResult:
    """Import the vendored tables that changed, load ontology and data, validate, write
    dist/validation.html, and write dist/kzby-kg.{ttl,nt,jsonld} if it conforms: dist/ holds
    the full graph. docs/ontology/ is brought up to date with ontology/.

    :param progress: told each step as it starts (the CLI prints them on a terminal), as
        :func:`kzby_kg.report.build.build_report` is.
    """
    say = progress or (lambda _step: None)
    paths = root if isinstance(root, ProjectPaths) else find_root(root)
    vendored: list[VendoredTable] = []
    if (paths.root / MANIFEST).is_file():
        say("importing the vendored tables that changed")
        vendored = vendor(paths)
    say("loading the ontology and data")
    store = load_store(paths)
    say("updating docs/ontology")
    docs = [(p.relative_to(paths.root), status) for p, status in write_ontology_docs(paths)]
    graph = to_graph(store)  # for rdflib's serialisers and pyshacl
    say("validating against the SHACL shapes")
    report = validate_store(store, paths.shapes, graph=graph)
    result = BuildResult(len(graph), entity_counts(graph), report, vendored=vendored, docs=docs)
    target = out_dir or paths.dist
    result.report_page = target / REPORT_PAGE
    docs_href = Path(os.path.relpath(paths.root / DOCS_DIR / "index.html", target)).as_posix()
    page = validation_html(report, graph, docs_href=docs_href)
    write_atomic(result.report_page, page.encode("utf-8"))
    if report.conforms:
        say("writing dist/")
        # Serialize everything before writing anything, so a failure leaves dist/ as it was.
        data = serialize_all(graph, list(FORMATS))
        payloads = {target / f"kzby-kg{FORMATS[fmt].suffix}": data[fmt] for fmt in FORMATS}
        for path, payload in payloads.items():
            write_atomic(path, payload)
            result.outputs.append(path)
    return result
