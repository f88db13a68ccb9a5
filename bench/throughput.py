"""Requests per second of a stored question over the web API, for two servers side by side.

    python bench/throughput.py                      # this checkout against BASELINE_REV
    python bench/throughput.py --baseline-rev REV --clients 20 --seconds 20

Each server runs as users run it (``kzby-kg serve``, a process of its own, the full graph on the
Oxigraph store); the clients keep their connections alive, as browsers and HTTP libraries do,
and spread over several processes so that the clients' own interpreter does not cap the figure.
The two servers are measured in turns (baseline, current, baseline, current), so that both see
the same machine; the figure is the median of the turns.

The baseline is the server as it was when issue 16 was filed: a git worktree of
``BASELINE_REV``, run with this environment's interpreter and packages.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
#: the last commit before issue 16's work: "today's server" in the issue
BASELINE_REV = "c4af6f1"
PATH = "/api/trade-balance"


def start_server(
    source: Path, cache: Path, log: Path, extra: tuple[str, ...] = ()
) -> tuple[subprocess.Popen[bytes], str]:
    """``kzby-kg serve`` from ``source`` (a checkout), on a free port; its base URL."""
    code = f"import sys; sys.path.insert(0, {str(source / 'src')!r}); " + (
        "from kzby_kg.cli.main import main; sys.exit(main())"
    )
    env = {**os.environ, "KZBY_KG_CACHE_DIR": str(cache), "PYTHONPATH": str(source / "src")}
    with log.open("w") as err:
        server = subprocess.Popen(
            [sys.executable, "-c", code, "serve", "--root", str(source), "--port", "0", *extra],
            stdout=subprocess.DEVNULL,
            stderr=err,
            env=env,
        )
    deadline = time.monotonic() + 300
    while True:
        found = re.search(r"serving on (http://\S+?)/ ", log.read_text())
        if found:
            return server, found.group(1)
        if server.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"server did not start: {log.read_text()[-2000:]}")
        time.sleep(0.2)


def _client_process(url: str, threads: int, until: float, queue: Any) -> None:
    """``threads`` keep-alive clients until ``until`` (monotonic); puts (count, errors,
    latencies)."""
    import threading

    host = url.removeprefix("http://")
    counts, errors, latencies = [0], [0], []
    lock = threading.Lock()

    def client() -> None:
        connection = http.client.HTTPConnection(host, timeout=30)
        mine: list[float] = []
        done = failed = 0
        while time.monotonic() < until:
            started = time.monotonic()
            try:
                connection.request("GET", PATH, headers={"Accept": "application/json"})
                response = connection.getresponse()
                body = response.read()
                ok = response.status == 200 and body
            except OSError:
                ok = False
                connection.close()
                connection = http.client.HTTPConnection(host, timeout=30)
            if ok:
                done += 1
                mine.append(time.monotonic() - started)
            else:
                failed += 1
        with lock:
            counts[0] += done
            errors[0] += failed
            latencies.extend(mine)

    workers = [threading.Thread(target=client) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    queue.put((counts[0], errors[0], latencies))


def load(url: str, clients: int, seconds: float, processes: int = 4) -> dict[str, float]:
    """``clients`` keep-alive clients for ``seconds``: requests/s, errors, p50 and p95 (ms)."""
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    until = time.monotonic() + seconds
    shares = [clients // processes + (i < clients % processes) for i in range(processes)]
    children = [
        context.Process(target=_client_process, args=(url, n, until, queue)) for n in shares if n
    ]
    for child in children:
        child.start()
    results = [queue.get() for _ in children]
    for child in children:
        child.join()
    done = sum(r[0] for r in results)
    latencies = sorted(x for r in results for x in r[2])
    return {
        "requests_per_second": done / seconds,
        "requests": done,
        "errors": sum(r[1] for r in results),
        "p50_ms": 1000 * statistics.median(latencies) if latencies else float("nan"),
        "p95_ms": 1000 * latencies[int(0.95 * (len(latencies) - 1))] if latencies else float("nan"),
    }


def baseline_checkout(rev: str, target: Path) -> Path:
    """A worktree of ``rev`` (removed by :func:`remove_checkout`)."""
    subprocess.run(
        ["git", "-C", str(ROOT), "worktree", "add", "--detach", str(target), rev],
        check=True,
        capture_output=True,
    )
    return target


def remove_checkout(target: Path) -> None:
    subprocess.run(
        ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(target)],
        check=False,
        capture_output=True,
    )


def side_by_side(
    baseline_rev: str = BASELINE_REV, clients: int = 20, seconds: float = 20.0, turns: int = 2
) -> dict[str, Any]:
    """The baseline's and this checkout's throughput, measured in turns."""
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        baseline = baseline_checkout(baseline_rev, work / "baseline")
        # the current server with its answer cache off shows what the rest of the work gives
        sides: dict[str, tuple[Path, tuple[str, ...]]] = {
            f"baseline ({baseline_rev})": (baseline, ()),
            "current, answer cache off": (ROOT, ("--answer-cache-mb", "0")),
            "current": (ROOT, ()),
        }
        runs: dict[str, list[dict[str, float]]] = {name: [] for name in sides}
        try:
            for turn in range(turns):
                for number, (name, (source, extra)) in enumerate(sides.items()):
                    log = work / f"serve-{turn}-{number}.log"
                    server, url = start_server(source, work / f"cache-{source.name}", log, extra)
                    try:
                        load(url, clients, 2.0)  # warm up: workers forked, caches filled
                        runs[name].append(load(url, clients, seconds))
                    finally:
                        server.terminate()
                        server.wait(timeout=30)
        finally:
            remove_checkout(baseline)
    summary: dict[str, Any] = {"clients": clients, "seconds": seconds, "path": PATH, "sides": {}}
    for name, measured in runs.items():
        summary["sides"][name] = {
            "requests_per_second": statistics.median(m["requests_per_second"] for m in measured),
            "errors": sum(m["errors"] for m in measured),
            "p95_ms": statistics.median(m["p95_ms"] for m in measured),
            "turns": measured,
        }
    rates = [side["requests_per_second"] for side in summary["sides"].values()]
    summary["ratio"] = rates[-1] / rates[0] if rates[0] else float("inf")
    summary["ratio_without_answer_cache"] = rates[1] / rates[0] if rates[0] else float("inf")
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline-rev", default=BASELINE_REV)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--turns", type=int, default=2)
    args = parser.parse_args()
    summary = side_by_side(args.baseline_rev, args.clients, args.seconds, args.turns)
    print(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
