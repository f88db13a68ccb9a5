"""Worker processes that run queries, one at a time each, and are killed past the time limit.

Neither pyoxigraph nor rdflib can cancel a running query, so a query that runs too long has
its process killed and replaced: the work really stops. Each worker holds the engine (forked
from the parent, so the graph is shared copy-on-write).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import queue
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

__all__ = ["QueryPool"]


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
