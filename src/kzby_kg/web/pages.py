"""An entity as an HTML page: labels, facts grouped by kind, each with its sources, and links."""

from __future__ import annotations

from html import escape

from rdflib import Graph, URIRef

from kzby_kg.rdf.namespaces import KZD
from kzby_kg.views.describe import describe

__all__ = ["entity_html"]


def _link_curies(text: str) -> str:
    """Turn "(kzd:name)" references into links to the entity's own page."""
    import re

    return re.sub(
        r"\(kzd:([A-Za-z0-9_.-]+)\)",
        lambda m: f'(<a href="/id/{m.group(1)}">kzd:{m.group(1)}</a>)',
        text,
    )


def entity_html(graph: Graph, node: URIRef, lang: str = "en", *, scope: str = "article") -> str:
    """A self-contained page (no external resources) describing ``node``: the article's facts
    unless ``scope`` is "full", with a count and a link for the facts of imported tables."""
    d = describe(graph, node, lang, imported=scope == "full")
    rows = "".join(
        f"<tr><th>{escape(k or '-')}</th><td>{escape(v)}</td></tr>"
        for k, v in sorted(d.labels.items())
    )
    props = "".join(f"<li>{escape(p)}: {_link_curies(escape(v))}</li>" for p, v in d.properties)
    matches = "".join(
        f'<li><a href="{escape(i)}" rel="external">{escape(i)}</a></li>' for i in d.matches
    )
    groups: dict[str, list[str]] = {}
    for fact in d.facts:
        when = f"<span class=when>{escape(fact.when)}</span> " if fact.when else ""
        local = fact.node.removeprefix("kzd:")
        text = f'{when}<a href="/id/{escape(local)}">{escape(fact.text)}</a>'
        if fact.is_fact:
            text += f"<div class=source>source: {escape('; '.join(fact.sources) or 'none')}</div>"
        groups.setdefault(fact.group, []).append(f"<li>{text}</li>")
    sections = "".join(
        f"<h2>{escape(g)} ({len(items)})</h2><ul>{''.join(items)}</ul>"
        for g, items in sorted(groups.items())
    )
    if d.hidden:
        local_name = escape(str(node).removeprefix(str(KZD)))
        sections += (
            f"<p class=hidden>{d.hidden:,} facts of imported tables are not shown: "
            f'<a href="/id/{local_name}?scope=full">show them</a></p>'
        )
    iri = escape(str(node))
    local = escape(str(node).removeprefix(str(KZD)))
    return f"""<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8"><title>{escape(d.label)} · kzby-kg</title>
<link rel="stylesheet" href="/static/style.css">
<link rel="alternate" type="text/turtle" href="/id/{local}?format=turtle">
</head><body>
<header><a href="/">kzby-kg</a></header>
<main><h1>{escape(d.label)}</h1><p class=iri>{iri} · {escape(", ".join(d.types))}</p>
<table class=labels>{rows}</table>
{f"<h2>exact match</h2><ul>{matches}</ul>" if matches else ""}
{f"<h2>properties</h2><ul>{props}</ul>" if props else ""}
{sections}
</main></body></html>
"""
