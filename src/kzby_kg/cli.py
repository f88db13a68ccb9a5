"""The ``kzby-kg`` command. Each subcommand parses its options and calls one library function.

Library errors (:class:`kzby_kg.errors.KzbyError`) become one line on stderr and exit code 2;
validation violations exit 1. Heavy libraries are imported inside each command, so that a
command pays only for what it uses.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from .errors import KzbyError

__all__ = ["main"]

LANGUAGES = ("en", "ru", "kk", "be")


def _cmd_build(args: argparse.Namespace) -> int:
    from .build import build

    result = build(args.root, Path(args.out) if args.out else None)
    print(result.format())
    return 0 if result.report.conforms else 1


def _cmd_validate(args: argparse.Namespace) -> int:
    from .loading import add_file, load
    from .paths import find_root
    from .validation import validate

    paths = find_root(args.root)
    graph = load(paths)
    for extra in args.files:
        add_file(graph, Path(extra))
    report = validate(graph, paths.shapes)
    print(report.format(include_info=args.info))
    return 0 if report.conforms else 1


def _cmd_export(args: argparse.Namespace) -> int:
    from .export import export, serialize
    from .loading import load

    graph = load(args.root)
    if args.output:
        print(f"wrote {export(graph, args.format, Path(args.output))}", file=sys.stderr)
    else:
        sys.stdout.buffer.write(serialize(graph, args.format))
    return 0


def _cmd_describe(args: argparse.Namespace) -> int:
    from .describe import describe, resolve
    from .loading import load

    graph = load(args.root)
    print(describe(graph, resolve(graph, args.entity), args.lang).format())
    return 0


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--root", help="project folder holding ontology/ and data/ (default: this checkout)"
    )

    parser = argparse.ArgumentParser(
        prog="kzby-kg",
        description="A cited knowledge graph of Kazakhstan-Belarus relations in the EAEU.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("build", parents=[common], help="load, validate, write dist/ and summarise")
    p.add_argument("--out", help="output folder (default: dist/)")
    p.set_defaults(func=_cmd_build)

    p = sub.add_parser("validate", parents=[common], help="print the SHACL report by label")
    p.add_argument("files", nargs="*", help="extra Turtle files to validate with the graph")
    p.add_argument("--info", action="store_true", help="also list Info results")
    p.set_defaults(func=_cmd_validate)

    p = sub.add_parser("export", parents=[common], help="write the graph (deterministic, atomic)")
    p.add_argument("--format", default="turtle", choices=["turtle", "nt", "jsonld"])
    p.add_argument("-o", "--output", help="file to write (default: standard output)")
    p.set_defaults(func=_cmd_export)

    p = sub.add_parser(
        "describe", parents=[common], help="every fact about an entity, with sources"
    )
    p.add_argument("entity", help="a label in any language, a CURIE (kzd:belarus) or an IRI")
    p.add_argument("--lang", default="en", choices=LANGUAGES, help="language of labels")
    p.set_defaults(func=_cmd_describe)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code instead of raising."""
    args = _parser().parse_args(argv)
    try:
        return int(args.func(args))
    except KzbyError as exc:
        print(f"kzby-kg: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("kzby-kg: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
