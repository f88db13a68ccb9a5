"""Read a CSV file as a W3C CSVW table description says, one row at a time, or say why not.

The mapping's ``table.json`` is CSVW metadata (https://www.w3.org/TR/tabular-metadata/): a
dialect (delimiter, encoding, header) and a table schema (column names, titles, datatypes with
minimum and maximum, required, null). This module implements the part of CSVW the mappings
use, and checks what the generic CSV readers let through: a header that lacks a column, a
row with fewer or more cells than the header (a truncated file), bytes that are not in the
declared encoding, NUL bytes, and values outside their datatype (2015-02-30 is no date).

Rows are read lazily: a 2 GB file is never held in memory.
"""

from __future__ import annotations

import codecs
import csv
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from rdflib import Literal

from kzby_kg.errors import KzbyError
from kzby_kg.rdf.literals import parse_literal

__all__ = ["Column", "Table", "TableError", "read_rows"]

#: The first rows' errors are listed; more than this and the listing stops.
MAX_ERRORS = 20


class TableError(KzbyError):
    """The file does not match its table description. ``problems`` lists row-level errors."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        self.problems = problems or []
        listing = "".join(f"\n  {p}" for p in self.problems)
        super().__init__(message + listing)


#: CSVW datatype names this reader accepts; each is read by :mod:`kzby_kg.rdf.literals`.
DATATYPES = ("string", "integer", "decimal", "number", "date", "gYear")


@dataclass(frozen=True)
class Column:
    """One column of a CSVW table schema."""

    name: str
    title: str
    datatype: str = "string"
    required: bool = False
    null: tuple[str, ...] = ("",)
    minimum: Decimal | None = None
    maximum: Decimal | None = None

    def read(self, text: str) -> Literal | None:
        """The cell as an RDF literal, None for a null cell; ValueError says why it is wrong.

        Cells repeat (years, names, codes), and an RDF literal costs microseconds to make and
        check, so each column remembers its last few thousand distinct cells."""
        return _read_cell(self, text)

    def _read(self, text: str) -> Literal | None:
        if text in self.null:
            if self.required:
                raise ValueError("required, but empty")
            return None
        value = parse_literal(self.datatype, text)
        if self.minimum is not None or self.maximum is not None:
            number = Decimal(str(value))
            if self.minimum is not None and number < self.minimum:
                raise ValueError(f"below the minimum {self.minimum}")
            if self.maximum is not None and number > self.maximum:
                raise ValueError(f"above the maximum {self.maximum}")
        return value


@dataclass(frozen=True)
class Table:
    """A CSVW table description: dialect and columns."""

    path: Path
    columns: tuple[Column, ...]
    delimiter: str = ","
    encoding: str = "utf-8"
    #: the file name the description was written for (CSVW ``url``)
    url: str = ""
    properties: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)

    @classmethod
    def from_file(cls, path: Path) -> Table:
        """Parse ``table.json``; a description this module can't honour is refused, not bent."""
        try:
            meta = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise TableError(f"{path}: cannot read the table description: {exc}") from exc
        dialect = meta.get("dialect", {})
        if dialect.get("header", True) is not True:
            raise TableError(f"{path}: only tables with a header row are supported")
        columns = []
        for spec in meta.get("tableSchema", {}).get("columns", []):
            datatype = spec.get("datatype", "string")
            limits: dict[str, Any] = {}
            if isinstance(datatype, dict):
                limits = datatype
                datatype = datatype.get("base", "string")
            if datatype not in DATATYPES:
                raise TableError(
                    f"{path}: column {spec.get('name')!r}: datatype {datatype!r} is not supported"
                )
            null = spec.get("null", "")
            columns.append(
                Column(
                    name=spec["name"],
                    title=spec.get("titles", spec["name"]),
                    datatype=datatype,
                    required=bool(spec.get("required", False)),
                    null=tuple(null) if isinstance(null, list) else (null,),
                    minimum=Decimal(str(limits["minimum"])) if "minimum" in limits else None,
                    maximum=Decimal(str(limits["maximum"])) if "maximum" in limits else None,
                )
            )
        if not columns:
            raise TableError(f"{path}: the table schema lists no columns")
        codecs.lookup(dialect.get("encoding", "utf-8"))  # an unknown encoding fails here
        return cls(
            Path(path),
            tuple(columns),
            delimiter=dialect.get("delimiter", ","),
            encoding=dialect.get("encoding", "utf-8"),
            url=str(meta.get("url", "")),
            properties={k: v for k, v in meta.items() if ":" in k},
        )


