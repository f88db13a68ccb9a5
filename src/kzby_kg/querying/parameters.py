"""Typed parameters of stored questions, and how bound values reach an engine.

Parameters follow grlc: ``?_name_type`` is required, ``?__name_type`` optional, and the suffix
gives the type. A user's value is parsed into an RDF term of that type (or refused with a
message naming the parameter) and then *bound*: rdflib takes ``initBindings``; Oxigraph's
substitutions accept only projected variables and a remote endpoint has no such mechanism, so
there the terms are written by rdflib into a ``VALUES`` block after strict checks. A value is
never pasted into query text.
"""

from __future__ import annotations

import difflib
import functools
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from rdflib import Literal, URIRef
from rdflib.namespace import RDFS, SKOS
from rdflib.term import Identifier

from kzby_kg.errors import AmbiguousEntityError, UnknownEntityError, UsageError
from kzby_kg.querying.text import where_body_start
from kzby_kg.rdf.curies import compact, expand, is_safe_iri
from kzby_kg.rdf.literals import parse_literal

if TYPE_CHECKING:
    from kzby_kg.querying.backend import Backend

__all__ = [
    "MAX_SLICE",
    "EntityNames",
    "Parameter",
    "entity_names",
    "entity_text",
    "find_parameters",
    "inline_bindings",
    "parameter_name",
    "parse_slice",
    "parse_value",
    "resolve_entity_values",
]

_PARAM = re.compile(r"\?(__?)([A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)*)")
#: grlc's type suffixes -> the kind of value they take
_TYPES = {
    "iri": "iri",
    "integer": "integer",
    "xsd_integer": "integer",
    "number": "decimal",
    "decimal": "decimal",
    "xsd_decimal": "decimal",
    "xsd_date": "date",
    "xsd_gYear": "year",
    "en": "lang:en",
    "ru": "lang:ru",
    "kk": "lang:kk",
}
_SCHEMES = ("http://", "https://", "urn:")
#: the largest limit or offset taken: every engine reads it as a 32-bit count, and no answer here
#: comes near it
MAX_SLICE = 2**31 - 1


@dataclass(frozen=True)
class Parameter:
    """One parameter of a stored query."""

    name: str
    variable: str
    kind: str
    required: bool

    def describe(self) -> str:
        """``name (kind)``, or ``name (kind, optional)``, as listings show it."""
        optional = "" if self.required else ", optional"
        return f"{self.name} ({self.kind}{optional})"


def parse_value(param: Parameter, raw: Any) -> Identifier:
    """Turn a user's value into an RDF term of the parameter's type, or refuse it.

    >>> parse_value(Parameter("year", "_year_integer", "integer", True), "2016")
    rdflib.term.Literal('2016', datatype=rdflib.term.URIRef('http://www.w3.org/2001/XMLSchema#integer'))

    :raises UsageError: naming the parameter and saying what the value is not.
    """
    return _parse_text(param, str(raw).strip())


@lru_cache(maxsize=1024)
def _parse_text(param: Parameter, text: str) -> Identifier:
    """Cached on the text: making an rdflib Literal costs more than a small query on Oxigraph,
    and a stored query runs with the same defaults again and again. Terms are immutable."""
    if param.kind == "iri":
        iri = expand(text)
        if not is_safe_iri(iri) or not iri.startswith(_SCHEMES):
            raise UsageError(
                f"parameter {param.name!r}: {text!r} is not an http(s) or urn IRI, "
                "or a CURIE with a known prefix (like kzd:belarus)"
            )
        return URIRef(iri)
    if param.kind.startswith("lang:"):
        return Literal(text, lang=param.kind.split(":", 1)[1])
    try:
        return parse_literal(param.kind, text)
    except ValueError as exc:
        raise UsageError(f"parameter {param.name!r}: {text!r} is {exc}") from None


