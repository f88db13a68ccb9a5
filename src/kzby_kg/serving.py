"""A read-only SPARQL endpoint, the stored questions as a web API, a query page, and entity pages.

Safe by default:

* **Read-only.** Updates are refused before they reach an engine.
* **No outbound access.** A query with SERVICE, FROM, FROM NAMED or LOAD is refused; rdflib's
  loading of FROM graphs is switched off in the workers as a second guard.
* **Limits that stop the work.** Queries run in worker processes; a query past the time limit
  has its worker killed and replaced, so the work really stops. Rows, query length, body size and
  concurrent queries are capped too, each with a clear 4xx/503 message.
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import queue
import re
import threading
import urllib.parse
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from typing import Any

from rdflib import Graph, URIRef
from rdflib.term import Identifier

from .backends import (
    Backend,
    OxigraphBackend,
    RdflibBackend,
    _strip_comments_and_strings,
    query_form,
)
from .catalogue import StoredQuery, catalogue
from .errors import KzbyError, QueryError, UsageError
from .namespaces import KZD, bind_prefixes
from .paths import ProjectPaths
from .results import QueryResult

__all__ = ["Limits", "QueryPool", "make_server", "refuse_unsafe"]

_FORBIDDEN = re.compile(r"\b(SERVICE|FROM|LOAD)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Limits:
    """What one query may cost. The defaults suit a shared, modest machine."""

    timeout: float = 10.0
    max_rows: int = 10_000
    max_query_length: int = 20_000
    max_concurrent: int = 2
    queue_wait: float = 10.0
    max_body: int = 100_000


class LimitError(KzbyError):
    """A query hit one of the server's limits."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def refuse_unsafe(text: str, limits: Limits) -> str:
    """The query's form, or an error if it is too long, an update, or reaches outside.

    :raises LimitError: 413 for a long query, 403 for updates, SERVICE, FROM and LOAD.
    """
    if len(text) > limits.max_query_length:
        raise LimitError(
            413, f"query is {len(text)} characters; the limit is {limits.max_query_length}"
        )
    clean = _strip_comments_and_strings(text)
    forbidden = _FORBIDDEN.search(clean)
    if forbidden:
        raise LimitError(
            403,
            f"{forbidden.group(1).upper()} is not allowed: this endpoint reads only "
            "its own graph and fetches nothing",
        )
    try:
        return query_form(text)
    except QueryError as exc:
        raise LimitError(403 if "Update" in str(exc) else 400, str(exc)) from exc


# ---------------------------------------------------------------- worker processes


def _worker_main(conn: Any, backend: Backend) -> None:
    """Answer queries from the parent until told to stop. Runs in a forked process."""
    import rdflib.plugins.sparql as sparql_settings

    sparql_settings.SPARQL_LOAD_GRAPHS = False  # never fetch FROM graphs, whatever the text says
    while True:
        try:
            message = conn.recv()
        except EOFError:
            return
        if message is None:
            return
        text, bindings, max_rows = message
        try:
            result = backend.run(text, bindings)
            if len(result.rows) > max_rows:
                conn.send(
                    (
                        "limit",
                        413,
                        f"the answer has {len(result.rows)} rows; the limit is "
                        f"{max_rows}: add a LIMIT",
                    )
                )
                continue
            triples = list(result.graph) if result.graph is not None else None
            result.graph = None
            conn.send(("ok", result, triples))
        except UsageError as exc:
            conn.send(("error", 400, str(exc)))
        except KzbyError as exc:
            conn.send(("error", 400, str(exc)))
        except Exception as exc:  # an engine failure is the query's problem, reported as such
            conn.send(("error", 400, f"query failed: {exc}"))


@dataclass
class _Worker:
    process: Any
    conn: Any


