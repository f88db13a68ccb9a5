"""The ontology's documentation, generated from ontology/ alone: one HTML page and a JSON index.

Written by ``kzby-kg build`` into docs/ontology/ and committed, so the documentation shows in the
repository and a test proves it is the ontology's (tests/unit/test_ontology_docs.py). Why not
pyLODE or ontospy: pyLODE 3.4+ needs Python 3.12 and 3.3.4 runs the label languages together in
one heading; ontospy shows one preferred language. Here every label stands on its own line,
marked with its language, and each term lists the SHACL shapes that constrain it.

The page covers every term ontology/kzby.ttl declares (minted or restated from a W3C or other
vocabulary) and every term shapes.ttl constrains (a class a node shape targets or a value must
belong to, a property a shape's path walks). Output is deterministic: no dates, everything
sorted, no network (the CSS is inline, links are plain hyperlinks).

>>> from kzby_kg.paths import find_root
>>> files = ontology_docs(find_root())
>>> sorted(files)
['index.html', 'terms.json']
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from html import escape
from importlib.resources import files as package_files
from pathlib import Path
from string import Template

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS, OWL, QB, RDF, RDFS, SH, SKOS
from rdflib.term import Node

from kzby_kg.languages import LANGUAGES
from kzby_kg.paths import ProjectPaths
from kzby_kg.rdf.curies import compact, expand
from kzby_kg.rdf.load import parse_turtle
from kzby_kg.rdf.namespaces import KZBY, PREFIXES
from kzby_kg.rdf.write import write_atomic

__all__ = [
    "DOCS_DIR",
    "DOC_FILES",
    "LANGUAGES",
    "STAMPS",
    "ShapeUse",
    "Term",
    "anchor",
    "collect_terms",
    "inputs_digest",
    "ontology_docs",
    "render_html",
    "render_json",
    "write_ontology_docs",
]

#: where build writes the documentation, relative to the project root
DOCS_DIR = Path("docs") / "ontology"
#: the generated pages, and the checksum of their inputs beside them
DOC_FILES = ("index.html", "terms.json")
STAMPS = "inputs.json"
#: the code and package data the pages are made with, relative to the package
_CODE = (
    "views/ontology_docs.py",
    "views/templates/ontology.html",
    "views/templates/vocabularies.json",
    "rdf/curies.py",
    "rdf/namespaces.py",
)

#: sections of the page: (kind, heading), in order
SECTIONS = (
    ("class", "Classes"),
    ("object property", "Object properties"),
    ("datatype property", "Datatype properties"),
    ("annotation property", "Annotation properties"),
    ("property", "Other properties"),
    ("individual", "Named individuals"),
)
_CLASS_TYPES = {OWL.Class, RDFS.Class}
_PROPERTY_TYPES: dict[Node, str] = {
    OWL.AnnotationProperty: "annotation property",
    OWL.ObjectProperty: "object property",
    OWL.DatatypeProperty: "datatype property",
    RDF.Property: "property",
    QB.DimensionProperty: "property",
    QB.MeasureProperty: "property",
    QB.AttributeProperty: "property",
    QB.ComponentProperty: "property",
}
#: which kind wins when a term has several types (an owl:ObjectProperty that is a qb attribute)
_KIND_ORDER = ("annotation property", "object property", "datatype property", "property")
#: links that say where a term comes from or what it aligns to, in display order; the
#: hierarchy links count when they lead out of the kzby namespace
_REFERENCE_LINKS = (
    (RDFS.isDefinedBy, "defined by"),
    (OWL.equivalentClass, "equivalent class"),
    (OWL.equivalentProperty, "equivalent property"),
    (RDFS.subClassOf, "subclass of"),
    (RDFS.subPropertyOf, "subproperty of"),
    (SKOS.exactMatch, "exact match"),
    (SKOS.closeMatch, "close match"),
    (SKOS.broadMatch, "broad match"),
    (SKOS.narrowMatch, "narrow match"),
    (RDFS.seeAlso, "see also"),
)
_HIERARCHY = {RDFS.subClassOf, RDFS.subPropertyOf}
#: SHACL parameters shown as a shape's constraints, in display order
_PARAMETERS = (
    SH.minCount,
    SH.maxCount,
    SH.datatype,
    SH["class"],
    SH.nodeKind,
    SH.node,
    SH.hasValue,
    SH["in"],
    SH.languageIn,
    SH.uniqueLang,
    SH.pattern,
    SH.minInclusive,
    SH.minExclusive,
    SH.maxInclusive,
    SH.maxExclusive,
    SH.minLength,
    SH.maxLength,
    SH["or"],
    SH.xone,
    SH["and"],
    SH["not"],
    SH.qualifiedValueShape,
    SH.qualifiedMinCount,
    SH.qualifiedMaxCount,
)
#: reused properties that OWL 2 or their vocabulary declare annotation properties, where
#: ontology/ restates no type for them
_ANNOTATION_PROPERTIES = {
    RDFS.label,
    RDFS.comment,
    RDFS.seeAlso,
    RDFS.isDefinedBy,
    OWL.versionInfo,
    SKOS.prefLabel,
    SKOS.altLabel,
    SKOS.hiddenLabel,
    SKOS.definition,
    SKOS.note,
    SKOS.scopeNote,
    SKOS.example,
    SKOS.editorialNote,
    SKOS.changeNote,
    SKOS.historyNote,
}
_PARAMETER_ORDER: dict[Node, int] = {p: i for i, p in enumerate(_PARAMETERS)}
_SEVERITIES = {SH.Violation: "Violation", SH.Warning: "Warning", SH.Info: "Info"}


@dataclass(frozen=True)
class ShapeUse:
    """A SHACL shape that constrains a term, as a reader needs it: which shape, how it reaches
    the term, how bad a failure is, what it says, and what it checks."""

    shape: str
    relation: str
    severity: str
    messages: tuple[str, ...]
    path: str = ""
    constraints: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, object]:
        return {
            "shape": self.shape,
            "relation": self.relation,
            "severity": self.severity,
            "messages": list(self.messages),
            "path": self.path,
            "constraints": list(self.constraints),
        }


def anchor(curie: str) -> str:
    """The fragment id of a term on the page: its CURIE, which is unique and readable, with
    ``-`` for ``:``. The validation page links to the same ids."""
    return curie.replace(":", "-")


@dataclass
class Term:
    """One documented class, property or individual."""

    iri: str
    curie: str
    kind: str
    minted: bool
    labels: list[tuple[str, str]] = field(default_factory=list)
    definitions: list[tuple[str, str]] = field(default_factory=list)
    vocabulary: tuple[str, str, str] = ("", "", "")
    references: list[tuple[str, str]] = field(default_factory=list)
    supers: list[str] = field(default_factory=list)
    domains: list[str] = field(default_factory=list)
    ranges: list[str] = field(default_factory=list)
    subterms: list[str] = field(default_factory=list)
    used_as_domain: list[str] = field(default_factory=list)
    used_as_range: list[str] = field(default_factory=list)
    shapes: list[ShapeUse] = field(default_factory=list)

    @property
    def anchor(self) -> str:
        return anchor(self.curie)

    def as_dict(self) -> dict[str, object]:
        return {
            "iri": self.iri,
            "curie": self.curie,
            "kind": self.kind,
            "minted": self.minted,
            "anchor": self.anchor,
            "labels": {lang: text for lang, text in self.labels},
            "definitions": [{"lang": lang, "text": text} for lang, text in self.definitions],
            "vocabulary": {"prefix": self.vocabulary[0], "title": self.vocabulary[1]},
            "references": [{"relation": r, "target": t} for r, t in self.references],
            "superterms": self.supers,
            "domain": self.domains,
            "range": self.ranges,
            "shapes": [s.as_dict() for s in self.shapes],
        }


def _vocabularies() -> dict[str, dict[str, str]]:
    text = package_files("kzby_kg.views").joinpath("templates/vocabularies.json").read_text("utf-8")
    return {k: v for k, v in json.loads(text).items() if not k.startswith("_")}


def _template(name: str) -> Template:
    return Template(package_files("kzby_kg.views").joinpath(f"templates/{name}").read_text("utf-8"))


def _name(node: Node) -> str:
    """A term as a reader types it: a CURIE under a project prefix (``sh:`` for SHACL's own
    terms, which the shapes file binds), else the IRI, else text."""
    if isinstance(node, URIRef):
        if node.startswith(str(SH)):
            return "sh:" + node[len(str(SH)) :]
        return compact(str(node))
    if isinstance(node, Literal):
        return f'"{node}"@{node.language}' if node.language else str(node)
    return "[]"


def _sorted_names(nodes: Iterable[Node]) -> list[str]:
    return sorted({_name(n) for n in nodes})


def _prefix_of(iri: str) -> str:
    curie = compact(iri)
    return curie.partition(":")[0] if curie != iri else ""


def _language_order(lang: str) -> tuple[int, str]:
    return (LANGUAGES.index(lang) if lang in LANGUAGES else len(LANGUAGES), lang)


def _texts(graph: Graph, node: Node, *props: URIRef) -> list[tuple[str, str]]:
    """Every literal of ``props`` on ``node`` as (language, text), by language then text."""
    found = {
        (value.language or "", str(value))
        for prop in props
        for value in graph.objects(node, prop)
        if isinstance(value, Literal)
    }
    return sorted(found, key=lambda lt: (_language_order(lt[0]), lt[1]))


def _list_items(graph: Graph, node: Node) -> list[Node]:
    return list(Collection(graph, node)) if isinstance(node, BNode) else [node]


def _parameters(shapes: Graph, node: Node, depth: int) -> list[str]:
    """A shape's SHACL parameters as "sh:param value", in _PARAMETERS order, then by text
    (never by blank-node label, which differs from one parse to the next)."""
    found = [
        (_PARAMETER_ORDER[p], f"{_name(p)} {_describe(shapes, o, depth + 1)}")
        for p, o in shapes.predicate_objects(node)
        if p in _PARAMETER_ORDER
    ]
    return [text for _, text in sorted(found)]


def _describe(shapes: Graph, node: Node, depth: int = 0) -> str:
    """A SHACL value as short text: a term, a list joined, a nested shape as ``[param value]``."""
    if not isinstance(node, BNode):
        return _name(node)
    if (node, RDF.first, None) in shapes:
        return (
            "(" + " ".join(_describe(shapes, i, depth + 1) for i in _list_items(shapes, node)) + ")"
        )
    if depth > 3:
        return "[…]"
    return "[" + " ; ".join(_parameters(shapes, node, depth)) + "]"


def _constraints(shapes: Graph, shape: Node) -> tuple[str, ...]:
    return tuple(_parameters(shapes, shape, 0))


def _severity(shapes: Graph, shape: Node) -> str:
    value = shapes.value(shape, SH.severity)
    if value is None:
        return "Violation"
    return _SEVERITIES.get(value, _name(value)) if isinstance(value, URIRef) else _name(value)


def _messages(shapes: Graph, shape: Node) -> tuple[str, ...]:
    """The shape's own messages and those of its SPARQL constraints."""
    own = [str(m) for m in shapes.objects(shape, SH.message)]
    for constraint in shapes.objects(shape, SH.sparql):
        own += [str(m) for m in shapes.objects(constraint, SH.message)]
    return tuple(sorted(set(own)))


