"""kzby-kg: a cited knowledge graph of Kazakhstan-Belarus relations inside the EAEU.

Names are imported on first use (PEP 562), so that a command pays only for what it needs:
``import kzby_kg`` does not import pyshacl, networkx or matplotlib.

>>> import kzby_kg
>>> graph = kzby_kg.load()
>>> kzby_kg.validate(graph).conforms
True
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {
    "Backend": "backends",
    "EndpointBackend": "backends",
    "OxigraphBackend": "backends",
    "RdflibBackend": "backends",
    "BuildResult": "build",
    "build": "build",
    "StoredQuery": "catalogue",
    "catalogue": "catalogue",
    "Description": "describe",
    "describe": "describe",
    "resolve": "describe",
    "AmbiguousEntityError": "errors",
    "EndpointError": "errors",
    "ExportError": "errors",
    "KzbyError": "errors",
    "LoadError": "errors",
    "QueryError": "errors",
    "UnknownEntityError": "errors",
    "UsageError": "errors",
    "export": "export",
    "serialize": "export",
    "add_file": "loading",
    "load": "loading",
    "to_networkx": "networks",
    "push": "push",
    "open_backend": "querying",
    "query": "querying",
    "sparql": "querying",
    "stored_query": "querying",
    "QueryResult": "results",
    "timeline": "timeline",
    "centrality": "traversal",
    "neighbours": "traversal",
    "shortest_paths": "traversal",
    "Report": "validation",
    "Result": "validation",
    "validate": "validation",
}

__all__ = sorted(_EXPORTS)
__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    """Import the module that holds ``name`` the first time it is asked for."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'kzby_kg' has no attribute {name!r}")
    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
