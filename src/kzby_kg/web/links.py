"""Where a served page links an IRI to, what it calls it, and the words of the pages.

One place decides the link of every IRI the site shows (entity pages, result cells, the
entity list of the parameter forms), so that every link resolves: an IRI of the project's
``kzd:`` namespace goes to its page ``/id/LOCAL`` with the local part percent-encoded (an IRI
whose local part holds ``%3A`` or a slash still comes back to itself), another IRI the graph
describes goes to ``/iri?iri=...``, and an IRI the graph does not describe is the external IRI
itself, marked ``rel=external``. The language of the page is kept in every link.

>>> kzd_href("https://w3id.org/kzby-kg/id/x-AB%3AC", "ru")
'/id/x-AB%253AC?lang=ru'
>>> local_of("x-AB%253AC")
['x-AB%3AC', 'x-AB%253AC']
"""

from __future__ import annotations

import json
import threading
import urllib.parse
from collections import OrderedDict
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from rdflib import Graph, URIRef
from rdflib.namespace import PROV, RDFS

from kzby_kg.errors import UsageError
from kzby_kg.languages import LANGUAGES
from kzby_kg.rdf.curies import compact, expand, is_safe_iri
from kzby_kg.rdf.labels import label
from kzby_kg.rdf.namespaces import KZD

__all__ = [
    "DEFAULT_LANG",
    "LANGUAGES",
    "MAX_LABELS",
    "Labeller",
    "Link",
    "kzd_href",
    "local_of",
    "parse_lang",
    "ui",
    "with_lang",
]

DEFAULT_LANG = "en"
#: IRIs one labels request may name: a page of results is 100 rows of a few columns
MAX_LABELS = 1000
#: the longest IRI a labels request may name
MAX_IRI = 2000
#: labelled entities offered in the parameter forms' lists (the article's are about 400)
MAX_ENTITIES = 5000


@lru_cache(maxsize=1)
def _strings() -> dict[str, dict[str, str]]:
    text = resources.files("kzby_kg").joinpath("static", "strings.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return {k: v for k, v in data.items() if not k.startswith("_")}


def ui(lang: str) -> dict[str, str]:
    """The pages' words in ``lang`` (every key has every language; a test checks that)."""
    return {key: by_lang.get(lang) or by_lang[DEFAULT_LANG] for key, by_lang in _strings().items()}


def parse_lang(raw: str | None) -> str:
    """The ``lang`` parameter of a page, checked.

    :raises UsageError: naming the parameter and the languages offered.
    """
    if raw is None or raw == "":
        return DEFAULT_LANG
    if raw not in LANGUAGES:
        raise UsageError(f"lang: {raw!r} is not one of {', '.join(LANGUAGES)}")
    return raw


def with_lang(query: dict[str, str], lang: str) -> str:
    """A link's query string, ``lang`` left out when it is the default."""
    if lang != DEFAULT_LANG:
        query = {**query, "lang": lang}
    return "?" + urllib.parse.urlencode(query) if query else ""


def kzd_href(iri: str, lang: str = DEFAULT_LANG) -> str:
    """The page of a ``kzd:`` IRI: its local part, percent-encoded whole (``%`` too)."""
    local = iri[len(str(KZD)) :]
    return "/id/" + urllib.parse.quote(local, safe="") + with_lang({}, lang)


def local_of(path_part: str) -> list[str]:
    """The local names a request path after ``/id/`` may mean, most likely first: decoded (the
    links here encode it), then as it stands (the IRI's own path, as a w3id redirect sends)."""
    found = []
    try:
        decoded = urllib.parse.unquote(path_part, errors="strict")
    except UnicodeDecodeError:
        decoded = None
    for candidate in (decoded, path_part):
        if candidate and candidate not in found and is_safe_iri(str(KZD) + candidate):
            found.append(candidate)
    return found


@dataclass(frozen=True)
class Link:
    """How a page shows one IRI: its label, its CURIE (or the IRI), and where it links."""

    iri: str
    label: str
    curie: str
    #: a page of this server, the external IRI itself, or None (an IRI that is neither)
    href: str | None
    external: bool

    def as_json(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "curie": self.curie,
            "href": self.href,
            "external": self.external,
        }


class Labeller:
    """Labels and links of IRIs in a graph that does not change while it is served, cached."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self.link = lru_cache(maxsize=65536)(self._link)
        self._entities: OrderedDict[str, list[dict[str, str]]] = OrderedDict()
        self._lock = threading.Lock()

    def described(self, node: URIRef) -> bool:
        """True when the graph says anything about ``node`` (as subject or object)."""
        return (node, None, None) in self.graph or (None, None, node) in self.graph

    def _link(self, iri: str, lang: str) -> Link:
        node = URIRef(iri)
        text = label(self.graph, node, lang)
        short = compact(iri)
        if iri.startswith(str(KZD)) and len(iri) > len(str(KZD)):
            return Link(iri, text, short, kzd_href(iri, lang), False)
        if (node, None, None) in self.graph:
            href = "/iri" + with_lang({"iri": iri}, lang)
            return Link(iri, text, short, href, False)
        if iri.startswith(("http://", "https://")):
            return Link(iri, text, short, iri, True)
        return Link(iri, text, short, None, False)

    def labels(self, iris: Any, lang: str) -> dict[str, dict[str, Any]]:
        """The label and link of each IRI, for the query page's result cells (one request a
        page of results, not one a cell).

        :raises UsageError: for more than :data:`MAX_LABELS` IRIs, or one that is no IRI.
        """
        if not isinstance(iris, list):
            raise UsageError("iris: give a list of IRIs")
        if len(iris) > MAX_LABELS:
            raise UsageError(f"iris: {len(iris)} IRIs; at most {MAX_LABELS} a request")
        out: dict[str, dict[str, Any]] = {}
        for asked in iris:
            # a project CURIE (kzd:belarus) is read as its IRI, as every other input is
            iri = expand(asked) if isinstance(asked, str) else asked
            if not isinstance(iri, str) or len(iri) > MAX_IRI or not is_safe_iri(iri):
                shown = str(asked)[:80]
                raise UsageError(f"iris: {shown!r} is not an IRI")
            out[asked] = self.link(iri, lang).as_json()
        return out

    def entities(self, lang: str) -> list[dict[str, str]]:
        """The graph's named ``kzd:`` entities (not the rows of imported tables), each as a
        CURIE and a label in ``lang``: what a parameter form offers for an IRI."""
        with self._lock:
            cached = self._entities.get(lang)
        if cached is not None:
            return cached
        found: dict[str, str] = {}
        for subject in self.graph.subjects(RDFS.label, None, unique=True):
            if not isinstance(subject, URIRef) or not str(subject).startswith(str(KZD)):
                continue
            if (subject, PROV.wasGeneratedBy, None) in self.graph:
                continue
            found[compact(str(subject))] = label(self.graph, subject, lang)
            if len(found) >= MAX_ENTITIES:
                break
        listed = [
            {"curie": c, "label": t}
            for c, t in sorted(found.items(), key=lambda i: (i[1].casefold(), i[0]))
        ]
        with self._lock:
            self._entities[lang] = listed
        return listed
