"""Measure kzby-kg from 10k to 1M triples, per backend, and write results.json, RESULTS.md and
scaling.png. Medians over several runs; every figure is measured here, nothing is assumed.

    python bench/run.py                      # 10k, 100k and 1M triples (long)
    python bench/run.py --quick              # 10k only, one run (what CI checks)

Backends: embedded rdflib, the project's Oxigraph backend (results as rdflib terms), raw
pyoxigraph (the limit: the same queries, solutions iterated without conversion), and Virtuoso
when KZBY_KG_VIRTUOSO_URL is set. pyshacl validation runs up to --max-shacl triples.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
from budget import project_copy, time_questions  # noqa: E402
from generate import generate  # noqa: E402

from kzby_kg.paths import find_root  # noqa: E402
from kzby_kg.querying.catalogue import catalogue  # noqa: E402
from kzby_kg.querying.engines import OxigraphBackend, RdflibBackend  # noqa: E402
from kzby_kg.querying.parameters import inline_bindings  # noqa: E402
from kzby_kg.querying.questions import run_stored  # noqa: E402
from kzby_kg.rdf.load import (  # noqa: E402
    add_file,
    load,
    load_into,
)
from kzby_kg.rdf.write import dump_store  # noqa: E402
from kzby_kg.validation.compiled import validate_compiled  # noqa: E402
from kzby_kg.validation.shacl import load_shapes  # noqa: E402


def median_time(action: Callable[[], Any], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def paired_times(
    actions: dict[str, Callable[[], Any]], runs: int, min_sample: float = 0.05
) -> dict[str, float]:
    """Median seconds per call of each action, measured in turns so that both sides of a
    comparison see the same machine (a busy neighbour, a warm cache) at the same moment.

    A sub-millisecond query timed once is mostly noise, so each sample repeats the call until
    it takes ``min_sample`` seconds (as :mod:`timeit` does), the same count for every action,
    and takes at least nine samples.
    """
    first = next(iter(actions.values()))
    first()  # warm up: the first call parses and plans
    count = 1
    while count < 10_000:
        start = time.perf_counter()
        for _ in range(count):
            first()
        if time.perf_counter() - start >= min_sample:
            break
        count *= 2
    samples: dict[str, list[float]] = {name: [] for name in actions}
    if count > 1:  # short calls: samples are cheap and noise is large, so take more
        runs = max(runs, 9)
    for _ in range(runs):
        for name, action in actions.items():
            start = time.perf_counter()
            for _ in range(count):
                action()
            samples[name].append((time.perf_counter() - start) / count)
    return {name: statistics.median(times) for name, times in samples.items()}


def files_for(data_file: Path) -> list[Path]:
    paths = find_root(ROOT)
    return [paths.ontology, *paths.article_files(), data_file]


def bench_size(
    size: int, runs: int, max_shacl: int, max_rdflib_queries: int, max_virtuoso: int, out: Path
) -> dict[str, Any]:
    import pyoxigraph as ox

    data_file = out / "data" / f"{size}.ttl"
    data_file.parent.mkdir(parents=True, exist_ok=True)
    data_file.write_text(generate(size), encoding="utf-8")
    files = files_for(data_file)
    queries = catalogue(ROOT)
    result: dict[str, Any] = {"size_requested": size, "backends": {}}

    # -- rdflib (one run above 200k triples: a load alone takes minutes there)
    rd_runs = runs if size <= 200_000 else 1

    def rdflib_load() -> Any:
        # the article and the generated graph, as files_for gives Oxigraph: pyshacl over the
        # vendored tables as well takes many minutes
        graph = load(ROOT, scope="article")
        add_file(graph, data_file)
        return graph

    graph = rdflib_load()
    result["triples"] = len(graph)
    rd: dict[str, Any] = {"load": median_time(rdflib_load, rd_runs)}
    backend = RdflibBackend(graph)
    if len(graph) <= max_rdflib_queries:
        rd["queries"] = {
            n: median_time(lambda q=q: backend.run(q.text, q.bindings({})), rd_runs)
            for n, q in queries.items()
        }
    rd["export_turtle"] = median_time(lambda: graph.serialize(format="turtle"), rd_runs)
    from kzby_kg.views.networks import to_networkx

    rd["networkx"] = median_time(lambda: to_networkx(graph), rd_runs)
    shapes = load_shapes()
    store = load_into(ox.Store(), files)
    fast_report = validate_compiled(store, shapes)
    if len(graph) <= max_shacl:
        from kzby_kg.validation.shacl import validate

        start = time.perf_counter()
        reference = validate(graph, shapes)
        rd["validate_pyshacl"] = time.perf_counter() - start
        result["validators_agree"] = same_results(reference, fast_report)
    result["backends"]["rdflib"] = rd

    # -- raw pyoxigraph (the limit) and the project's Oxigraph fast path, side by side
    raw, raw_store = measure_raw(files, runs, out)
    ours, project = measure_project(files, queries, runs, out)
    raw["queries"], ours["queries"] = measure_queries(
        raw_store, project, queries, runs, min_sample=0.005 if runs == 1 else 0.05
    )
    result["rows"] = answer_sizes(project, queries)
    del raw_store
    result["backends"]["pyoxigraph (raw)"] = raw
    result["backends"]["oxigraph (project)"] = ours
    result["backends"]["oxigraph (project)"]["validate_sparql"] = median_time(
        lambda: validate_compiled(store, shapes), runs
    )
    result["validation_results"] = dict(fast_report.counts())
    result["memory_mb"] = {mode: peak_memory(mode, files) for mode in ("raw", "project")}
    result["cli_store"] = measure_cli_store(data_file, runs, out)

    # -- Virtuoso, when one is running
    if os.environ.get("KZBY_KG_VIRTUOSO_URL") and result["triples"] > max_virtuoso:
        result["virtuoso_error"] = f"not measured: above --max-virtuoso {max_virtuoso:,} triples"
    elif os.environ.get("KZBY_KG_VIRTUOSO_URL"):
        measure_virtuoso(result, store, project, queries, runs, size)
    return result


def measure_cli_store(data_file: Path, runs: int, out: Path) -> dict[str, Any]:
    """Every stored question on the store ``kzby-kg query`` opens, in both of the cache's forms:
    a copy of the project with the generated graph in ``data/``, its cache built as the CLI
    builds it. The budget is judged on the form ``auto`` picks, the one users get."""
    import shutil

    from kzby_kg.paths import find_root
    from kzby_kg.querying.engines import OxigraphBackend
    from kzby_kg.rdf import cache

    folder = out / "data" / f"project-{data_file.stem}"
    shutil.rmtree(folder, ignore_errors=True)
    paths = find_root(project_copy(ROOT, folder, data_file))
    os.environ["KZBY_KG_CACHE_DIR"] = str(out / "data" / "cache")
    start = time.perf_counter()
    cache.cached_store(paths, form="disk")  # builds the entry: Turtle parsed once, both forms
    built = time.perf_counter() - start
    queries = catalogue(paths)
    measured: dict[str, Any] = {"cache_build": built, "forms": {}}
    for form in ("memory", "disk"):
        opened = median_time(lambda f=form: cache.cached_store(paths, form=f), runs)
        backend = OxigraphBackend(cache.cached_store(paths, form=form))
        measured["forms"][form] = {
            "open": opened,
            "questions": {t.name: t.as_dict() for t in time_questions(backend, queries, runs)},
        }
        measured["quads"] = len(backend.store)
        del backend
    quads = measured["quads"]
    measured["auto"] = "memory" if quads <= cache.MEMORY_LIMIT else "disk"
    shutil.rmtree(folder, ignore_errors=True)
    shutil.rmtree(out / "data" / "cache", ignore_errors=True)
    return measured


def virtuoso_questions(
    virtuoso: Any, embedded: OxigraphBackend, queries: dict[str, Any], runs: int
) -> dict[str, Any]:
    """Each stored question on Virtuoso: its time, and whether its rows are the embedded
    store's (as multisets: Virtuoso 7.2 does not always keep ORDER BY's order of ties); a
    question the server refuses is a result, not a crash."""
    from kzby_kg.querying.compare import comparable

    def rows(result: Any) -> list[list[Any]]:
        return comparable([list(v.values()) for v in result.values()], ordered=False)

    times: dict[str, float] = {}
    same: dict[str, bool] = {}
    errors: dict[str, str] = {}
    for name, stored in queries.items():
        try:
            answer = run_stored(stored, virtuoso, {})
            same[name] = rows(answer) == rows(run_stored(stored, embedded, {}))
            times[name] = median_time(lambda q=stored: run_stored(q, virtuoso, {}), runs)
        except Exception as exc:
            errors[name] = f"{type(exc).__name__}: {exc}"[:300]
    return {"queries": times, "same_rows": same, "errors": errors}


def measure_virtuoso(
    result: dict[str, Any],
    store: Any,
    embedded: OxigraphBackend,
    queries: dict[str, Any],
    runs: int,
    size: int,
) -> None:
    """Push the store into the running Virtuoso as ``kzby-kg push`` does (its Oxigraph store,
    in parts, then one COPY), and ask it every question; a failure is recorded, not raised."""
    from kzby_kg.remote.endpoint import EndpointBackend
    from kzby_kg.remote.push import SqlPort, push

    url = os.environ["KZBY_KG_VIRTUOSO_URL"]
    target = f"urn:kzby-kg:bench:{size}"
    sql = os.environ.get("KZBY_KG_VIRTUOSO_SQL")
    result["virtuoso_switch"] = "SQL port (isql)" if sql else "SPARQL Update"
    try:
        start = time.perf_counter()
        push(
            store,
            url,
            target,
            update_url=os.environ.get("KZBY_KG_VIRTUOSO_UPDATE_URL"),
            gsp_url=os.environ.get("KZBY_KG_VIRTUOSO_GSP_URL"),
            user="dba",
            password="dba",
            timeout=600,  # a 1M push took 67 s here; a stuck server must not stall the run
            sql=SqlPort(sql) if sql else None,
        )
        loaded = time.perf_counter() - start
        virtuoso = EndpointBackend(url, default_graph=target, timeout=600)
        result["backends"]["virtuoso"] = {
            "load": loaded,
            **virtuoso_questions(virtuoso, embedded, queries, runs),
        }
    except Exception as exc:  # a server failure is a result to report, not a crash
        result["virtuoso_error"] = f"{type(exc).__name__}: {exc}"[:500]


def bench_growth(size: int, runs: int, out: Path) -> dict[str, Any]:
    """A larger graph: the cached store's build, both forms' open and questions, the peak
    memory of a process that loads it and asks every question; and, with a Virtuoso running,
    the push and every question there."""
    import pyoxigraph as ox

    data_file = out / "data" / f"{size}.ttl"
    data_file.write_text(generate(size), encoding="utf-8")
    files = files_for(data_file)
    result: dict[str, Any] = {"size_requested": size, "backends": {}}
    result["cli_store"] = measure_cli_store(data_file, min(runs, 2), out)
    result["triples"] = result["cli_store"]["quads"]
    result["memory_mb"] = {"project": peak_memory("project", files)}
    if os.environ.get("KZBY_KG_VIRTUOSO_URL"):
        store = load_into(ox.Store(), files)
        measure_virtuoso(result, store, OxigraphBackend(store), catalogue(ROOT), 1, size)
        del store
    data_file.unlink()
    return result


def same_results(reference: Any, fast: Any) -> bool:
    """Both validators name the same focus, path, value, severity and shape, as multisets."""
    from collections import Counter

    from kzby_kg.querying.compare import normalise

    def key(r: Any) -> tuple[Any, ...]:
        return (r.severity, r.focus_curie, r.path, normalise(r.value_node), r.shape)

    return Counter(map(key, reference.results)) == Counter(map(key, fast.results))


def raw_load(files: list[Path]) -> Any:
    """pyoxigraph's bulk load, called directly: the limit the project is measured against."""
    import pyoxigraph as ox

    store = ox.Store()
    for path in files:
        store.bulk_load(path=str(path), format=ox.RdfFormat.TURTLE, base_iri=path.as_uri())
    return store


