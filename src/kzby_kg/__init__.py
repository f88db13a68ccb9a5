"""kzby-kg: a cited knowledge graph of Kazakhstan-Belarus relations inside the EAEU.

>>> import kzby_kg
>>> graph = kzby_kg.load()
>>> kzby_kg.validate(graph).conforms
True
"""

from .build import BuildResult, build
from .describe import Description, describe, resolve
from .errors import (
    AmbiguousEntityError,
    ExportError,
    KzbyError,
    LoadError,
    UnknownEntityError,
    UsageError,
)
from .export import export, serialize
from .loading import add_file, load
from .validation import Report, Result, validate

__all__ = [
    "AmbiguousEntityError",
    "BuildResult",
    "Description",
    "ExportError",
    "KzbyError",
    "LoadError",
    "Report",
    "Result",
    "UnknownEntityError",
    "UsageError",
    "add_file",
    "build",
    "describe",
    "export",
    "load",
    "resolve",
    "serialize",
    "validate",
]
__version__ = "0.1.0"