def parameter_name(variable: str) -> str:
    """The user-facing name of a parameter variable: ``_year_integer`` -> ``year``.

    >>> parameter_name("__as_of_xsd_date")
    'as_of'
    """
    rest = variable.lstrip("_")
    for suffix in sorted(_TYPES, key=len, reverse=True):
        if rest.endswith("_" + suffix):
            return rest[: -len(suffix) - 1]
    return rest


def find_parameters(text: str) -> list[Parameter]:
    """The parameters a query's text declares through its variable names, in order."""
    found: dict[str, Parameter] = {}
    body = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    for underscores, rest in _PARAM.findall(body):
        variable = underscores + rest
        if variable in found:
            continue
        name = parameter_name(variable)
        kind = _TYPES.get(rest[len(name) + 1 :], "string")
        found[variable] = Parameter(name, variable, kind, required=underscores == "_")
    return list(found.values())


def _term_text(variable: str, term: Identifier) -> str:
    """An rdflib term as SPARQL text, refusing anything that could change the query's shape."""
    name = parameter_name(variable)
    if isinstance(term, URIRef):
        if not is_safe_iri(str(term)):
            raise UsageError(f"parameter {name!r}: IRI contains characters SPARQL forbids")
        return f"<{term}>"
    if isinstance(term, Literal):
        lexical = str(term)
        if "\\" in lexical or re.search(r"[\x00-\x1f]", lexical):
            raise UsageError(
                f"parameter {name!r}: backslashes and control characters cannot be written into "
                "a query for this engine; use the rdflib store (--store rdflib)"
            )
        return term.n3()
    raise UsageError(f"parameter {name!r}: only IRIs and literals can be bound")


def inline_bindings(text: str, bindings: dict[str, Identifier]) -> str:
    """The query text with its bindings in a VALUES block at the start of the outermost WHERE.

    The stored query's own text is trusted; only the bound terms are new, and each is written by
    rdflib after the checks of :func:`_term_text`. Cached per text and values.

    >>> inline_bindings("SELECT ?x WHERE { ?x ?p ?_y }", {"_y": Literal("a")})
    'SELECT ?x WHERE { VALUES (?_y) { ("a") } ?x ?p ?_y }'
    """
    if not bindings:
        return text
    return _inline(text, tuple(sorted(bindings.items())))


@lru_cache(maxsize=512)
def _inline(text: str, items: tuple[tuple[str, Identifier], ...]) -> str:
    start = where_body_start(text)
    names = [name for name, _ in items]
    values = " ".join(_term_text(name, term) for name, term in items)
    block = f" VALUES ({' '.join('?' + n for n in names)}) {{ ({values}) }}"
    return text[:start] + block + text[start:]


def parse_slice(name: str, raw: Any, maximum: int = MAX_SLICE) -> int | None:
    """A ``limit`` or ``offset``: a whole number from 0 to ``maximum``, or None when not given.

    >>> parse_slice("limit", "100")
    100
    >>> parse_slice("offset", None) is None
    True

    :raises UsageError: naming ``name`` and saying why the value is refused.
    """
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, int | str):
        raise UsageError(f"{name}: {raw!r} is not a whole number")
    text = str(raw).strip()
    if text.startswith("-") and text[1:].isdigit():
        raise UsageError(f"{name}: {text} is negative; give a whole number from 0 to {maximum}")
    if not (text.isascii() and text.isdigit()):
        raise UsageError(f"{name}: {text!r} is not a whole number; give one from 0 to {maximum}")
    value = int(text) if len(text) <= 20 else maximum + 1  # (int() refuses 4,300 digits)
    if value > maximum:
        raise UsageError(f"{name}: {value} is above the maximum of {maximum}")
    return value


# ---------------------------------------------------------------- entities by any name


def entity_text(entity: str | URIRef) -> str:
    """The text of an entity argument, whichever way it was spelled: an rdflib ``URIRef`` is
    its IRI, anything else is stripped text (a label, a CURIE or an IRI)."""
    return str(entity).strip()


def _normal(text: str) -> str:
    return " ".join(text.casefold().split())


