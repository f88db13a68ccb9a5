"""An entity as an HTML page: labels, facts grouped by kind, each with its sources, and links.

The page is in one of the graph's languages (``?lang=``): its headings come from
``static/strings.json``, names and type names from the graph's labels in that language (with
:func:`kzby_kg.rdf.labels.label`'s fallback), and every link to another page keeps the
language. Links go through :class:`kzby_kg.web.links.Labeller`, so each one resolves.
"""

from __future__ import annotations

import re
import urllib.parse
from html import escape

from rdflib import Graph, URIRef

from kzby_kg.rdf.curies import expand
from kzby_kg.views.describe import describe
from kzby_kg.web.links import DEFAULT_LANG, LANGUAGES, Labeller, Link, ui, with_lang

__all__ = ["entity_html", "header_html"]

#: a value text that ends in the CURIE or IRI of a node: "Minsk (kzd:minsk)"
_NODE_AT_END = re.compile(r"^(?P<text>.*) \((?P<ref>[^\s()]+)\)$", re.S)


def header_html(lang: str) -> str:
    """The header every served page shares: the query page, the report, the ontology docs."""
    words = ui(lang)
    suffix = with_lang({}, lang)
    home, report = "/" + suffix, "/report" + suffix
    return (
        f'<header><a href="{escape(home)}">kzby-kg</a> · {escape(words["tagline"])} · '
        f'<a href="{escape(home)}">{escape(words["query_page"])}</a> · '
        f'<a href="{escape(report)}">{escape(words["report"])}</a> · '
        f'<a href="/docs/ontology/">{escape(words["ontology_docs"])}</a></header>'
    )


def _anchor(link: Link, text: str | None = None) -> str:
    """A link to ``link``'s page (or the external IRI), its CURIE or IRI as the title."""
    shown = escape(text if text is not None else link.label)
    if link.href is None:
        return f'<span title="{escape(link.curie)}">{shown}</span>'
    rel = ' rel="external"' if link.external else ""
    return f'<a href="{escape(link.href)}" title="{escape(link.curie)}"{rel}>{shown}</a>'


def _ref_link(labeller: Labeller, ref: str, lang: str) -> Link | None:
    """The link of a CURIE or IRI as describe writes it, or None when it names no IRI."""
    iri = expand(ref)
    if not iri.startswith(("http://", "https://", "urn:")):
        return None
    return labeller.link(iri, lang)


def _value_html(labeller: Labeller, text: str, lang: str) -> str:
    """A property's value: "label (curie)" becomes the label linked to the node's page."""
    found = _NODE_AT_END.match(text)
    if found:
        link = _ref_link(labeller, found.group("ref"), lang)
        if link is not None:
            return _anchor(link, found.group("text"))
    return escape(text)


def entity_html(
    graph: Graph,
    node: URIRef,
    lang: str = DEFAULT_LANG,
    *,
    scope: str = "article",
    labeller: Labeller | None = None,
) -> str:
    """A self-contained page (no external resources) describing ``node`` in ``lang``: the
    article's facts unless ``scope`` is "full", with a count and a link for the facts of
    imported tables."""
    labeller = labeller or Labeller(graph)
    words = ui(lang)
    d = describe(graph, node, lang, imported=scope == "full")
    me = labeller.link(str(node), lang)
    rows = "".join(
        f"<tr><th>{escape(k or '-')}</th><td>{escape(v)}</td></tr>"
        for k, v in sorted(d.labels.items())
    )
    props = "".join(
        f"<li>{escape(p)}: {_value_html(labeller, v, lang)}</li>" for p, v in d.properties
    )
    matches = "".join(
        f'<li><a href="{escape(i)}" rel="external">{escape(i)}</a></li>' for i in d.matches
    )
    groups: dict[str, list[str]] = {}
    for fact in d.facts:
        when = f"<span class=when>{escape(fact.when)}</span> " if fact.when else ""
        link = _ref_link(labeller, fact.node, lang)
        text = when + (_anchor(link, fact.text) if link else escape(fact.text))
        if fact.is_fact:
            sources = escape("; ".join(fact.sources) or words["no_source"])
            text += f"<div class=source>{escape(words['source'])}: {sources}</div>"
        # describe names two groups in English words of its own: translate them here
        if fact.group == "this fact":
            group = words["this_fact"]
        elif not fact.is_fact and fact.group.startswith("linked "):
            group = words["linked"].format(group=fact.group.removeprefix("linked "))
        else:  # describe's other groups are in the page's language already
            group = fact.group
        groups.setdefault(group, []).append(f"<li>{text}</li>")
    sections = "".join(
        f"<h2>{escape(g)} ({len(items)})</h2><ul>{''.join(items)}</ul>"
        for g, items in sorted(groups.items())
    )
    if d.hidden and me.href:
        full = _scoped(me.href, "full")
        sections += (
            f"<p class=hidden>{escape(words['hidden'].format(count=f'{d.hidden:,}'))} "
            f'<a href="{escape(full)}">{escape(words["show_them"])}</a></p>'
        )
    languages = " · ".join(
        f"<b>{code}</b>" if code == lang else f'<a href="{escape(_in_lang(me, code))}">{code}</a>'
        for code in LANGUAGES
    )
    data_href = _format_href(me.href) if me.href else None
    data = (
        f' · <a href="{escape(data_href)}" type="text/turtle">{escape(words["other_formats"])}</a>'
        if data_href
        else ""
    )
    alternate = (
        f'<link rel="alternate" type="text/turtle" href="{escape(data_href)}">' if data_href else ""
    )
    return f"""<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8"><title>{escape(d.label)} · kzby-kg</title>
<link rel="stylesheet" href="/static/style.css">
{alternate}
</head><body>
{header_html(lang)}
<main><p class=languages>{escape(words["language"])}: {languages}</p>
<h1>{escape(d.label)}</h1>
<p class=iri>{escape(str(node))}{data}</p>
<p class=types>{escape(words["types"])}: {escape(", ".join(d.types) or "-")}</p>
<h2>{escape(words["names"])}</h2>
<table class=labels>{rows}</table>
{f"<h2>{escape(words['exact_match'])}</h2><ul>{matches}</ul>" if matches else ""}
{f"<h2>{escape(words['properties'])}</h2><ul>{props}</ul>" if props else ""}
{sections}
</main></body></html>
"""


def _set_query(href: str, **changes: str | None) -> str:
    """``href`` with some query parameters set (or removed, for None)."""
    parts = urllib.parse.urlsplit(href)
    query = dict(urllib.parse.parse_qsl(parts.query, keep_blank_values=True))
    for key, value in changes.items():
        if value is None:
            query.pop(key, None)
        else:
            query[key] = value
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))


def _scoped(href: str, scope: str) -> str:
    return _set_query(href, scope=scope)


def _in_lang(link: Link, lang: str) -> str:
    assert link.href is not None
    return _set_query(link.href, lang=None if lang == DEFAULT_LANG else lang)


def _format_href(href: str) -> str:
    return _set_query(href, lang=None, format="turtle")