def raw_query(store: Any, text: str) -> None:
    answer = store.query(text)
    if hasattr(answer, "__iter__"):
        for _ in answer:
            pass


def raw_dump(store: Any, target: Path) -> None:
    """pyoxigraph's Turtle dump with the same prefixes the project writes, so both write the
    same bytes' worth."""
    import pyoxigraph as ox

    from kzby_kg.rdf.namespaces import PREFIXES

    prefixes = {p: str(ns) for p, ns in PREFIXES.items()}
    store.dump(str(target), ox.RdfFormat.TURTLE, from_graph=ox.DefaultGraph(), prefixes=prefixes)


def measure_raw(files: list[Path], runs: int, out: Path) -> tuple[dict[str, Any], Any]:
    """Raw pyoxigraph's load and dump, and the store it loaded (for the paired queries)."""

    store = raw_load(files)
    target = out / "data" / "raw-export.ttl"
    return {
        "load": median_time(lambda: raw_load(files), runs),
        "export_turtle": median_time(lambda: raw_dump(store, target), runs),
    }, store


def measure_project(
    files: list[Path], queries: dict[str, Any], runs: int, out: Path
) -> tuple[dict[str, Any], OxigraphBackend]:
    """The project's own load, rows read as rdflib terms and export; and its backend."""
    import pyoxigraph as ox

    store = load_into(ox.Store(), files)
    project = OxigraphBackend(store)
    target = out / "data" / "project-export.ttl"

    def converted(q: Any) -> None:
        list(run_stored(q, project, {}).rows)

    return {
        "load": median_time(lambda: load_into(ox.Store(), files), runs),
        # reading every row as rdflib terms, for comparison with the lazy rows
        "queries_rows_converted": {
            n: median_time(lambda q=q: converted(q), runs) for n, q in queries.items()
        },
        "export_turtle": median_time(lambda: dump_store(store, "turtle", target), runs),
    }, project


