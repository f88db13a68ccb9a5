"""Every way an HTTP request of ``push`` can fail is one clear line and exit code 2.

No server is needed: the failures are made here, as exceptions or by a small loopback server.
Against Virtuoso, tests/slow/test_push.py and tests/slow/test_push_faults.py check the same.
"""

from __future__ import annotations

import http.client
import io
import socket
import threading
import urllib.error
from collections.abc import Callable, Iterator
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from rdflib import Graph, Literal, URIRef

from kzby_kg.cli.main import main
from kzby_kg.errors import KzbyError
from kzby_kg.remote.push import PushError, describe_failure, push, server_message

URL = "http://127.0.0.1:8890/sparql-auth?graph=urn%3Ax"

VIRTUOSO_500 = (
    b"Virtuoso 42000 Error SR186:SECURITY: No permission to execute procedure "
    b"DB.DBA.SPARUL_DROP with user ID 107, group ID 107\n\nSPARQL query:\nDROP SILENT GRAPH <x>"
)
VIRTUOSO_403 = b"""<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN">
<html>
  <head>
    <title>SPARQL Graph Protocol request failed</title>
  </head>
  <body>
    <h1>HTTP/1.1 403 Forbidden</h1>
    <h3>Error 42000</h3>
<xmp>SQ110:SECURITY: Permission denied for delete from DB.DBA.RDF_QUAD (user ID = 107)</xmp>
</body></html>"""


def _http_error(code: int, body: bytes = b"", reason: str = "") -> urllib.error.HTTPError:
    return urllib.error.HTTPError(URL, code, reason, Message(), io.BytesIO(body))


def test_the_server_message_is_one_line_without_the_query_or_markup() -> None:
    assert server_message(VIRTUOSO_500).startswith("Virtuoso 42000 Error SR186:SECURITY")
    assert "SPARQL query" not in server_message(VIRTUOSO_500)
    assert server_message(VIRTUOSO_403) == (
        "SQ110:SECURITY: Permission denied for delete from DB.DBA.RDF_QUAD (user ID = 107)"
    )
    assert server_message(b"") == ""
    assert len(server_message(b"no " * 2000)) == 200


@pytest.mark.parametrize(
    ("exc", "user", "expected", "answered", "sent"),
    [
        (_http_error(401), "dba", "refused the user name or password for the MOVE", True, True),
        (_http_error(401), None, "wants a user name and password", True, True),
        (_http_error(403, VIRTUOSO_403), "dba", "forbids the MOVE to this user", True, True),
        (_http_error(404), "dba", "does not exist on the server (HTTP 404)", True, True),
        (_http_error(500, VIRTUOSO_500), "dba", "refused the MOVE (HTTP 500: Virtuoso", True, True),
        (_http_error(502, b"", "Bad Gateway"), "dba", "(HTTP 502: Bad Gateway)", False, True),
        (_http_error(504), "dba", "HTTP 504", False, True),
        (urllib.error.URLError(ConnectionRefusedError(111, "Connection refused")), None,
         "cannot reach http://127.0.0.1:8890/sparql-auth: connection refused", True, False),
        (urllib.error.URLError(socket.gaierror(-2, "Name or service not known")), None,
         "unknown host", True, False),
        (urllib.error.URLError(TimeoutError("timed out")), None,
         "did not answer the MOVE within 7 s", False, True),
        (TimeoutError("timed out"), None, "did not answer the MOVE within 7 s", False, True),
        (http.client.RemoteDisconnected("Remote end closed connection without response"), None,
         "closed the connection without answering the MOVE", False, True),
        (ConnectionResetError(104, "Connection reset by peer"), None,
         "was dropped during the MOVE: Connection reset by peer", False, True),
        (urllib.error.URLError(BrokenPipeError(32, "Broken pipe")), None,
         "was dropped during the MOVE: Broken pipe", False, True),
        (http.client.IncompleteRead(b"x" * 10, 20), None,
         "answer to the MOVE was cut off after 10", False, True),
        (http.client.BadStatusLine("garbage"), None,
         "sent a broken answer to the MOVE", False, True),
    ],
)  # fmt: skip
def test_each_failure_has_its_own_clear_line(
    exc: BaseException, user: str | None, expected: str, answered: bool, sent: bool
) -> None:
    error = describe_failure(exc, "the MOVE", URL, 7.0, user)
    assert isinstance(error, KzbyError)  # the CLI's exit code 2, not "internal error"
    assert expected in str(error)
    assert "\n" not in str(error) and "?graph=" not in str(error)
    assert (error.answered, error.sent) == (answered, sent)


