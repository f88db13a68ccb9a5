"""The ``kzby-kg`` command line (see :mod:`kzby_kg.cli.main`)."""

from kzby_kg.cli.main import main

__all__ = ["main"]
