"""Worker processes that run queries, one at a time each, and are killed past the time limit.

Neither pyoxigraph nor rdflib can cancel a running query, so a query that runs too long has
its process killed and replaced: the work really stops. Each worker holds the engine, shared
copy-on-write. Workers are forked by a *zygote*: one process forked when the pool starts,
before the server has threads, which holds the engine and does nothing but fork. Forking a
busy, threaded server directly can copy a lock some other thread holds, and the new worker
then hangs for good (measured: one spawn in about 250 under load).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import queue
import re
import socket
import threading
import time
from collections import OrderedDict
from collections.abc import Generator
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from rdflib import Graph
from rdflib.term import Identifier

from kzby_kg.errors import KzbyError, UsageError
from kzby_kg.querying.backend import Backend
from kzby_kg.querying.results import QueryResult
from kzby_kg.rdf.namespaces import bind_prefixes
from kzby_kg.web.policy import LimitError, Limits
from kzby_kg.web.sandbox import seal

__all__ = ["Answer", "QueryPool"]


def _die_with_parent() -> None:
    """End this process when its parent is gone, however it went (kill -9 included): a
    worker when the zygote goes, the zygote when the server goes."""
    import time

    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(0)

    threading.Thread(target=watch, daemon=True).start()


def _worker_main(conn: Any, backend: Backend) -> None:
    """Answer queries from the parent until told to stop. Runs in a forked process, sealed off
    from the network first (:func:`kzby_kg.web.sandbox.seal`), and says which walls stand."""
    import signal

    import rdflib.plugins.sparql as sparql_settings

    _die_with_parent()
    with contextlib.suppress(OSError):
        os.setpriority(os.PRIO_PROCESS, 0, _WORKER_NICE)
    # the server handles SIGINT and SIGTERM and then stops its workers; a worker ignores them
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    sparql_settings.SPARQL_LOAD_GRAPHS = False  # never fetch FROM graphs, whatever the text says
    conn.send(("sealed", seal()))
    while True:
        try:
            message = conn.recv()
        except EOFError:
            return
        if message is None:
            return
        text, bindings, max_rows, render_as = message
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
            if render_as is not None:
                # serialised here, inside the time limit, a chunk at a time across the pipe
                _send_rendered(conn, result, *render_as)
                continue
            triples = list(result.graph) if result.graph is not None else None
            result.graph = None
            conn.send(("ok", result, triples))
        except LimitError as exc:  # a format the client cannot take (406)
            conn.send(("error", exc.status, str(exc)))
        except (UsageError, KzbyError) as exc:
            conn.send(("error", 400, public_message(str(exc))))
        except Exception as exc:  # an engine failure is the query's problem, reported as such
            conn.send(("error", 400, "query failed: " + public_message(str(exc))))


class _PipeSink:
    """A file-like sink that sends what is written to it across the pipe, in chunks."""

    size = 64 * 1024

    def __init__(self, conn: Any) -> None:
        self.conn = conn
        self.buffer = bytearray()

    def write(self, data: bytes) -> int:
        self.buffer += data
        if len(self.buffer) >= self.size:
            self.flush()
        return len(data)

    def flush(self) -> None:
        if self.buffer:
            self.conn.send(("chunk", bytes(self.buffer)))
            self.buffer.clear()


def _send_rendered(conn: Any, result: QueryResult, accept: str, wanted: str | None) -> None:
    """Send ``head`` (media type, rows or triples), the body in ``chunk`` messages as it is
    written, then ``end``; or ``abort`` when writing fails after the head (the server then cuts
    the transfer short). A format the client cannot take is refused before the head."""
    from kzby_kg.querying.formats import GRAPH_FORMATS, SOLUTION_FORMATS, write_result
    from kzby_kg.web.negotiation import choose

    if result.graph is not None:
        fmt = choose(accept, wanted, GRAPH_FORMATS, "turtle")
    else:
        fmt = choose(accept, wanted, SOLUTION_FORMATS, "json")
    conn.send(("head", fmt.media_type, None if result.form == "ASK" else len(result)))
    sink = _PipeSink(conn)
    try:
        write_result(result, fmt.name, sink)
        sink.flush()
    except Exception as exc:
        conn.send(("abort", "the answer could not be written: " + public_message(str(exc))))
        return
    conn.send(("end",))


def _chunks(replies: Generator[tuple[Any, ...], None, None]) -> Generator[bytes, None, None]:
    """The body chunks of a rendered answer, from a worker's messages (see
    :meth:`QueryPool.stream_rendered`)."""
    try:
        for reply in replies:
            if reply[0] == "chunk":
                yield reply[1]
    finally:
        replies.close()


class _AnswerCache:
    """Finished answers by request, least recently used dropped first, within a byte budget.

    The served graph never changes while the server runs, so the same query text, bindings
    and format always give the same bytes: asking a worker again is work that can be done
    once. Only answers that were written to the end are kept."""

    def __init__(self, budget: int, entry: int) -> None:
        self.budget, self.entry = budget, entry
        self._answers: OrderedDict[Any, tuple[str, int | None, bytes]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = 0

    def get(self, key: Any) -> tuple[str, int | None, bytes] | None:
        with self._lock:
            found = self._answers.get(key)
            if found is not None:
                self._answers.move_to_end(key)
                self.hits += 1
            return found

    def put(self, key: Any, answer: tuple[str, int | None, bytes]) -> None:
        if not self.budget or len(answer[2]) > min(self.entry, self.budget):
            return
        with self._lock:
            if key in self._answers:
                return
            self._answers[key] = answer
            self._bytes += len(answer[2])
            while self._bytes > self.budget:
                _, (_, _, body) = self._answers.popitem(last=False)
                self._bytes -= len(body)

    def remembering(
        self, key: Any, media_type: str, size: int | None, chunks: Generator[bytes, None, None]
    ) -> Generator[bytes, None, None]:
        """``chunks`` passed on as they come, and kept once the last one has come."""
        kept: list[bytes] | None = []
        length = 0
        with contextlib.closing(chunks):
            for chunk in chunks:
                length += len(chunk)
                if kept is not None and length <= self.entry:
                    kept.append(chunk)
                else:
                    kept = None
                yield chunk
        if kept is not None:
            self.put(key, (media_type, size, b"".join(kept)))


def _once(body: bytes) -> Generator[bytes, None, None]:
    yield body


@dataclass
class Answer:
    """A rendered answer on its way: its media type, its size (SELECT rows, or CONSTRUCT and
    DESCRIBE triples; None for ASK) and its body, a chunk at a time."""

    media_type: str
    size: int | None
    chunks: Generator[bytes, None, None]


def _zygote_main(sock: socket.socket, backend: Backend) -> None:
    """Fork a worker each time the server asks, and hand it the server's end of its pipe."""
    import signal

    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the kernel reaps the workers
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with_parent()
    while sock.recv(1):
        parent_end, child_end = multiprocessing.Pipe()
        pid = os.fork()
        if pid == 0:
            sock.close()
            parent_end.close()
            try:
                _worker_main(child_end, backend)
            finally:
                os._exit(0)
        child_end.close()
        socket.send_fds(sock, [pid.to_bytes(8, "little")], [parent_end.fileno()])
        parent_end.close()


