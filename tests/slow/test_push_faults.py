"""A push broken at any request leaves the target whole (needs Virtuoso; see conftest).

A loopback proxy between push and Virtuoso breaks one connection of a push: it closes the
connection before forwarding the request, after forwarding it but before any answer, half-way
through the answer, or after the whole answer. For every request a push makes, with the Graph
Store Protocol and with SPARQL Update, the target graph must then hold the old graph or the
new one, exactly, and a normal push afterwards must put the new one in place and remove every
staging graph the failures left. Every failure must be a one-line :class:`PushError`.

This is the test that catches the data loss issue 15 describes (a dropped connection after
the MOVE, now a COPY, then a DROP of the staging graph while Virtuoso was still moving it); it
cannot prove that no timing would ever break the target, only that none of these does.
"""

from __future__ import annotations

import socket
import struct
import threading
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager, suppress

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from kzby_kg.remote.endpoint import EndpointBackend
from kzby_kg.remote.push import (
    _REGISTER,
    _STAGING_FOR,
    PushError,
    PushResult,
    _Server,
    push,
    staging_prefix,
)

from ..conftest import require_virtuoso

pytestmark = pytest.mark.slow

#: how each connection can break: see FaultProxy
MODES = ("before", "after-request", "abort", "truncate", "after-response")


def _read_request(conn: socket.socket) -> bytes:
    """One whole HTTP request (urllib sends a Content-Length, never chunks)."""
    data = b""
    while b"\r\n\r\n" not in data:
        piece = conn.recv(65536)
        if not piece:
            return data
        data += piece
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        piece = conn.recv(65536)
        if not piece:
            break
        body += piece
    return head + b"\r\n\r\n" + body


def _label(request: bytes) -> str:
    """The request line, and for a SPARQL POST the first words of the query or update."""
    head, _, body = request.partition(b"\r\n\r\n")
    line = head.split(b"\r\n", 1)[0].decode("latin-1")
    method, path = line.split(" ")[:2]
    label = f"{method} {urllib.parse.urlsplit(path).path}"
    if method == "POST":
        form = urllib.parse.parse_qs(body.decode("utf-8", "replace"))
        for key in ("update", "query"):
            if key in form:
                words = form[key][0].split()
                while words[:1] == ["DEFINE"]:  # push's pragmas for Virtuoso: name and value
                    words = words[3:]
                label += f" {key}: {' '.join(words[:2])}"
    return label