def _path_terms(shapes: Graph, path: Node, depth: int = 0) -> Iterator[URIRef]:
    """Every property a SHACL path walks: a predicate, an inverse, a sequence, alternatives."""
    if isinstance(path, URIRef):
        yield path
    elif isinstance(path, BNode) and depth < 5:
        if (path, RDF.first, None) in shapes:
            for item in _list_items(shapes, path):
                yield from _path_terms(shapes, item, depth + 1)
        for p in (SH.inversePath, SH.alternativePath, SH.zeroOrMorePath, SH.oneOrMorePath):
            for inner in shapes.objects(path, p):
                yield from _path_terms(shapes, inner, depth + 1)


def _path_text(shapes: Graph, path: Node) -> str:
    if isinstance(path, URIRef):
        return _name(path)
    inverse = shapes.value(path, SH.inversePath)
    if inverse is not None:
        return f"^{_path_text(shapes, inverse)}"
    alternatives = shapes.value(path, SH.alternativePath)
    if alternatives is not None:
        return "|".join(_path_text(shapes, i) for i in _list_items(shapes, alternatives))
    if (path, RDF.first, None) in shapes:
        return "/".join(_path_text(shapes, i) for i in _list_items(shapes, path))
    return _describe(shapes, path)


def _shape_name(shapes: Graph, shape: Node) -> str:
    """A named shape by its CURIE; a blank property shape by its node shape and path."""
    if isinstance(shape, URIRef):
        return _name(shape)
    owners = sorted(_name(o) for o in shapes.subjects(SH.property, shape))
    path = shapes.value(shape, SH.path)
    where = f" [{_path_text(shapes, path)}]" if path is not None else ""
    return f"{owners[0] if owners else '[]'}{where}"