@dataclass
class EntityNames:
    """Every name of every entity, so that one rule turns what a user typed into one entity.

    The ids are whatever the caller names entities by (IRIs for a graph or a SPARQL store,
    CURIEs for a network); the rule is the same for each, so ``describe``, the network views,
    the timeline and stored questions' parameters accept the same names.

    >>> names = EntityNames()
    >>> names.add("kzd:belarus", "Belarus", curie="kzd:belarus")
    >>> names.add("kzd:commission", "Belarusian-Kazakh intergovernmental commission",
    ...           curie="kzd:commission")
    >>> names.pick("belarus")
    'kzd:belarus'
    >>> names.suggest("Commission")
    ['Belarusian-Kazakh intergovernmental commission (kzd:commission)']
    """

    #: normalised name -> the ids that bear it
    names: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    #: id -> its CURIE (or IRI) and the label shown for it
    curies: dict[str, str] = field(default_factory=dict)
    shown: dict[str, str] = field(default_factory=dict)
    #: ids that give way to an entity of the same name (code-list values, vocabulary terms)
    minor: set[str] = field(default_factory=set)
    #: ids shown by a preferred label rather than the first name seen, with that label's rank
    preferred: dict[str, tuple[int, str]] = field(default_factory=dict)

    def add(self, ident: str, name: str, *, curie: str | None = None, minor: bool = False) -> None:
        """Record that ``ident`` is called ``name``; the first name added is the one shown,
        until :meth:`prefer_shown` names a better one."""
        self.names[_normal(name)].add(ident)
        self.curies.setdefault(ident, curie or compact(ident))
        self.shown.setdefault(ident, name)
        if minor:
            self.minor.add(ident)

    def prefer_shown(self, ident: str, name: str, rank: int = 0) -> None:
        """Show ``name`` for ``ident`` instead of the first name seen: the caller's best kind
        of label has the lowest ``rank`` (English rdfs:label 0, English skos:prefLabel 1, as
        :func:`kzby_kg.rdf.labels.label` prefers them); of equals, the first in sorted order."""
        current = self.preferred.get(ident)
        if current is None or (rank, name) < current:
            self.shown[ident] = name
            self.preferred[ident] = (rank, name)

    def _display(self, ident: str) -> str:
        return f"{self.shown.get(ident, ident)} ({self.curies.get(ident, ident)})"

    def pick(self, name: str) -> str:
        """The one id whose name is ``name`` (case and spacing aside).

        :raises AmbiguousEntityError: listing every candidate, when several share the name and
            none is a better match than the others.
        :raises UnknownEntityError: with close matches, when none bears it.
        """
        matches = set(self.names.get(_normal(name), ()))
        if len(matches) > 1:
            # a code-list value (a keyword, a status) gives way to an entity of the same name
            matches = (matches - self.minor) or matches
        if len(matches) == 1:
            return next(iter(matches))
        if matches:
            ordered = sorted(matches, key=lambda i: self.curies.get(i, i))
            raise AmbiguousEntityError(
                name, [(self.curies.get(i, i), self.shown.get(i, i)) for i in ordered]
            )
        raise UnknownEntityError(name, self.suggest(name))

    def suggest(self, name: str, limit: int = 5) -> list[str]:
        """Entities a user may have meant, best first: one whose CURIE's local name is the
        word, then those whose names contain it as a word (shorter names, nearer the word,
        first), then names and CURIEs close to it in spelling (difflib), then names that
        contain it inside a longer word. Vocabulary terms (``kzby:``) and code-list values rank
        after the things they describe."""
        wanted = _normal(name)
        local = wanted.rpartition(":")[2].replace(" ", "-")
        scores: dict[str, float] = defaultdict(float)

        def score(ident: str, value: float) -> None:
            if ident in self.minor or self.curies.get(ident, "").startswith("kzby:"):
                value -= 0.4
            scores[ident] = max(scores[ident], value)

        for ident, curie in self.curies.items():
            if local and curie.rpartition(":")[2].casefold() == local:
                score(ident, 3.0)
        if len(wanted) >= 3:
            word = re.compile(rf"(?<!\w){re.escape(wanted)}(?!\w)")
            for key, idents in self.names.items():
                if wanted in key:
                    # a whole word outranks spelling; a part of a word ranks below close spelling
                    value = (1.5 if word.search(key) else 0.5) + 0.5 * len(wanted) / len(key)
                    for ident in idents:
                        score(ident, value)
        by_curie = {c.casefold(): i for i, c in self.curies.items()}
        candidates = [*self.names, *by_curie]
        for key in difflib.get_close_matches(wanted, candidates, n=10, cutoff=0.6):
            ratio = difflib.SequenceMatcher(None, wanted, key).ratio()
            for ident in self.names.get(key, {by_curie.get(key, "")} - {""}):
                score(ident, ratio)
        best = sorted(scores, key=lambda i: (-scores[i], self.curies.get(i, i)))
        return [self._display(i) for i in best[:limit]]


