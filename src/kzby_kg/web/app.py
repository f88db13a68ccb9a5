"""The HTTP side of ``kzby-kg serve``: routes for the SPARQL endpoint, the stored questions as
a web API, the query page, static files and entity pages.

Safe by default: read-only, no outbound access, and limits that stop the work (see
:mod:`kzby_kg.web.policy` and :mod:`kzby_kg.web.pool`).
"""

from __future__ import annotations

import contextlib
import errno
import json
import re
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from typing import TYPE_CHECKING, Any

from rdflib import Graph, URIRef

from kzby_kg.errors import KzbyError, UsageError
from kzby_kg.paths import ProjectPaths, find_root
from kzby_kg.querying.backend import Backend
from kzby_kg.querying.catalogue import StoredQuery, catalogue
from kzby_kg.querying.engines import DEFAULT_STORE, open_backend
from kzby_kg.querying.formats import GRAPH_FORMATS
from kzby_kg.querying.parameters import EntityNames, parse_slice
from kzby_kg.rdf.curies import is_safe_iri
from kzby_kg.rdf.namespaces import KZD, bind_prefixes
from kzby_kg.views.ontology_docs import DOCS_DIR
from kzby_kg.web.links import Labeller, kzd_href, local_of, parse_lang
from kzby_kg.web.negotiation import choose
from kzby_kg.web.pages import entity_html
from kzby_kg.web.policy import LimitError, Limits, refuse_unsafe
from kzby_kg.web.pool import Answer, QueryPool

if TYPE_CHECKING:
    import pyoxigraph as ox

__all__ = ["make_server", "serve_graph"]


#: rows a page of a stored question's answer has when the client names no limit (the query
#: page asks for this many at a time)
PAGE_SIZE = 100


def _page_headers(
    name: str, values: dict[str, str], wanted: str | None, limit: int, offset: int, rows: int
) -> dict[str, str]:
    """Where a page sits in the answer: its limit and offset, the total when this page shows it
    (a short page is the last one), and links to the pages either side (RFC 8288)."""
    headers = {"X-Limit": str(limit), "X-Offset": str(offset)}
    if rows < limit:
        headers["X-Total-Rows"] = str(offset + rows)

    def link(start: int) -> str:
        query = {**values, **({"format": wanted} if wanted else {})}
        query.update(limit=str(limit), offset=str(start))
        return f"</api/{urllib.parse.quote(name)}?{urllib.parse.urlencode(query)}>"

    links = []
    if rows >= limit > 0:
        links.append(f'{link(offset + limit)}; rel="next"')
    if offset > 0:
        links.append(f'{link(max(0, offset - limit))}; rel="prev"')
    if links:
        headers["Link"] = ", ".join(links)
    return headers


def _first(values: list[str] | None) -> str | None:
    """The first of a query parameter's values, or None when it has none."""
    return values[0] if values else None


class _App:
    """What the handler needs: the graph (for entity pages and labels), the pool, the
    catalogue, and the project folder the report and the ontology docs are read from."""

    def __init__(
        self,
        graph: Graph,
        pool: QueryPool,
        queries: dict[str, StoredQuery],
        paths: ProjectPaths | None = None,
        report: Callable[[str], str] | None = None,
    ) -> None:
        self.graph = graph
        self.pool = pool
        self.queries = queries
        self.paths = paths
        self.labeller = Labeller(graph)
        self.report = report
        #: each language's briefing, built once: the graph does not change while served
        self.reports: dict[str, bytes] = {}
        self.report_errors: dict[str, str] = {}
        self.report_builds: set[str] = set()
        self.report_lock = threading.Lock()
        self._names: EntityNames | None = None
        self._names_lock = threading.Lock()

    def entities(self, query: StoredQuery, values: dict[str, str]) -> dict[str, str]:
        """The stored question's entity parameters as IRIs: a label in any language, a CURIE
        or an IRI, resolved as the CLI and the API resolve them (the index of names is built
        once, on first need: the graph does not change while served).

        :raises LimitError: 400, naming the parameter, for an unknown or ambiguous entity.
        """
        from kzby_kg.querying.parameters import resolve_entity_values
        from kzby_kg.views.describe import graph_names

        def names() -> EntityNames:
            with self._names_lock:
                if self._names is None:
                    self._names = graph_names(self.graph)
                return self._names

        wanted = {
            p.name: values[p.name]
            for p in query.parameters
            if p.kind == "iri" and values.get(p.name)
        }
        try:
            found = resolve_entity_values(
                None,
                wanted,
                holds=lambda iri: (URIRef(iri), None, None) in self.graph,
                names=names,
            )
        except UsageError as exc:
            raise LimitError(400, str(exc)) from exc
        return {**values, **found}

    def start_report(self, lang: str) -> None:
        """Build the briefing in ``lang`` in the background, once (it takes 15-60 s)."""
        assert self.report is not None
        build = self.report

        def run() -> None:
            try:
                page = build(lang).encode("utf-8")
            except KzbyError as exc:
                with self.report_lock:
                    self.report_errors[lang] = str(exc)
                return
            except Exception as exc:  # never a traceback to the client
                with self.report_lock:
                    self.report_errors[lang] = f"internal error: {type(exc).__name__}"
                return
            with self.report_lock:
                self.reports[lang] = page

        with self.report_lock:
            if lang in self.report_builds:
                return
            thread = threading.Thread(target=run, name=f"report-{lang}", daemon=True)
            self.report_builds.add(lang)
        thread.start()