def _shape_uses(shapes: Graph) -> dict[str, list[ShapeUse]]:
    """For each term's IRI, the shapes that constrain it."""
    uses: dict[str, set[ShapeUse]] = {}

    def add(term: Node, use: ShapeUse) -> None:
        if isinstance(term, URIRef):
            uses.setdefault(str(term), set()).add(use)

    seen: dict[tuple[Node, bool], ShapeUse] = {}

    def about(shape: Node, *, node: bool) -> ShapeUse:
        """What a use of ``shape`` shows, computed once per shape (shapes are shared)."""
        key = (shape, node)
        if key not in seen:
            path = shapes.value(shape, SH.path)
            seen[key] = ShapeUse(
                shape=_shape_name(shapes, shape),
                relation="",
                severity=_severity(shapes, shape),
                messages=_messages(shapes, shape),
                path="" if node or path is None else _path_text(shapes, path),
                constraints=tuple(
                    sorted(
                        f"sh:property {_shape_name(shapes, p)} · {_severity(shapes, p)}"
                        + "".join(f" · {m}" for m in _messages(shapes, p))
                        for p in shapes.objects(shape, SH.property)
                    )
                )
                if node
                else _constraints(shapes, shape),
            )
        return seen[key]

    def node_use(shape: Node, relation: str) -> ShapeUse:
        return replace(about(shape, node=True), relation=relation)

    for shape, cls in shapes.subject_objects(SH.targetClass):
        add(cls, node_use(shape, "targets this class"))
    for shape, prop in shapes.subject_objects(SH.targetSubjectsOf):
        add(prop, node_use(shape, "targets the subjects of this property"))
    for shape, prop in shapes.subject_objects(SH.targetObjectsOf):
        add(prop, node_use(shape, "targets the objects of this property"))
    for shape, path in shapes.subject_objects(SH.path):
        users = sorted(_name(o) for o in shapes.subjects(SH.property, shape))
        relation = "its path is this property"
        if isinstance(shape, URIRef) and users:
            relation += " (used by " + ", ".join(users) + ")"
        use = replace(about(shape, node=False), relation=relation)
        for prop in _path_terms(shapes, path):
            add(prop, use)
    for shape, cls in shapes.subject_objects(SH["class"]):
        # a class inside sh:or lists is reached from its property shape
        # (a blank node has one holder; a named shape is not climbed out of)
        holder = shape
        for _ in range(8):
            if (holder, SH.path, None) in shapes or isinstance(holder, URIRef):
                break
            parent = next(iter(sorted(shapes.subjects(None, holder), key=str)), None)
            if parent is None:
                break
            holder = parent
        if (holder, SH.path, None) in shapes:
            add(cls, replace(about(holder, node=False), relation="values must be of this class"))
    order = {"Violation": 0, "Warning": 1, "Info": 2}
    return {
        iri: sorted(
            found,
            key=lambda u: (
                u.relation,
                order.get(u.severity, 3),
                u.shape,
                u.path,
                u.messages,
                u.constraints,
            ),
        )
        for iri, found in uses.items()
    }