#: names of entities in any store, as the graph view reads them (rdfs:label, skos:prefLabel,
#: skos:altLabel, kzby:abbreviation); a code-list value is a skos:Concept
_NAMES_QUERY = """
SELECT ?entity ?name ?concept ?property WHERE {
  VALUES ?property {
    <http://www.w3.org/2000/01/rdf-schema#label> <http://www.w3.org/2004/02/skos/core#prefLabel>
    <http://www.w3.org/2004/02/skos/core#altLabel> <https://w3id.org/kzby-kg/ontology#abbreviation>
  }
  ?entity ?property ?name .
  FILTER(isIRI(?entity) && isLiteral(?name))
  BIND(EXISTS { ?entity a <http://www.w3.org/2004/02/skos/core#Concept> } AS ?concept)
}
"""
#: the labels shown for an entity, best first (as kzby_kg.rdf.labels.label prefers them)
_SHOWN = (RDFS.label, SKOS.prefLabel)
_EXISTS_QUERY = "ASK WHERE { { ?_entity ?p ?o } UNION { ?s ?q ?_entity } }"


def entity_names(backend: Backend) -> EntityNames:
    """Every entity's names as ``backend`` holds them, English ones shown first."""
    index = EntityNames()
    for entity, name, concept, prop in backend.run(_NAMES_QUERY).rows:
        if entity is None or name is None:
            continue
        index.add(str(entity), str(name), minor=str(concept) in ("true", "1"))
        if isinstance(name, Literal) and name.language == "en" and prop in _SHOWN:
            index.prefer_shown(str(entity), str(name), _SHOWN.index(prop))
    return index


def resolve_entity_values(
    backend: Backend | None,
    values: dict[str, str],
    *,
    holds: Callable[[str], bool] | None = None,
    names: Callable[[], EntityNames] | None = None,
) -> dict[str, str]:
    """Entity parameters' values as IRIs: each may be a label in any language, a CURIE or an
    IRI, resolved the way ``kzby-kg describe`` resolves names. An IRI or CURIE the store does
    not hold is not passed on to give a silent empty answer: it is refused, with close matches.

    ``holds`` (is this IRI in the graph?) and ``names`` (the index of names) default to asking
    ``backend``; the server passes its own (and no backend), over the graph it already holds
    and an index it builds once.

    :raises UsageError: naming the parameter, for an unknown or ambiguous entity.
    """
    if holds is None or names is None:
        if backend is None:
            raise TypeError("resolve_entity_values needs a backend, or both holds and names")
        engine = backend
        holds = holds or (
            lambda iri: bool(engine.run(_EXISTS_QUERY, {"_entity": URIRef(iri)}).boolean)
        )
        names = names or functools.cache(lambda: entity_names(engine))
    resolved: dict[str, str] = {}
    for name, raw in values.items():
        text = entity_text(raw)
        iri = expand(text)
        if is_safe_iri(iri) and iri.startswith(_SCHEMES) and holds(iri):
            resolved[name] = iri
            continue
        try:
            resolved[name] = names().pick(text)
        except (UnknownEntityError, AmbiguousEntityError) as exc:
            raise UsageError(f"parameter {name!r}: {exc}") from exc
    return resolved
