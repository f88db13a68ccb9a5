"""`kzby-kg serve` stops cleanly: on SIGTERM or SIGINT it stops accepting, ends its query
workers (none is left behind, under PID 1 or anywhere) and prints no traceback (issue 15)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


def _children(pid: int) -> set[int]:
    """Every descendant: the workers are the children of the server's zygote process."""
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        children = {int(c) for c in (task / "children").read_text().split()}
        found |= children
        for child in children:
            found |= _children(child)
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(") ")[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_serve_stops_cleanly_and_leaves_no_worker(sig: signal.Signals, tmp_path: Path) -> None:
    exe = Path(sys.executable).with_name("kzby-kg")
    log = tmp_path / "stderr.txt"
    with log.open("w") as err:
        server = subprocess.Popen(
            [str(exe), "serve", "--port", "0", "--scope", "article", "--max-concurrent", "3"],
            stderr=err,
            stdout=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 120
            while "serving on" not in log.read_text() and time.monotonic() < deadline:
                assert server.poll() is None, log.read_text()
                time.sleep(0.2)
            started = log.read_text()
            assert "serving on" in started, started
            assert re.search(r"workers walled off by: .*no Python sockets", started), started
            workers = _children(server.pid)
            assert len(workers) >= 4, workers  # the zygote and three workers
            server.send_signal(sig)
            code = server.wait(timeout=30)
        finally:
            if server.poll() is None:
                server.kill()
    text = log.read_text()
    assert code == 0, text
    assert "Traceback" not in text, text
    time.sleep(1.0)  # a worker that outlived the server would now be PID 1's child
    assert [w for w in workers if _alive(w)] == [], "query workers outlived the server"
    assert os.path.exists(f"/proc/{server.pid}") is False or not _alive(server.pid)