def _inherited_uses(ontology: Graph, uses: dict[str, list[ShapeUse]]) -> dict[str, list[ShapeUse]]:
    """Node shapes that reach a class through a superclass: sh:targetClass follows
    rdfs:subClassOf (the ontology is validated with the data), so they constrain it too."""
    found: dict[str, list[ShapeUse]] = {}
    for cls in set(ontology.subjects(RDFS.subClassOf, None)):
        supers = sorted(
            (s for s in ontology.transitive_objects(cls, RDFS.subClassOf) if s not in (None, cls)),
            key=str,
        )
        for sup in supers:
            for use in uses.get(str(sup), []):
                if use.relation == "targets this class":
                    found.setdefault(str(cls), []).append(
                        replace(use, relation=f"targets its superclass {_name(sup)}")
                    )
    return found


def _kind(ontology: Graph, shapes: Graph, term: URIRef, constrained: set[URIRef]) -> str:
    """What a term is: its declared type first; else what the ontology and shapes use it as
    (``constrained`` holds the properties the shapes walk or target)."""
    types = set(ontology.objects(term, RDF.type))
    kinds = {_PROPERTY_TYPES[t] for t in types if t in _PROPERTY_TYPES}
    for kind in _KIND_ORDER:
        if kind in kinds:
            return kind
    if term in _ANNOTATION_PROPERTIES:
        return "annotation property"
    if types & _CLASS_TYPES or (term, RDFS.subClassOf, None) in ontology:
        return "class"
    if (
        any((term, p, None) in ontology for p in (RDFS.domain, RDFS.range, RDFS.subPropertyOf))
        or term in constrained
    ):
        return "property"
    if any(
        (None, p, term) in g
        for g, p in (
            (ontology, RDFS.subClassOf),
            (ontology, RDFS.domain),
            (ontology, RDFS.range),
            (shapes, SH.targetClass),
            (shapes, SH["class"]),
        )
    ):
        return "class"
    return "individual"