class QueryPool:
    """Worker processes that each hold the graph; one query per worker at a time."""

    def __init__(self, backend: Backend, limits: Limits) -> None:
        self._context = multiprocessing.get_context("fork")
        self._backend = backend
        self.limits = limits
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._lock = threading.Lock()
        for _ in range(limits.max_concurrent):
            self._idle.put(self._spawn())

    def _spawn(self) -> _Worker:
        parent, child = self._context.Pipe()
        process = self._context.Process(
            target=_worker_main, args=(child, self._backend), daemon=True
        )
        with self._lock:
            process.start()
        child.close()
        return _Worker(process, parent)

    def run(self, text: str, bindings: dict[str, Identifier] | None = None) -> QueryResult:
        """Run on a free worker; kill it if the time limit passes.

        :raises LimitError: 503 when no worker frees up in time or the time limit passes,
            413 for too many rows; 400 for a query the engine rejects.
        """
        try:
            worker = self._idle.get(timeout=self.limits.queue_wait)
        except queue.Empty:
            raise LimitError(
                503, f"all {self.limits.max_concurrent} query slots are busy; try again shortly"
            ) from None
        try:
            worker.conn.send((text, bindings or {}, self.limits.max_rows))
            if not worker.conn.poll(self.limits.timeout):
                worker.process.kill()
                worker.process.join()
                worker = self._spawn()
                raise LimitError(
                    503,
                    f"the query ran past the time limit of {self.limits.timeout:g} s "
                    "and was stopped",
                )
            reply = worker.conn.recv()
        except (EOFError, OSError):
            worker.process.kill()
            worker = self._spawn()
            raise LimitError(503, "the query worker died; the query was not answered") from None
        finally:
            self._idle.put(worker)
        if reply[0] == "ok":
            result, triples = reply[1], reply[2]
            if triples is not None:
                result.graph = bind_prefixes(Graph())
                for triple in triples:
                    result.graph.add(triple)
            return result
        raise LimitError(reply[1], reply[2])

    def close(self) -> None:
        while not self._idle.empty():
            worker = self._idle.get_nowait()
            with contextlib.suppress(OSError):
                worker.conn.send(None)
            worker.process.join(timeout=1)
            if worker.process.is_alive():
                worker.process.kill()


# ---------------------------------------------------------------- content negotiation

_RESULT_TYPES = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
}
_GRAPH_TYPES = {
    "turtle": "text/turtle",
    "nt": "application/n-triples",
    "jsonld": "application/ld+json",
}
_ALIASES = {
    "application/json": "json",
    "application/xml": "xml",
    "text/xml": "xml",
    "application/rdf+json": "jsonld",
    "text/plain": "nt",
}


def _choose(accept: str, wanted: str | None, options: dict[str, str], default: str) -> str:
    """The format key from an explicit ?format= or the Accept header (with q values)."""
    if wanted:
        if wanted in options:
            return wanted
        raise LimitError(
            406, f"format {wanted!r} is not offered; choose one of {', '.join(options)}"
        )
    if not accept:
        return default
    ranked = []
    for part in accept.split(","):
        media, _, params = part.strip().partition(";")
        q = 1.0
        match = re.search(r"q=([0-9.]+)", params)
        if match:
            q = float(match.group(1))
        ranked.append((q, media.strip().lower()))
    for q, media in sorted(ranked, key=lambda r: -r[0]):
        if q <= 0:
            continue
        if media in ("*/*", "application/*", "text/*"):
            return default
        for key, mime in options.items():
            if media == mime or _ALIASES.get(media) == key:
                return key
    raise LimitError(
        406, "none of the accepted types is offered; offered: " + ", ".join(options.values())
    )


def _render(result: QueryResult, accept: str, wanted: str | None) -> tuple[str, bytes]:
    if result.graph is not None:
        key = _choose(accept, wanted, _GRAPH_TYPES, "turtle")
        fmt = {"turtle": "turtle", "nt": "nt", "jsonld": "json-ld"}[key]
        return _GRAPH_TYPES[key], bind_prefixes(result.graph).serialize(format=fmt).encode("utf-8")
    key = _choose(accept, wanted, _RESULT_TYPES, "json")
    body = {
        "json": result.to_json,
        "xml": result.to_xml,
        "csv": result.to_csv,
        "tsv": result.to_tsv,
    }[key]()
    return _RESULT_TYPES[key], body.encode("utf-8")


# ---------------------------------------------------------------- HTTP


class _App:
    """What the handler needs: the graph (for entity pages), the pool, the catalogue."""

    def __init__(self, graph: Graph, pool: QueryPool, queries: dict[str, StoredQuery]) -> None:
        self.graph = graph
        self.pool = pool
        self.queries = queries