class _Zygote:
    """The server's handle on the zygote process (see the module's docstring)."""

    def __init__(self, backend: Backend) -> None:
        self._sock, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        self._lock = threading.Lock()
        pid = os.fork()
        if pid == 0:
            self._sock.close()
            try:
                _zygote_main(theirs, backend)
            finally:
                os._exit(0)
        theirs.close()
        self.pid = pid

    def spawn(self) -> tuple[int, Any]:
        """A new worker: its pid and the server's end of its pipe."""
        with self._lock:
            self._sock.sendall(b"s")
            message, fds, _, _ = socket.recv_fds(self._sock, 8, 1)
        if len(message) != 8 or len(fds) != 1:
            raise KzbyError("the worker zygote has gone; restart the server")
        return int.from_bytes(message, "little"), Connection(fds[0])

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._sock.close()  # the zygote reads EOF and exits
        with contextlib.suppress(ChildProcessError, OSError):
            os.waitpid(self.pid, 0)


_PATH = re.compile(r"(?:[A-Za-z]:)?(?:/[\w.@+-]+){2,}/?")


def public_message(text: str) -> str:
    """What a client may see of an engine's message: its first line, no local paths, and at
    most 300 characters (engine internals and the server's file system stay private)."""
    first = (text.strip().splitlines() or [""])[0]
    first = _PATH.sub("…", first)
    return first if len(first) <= 300 else first[:300] + "…"


@dataclass
class _Worker:
    pid: int
    conn: Any

    def alive(self) -> bool:
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True

    def kill(self) -> None:
        """SIGKILL, then wait (up to 2 s) until the kernel has reaped it."""
        import signal
        import time

        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)
        deadline = time.monotonic() + 2
        while self.alive() and time.monotonic() < deadline:
            time.sleep(0.01)


#: workers yield the CPU to the server process (which parses, routes and renders), and a long
#: query's worker yields it to quick ones
_WORKER_NICE = 5
_LONG_NICE = 15


#: how often a waiting request looks at its worker (reply, CPU used, time limit)
_TICK = 0.1
_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pid: int) -> float:
    """CPU time (user and system) a process has used, from /proc; 0 where there is none."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_bytes().rsplit(b")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS


def _niceness(worker: _Worker, value: int) -> None:
    """Set a worker's scheduling niceness (raising it back needs privilege; then it stays)."""
    with contextlib.suppress(OSError, TypeError):
        os.setpriority(os.PRIO_PROCESS, worker.pid, value)