def _constrained_properties(shapes: Graph) -> set[URIRef]:
    """Every property a shape's path walks or a node shape targets the subjects or objects of."""
    found = {p for path in shapes.objects(None, SH.path) for p in _path_terms(shapes, path)}
    for target in (SH.targetSubjectsOf, SH.targetObjectsOf):
        found |= {p for p in shapes.objects(None, target) if isinstance(p, URIRef)}
    return found


def _documented(ontology: Graph, shapes: Graph) -> set[URIRef]:
    """The terms on the page: every IRI ontology/kzby.ttl says something about (the ontology
    header aside), and every class or property the shapes constrain."""
    header = set(ontology.subjects(RDF.type, OWL.Ontology))
    terms = {s for s in ontology.subjects() if isinstance(s, URIRef) and s not in header}
    for p in (SH.targetClass, SH.targetSubjectsOf, SH.targetObjectsOf, SH["class"]):
        terms |= {o for o in shapes.objects(None, p) if isinstance(o, URIRef)}
    for path in shapes.objects(None, SH.path):
        terms |= set(_path_terms(shapes, path))
    return terms


def collect_terms(ontology: Graph, shapes: Graph) -> list[Term]:
    """Every documented term with what the page shows of it, minted terms first, by CURIE.

    :param ontology: ontology/kzby.ttl as a graph (only the TBox: data would add individuals)
    :param shapes: ontology/shapes.ttl
    """
    vocabularies = _vocabularies()
    uses = _shape_uses(shapes)
    iris = _documented(ontology, shapes)
    inherited = _inherited_uses(ontology, uses)
    constrained = _constrained_properties(shapes)
    terms: list[Term] = []
    for iri in iris:
        kind = _kind(ontology, shapes, iri, constrained)
        prefix = _prefix_of(str(iri))
        vocab = vocabularies.get(prefix, {})
        term = Term(
            iri=str(iri),
            curie=_name(iri),
            kind=kind,
            minted=str(iri).startswith(str(KZBY)),
            labels=_texts(ontology, iri, RDFS.label, SKOS.prefLabel),
            definitions=_texts(ontology, iri, SKOS.definition, RDFS.comment, DCTERMS.description),
            vocabulary=(prefix, vocab.get("title", ""), vocab.get("url", "")),
            references=[
                (relation, _name(target))
                for prop, relation in _REFERENCE_LINKS
                for target in sorted(ontology.objects(iri, prop), key=_name)
                if prop not in _HIERARCHY or not str(target).startswith(str(KZBY))
            ],
            supers=_sorted_names(
                ontology.objects(iri, RDFS.subClassOf if kind == "class" else RDFS.subPropertyOf)
            ),
            domains=_sorted_names(ontology.objects(iri, RDFS.domain)),
            ranges=_sorted_names(ontology.objects(iri, RDFS.range)),
            subterms=_sorted_names(
                ontology.subjects(RDFS.subClassOf if kind == "class" else RDFS.subPropertyOf, iri)
            ),
            used_as_domain=_sorted_names(ontology.subjects(RDFS.domain, iri)),
            used_as_range=_sorted_names(ontology.subjects(RDFS.range, iri)),
            shapes=uses.get(str(iri), []) + inherited.get(str(iri), []),
        )
        terms.append(term)
    return sorted(terms, key=lambda t: (not t.minted, t.curie.lower(), t.curie))


