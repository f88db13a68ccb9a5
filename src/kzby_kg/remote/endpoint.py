"""Any SPARQL 1.1 endpoint as an engine, through SPARQLWrapper.

It answers like the embedded engines (:class:`~kzby_kg.querying.results.QueryResult` of rdflib
terms); bound values are written into a VALUES block (:func:`~kzby_kg.querying.parameters.
inline_bindings`), since the protocol has no bindings of its own.

Row caps. A stock Virtuoso 7.2 (``ResultSetMaxRows = 10000``) cuts every answer at 10,000
rows. A cut SELECT says so in the header ``X-SPARQL-MaxRows``; the backend then reads the
whole answer in pages of that many rows, the way Virtuoso's documentation pages past its
limits: the query, whole, as a subquery, with ``LIMIT``/``OFFSET`` outside it (an ``ORDER BY``
next to a large ``OFFSET`` would be a "sorted TOP", refused past ``MaxSortedTopRows``, SR353).
A query with an ``ORDER BY`` keeps it inside, so the pages come in its order; one without gets
an ``ORDER BY`` over all its variables inside, so that the pages neither overlap nor leave rows
out. A CONSTRUCT or DESCRIBE is cut without any header (at 10,001 triples, or for DESCRIBE at
10,001 described resources, tested on 7.2): an answer that reaches the cap is refused as
possibly cut, unless the query's own LIMIT keeps it below the cap.
"""

from __future__ import annotations

import re
import time
import urllib.error
from functools import lru_cache
from typing import Any

from rdflib import Graph
from rdflib.term import Identifier

from kzby_kg.errors import EndpointError
from kzby_kg.querying.backend import Backend
from kzby_kg.querying.parameters import inline_bindings
from kzby_kg.querying.results import QueryResult
from kzby_kg.querying.text import query_form
from kzby_kg.rdf.namespaces import bind_prefixes
from kzby_kg.rdf.terms import from_json

__all__ = ["DEFAULT_ROW_CAP", "EndpointBackend", "split_prologue"]

#: Virtuoso's ``ResultSetMaxRows`` in Debian's (and OpenLink's) stock virtuoso.ini
DEFAULT_ROW_CAP = 10_000
_ROW_CAP_HEADER = "X-SPARQL-MaxRows"
#: what a CONSTRUCT or DESCRIBE asks for, and how each answer type is read
_GRAPH_ACCEPT = "application/n-triples, text/turtle;q=0.9, application/rdf+xml;q=0.5"
_GRAPH_SYNTAX = {
    "application/n-triples": "nt",
    "text/plain": "nt",
    "text/ntriples": "nt",
    "text/turtle": "turtle",
    "application/x-turtle": "turtle",
    "text/n3": "n3",
    "text/rdf+n3": "n3",
    "application/rdf+xml": "xml",
}
#: a variable name that can be written back into a query as it is
_VARIABLE = re.compile(r"\w+")


@lru_cache(maxsize=1)
def _prologue_grammar() -> Any:
    """rdflib's SPARQL Prologue (BASE and PREFIX declarations, comments skipped), then the
    offset where what follows it starts."""
    from pyparsing import Empty
    from rdflib.plugins.sparql.parser import Prologue

    return Prologue + Empty().set_parse_action(lambda _text, loc, _tokens: [loc])


def split_prologue(text: str) -> tuple[str, str]:
    """The query's prologue (its BASE and PREFIX declarations) and the rest.

    Found with rdflib's own grammar, so that an IRI or a comment that looks like a keyword does
    not move the boundary; a comment after the last declaration starts the rest. ``\\u``
    escapes are expanded first, as a SPARQL parser does.

    >>> split_prologue("# PREFIX\\nPREFIX ex: <http://ex.org/SELECT#>\\nSELECT * { ?s ?p ?o }")
    ('# PREFIX\\nPREFIX ex: <http://ex.org/SELECT#>\\n', 'SELECT * { ?s ?p ?o }')
    >>> split_prologue("SELECT * { ?s ?p ?o }")
    ('', 'SELECT * { ?s ?p ?o }')
    """
    from rdflib.plugins.sparql.parser import expandUnicodeEscapes

    text = expandUnicodeEscapes(text)
    end = int(_prologue_grammar().parse_string(text)[-1])
    return text[:end], text[end:]


