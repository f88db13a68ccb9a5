"""The ``kzby-kg`` command line: the options, defined once, and the error boundary.

Library errors (:class:`kzby_kg.errors.KzbyError`) become one line on stderr and exit code 2;
validation violations exit 1; anything else is a bug, reported in one line with exit code 70.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from kzby_kg.cli import commands
from kzby_kg.errors import KzbyError
from kzby_kg.languages import LANGUAGES
from kzby_kg.querying.engines import DEFAULT_STORE, STORES

__all__ = ["main"]

RESULT_FORMATS = ("table", "csv", "tsv", "json", "markdown")


#: each subcommand's --help description: what it is for, beyond the one-line list entry
_DESCRIPTIONS = {
    "build": "Load the ontology and data, validate them with SHACL, write the exports to dist/ "
    "and print a summary. Exits 1 if the graph violates a shape.",
    "validate": "Validate the graph (and any extra Turtle files) against the SHACL shapes and "
    "print each result with labels. Exits 1 on a violation.",
    "import": "Add a CSV table to the graph through a declared mapping (mappings/), citing the "
    "data set release as the source of every fact it adds.",
    "export": "Write the graph as Turtle, N-Triples or JSON-LD (the same graph gives the same "
    "bytes), or its network view as GraphML, GEXF or node-link JSON. The format follows "
    "-o's extension unless --format names it.",
    "path": "The shortest paths between two entities in the network view, each hop with the "
    "facts (and sources) that link it.",
    "neighbours": "The entities within some hops of an entity in the network view.",
    "centrality": "The most central entities of the network view, by degree, PageRank or "
    "betweenness.",
    "timeline": "Every dated fact in time order, each with its sources; for one entity, or all.",
    "draw": "Draw the network view as a PNG or SVG figure.",
    "queries": "List the stored questions (queries/*.rq) with their parameters and defaults.",
    "query": "Run a stored question by name. Entity parameters take a label in any language, "
    "a CURIE or an IRI.",
    "sparql": "Run a read-only SPARQL query. The project's prefixes (kzby:, kzd:, ...) need no "
    "PREFIX declaration.",
    "push": "Load the graph into a named graph of a SPARQL 1.1 server, replacing it in one step.",
    "serve": "Serve a read-only SPARQL endpoint, the stored questions as an API, and pages "
    "for people, with limits on what each query may cost.",
    "describe": "Every fact about one entity, each with its sources. The entity is a label in "
    "any language, a CURIE or an IRI.",
    "report": "Write a self-contained HTML briefing (no script, nothing fetched): a timeline, "
    "trade and migration charts, the network and the findings about the sources, every "
    "statement with a numbered note to its source.",
}


class _Version(argparse.Action):
    """``--version``: read from the installed package's metadata only when asked, so that
    start-up does not pay for importlib.metadata."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: object,
        option_string: str | None = None,
    ) -> None:
        from importlib.metadata import PackageNotFoundError, version

        try:
            number = version("kzby-kg")
        except PackageNotFoundError:
            number = "unknown (not installed)"
        print(f"{parser.prog} {number}")
        parser.exit()


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--root", help="project folder holding ontology/ and data/ (default: this checkout)"
    )

    parser = argparse.ArgumentParser(
        prog="kzby-kg",
        description="A cited knowledge graph of Kazakhstan-Belarus relations in the EAEU.",
    )
    parser.add_argument(
        "--version", action=_Version, nargs=0, help="print the installed version and exit"
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("build", parents=[common], help="load, validate, write dist/ and summarise")
    p.add_argument("--out", help="output folder (default: dist/)")
    p.set_defaults(func=commands.cmd_build)

    p = sub.add_parser("validate", parents=[common], help="print the SHACL report by label")
    p.add_argument("files", nargs="*", help="extra Turtle files to validate with the graph")
    p.add_argument(
        "--scope",
        default="full",
        choices=["article", "full"],
        help="full: with the vendored and imported tables (default); article: the article's graph",
    )
    p.add_argument("--info", action="store_true", help="also list Info results")
    p.add_argument(
        "--all",
        action="store_true",
        help="list every result (default: at most 10 per message, then a count)",
    )
    p.add_argument(
        "--validator",
        default="auto",
        choices=("auto", "pyshacl", "sparql"),
        help="pyshacl (the reference), sparql (shapes compiled to SPARQL on Oxigraph, proven "
        "equal by the tests), or auto (default): sparql from --threshold triples up, and "
        "pyshacl for shapes the compiler cannot translate",
    )
    p.add_argument(
        "--threshold",
        type=int,
        default=None,
        help="triples from which auto picks the compiled validator (default 0: always, "
        "when it can translate the shapes)",
    )
    p.set_defaults(func=commands.cmd_validate)

    p = sub.add_parser(
        "import", parents=[common], help="add a table to the graph through a declared mapping"
    )
    p.add_argument(
        "mapping", help="a folder of mappings/ (cow-igo, undesa-migrant-stock, …) or a path"
    )
    p.add_argument("file", help="the CSV file to import")
    p.add_argument(
        "--release",
        help="the data set release the file is (for example 2024); the source of every fact "
        "it adds. Required unless the file is the one the mapping's table.json describes",
    )
    p.add_argument("--source-label", help="a label for this import's provenance record")
    p.add_argument("--dry-run", action="store_true", help="check and show what would be added")
    p.set_defaults(func=commands.cmd_import)

    p = sub.add_parser("export", parents=[common], help="write the graph (deterministic, atomic)")
    p.add_argument(
        "--format",
        default=None,
        choices=["turtle", "nt", "jsonld", "graphml", "gexf", "nodelink"],
        help="what to write (default: the one -o's extension names: .ttl, .nt, .jsonld, "
        ".graphml, .gexf; turtle on standard output)",
    )
    p.add_argument("-o", "--output", help="file to write (default: standard output)")
    p.add_argument(
        "--view",
        default="entities",
        choices=["entities", "full"],
        help="network view for graphml, gexf and nodelink",
    )
    p.add_argument("--as-of", help="network formats: keep what held on this date")
    p.add_argument(
        "--fast",
        action="store_true",
        help="turtle or nt written by Oxigraph from the cached store: the same triples, much "
        "faster on large graphs, but not canonical bytes (blank-node labels and order vary)",
    )
    p.set_defaults(func=commands.cmd_export)

    scoped = argparse.ArgumentParser(add_help=False)
    scoped.add_argument(
        "--scope",
        default="article",
        choices=["article", "full"],
        help="article: the article's graph (default, readable); full: with the vendored and "
        "imported tables. The command says how many facts the article scope hid",
    )

    network = argparse.ArgumentParser(add_help=False, parents=[scoped])
    network.add_argument(
        "--view",
        default="entities",
        choices=["entities", "full"],
        help="entities: facts become labelled edges between entities (default); full: every "
        "triple is an edge",
    )
    network.add_argument("--as-of", help="keep the edges valid on this date (YYYY-MM-DD)")
    network.add_argument("--lang", default="en", choices=LANGUAGES, help="language of labels")

    p = sub.add_parser(
        "path", parents=[common, network], help="shortest paths between two entities"
    )
    p.add_argument("a", help="an entity: label in any language, CURIE or IRI")
    p.add_argument("b", help="another entity")
    p.add_argument("--limit", type=int, default=5, help="how many shortest paths to show")
    p.set_defaults(func=commands.cmd_path)

    p = sub.add_parser("neighbours", parents=[common, network], help="entities near an entity")
    p.add_argument("entity", help="a label in any language, a CURIE (kzd:belarus) or an IRI")
    p.add_argument("--depth", type=int, default=1, help="hops (default 1)")
    p.set_defaults(func=commands.cmd_neighbours)

    p = sub.add_parser("centrality", parents=[common, network], help="the most central entities")
    p.add_argument(
        "--measure",
        default="degree",
        choices=["degree", "pagerank", "betweenness"],
        help="which centrality to rank by (default degree)",
    )
    p.add_argument("--top", type=int, default=10, help="how many entities to list (default 10)")
    p.set_defaults(func=commands.cmd_centrality)

    p = sub.add_parser(
        "timeline", parents=[common, scoped], help="every dated fact in order, with sources"
    )
    p.add_argument("entity", nargs="?", help="only facts naming this entity")
    p.add_argument("--from", dest="start", help="first year or date")
    p.add_argument("--to", dest="end", help="last year or date")
    p.add_argument("--lang", default="en", choices=LANGUAGES, help="language of labels")
    p.set_defaults(func=commands.cmd_timeline)

    p = sub.add_parser("draw", parents=[common, network], help="draw the network as PNG or SVG")
    p.add_argument("-o", "--output", required=True, help="network.png or network.svg")
    p.set_defaults(func=commands.cmd_draw)

    remote = argparse.ArgumentParser(add_help=False)
    remote.add_argument("--user", help="user name for the endpoint (HTTP digest or basic)")
    remote.add_argument("--password", help="password (or set KZBY_KG_PASSWORD)")
    remote.add_argument("--timeout", type=float, default=30.0, help="seconds to wait (default 30)")

    backend = argparse.ArgumentParser(add_help=False, parents=[remote])
    backend.add_argument(
        "--store",
        default=DEFAULT_STORE,
        choices=[*STORES, "memory"],
        help=f"embedded engine: {DEFAULT_STORE} (default; cached, starts fast) or rdflib "
        "(memory is an older name for rdflib)",
    )
    backend.add_argument(
        "--cache",
        default="auto",
        choices=["auto", "memory", "disk"],
        help="how the oxigraph store opens its cached graph: memory (load a snapshot; joins "
        "fastest), disk (opens at once at any size; joins slower) or auto (memory up to "
        "500,000 quads, else disk; see bench/RESULTS.md)",
    )
    backend.add_argument("--endpoint", help="run on this SPARQL 1.1 endpoint instead")
    backend.add_argument("--default-graph", help="default graph IRI on the endpoint")
    backend.add_argument("--retries", type=int, default=3, help="retries on HTTP 429/503")
    backend.add_argument(
        "--format",
        default="table",
        choices=list(RESULT_FORMATS),
        help="table (default, with labels), markdown, or csv, tsv and json (streamed)",
    )
    backend.add_argument("--lang", default="en", choices=LANGUAGES, help="language of labels")

    p = sub.add_parser("queries", parents=[common], help="list the stored questions")
    p.add_argument("--tag", help="only questions with this tag")
    p.set_defaults(func=commands.cmd_queries)

    p = sub.add_parser("query", parents=[common, backend], help="run a stored question by name")
    p.add_argument("name", help="the question's name (see `kzby-kg queries`)")
    p.add_argument(
        "--param",
        "-p",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a parameter value; repeat for several",
    )
    p.add_argument(
        "--limit",
        metavar="N",
        help="at most N rows: one page of the answer, in the question's order (default: all)",
    )
    p.add_argument(
        "--offset",
        metavar="M",
        help="skip the first M rows (default 0); --limit 100 --offset 0, 100, 200, … read the "
        "whole answer page by page",
    )
    p.set_defaults(func=commands.cmd_query)

    p = sub.add_parser("sparql", parents=[common, backend], help="run ad-hoc SPARQL (read-only)")
    p.add_argument("query", nargs="?", help="the query text")
    p.add_argument("-f", "--file", help="read the query from a .rq file")
    p.set_defaults(func=commands.cmd_sparql)

    # not the `remote` parent: its --timeout help says 30 s, and a push waits longer per request
    p = sub.add_parser("push", parents=[common], help="load the graph into a named graph")
    p.add_argument("--endpoint", required=True, help="the server's SPARQL query URL")
    p.add_argument("--graph", default="https://w3id.org/kzby-kg/graph", help="target graph IRI")
    p.add_argument("--update-url", help="SPARQL Update URL (default: the endpoint)")
    p.add_argument("--gsp-url", help="Graph Store Protocol URL; without it, SPARQL Update is used")
    p.add_argument("--user", help="user name for the update and GSP URLs (HTTP digest or basic)")
    p.add_argument("--password", help="password (or set KZBY_KG_PASSWORD)")
    p.add_argument(
        "--timeout",
        type=float,
        default=120.0,
        help="seconds to wait for each request, and for the server to finish a MOVE whose "
        "answer was lost (default 120)",
    )
    p.add_argument(
        "--sql-port",
        metavar="HOST:PORT",
        help="Virtuoso's SQL port: run the final switch (one COPY) through its isql client, "
        "which a stock server's 60 s SPARQL limit does not stop (needed above ~2M triples)",
    )
    p.add_argument("--isql", default="isql-vt", help="the isql program (default isql-vt)")
    p.set_defaults(func=commands.cmd_push)

    p = sub.add_parser(
        "serve", parents=[common], help="serve a read-only SPARQL endpoint and pages"
    )
    p.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1, this machine)"
    )
    p.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000)")
    p.add_argument(
        "--scope",
        default="full",
        choices=["article", "full"],
        help="full: the graph with the vendored and imported tables (default); article: the "
        "article's graph only",
    )
    p.add_argument(
        "--store",
        default=DEFAULT_STORE,
        choices=[*STORES, "memory"],
        help=f"engine that answers queries (default {DEFAULT_STORE})",
    )
    p.add_argument("--timeout", type=float, default=10.0, help="seconds per query (default 10)")
    p.add_argument(
        "--max-rows", type=int, default=10_000, help="rows a query may answer (default 10000)"
    )
    p.add_argument(
        "--max-query-length",
        type=int,
        default=20_000,
        help="characters a query text may have (default 20000)",
    )
    p.add_argument("--max-concurrent", type=int, default=2, help="queries run at once")
    p.add_argument(
        "--answer-cache-mb",
        type=float,
        default=64,
        help="megabytes of finished answers kept to answer a repeated request without running "
        "it again (the served graph never changes); 0 turns this off (default 64)",
    )
    p.set_defaults(func=commands.cmd_serve)

    p = sub.add_parser(
        "describe", parents=[common, scoped], help="every fact about an entity, with sources"
    )
    p.add_argument("entity", help="a label in any language, a CURIE (kzd:belarus) or an IRI")
    p.add_argument("--lang", default="en", choices=LANGUAGES, help="language of labels")
    p.set_defaults(func=commands.cmd_describe)

    p = sub.add_parser(
        "report",
        parents=[common],
        help="a self-contained, cited HTML briefing with charts (timeline, trade, migration, "
        "network, findings)",
    )
    p.add_argument("-o", "--output", help="HTML file to write (default: dist/report.html)")
    p.add_argument(
        "--lang",
        default="en",
        choices=LANGUAGES,
        help="language of headings and labels",
    )
    # its own --scope, not the shared one (set_defaults would change that parent's action for
    # every command): the full graph by default, since the migration chart sets the article's
    # figure beside the imported UN DESA series, which the article's graph alone does not hold
    p.add_argument(
        "--scope",
        default="full",
        choices=["article", "full"],
        help="full: with the vendored and imported tables (default; the UN DESA series); "
        "article: the article's graph alone",
    )
    p.set_defaults(func=commands.cmd_report)
    for action in sub._choices_actions:
        command = sub.choices[action.dest]
        command.description = command.description or _DESCRIPTIONS.get(
            action.dest, (action.help or "").capitalize()
        )
    return parser


