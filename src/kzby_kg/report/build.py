"""``kzby-kg report``: an HTML briefing of the relationship that an analyst can mail or print.

One self-contained file: styles and SVG figures inline, no script, nothing fetched from any host.
Every statement carries a numbered note to the source the graph cites for it (dcterms:source,
prov:wasDerivedFrom, cito:citesAsEvidence), and the reference list at the end gives author, year,
title and DOI or URL where the graph has them. The figures are drawn from the stored questions
(queries/*.rq), so the briefing says what ``kzby-kg query`` says.
"""

from __future__ import annotations

import html
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path
from string import Template
from typing import TYPE_CHECKING, Any

from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, SKOS
from rdflib.term import Identifier, Node

from kzby_kg.errors import UsageError
from kzby_kg.languages import check_language
from kzby_kg.paths import ProjectPaths, find_root
from kzby_kg.querying.engines import OxigraphBackend
from kzby_kg.querying.questions import run_stored, stored_query
from kzby_kg.rdf.labels import curie, label
from kzby_kg.rdf.load import check_scope, load_store, to_graph
from kzby_kg.rdf.namespaces import BIBO, BIRO, CITO, KZBY, KZD, SDMX_ATTRIBUTE
from kzby_kg.rdf.write import write_atomic
from kzby_kg.report import charts
from kzby_kg.report.footnotes import Footnotes
from kzby_kg.report.strings import strings
from kzby_kg.views.validation_page import sources_of

if TYPE_CHECKING:
    import pyoxigraph as ox
    from rdflib import Graph

__all__ = ["DEFAULT_OUTPUT", "build_report", "write_report"]

#: where ``kzby-kg report`` writes when no -o is given, relative to the project folder
DEFAULT_OUTPUT = Path("dist") / "report.html"

#: a group of findings (or of SHACL Info results) larger than this is a table import's defect
#: repeated row by row (1,600 catalogue treaties with one date error): its first _SHOWN are
#: listed and the rest counted. Every SHACL Warning is listed.
_WHOLE = 30
_SHOWN = 8
#: migration-related instruments go on the migration row of the timeline
_MIGRATION_WORD = "migra"
_MEMBER = KZD["status-member"]


def _is_membership(graph: Any, status: Node | None) -> bool:
    """Whether a status is membership (kzd:status-member or narrower, as a founding member is);
    an observer, an associate member or a dialogue partner is not, and is drawn apart."""
    seen: set[Node] = set()
    while status is not None and status not in seen:
        if status == _MEMBER:
            return True
        seen.add(status)
        status = graph.value(status, SKOS.broader)
    return False


def _esc(value: object) -> str:
    return html.escape(str(value), quote=True)


@dataclass
class _Briefing:
    """What one briefing is built from: the graph, its engine, the language and the notes."""

    paths: ProjectPaths
    graph: Graph
    backend: OxigraphBackend
    lang: str
    s: dict[str, str]
    notes: Footnotes = field(default_factory=Footnotes)

    def ask(self, name: str, **params: Any) -> list[dict[str, Identifier | None]]:
        """The rows of a stored question, parameters bound (never pasted into the text)."""
        return run_stored(stored_query(name, self.paths), self.backend, params).dicts()

    def name(self, node: Node | None) -> str:
        return "" if node is None else label(self.graph, node, self.lang)

    def sources(self, node: Node | None) -> list[str]:
        """The sources the graph cites for a node, as IRIs."""
        if node is None:
            return []
        return [str(s) for s in sources_of(self.graph, node) if isinstance(s, URIRef)]

    def cite(self, *sources: str | Node | None) -> str:
        return self.notes.marks(str(s) for s in sources if s)

    def place_on(self, place: Node | None, day: str) -> tuple[str, list[str]]:
        """The name a place bore on ``day`` in the briefing's language (English, then any, if
        it has no name in that language), and the source of that name; its label if it has no
        dated names."""
        if place is None:
            return "", []
        if not isinstance(place, URIRef) or not day:
            return self.name(place), []
        when = day if len(day) >= 10 else f"{day[:4]}-07-01"
        rows = self.ask("place-name-on-date", place=place, date=when)
        by_lang: dict[str, dict[str, Identifier | None]] = {}
        for row in rows:
            name = row["name"]
            if isinstance(name, Literal):
                by_lang.setdefault(name.language or "", row)
        for key in (self.lang, "en", *sorted(by_lang)):
            if key in by_lang:
                row = by_lang[key]
                source = row.get("source")
                return str(row["name"]), [str(source)] if source is not None else []
        return self.name(place), []


