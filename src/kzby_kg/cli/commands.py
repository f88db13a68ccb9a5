"""The subcommands. Each reads its parsed options and calls one library function.

Heavy libraries are imported inside each command, so that a command pays only for what it uses
(``kzby-kg query`` does not import pyshacl, networkx or matplotlib).
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from kzby_kg.errors import QueryError, UsageError

if TYPE_CHECKING:
    import networkx as nx
    from rdflib import Graph
    from rdflib.term import Identifier

    from kzby_kg.paths import ProjectPaths
    from kzby_kg.querying.backend import Backend
    from kzby_kg.querying.results import QueryResult


def _step(text: str) -> None:
    """Say on stderr which step of a long job starts, on a terminal only: pipes, logs and tests
    stay clean."""
    if sys.stderr.isatty():
        print(f"kzby-kg: {text}…", file=sys.stderr, flush=True)


def cmd_build(args: argparse.Namespace) -> int:
    from kzby_kg import pipeline

    result = pipeline.build(args.root, Path(args.out) if args.out else None, progress=_step)
    print(result.format())
    return 0 if result.report.conforms else 1


def cmd_validate(args: argparse.Namespace) -> int:
    from kzby_kg.paths import find_root
    from kzby_kg.validation.validator import validate_files

    paths = find_root(args.root)
    from kzby_kg.rdf.load import project_files

    files = [*project_files(paths, scope=args.scope), *(Path(f) for f in args.files)]
    for path in files:
        if not path.is_file():
            raise UsageError(f"{path}: no such file")
    threshold = {} if args.threshold is None else {"threshold": args.threshold}
    report = validate_files(files, paths.shapes, validator=args.validator, **threshold)
    print(report.format(include_info=args.info, per_message=None if args.all else 10))
    return 0 if report.conforms else 1


def _export_fast(args: argparse.Namespace) -> int:
    import tempfile

    from kzby_kg.paths import find_root
    from kzby_kg.rdf.cache import cached_store
    from kzby_kg.rdf.write import dump_store

    if args.format not in ("turtle", "nt") or args.as_of or args.view != "entities":
        raise UsageError("--fast writes turtle or nt only, without --view or --as-of")
    store = cached_store(find_root(args.root))
    if args.output:
        print(f"wrote {dump_store(store, args.format, Path(args.output))}", file=sys.stderr)
        return 0
    with tempfile.TemporaryDirectory() as folder:
        written = dump_store(store, args.format, Path(folder) / "graph")
        sys.stdout.buffer.write(written.read_bytes())
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from kzby_kg.importing.importer import (
        choose_release,
        import_table,
        load_mapping,
        progress_bar,
    )
    from kzby_kg.paths import find_root

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
        release=choose_release(mapping, source, args.release),
        dry_run=args.dry_run,
        progress=progress,
    )
    if progress is not None:
        print(file=sys.stderr)
    print(summary.format())
    return 0


def _suffixes() -> dict[str, str]:
    """File extension -> the export format it means, from the one table of graph formats (and
    the network formats' own extensions)."""
    from kzby_kg.rdf.formats import GRAPH_FORMATS

    table = {f.suffix: f.name for f in GRAPH_FORMATS.values() if f.suffix}
    return {**table, ".json-ld": "jsonld", ".graphml": "graphml", ".gexf": "gexf"}


def _export_format(given: str | None, output: str | None) -> str:
    """The format to write: ``--format``, else the one the output's extension names (turtle
    on standard output). An extension and a ``--format`` that disagree are refused, so that
    ``-o x.nt`` never holds Turtle.

    :raises UsageError: naming both, or listing the extensions known.
    """
    if not output:
        return given or "turtle"
    suffixes = _suffixes()
    suffix = Path(output).suffix.lower()
    implied = suffixes.get(suffix)
    if given is None:
        if implied is None:
            known = ", ".join(f"{s} ({f})" for s, f in suffixes.items())
            what = f"the extension {suffix!r} names no format" if suffix else "no extension names"
            raise UsageError(
                f"-o {output}: {what} this command writes; use one of {known}, or give --format"
            )
        return implied
    if implied is not None and implied != given:
        raise UsageError(
            f"--format {given} contradicts -o {output}, whose extension {suffix} means {implied}"
        )
    return given


def cmd_export(args: argparse.Namespace) -> int:
    from kzby_kg.rdf.load import load
    from kzby_kg.rdf.write import export, serialize
    from kzby_kg.views.network_io import NETWORK_FORMATS, network_bytes, write_network
    from kzby_kg.views.networks import to_networkx

    args.format = _export_format(args.format, args.output)
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


def _scoped_graph(args: argparse.Namespace) -> Graph:
    """The graph a view reads: the article's by default (``--scope full`` adds the vendored and
    imported tables)."""
    from kzby_kg.paths import find_root
    from kzby_kg.rdf.load import load

    return load(find_root(args.root), scope=args.scope)


def _note_hidden(args: argparse.Namespace) -> None:
    """After a view's output, say on stderr how many facts the article scope left out."""
    from kzby_kg.paths import find_root

    if args.scope == "article":
        hidden = _imported_fact_count(find_root(args.root))
        if hidden:
            print(
                f"(scope article: {hidden:,} facts of the vendored and imported tables are not "
                "shown; --scope full shows them)",
                file=sys.stderr,
            )


def _imported_fact_count(paths: ProjectPaths) -> int:
    """Facts an import added (each carries prov:wasGeneratedBy), counted in the cached store."""
    import pyoxigraph as ox

    from kzby_kg.rdf.cache import cached_store

    rows = cached_store(paths).query(
        "SELECT (COUNT(DISTINCT ?fact) AS ?n) WHERE { "
        "?fact <http://www.w3.org/ns/prov#wasGeneratedBy> ?import }"
    )
    assert isinstance(rows, ox.QuerySolutions)
    return int(next(iter(rows))["n"].value)


def _network(args: argparse.Namespace) -> tuple[Graph, nx.MultiDiGraph]:
    from kzby_kg.views.networks import to_networkx

    graph = _scoped_graph(args)
    return graph, to_networkx(graph, args.view, args.as_of)


def _node(graph: Graph, net: nx.MultiDiGraph, name: str) -> str:
    from kzby_kg.rdf.labels import curie
    from kzby_kg.views.describe import resolve

    node = curie(graph, resolve(graph, name))
    if node not in net:
        raise UsageError(f"{name!r} ({node}) is not a node of the {net.graph['view']} view")
    return node


def cmd_path(args: argparse.Namespace) -> int:
    from kzby_kg.views.traversal import format_paths, shortest_paths

    graph, net = _network(args)
    paths = shortest_paths(net, _node(graph, net, args.a), _node(graph, net, args.b), args.limit)
    print(format_paths(net, paths, args.lang))
    _note_hidden(args)
    return 0


def cmd_neighbours(args: argparse.Namespace) -> int:
    from kzby_kg.views.traversal import neighbours

    graph, net = _network(args)
    for node, distance in neighbours(net, _node(graph, net, args.entity), args.depth).items():
        data = net.nodes[node]
        name = data.get("label_" + args.lang) or data.get("label")
        print(f"{distance}  {name} ({node})  [{data.get('kind', '')}]")
    _note_hidden(args)
    return 0


def cmd_centrality(args: argparse.Namespace) -> int:
    from kzby_kg.views.traversal import centrality

    _, net = _network(args)
    for node, score in centrality(net, args.measure, args.top):
        data = net.nodes[node]
        print(f"{score:.4f}  {data.get('label_' + args.lang) or data.get('label')} ({node})")
    _note_hidden(args)
    return 0


def cmd_timeline(args: argparse.Namespace) -> int:
    from kzby_kg.views.timeline import check_bounds, timeline

    check_bounds(args.start, args.end)  # an impossible range fails before the graph is loaded
    graph = _scoped_graph(args)
    for entry in timeline(graph, args.entity, args.start, args.end, args.lang):
        fact = entry.fact
        print(f"{fact.when}  {fact.text} ({fact.node})")
        print(f"    source: {'; '.join(fact.sources)}")
    _note_hidden(args)
    return 0


def cmd_draw(args: argparse.Namespace) -> int:
    from kzby_kg.views.network_io import drawing_format, save_figure
    from kzby_kg.views.networks import draw_network

    drawing_format(Path(args.output))  # a wrong suffix fails before the graph is loaded
    _step("loading the graph")
    graph = _scoped_graph(args)
    _step("laying out and drawing the network")
    figure = draw_network(graph, scope=args.scope, lang=args.lang, as_of=args.as_of, view=args.view)
    _step("writing the figure")
    print(f"wrote {save_figure(figure, Path(args.output))}", file=sys.stderr)
    _note_hidden(args)
    return 0


def cmd_describe(args: argparse.Namespace) -> int:
    from kzby_kg.views.describe import describe

    graph = _scoped_graph(args)
    print(describe(graph, args.entity, args.lang).format())
    _note_hidden(args)
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from kzby_kg.report import write_report

    path = write_report(args.output, args.root, lang=args.lang, scope=args.scope, progress=_step)
    print(f"wrote {path}", file=sys.stderr)
    _note_hidden(args)
    return 0


def _password(args: argparse.Namespace) -> str | None:
    """The password from --password, else $KZBY_KG_PASSWORD (kept out of the process list)."""
    return args.password or os.environ.get("KZBY_KG_PASSWORD")


def _backend(args: argparse.Namespace) -> Backend:
    from kzby_kg.querying.engines import open_backend

    backend = open_backend(
        args.store,
        endpoint=args.endpoint,
        root=args.root,
        user=args.user,
        password=_password(args),
        timeout=args.timeout,
        retries=args.retries,
        default_graph=args.default_graph,
        form=args.cache,
    )
    if args.endpoint and not args.default_graph:
        _warn_if_union_default_graph(backend)
    return backend


#: a node every copy of this graph holds: where several named graphs hold it, a server whose
#: default graph is the union of its graphs (Virtuoso's) answers each fact once per copy
_PROBE = (
    "SELECT (COUNT(DISTINCT ?g) AS ?copies) WHERE { GRAPH ?g { "
    "<https://w3id.org/kzby-kg/id/kazakhstan> a ?type } }"
)


def _warn_if_union_default_graph(backend: Backend) -> None:
    """Say so when the endpoint holds this graph more than once and no --default-graph is
    given: rows would silently multiply."""
    try:
        rows = backend.run(_PROBE).rows
        copies = int(rows[0][0]) if rows and rows[0][0] is not None else 0
    except Exception:  # the probe is advice only; the query itself reports real failures
        return
    if copies > 1:
        print(
            f"kzby-kg: warning: the endpoint holds this graph in {copies} named graphs and no "
            "--default-graph was given; where its default graph is their union (Virtuoso's "
            "is), each fact counts once per copy. Give --default-graph IRI (push writes "
            "https://w3id.org/kzby-kg/graph).",
            file=sys.stderr,
        )


def _params(pairs: list[str]) -> dict[str, str]:
    params: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise UsageError(f"--param: expected NAME=VALUE, got {pair!r}")
        params[name.strip()] = value
    return params


def _check_tag(tag: str, known: set[str]) -> None:
    """Refuse a tag no question has: an empty list would look like an answer.

    :raises UsageError: listing the known tags, the closest first when one is close.
    """
    import difflib

    if tag in known:
        return
    close = difflib.get_close_matches(tag, sorted(known), n=1, cutoff=0.5)
    hint = f"did you mean {close[0]!r}? " if close else ""
    raise UsageError(
        f"--tag: no question has the tag {tag!r}; {hint}tags: {', '.join(sorted(known))}"
    )


def cmd_queries(args: argparse.Namespace) -> int:
    from kzby_kg.querying.catalogue import catalogue

    questions = catalogue(args.root)
    if args.tag:
        _check_tag(args.tag, {tag for query in questions.values() for tag in query.tags})
    for query in questions.values():
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
    from kzby_kg.querying.render import fetch_labels, render

    labels = (
        fetch_labels(backend, result, args.lang) if args.format in ("table", "markdown") else {}
    )
    sys.stdout.write(render(result, args.format, labels=labels, lang=args.lang))


class _Stdout:
    """Standard output's bytes, remembering the last byte written (an answer ends in a newline
    on a terminal, as :func:`kzby_kg.querying.render.render` ends it)."""

    def __init__(self) -> None:
        sys.stdout.flush()
        self.out = sys.stdout.buffer
        self.last = b"\n"

    def write(self, data: bytes) -> int:
        if data:
            self.last = bytes(data[-1:])
            self.out.write(data)
        return len(data)

    def flush(self) -> None:
        self.out.flush()


def _answer(
    args: argparse.Namespace,
    backend: Backend,
    text: str,
    bindings: dict[str, Identifier] | None = None,
) -> None:
    """Print a query's answer. A SELECT in CSV, TSV or JSON streams to standard output as the
    engine produces it (flat memory for any number of rows); tables need every row first, for
    their widths and labels."""
    from kzby_kg.querying.text import query_form

    if args.format in ("csv", "tsv", "json") and query_form(text) == "SELECT":
        from kzby_kg.querying.formats import stream_query

        out = _Stdout()
        stream_query(backend, text, bindings, args.format, out)
        if out.last != b"\n":
            out.write(b"\n")
        out.flush()
        return
    _print_result(args, backend.run(text, bindings), backend)


def cmd_query(args: argparse.Namespace) -> int:
    from kzby_kg.querying.questions import entity_parameters, resolved_bindings, stored_query

    stored = stored_query(args.name, args.root)
    values = _params(args.param)
    # entity parameters take a label, a CURIE or an IRI: they are resolved against the store;
    # everything else (and every parameter's name) is refused before anything is loaded
    entities = entity_parameters(stored, values)
    text = stored.sliced(args.limit, args.offset)
    backend = _backend(args)
    _answer(args, backend, text, resolved_bindings(stored, values, backend, entities))
    return 0


def cmd_sparql(args: argparse.Namespace) -> int:
    from kzby_kg.querying.text import declare_prefixes, one_line_error, query_form

    if bool(args.query) == bool(args.file):
        raise UsageError("give the query as an argument or with -f FILE, not both or neither")
    try:
        text = args.query or Path(args.file).read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"-f: cannot read {args.file}: {exc.strerror}") from exc
    query_form(text)  # refuse updates before loading anything
    declared, added = declare_prefixes(text)
    try:
        _answer(args, _backend(args), declared)
    except QueryError as exc:
        raise QueryError(one_line_error(str(exc), text, added)) from exc
    return 0


