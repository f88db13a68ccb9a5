"""The second wall: a query worker that cannot reach the network or open a URL, even if the
parsed-query check (:mod:`kzby_kg.web.policy`) lets a query through by mistake.

Two layers, because the engines differ. Oxigraph runs SERVICE in Rust, below anything Python
can patch, so the worker moves into a network namespace of its own (Linux ``unshare``), where
no interface is up and every connection fails. Where the system refuses a namespace (no
privilege, no user namespaces), the Python layer still holds for rdflib, which fetches through
:mod:`socket` and :mod:`urllib`; the server says at start which walls stand.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import socket
import urllib.request
from typing import Any, NoReturn

__all__ = ["seal"]

_CLONE_NEWNET = 0x40000000
_CLONE_NEWUSER = 0x10000000


def _refuse(*_args: Any, **_kwargs: Any) -> NoReturn:
    raise PermissionError("this query worker has no network and opens no URLs")


#: found once, in the server process: find_library runs ldconfig, which a freshly forked
#: worker of a busy, threaded server should not have to do
_LIBC = ctypes.util.find_library("c") or "libc.so.6"


def _unshare_network() -> bool:
    """Leave the host's network: a namespace of our own, first as root, then as a user."""
    try:
        libc = ctypes.CDLL(_LIBC, use_errno=True)
    except OSError:
        return False
    for flags in (_CLONE_NEWNET, _CLONE_NEWUSER | _CLONE_NEWNET):
        if libc.unshare(flags) == 0:
            return True
    return False


def _block_python_network() -> None:
    """No new connection, lookup or URL from Python code (rdflib's SERVICE, FROM, file: IRIs)."""
    socket.socket.connect = _refuse  # type: ignore[method-assign]
    socket.socket.connect_ex = _refuse  # type: ignore[method-assign]
    socket.create_connection = _refuse
    socket.getaddrinfo = _refuse
    urllib.request.urlopen = _refuse
    urllib.request.OpenerDirector.open = _refuse  # type: ignore[method-assign]


def seal() -> tuple[str, ...]:
    """Cut this process off from the network and from URL opening; name the walls that stand.

    Call it in the worker process only: it changes the process for good.
    """
    walls = []
    if _unshare_network():
        walls.append("network namespace")
    _block_python_network()
    walls.append("no Python sockets or URLs")
    return tuple(walls)
