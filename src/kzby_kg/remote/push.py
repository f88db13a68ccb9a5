"""Load the graph into a named graph of a SPARQL server, all or nothing.

The data goes to a fresh staging graph first (SPARQL 1.1 Graph Store Protocol PUT, or INSERT
DATA through SPARQL Update where no GSP endpoint is given or it refuses), the staging graph's
triple count is checked, and only then does one ``MOVE`` replace the target graph. If anything
fails before the MOVE, the staging graph is dropped and the target is untouched.
"""

from __future__ import annotations

import contextlib
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass

from rdflib import Graph, URIRef

from kzby_kg.errors import EndpointError
from kzby_kg.remote.endpoint import EndpointBackend

__all__ = ["PushResult", "push"]

_CHUNK = 200  # N-Triples lines per INSERT DATA request (Virtuoso caps generated SQL size)


@dataclass
class PushResult:
    """What a push did."""

    graph: str
    triples: int
    method: str


def _passwords(url: str, user: str, password: str | None) -> urllib.request.HTTPPasswordMgr:
    manager = urllib.request.HTTPPasswordMgrWithDefaultRealm()
    manager.add_password(None, url, user, password or "")
    return manager


def _opener(url: str, user: str | None, password: str | None) -> urllib.request.OpenerDirector:
    handlers: list[urllib.request.BaseHandler] = []
    if user:
        manager = _passwords(url, user, password)
        handlers += [
            urllib.request.HTTPDigestAuthHandler(manager),
            urllib.request.HTTPBasicAuthHandler(manager),
        ]
    return urllib.request.build_opener(*handlers)


class _Server:
    """The update and GSP sides of one server, with one set of credentials."""

    def __init__(
        self,
        query_url: str,
        update_url: str,
        gsp_url: str | None,
        user: str | None,
        password: str | None,
        timeout: float,
    ) -> None:
        self.query = EndpointBackend(query_url, user=user, password=password, timeout=timeout)
        self.update_url = update_url
        self.gsp_url = gsp_url
        self.user, self.password, self.timeout = user, password, timeout

    def update(self, text: str) -> None:
        body = urllib.parse.urlencode({"update": text}).encode("utf-8")
        request = urllib.request.Request(
            self.update_url,
            data=body,
            method="POST",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        self._send(request, "update")

    def gsp_put(self, graph_iri: str, data: bytes) -> bool:
        """PUT N-Triples into a graph; False if the server has no usable GSP endpoint."""
        if not self.gsp_url:
            return False
        url = f"{self.gsp_url}?{urllib.parse.urlencode({'graph': graph_iri})}"
        request = urllib.request.Request(
            url, data=data, method="PUT", headers={"Content-Type": "application/n-triples"}
        )
        try:
            self._send(request, "Graph Store PUT")
        except EndpointError as exc:
            if getattr(exc, "status", None) in (404, 405, 501):
                return False
            raise
        return True

    def _preauthorize(self, request: urllib.request.Request) -> None:
        """Answer a digest challenge before sending the body.

        urllib sends the whole body, gets 401, then sends it again; a server may close the
        connection mid-body on the 401 (Virtuoso did, under load: "broken pipe"). A bodiless HEAD
        fetches the challenge, so the body goes once, already authorised. Basic auth is sent
        as is.
        """
        if not self.user:
            return
        probe = urllib.request.Request(request.full_url, method="HEAD")
        try:
            with urllib.request.urlopen(probe, timeout=self.timeout):
                return  # no authentication asked for
        except urllib.error.HTTPError as exc:
            challenge = exc.headers.get("WWW-Authenticate", "") if exc.headers else ""
        except (urllib.error.URLError, TimeoutError):
            return  # the real request will report the failure
        scheme, _, rest = challenge.partition(" ")
        if scheme.lower() == "digest":
            manager = _passwords(request.full_url, self.user, self.password)
            handler = urllib.request.HTTPDigestAuthHandler(manager)
            fields = urllib.request.parse_keqv_list(urllib.request.parse_http_list(rest))
            header = handler.get_authorization(request, fields)
            if header:
                request.add_unredirected_header("Authorization", f"Digest {header}")
        elif scheme.lower() == "basic":
            import base64

            token = base64.b64encode(f"{self.user}:{self.password or ''}".encode()).decode()
            request.add_unredirected_header("Authorization", f"Basic {token}")

    def _send(self, request: urllib.request.Request, what: str) -> None:
        self._preauthorize(request)
        opener = _opener(request.full_url, self.user, self.password)
        try:
            with opener.open(request, timeout=self.timeout) as response:
                response.read()
        except urllib.error.HTTPError as exc:
            detail = exc.read()[:300].decode("utf-8", "replace").strip()
            error = EndpointError(f"{what} failed with HTTP {exc.code}: {detail or exc.reason}")
            error.status = exc.code  # type: ignore[attr-defined]
            raise error from exc
        except urllib.error.URLError as exc:
            raise EndpointError(
                f"{what} failed: cannot reach {request.full_url}: {exc.reason}"
            ) from exc
        except TimeoutError as exc:
            raise EndpointError(f"{what} failed: no answer within {self.timeout:g} s") from exc

    def count(self, graph_iri: str) -> int:
        result = self.query.run(
            f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph_iri}> {{ ?s ?p ?o }} }}"
        )
        if not result.rows:
            return 0
        n = result.rows[0][0]
        assert n is not None  # COUNT(*) is always bound
        return int(n)


def _insert_chunks(server: _Server, graph_iri: str, graph: Graph) -> None:
    # Blank nodes do not survive being split across requests; skolemize them into IRIs.
    lines = (
        graph.skolemize(authority="https://w3id.org", basepath="/kzby-kg/.well-known/genid/")
        .serialize(format="nt")
        .splitlines()
    )
    for start in range(0, len(lines), _CHUNK):
        chunk = "\n".join(lines[start : start + _CHUNK])
        server.update(f"INSERT DATA {{ GRAPH <{graph_iri}> {{\n{chunk}\n}} }}")


def push(
    graph: Graph,
    query_url: str,
    graph_iri: str,
    *,
    update_url: str | None = None,
    gsp_url: str | None = None,
    user: str | None = None,
    password: str | None = None,
    timeout: float = 120.0,
) -> PushResult:
    """Replace ``graph_iri`` on the server with ``graph``, atomically from the reader's view.

    :raises EndpointError: if any step fails; the target graph is then as it was.
    """
    target = URIRef(graph_iri)
    if not str(target).startswith(("http://", "https://", "urn:")) or any(
        c in str(target) for c in '<>" {}'
    ):
        raise EndpointError(f"--graph: {graph_iri!r} is not an absolute IRI")
    server = _Server(query_url, update_url or query_url, gsp_url, user, password, timeout)
    staging = f"urn:kzby-kg:staging:{uuid.uuid4()}"
    method = "Graph Store Protocol"
    try:
        data = graph.serialize(format="nt", encoding="utf-8")
        if not server.gsp_put(staging, data):
            method = "SPARQL Update"
            _insert_chunks(server, staging, graph)
        loaded = server.count(staging)
        if loaded != len(graph):
            raise EndpointError(
                f"staging graph holds {loaded} triples, expected {len(graph)}; "
                "the target graph is left as it was"
            )
        server.update(f"MOVE SILENT GRAPH <{staging}> TO GRAPH <{target}>")
    except BaseException:
        with contextlib.suppress(EndpointError):
            server.update(f"DROP SILENT GRAPH <{staging}>")
        raise
    return PushResult(str(target), len(graph), method)