def cmd_push(args: argparse.Namespace) -> int:
    from kzby_kg.paths import find_root
    from kzby_kg.rdf.cache import cached_store
    from kzby_kg.remote.push import SqlPort, push

    sql = SqlPort(args.sql_port, args.isql) if args.sql_port else None
    # the cached store, not an rdflib graph: the same triples, without 3 GB a million of them
    result = push(
        cached_store(find_root(args.root)),
        args.endpoint,
        args.graph,
        update_url=args.update_url,
        gsp_url=args.gsp_url,
        user=args.user,
        password=_password(args),
        timeout=args.timeout,
        sql=sql,
    )
    print(f"pushed {result.triples} triples to <{result.graph}> with the {result.method}")
    for note in result.notes:
        print(f"kzby-kg: note: {note}", file=sys.stderr)
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from kzby_kg.web.app import make_server
    from kzby_kg.web.policy import Limits

    limits = Limits(
        timeout=args.timeout,
        max_rows=args.max_rows,
        max_query_length=args.max_query_length,
        max_concurrent=args.max_concurrent,
        answer_cache_bytes=int(args.answer_cache_mb * 1024 * 1024),
    )
    if limits.answer_cache_bytes < 0:
        raise UsageError("--answer-cache-mb: must be 0 (off) or more")
    server, pool = make_server(args.host, args.port, args.store, limits, args.root, args.scope)
    host, port = server.server_address[:2]
    assert isinstance(host, str)  # an AF_INET server's address
    print(
        f"serving on http://{host}:{port}/ (SPARQL at /sparql, stored queries at /api, "
        f"health at /health); read-only; per query {limits.timeout:g} s, {limits.max_rows} rows, "
        f"{limits.max_query_length} characters; {limits.max_concurrent} queries at a time; "
        f"{limits.answer_cache_bytes // 1024 // 1024} MB of repeated answers kept; "
        f"workers walled off by: {', '.join(pool.walls)}",
        file=sys.stderr,
    )
    stopping = threading.Event()

    def stop(signum: int, _frame: object) -> None:
        # serve_forever runs on this thread: shut it down from another one
        if not stopping.is_set():
            stopping.set()
            print(f"stopping ({signal.Signals(signum).name})", file=sys.stderr)
            threading.Thread(target=server.shutdown, daemon=True).start()

    previous = {s: signal.signal(s, stop) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        server.serve_forever()
    finally:
        server.server_close()
        pool.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0
