"""Load the graph into a named graph of a SPARQL server, so that the target is never half-written.

The data goes to a fresh staging graph first, in parts (SPARQL 1.1 Graph Store Protocol: a PUT,
then POSTs of ``chunk_size`` triples each; or INSERT DATA through SPARQL Update where no GSP
endpoint is given or it refuses), the staging graph's triple count is checked, and only then
does one ``COPY`` replace the target graph; the staging graph is dropped after it.

Why parts, and COPY rather than MOVE: a stock Virtuoso 7.2 (10,000 buffers, and
``MaxQueryExecutionTime = 60`` s for every SPARQL request) did not answer one Graph Store PUT
of 1M triples in 900 s, but takes 50,000 triples a POST in about 2 s each. A MOVE of 1.1M
triples took 51 s there (copy, then delete the source, in one transaction), close to the 60 s
cap; a COPY took 20 s into an empty target and 53 s over a full one (without the transaction
log, see ``_NO_LOG``; on a machine busy with other work), and the staging graph's DROP
afterwards, which need not be atomic, 6 s with ``DEFINE sql:log-enable 3`` (row autocommit)
instead of 25 s. A SPARQL request of several
operations is not one transaction on Virtuoso (a failing second operation left the first one
done), so the switch is the one COPY operation.

The rule that keeps the target whole: nothing is dropped while a COPY may still be running.
Virtuoso does not isolate a MOVE or COPY from a DROP of its source graph; dropping the staging
graph after a MOVE whose answer was lost (the server still moving) left the target empty or
partly filled in 5 of 6 runs. So a failure before the COPY is sent drops the staging graph
(the target was never touched); a COPY the server refused drops it too (the server has
finished); but after a COPY whose answer is lost (dropped connection, timeout, a gateway's
502/503/504), push asks the server for the target's count until it holds the new number of
triples (the COPY happened; push counted the target before, and this works only when the
numbers differ) or the timeout has passed, and then leaves the staging graph in place and says
so.

Blank nodes: each request is its own document, so a blank node split across two requests
would become two. The Graph Store parts keep every triple of a blank node (and of blank nodes
linked to it) in one request; the INSERT DATA parts skolemize blank nodes into IRIs.

Numbers: Virtuoso 7.2 keys a triple's number by its value, so ``7`` and ``7.0`` (an xsd:integer
and an xsd:decimal) are one triple to it. A COPY over a target that holds one of them keeps it,
whatever the new graph says (tested: the target's integer stayed), as an INSERT of the other
does. A target whose numbers have the wrong datatype (whole decimals an older push stored as
integers, see ``_update_row``) is corrected only by dropping it before the push.

Each staging graph is entered in a small register graph before anything is loaded into it,
with its target, so that each push finds and removes the ones earlier failed pushes to the same
target left, after its own COPY: Virtuoso runs a MOVE into a graph only after any earlier MOVE
into that graph has committed (tested on 7.2; a COPY deletes the target's triples just as a MOVE
does), so by then no COPY from those leftovers can be running. Two pushes to the same target
at the same time are not supported.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import html
import http.client
import json
import re
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeAlias

from rdflib import XSD, BNode, Graph, Literal
from rdflib.plugins.serializers.nt import _nt_row
from rdflib.term import Node

from kzby_kg.errors import EndpointError
from kzby_kg.rdf.terms import from_ox

if TYPE_CHECKING:
    import pyoxigraph as ox

__all__ = [
    "CHUNK_SIZE",
    "STAGING_PREFIX",
    "PushError",
    "PushResult",
    "Source",
    "SqlPort",
    "push",
    "staging_prefix",
]

_CHUNK = 200  # N-Triples lines per INSERT DATA request (Virtuoso caps generated SQL size)
#: triples per Graph Store request: about 2 s each on a stock Virtuoso 7.2
CHUNK_SIZE = 50_000
#: removal of staging graphs need not be atomic; row autocommit made a 1.1M DROP 4x faster
_NO_TRANSACTION = "DEFINE sql:log-enable 3 "
#: the COPY stays one transaction but skips the transaction log: with it, a stock Virtuoso
#: refused to replace 1.1M triples by 1.1M ("SR325: ... log after image size went above the
#: limit"); after a crash the server comes back with the target's old graph or the new one
_NO_LOG = "DEFINE sql:log-enable 0 "

#: every staging graph's IRI starts with this; the rest names the target and the attempt
STAGING_PREFIX = "urn:kzby-kg:staging:"
_STAGING = re.compile(r"urn:kzby-kg:staging:[0-9a-f]{16}:\d{8}T\d{6}Z:[0-9a-f]{12}")
#: each staging graph has an entry ``<staging> _STAGING_FOR <target>`` here until it is gone;
#: finding leftovers by their names would scan every quad on the server
_REGISTER = "urn:kzby-kg:staging-graphs"
_STAGING_FOR = "urn:kzby-kg:stagingGraphFor"
#: answers that may come from a gateway while the server behind it goes on with the request
_OUTCOME_UNKNOWN = (502, 503, 504)
_Triple = tuple[Node, Node, Node]
#: what push sends: an rdflib graph, or an Oxigraph store's default graph (the cached store,
#: so that millions of triples need not become rdflib objects first)
Source: TypeAlias = "Graph | ox.Store"
_NO_PERMISSION = re.compile(r"SR186|[Nn]o permission|[Pp]ermission denied")
#: an xsd:decimal lexical form without fraction digits ("12", "-12", "+12", "12.")
_WHOLE_DECIMAL = re.compile(r"([+-]?[0-9]+)\.?")


class PushError(EndpointError):
    """A push failed; the message says why and what the target graph holds now.

    ``status`` is the HTTP status of the answer that ended it, if there was an answer at all;
    ``answered`` is False when the request's fate on the server cannot be known from the
    client's side (no answer, a cut-off answer, or a gateway's 502/503/504); ``sent`` is False
    when the request cannot have reached the server (refused connection, failed probe).
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        answered: bool = True,
        sent: bool = True,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.answered = answered
        self.sent = sent


