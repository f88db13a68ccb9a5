"""kzby-kg: a cited knowledge graph of Kazakhstan-Belarus relations inside the EAEU.

The public API, in one place: every name in ``__all__`` is a plain function, class or constant
of one of the layers (see the README's Architecture section). Names are bound on first use
(PEP 562) so that ``kzby-kg query`` pays only for the layers it uses; no package or module of
``kzby_kg`` shares a name with them, so an attribute can never turn into a module
(tests/unit/test_api.py checks both).

>>> import kzby_kg
>>> graph = kzby_kg.load()
>>> kzby_kg.validate(graph).conforms
True
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from kzby_kg import errors as _errors  # light: the root exception and its kinds

if TYPE_CHECKING:
    from kzby_kg.errors import (
        AmbiguousEntityError,
        EndpointError,
        ExportError,
        KzbyError,
        LoadError,
        QueryError,
        UnknownEntityError,
        UsageError,
    )
    from kzby_kg.paths import ProjectPaths, find_root
    from kzby_kg.pipeline import BuildResult, build
    from kzby_kg.querying.backend import Backend
    from kzby_kg.querying.catalogue import StoredQuery, catalogue
    from kzby_kg.querying.engines import DEFAULT_STORE, OxigraphBackend, RdflibBackend, open_backend
    from kzby_kg.querying.frames import frame, sparql_frame
    from kzby_kg.querying.questions import query, sparql, stored_query
    from kzby_kg.querying.results import QueryResult
    from kzby_kg.rdf.load import add_file, load, load_store, to_graph
    from kzby_kg.rdf.write import export, serialize
    from kzby_kg.remote.endpoint import EndpointBackend
    from kzby_kg.remote.push import push
    from kzby_kg.report.build import build_report, write_report
    from kzby_kg.validation.report import Report, Result
    from kzby_kg.validation.validator import validate_files, validate_store
    from kzby_kg.validation.validator import validate_graph as validate
    from kzby_kg.views.describe import Description, describe, resolve
    from kzby_kg.views.networks import draw_network, to_networkx
    from kzby_kg.views.timeline import timeline
    from kzby_kg.views.traversal import centrality, neighbours, shortest_paths

#: public name -> (module, name there)
_API: dict[str, tuple[str, str]] = {
    **{name: ("kzby_kg.errors", name) for name in _errors.__all__},
    "ProjectPaths": ("kzby_kg.paths", "ProjectPaths"),
    "find_root": ("kzby_kg.paths", "find_root"),
    "BuildResult": ("kzby_kg.pipeline", "BuildResult"),
    "build": ("kzby_kg.pipeline", "build"),
    "Backend": ("kzby_kg.querying.backend", "Backend"),
    "StoredQuery": ("kzby_kg.querying.catalogue", "StoredQuery"),
    "catalogue": ("kzby_kg.querying.catalogue", "catalogue"),
    "DEFAULT_STORE": ("kzby_kg.querying.engines", "DEFAULT_STORE"),
    "OxigraphBackend": ("kzby_kg.querying.engines", "OxigraphBackend"),
    "RdflibBackend": ("kzby_kg.querying.engines", "RdflibBackend"),
    "open_backend": ("kzby_kg.querying.engines", "open_backend"),
    "frame": ("kzby_kg.querying.frames", "frame"),
    "sparql_frame": ("kzby_kg.querying.frames", "sparql_frame"),
    "query": ("kzby_kg.querying.questions", "query"),
    "sparql": ("kzby_kg.querying.questions", "sparql"),
    "stored_query": ("kzby_kg.querying.questions", "stored_query"),
    "QueryResult": ("kzby_kg.querying.results", "QueryResult"),
    "add_file": ("kzby_kg.rdf.load", "add_file"),
    "load": ("kzby_kg.rdf.load", "load"),
    "load_store": ("kzby_kg.rdf.load", "load_store"),
    "to_graph": ("kzby_kg.rdf.load", "to_graph"),
    "export": ("kzby_kg.rdf.write", "export"),
    "serialize": ("kzby_kg.rdf.write", "serialize"),
    "EndpointBackend": ("kzby_kg.remote.endpoint", "EndpointBackend"),
    "push": ("kzby_kg.remote.push", "push"),
    "build_report": ("kzby_kg.report.build", "build_report"),
    "write_report": ("kzby_kg.report.build", "write_report"),
    "Report": ("kzby_kg.validation.report", "Report"),
    "Result": ("kzby_kg.validation.report", "Result"),
    "validate": ("kzby_kg.validation.validator", "validate_graph"),
    "validate_files": ("kzby_kg.validation.validator", "validate_files"),
    "validate_store": ("kzby_kg.validation.validator", "validate_store"),
    "Description": ("kzby_kg.views.describe", "Description"),
    "describe": ("kzby_kg.views.describe", "describe"),
    "resolve": ("kzby_kg.views.describe", "resolve"),
    "draw_network": ("kzby_kg.views.networks", "draw_network"),
    "to_networkx": ("kzby_kg.views.networks", "to_networkx"),
    "timeline": ("kzby_kg.views.timeline", "timeline"),
    "centrality": ("kzby_kg.views.traversal", "centrality"),
    "neighbours": ("kzby_kg.views.traversal", "neighbours"),
    "shortest_paths": ("kzby_kg.views.traversal", "shortest_paths"),
}

__all__ = [
    "DEFAULT_STORE",
    "AmbiguousEntityError",
    "Backend",
    "BuildResult",
    "Description",
    "EndpointBackend",
    "EndpointError",
    "ExportError",
    "KzbyError",
    "LoadError",
    "OxigraphBackend",
    "ProjectPaths",
    "QueryError",
    "QueryResult",
    "RdflibBackend",
    "Report",
    "Result",
    "StoredQuery",
    "UnknownEntityError",
    "UsageError",
    "add_file",
    "build",
    "build_report",
    "catalogue",
    "centrality",
    "describe",
    "draw_network",
    "export",
    "find_root",
    "frame",
    "load",
    "load_store",
    "neighbours",
    "open_backend",
    "push",
    "query",
    "resolve",
    "serialize",
    "shortest_paths",
    "sparql",
    "sparql_frame",
    "stored_query",
    "timeline",
    "to_graph",
    "to_networkx",
    "validate",
    "validate_files",
    "validate_store",
    "write_report",
]
__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    """Bind a public name on first use, from the module that defines it."""
    if name not in _API:
        raise AttributeError(f"module 'kzby_kg' has no attribute {name!r}")
    module, attribute = _API[name]
    value = getattr(import_module(module), attribute)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
