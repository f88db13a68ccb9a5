"""Worker processes that run queries, one at a time each, and are killed past the time limit.

Neither pyoxigraph nor rdflib can cancel a running query, so a query that runs too long has
its process killed and replaced: the work really stops. Each worker holds the engine (forked
from the parent, so the graph is shared copy-on-write).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import queue
import re
import threading
from dataclasses import dataclass
from typing import Any

from rdflib import Graph
from rdflib.term import Identifier

from kzby_kg.errors import KzbyError, UsageError
from kzby_kg.querying.backend import Backend
from kzby_kg.querying.results import QueryResult
from kzby_kg.rdf.namespaces import bind_prefixes
from kzby_kg.web.policy import LimitError, Limits
from kzby_kg.web.sandbox import seal

__all__ = ["QueryPool"]


def _die_with_parent() -> None:
    """End this worker when the server process is gone, however it went (kill -9 included).

    A thread watches the parent's pid rather than PR_SET_PDEATHSIG, which fires when the
    *thread* that forked the worker ends: replacement workers are forked by request threads.
    """
    import os
    import time

    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(0)

    threading.Thread(target=watch, daemon=True).start()


def _worker_main(conn: Any, backend: Backend, inherited: list[Any]) -> None:
    """Answer queries from the parent until told to stop. Runs in a forked process, sealed off
    from the network first (:func:`kzby_kg.web.sandbox.seal`), and says which walls stand."""
    import signal

    import rdflib.plugins.sparql as sparql_settings

    _die_with_parent()
    # the server handles SIGINT and SIGTERM and then stops its workers; a worker ignores them
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    for other in inherited:  # the other workers' pipe ends, inherited by fork: let them see EOF
        with contextlib.suppress(OSError):
            other.close()
    sparql_settings.SPARQL_LOAD_GRAPHS = False  # never fetch FROM graphs, whatever the text says
    conn.send(("sealed", seal()))
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
            if result.graph is not None and len(result.graph) > max_rows:
                conn.send(
                    (
                        "limit",
                        413,
                        f"the answer has {len(result.graph)} triples; the limit is "
                        f"{max_rows}: add a LIMIT or narrow the pattern",
                    )
                )
                continue
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
        except (UsageError, KzbyError) as exc:
            conn.send(("error", 400, public_message(str(exc))))
        except Exception as exc:  # an engine failure is the query's problem, reported as such
            conn.send(("error", 400, "query failed: " + public_message(str(exc))))


_PATH = re.compile(r"(?:[A-Za-z]:)?(?:/[\w.@+-]+){2,}/?")


def public_message(text: str) -> str:
    """What a client may see of an engine's message: its first line, no local paths, and at
    most 300 characters (engine internals and the server's file system stay private)."""
    first = (text.strip().splitlines() or [""])[0]
    first = _PATH.sub("…", first)
    return first if len(first) <= 300 else first[:300] + "…"


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
        #: the walls that keep the workers off the network (see kzby_kg.web.sandbox)
        self.walls: tuple[str, ...] = ()
        self._all: list[_Worker] = []
        self._closed = False
        for _ in range(limits.max_concurrent):
            self._idle.put(self._spawn())

    def _spawn(self) -> _Worker:
        parent, child = self._context.Pipe()
        with self._lock:
            inherited = [w.conn for w in self._all]
            process = self._context.Process(
                target=_worker_main, args=(child, self._backend, inherited), daemon=True
            )
            process.start()
        child.close()
        if not parent.poll(30):
            process.kill()
            raise KzbyError("a query worker did not start within 30 s")
        _, self.walls = parent.recv()
        worker = _Worker(process, parent)
        with self._lock:
            self._all.append(worker)
        return worker

    def _retire(self, worker: _Worker) -> None:
        """Kill a worker (past its time, or dead) and forget it."""
        worker.process.kill()
        worker.process.join()
        with contextlib.suppress(OSError):
            worker.conn.close()
        with self._lock:
            if worker in self._all:
                self._all.remove(worker)

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
                self._retire(worker)
                worker = self._spawn()
                raise LimitError(
                    503,
                    f"the query ran past the time limit of {self.limits.timeout:g} s "
                    "and was stopped",
                )
            reply = worker.conn.recv()
        except (EOFError, OSError):
            self._retire(worker)
            if self._closed:
                raise LimitError(503, "the server is shutting down") from None
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
        """Stop every worker, idle or busy: a query in flight is cancelled (its client gets a
        503), and no worker outlives the server."""
        self._closed = True
        with self._lock:
            workers = list(self._all)
        for worker in workers:
            with contextlib.suppress(OSError):
                worker.conn.send(None)
        for worker in workers:
            worker.process.join(timeout=1)
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join()