@dataclass
class PushResult:
    """What a push did; ``notes`` are things the user should know although it succeeded."""

    graph: str
    triples: int
    method: str
    notes: list[str] = field(default_factory=list)


def staging_prefix(target: str) -> str:
    """The start of the names of every staging graph meant for ``target``."""
    return f"{STAGING_PREFIX}{hashlib.sha256(target.encode('utf-8')).hexdigest()[:16]}:"


def _staging_name(target: str) -> str:
    # the time makes a leftover's age readable to whoever lists the server's graphs
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    return f"{staging_prefix(target)}{stamp}:{uuid.uuid4().hex[:12]}"


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


def _where(url: str) -> str:
    """The URL without its query string: a GSP URL's ``?graph=`` only hides the server."""
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def server_message(body: bytes) -> str:
    """The one line of an error page that says what went wrong, without SQL or markup.

    Virtuoso answers a failed update with its error on the first line and the whole query
    after it, and a failed Graph Store request with an HTML page whose title and headings
    only repeat the status.
    """
    text = body[:4000].decode("utf-8", "replace")
    if "<" in text and ">" in text:
        text = re.sub(r"(?is)<(head|title|script|style)\b.*?</\1\s*>", "\n", text)
        text = html.unescape(re.sub(r"<[^>]*>", "\n", text))
    for line in text.splitlines():
        line = " ".join(line.split())
        if not line or re.fullmatch(r"(Error\s+)?(HTTP/\d(\.\d)?\s.*|\w+\s*)", line):
            continue
        return line if len(line) <= 200 else line[:197] + "..."
    return ""