def _closed_pipe(exc: BaseException) -> bool:
    """True when ``exc`` is, or was caused by, a write to a reader that went away
    (``kzby-kg … | head``): a library may have wrapped it in one of its own errors."""
    seen: BaseException | None = exc
    for _ in range(10):
        if seen is None:
            return False
        if isinstance(seen, BrokenPipeError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _silence_stdout() -> None:
    """Point standard output at devnull, so that the interpreter's final flush of what is still
    buffered does not fail again on the closed pipe (the Python docs' SIGPIPE note)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # no file descriptor (output captured in-process)
        pass


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code instead of raising.

    A reader that closes the pipe early ends the command quietly with exit code 0: no message,
    no traceback.
    """
    try:
        args = _parser().parse_args(argv)
        code = int(args.func(args))
        sys.stdout.flush()  # a closed pipe shows here, inside the boundary, not at exit
        return code
    except KzbyError as exc:
        if _closed_pipe(exc):
            _silence_stdout()
            return 0
        print(f"kzby-kg: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("kzby-kg: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug: one line for the user, the traceback on request
        if _closed_pipe(exc):
            _silence_stdout()
            return 0
        if os.environ.get("KZBY_KG_DEBUG") == "1":
            raise
        print(
            f"kzby-kg: internal error: {type(exc).__name__}: {exc} "
            "(set KZBY_KG_DEBUG=1 for the traceback, and please report it)",
            file=sys.stderr,
        )
        return 70


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