# --- HTML -----------------------------------------------------------------------------------


def _link(name: str, documented: set[str]) -> str:
    """A term as a link: to its anchor on this page if documented, else to its IRI."""
    iri = expand(name)
    if name in documented:
        return f'<a href="#{escape(anchor(name))}"><code>{escape(name)}</code></a>'
    if iri.startswith(("http://", "https://")):
        return f'<a href="{escape(iri)}"><code>{escape(name)}</code></a>'
    return f"<code>{escape(name)}</code>"


def _links(names: list[str], documented: set[str]) -> str:
    return ", ".join(_link(n, documented) for n in names)


def _row(heading: str, body: str) -> str:
    return f"<tr><th>{escape(heading)}</th><td>{body}</td></tr>" if body else ""


def _term_html(term: Term, documented: set[str]) -> str:
    labels = "".join(
        f'<li lang="{escape(lang)}"><span class="lang">{escape(lang or "—")}</span> '
        f"{escape(text)}</li>"
        for lang, text in term.labels
    )
    present = {lang for lang, _ in term.labels}
    missing = [lang for lang in LANGUAGES if lang not in present]
    if missing and term.labels:
        labels += f'<li class="missing">no label in: {escape(", ".join(missing))}</li>'
    if not term.labels:
        labels = '<li class="missing">no label in ontology/ (the vocabulary defines it)</li>'
    definitions = "".join(
        f'<p lang="{escape(lang)}"><span class="lang">{escape(lang or "—")}</span> '
        f"{escape(text)}</p>"
        for lang, text in term.definitions
    )
    prefix, title, url = term.vocabulary
    vocab = escape(title or prefix or "—")
    if url:
        vocab = f'<a href="{escape(url)}">{vocab}</a>'
    if not definitions and not term.minted:
        # ontology/ does not restate a reused term's definition: its vocabulary is the authority
        definitions = f'<p class="missing">Defined by its vocabulary: {vocab}.</p>'
    references = "".join(
        f"<li>{escape(relation)} {_link(name, documented)}</li>"
        for relation, name in term.references
    )
    is_class = term.kind == "class"
    rows = [
        _row("IRI", f'<a href="{escape(term.iri)}"><code>{escape(term.iri)}</code></a>'),
        _row("CURIE", f"<code>{escape(term.curie)}</code>"),
        _row(
            "vocabulary",
            vocab
            + ("" if term.minted else " (reused)")
            + (f" · namespace <code>{escape(str(PREFIXES[prefix]))}</code>" if prefix else ""),
        ),
        _row("aligns to", f"<ul>{references}</ul>" if references else ""),
        _row("superclasses" if is_class else "superproperties", _links(term.supers, documented)),
        _row("subclasses" if is_class else "subproperties", _links(term.subterms, documented)),
        _row("domain", _links(term.domains, documented)),
        _row("range", _links(term.ranges, documented)),
        _row("domain of", _links(term.used_as_domain, documented)),
        _row("range of", _links(term.used_as_range, documented)),
    ]
    shapes = "".join(_shape_html(use) for use in term.shapes)
    shape_block = (
        f'<h4>SHACL shapes ({len(term.shapes)})</h4><ul class="shapes">{shapes}</ul>'
        if term.shapes
        else '<p class="missing">No shape constrains this term.</p>'
    )
    return (
        f'<section class="term" id="{escape(term.anchor)}">'
        f'<h3><code>{escape(term.curie)}</code> <span class="kind">{escape(term.kind)}</span></h3>'
        f'<ul class="labels">{labels}</ul>'
        f'<div class="definition">{definitions}</div>'
        f"<table>{''.join(rows)}</table>\n{shape_block}</section>\n"
    )


