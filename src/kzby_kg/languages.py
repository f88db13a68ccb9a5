"""The languages the project labels and speaks: one list for every view, page and command.

English first (the fallback); Belarusian where labels are known. It imports nothing, so that
the command line can offer the choices without loading rdflib.
"""

__all__ = ["LANGUAGES"]

LANGUAGES = ("en", "ru", "kk", "be")