def _check_header(table: Table, header: list[str], source: Path) -> list[int]:
    """The position of each column in the file, or a TableError that says what is off."""
    if len(header) == 1 and len(table.columns) > 1:
        guess = next(
            (d for d in (";", "\t", "|", ",") if d in header[0] and d != table.delimiter), None
        )
        hint = f" The file looks {guess!r}-separated." if guess else ""
        raise TableError(
            f"{source}: line 1: the header has one column, {header[0][:80]!r}; the mapping expects "
            f"{len(table.columns)} columns separated by {table.delimiter!r}.{hint}"
        )
    positions = []
    missing = []
    for column in table.columns:
        if column.title in header:
            positions.append(header.index(column.title))
        else:
            missing.append(column.title)
    if missing:
        raise TableError(
            f"{source}: line 1: missing column{'s' * (len(missing) > 1)} "
            f"{', '.join(repr(m) for m in missing)} (the header has {', '.join(header)})"
        )
    return positions


#: A longer line is no row of a table: reading stops there rather than fill memory.
MAX_LINE_BYTES = 1 << 20


def _lines(handle: Any, source: Path, encoding: str) -> Iterator[str]:
    """Decoded lines, read one at a time; bad bytes, NUL bytes and endless lines name their line."""
    decoder = codecs.getincrementaldecoder(encoding)()
    number = 0
    while raw := handle.readline(MAX_LINE_BYTES + 1):
        number += 1
        if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
            raise TableError(
                f"{source}: line {number} is longer than {MAX_LINE_BYTES:,} bytes; "
                "this is not a CSV file of this table"
            )
        if b"\0" in raw:
            raise TableError(f"{source}: line {number}: NUL bytes; this is not a text CSV file")
        try:
            yield decoder.decode(raw)
        except UnicodeDecodeError as exc:
            raise TableError(
                f"{source}: line {number}: byte {raw[exc.start : exc.start + 1]!r} is not valid "
                f"{encoding}; the mapping expects {encoding}. Convert the file (for example with "
                f"iconv) or fix the mapping's dialect."
            ) from None


def read_rows(
    table: Table, source: Path, progress: Callable[[int], None] | None = None
) -> Iterator[tuple[int, dict[str, Literal | None]]]:
    """(line number, {column name: literal}) for each data row, read lazily.

    Every row is checked; errors are collected (up to :data:`MAX_ERRORS`) and raised together
    as a :class:`TableError` after the last row, so one run shows what to fix.

    :raises TableError: for an empty file, a bad header, bad bytes, or bad rows.
    """
    source = Path(source)
    try:
        handle = source.open("rb")
    except OSError as exc:
        raise TableError(f"{source}: cannot open: {exc.strerror or exc}") from exc
    with handle:
        reader = csv.reader(_lines(handle, source, table.encoding), delimiter=table.delimiter)
        try:
            header = next(reader)
        except StopIteration:
            raise TableError(f"{source}: the file is empty; expected a header and rows") from None
        header = [h.strip().lstrip("\ufeff") for h in header]
        positions = _check_header(table, header, source)
        problems: list[str] = []
        rows = 0
        for cells in reader:
            line = reader.line_num
            if progress is not None and line % 10_000 == 0:
                progress(handle.tell())
            if not cells:
                continue
            rows += 1
            if len(cells) != len(header):
                end = " (the last line: the file looks truncated)" if _at_end(handle) else ""
                cells_text = f"{len(cells)} cells, the header has {len(header)}"
                problems.append(f"{source}: line {line}: {cells_text}{end}")
            else:
                row: dict[str, Literal | None] = {}
                for column, position in zip(table.columns, positions, strict=True):
                    text = cells[position].strip()
                    try:
                        row[column.name] = column.read(text)
                    except ValueError as exc:
                        problems.append(
                            f"{source}: line {line}, column {column.title!r}, value {text!r}: {exc}"
                        )
                if len(problems) == 0:
                    yield line, row
            if len(problems) >= MAX_ERRORS:
                break
        if progress is not None:
            progress(handle.tell())
        if problems:
            more = " (listing stops here)" if len(problems) >= MAX_ERRORS else ""
            raise TableError(
                f"{source}: {len(problems)} bad rows{more}; nothing was imported:", problems
            )
        if rows == 0:
            raise TableError(f"{source}: the file has a header but no rows")


@lru_cache(maxsize=8192)
def _read_cell(column: Column, text: str) -> Literal | None:
    return column._read(text)


def _at_end(handle: Any) -> bool:
    position = handle.tell()
    at_end = handle.read(1) == b""
    handle.seek(position)
    return at_end
