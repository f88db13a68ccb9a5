"""The HTTP side of ``kzby-kg serve``: routes for the SPARQL endpoint, the stored questions as
a web API, the query page, static files and entity pages.

Safe by default: read-only, no outbound access, and limits that stop the work (see
:mod:`kzby_kg.web.policy` and :mod:`kzby_kg.web.pool`).
"""

from __future__ import annotations

import json
import re
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from typing import Any

from rdflib import Graph, URIRef

from kzby_kg.errors import KzbyError, UsageError
from kzby_kg.paths import ProjectPaths
from kzby_kg.querying.catalogue import StoredQuery, catalogue
from kzby_kg.querying.engines import DEFAULT_STORE, open_backend
from kzby_kg.querying.formats import GRAPH_FORMATS
from kzby_kg.rdf.namespaces import KZD, bind_prefixes
from kzby_kg.web.negotiation import choose, render
from kzby_kg.web.pages import entity_html
from kzby_kg.web.policy import LimitError, Limits, refuse_unsafe
from kzby_kg.web.pool import QueryPool

__all__ = ["make_server"]


def _first(values: list[str] | None) -> str | None:
    """The first of a query parameter's values, or None when it has none."""
    return values[0] if values else None


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
        content_type, body = render(
            result, self.headers.get("Accept", ""), _first(params.get("format"))
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
        wanted = _first(params.pop("format", None))
        values = {k: v[0] for k, v in params.items()}
        bindings = query.bindings(values)
        result = self.app.pool.run(query.text, bindings)
        content_type, body = render(result, self.headers.get("Accept", ""), wanted)
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
        if not re.fullmatch(r"[A-Za-z0-9_.-]+", local):
            raise LimitError(404, "no such entity")
        node = URIRef(str(KZD) + local)
        if (node, None, None) not in self.app.graph:
            raise LimitError(404, f"no entity {node}")
        accept = self.headers.get("Accept", "")
        wanted = _first(params.get("format"))
        scope = _first(params.get("scope")) or "article"
        if scope not in ("article", "full"):
            raise LimitError(400, f"scope: {scope!r} is not article or full")
        if wanted in (None, "html") and ("text/html" in accept or not accept or wanted == "html"):
            self._send(
                200,
                "text/html",
                entity_html(self.app.graph, node, scope=scope).encode("utf-8"),
                {"Vary": "Accept"},
            )
            return
        description = bind_prefixes(Graph())
        for triple in self.app.graph.cbd(node):
            description.add(triple)
        for triple in self.app.graph.triples((None, None, node)):
            description.add(triple)
        fmt = choose(accept, wanted, GRAPH_FORMATS, "turtle")
        self._send(
            200,
            fmt.media_type,
            description.serialize(format=fmt.serializer, encoding="utf-8"),
            {"Vary": "Accept"},
        )


class _Server(ThreadingHTTPServer):
    """Threads per request; a listen backlog deep enough for bursts of clients (default 5)."""

    daemon_threads = True
    request_queue_size = 128


def make_server(
    host: str,
    port: int,
    store: str = DEFAULT_STORE,
    limits: Limits | None = None,
    root: str | ProjectPaths | None = None,
    scope: str = "full",
) -> tuple[ThreadingHTTPServer, QueryPool]:
    """A ready server (call serve_forever) and its worker pool (close it when done).

    The graph is loaded once, into Oxigraph; the engine named by ``store`` answers queries,
    and the entity pages read an rdflib graph made from the same store. ``scope`` "full" serves
    the vendored and imported tables too; "article" only the article's graph.
    """
    from kzby_kg.rdf.load import load_store, to_graph

    limits = limits or Limits()
    loaded = load_store(root, scope=scope)
    graph = to_graph(loaded)
    backend = open_backend(store, loaded=loaded, graph=graph)
    pool = QueryPool(backend, limits)
    handler = type("Handler", (_Handler,), {"app": _App(graph, pool, catalogue(root))})
    server = _Server((host, port), handler)
    return server, pool