def measure_queries(
    raw_store: Any,
    project: OxigraphBackend,
    queries: dict[str, Any],
    runs: int,
    min_sample: float,
) -> tuple[dict[str, float], dict[str, float]]:
    """Every stored query on raw pyoxigraph (solutions iterated) and through
    ``OxigraphBackend.run`` (the answer held, rows lazy), in turns: see :func:`paired_times`."""
    raw: dict[str, float] = {}
    ours: dict[str, float] = {}
    for name, q in queries.items():
        text = inline_bindings(q.text, q.bindings({}))
        times = paired_times(
            {
                "raw": lambda t=text: raw_query(raw_store, t),
                "project": lambda q=q: run_stored(q, project, {}),
            },
            runs,
            min_sample,
        )
        raw[name], ours[name] = times["raw"], times["project"]
    return raw, ours


def answer_sizes(project: OxigraphBackend, queries: dict[str, Any]) -> dict[str, int]:
    return {n: len(run_stored(q, project, {})) for n, q in queries.items()}


def peak_memory(mode: str, files: list[Path]) -> float:
    """Peak resident memory (MB) of a fresh process that loads, runs every query and exports."""
    command = [sys.executable, str(Path(__file__)), "--memory-child", mode, *map(str, files)]
    done = subprocess.run(command, check=True, capture_output=True, text=True, timeout=3600)
    return float(done.stdout.strip().splitlines()[-1])


