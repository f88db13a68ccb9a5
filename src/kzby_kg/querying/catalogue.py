"""The stored-question catalogue: queries/*.rq with grlc headers (see queries/README.md).

A question's parameters come from its variable names (:mod:`kzby_kg.querying.parameters`); its
header gives the summary, description, tags and defaults.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from rdflib.term import Identifier

from kzby_kg.errors import UsageError
from kzby_kg.paths import ProjectPaths, find_root
from kzby_kg.querying.parameters import Parameter, find_parameters, parse_slice, parse_value
from kzby_kg.querying.text import blank_out, query_form

__all__ = ["StoredQuery", "catalogue", "load_query"]


@dataclass
class StoredQuery:
    """A stored question: its SPARQL text and what its header says."""

    name: str
    path: Path
    text: str
    summary: str
    description: str = ""
    tags: list[str] = field(default_factory=list)
    defaults: dict[str, Any] = field(default_factory=dict)
    parameters: list[Parameter] = field(default_factory=list)

    @property
    def form(self) -> str:
        """SELECT, ASK, CONSTRUCT or DESCRIBE, read from the text after its prologue."""
        return query_form(self.text)

    def bindings(self, values: dict[str, Any]) -> dict[str, Identifier]:
        """Typed RDF terms for the given values, with defaults filled in.

        :raises UsageError: naming the parameter, for a missing, unknown or ill-typed value.
        """
        known = {p.name: p for p in self.parameters}
        unknown = sorted(set(values) - set(known))
        if unknown:
            expected = ", ".join(p.describe() for p in self.parameters) or "none"
            raise UsageError(
                f"query {self.name!r} has no parameter {unknown[0]!r}; parameters: {expected}"
            )
        bound: dict[str, Identifier] = {}
        for param in self.parameters:
            raw = values.get(param.name, self.defaults.get(param.name))
            if raw is None:
                if param.required:
                    raise UsageError(
                        f"query {self.name!r} needs parameter {param.name!r} ({param.kind})"
                    )
                continue
            bound[param.variable] = parse_value(param, raw)
        return bound

    def sliced(self, limit: Any = None, offset: Any = None) -> str:
        """The query's text for one page of its answer: ``limit`` rows from row ``offset``.

        The slice is the query's own solution modifier, ``LIMIT n OFFSET m`` after its ORDER BY,
        written from whole numbers checked by :func:`~kzby_kg.querying.parameters.parse_slice`
        (nothing a user typed reaches the text), so pages keep the question's order and, read one
        after the other, make up the whole answer. Every engine reads it: it is plain SPARQL.

        >>> q = StoredQuery("q", Path("q.rq"), "SELECT ?x WHERE { ?x ?p ?o } ORDER BY ?x", "")
        >>> q.sliced(10, 20)
        'SELECT ?x WHERE { ?x ?p ?o } ORDER BY ?x\\nLIMIT 10 OFFSET 20\\n'
        >>> q.sliced() == q.text
        True

        :raises UsageError: for a limit or offset that is no whole number from 0 up, and for a
            question that cannot be paged (an ASK, or one with its own LIMIT, OFFSET or
            trailing VALUES).
        """
        first = parse_slice("limit", limit)
        skip = parse_slice("offset", offset)
        if first is None and not skip:
            return self.text
        if self.form == "ASK":
            raise UsageError(f"query {self.name!r} is an ASK question: it has no rows to page")
        clash = _top_level_slice(self.text)
        if clash:
            raise UsageError(
                f"query {self.name!r} has its own {clash}, so limit and offset cannot page it"
            )
        slice_ = [f"LIMIT {first}"] if first is not None else []
        slice_ += [f"OFFSET {skip}"] if skip else []
        return (
            self.text + "\n" + " ".join(slice_) + "\n"
        )  # a newline first: it may end in a comment


def _top_level_slice(text: str) -> str | None:
    """LIMIT, OFFSET or VALUES when the query's text has one outside every group (the query's
    own solution modifiers, which a second slice would contradict)."""
    depth = 0
    for token in re.finditer(r"[{}]|\b(?:LIMIT|OFFSET|VALUES)\b", blank_out(text), re.IGNORECASE):
        word = token.group()
        if word == "{":
            depth += 1
        elif word == "}":
            depth -= 1
        elif depth == 0:
            return word.upper()
    return None


def load_query(path: Path) -> StoredQuery:
    """Read one .rq file and its ``#+`` YAML header.

    :raises UsageError: if the header is not valid YAML or has no summary.
    """
    text = path.read_text(encoding="utf-8")
    header_lines = [line[2:] for line in text.splitlines() if line.startswith("#+")]
    try:
        header = yaml.safe_load("\n".join(header_lines)) or {}
    except yaml.YAMLError as exc:
        raise UsageError(f"{path}: the #+ header is not valid YAML: {exc}") from exc
    if not isinstance(header, dict) or not header.get("summary"):
        raise UsageError(f"{path}: the #+ header needs a summary")
    defaults: dict[str, Any] = {}
    for item in header.get("defaults") or []:
        if isinstance(item, dict):
            defaults.update({str(k): v for k, v in item.items()})
    return StoredQuery(
        name=path.stem,
        path=path,
        text=text,
        summary=str(header["summary"]),
        description=str(header.get("description", "")),
        tags=[str(t) for t in header.get("tags") or []],
        defaults=defaults,
        parameters=find_parameters(text),
    )


def catalogue(root: str | Path | ProjectPaths | None = None) -> dict[str, StoredQuery]:
    """Every stored question in queries/ (not queries/checks/), by name."""
    paths = root if isinstance(root, ProjectPaths) else find_root(root)
    folder = paths.root / "queries"
    return {p.stem: load_query(p) for p in sorted(folder.glob("*.rq"))}
