"""Compile SHACL shapes into SPARQL SELECT queries that list the failing value nodes.

Why: pyshacl walks focus nodes one by one in Python, which takes minutes at 100k triples. The
same constraints, written as one query per constraint, run inside Oxigraph's engine in
seconds at a million. pyshacl stays the reference; `tests/test_fast_validation.py` proves
that both report the same focus node, path, value, severity and shape on every fixture and on
the article graph.

Supported: targets (class with rdfs:subClassOf, subjectsOf, objectsOf, node, implicit class),
property paths (predicate, inverse, sequence, alternative, zero/one-or-more), and the core
components class, datatype (ill-formed lexical forms fail, as in pyshacl), nodeKind, pattern,
languageIn, min/max inclusive/exclusive, in, hasValue, minCount, maxCount, qualified value
shapes, and, or, xone, not, node, plus SHACL-SPARQL SELECT constraints. Anything else raises
:class:`UnsupportedShape`, so a caller can fall back to pyshacl instead of skipping a check.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import cast

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS, SH, XSD
from rdflib.term import Identifier, Node

from kzby_kg.rdf.labels import curie
from kzby_kg.rdf.namespaces import bind_prefixes

__all__ = ["Check", "UnsupportedShape", "compile_shapes"]

_SEVERITIES: dict[Node, str] = {SH.Violation: "Violation", SH.Warning: "Warning", SH.Info: "Info"}

#: Datatypes whose lexical space SPARQL can test with a cast that fails on bad input.
_CASTABLE = {
    XSD.integer,
    XSD.decimal,
    XSD.double,
    XSD.float,
    XSD.boolean,
    XSD.date,
    XSD.dateTime,
    XSD.time,
    XSD.gYear,
    XSD.gYearMonth,
    XSD.duration,
}

#: Constraint parameters this compiler understands; anything else in a shape is refused.
_KNOWN = {
    SH["class"],
    SH.datatype,
    SH.nodeKind,
    SH.pattern,
    SH.flags,
    SH.languageIn,
    SH.minInclusive,
    SH.maxInclusive,
    SH.minExclusive,
    SH.maxExclusive,
    SH["in"],
    SH.hasValue,
    SH.minCount,
    SH.maxCount,
    SH.qualifiedValueShape,
    SH.qualifiedMinCount,
    SH.qualifiedMaxCount,
    SH["and"],
    SH["or"],
    SH.xone,
    SH["not"],
    SH.node,
    SH.property,
    SH.sparql,
}
_IGNORED = {
    RDF.type,
    SH.path,
    SH.message,
    SH.severity,
    SH.name,
    SH.description,
    SH.order,
    SH.group,
    SH.targetClass,
    SH.targetNode,
    SH.targetSubjectsOf,
    SH.targetObjectsOf,
    RDFS.label,
    RDFS.comment,
    SH.deactivated,
}


class UnsupportedShape(ValueError):
    """A shape uses SHACL that this compiler does not translate; use pyshacl for it."""


@dataclass(frozen=True)
class Check:
    """One constraint of one shape, as a query whose rows are results.

    Rows bind ``?this`` (the focus node) and, when the result has one, ``?value``; SPARQL
    constraints may also bind ``?path`` and the variables their message mentions.
    """

    shape: Node
    severity: str
    path: Node | None
    query: str
    messages: tuple[str, ...]
    component: str
    node_level: bool
    #: messages come from the constraint and take {?var} substitutions
    sparql: bool = False


#: the shapes' annotation for a whole-graph form of a SPARQL constraint (see _sparql_check)
WHOLE_GRAPH_SELECT = URIRef("https://w3id.org/kzby-kg/shapes#wholeGraphSelect")


def _n3(term: Node) -> str:
    if isinstance(term, (URIRef, Literal)):
        return term.n3()
    raise UnsupportedShape(f"cannot write {term!r} into a query")


def _list(shapes: Graph, head: Node) -> list[Node]:
    return list(Collection(shapes, head))


def _one(shapes: Graph, subject: Node, predicate: URIRef) -> Node | None:
    return next(iter(shapes.objects(subject, predicate)), None)


def path_text(shapes: Graph, path: Node) -> str:
    """A SHACL property path as SPARQL property-path syntax."""
    if isinstance(path, URIRef):
        return path.n3()
    if (path, RDF.first, None) in shapes:
        return "/".join(f"({path_text(shapes, p)})" for p in _list(shapes, path))
    for predicate, template in (
        (SH.inversePath, "^({})"),
        (SH.zeroOrMorePath, "({})*"),
        (SH.oneOrMorePath, "({})+"),
        (SH.zeroOrOnePath, "({})?"),
    ):
        inner = _one(shapes, path, predicate)
        if inner is not None:
            return template.format(path_text(shapes, inner))
    alternatives = _one(shapes, path, SH.alternativePath)
    if alternatives is not None:
        return "|".join(f"({path_text(shapes, p)})" for p in _list(shapes, alternatives))
    raise UnsupportedShape(f"unknown property path {path!r}")


class _Compiler:
    def __init__(self, shapes: Graph) -> None:
        self.shapes = shapes
        self._counter = itertools.count()
        self._names = bind_prefixes(Graph())

    def name(self, node: Node | None) -> str:
        """A CURIE for a message; a nested shape is described by its own constraints."""
        if isinstance(node, URIRef):
            return curie(self._names, node)
        if isinstance(node, BNode):
            parts = [
                f"{curie(self._names, p)} {curie(self._names, o)}"
                for p, o in sorted(self.shapes.predicate_objects(node))
                if not isinstance(o, BNode)
            ]
            return f"[{'; '.join(parts)}]"
        if node is not None and (node, RDF.first, None) in self.shapes:
            return "(...)"
        return str(node)

    def var(self) -> str:
        return f"?_v{next(self._counter)}"

    # -- targets -------------------------------------------------------------------------
    def targets(self, shape: Node) -> str | None:
        """A group binding ?this to each focus node once, or None for a shape with no target."""
        parts = []
        classes = list(self.shapes.objects(shape, SH.targetClass))
        if (shape, RDF.type, RDFS.Class) in self.shapes:
            classes.append(shape)
        # graph nodes are typed as Node, which has no ordering; these are Identifiers
        for cls in sorted(cast("set[Identifier]", set(classes))):
            parts.append(f"{{ ?this {RDF.type.n3()}/{RDFS.subClassOf.n3()}* {_n3(cls)} }}")
        subjects_of = cast("Iterator[Identifier]", self.shapes.objects(shape, SH.targetSubjectsOf))
        for prop in sorted(subjects_of):
            parts.append(f"{{ ?this {_n3(prop)} [] }}")
        objects_of = cast("Iterator[Identifier]", self.shapes.objects(shape, SH.targetObjectsOf))
        for prop in sorted(objects_of):
            parts.append(f"{{ [] {_n3(prop)} ?this }}")
        nodes = sorted(cast("Iterator[Identifier]", self.shapes.objects(shape, SH.targetNode)))
        if nodes:
            parts.append(f"{{ VALUES ?this {{ {' '.join(_n3(n) for n in nodes)} }} }}")
        if not parts:
            return None
        return f"{{ SELECT DISTINCT ?this WHERE {{ {' UNION '.join(parts)} }} }}"

    # -- value conditions ------------------------------------------------------------------
    def check_parameters(self, shape: Node) -> None:
        for predicate in set(self.shapes.predicates(shape, None)):
            if predicate not in _KNOWN and predicate not in _IGNORED:
                raise UnsupportedShape(f"shape {shape} uses {predicate}, not compiled to SPARQL")

    def value_conditions(self, shape: Node, var: str) -> Iterator[tuple[str, str, str]]:
        """(component, SPARQL boolean, reader's message) for each value constraint of a shape;
        the boolean is true when ``var`` passes."""
        s = self.shapes
        for cls in s.objects(shape, SH["class"]):
            yield (
                "ClassConstraintComponent",
                f"EXISTS {{ {var} {RDF.type.n3()}/{RDFS.subClassOf.n3()}* {_n3(cls)} }}",
                f"value is not a {self.name(cls)}",
            )
        for datatype in s.objects(shape, SH.datatype):
            test = f"(isLiteral({var}) && DATATYPE({var}) = {_n3(datatype)}"
            if datatype in _CASTABLE:
                test += f" && isLiteral({_n3(datatype)}(STR({var})))"
            yield (
                "DatatypeConstraintComponent",
                test + ")",
                f"value is not a well-formed {self.name(datatype)} literal",
            )
        for kind in s.objects(shape, SH.nodeKind):
            kind_tests: dict[Node, str] = {
                SH.IRI: f"isIRI({var})",
                SH.BlankNode: f"isBlank({var})",
                SH.Literal: f"isLiteral({var})",
                SH.BlankNodeOrIRI: f"(isBlank({var}) || isIRI({var}))",
                SH.BlankNodeOrLiteral: f"(isBlank({var}) || isLiteral({var}))",
                SH.IRIOrLiteral: f"(isIRI({var}) || isLiteral({var}))",
            }
            if kind not in kind_tests:
                raise UnsupportedShape(f"unknown sh:nodeKind {kind}")
            yield (
                "NodeKindConstraintComponent",
                kind_tests[kind],
                f"value is not of kind {self.name(kind)}",
            )
        for pattern in s.objects(shape, SH.pattern):
            flags = _one(s, shape, SH.flags)
            args = f"STR({var}), {_n3(Literal(str(pattern)))}"
            if flags is not None:
                args += f", {_n3(Literal(str(flags)))}"
            yield (
                "PatternConstraintComponent",
                f"(!isBlank({var}) && REGEX({args}))",
                f"value does not match {pattern}",
            )
        for head in s.objects(shape, SH.languageIn):
            tags = [str(t) for t in _list(s, head)]
            matches = " || ".join(f"langMatches(LANG({var}), {_n3(Literal(t))})" for t in tags)
            yield (
                "LanguageInConstraintComponent",
                f"(isLiteral({var}) && ({matches or 'false'}))",
                f"language tag is not one of {', '.join(tags)}",
            )
        for predicate, operator, name in (
            (SH.minInclusive, ">=", "MinInclusive"),
            (SH.maxInclusive, "<=", "MaxInclusive"),
            (SH.minExclusive, ">", "MinExclusive"),
            (SH.maxExclusive, "<", "MaxExclusive"),
        ):
            for bound in s.objects(shape, predicate):
                yield (
                    f"{name}ConstraintComponent",
                    f"({var} {operator} {_n3(bound)})",
                    f"value is not {operator} {bound}",
                )
        for head in s.objects(shape, SH["in"]):
            members = [f"sameTerm({var}, {_n3(m)})" for m in _list(s, head)]
            yield (
                "InConstraintComponent",
                f"({' || '.join(members) or 'false'})",
                "value is not one of the allowed values",
            )
        for head in s.objects(shape, SH["or"]):
            tests = [self.conforms(m, var) for m in _list(s, head)]
            yield (
                "OrConstraintComponent",
                f"({' || '.join(tests) or 'false'})",
                "value conforms to none of the alternatives (sh:or)",
            )
        for head in s.objects(shape, SH["and"]):
            tests = [self.conforms(m, var) for m in _list(s, head)]
            yield (
                "AndConstraintComponent",
                f"({' && '.join(tests) or 'true'})",
                "value does not conform to every shape (sh:and)",
            )
        for head in s.objects(shape, SH.xone):
            tests = [f"IF({self.conforms(m, var)}, 1, 0)" for m in _list(s, head)]
            yield (
                "XoneConstraintComponent",
                f"(({' + '.join(tests) or '0'}) = 1)",
                "value conforms to none, or to more than one, of the alternatives (sh:xone)",
            )
        for inner in s.objects(shape, SH["not"]):
            yield (
                "NotConstraintComponent",
                f"(!{self.conforms(inner, var)})",
                "value conforms to a shape it must not (sh:not)",
            )
        for inner in s.objects(shape, SH.node):
            yield (
                "NodeConstraintComponent",
                self.conforms(inner, var),
                f"value does not conform to {self.name(inner)}",
            )

    def conforms(self, shape: Node, var: str) -> str:
        """A SPARQL boolean: does the node in ``var`` conform to the (nested) ``shape``?"""
        self.check_parameters(shape)
        s = self.shapes
        if any(True for _ in s.objects(shape, SH.sparql)) or any(
            True for _ in s.objects(shape, SH.qualifiedValueShape)
        ):
            raise UnsupportedShape(f"nested shape {shape} uses SPARQL or qualified shapes")
        tests = [f"COALESCE({t}, false)" for _, t, _ in self.value_conditions(shape, var)]
        for prop in s.objects(shape, SH.property):
            tests.append(self.conforms(prop, var))
        path = _one(s, shape, SH.path)
        if path is not None:
            tests = self._nested_property_tests(shape, path_text(s, path), var)
        return f"({' && '.join(tests) or 'true'})"

    def _nested_property_tests(self, shape: Node, path: str, var: str) -> list[str]:
        s = self.shapes
        tests = []
        for count in cast("Iterator[Literal]", s.objects(shape, SH.minCount)):
            if int(count) > 1:
                raise UnsupportedShape(f"nested sh:minCount {count} > 1 in {shape}")
            if int(count) == 1:
                tests.append(f"EXISTS {{ {var} {path} [] }}")
        for count in cast("Iterator[Literal]", s.objects(shape, SH.maxCount)):
            a, b = self.var(), self.var()
            if int(count) == 0:
                tests.append(f"NOT EXISTS {{ {var} {path} [] }}")
            elif int(count) == 1:
                tests.append(f"NOT EXISTS {{ {var} {path} {a}, {b} FILTER (!sameTerm({a}, {b})) }}")
            else:
                raise UnsupportedShape(f"nested sh:maxCount {count} > 1 in {shape}")
        value = self.var()
        for _, test, _ in self.value_conditions(shape, value):
            tests.append(f"NOT EXISTS {{ {var} {path} {value} FILTER (!COALESCE({test}, false)) }}")
        for prop in s.objects(shape, SH.property):
            tests.append(
                f"NOT EXISTS {{ {var} {path} {value} FILTER (!{self.conforms(prop, value)}) }}"
            )
        return tests

    # -- top-level checks ----------------------------------------------------------------
    def checks_for(self, shape: Node, target: str) -> Iterator[Check]:
        """Every check of ``shape`` (and its property shapes) over the focus nodes in target."""
        self.check_parameters(shape)
        s = self.shapes
        if _one(s, shape, SH.deactivated) == Literal(True):
            return
        severity = _SEVERITIES.get(_one(s, shape, SH.severity) or SH.Violation)
        if severity is None:
            raise UnsupportedShape(f"shape {shape} has a custom severity")
        messages = tuple(sorted(str(m) for m in s.objects(shape, SH.message)))
        path_node = _one(s, shape, SH.path)
        node_level = path_node is None

        def check(
            component: str, body: str, select: str = "?this ?value", tail: str = "", text: str = ""
        ) -> Check:
            query = f"SELECT DISTINCT {select} WHERE {{ {target} {body} }}{tail}"
            return Check(
                shape, severity, path_node, query, messages or (text,), component, node_level
            )

        if node_level:
            for component, test, text in self.value_conditions(shape, "?this"):
                body = f"FILTER (!COALESCE({test}, false)) BIND (?this AS ?value)"
                yield check(component, body, text=text)
        else:
            assert path_node is not None  # node_level is False
            path = path_text(s, path_node)
            for component, test, text in self.value_conditions(shape, "?value"):
                body = f"?this {path} ?value FILTER (!COALESCE({test}, false))"
                yield check(component, body, text=text)
            yield from self._counts(shape, path, check)
        for prop in s.objects(shape, SH.property):
            if not node_level:
                raise UnsupportedShape(f"property shape {shape} has nested sh:property")
            yield from self.checks_for(prop, target)
        for constraint in s.objects(shape, SH.sparql):
            if not node_level:
                raise UnsupportedShape(f"SPARQL constraint on property shape {shape}")
            yield self._sparql_check(shape, constraint, target, severity, messages)

    def _counts(self, shape: Node, path: str, check: Callable[..., Check]) -> Iterator[Check]:
        s = self.shapes
        name = self.name(_one(s, shape, SH.path))
        for count in cast("Iterator[Literal]", s.objects(shape, SH.minCount)):
            n, v = int(count), self.var()
            if n == 1:
                body = f"FILTER NOT EXISTS {{ ?this {path} [] }}"
                yield check("MinCountConstraintComponent", body, "?this", text=f"no {name}")
            elif n > 1:
                tail = f" GROUP BY ?this HAVING (COUNT(DISTINCT {v}) < {n})"
                body = f"OPTIONAL {{ ?this {path} {v} }}"
                text = f"fewer than {n} values of {name}"
                yield check("MinCountConstraintComponent", body, "?this", tail, text)
        for count in cast("Iterator[Literal]", s.objects(shape, SH.maxCount)):
            v = self.var()
            tail = f" GROUP BY ?this HAVING (COUNT(DISTINCT {v}) > {int(count)})"
            text = f"more than {int(count)} value{'s' * (int(count) != 1)} of {name}"
            yield check("MaxCountConstraintComponent", f"?this {path} {v}", "?this", tail, text)
        for inner in s.objects(shape, SH.qualifiedValueShape):
            if any(True for _ in s.objects(shape, SH.qualifiedValueShapesDisjoint)):
                raise UnsupportedShape("sh:qualifiedValueShapesDisjoint")
            v = self.var()
            body = f"OPTIONAL {{ ?this {path} {v} FILTER ({self.conforms(inner, v)}) }}"
            for predicate, operator, kind in (
                (SH.qualifiedMinCount, "<", "QualifiedMinCount"),
                (SH.qualifiedMaxCount, ">", "QualifiedMaxCount"),
            ):
                for count in cast("Iterator[Literal]", s.objects(shape, predicate)):
                    tail = f" GROUP BY ?this HAVING (COUNT(DISTINCT {v}) {operator} {int(count)})"
                    fewer = "fewer" if operator == "<" else "more"
                    text = (
                        f"{fewer} than {int(count)} values of {name} conform to {self.name(inner)}"
                    )
                    yield check(f"{kind}ConstraintComponent", body, "?this", tail, text)

    def _sparql_check(
        self,
        shape: Node,
        constraint: Node,
        target: str,
        severity: str,
        shape_messages: tuple[str, ...],
    ) -> Check:
        s = self.shapes
        # a constraint may carry a second text written for one run over the whole graph (a join
        # where sh:select, run per focus node, compares pairs); it must give the same results
        select = _one(s, constraint, WHOLE_GRAPH_SELECT) or _one(s, constraint, SH.select)
        if select is None:
            raise UnsupportedShape(f"SPARQL constraint {constraint} has no sh:select")
        text = str(select)
        if re.search(r"\$(?!this\b)\w+", text):
            raise UnsupportedShape(f"{constraint} uses pre-bound variables other than $this")
        text = re.sub(r"\$this\b", "?this", text)
        from kzby_kg.querying.text import blank_out

        clean = blank_out(text)
        head = re.search(r"\bSELECT\b(.*?)\bWHERE\s*\{", clean, re.IGNORECASE | re.DOTALL)
        if head is None or not re.search(r"\?this\b|\*", head.group(1)):
            raise UnsupportedShape(f"{constraint} does not select $this")
        text = text[: head.end()] + f" {target} " + text[head.end() :]
        prefixes = self._prefixes(constraint)
        messages = tuple(sorted(str(m) for m in s.objects(constraint, SH.message)))
        return Check(
            shape,
            severity,
            None,
            prefixes + text,
            messages + tuple(m for m in shape_messages if m not in messages),
            "SPARQLConstraintComponent",
            True,
            sparql=True,
        )

    def _prefixes(self, constraint: Node) -> str:
        lines = []
        for owner in self.shapes.objects(constraint, SH.prefixes):
            for declaration in self.shapes.objects(owner, SH.declare):
                prefix = _one(self.shapes, declaration, SH.prefix)
                namespace = _one(self.shapes, declaration, SH.namespace)
                if prefix is not None and namespace is not None:
                    lines.append(f"PREFIX {prefix}: <{namespace}>\n")
        return "".join(sorted(set(lines)))


def _top_level(shapes: Graph) -> list[Node]:
    found: set[Node] = set()
    for predicate in (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf):
        found.update(shapes.subjects(predicate, None))
    for shape in shapes.subjects(RDF.type, SH.NodeShape):
        if (shape, RDF.type, RDFS.Class) in shapes:
            found.add(shape)
    return sorted(found, key=lambda n: (isinstance(n, BNode), str(n)))


def compile_shapes(shapes: Graph) -> list[Check]:
    """Every check of every targeted shape, in a fixed order.

    :raises UnsupportedShape: if any shape uses SHACL this compiler does not translate.
    """
    compiler = _Compiler(shapes)
    checks: list[Check] = []
    for shape in _top_level(shapes):
        target = compiler.targets(shape)
        if target is not None:
            checks.extend(compiler.checks_for(shape, target))
    return checks