def peak_rss_mb() -> float:
    """This process's peak resident memory, from /proc (VmHWM). Not ru_maxrss: Linux carries
    that over from the parent through fork and exec, so a child started by a 4 GB parent would
    report 4 GB whatever it used itself."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def memory_child(mode: str, files: list[Path]) -> None:
    import tempfile

    import pyoxigraph as ox

    queries = catalogue(ROOT)
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / "export.ttl"
        if mode == "raw":
            store = raw_load(files)
            for q in queries.values():
                raw_query(store, inline_bindings(q.text, q.bindings({})))
            raw_dump(store, target)
        else:
            store = load_into(ox.Store(), files)
            project = OxigraphBackend(store)
            for q in queries.values():
                run_stored(q, project, {})
            dump_store(store, "turtle", target)
    print(peak_rss_mb())


def cold_start(runs: int) -> dict[str, float]:
    """`kzby-kg query NAME` on the article graph, end to end, against `import rdflib`."""
    command = [sys.executable, "-m", "kzby_kg", "query", "trade-balance", "--root", str(ROOT)]
    subprocess.run(command, check=True, capture_output=True)  # build the cache once
    return {
        "kzby-kg query trade-balance": median_time(
            lambda: subprocess.run(command, check=True, capture_output=True), runs
        ),
        'python -c "import rdflib"': median_time(
            lambda: subprocess.run([sys.executable, "-c", "import rdflib"], check=True), runs
        ),
    }


def machine() -> dict[str, Any]:
    packages = {p: metadata.version(p) for p in ("rdflib", "pyshacl", "pyoxigraph", "networkx")}
    return {
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "packages": packages,
    }


def _cell(data: dict[str, Any], key: str) -> str:
    return f"{data[key]:.3f}" if key in data else "-"


def _total(data: dict[str, Any], key: str = "queries") -> float | None:
    return sum(data[key].values()) if key in data else None


def slope(points: list[tuple[int, float]]) -> float | None:
    """The log-log slope from the smallest to the largest size: 1.0 is linear growth."""
    import math

    points = [(n, t) for n, t in points if t and t > 0]
    if len(points) < 2:
        return None
    (n1, t1), (n2, t2) = points[0], points[-1]
    return math.log(t2 / t1) / math.log(n2 / n1)


def targets(report: dict[str, Any]) -> list[str]:
    """The issue's targets, each as a ratio measured side by side in this run."""
    largest = report["sizes"][-1]
    raw = largest["backends"]["pyoxigraph (raw)"]
    project = largest["backends"]["oxigraph (project)"]
    ratios = {n: project["queries"][n] / raw["queries"][n] for n in raw["queries"]}
    worst = max(ratios, key=ratios.get)  # type: ignore[arg-type]
    within = sum(r <= 1.5 for r in ratios.values())
    load = project["load"] / raw["load"]
    export = project["export_turtle"] / raw["export_turtle"]
    memory = largest["memory_mb"]["project"] / largest["memory_mb"]["raw"]
    cold = report["cold_start"]
    cold_ok = cold["kzby-kg query trade-balance"] <= max(
        0.6, cold['python -c "import rdflib"'] + 0.25
    )
    query_s, import_s = cold["kzby-kg query trade-balance"], cold['python -c "import rdflib"']
    agree = [f"{s['triples']:,}" for s in report["sizes"] if s.get("validators_agree")]
    disagree = [f"{s['triples']:,}" for s in report["sizes"] if s.get("validators_agree") is False]

    def mark(ok: bool) -> str:
        return "met" if ok else "**not met**"

    n = f"{largest['triples']:,}"
    return [
        "| target | measured | |",
        "|---|---|---|",
        f"| every stored query ≤ 1.5x raw pyoxigraph at {n} | {within} of {len(ratios)} within; "
        f"worst {worst} {ratios[worst]:.2f}x ({project['queries'][worst] * 1000:.2f} ms vs "
        f"{raw['queries'][worst] * 1000:.2f} ms) | {mark(within == len(ratios))} |",
        f"| load ≤ 1.3x pyoxigraph bulk load | {load:.2f}x ({project['load']:.2f} s vs "
        f"{raw['load']:.2f} s) | {mark(load <= 1.3)} |",
        f"| Turtle export ≤ 1.5x pyoxigraph dump | {export:.2f}x ({project['export_turtle']:.2f} s "
        f"vs {raw['export_turtle']:.2f} s) | {mark(export <= 1.5)} |",
        f"| validation of {n} triples ≤ 30 s | {project['validate_sparql']:.1f} s "
        f"(compiled SHACL on Oxigraph, Data Cube IC-1/11/12 included) | "
        f"{mark(project['validate_sparql'] <= 30)} |",
        f"| same results as pyshacl | equal at {', '.join(agree) or 'no size'} triples"
        + (f"; differ at {', '.join(disagree)}" if disagree else "")
        + " (pyshacl is not run above --max-shacl; tests compare every fixture and the "
        f"article graph) | {mark(bool(agree) and not disagree)} |",
        f"| peak memory ≤ 1.5x pyoxigraph | {memory:.2f}x ({largest['memory_mb']['project']:.0f} "
        f"MB vs {largest['memory_mb']['raw']:.0f} MB) | {mark(memory <= 1.5)} |",
        f"| `kzby-kg query` cold ≤ 0.6 s or ≤ import rdflib + 0.25 s | {query_s:.3f} s "
        f"(import rdflib {import_s:.3f} s) | {mark(cold_ok)} |",
    ]