def _text(value: Identifier | None) -> str:
    return "" if value is None else str(value)


def _number(value: Identifier | None) -> float | None:
    if value is None:
        return None
    try:
        return float(str(value))
    except ValueError:
        return None


def _list(value: Identifier | None) -> list[str]:
    return [part for part in _text(value).split("; ") if part]


def _figure(svg: str, caption: str, number: int, s: dict[str, str]) -> str:
    return (
        f'<figure class="chart">{svg}<figcaption><b>{_esc(s["figure"])} {number}.</b> '
        f"{caption}</figcaption></figure>"
    )


def _table(head: list[str], rows: list[list[str]]) -> str:
    """A table of cells that are already HTML."""
    ths = "".join(f"<th>{_esc(h)}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{ths}</tr></thead><tbody>{body}</tbody></table>"


# ---------------------------------------------------------------- timeline


def _timeline(b: _Briefing) -> str:
    s = b.s
    states = [KZD.kazakhstan, KZD.belarus]
    bars: list[charts.TimelineBar] = []
    rows: list[tuple[str, str, str, str]] = []  # date, what, place, notes
    last = 1991.0
    for state in states:
        for row in b.ask("memberships-of-state", state=state):
            start, end = _text(row["start"]), _text(row["end"])
            if not start:
                continue
            begin = max(charts.fractional_year(start), 1991.0)
            stop = charts.fractional_year(end) if end else None
            full = _is_membership(b.graph, row["status"])
            bars.append(
                charts.TimelineBar(b.name(row["organisation"]), b.name(state), begin, stop, full)
            )
            last = max(last, begin, stop or 0)
            what = f"{b.name(state)}: {b.name(row['status'])}, {b.name(row['organisation'])}"
            if end:
                what += f" ({s['period'].format(start=start, end=end)})"
            notes = b.cite(*_list(row["startSourceList"]), *_list(row["endSourceList"]))
            rows.append((start, _esc(what), "", notes or b.cite(*_list(row["sourceList"]))))
    marks: list[charts.TimelineMark] = []
    instruments: dict[str, tuple[str, str, Node | None, list[str]]] = {}
    left_out = 0
    for row in b.ask("bilateral-instruments"):
        instrument = row["instrument"]
        when = _text(row["signed"]) or _text(row["periodStart"])
        if instrument is None or not when or int(when[:4]) < 1991:
            continue
        if (instrument, PROV.wasGeneratedBy, None) in b.graph:
            left_out += 1  # a catalogue agreement of an imported table: too many to draw
            continue
        key = str(instrument)
        entry = instruments.setdefault(key, (when, b.name(instrument), row["place"], []))
        entry[3].append(_text(row["source"]))
    for key, (when, name, place, sources) in instruments.items():
        place_name, place_sources = b.place_on(place, when)
        written = b.graph.value(URIRef(key), KZBY.placeNameAsWritten)
        if not place_sources and written is not None:
            # no dated name for the place (Almaty has none): the document's own spelling of
            # it, which its source gives ("Alma-Ata" in 1991), not today's name
            place_name = str(written)
        is_migration = _MIGRATION_WORD in label(b.graph, URIRef(key), "en").lower()
        row_name = s["migration_events"] if is_migration else s["agreements"]
        at = charts.fractional_year(when)
        marks.append(charts.TimelineMark(row_name, at, place_name or when[:4]))
        last = max(last, at)
        rows.append((when, _esc(name), _esc(place_name), b.cite(*sources, *place_sources)))
    for row in b.ask("commission-meetings"):
        when = _text(row["date"])
        if not when:
            continue
        place_name, place_sources = b.place_on(row["place"], when)
        ordinal = _text(row["ordinal"])
        text = " · ".join(t for t in (f"№{ordinal}" if ordinal else "", place_name) if t)
        at = charts.fractional_year(when)
        marks.append(charts.TimelineMark(s["meetings"], at, text or when[:4]))
        last = max(last, at)
        what = b.name(row["item"])
        if row["count"] is not None:
            what += f": {_text(row['count'])}"
        rows.append((when, _esc(what), _esc(place_name), b.cite(row["source"], *place_sources)))
    for row in b.ask("migration-waves"):
        earliest = _text(row["earliest"])
        if earliest and int(earliest) >= 1991:
            marks.append(charts.TimelineMark(s["migration_events"], float(earliest), earliest))
            rows.append((earliest, _esc(b.name(row["wave"])), "", b.cite(row["source"])))
    svg = charts.timeline_chart(
        bars, marks, [b.name(x) for x in states], s, s["timeline_title"], last
    )
    note = f'<p class="note">{_esc(s["left_out"].format(n=left_out))}</p>' if left_out else ""
    table = _table(
        [s["date"], s["what"], s["place"]],
        [[_esc(d), w + n, p] for d, w, p, n in sorted(rows, key=lambda r: r[0])],
    )
    return _figure(svg, _esc(s["timeline_caption"]), 1, s) + note + _details(s["data"], table)


def _details(summary: str, body: str) -> str:
    """Data tables open by default, so that printing shows them."""
    return f"<details open><summary>{_esc(summary)}</summary>{body}</details>"


# ---------------------------------------------------------------- trade


def _doubted_trade(b: _Briefing) -> dict[tuple[int, str], list[str]]:
    """(year, flow) -> findings that doubt the trade value or share itself."""
    out: dict[tuple[int, str], list[str]] = defaultdict(list)
    for row in b.ask("doubted-values"):
        prop, node = row["property"], row["node"]
        if prop not in (KZBY.tradeValue, KZBY.sharePercent) or node is None:
            continue
        year, flow = b.graph.value(node, KZBY.refPeriod), b.graph.value(node, KZBY.flow)
        if year is None or flow is None:
            continue
        key = (int(str(year)[:4]), str(flow).rsplit("-", 1)[-1])
        if str(row["finding"]) not in out[key]:
            out[key].append(str(row["finding"]))
    return out


def _trade(b: _Briefing) -> str:
    s = b.s
    rows = b.ask("trade-series")
    if not rows:
        return f"<p>{_esc(s['no_figure'])}</p>"
    doubted = _doubted_trade(b)
    points: list[charts.TradePoint] = []
    seen: set[tuple[int, str]] = set()
    table: dict[int, dict[str, str]] = defaultdict(dict)
    printed = rows[0]["unitMult"]
    reading = next((r["readingUnitMult"] for r in rows if r["readingUnitMult"] is not None), None)
    unit = rows[0]["unit"]
    for row in rows:
        year = int(_text(row["year"])[:4])
        flow = _text(row["flow"]).rsplit("-", 1)[-1]
        value = _number(row["value"])
        if value is None:
            continue
        status = b.name(row["status"]) if row["status"] is not None else ""
        findings = doubted.get((year, flow), [])
        if (year, flow) not in seen:  # one point per year and flow; the table lists every source
            seen.add((year, flow))
            points.append(charts.TradePoint(year, flow, value, bool(status), bool(findings)))
        flags = [f for f in (status, s["doubted"] if findings else "") if f]
        cell = f"{value:g}" + (f" <i>({_esc(', '.join(flags))})</i>" if flags else "")
        cell += b.cite(row["source"], *findings)
        table[year][flow] = table[year].get(flow, "") + cell
    reading_name = b.name(reading) if reading is not None else b.name(printed)
    unit_label = f"{b.name(unit)} ({reading_name})"
    svg = charts.trade_chart(points, s, unit_label, s["trade_title"])
    years = range(min(table), max(table) + 1)
    body = [
        [
            _esc(y),
            table[y].get("export", f"<i>{_esc(s['no_figure'])}</i>"),
            table[y].get("import", f"<i>{_esc(s['no_figure'])}</i>"),
        ]
        for y in years
    ]
    note = s["unit_note"].format(printed=b.name(printed), unit=b.name(unit), reading=reading_name)
    unit_findings = _unit_findings(b)
    caption = f"{_esc(s['trade_caption'])} {_esc(note)}{b.cite(*unit_findings)}"
    head = [s["year"], s["exports"], s["imports"]]
    return _figure(svg, caption, 2, s) + _details(s["data"], _table(head, body))


def _unit_findings(b: _Briefing) -> list[str]:
    """The findings that doubt the printed unit multiplier of a trade figure."""
    return sorted(
        {
            str(r["finding"])
            for r in b.ask("doubted-values")
            if r["property"] == SDMX_ATTRIBUTE.unitMult
        }
    )


# ---------------------------------------------------------------- migration


def _multiplier(b: _Briefing, unit_mult: Identifier | None) -> float:
    value = b.graph.value(unit_mult, KZBY.multiplier) if unit_mult is not None else None
    return float(str(value)) if value is not None else 1.0


def _migration(b: _Briefing) -> str:
    s = b.s
    series: list[charts.MigrantSeries] = []
    rows: list[list[str]] = []
    pairs = [(KZD.belarus, KZD.kazakhstan), (KZD.kazakhstan, KZD.belarus)]
    for origin, destination in pairs:
        points: dict[int, float] = {}
        for row in b.ask("migrant-stock", origin=origin, destination=destination):
            total = _number(row["total"])
            if total is None:
                continue
            year = int(_text(row["year"])[:4])
            points[year] = total * _multiplier(b, row["unitMult"])
            what = s["undesa_series"].format(origin=b.name(origin), destination=b.name(destination))
            cell = f"{points[year]:,.0f}{b.cite(row['source'])}"
            rows.append([_esc(year), _esc(what), cell])
        if points:
            what = s["undesa_series"].format(origin=b.name(origin), destination=b.name(destination))
            series.append(charts.MigrantSeries(what, points))
    article: list[charts.ArticleFigure] = []
    for row in b.ask("diaspora"):
        value = _number(row["value"])
        if value is None:
            continue
        persons = value * _multiplier(b, row["unitMult"])
        year = int(_text(row["year"])[:4])
        qualifier = b.name(row["qualifier"]) if row["qualifier"] is not None else ""
        text = f"{b.name(row['group'])}: {qualifier + ' ' if qualifier else ''}{persons:,.0f}"
        article.append(charts.ArticleFigure(year, persons, text))
        what = f"{b.name(row['figure'])} ({b.name(row['country'])})"
        rows.append([_esc(year), _esc(what), f"{_esc(text)}{b.cite(row['source'])}"])
    for row in b.ask("migration-waves"):
        number = _number(row["number"])
        if number is None:
            continue
        persons = number * _multiplier(b, row["unitMult"])
        rows.append(
            [
                _esc(_text(row["earliest"])),
                _esc(b.name(row["wave"])),
                f"{persons:,.0f}{b.cite(row['source'])}",
            ]
        )
    mirrors: list[charts.Mirror] = []
    mirror_rows: list[list[str]] = []
    for row in b.ask("mirror-statistics"):
        a, bb = _number(row["valueA"]), _number(row["valueB"])
        if a is None or bb is None:
            continue
        ma, mb = _multiplier(b, row["unitMultA"]), _multiplier(b, row["unitMultB"])
        year = int(_text(row["year"])[:4])
        difference = _number(row["difference"])
        diff_text = f"{difference * ma:+,.0f}" if difference is not None else ""
        if row["unitA"] == KZD["unit-person"]:
            mirrors.append(charts.Mirror(year, a * ma, bb * mb, f"{s['difference']} {diff_text}"))
        mirror_rows.append(
            [
                _esc(year),
                _esc(_text(row["kind"])),
                f"{_esc(b.name(row['figureA']))}: {a * ma:,.0f}{b.cite(row['sourceA'])}",
                f"{_esc(b.name(row['figureB']))}: {bb * mb:,.0f}{b.cite(row['sourceB'])}",
                _esc(diff_text),
            ]
        )
    svg = charts.migration_chart(series, article, mirrors, s, s["migration_title"])
    caption = _esc(s["migration_caption"])
    if not series:
        caption += f" <b>{_esc(s['no_undesa'])}</b>"
    out = _figure(svg, caption, 3, s)
    out += _details(
        s["data"],
        _table([s["year"], s["what"], s["value"] + f" ({s['persons']})"], sorted(rows)),
    )
    if mirror_rows:
        head = [s["year"], s["what"], "A", "B", s["difference"]]
        out += f"<h3>{_esc(s['mirror'])}</h3>" + _table(head, mirror_rows)
    return out


# ---------------------------------------------------------------- network


def _network(b: _Briefing) -> str:
    """The article's dyad network, drawn by the package's own network drawing
    (:func:`kzby_kg.views.networks.draw_network`: arrows, a legend, labels neither overlapping
    nor cut), titled in the briefing's language."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from kzby_kg.views.networks import draw_network

    with plt.rc_context(charts.render_settings("network")):
        figure = draw_network(b.graph, scope="article", lang=b.lang, title=b.s["network_title"])
        try:
            svg = charts.svg_text(figure)
        finally:
            plt.close(figure)
    return _figure(svg, _esc(b.s["network_caption"]), 4, b.s)


# ---------------------------------------------------------------- findings


def _findings(b: _Briefing) -> str:
    s = b.s
    printed: dict[str, list[str]] = defaultdict(list)
    for row in b.ask("doubted-values"):
        text = f"{b.name(row['node'])}: {b.name(row['property'])} = {b.name(row['value'])}"
        printed[str(row["finding"])].append(text)
    groups: dict[str, list[dict[str, Identifier | None]]] = defaultdict(list)
    for row in b.ask("data-quality-findings"):
        groups[b.name(row["kind"])].append(row)
    out = [f"<p>{_esc(s['findings_intro'])}</p>"]
    for kind in sorted(groups):
        members = groups[kind]
        out.append(f'<h3>{_esc(kind)} <span class="count">({len(members)})</span></h3><ul>')
        shown = members if len(members) <= _WHOLE else members[:_SHOWN]
        for row in shown:
            finding = row["finding"]
            evidence = sorted(
                str(e)
                for e in b.graph.objects(finding, CITO.citesAsEvidence)
                if isinstance(e, URIRef)
            )
            values = printed.get(str(finding), [])
            affected = sorted(
                {src for node in b.graph.objects(finding, KZBY.affects) for src in b.sources(node)}
            )
            parts = [f"<b>{_esc(b.name(finding))}</b>{b.cite(*b.sources(finding))}"]
            parts.append(f"<br><i>{_esc(s['location'])}:</i> {_esc(_text(row['location']))}")
            if values:
                listed = "; ".join(values[:6]) + (" …" if len(values) > 6 else "")
                parts.append(
                    f"<br><i>{_esc(s['printed'])}:</i> {_esc(listed)}{b.cite(*affected[:6])}"
                )
            parts.append(f"<br><i>{_esc(s['evidence'])}:</i> {_esc(_text(row['description']))}")
            if evidence:
                parts.append(b.cite(*evidence))
            parts.append(f"<br><i>{_esc(s['reading'])}:</i> {_esc(_text(row['reading']))}")
            out.append(f"<li>{''.join(parts)}</li>")
        if len(members) > len(shown):
            more = s["more"].format(n=len(members) - len(shown))
            out.append(f'<li class="more">{_esc(more)}</li>')
        out.append("</ul>")
    out.append(_shacl(b))
    return "".join(out)


def _shacl(b: _Briefing) -> str:
    """The Warning and Info results of the SHACL checks, grouped by check (shape and path)."""
    from kzby_kg.validation.validator import validate_store

    s = b.s
    report = validate_store(b.backend.store, b.paths.shapes, graph=b.graph)
    out = [f"<h3>{_esc(s['shacl_warnings'])}</h3>"]
    for severity in ("Warning", "Info"):
        results = report.of(severity)
        groups: dict[str, list[Any]] = defaultdict(list)
        for result in results:
            groups[f"{result.shape} [{result.path or ''}]"].append(result)
        for check in sorted(groups):
            members = groups[check]
            out.append(
                f"<h4>{_esc(s[severity.lower()])} · {_esc(s['check'])} <code>{_esc(check)}</code> "
                f'<span class="count">({len(members)})</span></h4><ul>'
            )
            whole = severity == "Warning" or len(members) <= _WHOLE
            shown = members if whole else members[:_SHOWN]
            for result in shown:
                focus = result.focus
                name = b.name(focus)
                value = (
                    f"<br><i>{_esc(s['printed'])}:</i> {_esc(result.value)}"
                    if result.value is not None
                    else ""
                )
                out.append(
                    f"<li><b>{_esc(name)}</b> ({_esc(result.focus_curie)}): "
                    f"{_esc(result.message)}{b.cite(*b.sources(focus))}{value}</li>"
                )
            if len(members) > len(shown):
                more = s["more_warnings"].format(n=len(members) - len(shown))
                out.append(f'<li class="more">{_esc(more)}</li>')
            out.append("</ul>")
    return "".join(out)


# ---------------------------------------------------------------- references


def _first(b: _Briefing, node: Node, *props: URIRef) -> Node | None:
    for prop in props:
        values = sorted(b.graph.objects(node, prop), key=str)
        tagged = [v for v in values if isinstance(v, Literal) and v.language == b.lang]
        english = [v for v in values if isinstance(v, Literal) and v.language == "en"]
        for choice in (tagged, english, values):
            if choice:
                return choice[0]
    return None


def _work(b: _Briefing, node: Node) -> str:
    """Author, year, title and DOI or URL of one work, as far as the graph has them."""
    # dcterms:creator is unordered: authors by family name (the last word), as catalogues do
    creators = sorted(
        (b.name(c) for c in b.graph.objects(node, DCTERMS.creator)),
        key=lambda name: (name.split()[-1] if " " in name else name, name),
    ) or sorted(b.name(c) for c in b.graph.objects(node, DCTERMS.publisher))
    issued = _first(b, node, DCTERMS.issued)
    title = _first(b, node, DCTERMS.title) or Literal(b.name(node))
    parts = []
    if creators:
        parts.append(_esc(", ".join(creators)))
    if issued is not None:
        parts.append(f"({_esc(str(issued)[:4])})")
    parts.append(f"<i>{_esc(title)}</i>.")
    version = b.graph.value(node, URIRef("http://www.w3.org/ns/dcat#version"))
    if version is not None and str(version) not in str(title):
        parts.append(f"Version {_esc(version)}.")
    doi = b.graph.value(node, BIBO.doi)
    if doi is not None:
        parts.append(f'<a href="https://doi.org/{_esc(doi)}">doi:{_esc(doi)}</a>')
    else:
        url = b.graph.value(node, BIBO.uri) or b.graph.value(node, DCTERMS.identifier)
        if url is not None and str(url).startswith(("http://", "https://")):
            parts.append(f'<a href="{_esc(url)}">{_esc(url)}</a>')
    cited = b.graph.value(node, DCTERMS.bibliographicCitation)
    if cited is not None and not b.graph.value(node, BIRO.references):
        parts.append(f'<span class="cited">{_esc(cited)}</span>')
    return " ".join(parts)


def _references(b: _Briefing) -> str:
    items = []
    for number, source in enumerate(b.notes.order, start=1):
        node = URIRef(source)
        works = sorted(b.graph.objects(node, BIRO.references), key=str)
        if works:  # an entry of the article's reference list: as printed, then what it cites
            entry = b.graph.value(node, KZBY.entryNumber)
            article = b.graph.value(node, DCTERMS.isPartOf)
            head = f"{_esc(b.name(node))}"
            if entry is not None and article is not None:
                head = f"{_esc(b.name(article))}, [{_esc(entry)}]"
            printed = b.graph.value(node, DCTERMS.bibliographicCitation)
            body = f"{head}: “{_esc(printed)}”" if printed is not None else head
            body += "<br>→ " + "<br>→ ".join(_work(b, w) for w in works)
        elif (node, RDF.type, None) in b.graph:
            body = _work(b, node)
        else:
            body = _esc(curie(b.graph, node))
        items.append(f'<li id="ref-{number}" value="{number}">{body}</li>')
    return f'<ol class="references">{"".join(items)}</ol>'


# ---------------------------------------------------------------- the page


def _template() -> Template:
    text = files("kzby_kg.report").joinpath("template.html").read_text(encoding="utf-8")
    return Template(text)


def _check(lang: str, scope: str) -> None:
    check_language(lang)
    check_scope(scope)


def build_report(
    root: str | Path | ProjectPaths | None = None,
    *,
    lang: str = "en",
    scope: str = "full",
    progress: Callable[[str], None] | None = None,
    loaded: tuple[ox.Store, Graph] | None = None,
) -> str:
    """The briefing as one HTML page (a string).

    :param lang: the language of headings and labels: en, ru, kk or be (entity labels without a
        label in that language fall back to English).
    :param scope: "full" (the default: with the vendored and imported tables, the UN DESA
        series and the catalogues) or "article" (the article's graph alone).
    :param progress: told each step as it starts (the CLI prints them on a terminal).
    :param loaded: the project's graph of ``scope`` already loaded, as a store and the same
        data as an rdflib graph (the server holds both): nothing is loaded again.
    :raises UsageError: for an unknown language or scope.
    :raises LoadError: if a data file is broken.
    """
    _check(lang, scope)
    say = progress or (lambda _step: None)
    paths = root if isinstance(root, ProjectPaths) else find_root(root)
    if loaded is None:
        say("loading the graph")
        store = load_store(paths, scope=scope)
        loaded = store, to_graph(store)
    store, graph = loaded
    b = _Briefing(paths, graph, OxigraphBackend(store), lang, strings(lang))
    s = b.s
    sections: list[tuple[str, str, str]] = []
    for key, anchor, make in (
        ("timeline", "timeline", _timeline),
        ("trade", "trade", _trade),
        ("migration", "migration", _migration),
        ("network", "network", _network),
        ("findings", "findings", _findings),
    ):
        say(f"drawing: {strings('en')[key]}")
        sections.append((anchor, s[key], make(b)))
    article = KZD.article
    first = f"{_esc(s['based_on'])}: {_work(b, article)}{b.cite(article)}"
    scope_text = s["scope_article"] if scope == "article" else s["scope_full"]
    contents = "".join(f'<li><a href="#{a}">{_esc(t)}</a></li>' for a, t, _ in sections)
    contents += f'<li><a href="#references">{_esc(s["references"])}</a></li>'
    body = "".join(f'<section id="{a}"><h2>{_esc(t)}</h2>{h}</section>' for a, t, h in sections)
    return _template().substitute(
        lang=_esc(lang),
        title=_esc(s["title"]),
        lede=_esc(s["lede"]),
        first=first,
        scope=f"{_esc(s['scope'])}: {_esc(scope_text)}",
        contents_title=_esc(s["contents"]),
        contents=contents,
        body=body,
        references_title=_esc(s["references"]),
        references=_references(b),
        generated=_esc(s["generated"]),
    )


def write_report(
    output: str | Path | None = None,
    root: str | Path | ProjectPaths | None = None,
    *,
    lang: str = "en",
    scope: str = "full",
    progress: Callable[[str], None] | None = None,
) -> Path:
    """Write the briefing (see :func:`build_report`) atomically; the default file is
    ``dist/report.html`` in the project folder.

    :returns: the path written.
    """
    _check(lang, scope)
    paths = root if isinstance(root, ProjectPaths) else find_root(root)
    path = Path(output) if output is not None else paths.root / DEFAULT_OUTPUT
    if path.suffix.lower() not in (".html", ".htm"):
        raise UsageError(f"-o: {path} must end in .html")
    text = build_report(paths, lang=lang, scope=scope, progress=progress)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, text.encode("utf-8"))
    return path