# ------------------------------------------------------------------ a small loopback server


def _graph() -> Graph:
    graph = Graph()
    graph.add((URIRef("urn:kzby-kg:test:s"), URIRef("urn:kzby-kg:test:p"), Literal(1)))
    return graph


def _serve(answer: Callable[[BaseHTTPRequestHandler], None]) -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        def _any(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            self.rfile.read(length)  # all of it, so that a refusal is not a reset
            answer(self)

        do_GET = do_POST = do_PUT = do_HEAD = _any

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/sparql"
    server.shutdown()
    server.server_close()


def _reply(
    status: int, body: bytes = b"", **headers: str
) -> Callable[[BaseHTTPRequestHandler], None]:
    def answer(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(status)
        for name, value in headers.items():
            handler.send_header(name.replace("_", "-"), value)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        if handler.command != "HEAD":
            handler.wfile.write(body)

    return answer


@pytest.fixture
def digest_only() -> Iterator[str]:
    """A server that refuses every password."""
    yield from _serve(_reply(401, WWW_Authenticate='Digest realm="x", nonce="n1", qop="auth"'))


@pytest.fixture
def no_updates() -> Iterator[str]:
    """Virtuoso's public /sparql: an update is a 500 with SR186 and the whole query."""
    yield from _serve(_reply(500, VIRTUOSO_500, Content_Type="text/plain"))


@pytest.fixture
def hangs_up() -> Iterator[str]:
    """A server that reads the request and closes the connection without a word."""

    def answer(handler: BaseHTTPRequestHandler) -> None:
        handler.close_connection = True
        handler.connection.shutdown(socket.SHUT_RDWR)

    yield from _serve(answer)


def test_a_wrong_password_is_named_as_such(digest_only: str) -> None:
    with pytest.raises(PushError, match="refused the user name or password") as caught:
        push(_graph(), digest_only, "urn:kzby-kg:test:g", user="dba", password="wrong", timeout=5)
    assert "left as it was" in str(caught.value)


def test_an_update_url_that_takes_no_updates_says_which_option_to_give(no_updates: str) -> None:
    with pytest.raises(PushError) as caught:
        push(_graph(), no_updates, "urn:kzby-kg:test:g", timeout=5)
    message = str(caught.value)
    assert "SR186" in message and "--update-url" in message
    assert "SPARQL query" not in message and "DROP SILENT" not in message and "\n" not in message


def test_a_dropped_connection_is_named_as_such(hangs_up: str) -> None:
    with pytest.raises(PushError, match="closed the connection without answering"):
        push(_graph(), hangs_up, "urn:kzby-kg:test:g", timeout=5)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_the_cli_exits_2_with_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], digest_only: str
) -> None:
    monkeypatch.setattr("kzby_kg.rdf.load.load", lambda *args, **kw: _graph())
    dead = f"http://127.0.0.1:{_free_port()}/sparql"
    for argv, expected in [
        (["--endpoint", dead], "connection refused"),
        (["--endpoint", digest_only, "--user", "dba", "--password", "x"], "user name or password"),
        (["--endpoint", dead, "--update-url", "ftp://x/"], "--update-url: 'ftp://x/' is not"),
        (["--endpoint", dead, "--graph", "not an iri"], "is not an absolute IRI"),
    ]:
        assert main(["push", *argv, "--timeout", "5"]) == 2, argv
        err = capsys.readouterr().err
        assert err.startswith("kzby-kg: error: ") and expected in err, (argv, err)
        assert err.count("\n") == 1 and "internal error" not in err, err


def test_the_help_gives_the_real_timeout(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["push", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert "(default 120)" in help_text and "default 30" not in help_text
