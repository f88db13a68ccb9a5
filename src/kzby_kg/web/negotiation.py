"""Content negotiation: the wire format a client asked for, by ``?format=`` or ``Accept``.

The formats themselves, their media types and serialisers are the one table of
:mod:`kzby_kg.querying.formats`.
"""

from __future__ import annotations

import re

from kzby_kg.querying.formats import (
    GRAPH_FORMATS,
    SOLUTION_FORMATS,
    Format,
    serialize_result,
)
from kzby_kg.querying.results import QueryResult
from kzby_kg.web.policy import LimitError

__all__ = ["choose", "render"]


def choose(accept: str, wanted: str | None, options: dict[str, Format], default: str) -> Format:
    """The format from an explicit ``?format=`` name, else the Accept header (with q values).

    :raises LimitError: 406 when nothing acceptable is offered.
    """
    if wanted:
        if wanted in options:
            return options[wanted]
        raise LimitError(
            406, f"format {wanted!r} is not offered; choose one of {', '.join(options)}"
        )
    if not accept:
        return options[default]
    ranked = []
    for part in accept.split(","):
        media, _, params = part.strip().partition(";")
        q = 1.0
        match = re.search(r"\bq=([^;,\s]*)", params)
        if match:
            if not re.fullmatch(r"(0(\.[0-9]{0,3})?|1(\.0{0,3})?)", match.group(1)):
                raise LimitError(
                    400, f"Accept: q={match.group(1)!r} is not a weight between 0 and 1"
                )
            q = float(match.group(1))
        ranked.append((q, media.strip().lower()))
    for q, media in sorted(ranked, key=lambda r: -r[0]):
        if q <= 0:
            continue
        if media in ("*/*", "application/*", "text/*"):
            return options[default]
        for fmt in options.values():
            if media == fmt.media_type or media in fmt.aliases:
                return fmt
    raise LimitError(
        406,
        "none of the accepted types is offered; offered: "
        + ", ".join(f.media_type for f in options.values()),
    )


def render(result: QueryResult, accept: str, wanted: str | None) -> tuple[str, bytes]:
    """The media type and body for a result, as the client asked."""
    if result.graph is not None:
        fmt = choose(accept, wanted, GRAPH_FORMATS, "turtle")
    else:
        fmt = choose(accept, wanted, SOLUTION_FORMATS, "json")
    return fmt.media_type, serialize_result(result, fmt.name)
