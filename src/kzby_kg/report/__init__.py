"""The briefing: one self-contained, cited HTML page with charts (``kzby-kg report``).

Modules: ``build`` (the page, from the stored questions), ``charts`` (the figures, as inline SVG),
``footnotes`` (numbered notes), ``strings`` (headings and labels in en, ru, kk and be, from
strings.json), and ``template.html``.
"""

from __future__ import annotations

from kzby_kg.report.build import DEFAULT_OUTPUT, build_report, write_report

__all__ = ["DEFAULT_OUTPUT", "build_report", "write_report"]
