"""Numbered notes: each source gets one number, in order of first citation, so that the reference
list at the end reads in the order a reader meets the sources (Chicago/Vancouver style)."""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["Footnotes"]


class Footnotes:
    """The numbering of one briefing's sources.

    >>> notes = Footnotes()
    >>> notes.cite("kzd:ref-05", "kzd:article")
    [1, 2]
    >>> notes.cite("kzd:article")
    [2]
    >>> notes.marks(["kzd:ref-06", "kzd:ref-05"])
    '<sup class="fn"><a href="#ref-1">1</a>,<a href="#ref-3">3</a></sup>'
    >>> notes.order
    ['kzd:ref-05', 'kzd:article', 'kzd:ref-06']
    """

    def __init__(self) -> None:
        self._numbers: dict[str, int] = {}

    def cite(self, *sources: str) -> list[int]:
        """The numbers of ``sources`` (new ones numbered next), sorted, without repeats."""
        numbers = set()
        for source in sources:
            if not source:
                continue
            number = self._numbers.setdefault(source, len(self._numbers) + 1)
            numbers.add(number)
        return sorted(numbers)

    def marks(self, sources: Iterable[str]) -> str:
        """Superscript links to the reference list; empty when no source is given (the caller
        decides whether an uncited statement may stand)."""
        numbers = self.cite(*sources)
        if not numbers:
            return ""
        links = ",".join(f'<a href="#ref-{n}">{n}</a>' for n in numbers)
        return f'<sup class="fn">{links}</sup>'

    @property
    def order(self) -> list[str]:
        """The cited sources, by number."""
        return sorted(self._numbers, key=self._numbers.__getitem__)