#: a message's placeholder, filled in by the validator from the focus node (``{?value}``)
_PLACEHOLDER = re.compile(r"\{[?$]([A-Za-z_][A-Za-z0-9_]*)\}")


def _message_html(message: str) -> str:
    """A shape's message as a reader meets it in a report: each placeholder is shown as the
    slot it is (``<var>value</var>``), not as SPARQL's ``{?value}``."""
    return _PLACEHOLDER.sub(r"<var>\1</var>", escape(message))


def _shape_html(use: ShapeUse) -> str:
    messages = "".join(f"<li>{_message_html(m)}</li>" for m in use.messages)
    constraints = (
        "<details><summary>constraints</summary><ul>"
        + "".join(f"<li><code>{escape(c)}</code></li>" for c in use.constraints)
        + "</ul></details>"
        if use.constraints
        else ""
    )
    path = f", on path <code>{escape(use.path)}</code>" if use.path else ""
    return (
        f'<li><span class="sev sev-{escape(use.severity.lower())}">{escape(use.severity)}</span> '
        f"<code>{escape(use.shape)}</code>: {escape(use.relation)}{path}"
        f"{f'<ul class=messages>{messages}</ul>' if messages else ''}{constraints}</li>"
    )


def render_html(terms: list[Term], ontology: Graph) -> str:
    """The documentation page: header from the ontology's own metadata, an index, the terms."""
    header = next(iter(sorted(ontology.subjects(RDF.type, OWL.Ontology), key=str)), None)
    title = str(ontology.value(header, DCTERMS.title) or "kzby-kg ontology") if header else ""
    description = (
        "".join(
            f"<p>{escape(text)}</p>"
            for _, text in _texts(ontology, header, DCTERMS.description, RDFS.comment)
        )
        if header is not None
        else ""
    )
    version = str(ontology.value(header, OWL.versionInfo) or "") if header is not None else ""
    documented = {t.curie for t in terms}
    index_parts = []
    body_parts = []
    for kind, heading in SECTIONS:
        members = [t for t in terms if t.kind == kind]
        section_id = kind.replace(" ", "-") + "s"
        index_parts.append(
            f'<li><a href="#{section_id}">{escape(heading)}</a> ({len(members)}): '
            + ", ".join(
                f'<a href="#{escape(t.anchor)}"{"" if t.minted else " class=reused"}>'
                f"{escape(t.curie)}</a>"
                for t in members
            )
            + "</li>\n"
        )
        inner = "".join(_term_html(t, documented) for t in members)
        if not members:
            inner = f'<p class="missing">The ontology has no {escape(kind)}.</p>'
        body_parts.append(
            f'<section id="{section_id}"><h2>{escape(heading)}</h2>\n{inner}</section>\n'
        )
    minted = sum(t.minted for t in terms)
    return _template("ontology.html").substitute(
        title=escape(title),
        iri=escape(str(header) if header is not None else ""),
        version=escape(version),
        description=description,
        counts=escape(
            f"{len(terms)} terms: {minted} minted by kzby-kg, {len(terms) - minted} reused "
            "(restated in ontology/kzby.ttl or constrained by ontology/shapes.ttl)"
        ),
        languages=escape(", ".join(LANGUAGES)),
        index="".join(index_parts),
        terms="".join(body_parts),
    )