class _Handler(BaseHTTPRequestHandler):
    server_version = "kzby-kg"
    app: _App

    def log_message(self, *args: Any) -> None:  # quiet: the CLI prints the address once
        return

    # -- plumbing

    def _send(
        self, status: int, content_type: str, body: bytes, extra: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        self.send_header(
            "Content-Type",
            content_type
            + (
                "; charset=utf-8"
                if content_type.startswith(
                    ("text/", "application/sparql", "application/json", "application/ld")
                )
                else ""
            ),
        )
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Content-Type-Options", "nosniff")
        for key, value in (extra or {}).items():
            self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _error(self, status: int, message: str) -> None:
        self._send(status, "text/plain", (message + "\n").encode("utf-8"))

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        if length > self.app.pool.limits.max_body:
            raise LimitError(
                413, f"request body is {length} bytes; the limit is {self.app.pool.limits.max_body}"
            )
        return self.rfile.read(length) if length else b""

    def _guard(self, action: Any) -> None:
        try:
            action()
        except LimitError as exc:
            self._error(exc.status, str(exc))
        except UsageError as exc:
            self._error(400, str(exc))
        except KzbyError as exc:
            self._error(400, str(exc))
        except (BrokenPipeError, ConnectionResetError):
            pass
        except Exception as exc:  # never a traceback to the client; still a 500 is a bug
            self._error(500, f"internal error: {type(exc).__name__}")

    # -- routes

    def do_GET(self) -> None:
        self._guard(self._get)

    def do_HEAD(self) -> None:
        self._guard(self._get)

    def do_POST(self) -> None:
        self._guard(self._post)

    def do_PUT(self) -> None:
        self._error(405, "this endpoint is read-only")

    do_DELETE = do_PUT
    do_PATCH = do_PUT

    def _get(self) -> None:
        url = urllib.parse.urlsplit(self.path)
        params = urllib.parse.parse_qs(url.query, keep_blank_values=True)
        if url.path == "/sparql":
            if "update" in params:
                raise LimitError(403, "SPARQL Update is not accepted: this endpoint is read-only")
            if "query" not in params:
                raise LimitError(400, "missing the query parameter")
            self._sparql(params["query"][0], params)
        elif url.path in ("/", "/index.html"):
            self._static("index.html")
        elif url.path.startswith("/static/"):
            self._static(url.path[len("/static/") :])
        elif url.path == "/api":
            self._send(
                200,
                "application/json",
                json.dumps(self._catalogue(), ensure_ascii=False, indent=1).encode("utf-8"),
            )
        elif url.path.startswith("/api/"):
            self._stored(url.path[len("/api/") :], params)
        elif url.path.startswith("/id/"):
            self._entity(url.path[len("/id/") :], params)
        else:
            raise LimitError(404, f"nothing at {url.path}")

    def _post(self) -> None:
        url = urllib.parse.urlsplit(self.path)
        if url.path != "/sparql":
            raise LimitError(
                405 if url.path.startswith(("/api", "/id")) else 404,
                f"POST is not offered at {url.path}",
            )
        content_type = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        body = self._body()
        params = urllib.parse.parse_qs(url.query, keep_blank_values=True)
        if content_type == "application/sparql-update":
            raise LimitError(403, "SPARQL Update is not accepted: this endpoint is read-only")
        if content_type == "application/sparql-query":
            text = body.decode("utf-8", "replace")
        elif content_type in ("application/x-www-form-urlencoded", ""):
            form = urllib.parse.parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
            if "update" in form:
                raise LimitError(403, "SPARQL Update is not accepted: this endpoint is read-only")
            if "query" not in form:
                raise LimitError(400, "missing the query parameter")
            text = form["query"][0]
            params = {**params, **form}
        else:
            raise LimitError(415, f"unsupported Content-Type {content_type!r}")
        self._sparql(text, params)

    def _sparql(self, text: str, params: dict[str, list[str]]) -> None:
        if any(k in params for k in ("default-graph-uri", "named-graph-uri")):
            raise LimitError(
                403,
                "default-graph-uri and named-graph-uri are not allowed: this endpoint "
                "reads only its own graph",
            )
        refuse_unsafe(text, self.app.pool.limits)
        result = self.app.pool.run(text)
        content_type, body = _render(
            result, self.headers.get("Accept", ""), (params.get("format") or [None])[0]
        )
        self._send(200, content_type, body)

    def _catalogue(self) -> list[dict[str, Any]]:
        return [
            {
                "name": q.name,
                "summary": q.summary,
                "description": q.description,
                "tags": q.tags,
                "parameters": [
                    {
                        "name": p.name,
                        "type": p.kind,
                        "required": p.required,
                        "default": q.defaults.get(p.name),
                    }
                    for p in q.parameters
                ],
            }
            for q in self.app.queries.values()
        ]

    def _stored(self, name: str, params: dict[str, list[str]]) -> None:
        if name.endswith(".rq"):
            query = self.app.queries.get(name[:-3])
            if query is None:
                raise LimitError(404, f"no stored query named {name[:-3]!r}")
            self._send(200, "application/sparql-query", query.text.encode("utf-8"))
            return
        query = self.app.queries.get(name)
        if query is None:
            raise LimitError(404, f"no stored query named {name!r}; see /api")
        wanted = (params.pop("format", None) or [None])[0]
        values = {k: v[0] for k, v in params.items()}
        bindings = query.bindings(values)
        result = self.app.pool.run(query.text, bindings)
        content_type, body = _render(result, self.headers.get("Accept", ""), wanted)
        self._send(200, content_type, body)

    def _static(self, name: str) -> None:
        if not re.fullmatch(r"[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*", name) or ".." in name:
            raise LimitError(404, "no such file")
        resource = resources.files("kzby_kg").joinpath("static", *name.split("/"))
        if not resource.is_file():
            raise LimitError(404, f"no such file: {name}")
        types = {
            ".html": "text/html",
            ".js": "text/javascript",
            ".css": "text/css",
            ".png": "image/png",
        }
        suffix = "." + name.rsplit(".", 1)[-1]
        self._send(200, types.get(suffix, "application/octet-stream"), resource.read_bytes())

    def _entity(self, local: str, params: dict[str, list[str]]) -> None:
        from .entity_page import entity_html

        if not re.fullmatch(r"[A-Za-z0-9_.-]+", local):
            raise LimitError(404, "no such entity")
        node = URIRef(str(KZD) + local)
        if (node, None, None) not in self.app.graph:
            raise LimitError(404, f"no entity {node}")
        accept = self.headers.get("Accept", "")
        wanted = (params.get("format") or [None])[0]
        if wanted in (None, "html") and ("text/html" in accept or not accept or wanted == "html"):
            self._send(
                200,
                "text/html",
                entity_html(self.app.graph, node).encode("utf-8"),
                {"Vary": "Accept"},
            )
            return
        description = bind_prefixes(Graph())
        for triple in self.app.graph.cbd(node):
            description.add(triple)
        for triple in self.app.graph.triples((None, None, node)):
            description.add(triple)
        key = _choose(accept, wanted, _GRAPH_TYPES, "turtle")
        fmt = {"turtle": "turtle", "nt": "nt", "jsonld": "json-ld"}[key]
        self._send(
            200,
            _GRAPH_TYPES[key],
            description.serialize(format=fmt).encode("utf-8"),
            {"Vary": "Accept"},
        )


class _Server(ThreadingHTTPServer):
    """Threads per request; a listen backlog deep enough for bursts of clients (default 5)."""

    daemon_threads = True
    request_queue_size = 128


def make_server(
    host: str,
    port: int,
    store: str = "memory",
    limits: Limits | None = None,
    root: str | ProjectPaths | None = None,
) -> tuple[ThreadingHTTPServer, QueryPool]:
    """A ready server (call serve_forever) and its worker pool (close it when done)."""
    from .loading import load

    if store not in ("memory", "oxigraph"):
        raise UsageError(f"--store: unknown store {store!r}; choose memory or oxigraph")
    limits = limits or Limits()
    graph = load(root)
    backend: Backend = OxigraphBackend(graph) if store == "oxigraph" else RdflibBackend(graph)
    pool = QueryPool(backend, limits)
    handler = type("Handler", (_Handler,), {"app": _App(graph, pool, catalogue(root))})
    server = _Server((host, port), handler)
    return server, pool
