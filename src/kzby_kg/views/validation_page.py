"""The validation report as a page a person reads: written by ``kzby-kg build`` next to the
exports (dist/validation.html), even when the graph has violations, since that is when it is
needed most.

Results are grouped by severity, then by check (shape and path, as ``kzby-kg build`` counts
them), most results first; each row gives the focus node's label and CURIE, the path, the value,
the message, and the source the graph gives for the fact. Output is deterministic (no dates,
sorted) and self-contained (inline CSS, no scripts, no network).
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape
from importlib.resources import files as package_files
from string import Template

from rdflib import BNode, Graph, Literal
from rdflib.namespace import DCTERMS, PROV, QB
from rdflib.term import Node

from kzby_kg.rdf.labels import curie, label
from kzby_kg.rdf.namespaces import KZBY
from kzby_kg.validation.report import Report, Result
from kzby_kg.views.ontology_docs import anchor

__all__ = ["SEVERITIES", "fact_sources", "sources_of", "validation_html"]

#: the severities in the order a reader should meet them, with what each means here
SEVERITIES = (
    ("Violation", "structure is broken: the build writes no graph while any remain"),
    ("Warning", "doubts about the data, mostly source criticism"),
    ("Info", "facts that rest on the article's word alone, and what findings concern"),
)
#: Info groups this long start folded, so that the warnings stay in view
_FOLD_FROM = 20


def sources_of(graph: Graph, node: Node) -> list[Node]:
    """What the graph cites for a node (dcterms:source and prov:wasDerivedFrom), in IRI order."""
    return sorted(
        set(graph.objects(node, DCTERMS.source)) | set(graph.objects(node, PROV.wasDerivedFrom)),
        key=str,
    )


def fact_sources(graph: Graph, node: Node) -> list[str]:
    """The sources the graph gives for a fact, as "label (CURIE) [marker]".

    A node's own ``dcterms:source`` (or ``prov:wasDerivedFrom`` for a statement) first; an
    observation without one cites through its data set (``qb:dataSet``); a blank node (a date
    of a membership) through the node that holds it. Empty when the graph names no source.
    """
    marker = next((str(m) for m in graph.objects(node, KZBY.citationMarker)), "")
    found = sources_of(graph, node)
    if not found:
        for holder in sorted(graph.objects(node, QB.dataSet), key=str):
            found = sources_of(graph, holder)
            marker = marker or next(
                (str(m) for m in graph.objects(holder, KZBY.citationMarker)), ""
            )
            if found:
                break
    if not found and isinstance(node, BNode):
        for holder in sorted(graph.subjects(None, node), key=str):
            found = sources_of(graph, holder)
            if found:
                break
    suffix = f" {marker}" if marker else ""
    return [
        f"{label(graph, s)} ({curie(graph, s)}){suffix}"
        if not isinstance(s, Literal)
        else str(s) + suffix
        for s in found
    ]


def _check(result: Result) -> str:
    """The check a result belongs to, named as ``kzby-kg build`` counts it."""
    return f"{result.shape} [{result.path}]" if result.path else result.shape


def _focus_name(result: Result) -> str:
    """The focus node's CURIE; a blank node has none a reader could use, and its label from the
    parser differs from run to run, so the page says what it is instead."""
    return "(blank node)" if isinstance(result.focus, BNode) else result.focus_curie


def _groups(results: Iterable[Result]) -> list[tuple[str, list[Result]]]:
    """Results by check, most first; within a check by focus, path, value and message, so that
    the order never depends on the validator's."""
    by_check: dict[str, list[Result]] = {}
    for r in results:
        by_check.setdefault(_check(r), []).append(r)
    return sorted(
        (
            (
                check,
                sorted(
                    rs,
                    key=lambda r: (
                        r.focus_label,
                        _focus_name(r),
                        r.path or "",
                        r.value or "",
                        r.message,
                    ),
                ),
            )
            for check, rs in by_check.items()
        ),
        key=lambda kv: (-len(kv[1]), kv[0]),
    )


def _anchor(severity: str, n: int) -> str:
    return f"{severity.lower()}-{n}"


def _row(graph: Graph, r: Result) -> str:
    sources = fact_sources(graph, r.focus)
    source_html = (
        "<br>".join(escape(s) for s in sources) if sources else '<span class="none">—</span>'
    )
    return (
        f"<tr><td>{escape(r.focus_label)}<br><code>{escape(_focus_name(r))}</code></td>"
        f"<td><code>{escape(r.path or '')}</code></td>"
        f"<td>{escape(r.value or '')}</td>"
        f"<td>{escape(r.message)}</td><td>{source_html}</td></tr>\n"
    )


def _docs_link(docs_href: str | None, path: str | None) -> str:
    """A link to the entry of a check's path in the ontology documentation, which lists every
    shape on that path with its constraints."""
    if not docs_href or not path or ":" not in path or path.startswith(("http:", "https:")):
        return ""
    href = f"{docs_href}#{anchor(path)}"
    return f' <a class="docs" href="{escape(href)}">shapes on this path</a>'


def validation_html(report: Report, graph: Graph, docs_href: str | None = None) -> str:
    """The page for ``report`` on ``graph`` (the graph names the sources of each fact).

    :param docs_href: where the ontology documentation is, relative to the page; each check
        then links to the entry of its path there
    """
    counts = report.counts()
    index: list[str] = []
    body: list[str] = []
    for severity, meaning in SEVERITIES:
        groups = _groups(report.of(severity))
        index.append(
            f'<li><span class="sev sev-{severity.lower()}">{severity}</span> '
            f"{counts[severity]:,} ({escape(meaning)})<ul>"
            + "".join(
                f'<li><a href="#{_anchor(severity, n)}">{escape(check)}</a> {len(rs):,}</li>'
                for n, (check, rs) in enumerate(groups, 1)
            )
            + "</ul></li>\n"
        )
        parts = [f'<section id="{severity.lower()}s"><h2>{severity}s ({counts[severity]:,})</h2>']
        if not groups:
            parts.append(f'<p class="none">No {severity.lower()}s.</p>')
        for n, (check, rs) in enumerate(groups, 1):
            folded = severity == "Info" and len(rs) >= _FOLD_FROM
            parts.append(
                f'<details id="{_anchor(severity, n)}"{"" if folded else " open"}>'
                f'<summary><span class="sev sev-{severity.lower()}">{severity}</span> '
                f"<code>{escape(check)}</code> · {len(rs):,}"
                f"{_docs_link(docs_href, rs[0].path)}</summary>\n"
                "<table><thead><tr><th>focus node</th><th>path</th><th>value</th>"
                "<th>message</th><th>source of the fact</th></tr></thead><tbody>\n"
                + "".join(_row(graph, r) for r in rs)
                + "</tbody></table></details>\n"
            )
        parts.append("</section>\n")
        body.append("".join(parts))
    verdict = (
        "The graph conforms: no violations."
        if report.conforms
        else f"The graph does not conform: {counts['Violation']:,} violations; "
        "the build wrote no graph."
    )
    template = Template(
        package_files("kzby_kg.views").joinpath("templates/validation.html").read_text("utf-8")
    )
    docs = "<code>docs/ontology/index.html</code>"
    if docs_href:
        docs = f'<a href="{escape(docs_href)}">{docs}</a>'
    return template.substitute(
        docs=docs,
        verdict=escape(verdict),
        summary=escape(
            f"{counts['Violation']:,} violations, {counts['Warning']:,} warnings, "
            f"{counts['Info']:,} infos (validator: {report.validator})"
        ),
        index="".join(index),
        results="".join(body),
    )
