"""A small Chrome DevTools Protocol client over ``--remote-debugging-pipe``, with no dependency.

Chromium reads JSON messages, each ended by a NUL byte, on file descriptor 3 and writes its
answers and events the same way on descriptor 4. The client starts headless Chromium with two
pipes placed there, sends commands to one page (a flattened target session) and keeps every
event, so a test can count network requests, console errors and exceptions after the fact.

>>> Browser  # doctest: +ELLIPSIS
<class '...Browser'>
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import os
import queue
import subprocess
import threading
import time
from pathlib import Path
from types import TracebackType
from typing import Any

__all__ = ["Browser", "CdpError"]

#: flags that keep a headless Chromium from reaching any host on its own
QUIET_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-default-apps",
    "--hide-scrollbars",
    "--mute-audio",
)


class CdpError(RuntimeError):
    """Chromium answered a command with an error, or did not answer in time."""


def _high(fd: int) -> int:
    """A copy of ``fd`` numbered 10 or above (close-on-exec), so that placing the pipes at 3 and
    4 in the child can never overwrite one with the other."""
    high = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10)
    os.close(fd)
    return high


class Browser:
    """Headless Chromium driven through the DevTools pipe; use as a context manager."""

    def __init__(self, binary: str, profile: Path, *, timeout: float = 60.0) -> None:
        self.timeout = timeout
        profile.mkdir(parents=True, exist_ok=True)
        child_in, self._write = (_high(fd) for fd in os.pipe())
        self._read, child_out = (_high(fd) for fd in os.pipe())

        def place_pipes() -> None:  # runs in the child, before exec
            os.dup2(child_in, 3)
            os.dup2(child_out, 4)

        self._log = (profile / "chromium-stderr.log").open("wb")  # for a failure's message
        self.process = subprocess.Popen(
            [binary, *QUIET_FLAGS, "--remote-debugging-pipe", f"--user-data-dir={profile}"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=self._log,
            pass_fds=(3, 4),
            preexec_fn=place_pipes,  # the only way to number the child's descriptors
        )
        os.close(child_in)
        os.close(child_out)
        self._next_id = 0
        self._answers: dict[int, dict[str, Any]] = {}
        self._arrived: queue.Queue[None] = queue.Queue()
        self._lock = threading.Lock()
        self.events: list[dict[str, Any]] = []
        self._reader = threading.Thread(target=self._read_loop, daemon=True)
        self._reader.start()
        self.session: str | None = None

    # ------------------------------------------------------------ plumbing

    def _read_loop(self) -> None:
        buffer = b""
        while True:
            try:
                chunk = os.read(self._read, 1 << 16)
            except OSError:
                chunk = b""
            if not chunk:
                self._arrived.put(None)
                return
            buffer += chunk
            while b"\0" in buffer:
                raw, buffer = buffer.split(b"\0", 1)
                message = json.loads(raw)
                with self._lock:
                    if "id" in message:
                        self._answers[message["id"]] = message
                    else:
                        self.events.append(message)
                self._arrived.put(None)

    def send(self, method: str, params: dict[str, Any] | None = None, *, page: bool = True) -> Any:
        """Send one command (to the attached page unless ``page`` is false) and wait for its
        result.

        :raises CdpError: on an error answer, or when Chromium does not answer in time.
        """
        with self._lock:
            self._next_id += 1
            number = self._next_id
        message: dict[str, Any] = {"id": number, "method": method, "params": params or {}}
        if page and self.session:
            message["sessionId"] = self.session
        os.write(self._write, json.dumps(message).encode("utf-8") + b"\0")
        deadline = time.monotonic() + self.timeout
        while True:
            with self._lock:
                answer = self._answers.pop(number, None)
            if answer is not None:
                if "error" in answer:
                    raise CdpError(f"{method}: {answer['error']}")
                return answer.get("result", {})
            self._wait(deadline, method)

    def _wait(self, deadline: float, what: str) -> None:
        left = deadline - time.monotonic()
        if left <= 0 or self.process.poll() is not None:
            raise CdpError(f"{what}: no answer from Chromium (exit code {self.process.poll()})")
        with contextlib.suppress(queue.Empty):
            self._arrived.get(timeout=min(left, 1.0))

    def wait_for(self, method: str) -> dict[str, Any]:
        """The first event named ``method`` (waiting for it if it has not come yet)."""
        deadline = time.monotonic() + self.timeout
        while True:
            with self._lock:
                found = next((e for e in self.events if e.get("method") == method), None)
            if found is not None:
                return found
            self._wait(deadline, method)

    def named(self, method: str) -> list[dict[str, Any]]:
        """Every event named ``method`` received so far."""
        with self._lock:
            return [e for e in self.events if e.get("method") == method]

    # ------------------------------------------------------------ page

    def open_page(self, width: int = 1200, height: int = 900) -> None:
        """A new blank page, attached, with network, console and log events switched on."""
        target = self.send("Target.createTarget", {"url": "about:blank"}, page=False)
        attached = self.send(
            "Target.attachToTarget", {"targetId": target["targetId"], "flatten": True}, page=False
        )
        self.session = attached["sessionId"]
        for domain in ("Network", "Runtime", "Log", "Page"):
            self.send(f"{domain}.enable")
        self.send(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
        )

    def navigate(self, url: str) -> None:
        """Load ``url`` and wait for its load event."""
        self.send("Page.navigate", {"url": url})
        self.wait_for("Page.loadEventFired")

    def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression in the page.

        :raises CdpError: if the expression throws.
        """
        result = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        if "exceptionDetails" in result:
            raise CdpError(f"evaluate: {result['exceptionDetails']}")
        return result["result"].get("value")

    def screenshot(self, path: Path, *, height: int | None = None) -> Path:
        """A PNG of the page from its top (``height`` CSS pixels, default the viewport)."""
        params: dict[str, Any] = {"format": "png"}
        if height is not None:
            width = self.evaluate("document.documentElement.clientWidth")
            params["clip"] = {"x": 0, "y": 0, "width": width, "height": height, "scale": 1}
            params["captureBeyondViewport"] = True
        data = self.send("Page.captureScreenshot", params)["data"]
        path.write_bytes(base64.b64decode(data))
        return path

    # ------------------------------------------------------------ lifetime

    def close(self) -> None:
        try:
            if self.process.poll() is None:
                self.send("Browser.close", page=False)
                self.process.wait(timeout=10)
        except (CdpError, OSError, subprocess.TimeoutExpired):
            self.process.kill()
            self.process.wait()
        finally:
            for fd in (self._write, self._read):
                with contextlib.suppress(OSError):
                    os.close(fd)
            self._log.close()

    def __enter__(self) -> Browser:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()


def chromium() -> str:
    """Chromium's path; skipped without it, or failed where it is required (CI sets
    ``KZBY_KG_REQUIRE_BROWSER=1``)."""
    import shutil

    from .conftest import skip_unless_required

    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        skip_unless_required(
            "Chromium not installed (apt-get install chromium) for the browser tests",
            "KZBY_KG_REQUIRE_BROWSER",
        )
    assert path is not None
    return path
