"""A validation report in plain records: severity, focus node and its label, path, value,
message and shape, so that the CLI and tests can read it without SHACL vocabulary.

Both validators (pyshacl and the compiled one) produce this same report.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from rdflib.term import Node

__all__ = ["Report", "Result", "sort_results"]

_SEVERITY_ORDER = {"Violation": 0, "Warning": 1, "Info": 2}


@dataclass(frozen=True)
class Result:
    """One SHACL result, with the focus node already named for a reader."""

    severity: str
    focus: Node
    focus_label: str
    focus_curie: str
    path: str | None
    value: str | None
    message: str
    shape: str
    #: the value node itself, for callers that compare values rather than read them
    value_node: Node | None = None


@dataclass
class Report:
    """All results of one validation run."""

    results: list[Result] = field(default_factory=list)
    validator: str = "pyshacl"

    def of(self, severity: str) -> list[Result]:
        return [r for r in self.results if r.severity == severity]

    @property
    def violations(self) -> list[Result]:
        return self.of("Violation")

    @property
    def warnings(self) -> list[Result]:
        return self.of("Warning")

    @property
    def infos(self) -> list[Result]:
        return self.of("Info")

    @property
    def conforms(self) -> bool:
        """True when nothing is a Violation: warnings and infos do not fail a graph."""
        return not self.violations

    def counts(self) -> Counter[str]:
        return Counter(r.severity for r in self.results)

    def by_check(self, severity: str) -> list[tuple[str, int]]:
        """How many results of a severity each check gave (shape and path), most first: a summary
        that keeps a thousand notes on imported data from burying a handful on the article."""
        counts = Counter(f"{r.shape} [{r.path}]" if r.path else r.shape for r in self.of(severity))
        return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))

    def format(self, *, include_info: bool = False, per_message: int | None = None) -> str:
        """A readable listing: severity, focus label (CURIE), path, message.

        With ``per_message``, at most that many results of one severity and message are listed,
        then a count of the rest: an imported catalogue with 1,600 agreements that have no
        Russian label should not bury the one violation that matters.
        """
        lines = []
        shown: Counter[tuple[str, str]] = Counter()
        for r in self.results:
            if r.severity == "Info" and not include_info:
                continue
            kind = (r.severity, r.message)
            shown[kind] += 1
            if per_message is not None and shown[kind] > per_message:
                continue
            path = f" [{r.path}]" if r.path else ""
            lines.append(f"{r.severity:<9} {r.focus_label} ({r.focus_curie}){path}: {r.message}")
        if per_message is not None:
            for (severity, message), n in sorted(shown.items()):
                if n > per_message:
                    lines.append(f"{severity:<9} … {n - per_message:,} more: {message}")
        counts = self.counts()
        lines.append(
            f"{counts['Violation']} violations, {counts['Warning']} warnings, "
            f"{counts['Info']} infos (validator: {self.validator})"
        )
        return "\n".join(lines)


def sort_results(results: list[Result]) -> list[Result]:
    """Violations first, then by focus label, path and message: the order readers scan in."""
    return sorted(
        results,
        key=lambda r: (_SEVERITY_ORDER.get(r.severity, 3), r.focus_label, r.path or "", r.message),
    )