def render_json(terms: list[Term]) -> str:
    """A machine-readable index of the same terms, keys sorted, for tools and the web app."""
    return (
        json.dumps([t.as_dict() for t in terms], ensure_ascii=False, indent=1, sort_keys=True)
        + "\n"
    )


def ontology_docs(paths: ProjectPaths) -> dict[str, bytes]:
    """The documentation files (name -> bytes) for the project's ontology/ folder."""
    ontology = parse_turtle(paths.ontology)
    shapes = parse_turtle(paths.shapes)
    terms = collect_terms(ontology, shapes)
    return {
        "index.html": render_html(terms, ontology).encode("utf-8"),
        "terms.json": render_json(terms).encode("utf-8"),
    }


def inputs_digest(paths: ProjectPaths) -> str:
    """One checksum over everything the documentation is made from, this code included (as
    data/vendored/inputs.json does for the vendored tables): a test compares it with the
    stamp in docs/ontology/inputs.json, so the committed pages cannot drift from ontology/."""
    digest = hashlib.sha256()
    for file in (paths.ontology, paths.shapes):
        digest.update(str(file.relative_to(paths.root)).encode())
        digest.update(hashlib.sha256(file.read_bytes()).hexdigest().encode())
    package = Path(__file__).resolve().parents[1]
    for module in _CODE:  # wherever the package is installed
        digest.update(module.encode())
        digest.update(hashlib.sha256((package / module).read_bytes()).hexdigest().encode())
    return digest.hexdigest()


def write_ontology_docs(paths: ProjectPaths, *, check_only: bool = False) -> list[tuple[Path, str]]:
    """Bring docs/ontology/ up to date with ontology/: regenerate when the inputs' checksum
    differs from the stamp, and write each file only if its bytes change.

    :param check_only: say what is stale without writing anything
    :returns: each page with ``unchanged``, ``written`` or (with ``check_only``) ``stale``
    """
    target = paths.root / DOCS_DIR
    pages = [target / name for name in DOC_FILES]
    digest = inputs_digest(paths)
    stamp = target / STAMPS
    stamped = json.loads(stamp.read_text("utf-8")).get("inputs") if stamp.is_file() else None
    if stamped == digest and all(p.is_file() for p in pages):
        return [(p, "unchanged") for p in pages]
    if check_only:
        return [(p, "stale") for p in pages]
    done = []
    files = ontology_docs(paths)
    files[STAMPS] = (json.dumps({"inputs": digest}, indent=1) + "\n").encode()
    for name, data in sorted(files.items()):
        path = target / name
        if path.is_file() and path.read_bytes() == data:
            status = "unchanged"
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(path, data)
            status = "written"
        if name != STAMPS:
            done.append((path, status))
    return done
