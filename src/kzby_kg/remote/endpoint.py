"""Any SPARQL 1.1 endpoint as an engine, through SPARQLWrapper.

It answers like the embedded engines (:class:`~kzby_kg.querying.results.QueryResult` of rdflib
terms); bound values are written into a VALUES block (:func:`~kzby_kg.querying.parameters.
inline_bindings`), since the protocol has no bindings of its own.
"""

from __future__ import annotations

import time
import urllib.error
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

__all__ = ["EndpointBackend"]


class EndpointBackend(Backend):
    """Any SPARQL 1.1 endpoint, through SPARQLWrapper.

    Retries 429 and 503 answers with backoff, refuses partial results (Virtuoso's anytime
    queries and row caps say so in headers), and turns network failures into
    :class:`~kzby_kg.errors.EndpointError`.
    """

    name = "endpoint"
    PARTIAL_HEADERS = ("X-SQL-State", "X-SPARQL-MaxRows")

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
    ) -> None:
        self.url = url
        self.user = user
        self.password = password
        self.timeout = timeout
        self.retries = retries
        self.default_graph = default_graph
        self.backoff = backoff

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
                message = str(exc).splitlines()[0]
                raise EndpointError(f"{self.url} refused the query: {message}") from exc
            except urllib.error.URLError as exc:
                raise EndpointError(f"cannot reach {self.url}: {exc.reason}") from exc
            except TimeoutError as exc:
                raise EndpointError(f"{self.url} did not answer within {self.timeout:g} s") from exc

    def _check_complete(self, response: Any) -> None:
        headers = response.info()
        for name in self.PARTIAL_HEADERS:
            if headers.get(name):
                limit = (
                    " (Virtuoso's ResultSetMaxRows in the [SPARQL] section of virtuoso.ini)"
                    if name == "X-SPARQL-MaxRows"
                    else ""
                )
                raise EndpointError(
                    f"{self.url} answered with partial results ({name}: {headers.get(name)}); "
                    f"raise the server's limits{limit} or narrow the query"
                )

    def run(self, text: str, bindings: dict[str, Identifier] | None = None) -> QueryResult:
        from SPARQLWrapper import JSON, TURTLE

        form = query_form(text)
        full = inline_bindings(text, bindings or {})
        if form in ("CONSTRUCT", "DESCRIBE"):
            answer = self._send(full, TURTLE)
            self._check_complete(answer.response)
            graph = bind_prefixes(Graph())
            try:
                graph.parse(data=answer.response.read(), format="turtle")
            except Exception as exc:
                raise EndpointError(f"{self.url} sent a graph that does not parse: {exc}") from exc
            return QueryResult(form, graph=graph, backend=self.name)
        answer = self._send(full, JSON)
        self._check_complete(answer.response)
        try:
            data = answer.convert()
        except Exception as exc:
            raise EndpointError(f"{self.url} sent results that do not parse: {exc}") from exc
        if form == "ASK":
            return QueryResult(form, boolean=bool(data.get("boolean")), backend=self.name)
        variables = list(data.get("head", {}).get("vars", []))
        rows = [
            tuple(from_json(b.get(v)) for v in variables)
            for b in data.get("results", {}).get("bindings", [])
        ]
        return QueryResult(form, variables, rows, backend=self.name)