def _parsed(text: str) -> Any:
    """rdflib's parse of the query's form (a CompValue), or None if rdflib cannot parse it."""
    from rdflib.plugins.sparql.parser import parseQuery

    try:
        return parseQuery(text)[1]
    except Exception:  # a server's own syntax rdflib does not know: nothing can be said
        return None


def _limit(query: Any) -> int | None:
    if query is None or "limitoffset" not in query or "limit" not in query["limitoffset"]:
        return None
    return int(query["limitoffset"]["limit"])


def _kept_below(text: str, form: str, bound: int) -> bool:
    """Whether a CONSTRUCT or DESCRIBE cannot reach ``bound`` triples (CONSTRUCT) or described
    resources (DESCRIBE): a DESCRIBE of named IRIs alone, or a LIMIT times what one solution
    can add. False whenever that cannot be told (rdflib cannot read the query, DESCRIBE *,
    CONSTRUCT WHERE)."""
    query = _parsed(text)
    if query is None:
        return False
    try:
        described = len(query["var"]) if form == "DESCRIBE" and "var" in query else None
        if form == "DESCRIBE" and "where" not in query:
            return described is not None and described < bound  # only the IRIs it names
        limit = _limit(query)
        if limit is None:
            return False
        if form == "DESCRIBE":
            per_solution = described
        else:  # the template's triples, its short forms expanded
            from rdflib.plugins.sparql.algebra import translateQuery
            from rdflib.plugins.sparql.parser import parseQuery

            template = translateQuery(parseQuery(text)).algebra.template
            per_solution = len(template) if template is not None else None
    except Exception:  # rdflib's internals: when in doubt, the answer stays suspect
        return False
    return per_solution is not None and limit * per_solution < bound


def _refusal(exc: Exception) -> str:
    """What the server said, not only its status: SPARQLWrapper keeps the answer's body only
    as a ``repr`` in its message (Virtuoso's first line names the reason, such as a cost
    estimate above ``MaxQueryCostEstimationTime``)."""
    import ast

    from kzby_kg.remote.push import server_message

    first, _, rest = str(exc).partition("\n\nResponse:\n")
    first = first.strip().rstrip(".")
    try:
        body = ast.literal_eval(rest.strip()) if rest else b""
    except (ValueError, SyntaxError):
        body = b""
    said = server_message(body) if isinstance(body, bytes) else ""
    return f"{first}: {said}" if said else first


