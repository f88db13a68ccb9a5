"""kzby-kg: a cited knowledge graph of Kazakhstan-Belarus relations inside the EAEU.

The public API, in one place. Every name here is a plain function or class, imported eagerly;
the modules behind them import their heavy libraries (pyshacl, networkx, matplotlib,
SPARQLWrapper) only when called, so ``import kzby_kg`` stays cheap.

>>> import kzby_kg
>>> graph = kzby_kg.load()
>>> kzby_kg.validate(graph).conforms
True
"""

from __future__ import annotations

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
from kzby_kg.querying.engines import (
    DEFAULT_STORE,
    OxigraphBackend,
    RdflibBackend,
    open_backend,
)
from kzby_kg.querying.questions import query, sparql, stored_query
from kzby_kg.querying.results import QueryResult
from kzby_kg.rdf.load import add_file, load, load_store, to_graph
from kzby_kg.rdf.write import export, serialize
from kzby_kg.remote.endpoint import EndpointBackend
from kzby_kg.remote.push import push
from kzby_kg.validation.report import Report, Result
from kzby_kg.validation.validator import validate_files, validate_store
from kzby_kg.validation.validator import validate_graph as validate
from kzby_kg.views.describe import Description, describe, resolve
from kzby_kg.views.networks import to_networkx
from kzby_kg.views.timeline import timeline
from kzby_kg.views.traversal import centrality, neighbours, shortest_paths

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
    "catalogue",
    "centrality",
    "describe",
    "export",
    "find_root",
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
    "stored_query",
    "timeline",
    "to_graph",
    "to_networkx",
    "validate",
    "validate_files",
    "validate_store",
]
__version__ = "0.1.0"
