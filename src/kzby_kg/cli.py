"""The ``kzby-kg`` command. Each subcommand parses its options and calls one library function.

Library errors (:class:`kzby_kg.errors.KzbyError`) become one line on stderr and exit code 2;
validation violations exit 1. Heavy libraries are imported inside each command, so that a
command pays only for what it uses.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import KzbyError, UsageError

if TYPE_CHECKING:
    import networkx as nx
    from rdflib import Graph

    from .backends import Backend
    from .results import QueryResult

__all__ = ["main"]

LANGUAGES = ("en", "ru", "kk", "be")
RESULT_FORMATS = ("table", "csv", "tsv", "json", "markdown")


def _cmd_build(args: argparse.Namespace) -> int:
    from .build import build

    result = build(args.root, Path(args.out) if args.out else None)
    print(result.format())
    return 0 if result.report.conforms else 1


def _cmd_validate(args: argparse.Namespace) -> int:
    from .paths import find_root
    from .validation import validate_files

    paths = find_root(args.root)
    files = [paths.ontology, *paths.data_files(), *(Path(f) for f in args.files)]
    for path in files:
        if not path.is_file():
            raise UsageError(f"{path}: no such file")
    report = validate_files(files, paths.shapes, validator=args.validator, threshold=args.threshold)
    print(report.format(include_info=args.info, per_message=None if args.all else 10))
    return 0 if report.conforms else 1


def _export_fast(args: argparse.Namespace) -> int:
    import tempfile

    from .cache import oxigraph_store
    from .export import dump_store
    from .paths import find_root

    if args.format not in ("turtle", "nt") or args.as_of or args.view != "entities":
        raise UsageError("--fast writes turtle or nt only, without --view or --as-of")
    store = oxigraph_store(find_root(args.root))
    if args.output:
        print(f"wrote {dump_store(store, args.format, Path(args.output))}", file=sys.stderr)
        return 0
    with tempfile.TemporaryDirectory() as folder:
        written = dump_store(store, args.format, Path(folder) / "graph")
        sys.stdout.buffer.write(written.read_bytes())
    return 0


def _cmd_import(args: argparse.Namespace) -> int:
    from .importing import import_table, load_mapping, progress_bar
    from .paths import find_root

    paths = find_root(args.root)
    mapping = load_mapping(args.mapping, paths)
    source = Path(args.file)
    size = source.stat().st_size if source.is_file() else 0
    progress = progress_bar(size) if size > 50_000_000 and sys.stderr.isatty() else None
    summary = import_table(
        mapping,
        source,
        paths,
        source_label=args.source_label,
        dry_run=args.dry_run,
        progress=progress,
    )
    if progress is not None:
        print(file=sys.stderr)
    print(summary.format())
    return 0


def _cmd_export(args: argparse.Namespace) -> int:
    from .export import export, serialize
    from .loading import load
    from .network_io import NETWORK_FORMATS, network_bytes, write_network
    from .networks import to_networkx

    if args.fast:
        return _export_fast(args)
    graph = load(args.root)
    if args.format in NETWORK_FORMATS:
        net = to_networkx(graph, args.view, args.as_of)
        if args.output:
            print(f"wrote {write_network(net, args.format, Path(args.output))}", file=sys.stderr)
        else:
            sys.stdout.buffer.write(network_bytes(net, args.format))
        return 0
    if args.as_of or args.view != "entities":
        raise UsageError("--view and --as-of apply to graphml, gexf and nodelink only")
    if args.output:
        print(f"wrote {export(graph, args.format, Path(args.output))}", file=sys.stderr)
    else:
        sys.stdout.buffer.write(serialize(graph, args.format))
    return 0


def _network(args: argparse.Namespace) -> tuple[Graph, nx.MultiDiGraph]:
    from .loading import load
    from .networks import to_networkx

    graph = load(args.root)
    return graph, to_networkx(graph, args.view, args.as_of)


def _node(graph: Graph, net: nx.MultiDiGraph, name: str) -> str:
    from .describe import resolve
    from .labels import curie

    node = curie(graph, resolve(graph, name))
    if node not in net:
        raise UsageError(f"{name!r} ({node}) is not a node of the {net.graph['view']} view")
    return node


def _cmd_path(args: argparse.Namespace) -> int:
    from .traversal import format_paths, shortest_paths

    graph, net = _network(args)
    paths = shortest_paths(net, _node(graph, net, args.a), _node(graph, net, args.b), args.limit)
    print(format_paths(net, paths, args.lang))
    return 0


def _cmd_neighbours(args: argparse.Namespace) -> int:
    from .traversal import neighbours

    graph, net = _network(args)
    for node, distance in neighbours(net, _node(graph, net, args.entity), args.depth).items():
        data = net.nodes[node]
        name = data.get("label_" + args.lang) or data.get("label")
        print(f"{distance}  {name} ({node})  [{data.get('kind', '')}]")
    return 0


def _cmd_centrality(args: argparse.Namespace) -> int:
    from .traversal import centrality

    _, net = _network(args)
    for node, score in centrality(net, args.measure, args.top):
        data = net.nodes[node]
        print(f"{score:.4f}  {data.get('label_' + args.lang) or data.get('label')} ({node})")
    return 0


def _cmd_timeline(args: argparse.Namespace) -> int:
    from .describe import resolve
    from .loading import load
    from .timeline import timeline

    graph = load(args.root)
    entity = resolve(graph, args.entity) if args.entity else None
    for entry in timeline(graph, entity, args.start, args.end, args.lang):
        fact = entry.fact
        print(f"{fact.when}  {fact.text} ({fact.node})")
        print(f"    source: {'; '.join(fact.sources)}")
    return 0


def _cmd_draw(args: argparse.Namespace) -> int:
    from .network_io import draw

    _, net = _network(args)
    print(f"wrote {draw(net, Path(args.output), lang=args.lang)}", file=sys.stderr)
    return 0


def _cmd_describe(args: argparse.Namespace) -> int:
    from .describe import describe, resolve
    from .loading import load

    graph = load(args.root)
    print(describe(graph, resolve(graph, args.entity), args.lang).format())
    return 0


def _backend(args: argparse.Namespace) -> Backend:
    from .querying import open_backend

    return open_backend(
        args.store,
        endpoint=args.endpoint,
        root=args.root,
        user=args.user,
        password=args.password or os.environ.get("KZBY_KG_PASSWORD"),
        timeout=args.timeout,
        retries=args.retries,
        default_graph=args.default_graph,
    )


def _params(pairs: list[str]) -> dict[str, str]:
    params: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise UsageError(f"--param: expected NAME=VALUE, got {pair!r}")
        params[name.strip()] = value
    return params


def _cmd_queries(args: argparse.Namespace) -> int:
    from .catalogue import catalogue

    for query in catalogue(args.root).values():
        if args.tag and args.tag not in query.tags:
            continue
        params = ", ".join(
            p.describe() + (f" = {query.defaults[p.name]}" if p.name in query.defaults else "")
            for p in query.parameters
        )
        print(f"{query.name}\n    {query.summary}")
        if params:
            print(f"    parameters: {params}")
    return 0


def _print_result(args: argparse.Namespace, result: QueryResult, backend: Backend) -> None:
    """Print a result; tables and markdown get labels, asked of the same backend."""
    from .formatting import fetch_labels, render

    labels = (
        fetch_labels(backend, result, args.lang) if args.format in ("table", "markdown") else {}
    )
    sys.stdout.write(render(result, args.format, labels=labels, lang=args.lang))


def _cmd_query(args: argparse.Namespace) -> int:
    from .querying import run_stored, stored_query

    stored = stored_query(args.name, args.root)
    values = _params(args.param)
    stored.bindings(values)  # refuse bad parameters before loading anything
    backend = _backend(args)
    _print_result(args, run_stored(stored, backend, values), backend)
    return 0


def _cmd_sparql(args: argparse.Namespace) -> int:
    from .backends import query_form

    if bool(args.query) == bool(args.file):
        raise UsageError("give the query as an argument or with -f FILE, not both or neither")
    try:
        text = args.query or Path(args.file).read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"-f: cannot read {args.file}: {exc.strerror}") from exc
    query_form(text)  # refuse updates before loading anything
    backend = _backend(args)
    _print_result(args, backend.run(text), backend)
    return 0


def _cmd_push(args: argparse.Namespace) -> int:
    from .loading import load
    from .push import push

    graph = load(args.root)
    result = push(
        graph,
        args.endpoint,
        args.graph,
        update_url=args.update_url,
        gsp_url=args.gsp_url,
        user=args.user,
        password=args.password or os.environ.get("KZBY_KG_PASSWORD"),
        timeout=args.timeout,
    )
    print(f"pushed {result.triples} triples to <{result.graph}> with the {result.method}")
    return 0


def _cmd_serve(args: argparse.Namespace) -> int:
    from .serving import Limits, make_server

    limits = Limits(
        timeout=args.timeout,
        max_rows=args.max_rows,
        max_query_length=args.max_query_length,
        max_concurrent=args.max_concurrent,
    )
    server, pool = make_server(args.host, args.port, args.store, limits, args.root)
    host, port = server.server_address[:2]
    print(
        f"serving on http://{host}:{port}/ (SPARQL at /sparql, stored queries at /api); "
        f"read-only, {limits.timeout:g} s and {limits.max_rows} rows per query",
        file=sys.stderr,
    )
    try:
        server.serve_forever()
    finally:
        server.server_close()
        pool.close()
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
    p.add_argument(
        "--all",
        action="store_true",
        help="list every result (default: at most 10 per message, then a count)",
    )
    p.add_argument(
        "--validator",
        default="auto",
        choices=("auto", "pyshacl", "sparql"),
        help="pyshacl (the reference), sparql (shapes compiled to SPARQL on Oxigraph), or auto: "
        "sparql from --threshold triples up (default)",
    )
    p.add_argument(
        "--threshold",
        type=int,
        default=20_000,
        help="triples from which auto picks the compiled validator (default 20000)",
    )
    p.set_defaults(func=_cmd_validate)

    p = sub.add_parser(
        "import", parents=[common], help="add a table to the graph through a declared mapping"
    )
    p.add_argument(
        "mapping", help="a folder of mappings/ (cow-igo, undesa-migrant-stock, …) or a path"
    )
    p.add_argument("file", help="the CSV file to import")
    p.add_argument("--source-label", help="a label for this import's provenance record")
    p.add_argument("--dry-run", action="store_true", help="check and show what would be added")
    p.set_defaults(func=_cmd_import)

    p = sub.add_parser("export", parents=[common], help="write the graph (deterministic, atomic)")
    p.add_argument(
        "--format",
        default="turtle",
        choices=["turtle", "nt", "jsonld", "graphml", "gexf", "nodelink"],
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
    p.set_defaults(func=_cmd_export)

    network = argparse.ArgumentParser(add_help=False)
    network.add_argument("--view", default="entities", choices=["entities", "full"])
    network.add_argument("--as-of", help="keep the edges valid on this date (YYYY-MM-DD)")
    network.add_argument("--lang", default="en", choices=LANGUAGES, help="language of labels")

    p = sub.add_parser(
        "path", parents=[common, network], help="shortest paths between two entities"
    )
    p.add_argument("a", help="an entity: label in any language, CURIE or IRI")
    p.add_argument("b", help="another entity")
    p.add_argument("--limit", type=int, default=5, help="how many shortest paths to show")
    p.set_defaults(func=_cmd_path)

    p = sub.add_parser("neighbours", parents=[common, network], help="entities near an entity")
    p.add_argument("entity")
    p.add_argument("--depth", type=int, default=1, help="hops (default 1)")
    p.set_defaults(func=_cmd_neighbours)

    p = sub.add_parser("centrality", parents=[common, network], help="the most central entities")
    p.add_argument("--measure", default="degree", choices=["degree", "pagerank", "betweenness"])
    p.add_argument("--top", type=int, default=10)
    p.set_defaults(func=_cmd_centrality)

    p = sub.add_parser("timeline", parents=[common], help="every dated fact in order, with sources")
    p.add_argument("entity", nargs="?", help="only facts naming this entity")
    p.add_argument("--from", dest="start", help="first year or date")
    p.add_argument("--to", dest="end", help="last year or date")
    p.add_argument("--lang", default="en", choices=LANGUAGES, help="language of labels")
    p.set_defaults(func=_cmd_timeline)

    p = sub.add_parser("draw", parents=[common, network], help="draw the network as PNG or SVG")
    p.add_argument("-o", "--output", required=True, help="network.png or network.svg")
    p.set_defaults(func=_cmd_draw)

    remote = argparse.ArgumentParser(add_help=False)
    remote.add_argument("--user", help="user name for the endpoint (HTTP digest or basic)")
    remote.add_argument("--password", help="password (or set KZBY_KG_PASSWORD)")
    remote.add_argument("--timeout", type=float, default=30.0, help="seconds to wait (default 30)")

    backend = argparse.ArgumentParser(add_help=False, parents=[remote])
    backend.add_argument(
        "--store",
        default="oxigraph",
        choices=["memory", "oxigraph"],
        help="embedded store: oxigraph (default; cached, starts fast) or memory (rdflib)",
    )
    backend.add_argument("--endpoint", help="run on this SPARQL 1.1 endpoint instead")
    backend.add_argument("--default-graph", help="default graph IRI on the endpoint")
    backend.add_argument("--retries", type=int, default=3, help="retries on HTTP 429/503")
    backend.add_argument("--format", default="table", choices=list(RESULT_FORMATS))
    backend.add_argument("--lang", default="en", choices=LANGUAGES, help="language of labels")

    p = sub.add_parser("queries", parents=[common], help="list the stored questions")
    p.add_argument("--tag", help="only questions with this tag")
    p.set_defaults(func=_cmd_queries)

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
    p.set_defaults(func=_cmd_query)

    p = sub.add_parser("sparql", parents=[common, backend], help="run ad-hoc SPARQL (read-only)")
    p.add_argument("query", nargs="?", help="the query text")
    p.add_argument("-f", "--file", help="read the query from a .rq file")
    p.set_defaults(func=_cmd_sparql)

    p = sub.add_parser("push", parents=[common, remote], help="load the graph into a named graph")
    p.add_argument("--endpoint", required=True, help="the server's SPARQL query URL")
    p.add_argument("--graph", default="https://w3id.org/kzby-kg/graph", help="target graph IRI")
    p.add_argument("--update-url", help="SPARQL Update URL (default: the endpoint)")
    p.add_argument("--gsp-url", help="Graph Store Protocol URL; without it, SPARQL Update is used")
    p.set_defaults(func=_cmd_push, timeout=120.0)

    p = sub.add_parser(
        "serve", parents=[common], help="serve a read-only SPARQL endpoint and pages"
    )
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--store", default="memory", choices=["memory", "oxigraph"])
    p.add_argument("--timeout", type=float, default=10.0, help="seconds per query (default 10)")
    p.add_argument("--max-rows", type=int, default=10_000)
    p.add_argument("--max-query-length", type=int, default=20_000)
    p.add_argument("--max-concurrent", type=int, default=2, help="queries run at once")
    p.set_defaults(func=_cmd_serve)

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
    except Exception as exc:  # a bug: one line for the user, the traceback on request
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
