"""The graph formats: a name, its media type, the serialiser's name for it and a file suffix.

One table for every place a graph is written (exports, CONSTRUCT answers, entity pages);
:mod:`kzby_kg.querying.formats` adds the query-results formats beside it.

>>> GRAPH_FORMATS["nt"].media_type
'application/n-triples'
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["GRAPH_FORMATS", "Format", "lookup"]


@dataclass(frozen=True)
class Format:
    """One wire or file format."""

    name: str
    media_type: str
    #: the serialiser's own name (rdflib's plugin, or pyoxigraph's QueryResultsFormat member)
    serializer: str
    #: the file suffix, for formats written to files
    suffix: str = ""
    #: other media types that ask for it
    aliases: tuple[str, ...] = ()


GRAPH_FORMATS: dict[str, Format] = {
    f.name: f
    for f in (
        Format("turtle", "text/turtle", "turtle", ".ttl"),
        Format("nt", "application/n-triples", "nt", ".nt", ("text/plain",)),
        Format("jsonld", "application/ld+json", "json-ld", ".jsonld", ("application/rdf+json",)),
    )
}


def lookup(table: dict[str, Format], key: str) -> Format | None:
    """The format of ``table`` with this name, media type or alias, or None."""
    key = key.strip().lower()
    for fmt in table.values():
        if key in (fmt.name, fmt.media_type, *fmt.aliases):
            return fmt
    return None
