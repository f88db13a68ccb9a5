"""The languages the project labels and speaks: one list for every view, page and command.

English first (the fallback); Belarusian where labels are known. It imports nothing, so that
the command line can offer the choices without loading rdflib.
"""

__all__ = ["LANGUAGES", "check_language"]

LANGUAGES = ("en", "ru", "kk", "be")


def check_language(lang: str) -> None:
    """Refuse a language none of the views speaks, naming the option (``--lang``)."""
    if lang not in LANGUAGES:
        from kzby_kg.errors import UsageError  # here, so that importing this stays free

        raise UsageError(f"--lang: {lang!r} is not one of {', '.join(LANGUAGES)}")