def describe_failure(
    exc: BaseException, what: str, url: str, timeout: float, user: str | None = None
) -> PushError:
    """One clear line for any way an HTTP request can fail, with whether it was answered."""
    where = _where(url)
    if isinstance(exc, urllib.error.HTTPError):
        try:
            detail = server_message(exc.read())
        except (OSError, http.client.HTTPException):
            detail = ""
        code = exc.code
        if code in (401, 407) and not user:
            text = f"{where} wants a user name and password for {what} (HTTP {code}): give "
            text += "--user and --password"
        elif code in (401, 407):
            text = f"{where} refused the user name or password for {what} (HTTP {code})"
        elif code == 403:
            text = (
                f"{where} forbids {what} to this user (HTTP 403{': ' + detail if detail else ''})"
            )
        elif code == 404:
            text = f"{where} does not exist on the server (HTTP 404): check the URL"
        else:
            text = f"{where} refused {what} (HTTP {code}: {detail or exc.reason})"
        return PushError(text, status=code, answered=code not in _OUTCOME_UNKNOWN)
    reason: object = exc.reason if isinstance(exc, urllib.error.URLError) else exc
    if isinstance(reason, TimeoutError):
        return PushError(
            f"{where} did not answer {what} within {timeout:g} s (see --timeout)", answered=False
        )
    if isinstance(reason, ConnectionRefusedError):
        return PushError(
            f"cannot reach {where}: connection refused (is the server running, and the URL right?)",
            sent=False,
        )
    if isinstance(reason, socket.gaierror):
        return PushError(f"cannot reach {where}: unknown host ({reason.strerror})", sent=False)
    if isinstance(reason, http.client.RemoteDisconnected):
        return PushError(f"{where} closed the connection without answering {what}", answered=False)
    if isinstance(reason, (ConnectionResetError, BrokenPipeError, ConnectionAbortedError)):
        # Virtuoso resets a connection whose large body it refuses on a wrong password
        extra = " (a server may also do this when it refuses the password)" if user else ""
        extra = extra if "upload" in what else ""
        return PushError(
            f"the connection to {where} was dropped during {what}: "
            f"{reason.strerror or type(reason).__name__}{extra}",
            answered=False,
        )
    if isinstance(reason, http.client.IncompleteRead):
        return PushError(
            f"{where}'s answer to {what} was cut off after {len(reason.partial)} bytes",
            answered=False,
        )
    if isinstance(reason, http.client.HTTPException):
        return PushError(
            f"{where} sent a broken answer to {what} ({type(reason).__name__})", answered=False
        )
    if isinstance(reason, OSError):
        return PushError(
            f"cannot reach {where} for {what}: {reason.strerror or reason}", answered=False
        )
    return PushError(f"cannot reach {where} for {what}: {reason}", answered=False)