class EndpointBackend(Backend):
    """Any SPARQL 1.1 endpoint, through SPARQLWrapper.

    Retries 429 and 503 answers with backoff, reads a SELECT cut at the server's row cap in
    pages (see the module's documentation), refuses partial results it cannot complete
    (Virtuoso's anytime queries, and CONSTRUCT or DESCRIBE answers that reach ``row_cap``, the
    server's ``ResultSetMaxRows`` when it does not say it), and turns network failures into
    :class:`~kzby_kg.errors.EndpointError`. At most ``max_pages`` pages are read for one
    answer.
    """

    name = "endpoint"
    PARTIAL_HEADERS = ("X-SQL-State", _ROW_CAP_HEADER)
    _LIMIT_NOTE = " (Virtuoso's ResultSetMaxRows in the [SPARQL] section of virtuoso.ini)"

    def __init__(
        self,
        url: str,
        *,
        user: str | None = None,
        password: str | None = None,
        timeout: float = 30.0,
        retries: int = 3,
        default_graph: str | None = None,
        backoff: float = 0.5,
        row_cap: int = DEFAULT_ROW_CAP,
        max_pages: int = 200,
    ) -> None:
        self.url = url
        self.user = user
        self.password = password
        self.timeout = timeout
        self.retries = retries
        self.default_graph = default_graph
        self.backoff = backoff
        self.row_cap = row_cap
        self.max_pages = max_pages

    def _wrapper(self, text: str, return_format: str) -> Any:
        from SPARQLWrapper import DIGEST, POST, SPARQLWrapper

        wrapper = SPARQLWrapper(self.url)
        wrapper.setMethod(POST)
        wrapper.setTimeout(int(self.timeout))
        wrapper.setQuery(text)
        wrapper.setReturnFormat(return_format)
        if self.user:
            wrapper.setHTTPAuth(DIGEST)
            wrapper.setCredentials(self.user, self.password or "")
        if self.default_graph:
            wrapper.addDefaultGraph(self.default_graph)
        if return_format != "json":
            # N-Triples first: Virtuoso 7.2's Turtle writes a whole xsd:decimal as a bare
            # numeral ("12"), which Turtle reads as an xsd:integer; its N-Triples keeps the type
            wrapper.setOnlyConneg(True)
            wrapper.addCustomHttpHeader("Accept", _GRAPH_ACCEPT)
        return wrapper

    def _send(self, text: str, return_format: str) -> Any:
        from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

        attempt = 0
        while True:
            try:
                return self._wrapper(text, return_format).query()
            except urllib.error.HTTPError as exc:
                if exc.code in (429, 503) and attempt < self.retries:
                    retry_after = exc.headers.get("Retry-After") if exc.headers else None
                    delay = (
                        float(retry_after)
                        if retry_after and retry_after.isdigit()
                        else self.backoff * 2**attempt
                    )
                    time.sleep(min(delay, 30.0))
                    attempt += 1
                    continue
                raise EndpointError(f"{self.url} answered HTTP {exc.code}: {exc.reason}") from exc
            except SPARQLWrapperException as exc:
                raise EndpointError(f"{self.url} refused the query: {_refusal(exc)}") from exc
            except urllib.error.URLError as exc:
                raise EndpointError(f"cannot reach {self.url}: {exc.reason}") from exc
            except TimeoutError as exc:
                raise EndpointError(f"{self.url} did not answer within {self.timeout:g} s") from exc

    def _partial(self, name: str, value: str, why: str = "") -> EndpointError:
        limit = self._LIMIT_NOTE if name == _ROW_CAP_HEADER else ""
        return EndpointError(
            f"{self.url} answered with partial results ({name}: {value}){why}; "
            f"raise the server's limits{limit} or narrow the query"
        )

    def _check_complete(self, response: Any, *, capped: bool = False) -> int | None:
        """Refuse a partial answer; with ``capped``, return the row cap a SELECT was cut at
        (None when it was not cut) instead of refusing it."""
        headers = response.info()
        state = headers.get("X-SQL-State")
        if state:
            raise self._partial("X-SQL-State", state)
        cap = headers.get(_ROW_CAP_HEADER)
        if not cap:
            return None
        if capped and cap.strip().isdigit() and int(cap) > 0:
            return int(cap)
        raise self._partial(_ROW_CAP_HEADER, cap)

    def _results(self, answer: Any) -> dict[str, Any]:
        try:
            data = answer.convert()
        except Exception as exc:
            raise EndpointError(f"{self.url} sent results that do not parse: {exc}") from exc
        if not isinstance(data, dict):
            raise EndpointError(f"{self.url} sent results that are not SPARQL JSON results")
        return data

    @staticmethod
    def _rows(data: dict[str, Any], variables: list[str]) -> list[tuple[Identifier | None, ...]]:
        return [
            tuple(from_json(b.get(v)) for v in variables)
            for b in data.get("results", {}).get("bindings", [])
        ]

    def _pages(
        self, text: str, variables: list[str], size: int
    ) -> list[tuple[Identifier | None, ...]]:
        """The whole answer of a SELECT the server cut at ``size`` rows, read in pages.

        Each page is ``SELECT * WHERE { { the query } } LIMIT size OFFSET n`` under the
        query's own prologue; without an ORDER BY of its own, the query is ordered inside by
        all its variables, so that every page slices the same sequence.
        """
        from SPARQLWrapper import JSON

        header = f"{size}"
        query = _parsed(text)
        if query is None:
            raise self._partial(
                _ROW_CAP_HEADER, header, " and rdflib cannot parse the query to read it in pages"
            )
        order = ""
        if "orderby" not in query:
            if not variables or not all(_VARIABLE.fullmatch(v) for v in variables):
                raise self._partial(
                    _ROW_CAP_HEADER, header, f" and its variables {variables} cannot be ordered"
                )
            order = " ORDER BY " + " ".join(f"?{v}" for v in variables)
        prologue, body = split_prologue(text)
        inner = f"{{\n{body}\n}}"  # the line break ends a comment on the query's last line
        if order:
            inner = f"{{ SELECT * WHERE {inner}{order} }}"
        rows: list[tuple[Identifier | None, ...]] = []
        for number in range(self.max_pages):
            page_text = (
                f"{prologue}\nSELECT * WHERE {{ {inner} }} LIMIT {size} OFFSET {number * size}"
            )
            try:
                answer = self._send(page_text, JSON)
            except EndpointError as exc:
                raise EndpointError(
                    f"{exc} (page {number + 1}: the server cut the answer at {size} rows, so "
                    "the query was sent again in ordered pages, which no page overlaps; narrow "
                    "the query, or raise the server's limits)"
                ) from exc
            cap = self._check_complete(answer.response, capped=True)
            if cap is not None and cap < size:
                raise self._partial(_ROW_CAP_HEADER, f"{cap}", f" on a page of {size} rows")
            page = self._rows(self._results(answer), variables)
            if len(page) > size:
                raise EndpointError(
                    f"{self.url} answered a page of {size} rows with {len(page)}: "
                    "it does not keep to LIMIT, so the answer cannot be read in pages"
                )
            rows.extend(page)
            if len(page) < size:
                return rows
        raise EndpointError(
            f"{self.url} still had rows after {self.max_pages} pages of {size} "
            f"({len(rows)} rows read): stopped there; narrow the query or raise the server's "
            f"row cap{self._LIMIT_NOTE}"
        )

    def _check_graph(self, text: str, form: str, graph: Graph) -> None:
        """Refuse a CONSTRUCT or DESCRIBE answer that may have been cut at the row cap.

        Virtuoso cuts them without a header: a CONSTRUCT at ``row_cap + 1`` triples, a DESCRIBE
        at ``row_cap + 1`` described resources (with all their triples, so far more triples).
        An answer of at least ``row_cap - 1`` triples is refused, unless the query's LIMIT
        keeps it below that: a CONSTRUCT writes at most its template's triples per solution,
        a DESCRIBE describes at most its variables' and IRIs' count of resources per solution.
        """
        cap = self.row_cap
        if len(graph) < cap - 1 or _kept_below(text, form, cap - 1):
            return
        raise EndpointError(
            f"{self.url} answered the {form} with {len(graph)} triples, which reaches the "
            f"row cap of {cap}{self._LIMIT_NOTE}: the answer may be cut short, and the server "
            "does not say so; narrow the query, or give it a LIMIT that keeps it below the cap"
        )

    def run(self, text: str, bindings: dict[str, Identifier] | None = None) -> QueryResult:
        from SPARQLWrapper import JSON, TURTLE

        form = query_form(text)
        full = inline_bindings(text, bindings or {})
        if form in ("CONSTRUCT", "DESCRIBE"):
            answer = self._send(full, TURTLE)
            self._check_complete(answer.response)
            graph = bind_prefixes(Graph())
            syntax = _GRAPH_SYNTAX.get(answer.response.info().get_content_type(), "turtle")
            try:
                graph.parse(data=answer.response.read(), format=syntax)
            except Exception as exc:
                raise EndpointError(f"{self.url} sent a graph that does not parse: {exc}") from exc
            self._check_graph(full, form, graph)
            return QueryResult(form, graph=graph, backend=self.name)
        answer = self._send(full, JSON)
        cap = self._check_complete(answer.response, capped=form == "SELECT")
        data = self._results(answer)
        if form == "ASK":
            return QueryResult(form, boolean=bool(data.get("boolean")), backend=self.name)
        variables = list(data.get("head", {}).get("vars", []))
        rows = self._rows(data, variables) if cap is None else self._pages(full, variables, cap)
        return QueryResult(form, variables, rows, backend=self.name)
