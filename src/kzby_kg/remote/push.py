"""Load the graph into a named graph of a SPARQL server, so that the target is never half-written.

The data goes to a fresh staging graph first (SPARQL 1.1 Graph Store Protocol PUT, or INSERT
DATA through SPARQL Update where no GSP endpoint is given or it refuses), the staging graph's
triple count is checked, and only then does one ``MOVE`` replace the target graph.

The rule that keeps the target whole: nothing is dropped while a MOVE may still be running.
Virtuoso does not isolate a MOVE from a DROP of its source graph; dropping the staging graph
after a MOVE whose answer was lost (the server still moving) left the target empty or partly
filled in 5 of 6 runs. So a failure before the MOVE is sent drops the staging graph (the
target was never touched); a MOVE the server refused drops it too (the server has finished);
but after a MOVE whose answer is lost (dropped connection, timeout, a gateway's 502/503/504),
push asks the server for the counts until the staging graph is gone (the MOVE happened) or the
timeout has passed, and then leaves the staging graph in place and says so.

Each staging graph is entered in a small register graph before anything is loaded into it,
with its target, so that each push finds and removes the ones earlier failed pushes to the same
target left, after its own MOVE: Virtuoso runs a MOVE into a graph only after any earlier MOVE
into that graph has committed (tested on 7.2), so by then no MOVE from those leftovers can be
running. Two pushes to the same target at the same time are not supported.
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
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass, field

from rdflib import Graph

from kzby_kg.errors import EndpointError

__all__ = ["STAGING_PREFIX", "PushError", "PushResult", "push", "staging_prefix"]

_CHUNK = 200  # N-Triples lines per INSERT DATA request (Virtuoso caps generated SQL size)

#: every staging graph's IRI starts with this; the rest names the target and the attempt
STAGING_PREFIX = "urn:kzby-kg:staging:"
_STAGING = re.compile(r"urn:kzby-kg:staging:[0-9a-f]{16}:\d{8}T\d{6}Z:[0-9a-f]{12}")
#: each staging graph has an entry ``<staging> _STAGING_FOR <target>`` here until it is gone;
#: finding leftovers by their names would scan every quad on the server
_REGISTER = "urn:kzby-kg:staging-graphs"
_STAGING_FOR = "urn:kzby-kg:stagingGraphFor"
#: answers that may come from a gateway while the server behind it goes on with the request
_OUTCOME_UNKNOWN = (502, 503, 504)
_NO_PERMISSION = re.compile(r"SR186|[Nn]o permission|[Pp]ermission denied")


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

    def gsp_put(self, graph_iri: str, data: bytes) -> bool:
        """PUT N-Triples into a graph; False if the server has no usable GSP endpoint."""
        if not self.gsp_url:
            return False
        url = f"{self.gsp_url}?{urllib.parse.urlencode({'graph': graph_iri})}"
        request = urllib.request.Request(
            url, data=data, method="PUT", headers={"Content-Type": "application/n-triples"}
        )
        try:
            self._send(request, "the upload (Graph Store PUT)")
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


def _insert_chunks(server: _Server, graph_iri: str, graph: Graph) -> None:
    # Blank nodes do not survive being split across requests; skolemize them into IRIs.
    lines = (
        graph.skolemize(authority="https://w3id.org", basepath="/kzby-kg/.well-known/genid/")
        .serialize(format="nt")
        .splitlines()
    )
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
        "".join(f"DROP SILENT GRAPH <{g}> ;\n" for g in graphs)
        + f"DELETE DATA {{ GRAPH <{_REGISTER}> {{ {entries} }} }}",
        what,
    )


def _drop_quietly(server: _Server, staging: str, target: str, *, settled: bool) -> None:
    """Remove a staging graph no MOVE can be reading; if that fails, the next push does it.

    Unless ``settled``, an upload into it whose answer was lost may still be running and
    refill it after the drop; its entry in the register then stays, for the next push.
    """
    with contextlib.suppress(PushError):
        if settled:
            _forget(server, [staging], target, "the removal of the staging graph")
        else:
            server.update(f"DROP SILENT GRAPH <{staging}>", "the removal of the staging graph")


def _after_lost_move(
    server: _Server, staging: str, target: str, expected: int, lost: PushError
) -> str:
    """Learn from the counts whether a MOVE whose answer was lost has happened.

    The staging graph was checked to hold every triple, and only the MOVE empties it, so an
    empty staging graph means the MOVE committed. While it is running, readers see the old
    state, so nothing else can be learnt; after the timeout, the staging graph is left alone,
    as dropping it under a running MOVE is what empties the target.
    """
    deadline = time.monotonic() + server.timeout
    delay = 0.2
    asked: PushError | None = None
    while True:
        try:
            left = server.count(staging)
            asked = None
        except PushError as exc:
            left, asked = -1, exc
        if left == 0:
            try:
                held = server.count(target)
            except PushError as exc:
                return (
                    f"the answer to the MOVE was lost ({lost}); the server has done it, but "
                    f"the target could not be counted afterwards ({exc})"
                )
            if held != expected:
                raise PushError(
                    f"{lost}. The staging graph is gone, but <{target}> holds {held} triples, "
                    f"not {expected}: did another push to it run at the same time?"
                ) from lost
            return (
                f"the answer to the MOVE was lost ({lost}), but the server has done it: "
                f"<{target}> holds the {expected} new triples"
            )
        if time.monotonic() >= deadline:
            break
        time.sleep(min(delay, max(deadline - time.monotonic(), 0)))
        delay = min(delay * 2, 2.0)
    state = (
        f"the server could not be asked afterwards ({asked})"
        if asked
        else f"after {server.timeout:g} s the staging graph still holds the new graph"
    )
    raise PushError(
        f"{lost}, and {state}. The server may still be running the MOVE, so nothing was "
        f"dropped: <{target}> holds either its old graph or the new one, whole. The staging "
        f"graph <{staging}> is kept; the next push to this target removes it.",
        status=lost.status,
        answered=False,
    ) from lost


def _clean_up(server: _Server, target: str, staging: str) -> list[str]:
    """Forget this push's staging graph, and drop the ones earlier pushes to ``target`` left.

    Called only once this push's MOVE into ``target`` has committed, which the server does
    after any MOVE into it that was still running, so none of these is being read any more.
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
    """Replace ``graph_iri`` on the server with ``graph``; the target is never half-written.

    :raises PushError: if any step fails; the message says whether the target is as it was,
        or (when the server's answer to the MOVE was lost) holds either the old or new graph.
    """
    target = graph_iri
    if not target.startswith(("http://", "https://", "urn:")) or any(
        c in target for c in '<>" {}\\^`|\n\r\t'
    ):
        raise PushError(f"--graph: {graph_iri!r} is not an absolute IRI")
    for option, url in (
        ("--endpoint", query_url),
        ("--update-url", update_url),
        ("--gsp-url", gsp_url),
    ):
        parts = urllib.parse.urlsplit(url or "http://default")
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise PushError(f"{option}: {url!r} is not an http:// or https:// URL")
    if len(graph) == 0:
        raise PushError("the graph is empty: a push would only erase the target graph")
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
        data = graph.serialize(format="nt", encoding="utf-8")
        if not server.gsp_put(staging, data):
            method = "SPARQL Update"
            _insert_chunks(server, staging, graph)
        loaded = server.count(staging)
        if loaded != len(graph):
            raise PushError(f"the staging graph holds {loaded} triples, expected {len(graph)}")
        moving = True
        server.update(f"MOVE SILENT GRAPH <{staging}> TO GRAPH <{target}>", "the MOVE")
    except PushError as exc:
        if moving and exc.sent and not exc.answered:
            note = _after_lost_move(server, staging, target, len(graph), exc)
            return PushResult(
                target, len(graph), method, [note, *_clean_up(server, target, staging)]
            )
        # no MOVE is running: it was never sent, or refused
        _drop_quietly(server, staging, target, settled=exc.answered or not exc.sent)
        raise PushError(
            f"{exc}; the target graph is left as it was", status=exc.status, answered=exc.answered
        ) from exc
    except BaseException:
        if not moving:  # interrupted (Ctrl-C) or a bug; a MOVE may be running, so keep it then
            _drop_quietly(server, staging, target, settled=False)
        raise
    return PushResult(target, len(graph), method, _clean_up(server, target, staging))