class QueryPool:
    """Worker processes that each hold the graph; one query per worker at a time."""

    def __init__(self, backend: Backend, limits: Limits) -> None:
        self._zygote = _Zygote(backend)
        self.limits = limits
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._lock = threading.Lock()
        #: the walls that keep the workers off the network (see kzby_kg.web.sandbox)
        self.walls: tuple[str, ...] = ()
        self._all: list[_Worker] = []
        self._closed = False
        self._starting = 0  # workers being forked right now
        self._long = 0  # queries running past limits.long_after
        #: texts that ran long (most recent last): they are long again when they come back
        self._known_long: OrderedDict[str, None] = OrderedDict()
        self.answers = _AnswerCache(limits.answer_cache_bytes, limits.answer_cache_entry)
        for _ in range(limits.max_concurrent):
            self._idle.put(self._spawn())

    def _spawn(self) -> _Worker:
        pid, conn = self._zygote.spawn()
        worker = _Worker(pid, conn)
        if not conn.poll(30):
            worker.kill()
            raise KzbyError("a query worker did not start within 30 s")
        _, self.walls = conn.recv()
        with self._lock:
            self._all.append(worker)
        return worker

    def _retire(self, worker: _Worker) -> None:
        """Kill a worker (past its time, or dead) and forget it."""
        worker.kill()
        with contextlib.suppress(OSError):
            worker.conn.close()
        with self._lock:
            if worker in self._all:
                self._all.remove(worker)

    def _acquire(self) -> _Worker:
        """An idle worker; else a new one while there is room; else wait for one to free up."""
        with contextlib.suppress(queue.Empty):
            return self._idle.get_nowait()
        room = self.limits.max_concurrent + self.limits.light_lanes
        with self._lock:
            grow = not self._closed and len(self._all) + self._starting < room
            if grow:
                self._starting += 1
        if grow:
            try:
                return self._spawn()
            finally:
                with self._lock:
                    self._starting -= 1
        try:
            return self._idle.get(timeout=self.limits.queue_wait)
        except queue.Empty:
            raise LimitError(503, f"all {room} query workers are busy; try again shortly") from None

    def _lanes_full(self, why: str) -> str:
        return (
            f"{self.limits.max_concurrent} long-running queries are running already; "
            f"{why} and was stopped: try again shortly, or narrow it"
        )

    def _remember_long(self, text: str) -> None:
        with self._lock:
            self._known_long[text] = None
            self._known_long.move_to_end(text)
            while len(self._known_long) > 256:
                self._known_long.popitem(last=False)

    def _becomes_long(self) -> bool:
        """Count a query as long-running, if there is room for one more."""
        with self._lock:
            if self._long >= self.limits.max_concurrent:
                return False
            self._long += 1
            return True

    def run(self, text: str, bindings: dict[str, Identifier] | None = None) -> QueryResult:
        """The result of a query (see :meth:`_exchange` for the limits and errors)."""
        reply = next(self._exchange(text, bindings, None))
        result, triples = reply[1], reply[2]
        if triples is not None:
            result.graph = bind_prefixes(Graph())
            for triple in triples:
                result.graph.add(triple)
        return result

    def run_rendered(
        self,
        text: str,
        bindings: dict[str, Identifier] | None,
        accept: str,
        wanted: str | None,
    ) -> tuple[str, bytes]:
        """The media type and whole body of a query's answer, in the format the client asked
        for (see :meth:`stream_rendered`)."""
        answer = self.stream_rendered(text, bindings, accept, wanted)
        with contextlib.closing(answer.chunks):
            return answer.media_type, b"".join(answer.chunks)

    def stream_rendered(
        self,
        text: str,
        bindings: dict[str, Identifier] | None,
        accept: str,
        wanted: str | None,
    ) -> Answer:
        """A query's answer in the format the client asked for, serialised by the worker inside
        the time limit and passed on a chunk at a time as the worker writes it: neither
        process holds the whole body.

        Everything that can refuse the query (a limit, a bad format, the engine) does so here,
        before the first byte, as a :class:`LimitError`. Reading :attr:`Answer.chunks` raises
        :class:`LimitError` if the answer cannot be finished (the time limit passed while it
        was written, the worker died): a caller must then cut the transfer short, so that a
        partial answer never looks complete. Close the chunks when done with them (a reader
        that stops early has the worker, which is mid-answer, replaced).
        """
        key = (text, tuple(sorted((bindings or {}).items())), accept, wanted)
        kept = self.answers.get(key)
        if kept is not None:
            return Answer(kept[0], kept[1], _once(kept[2]))
        replies = self._exchange(text, bindings, (accept, wanted))
        head = next(replies)
        if head[0] != "head":  # pragma: no cover - the worker's protocol says otherwise
            replies.close()
            raise LimitError(500, "the query worker answered out of turn")
        chunks = self.answers.remembering(key, head[1], head[2], _chunks(replies))
        return Answer(head[1], head[2], chunks)

    def _past_time(self) -> str:
        return f"the query ran past the time limit of {self.limits.timeout:g} s and was stopped"

    def _replace(self, worker: _Worker) -> _Worker | None:
        """Kill a worker that cannot take another query and fork its successor (none once the
        pool is closing)."""
        self._retire(worker)
        return None if self._closed else self._spawn()

    def _exchange(
        self,
        text: str,
        bindings: dict[str, Identifier] | None,
        render_as: tuple[str, str | None] | None,
    ) -> Generator[tuple[Any, ...], None, None]:
        """Run on a free worker and yield its messages; stop it if it runs long while the long
        lanes are full, or past the time limit, by killing its worker. A rendered answer comes
        as ``head``, then ``chunk`` messages, and the time limit holds until its last chunk;
        other answers are one ``ok`` message. The worker goes back to the pool once its answer
        is complete, and is replaced when the reader stops before that.

        Quick queries are never queued behind long ones: the pool forks a worker for them
        (up to ``max_concurrent + light_lanes``), and at most ``max_concurrent`` queries may run
        longer than ``limits.long_after``.

        :raises LimitError: 503 when no worker frees up in time, the long lanes are full or
            the time limit passes; 413 for too many rows; 400 for a query the engine rejects;
            500 for an answer that failed while it was written.
        """
        known_long = text in self._known_long
        # a text that ran long before is long again: it waits for no detection, and it is
        # refused at once while the long lanes are full
        if known_long and not self._becomes_long():
            raise LimitError(503, self._lanes_full("it ran long before"))
        long_running = known_long
        try:
            worker: _Worker | None = self._acquire()
        except LimitError:
            if long_running:
                with self._lock:
                    self._long -= 1
            raise
        assert worker is not None
        if long_running:
            _niceness(worker, _LONG_NICE)
        busy: _Worker | None = worker  # the worker that holds this query, until it is done with it
        try:
            worker.conn.send((text, bindings or {}, self.limits.max_rows, render_as))
            started, cpu_before = time.monotonic(), _cpu_seconds(worker.pid)
            while True:
                while not worker.conn.poll(_TICK):
                    if time.monotonic() - started >= self.limits.timeout:
                        worker, busy = self._replace(worker), None
                        raise LimitError(503, self._past_time())
                    # long is measured in CPU time, not wall time: a quick query that waits
                    # for a busy CPU is not long
                    if long_running:
                        continue
                    if _cpu_seconds(worker.pid) - cpu_before >= self.limits.long_after:
                        self._remember_long(text)
                        long_running = self._becomes_long()
                        if not long_running:
                            worker, busy = self._replace(worker), None
                            raise LimitError(
                                503,
                                self._lanes_full(
                                    f"this one used {self.limits.long_after:g} s of CPU"
                                ),
                            )
                        _niceness(worker, _LONG_NICE)  # a long query yields to quick ones
                reply = worker.conn.recv()
                kind = reply[0]
                if kind in ("ok", "end", "error", "limit", "abort"):
                    busy = None  # the worker has finished with this query
                    break
                yield reply
                # an answer being written ends on time too, however fast its chunks come
                if time.monotonic() - started >= self.limits.timeout:
                    worker, busy = self._replace(worker), None
                    raise LimitError(503, self._past_time())
        except (EOFError, OSError):
            assert worker is not None
            worker, busy = self._replace(worker), None
            if self._closed:
                raise LimitError(503, "the server is shutting down") from None
            raise LimitError(503, "the query worker died; the query was not answered") from None
        finally:
            if busy is not None and worker is busy:
                # the reader stopped mid-answer: the worker is still writing it
                worker = self._replace(worker)
            if long_running:
                with self._lock:
                    self._long -= 1
                if worker is not None:
                    _niceness(worker, _WORKER_NICE)
            if worker is not None:
                self._idle.put(worker)
        if kind == "abort":
            raise LimitError(500, reply[1])
        if kind in ("error", "limit"):
            raise LimitError(reply[1], reply[2])
        yield reply

    def close(self) -> None:
        """Stop every worker, idle or busy: a query in flight is cancelled (its client gets a
        503), and no worker outlives the server."""
        self._closed = True
        with self._lock:
            workers = list(self._all)
        for worker in workers:
            with contextlib.suppress(OSError):
                worker.conn.send(None)
        import time

        deadline = time.monotonic() + 1
        for worker in workers:
            while worker.alive() and time.monotonic() < deadline:
                time.sleep(0.01)
            worker.kill()
        self._zygote.close()