class _Server:
    """The query, update and GSP sides of one server, with one set of credentials."""

    def __init__(
        self,
        query_url: str,
        update_url: str,
        gsp_url: str | None,
        user: str | None,
        password: str | None,
        timeout: float,
    ) -> None:
        self.query_url = query_url
        self.update_url = update_url
        self.gsp_url = gsp_url
        self.user, self.password, self.timeout = user, password, timeout

    def update(self, text: str, what: str) -> None:
        body = urllib.parse.urlencode({"update": text}).encode("utf-8")
        request = urllib.request.Request(
            self.update_url,
            data=body,
            method="POST",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        try:
            self._send(request, what)
        except PushError as exc:
            # Virtuoso's public /sparql answers an update with 500 and SR186, not 401 or 403
            if exc.status == 403 or (exc.status == 500 and re.search(_NO_PERMISSION, str(exc))):
                raise PushError(
                    f"{exc}; this URL takes no updates from this user: give the server's "
                    "update URL with --update-url (on Virtuoso, the authenticated "
                    ".../sparql-auth) and --user/--password",
                    status=exc.status,
                ) from exc
            raise

    def select(self, text: str, what: str) -> list[dict[str, str]]:
        """The rows of a SELECT, each variable's value as a string."""
        body = urllib.parse.urlencode({"query": text}).encode("utf-8")
        request = urllib.request.Request(
            self.query_url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept": "application/sparql-results+json",
            },
        )
        answer = self._send(request, what)
        try:
            bindings = json.loads(answer)["results"]["bindings"]
            return [{k: str(v["value"]) for k, v in row.items()} for row in bindings]
        except (ValueError, KeyError, TypeError) as exc:
            raise PushError(
                f"{_where(self.query_url)} sent an answer to {what} that is not SPARQL JSON "
                f"results (cut off, or not a SPARQL endpoint?): {answer[:80]!r}",
                answered=False,
            ) from exc

    def gsp_send(self, graph_iri: str, data: bytes, method: str, what: str) -> bool:
        """PUT or POST N-Triples into a graph; False if the server has no usable GSP endpoint."""
        if not self.gsp_url:
            return False
        url = f"{self.gsp_url}?{urllib.parse.urlencode({'graph': graph_iri})}"
        request = urllib.request.Request(
            url, data=data, method=method, headers={"Content-Type": "application/n-triples"}
        )
        try:
            self._send(request, what)
        except PushError as exc:
            if exc.status in (404, 405, 501):
                return False
            raise
        return True

    def count(self, graph_iri: str) -> int:
        rows = self.select(
            f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph_iri}> {{ ?s ?p ?o }} }}",
            "the triple count",
        )
        try:
            return int(rows[0]["n"]) if rows else 0
        except (KeyError, ValueError) as exc:
            raise PushError(
                f"{_where(self.query_url)} answered the triple count with {rows[0]!r}"
            ) from exc

    def _preauthorize(self, request: urllib.request.Request, what: str) -> None:
        """Answer a digest challenge before sending the body.

        urllib sends the whole body, gets 401, then sends it again; a server may close the
        connection mid-body on the 401 (Virtuoso did, under load: "broken pipe"). A bodiless HEAD
        fetches the challenge, so the body goes once, already authorised. Basic auth is sent
        as is. A probe that gets no answer at all ends the request: the server is not there.
        """
        if not self.user:
            return
        probe = urllib.request.Request(request.full_url, method="HEAD")
        try:
            with urllib.request.urlopen(probe, timeout=self.timeout) as response:
                response.read()
                return  # no authentication asked for
        except urllib.error.HTTPError as exc:
            challenge = exc.headers.get("WWW-Authenticate", "") if exc.headers else ""
        except (OSError, http.client.HTTPException) as exc:
            failure = describe_failure(exc, what, request.full_url, self.timeout, self.user)
            failure.sent = False  # the request itself never left
            raise failure from exc
        scheme, _, rest = challenge.partition(" ")
        if scheme.lower() == "digest":
            manager = _passwords(request.full_url, self.user, self.password)
            handler = urllib.request.HTTPDigestAuthHandler(manager)
            fields = urllib.request.parse_keqv_list(urllib.request.parse_http_list(rest))
            header = handler.get_authorization(request, fields)
            if header:
                request.add_unredirected_header("Authorization", f"Digest {header}")
        elif scheme.lower() == "basic":
            token = base64.b64encode(f"{self.user}:{self.password or ''}".encode()).decode()
            request.add_unredirected_header("Authorization", f"Basic {token}")

    def _send(self, request: urllib.request.Request, what: str) -> bytes:
        self._preauthorize(request, what)
        opener = _opener(request.full_url, self.user, self.password)
        try:
            with opener.open(request, timeout=self.timeout) as response:
                return bytes(response.read())
        except (OSError, http.client.HTTPException) as exc:  # HTTPError and URLError are OSError
            raise describe_failure(exc, what, request.full_url, self.timeout, self.user) from exc


def _is_blank(term: object) -> bool:
    import pyoxigraph as ox

    return isinstance(term, BNode | ox.BlankNode)


def _triples(source: Source) -> Iterator[tuple[object, object, object]]:
    """The triples to send: an rdflib graph's, or an Oxigraph store's default graph's."""
    if isinstance(source, Graph):
        yield from source
        return
    import pyoxigraph as ox

    for quad in source.quads_for_pattern(None, None, None, ox.DefaultGraph()):
        yield quad.subject, quad.predicate, quad.object


