"""One converter between IRIs and CURIEs, and the one test of whether an IRI is safe to bind.

Every place that shows an IRI to a reader (tables, reports, network labels, test answers) and
every place that accepts one from a user (parameters, entity names) goes through here, so a
CURIE means the same thing everywhere. Only the project's declared prefixes are used: a graph
may bind others, but a CURIE in output must be one a user can type back in.

>>> compact("https://w3id.org/kzby-kg/id/belarus")
'kzd:belarus'
>>> expand("kzd:belarus")
'https://w3id.org/kzby-kg/id/belarus'
>>> is_safe_iri("http://x.org/a b")
False
"""

from __future__ import annotations

import re

from kzby_kg.rdf.namespaces import PREFIXES

__all__ = ["compact", "expand", "is_safe_iri"]

#: Longest namespace first, so that a namespace inside another never steals its IRIs.
_NAMESPACES = sorted(((str(ns), p) for p, ns in PREFIXES.items()), key=lambda i: -len(i[0]))
#: A local name a reader can type back: what Turtle and rdflib accept without escapes.
_LOCAL = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*(?<!\.)|")
#: An absolute IRI with none of the characters that SPARQL and Turtle forbid inside <...>.
_SAFE_IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|^`\\\x00-\x1f\x7f]+")


def compact(iri: str) -> str:
    """The CURIE of ``iri`` under a project prefix, else the IRI unchanged."""
    for namespace, prefix in _NAMESPACES:
        if iri.startswith(namespace):
            local = iri[len(namespace) :]
            if _LOCAL.fullmatch(local):
                return f"{prefix}:{local}"
            return iri
    return iri


def expand(text: str) -> str:
    """The IRI of a CURIE with a project prefix; any other text is returned unchanged."""
    prefix, sep, local = text.partition(":")
    namespace = PREFIXES.get(prefix)
    if sep and namespace is not None and _LOCAL.fullmatch(local):
        return str(namespace) + local
    return text


def is_safe_iri(text: str) -> bool:
    """True for an absolute IRI that can be written inside ``<…>`` without changing a query."""
    return _SAFE_IRI.fullmatch(text) is not None
