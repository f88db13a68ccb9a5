"""kzby-kg: a cited knowledge graph of Kazakhstan-Belarus relations inside the EAEU.

>>> import kzby_kg
>>> graph = kzby_kg.load()
>>> kzby_kg.validate(graph).conforms
True
"""

from .backends import Backend, EndpointBackend, OxigraphBackend, RdflibBackend
from .build import BuildResult, build
from .catalogue import StoredQuery, catalogue
from .describe import Description, describe, resolve
from .errors import (
    AmbiguousEntityError,
    EndpointError,
    ExportError,
    KzbyError,
    LoadError,
    QueryError,
    UnknownEntityError,
    UsageError,
)
from .export import export, serialize
from .loading import add_file, load
from .networks import to_networkx
from .push import push
from .querying import open_backend, query, sparql, stored_query
from .results import QueryResult
from .timeline import timeline
from .traversal import centrality, neighbours, shortest_paths
from .validation import Report, Result, validate

__all__ = [
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
    "load",
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
    "to_networkx",
    "validate",
]
__version__ = "0.1.0"