def _size(source: Source) -> int:
    """How many distinct triples the push sends (a store's default graph holds no duplicates)."""
    if isinstance(source, Graph):
        return len(source)
    if next(iter(source.named_graphs()), None) is None:
        return len(source)
    return sum(1 for _ in _triples(source))


def _nt_line(triple: tuple[object, object, object]) -> str:
    """One N-Triples line; pyoxigraph terms print themselves in N-Triples syntax."""
    if isinstance(triple[0], Node):
        return _nt_row(triple)  # type: ignore[arg-type]
    s, p, o = triple
    return f"{s} {p} {o} .\n"


def _parts(source: Source, size: int) -> Iterator[list[tuple[object, object, object]]]:
    """The source's triples in lists of about ``size``; a blank node's triples share a list.

    Triples are linked when they share a blank node; each linked set goes whole into one list,
    so a set larger than ``size`` makes a larger list.
    """
    part: list[tuple[object, object, object]] = []
    parent: dict[object, object] = {}

    def root(node: object) -> object:
        while parent.setdefault(node, node) != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    linked: list[tuple[object, object, object]] = []
    for triple in _triples(source):
        s, _, o = triple
        blank_s, blank_o = _is_blank(s), _is_blank(o)
        if blank_s or blank_o:
            linked.append(triple)
            if blank_s and blank_o:
                parent[root(s)] = root(o)
            continue
        part.append(triple)
        if len(part) >= size:
            yield part
            part = []
    sets: dict[object, list[tuple[object, object, object]]] = {}
    for triple in linked:
        node = triple[0] if _is_blank(triple[0]) else triple[2]
        sets.setdefault(root(node), []).append(triple)
    for triples in sets.values():
        if part and len(part) + len(triples) > size:
            yield part
            part = []
        part.extend(triples)
    if part:
        yield part


def _serialized(source: Source, size: int) -> Iterator[bytes]:
    """N-Triples documents of about ``size`` triples, made in a thread while the last is sent.

    Writing 1M triples as N-Triples takes rdflib about 14 s, time the server would otherwise
    wait; the thread makes at most two documents ahead.
    """
    import queue

    ready: queue.Queue[bytes | BaseException | None] = queue.Queue(maxsize=2)
    stop = threading.Event()

    def make() -> None:
        try:
            for part in _parts(source, size):
                if stop.is_set():
                    return
                ready.put("".join(map(_nt_line, part)).encode("utf-8"))
            ready.put(None)
        except BaseException as exc:  # handed to the sending side, which raises it
            ready.put(exc)

    worker = threading.Thread(target=make, name="kzby-kg-push-serializer", daemon=True)
    worker.start()
    try:
        while (item := ready.get()) is not None:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        while worker.is_alive():  # unblock a put() waiting for room, then let it end
            with contextlib.suppress(queue.Empty):
                ready.get(timeout=0.1)