#: what /report answers while the briefing is being built (a refresh, no script)
_BUILDING = (
    '<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
    '<meta http-equiv="refresh" content="5"><title>report · kzby-kg</title>'
    '<link rel="stylesheet" href="/static/style.css"></head><body><main>'
    "<p>The briefing (<code>kzby-kg report</code>) of the served graph is being written; "
    "this page reloads itself every 5 seconds until it is ready.</p></main></body></html>"
)

#: files served from docs/ontology/ and their media types (anything else is not served)
_DOC_TYPES = {
    ".html": "text/html",
    ".css": "text/css",
    ".js": "text/javascript",
    ".png": "image/png",
    ".svg": "image/svg+xml",
    ".json": "application/json",
    ".jsonld": "application/ld+json",
    ".ttl": "text/turtle",
    ".nt": "application/n-triples",
    ".txt": "text/plain",
}
#: a relative file path with no "..", no hidden files, nothing a shell or a URL would read twice
_SAFE_PATH = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9_.-]*(/[A-Za-z0-9_-][A-Za-z0-9_.-]*)*")


#: the page and its script come from this server only; nothing else is loaded or framed
_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)


class _Handler(BaseHTTPRequestHandler):
    server_version = "kzby-kg"
    sys_version = ""  # the Server header names no Python version
    protocol_version = "HTTP/1.1"  # keep-alive: one connection serves many requests
    timeout = 20  # idle seconds; make_server sets it from Limits.idle_timeout
    # TCP_NODELAY: a response goes out in several writes (headers, chunks, the last chunk);
    # with Nagle's algorithm the last small write waits for the client's delayed ACK, about
    # 40 ms on Linux, on every keep-alive request
    disable_nagle_algorithm = True
    # and the writes of one response are gathered (flushed at the end of each request by the
    # standard library, or every 64 KiB of a long answer): a small answer is one segment
    wbufsize = 64 * 1024
    app: _App

    def log_message(self, *args: Any) -> None:  # the request log is log_request's, below
        return

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """One line a request on stderr: client, method, path, status, time."""
        started = getattr(self, "_started", None)
        took = f" {1000 * (time.perf_counter() - started):.0f} ms" if started else ""
        path = self.path if len(self.path) <= 200 else self.path[:200] + "…"
        sys.stderr.write(f"{self.address_string()} {self.command} {path} {code}{took}\n")

    def parse_request(self) -> bool:
        self._started = time.perf_counter()
        return super().parse_request()

    # -- plumbing

    def _headers(self, status: int, content_type: str, extra: dict[str, str] | None = None) -> None:
        """The status line and the headers every answer has (the caller ends them)."""
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
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("X-Frame-Options", "DENY")
        self.send_header("Content-Security-Policy", _CSP)
        self.send_header("Referrer-Policy", "no-referrer")
        for key, value in (extra or {}).items():
            self.send_header(key, value)

    def _send(
        self, status: int, content_type: str, body: bytes, extra: dict[str, str] | None = None
    ) -> None:
        self._headers(status, content_type, extra)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _send_answer(self, answer: Answer, extra: dict[str, str] | None = None) -> None:
        """Send a query's answer as the worker writes it, in chunked transfer encoding: neither
        the server nor the worker holds the whole body. Should the answer fail after its first
        byte (the time limit passed while it was written, the worker died), the last chunk is
        never sent and the connection is closed, so the client sees a cut transfer and never a
        partial answer that looks complete. An HTTP/1.0 client, which has no chunks to tell
        the two apart, gets the whole body with a Content-Length (the row limit bounds it)."""
        with contextlib.closing(answer.chunks):
            if self.request_version == "HTTP/1.0" or self.command == "HEAD":
                self._send(200, answer.media_type, b"".join(answer.chunks), extra)
                return
            self._headers(200, answer.media_type, extra)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            try:
                for chunk in answer.chunks:
                    if chunk:
                        self.wfile.write(b"%x\r\n%b\r\n" % (len(chunk), chunk))
                self.wfile.write(b"0\r\n\r\n")
            except Exception as exc:  # a limit mid-answer, or the client went away
                self.close_connection = True
                reason = str(exc) if isinstance(exc, LimitError) else type(exc).__name__
                sys.stderr.write(f"{self.address_string()} answer cut short: {reason}\n")

    def _error(self, status: int, message: str) -> None:
        if self.command == "POST":  # a refused body may be unread: do not parse it as a request
            self.close_connection = True
        self._send(status, "text/plain", (message + "\n").encode("utf-8", "replace"))

    def _body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            raise LimitError(
                411, "send the body with a Content-Length; chunked bodies are not read"
            )
        raw = (self.headers.get("Content-Length") or "0").strip()
        if not raw.isdigit():
            raise LimitError(400, "Content-Length must be a whole number of bytes")
        length = int(raw)
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
        except UnicodeError:
            self._error(400, "the request is not valid UTF-8 text")
        except Exception as exc:  # never a traceback to the client; still a 500 is a bug
            self._error(500, f"internal error: {type(exc).__name__}")

    # -- routes

    def do_GET(self) -> None:
        self._guard(self._get)

    def do_HEAD(self) -> None:
        path = urllib.parse.urlsplit(self.path).path
        if path == "/sparql" or (path.startswith("/api/") and not path.endswith(".rq")):
            # answering HEAD would mean running the query: refuse it instead
            self._send(
                405,
                "text/plain",
                b"HEAD does not run queries; use GET or POST\n",
                {"Allow": "GET, POST"},
            )
            return
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
        elif url.path == "/health":
            self._health()
        elif url.path in ("/", "/index.html"):
            self._static("index.html")
        elif url.path.startswith("/static/"):
            self._static(url.path[len("/static/") :])
        elif url.path == "/api":
            self._send(
                200,
                "application/json",
                json.dumps(self._catalogue(), ensure_ascii=False, indent=1, default=str).encode(
                    "utf-8"
                ),  # default=str: a header's unquoted date default is a YAML date
            )
        elif url.path.startswith("/api/"):
            self._stored(url.path[len("/api/") :], params)
        elif url.path.startswith("/id/"):
            self._entity(url.path[len("/id/") :], params)
        elif url.path == "/iri":
            self._iri(params)
        elif url.path == "/labels":
            self._labels(params.get("iri", []), _first(params.get("lang")))
        elif url.path == "/entities":
            lang = parse_lang(_first(params.get("lang")))
            self._json(self.app.labeller.entities(lang), {"Cache-Control": "max-age=3600"})
        elif url.path == "/report":
            self._report(parse_lang(_first(params.get("lang"))))
        elif url.path == "/docs/ontology":
            self._send(301, "text/plain", b"moved\n", {"Location": "/docs/ontology/"})
        elif url.path.startswith("/docs/ontology/"):
            self._doc(url.path[len("/docs/ontology/") :])
        else:
            raise LimitError(404, f"nothing at {url.path}")

    def _post(self) -> None:
        url = urllib.parse.urlsplit(self.path)
        if url.path == "/labels":
            self._post_labels()
            return
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
        answer = self.app.pool.stream_rendered(
            text, None, self.headers.get("Accept", ""), _first(params.get("format"))
        )
        self._send_answer(answer)

    def _health(self) -> None:
        limits = self.app.pool.limits
        status = {
            "status": "ok",
            "walls": list(self.app.pool.walls),
            "limits": {
                "timeout_s": limits.timeout,
                "max_rows": limits.max_rows,
                "max_query_length": limits.max_query_length,
                "max_concurrent": limits.max_concurrent,
            },
        }
        self._send(200, "application/json", json.dumps(status).encode("utf-8"))

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
        raw_limit, raw_offset = (
            _first(params.pop("limit", None)),
            _first(params.pop("offset", None)),
        )
        values = {k: v[0] for k, v in params.items()}
        bindings = query.bindings(self.app.entities(query, values))
        max_rows = self.app.pool.limits.max_rows
        limit = parse_slice("limit", raw_limit)
        offset = parse_slice("offset", raw_offset) or 0
        if limit is None and wanted is None:
            # a page unless the client asks for the whole answer, by ?format= (a download)
            limit = min(PAGE_SIZE, max_rows)
        if limit is not None and limit > max_rows:
            raise LimitError(400, f"limit: {limit} is above this server's row limit of {max_rows}")
        answer = self.app.pool.stream_rendered(
            query.sliced(limit, offset), bindings, self.headers.get("Accept", ""), wanted
        )
        extra = {}
        if limit is not None and answer.size is not None:
            extra = _page_headers(name, values, wanted, limit, offset, answer.size)
        self._send_answer(answer, extra)

    def _static(self, name: str) -> None:
        if not re.fullmatch(r"[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*", name) or ".." in name:
            raise LimitError(404, "no such file")
        resource = resources.files("kzby_kg").joinpath("static", *name.split("/"))
        if not resource.is_file():
            raise LimitError(404, f"no such file: {name}")
        suffix = "." + name.rsplit(".", 1)[-1]
        self._send(200, _DOC_TYPES.get(suffix, "application/octet-stream"), resource.read_bytes())

    def _json(self, value: Any, extra: dict[str, str] | None = None) -> None:
        body = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        self._send(200, "application/json", body, extra)

    def _labels(self, iris: Any, raw_lang: str | None) -> None:
        """Labels and links of the IRIs of a page of results, in one answer (the query page
        asks once a page, not once a cell); bounded by MAX_LABELS and cached in the labeller."""
        lang = parse_lang(raw_lang)
        self._json({"lang": lang, "labels": self.app.labeller.labels(iris, lang)})

    def _post_labels(self) -> None:
        content_type = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if content_type != "application/json":
            raise LimitError(415, "send the labels request as application/json")
        try:
            request = json.loads(self._body().decode("utf-8"))
        except ValueError:
            raise UsageError("the labels request is not JSON") from None
        if not isinstance(request, dict):
            raise UsageError('the labels request is a JSON object: {"lang": ..., "iris": [...]}')
        lang = request.get("lang")
        self._labels(request.get("iris"), lang if isinstance(lang, str) else None)

    def _report(self, lang: str) -> None:
        """The briefing (kzby-kg report) of the served graph, built on the first request for a
        language and kept; without a builder, the file its last run wrote, or a 404 saying how."""
        if self.app.report is not None:
            self.app.start_report(lang)
            with self.app.report_lock:
                page, error = self.app.reports.get(lang), self.app.report_errors.get(lang)
            if page is not None:
                self._send(200, "text/html", page)
            elif error is not None:
                raise LimitError(500, f"the report could not be built: {error}")
            else:  # a page that reloads itself until the briefing is ready
                self._send(
                    503,
                    "text/html",
                    _BUILDING.format(lang=lang).encode("utf-8"),
                    {"Retry-After": "5"},
                )
            return
        report = self.app.paths.dist / "report.html" if self.app.paths else None
        if report is None or not report.is_file():
            raise LimitError(
                404,
                "no report has been written yet: run `kzby-kg report` in the project "
                "(it writes dist/report.html), then reload",
            )
        self._send(200, "text/html", report.read_bytes())

    def _doc(self, name: str) -> None:
        """A file of the generated ontology documentation (docs/ontology/), read-only, by a
        checked relative path that must stay inside that folder."""
        name = name or "index.html"
        if name.endswith("/"):
            name += "index.html"
        if not _SAFE_PATH.fullmatch(name) or ".." in name or self.app.paths is None:
            raise LimitError(404, "no such file")
        folder = (self.app.paths.root / DOCS_DIR).resolve()
        target = folder.joinpath(*name.split("/")).resolve()
        suffix = "." + name.rsplit(".", 1)[-1] if "." in name else ""
        if folder not in target.parents or not target.is_file() or suffix not in _DOC_TYPES:
            hint = "" if folder.is_dir() else " (the ontology docs are written by `make build`)"
            raise LimitError(404, f"no such file: docs/ontology/{name}{hint}")
        self._send(200, _DOC_TYPES[suffix], target.read_bytes())

    def _iri(self, params: dict[str, list[str]]) -> None:
        """The page of any IRI the graph describes; a kzd: IRI goes to its own page."""
        iri = _first(params.get("iri")) or ""
        lang = parse_lang(_first(params.get("lang")))
        if not is_safe_iri(iri):
            raise UsageError(f"iri: {iri[:80]!r} is not an IRI")
        if iri.startswith(str(KZD)) and len(iri) > len(str(KZD)):
            target = kzd_href(iri, lang)
            self._send(303, "text/plain", f"see {target}\n".encode(), {"Location": target})
            return
        node = URIRef(iri)
        if not self.app.labeller.described(node):
            raise LimitError(404, f"this graph says nothing about {iri}")
        self._describe(node, params, lang)

    def _entity(self, local: str, params: dict[str, list[str]]) -> None:
        lang = parse_lang(_first(params.get("lang")))
        for candidate in local_of(local):
            node = URIRef(str(KZD) + candidate)
            if self.app.labeller.described(node):
                self._describe(node, params, lang)
                return
        raise LimitError(404, "no such entity")

    def _describe(self, node: URIRef, params: dict[str, list[str]], lang: str) -> None:
        accept = self.headers.get("Accept", "")
        wanted = _first(params.get("format"))
        scope = _first(params.get("scope")) or "article"
        if scope not in ("article", "full"):
            raise LimitError(400, f"scope: {scope!r} is not article or full")
        if wanted in (None, "html") and ("text/html" in accept or not accept or wanted == "html"):
            self._send(
                200,
                "text/html",
                entity_html(
                    self.app.graph, node, lang, scope=scope, labeller=self.app.labeller
                ).encode("utf-8"),
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
    """A thread per connection, at most ``max_connections`` of them (a client past that gets
    an immediate 503, not a thread); a listen backlog deep enough for bursts of clients."""

    daemon_threads = True
    request_queue_size = 128
    max_connections = 64

    def __init__(self, address: tuple[str, int], handler: Any, max_connections: int) -> None:
        self.max_connections = max_connections
        super().__init__(address, handler)
        self._slots = threading.BoundedSemaphore(max_connections)

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self._slots.acquire(blocking=False):
            body = b"too many connections; try again shortly\n"
            with contextlib.suppress(OSError):
                request.sendall(
                    b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\n"
                    b"Connection: close\r\nContent-Length: "
                    + str(len(body)).encode()
                    + b"\r\n\r\n"
                    + body
                )
            self.shutdown_request(request)
            return
        super().process_request(request, client_address)

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()


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

    paths = root if isinstance(root, ProjectPaths) else find_root(root)
    loaded = load_store(paths, scope=scope)
    graph = to_graph(loaded)
    backend = open_backend(store, loaded=loaded, graph=graph)
    report = _report_builder(paths, scope, (loaded, graph))
    return serve_graph(host, port, graph, backend, limits, paths, report=report)


def _report_builder(
    paths: ProjectPaths, scope: str, loaded: tuple[ox.Store, Graph] | None = None
) -> Callable[[str], str]:
    """``kzby-kg report`` for the served project and scope, in a language (parse_lang has
    checked it), from the graph the server already holds when given."""
    import kzby_kg.report

    def build(lang: str) -> str:
        return kzby_kg.report.build_report(paths, lang=lang, scope=scope, loaded=loaded)

    return build


def serve_graph(
    host: str,
    port: int,
    graph: Graph,
    backend: Backend,
    limits: Limits | None = None,
    paths: ProjectPaths | None = None,
    queries: dict[str, StoredQuery] | None = None,
    report: Callable[[str], str] | None = None,
) -> tuple[ThreadingHTTPServer, QueryPool]:
    """A ready server over a graph already loaded: ``graph`` for entity pages and labels,
    ``backend`` for queries; the report and ontology docs come from ``paths``' folders, the
    stored questions from ``queries`` (else ``paths``' queries/); ``report`` builds the
    briefing in a language (else ``dist/report.html`` is served). Tests start one on the
    session's graph instead of loading it again."""
    limits = limits or Limits()
    if queries is None:
        queries = catalogue(paths)
    pool = QueryPool(backend, limits)
    handler = type(
        "Handler",
        (_Handler,),
        {"app": _App(graph, pool, queries, paths, report), "timeout": limits.idle_timeout},
    )
    try:
        server = _Server((host, port), handler, limits.max_connections)
    except OSError as exc:
        pool.close()
        if exc.errno == errno.EADDRINUSE:
            raise UsageError(
                f"port {port} on {host} is in use: stop what holds it or choose --port"
            ) from None
        raise UsageError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    return server, pool