def slopes(report: dict[str, Any]) -> list[str]:
    lines = ["| backend | step | slope |", "|---|---|---|"]
    backends = sorted({b for size in report["sizes"] for b in size["backends"]})
    for name in backends:
        for step in ("load", "queries", "export_turtle", "networkx", "validate_sparql"):
            points = []
            for size in report["sizes"]:
                data = size["backends"].get(name, {})
                value = _total(data) if step == "queries" else data.get(step)
                if value is not None:
                    points.append((size["triples"], value))
            value = slope(points)
            if value is not None:
                sizes = f"{points[0][0]:,} to {points[-1][0]:,}"
                lines.append(f"| {name} | {step} ({sizes}) | {value:.2f} |")
    return lines


def per_query(size: dict[str, Any]) -> list[str]:
    """Each stored query at the largest size: raw, project and (when run) Virtuoso, worst first."""
    raw = size["backends"]["pyoxigraph (raw)"]["queries"]
    ours = size["backends"]["oxigraph (project)"]["queries"]
    virtuoso = size["backends"].get("virtuoso", {}).get("queries", {})
    lines = [
        f"## Each stored query at {size['triples']:,} triples",
        "",
        "Milliseconds per call, median; raw and project measured in turns (see `paired_times`).",
        "",
        "| query | rows | raw pyoxigraph | oxigraph (project) | ratio | virtuoso |",
        "|---|---|---|---|---|---|",
    ]
    for name in sorted(raw, key=lambda n: ours[n] / raw[n], reverse=True):
        cells = [
            name,
            f"{size['rows'][name]:,}" if name in size.get("rows", {}) else "-",
            f"{raw[name] * 1e3:.2f}",
            f"{ours[name] * 1e3:.2f}",
            f"{ours[name] / raw[name]:.2f}x",
            f"{virtuoso[name] * 1e3:.1f}" if name in virtuoso else "-",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def budget_section(report: dict[str, Any]) -> list[str]:
    """Each question against its budget at every size, on the form the CLI opens."""
    sizes = [s for s in report["sizes"] if "cli_store" in s]
    if not sizes:
        return []
    largest = sizes[-1]
    timings = largest["cli_store"]["forms"]["memory"]["questions"]
    met = sum(t["met"] for t in timings.values())
    head = " | ".join(f"{s['triples']:,}" for s in sizes)
    lines = [
        "## Each stored question against its budget",
        "",
        "Budget: 20 ms + 5 µs per row returned, with default parameters, at "
        f"{largest['triples']:,} triples: **{met} of {len(timings)} met**. Milliseconds "
        "(median) on the project's own path: a copy of the project with the generated graph "
        "in `data/`, its cache built as the CLI builds it, opened in memory (`--cache memory`: "
        "what `serve`, a notebook and the CLI below 500,000 quads use), each question asked "
        "through `run_stored` with its answer evaluated and held. The next table gives the "
        "on-disk form too.",
        "",
        f"| question | rows | budget (ms) | {head} | met | why not | on disk at "
        f"{largest['triples']:,} |",
        "|---|---|---|" + "---|" * len(sizes) + "---|---|---|",
    ]

    def share(name: str) -> float:
        return float(timings[name]["seconds"] / timings[name]["budget"])

    for name in sorted(timings, key=share, reverse=True):
        cells = [name, f"{timings[name]['rows']:,}", f"{timings[name]['budget'] * 1e3:.1f}"]
        for size in sizes:
            t = size["cli_store"]["forms"]["memory"]["questions"].get(name)
            cells.append(f"{t['seconds'] * 1e3:.2f}" if t else "-")
        cells.append("met" if timings[name]["met"] else "**not met**")
        cells.append(timings[name]["note"] if not timings[name]["met"] else "")
        disk = largest["cli_store"]["forms"]["disk"]["questions"].get(name)
        cells.append(f"{disk['seconds'] * 1e3:.2f}" if disk else "-")
        lines.append("| " + " | ".join(cells) + " |")
    lines += [
        "",
        "### Which store the command line opens",
        "",
        "The cache holds each graph in two forms (`rdf/cache.py`): an N-Quads snapshot loaded "
        "into memory, and Oxigraph's on-disk store opened read-only. Seconds to open, and the "
        "questions' total, per form; `auto` (the CLI's default) is the form a one-off "
        "command gets:",
        "",
        "| triples | memory: load snapshot | memory: all questions | disk: open | "
        "disk: all questions | disk / memory (median per question) | auto |",
        "|---|---|---|---|---|---|---|",
    ]
    for size in sizes:
        forms = size["cli_store"]["forms"]
        total = {f: sum(t["seconds"] for t in forms[f]["questions"].values()) for f in forms}
        ratios = [
            forms["disk"]["questions"][n]["seconds"] / forms["memory"]["questions"][n]["seconds"]
            for n in forms["memory"]["questions"]
        ]
        lines.append(
            f"| {size['triples']:,} | {forms['memory']['open']:.3f} | {total['memory']:.3f} | "
            f"{forms['disk']['open']:.3f} | {total['disk']:.3f} | "
            f"{statistics.median(ratios):.1f}x | {size['cli_store']['auto']} |"
        )
    return lines


def _switch(measured: dict[str, Any]) -> str:
    """How the push's one COPY was sent, as the run recorded it (``--sql-port`` or not)."""
    return {
        "SQL port (isql)": "the SQL port (`push --sql-port`, isql-vt)",
        "SPARQL Update": "SPARQL Update over HTTP",
    }.get(measured.get("virtuoso_switch", ""), "an unrecorded method")


def virtuoso_section(report: dict[str, Any]) -> list[str]:
    """Virtuoso at the largest size it was loaded: the load, and each question against the
    embedded store (time, ratio, same rows)."""
    measured = [s for s in report["sizes"] if "virtuoso" in s["backends"]]
    if not measured:
        return []
    size = measured[-1]
    virtuoso = size["backends"]["virtuoso"]
    embedded = size["backends"]["oxigraph (project)"]["queries"]
    same = virtuoso.get("same_rows", {})
    lines = [
        f"## Virtuoso at {size['triples']:,} triples, stock configuration",
        "",
        "Debian's virtuoso-opensource 7.2 with its own `virtuoso.ini`, only the ports and "
        "paths changed (`.ci/virtuoso.sh start`). Load: `kzby_kg.remote.push.push` of the "
        "graph (parts over HTTP, staging graph, one atomic switch through "
        f"{_switch(size)}): **{virtuoso['load']:.1f} s** "
        f"(target ≤ 120 s: {'met' if virtuoso['load'] <= 120 else '**not met**'}). "
        f"Questions with the same rows as the embedded store: {sum(same.values())} of "
        f"{len(same) + len(virtuoso.get('errors', {}))}.",
        "",
        "| question | virtuoso (ms) | embedded (ms) | ratio | same rows |",
        "|---|---|---|---|---|",
    ]
    for name in sorted(set(embedded)):
        if name in virtuoso.get("errors", {}):
            lines.append(f"| {name} | error: {virtuoso['errors'][name]} | - | - | - |")
            continue
        v, e = virtuoso["queries"].get(name), embedded[name]
        ratio = f"{v / e:.2g}x" if v is not None and e else "-"
        cell = f"{v * 1e3:.1f}" if v is not None else "-"
        lines.append(
            f"| {name} | {cell} | {e * 1e3:.2f} | {ratio} | "
            f"{'yes' if same.get(name) else '**no**'} |"
        )
    return lines


def growth_section(report: dict[str, Any]) -> list[str]:
    """How load, memory and questions grow, from the benchmark's sizes to the growth sizes."""
    points = [s for s in report["sizes"] + report.get("growth", []) if "cli_store" in s]
    if len(points) < 2:
        return []
    lines = [
        "## Growth to the largest graph",
        "",
        "The project's cached store at each size (quads of the full graph plus the generated "
        "one): building the cache, loading the snapshot into memory, opening on disk, all "
        "questions in memory and on disk, and peak memory of a process that loads the graph "
        "and asks every question. Slopes are log-log between the first and last size "
        "(1.0 = linear).",
        "",
        "| quads | cache build (s) | memory load (s) | disk open (s) | questions, memory (s) | "
        "questions, disk (s) | peak memory (MB) |",
        "|---|---|---|---|---|---|---|",
    ]
    series: dict[str, list[tuple[int, float]]] = {}
    for point in points:
        store = point["cli_store"]
        quads = store["quads"]
        values = {
            "cache build": store["cache_build"],
            "memory load": store["forms"]["memory"]["open"],
            "disk open": store["forms"]["disk"]["open"],
            "questions, memory": sum(
                t["seconds"] for t in store["forms"]["memory"]["questions"].values()
            ),
            "questions, disk": sum(
                t["seconds"] for t in store["forms"]["disk"]["questions"].values()
            ),
            "peak memory": point["memory_mb"]["project"],
        }
        for key, value in values.items():
            series.setdefault(key, []).append((quads, value))
        lines.append(
            f"| {quads:,} | "
            + " | ".join(
                f"{v:.0f}" if k == "peak memory" else f"{v:.3f}" for k, v in values.items()
            )
            + " |"
        )
    lines += ["", "| step | slope |", "|---|---|"]
    for key, values in series.items():
        value = slope(values)
        if value is not None:
            lines.append(f"| {key} | {value:.2f} |")
    lines += virtuoso_growth(points)
    for point in report.get("growth", []):
        if "virtuoso_error" in point:
            lines += ["", f"Virtuoso at {point['triples']:,} quads: {point['virtuoso_error']}."]
    return lines


def virtuoso_growth(points: list[dict[str, Any]]) -> list[str]:
    """The same growth on Virtuoso (stock ini): push, all questions once, and agreement."""
    loaded = [p for p in points if "virtuoso" in p.get("backends", {})]
    if len(loaded) < 2:
        return []
    lines = [
        "",
        "On Virtuoso (stock ini; `push` of the Oxigraph store, its switch through "
        f"{_switch(loaded[-1])}, then every question; at the growth sizes each question once):",
        "",
        "| quads | push (s) | questions, total (s) | same rows as embedded | refused |",
        "|---|---|---|---|---|",
    ]
    pushes, asked = [], []
    for point in loaded:
        virtuoso = point["backends"]["virtuoso"]
        total = sum(virtuoso["queries"].values())
        same = virtuoso.get("same_rows", {})
        errors = virtuoso.get("errors", {})
        lines.append(
            f"| {point['triples']:,} | {virtuoso['load']:.1f} | {total:.2f} | "
            f"{sum(same.values())} of {len(same)} | {len(errors)} |"
        )
        pushes.append((point["triples"], virtuoso["load"]))
        asked.append((point["triples"], total))
    lines += ["", "| step | slope |", "|---|---|"]
    for key, values in (("Virtuoso push", pushes), ("Virtuoso questions", asked)):
        value = slope(values)
        if value is not None:
            lines.append(f"| {key} | {value:.2f} |")
    for point in loaded:
        for name, error in point["backends"]["virtuoso"].get("errors", {}).items():
            lines.append(f"\nAt {point['triples']:,}: `{name}` refused: {error}")
    return lines


def throughput_section(report: dict[str, Any]) -> list[str]:
    measured = report.get("throughput")
    if not measured:
        return []
    sides = measured["sides"]
    names = list(sides)
    lines = [
        "## Server throughput",
        "",
        f"`GET {measured['path']}` with {measured['clients']} keep-alive clients for "
        f"{measured['seconds']:g} s a turn, servers measured in turns (`bench/throughput.py`; "
        "each server is `kzby-kg serve` in its own process on the full graph, the baseline a "
        "git worktree of the commit the issue was filed against, run with the same "
        "interpreter). Median of the turns:",
        "",
        "| server | requests/s | p95 (ms) | errors |",
        "|---|---|---|---|",
    ]
    for name in names:
        side = sides[name]
        lines.append(
            f"| {name} | {side['requests_per_second']:.0f} | {side['p95_ms']:.0f} | "
            f"{side['errors']} |"
        )
    lines += [
        "",
        f"Current against baseline: **{measured['ratio']:.1f}x** (target ≥ 2x: "
        f"{'met' if measured['ratio'] >= 2 else '**not met**'}); with the answer cache off, "
        f"{measured['ratio_without_answer_cache']:.1f}x.",
    ]
    return lines


def write_markdown(report: dict[str, Any], path: Path) -> None:
    lines = [
        "# Benchmark results",
        "",
        f"Command: `{report['command']}`",
        "",
        f"Machine: {report['machine']['platform']}, {report['machine']['cpus']} CPUs, "
        f"Python {report['machine']['python']}; "
        + ", ".join(f"{k} {v}" for k, v in report["machine"]["packages"].items()),
        "",
        "Every figure was measured in this run, side by side, on this machine. Times are medians "
        "in seconds. *raw pyoxigraph* is the limit: pyoxigraph called directly (bulk_load, "
        "query with the solutions iterated, dump). *oxigraph (project)* is the project's own "
        "calls: `rdf.load.load_into`, `OxigraphBackend.run` (the whole answer held, rows turned "
        "into rdflib terms when read), "
        "`rdf.write.dump_store`, and `validation.compiled.validate_compiled`. "
        "rdflib steps run once above 200k triples.",
        "",
        "## Targets",
        "",
        *targets(report),
        "",
        "## Times",
        "",
        "| triples | backend | load | all stored queries | rows read as rdflib terms | "
        "Turtle export | networkx | validation |",
        "|---|---|---|---|---|---|---|---|",
    ]
    backends = sorted({b for size in report["sizes"] for b in size["backends"]})
    for size in report["sizes"]:
        for name in backends:
            data = size["backends"].get(name)
            if not data:
                continue
            total, converted = _total(data), _total(data, "queries_rows_converted")
            validation = data.get("validate_sparql", data.get("validate_pyshacl"))
            which = "compiled" if "validate_sparql" in data else "pyshacl"
            cells = [
                f"{size['triples']:,}",
                name,
                _cell(data, "load"),
                f"{total:.3f}" if total is not None else "-",
                f"{converted:.3f}" if converted is not None else "-",
                _cell(data, "export_turtle"),
                _cell(data, "networkx"),
                f"{validation:.2f} ({which})" if validation is not None else "-",
            ]
            lines.append("| " + " | ".join(cells) + " |")
    lines += ["", "## Peak memory", "", "| triples | raw pyoxigraph | oxigraph (project) |"]
    lines.append("|---|---|---|")
    for size in report["sizes"]:
        memory = size["memory_mb"]
        lines.append(
            f"| {size['triples']:,} | {memory['raw']:.0f} MB | {memory['project']:.0f} MB |"
        )
    lines += ["", *budget_section(report)]
    lines += ["", *virtuoso_section(report)]
    lines += ["", *growth_section(report)]
    lines += ["", *throughput_section(report)]
    lines += ["", *per_query(report["sizes"][-1])]
    lines += [
        "",
        "Peak resident memory (VmHWM) of a fresh process that loads the graph, runs every "
        "stored query and writes Turtle; the project's process also imports rdflib.",
        "",
        "## Growth",
        "",
        "Log-log slope of time against size (1.0 = linear):",
        "",
        *slopes(report),
        "",
        "## Validation results on the synthetic graphs",
        "",
    ]
    for size in report["sizes"]:
        counts = ", ".join(f"{v} {k}" for k, v in sorted(size["validation_results"].items()))
        agreed = {True: "same as pyshacl", False: "DIFFERENT from pyshacl", None: "pyshacl not run"}
        verdict = agreed[size.get("validators_agree")]
        lines.append(f"- {size['triples']:,} triples: {counts or 'none'} ({verdict})")
    errors = [(s["triples"], s["virtuoso_error"]) for s in report["sizes"] if "virtuoso_error" in s]
    if errors:
        lines += ["", "Not measured, and why:", ""]
        lines += [f"- Virtuoso at {n:,} triples: {e}" for n, e in errors]
    lines += ["", "## Cold start on the article graph (cache warm)", ""]
    lines += [f"- `{k}`: {v:.3f} s" for k, v in report["cold_start"].items()]
    lines += ["", "![time against size, log-log](scaling.png)", ""]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def plot(report: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(8, 6))
    backends = sorted({b for size in report["sizes"] for b in size["backends"]})
    for name in backends:
        loads = [
            (s["triples"], s["backends"][name]["load"])
            for s in report["sizes"]
            if name in s["backends"]
        ]
        totals = [
            (s["triples"], sum(s["backends"][name]["queries"].values()))
            for s in report["sizes"]
            if "queries" in s["backends"].get(name, {})
        ]

        # a series measured at fewer sizes (rdflib's questions, Virtuoso) says so
        def where(points: list[Any]) -> str:
            if len(points) == len(report["sizes"]):
                return ""
            return f" ({len(points)} size{'s' if len(points) > 1 else ''} only)"

        if loads:
            axes.plot(*zip(*loads, strict=True), marker="o", label=f"{name}: load{where(loads)}")
        if totals:
            axes.plot(
                *zip(*totals, strict=True),
                marker="s",
                linestyle="--",
                label=f"{name}: all stored questions{where(totals)}",
            )
    axes.set_xscale("log")
    axes.set_yscale("log")
    sizes = [s["triples"] for s in report["sizes"]]
    axes.set_xticks(sizes, [f"{n / 1000:,.0f}k" for n in sizes])
    axes.minorticks_off()
    axes.set_xlabel("triples in the graph (article graph + generated graph; log scale)")
    axes.set_ylabel("seconds, median of the runs (log scale)")
    axes.set_title("kzby-kg: time to load the graph and to run every stored question, by size")
    axes.legend(
        fontsize=8,
        title="solid: load the graph; dashed: all stored questions, one after another",
        title_fontsize=8,
    )
    figure.tight_layout()
    figure.savefig(path, dpi=100, metadata={"Software": None})
    plt.close(figure)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--max-shacl", type=int, default=150_000, help="run pyshacl up to this many triples"
    )
    parser.add_argument(
        "--max-rdflib-queries",
        type=int,
        default=150_000,
        help="run the stored queries on rdflib up to this many triples",
    )
    parser.add_argument(
        "--max-virtuoso", type=int, default=2_000_000, help="load Virtuoso up to this many triples"
    )
    parser.add_argument(
        "--growth-sizes",
        type=int,
        nargs="*",
        default=[5_000_000],
        help="larger graphs for the growth figures (embedded, and Virtuoso when one is running)",
    )
    parser.add_argument(
        "--throughput-seconds",
        type=float,
        default=20.0,
        help="seconds per turn of the server throughput pair (0: not measured)",
    )
    parser.add_argument("--quick", action="store_true", help="10k only, one run")
    parser.add_argument("--out", default=str(HERE))
    parser.add_argument(
        "--render",
        metavar="RESULTS_JSON",
        help="measure nothing: write RESULTS.md and scaling.png again from a results.json "
        "(after a change to how results are written)",
    )
    parser.add_argument("--memory-child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_child:
        memory_child(args.memory_child[0], [Path(p) for p in args.memory_child[1:]])
        return
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if args.render:
        report = json.loads(Path(args.render).read_text(encoding="utf-8"))
        write_markdown(report, out / "RESULTS.md")
        plot(report, out / "scaling.png")
        print(f"wrote {out / 'RESULTS.md'}, {out / 'scaling.png'} from {args.render}")
        return
    if args.quick:  # what CI runs: it checks the command works, not the timings
        args.sizes, args.runs, args.max_rdflib_queries = [10_000], 1, 0
        args.growth_sizes, args.throughput_seconds = [], 0
    report = {
        "command": "python bench/run.py " + " ".join(sys.argv[1:]),
        "machine": machine(),
        "sizes": [],
        "cold_start": cold_start(max(args.runs, 3)),
    }
    for size in args.sizes:
        print(f"measuring {size:,} triples ({args.runs} runs)…", file=sys.stderr)
        report["sizes"].append(
            bench_size(
                size, args.runs, args.max_shacl, args.max_rdflib_queries, args.max_virtuoso, out
            )
        )
    report["growth"] = []
    for size in args.growth_sizes:
        print(f"measuring growth at {size:,} triples…", file=sys.stderr)
        report["growth"].append(bench_growth(size, args.runs, out))
    if args.throughput_seconds:
        from throughput import side_by_side

        print("measuring server throughput…", file=sys.stderr)
        report["throughput"] = side_by_side(seconds=args.throughput_seconds)
    (out / "results.json").write_text(json.dumps(report, indent=1), encoding="utf-8")
    write_markdown(report, out / "RESULTS.md")
    plot(report, out / "scaling.png")
    print(
        f"wrote {out / 'results.json'}, {out / 'RESULTS.md'}, {out / 'scaling.png'}",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