def _gsp_chunks(server: _Server, graph_iri: str, source: Source, total: int, size: int) -> bool:
    """Send the triples in parts: a PUT, then POSTs; False if the first finds no GSP endpoint."""
    if not server.gsp_url:
        return False
    parts = max(1, -(-total // size))
    for number, data in enumerate(_serialized(source, size), 1):
        method = "PUT" if number == 1 else "POST"
        what = f"the upload (Graph Store {method}, part {number} of about {parts})"
        if not server.gsp_send(graph_iri, data, method, what):
            if number == 1:
                return False
            raise PushError(f"{_where(server.gsp_url)} refused {what} after accepting part 1")
    return True


def _update_row(triple: _Triple) -> str:
    """One N-Triples line for INSERT DATA, with a whole xsd:decimal written as ``N.0``.

    Virtuoso 7.2 stores ``"1000000"^^xsd:decimal`` that arrives through SPARQL Update as an
    xsd:integer (openlink/virtuoso-opensource#1062): on Debian's stock ini, where
    ``MaxQueryCostEstimationTime`` is set; not with it at 0, nor through the Graph Store
    Protocol. ``"1000000.0"`` is a lexical form of the same xsd:decimal value (XSD 1.1,
    3.3.3), which Virtuoso keeps as a decimal and gives back as ``"1000000"^^xsd:decimal``:
    the term that was pushed.
    """
    obj = triple[2]
    if isinstance(obj, Literal) and obj.datatype == XSD.decimal:
        whole = _WHOLE_DECIMAL.fullmatch(str(obj))
        if whole:
            triple = (triple[0], triple[1], Literal(f"{whole[1]}.0", datatype=XSD.decimal))
    return _nt_row(triple).rstrip("\n")


def _skolem(term: Node) -> Node:
    """A blank node as an IRI (what rdflib's ``Graph.skolemize`` makes of it)."""
    if isinstance(term, BNode):
        return term.skolemize(authority="https://w3id.org", basepath="/kzby-kg/.well-known/genid/")
    return term


def _insert_chunks(server: _Server, graph_iri: str, source: Source) -> None:
    # Blank nodes do not survive being split across requests; skolemize them into IRIs.
    lines = []
    for triple in _triples(source):
        s, p, o = (t if isinstance(t, Node) else from_ox(t) for t in triple)
        lines.append(_update_row((_skolem(s), p, _skolem(o))))  # type: ignore[arg-type]
    parts = (len(lines) + _CHUNK - 1) // _CHUNK
    for part, start in enumerate(range(0, len(lines), _CHUNK), 1):
        chunk = "\n".join(lines[start : start + _CHUNK])
        server.update(
            f"INSERT DATA {{ GRAPH <{graph_iri}> {{\n{chunk}\n}} }}",
            f"the upload (INSERT DATA, part {part} of {parts})",
        )


def _forget(server: _Server, graphs: list[str], target: str, what: str) -> None:
    """Drop staging graphs and their entries in the register, in one request."""
    entries = " . ".join(f"<{g}> <{_STAGING_FOR}> <{target}>" for g in graphs)
    server.update(
        _NO_TRANSACTION
        + "".join(f"DROP SILENT GRAPH <{g}> ;\n" for g in graphs)
        + f"DELETE DATA {{ GRAPH <{_REGISTER}> {{ {entries} }} }}",
        what,
    )


def _drop_quietly(server: _Server, staging: str, target: str, *, settled: bool) -> None:
    """Remove a staging graph no COPY can be reading; if that fails, the next push does it.

    Unless ``settled``, an upload into it whose answer was lost may still be running and
    refill it after the drop; its entry in the register then stays, for the next push.
    """
    with contextlib.suppress(PushError):
        if settled:
            _forget(server, [staging], target, "the removal of the staging graph")
        else:
            server.update(
                f"{_NO_TRANSACTION}DROP SILENT GRAPH <{staging}>",
                "the removal of the staging graph",
            )


def _after_lost_copy(
    server: _Server, staging: str, target: str, expected: int, before: int, lost: PushError
) -> str:
    """Learn from the target's count whether a COPY whose answer was lost has happened.

    The COPY is one transaction: while it runs, readers see the target's old triples, and
    once it has committed, the staging graph's ``expected`` ones. So when the target held
    ``before`` triples and ``before != expected``, a count of ``expected`` means the COPY is
    done. When the numbers are the same, nothing can be learnt. Without that proof, the
    staging graph is left alone, as dropping it under a running COPY is what empties the target.
    """
    deadline = time.monotonic() + server.timeout
    delay = 0.2
    asked: PushError | None = None
    while before != expected:
        try:
            held = server.count(target)
            asked = None
        except PushError as exc:
            held, asked = -1, exc
        if held == expected:
            return (
                f"the answer to the COPY was lost ({lost}), but the server has done it: "
                f"<{target}> holds the {expected} new triples"
            )
        if time.monotonic() >= deadline:
            break
        time.sleep(min(delay, max(deadline - time.monotonic(), 0)))
        delay = min(delay * 2, 2.0)
    if asked:
        state = f"the server could not be asked afterwards ({asked})"
    elif before == expected:
        state = f"the old graph and the new one both have {expected} triples, so counts cannot tell"
    else:
        state = f"after {server.timeout:g} s the target still does not hold the new graph"
    raise PushError(
        f"{lost}, and {state}. The server may still be running the COPY, so nothing was "
        f"dropped: <{target}> holds either its old graph or the new one, whole. The staging "
        f"graph <{staging}> is kept; the next push to this target removes it.",
        status=lost.status,
        answered=False,
    ) from lost


def _clean_up(server: _Server, target: str, staging: str) -> list[str]:
    """Forget this push's staging graph, and drop the ones earlier pushes to ``target`` left.

    Called only once this push's COPY into ``target`` has committed, which the server does
    after any COPY into it that was still running, so none of these is being read any more.
    Never fails the push, which has done its work: at worst the next push tries again.
    """
    try:
        rows = server.select(
            f"SELECT ?g WHERE {{ GRAPH <{_REGISTER}> {{ ?g <{_STAGING_FOR}> <{target}> }} }}",
            "the search for staging graphs earlier pushes left",
        )
        # the names go into an update: only exactly ours, which cannot close the IRI early
        found = {row.get("g", "") for row in rows}
        leftovers = sorted(g for g in found if _STAGING.fullmatch(g) and g not in (target, staging))
        _forget(server, [staging, *leftovers], target, "the removal of staging graphs")
    except PushError as exc:
        return [f"staging graphs could not be removed ({exc}); the next push tries again"]
    if not leftovers:
        return []
    return [f"removed {len(leftovers)} staging graph(s) left by earlier failed pushes"]


@dataclass(frozen=True)
class SqlPort:
    """Virtuoso's SQL port, reached with its own client ``isql``, for the one COPY.

    Why: a stock Virtuoso ends every SPARQL request after ``MaxQueryExecutionTime`` (60 s in
    Debian's ini). The COPY that switches the staging graph over the target in one transaction
    took 20-53 s for 1.1M triples there, and was refused for 5.7M ("SR171: Transaction timed
    out"). The same statement sent through the SQL port is not bound by that SPARQL limit, so
    the switch stays one atomic operation at any size. The parts still go over HTTP.

    ``isql`` takes the password on its command line, where other local users can read it in
    the process list: use this from a machine you trust.
    """

    address: str  # "host:port"
    program: str = "isql-vt"

    def __post_init__(self) -> None:
        host, _, port = self.address.rpartition(":")
        if not host or not port.isdigit():
            raise PushError(f"--sql-port: {self.address!r} is not HOST:PORT")


def _isql(sql: SqlPort, server: _Server, statement: str, what: str) -> None:
    """Run one statement through isql; a failure is a PushError that says whether it ran.

    isql exits 3 when it cannot connect or log in (nothing was sent), and 0 after a statement
    the server refused, with ``*** Error`` on stderr (the server answered).
    """
    import subprocess

    command = [sql.program, sql.address, server.user or "dba", server.password or "", statement]
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=server.timeout, check=False
        )
    except FileNotFoundError as exc:
        raise PushError(
            f"{sql.program} not found for {what}: install Virtuoso's client (Debian: "
            "virtuoso-opensource) or leave out --sql-port",
            sent=False,
        ) from exc
    except subprocess.TimeoutExpired as exc:
        raise PushError(
            f"{sql.address} did not finish {what} within {server.timeout:g} s",
            answered=False,
        ) from exc
    error = next((x for x in done.stderr.splitlines() if x.startswith("*** Error")), None)
    reason = error.removeprefix("*** ").strip() if error else f"isql exited {done.returncode}"
    if done.returncode != 0:
        raise PushError(f"cannot run {what} on {sql.address}: {reason}", sent=False)
    if error:
        raise PushError(f"{sql.address} refused {what}: {reason}")


def _copy(server: _Server, sql: SqlPort | None, staging: str, target: str) -> None:
    """The switch: one COPY, through the SPARQL update URL, or the SQL port when given."""
    text = f"{_NO_LOG}COPY SILENT GRAPH <{staging}> TO GRAPH <{target}>"
    if sql is not None:
        _isql(sql, server, f"exec=SPARQL {text};", "the COPY (through isql)")
        return
    try:
        server.update(text, "the COPY")
    except PushError as exc:
        if exc.answered and "SR171" in str(exc):
            raise PushError(
                f"{exc} (a stock Virtuoso ends each SPARQL request after its "
                "MaxQueryExecutionTime; give --sql-port HOST:PORT to run the switch through "
                "isql instead)",
                status=exc.status,
            ) from exc
        raise


def push(
    graph: Source,
    query_url: str,
    graph_iri: str,
    *,
    update_url: str | None = None,
    gsp_url: str | None = None,
    user: str | None = None,
    password: str | None = None,
    timeout: float = 120.0,
    chunk_size: int = CHUNK_SIZE,
    sql: SqlPort | None = None,
) -> PushResult:
    """Replace ``graph_iri`` on the server with ``graph``; the target is never half-written.

    ``graph`` is an rdflib graph or an Oxigraph store, whose default graph is sent: at a
    million triples and more, a store sends without the rdflib objects (about 3 GB a million).

    ``timeout`` applies to each request; ``chunk_size`` is the number of triples in each
    Graph Store request (a blank node's linked triples are never split, so a part may be
    larger). With ``sql``, the switch runs on Virtuoso's SQL port (see :class:`SqlPort`).

    :raises PushError: if any step fails; the message says whether the target is as it was,
        or (when the server's answer to the COPY was lost) holds either the old or new graph.
    """
    target = graph_iri
    if not target.startswith(("http://", "https://", "urn:")) or any(
        c in target for c in '<>" {}\\^`|\n\r\t'
    ):
        raise PushError(f"--graph: {graph_iri!r} is not an absolute IRI")
    if sql is not None and ";" in target:
        # isql ends a statement at a semicolon, even inside an IRI
        raise PushError(f"--graph: {graph_iri!r} contains ';', which isql cannot pass")
    for option, url in (
        ("--endpoint", query_url),
        ("--update-url", update_url),
        ("--gsp-url", gsp_url),
    ):
        parts = urllib.parse.urlsplit(url or "http://default")
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise PushError(f"{option}: {url!r} is not an http:// or https:// URL")
    total = _size(graph)
    if total == 0:
        raise PushError("the graph is empty: a push would only erase the target graph")
    if chunk_size < 1:
        raise PushError(f"chunk_size must be at least 1, not {chunk_size}")
    server = _Server(query_url, update_url or query_url, gsp_url, user, password, timeout)
    staging = _staging_name(target)
    method = "Graph Store Protocol"
    moving = False
    try:
        # The register first, so that no staging graph can exist without an entry; and, as
        # a small update, it reports a wrong password or an update URL that takes no updates
        # as such, where a large upload would end in a reset connection.
        server.update(
            f"INSERT DATA {{ GRAPH <{_REGISTER}> {{ <{staging}> <{_STAGING_FOR}> <{target}> }} }}",
            "the first update (registering the staging graph)",
        )
        if not _gsp_chunks(server, staging, graph, total, chunk_size):
            method = "SPARQL Update"
            _insert_chunks(server, staging, graph)
        loaded = server.count(staging)
        if loaded != total:
            raise PushError(f"the staging graph holds {loaded} triples, expected {total}")
        before = server.count(target)
        moving = True
        _copy(server, sql, staging, target)
    except PushError as exc:
        if moving and exc.sent and not exc.answered:
            note = _after_lost_copy(server, staging, target, total, before, exc)
            return PushResult(target, total, method, [note, *_clean_up(server, target, staging)])
        # no COPY is running: it was never sent, or refused
        _drop_quietly(server, staging, target, settled=exc.answered or not exc.sent)
        raise PushError(
            f"{exc}; the target graph is left as it was", status=exc.status, answered=exc.answered
        ) from exc
    except BaseException:
        if not moving:  # interrupted (Ctrl-C) or a bug; a COPY may be running, so keep it then
            _drop_quietly(server, staging, target, settled=False)
        raise
    return PushResult(target, total, method, _clean_up(server, target, staging))