def _reset(sock: socket.socket) -> None:
    """Close with a TCP reset, as a crashed peer or a firewall does."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


class FaultProxy:
    """A threaded loopback TCP proxy that breaks its ``break_at``-th connection (from 1).

    ``before``: the request is read and the connection closed, nothing forwarded.
    ``after-request``: the request reaches the server, then the client's side is reset; the
    server answers into the void (issue 15's case). ``abort``: the same, but the server's side
    is closed too, so the server sees its client vanish. ``truncate``: the headers and half
    the body of the answer, then a close. ``after-response``: the whole answer, then a reset.
    ``stall``: the request reaches the server, and the answer never comes (the client times
    out).
    Every other connection is relayed as it is. ``log`` names each connection's request.
    """

    def __init__(self, upstream: str, break_at: int | None = None, mode: str = "before") -> None:
        parts = urllib.parse.urlsplit(upstream)
        self.upstream = (parts.hostname or "127.0.0.1", parts.port or 80)
        self.break_at, self.mode = break_at, mode
        self.log: list[str] = []
        self._lock = threading.Lock()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._threads: list[threading.Thread] = []
        self._stop = threading.Event()

    def url(self, url: str) -> str:
        """``url`` with this proxy in place of the server."""
        parts = urllib.parse.urlsplit(url)
        host, port = self._listener.getsockname()[:2]
        return urllib.parse.urlunsplit(parts._replace(netloc=f"{host}:{port}"))

    def __enter__(self) -> FaultProxy:
        thread = threading.Thread(target=self._accept, daemon=True)
        thread.start()
        self._threads.append(thread)
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        with suppress(OSError):  # wakes the thread blocked in accept(); close() alone does not
            self._listener.shutdown(socket.SHUT_RDWR)
        self._listener.close()
        for thread in self._threads:
            thread.join(timeout=10)

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            thread = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            thread.start()
            self._threads.append(thread)

    def _serve(self, conn: socket.socket) -> None:
        # a client that gave up (it timed out, or push moved on) is no failure of the proxy
        with suppress(OSError):
            self._relay(conn)

    def _relay(self, conn: socket.socket) -> None:
        conn.settimeout(60)
        with conn:
            request = _read_request(conn)
            if not request:
                return
            with self._lock:
                self.log.append(_label(request))
                number = len(self.log)
            mode = self.mode if number == self.break_at else "relay"
            if mode == "before":
                return
            with socket.create_connection(self.upstream, timeout=60) as upstream:
                upstream.sendall(request)
                if mode in ("after-request", "abort"):
                    _reset(conn)
                if mode == "abort":
                    return
                answer = b""
                while piece := upstream.recv(65536):
                    answer += piece
                    if mode == "relay":
                        conn.sendall(piece)
            if mode == "after-request":
                return
            if mode == "truncate":
                head, _, body = answer.partition(b"\r\n\r\n")
                conn.sendall(head + b"\r\n\r\n" + body[: len(body) // 2])
            elif mode == "after-response":
                conn.sendall(answer)
                _reset(conn)
            elif mode == "stall":
                conn.settimeout(0.2)
                while not self._stop.is_set():
                    try:
                        if not conn.recv(1):
                            return
                    except TimeoutError:
                        continue
                    except OSError:
                        return


# ------------------------------------------------------------------ the server's side


def _triples(url: str, graph_iri: str) -> set[tuple[object, ...]]:
    result = EndpointBackend(url, timeout=60).run(
        f"SELECT ?s ?p ?o WHERE {{ GRAPH <{graph_iri}> {{ ?s ?p ?o }} }}"
    )
    return set(result.rows)


def _staging_graphs(url: str, target: str) -> list[str]:
    result = EndpointBackend(url, timeout=60).run(
        "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } "
        f'FILTER (STRSTARTS(STR(?g), "{staging_prefix(target)}")) }}'
    )
    return sorted(str(row[0]) for row in result.rows)


def _server(settings: dict[str, str]) -> _Server:
    """push's own requests (digest authentication), for the test's own updates."""
    return _Server(
        settings["url"], settings["update_url"], None, settings["user"], settings["password"], 60
    )


def _registered(url: str, target: str) -> list[str]:
    result = EndpointBackend(url, timeout=60).run(
        f"SELECT ?g WHERE {{ GRAPH <{_REGISTER}> {{ ?g <{_STAGING_FOR}> <{target}> }} }}"
    )
    return sorted(str(row[0]) for row in result.rows)


def _plant_leftover(settings: dict[str, str], target: str) -> str:
    """A staging graph, and its entry in the register, as a push that crashed would leave."""
    name = f"{staging_prefix(target)}20000101T000000Z:{'0' * 12}"
    _server(settings).update(
        f"INSERT DATA {{ GRAPH <{_REGISTER}> {{ <{name}> <{_STAGING_FOR}> <{target}> }} "
        f"GRAPH <{name}> {{ <urn:kzby-kg:test:leftover> <urn:kzby-kg:test:p> 1 }} }}",
        "planting a leftover",
    )
    return name


def _start_clean(settings: dict[str, str], target: str) -> None:
    """No staging graph of ``target`` from an earlier run of the tests, registered or not."""
    server = _server(settings)
    for name in [*_staging_graphs(settings["url"], target), *_registered(settings["url"], target)]:
        server.update(
            f"DROP SILENT GRAPH <{name}> ; DELETE DATA {{ GRAPH <{_REGISTER}> "
            f"{{ <{name}> <{_STAGING_FOR}> <{target}> }} }}",
            "cleaning up after an earlier run",
        )


def _skolem(graph: Graph) -> Graph:
    """Blank nodes come back from a server under new names; IRIs compare as they are."""
    return graph.skolemize(authority="https://w3id.org", basepath="/kzby-kg/.well-known/genid/")


@pytest.fixture(scope="module")
def versions(graph: Graph) -> dict[str, tuple[Graph, Graph]]:
    """(old, new) per method: they differ both ways, so neither passes for the other.

    SPARQL Update sends 200 triples a request; 450 make three requests, not thirty.
    """
    new = _skolem(graph)
    ordered = sorted(new)
    marker = (URIRef("urn:kzby-kg:test:version"), URIRef("urn:kzby-kg:test:is"), Literal("old"))

    def graphs(triples: list[tuple[Node, Node, Node]]) -> tuple[Graph, Graph]:
        old, fresh = Graph(), Graph()
        for i, triple in enumerate(triples):
            fresh.add(triple)
            if i % 3:
                old.add(triple)
        old.add(marker)
        return old, fresh

    return {
        "Graph Store Protocol": graphs(ordered),
        "SPARQL Update": graphs(ordered[:450]),
    }


def _push(
    settings: dict[str, str], graph: Graph, target: str, method: str, **kw: object
) -> PushResult:
    options: dict[str, object] = {
        "update_url": settings["update_url"],
        "gsp_url": settings["gsp_url"] if method.startswith("Graph") else None,
        "user": settings["user"],
        "password": settings["password"],
        "timeout": 60.0,
    }
    options.update(kw)
    query_url = str(options.pop("query_url", settings["url"]))
    return push(graph, query_url, target, **options)  # type: ignore[arg-type]


@contextmanager
def _proxied(
    settings: dict[str, str], method: str, break_at: int | None, mode: str
) -> Iterator[tuple[FaultProxy, dict[str, object]]]:
    """A proxy in front of every URL the push uses, and the push options that go through it."""
    with FaultProxy(settings["url"], break_at, mode) as proxy:
        options: dict[str, object] = {
            "query_url": proxy.url(settings["url"]),
            "update_url": proxy.url(settings["update_url"]),
        }
        if method.startswith("Graph"):
            options["gsp_url"] = proxy.url(settings["gsp_url"])
        yield proxy, options


def _requests(
    settings: dict[str, str], old: Graph, new: Graph, target: str, method: str
) -> list[str]:
    """Every request a push makes, in order, when a leftover has to be removed too."""
    _start_clean(settings, target)
    _push(settings, old, target, method)
    _plant_leftover(settings, target)
    with _proxied(settings, method, None, "relay") as (proxy, options):
        _push(settings, new, target, method, **options)
    return proxy.log


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("method", ["Graph Store Protocol", "SPARQL Update"])
def test_a_push_broken_anywhere_leaves_the_target_whole(
    versions: dict[str, tuple[Graph, Graph]], method: str, mode: str
) -> None:
    settings = require_virtuoso()
    if method.startswith("Graph") and not settings["gsp_url"]:
        pytest.skip("no Graph Store Protocol URL configured")
    old, new = versions[method]
    target = f"urn:kzby-kg:test:push-faults:{method.split()[0].lower()}:{mode}"
    old_triples, new_triples = set(old), set(new)
    requests = _requests(settings, old, new, target, method)
    # the test means something only if the push makes these requests
    for expected in ("update: INSERT DATA", "COPY SILENT", "DROP SILENT"):
        assert any(expected in r for r in requests), (expected, requests)
    assert any(r.startswith("PUT" if method.startswith("Graph") else "POST") for r in requests)
    assert _triples(settings["url"], target) == new_triples
    saved = f"{target}:old"  # copied from, faster than a push of the old graph each time
    _push(settings, old, saved, method)

    outcomes: list[str] = []
    for number, request in enumerate(requests, 1):
        if request.startswith("HEAD") and mode != "before":
            continue  # a digest probe changes nothing on the server, however it breaks
        case = f"{mode} at request {number} ({request})"
        # the old graph back (the last push left no staging graph), and a leftover to remove
        _server(settings).update(f"COPY GRAPH <{saved}> TO GRAPH <{target}>", "restoring")
        _plant_leftover(settings, target)
        with _proxied(settings, method, number, mode) as (_, options):
            try:
                result = _push(settings, new, target, method, **options, timeout=5.0)
                outcome = "pushed" + (" with a note" if result.notes else "")
            except PushError as exc:
                message = str(exc)
                assert "\n" not in message and "Traceback" not in message, (case, message)
                assert "SPARQL query:" not in message, (case, message)
                outcome = "failed: " + message
        held = _triples(settings["url"], target)
        assert held in (old_triples, new_triples), (case, outcome, len(held))
        if outcome.startswith("pushed"):
            assert held == new_triples, (case, outcome)
        elif "left as it was" in outcome:
            assert held == old_triples, (case, outcome)
        outcomes.append(f"{case}: {outcome[:160]}")

        # a normal push afterwards puts the new graph in place and cleans up after the failure
        result = _push(settings, new, target, method)
        assert _triples(settings["url"], target) == new_triples, case
        assert _staging_graphs(settings["url"], target) == [], (case, result.notes)
        assert _registered(settings["url"], target) == [], case
    _server(settings).update(f"DROP SILENT GRAPH <{saved}>", "removing the saved graph")
    print("\n".join(outcomes))  # shown with -s or -rA: what each break did


def test_a_lost_move_answer_is_waited_for_not_dropped(
    versions: dict[str, tuple[Graph, Graph]],
) -> None:
    """The issue's case: the COPY reaches the server, its answer never comes back."""
    settings = require_virtuoso()
    method = "Graph Store Protocol" if settings["gsp_url"] else "SPARQL Update"
    old, new = versions[method]
    target = "urn:kzby-kg:test:push-faults:lost-move"
    requests = _requests(settings, old, new, target, method)
    move = next(i for i, r in enumerate(requests, 1) if "COPY SILENT" in r)
    for mode in ("after-request", "stall"):
        _push(settings, old, target, method)
        with _proxied(settings, method, move, mode) as (_, options):
            result = _push(settings, new, target, method, **options, timeout=3.0)
        assert result.notes and "the server has done it" in result.notes[0], (mode, result.notes)
        assert _triples(settings["url"], target) == set(new), mode
        assert _staging_graphs(settings["url"], target) == [], mode


def test_a_move_that_never_arrived_keeps_its_staging_graph(
    versions: dict[str, tuple[Graph, Graph]],
) -> None:
    """Without an answer, push cannot tell "never arrived" from "still running": it keeps
    the staging graph, says so, and the next push removes it."""
    settings = require_virtuoso()
    method = "SPARQL Update"
    old, new = versions[method]
    target = "urn:kzby-kg:test:push-faults:never-arrived"
    requests = _requests(settings, old, new, target, method)
    move = next(i for i, r in enumerate(requests, 1) if "COPY SILENT" in r)
    _push(settings, old, target, method)
    with (
        _proxied(settings, method, move, "before") as (_, options),
        pytest.raises(PushError, match="nothing was dropped") as caught,
    ):
        _push(settings, new, target, method, **options, timeout=2.0)
    assert "holds either its old graph or the new one" in str(caught.value)
    assert _triples(settings["url"], target) == set(old)
    assert len(_staging_graphs(settings["url"], target)) == 1
    result = _push(settings, new, target, method)
    assert result.notes == ["removed 1 staging graph(s) left by earlier failed pushes"]
    assert _staging_graphs(settings["url"], target) == []
