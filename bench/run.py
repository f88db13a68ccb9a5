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
from generate import generate  # noqa: E402

from kzby_kg.backends import OxigraphBackend, RdflibBackend, inline_bindings  # noqa: E402
from kzby_kg.cache import load_files  # noqa: E402
from kzby_kg.catalogue import catalogue  # noqa: E402
from kzby_kg.loading import add_file, load  # noqa: E402
from kzby_kg.paths import find_root  # noqa: E402


def median_time(action: Callable[[], Any], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def files_for(data_file: Path) -> list[Path]:
    paths = find_root(ROOT)
    return [paths.ontology, *paths.data_files(), data_file]


def bench_size(
    size: int, runs: int, max_shacl: int, max_rdflib_queries: int, out: Path
) -> dict[str, Any]:
    import pyoxigraph as ox

    data_file = out / "data" / f"{size}.ttl"
    data_file.parent.mkdir(parents=True, exist_ok=True)
    data_file.write_text(generate(size), encoding="utf-8")
    files = files_for(data_file)
    queries = catalogue(ROOT)
    result: dict[str, Any] = {"size_requested": size, "backends": {}}

    # -- rdflib
    def rdflib_load() -> Any:
        graph = load(ROOT)
        add_file(graph, data_file)
        return graph

    graph = rdflib_load()
    result["triples"] = len(graph)
    rd: dict[str, Any] = {"load": median_time(rdflib_load, runs)}
    backend = RdflibBackend(graph)
    if len(graph) <= max_rdflib_queries:
        rd["queries"] = {
            n: median_time(lambda q=q: backend.run(q.text, q.bindings({})), runs)
            for n, q in queries.items()
        }
    rd["export_turtle"] = median_time(lambda: graph.serialize(format="turtle"), runs)
    from kzby_kg.networks import to_networkx

    rd["networkx"] = median_time(lambda: to_networkx(graph), runs)
    if len(graph) <= max_shacl:
        from kzby_kg.validation import validate

        rd["validate_pyshacl"] = median_time(lambda: validate(graph), 1)
    result["backends"]["rdflib"] = rd

    # -- raw pyoxigraph and the project's Oxigraph backend share one loading path
    def ox_load() -> Any:
        return load_files(ox.Store(), files)

    store = ox_load()
    load_time = median_time(ox_load, runs)
    project = OxigraphBackend(store=store)
    texts = {n: inline_bindings(q.text, q.bindings({})) for n, q in queries.items()}

    def raw(text: str) -> None:
        answer = store.query(text)
        if hasattr(answer, "__iter__"):
            for _ in answer:
                pass

    result["backends"]["oxigraph (project)"] = {
        "load": load_time,
        "queries": {
            n: median_time(lambda q=q: project.run(q.text, q.bindings({})), runs)
            for n, q in queries.items()
        },
        "export_turtle": median_time(
            lambda: store.dump(format=ox.RdfFormat.TURTLE, from_graph=ox.DefaultGraph()), runs
        ),
    }
    result["backends"]["pyoxigraph (raw)"] = {
        "load": load_time,
        "queries": {n: median_time(lambda t=t: raw(t), runs) for n, t in texts.items()},
        "export_turtle": median_time(
            lambda: store.dump(format=ox.RdfFormat.TURTLE, from_graph=ox.DefaultGraph()), runs
        ),
    }

    # -- Virtuoso, when one is running
    if os.environ.get("KZBY_KG_VIRTUOSO_URL"):
        from kzby_kg.backends import EndpointBackend
        from kzby_kg.push import push

        url = os.environ["KZBY_KG_VIRTUOSO_URL"]
        target = f"urn:kzby-kg:bench:{size}"
        try:
            start = time.perf_counter()
            push(
                graph,
                url,
                target,
                update_url=os.environ.get("KZBY_KG_VIRTUOSO_UPDATE_URL"),
                gsp_url=os.environ.get("KZBY_KG_VIRTUOSO_GSP_URL"),
                user="dba",
                password="dba",
                timeout=900,
            )
            loaded = time.perf_counter() - start
            virtuoso = EndpointBackend(url, default_graph=target, timeout=600)
            result["backends"]["virtuoso"] = {
                "load": loaded,
                "queries": {
                    n: median_time(lambda q=q: virtuoso.run(q.text, q.bindings({})), runs)
                    for n, q in queries.items()
                },
            }
        except Exception as exc:  # a server failure is a result to report, not a crash
            result["virtuoso_error"] = f"{type(exc).__name__}: {exc}"[:500]
    return result


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
        'Times are medians in seconds. "queries" is the sum over every stored query with its '
        "default parameters; the per-query times are in results.json.",
        "",
    ]
    backends = sorted({b for size in report["sizes"] for b in size["backends"]})
    lines.append(
        "| triples | backend | load | all stored queries | Turtle export | networkx | pyshacl |"
    )
    lines.append("|---|---|---|---|---|---|---|")
    for size in report["sizes"]:
        for name in backends:
            data = size["backends"].get(name)
            if not data:
                continue

            total = f"{sum(data['queries'].values()):.3f}" if "queries" in data else "-"
            cells = [
                _cell(data, k) for k in ("load", "export_turtle", "networkx", "validate_pyshacl")
            ]
            lines.append(
                f"| {size['triples']:,} | {name} | {cells[0]} | {total} | "
                f"{cells[1]} | {cells[2]} | {cells[3]} |"
            )
    errors = [(s["triples"], s["virtuoso_error"]) for s in report["sizes"] if "virtuoso_error" in s]
    if errors:
        lines += ["", "Not measured, and why:", ""]
        lines += [f"- Virtuoso at {n:,} triples: {e}" for n, e in errors]
    lines += ["", "Cold start on the article graph (cache warm):", ""]
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
        if loads:
            axes.plot(*zip(*loads, strict=True), marker="o", label=f"{name}: load")
        if totals:
            axes.plot(
                *zip(*totals, strict=True), marker="s", linestyle="--", label=f"{name}: all queries"
            )
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.set_xlabel("triples")
    axes.set_ylabel("seconds (median)")
    axes.legend(fontsize=8)
    axes.grid(True, which="both", alpha=0.3)
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
    parser.add_argument("--quick", action="store_true", help="10k only, one run")
    parser.add_argument("--out", default=str(HERE))
    args = parser.parse_args()
    if args.quick:
        args.sizes, args.runs = [10_000], 1
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    report = {
        "command": "python bench/run.py " + " ".join(sys.argv[1:]),
        "machine": machine(),
        "sizes": [],
        "cold_start": cold_start(max(args.runs, 3)),
    }
    for size in args.sizes:
        runs = args.runs if size <= 100_000 else 1
        print(f"measuring {size:,} triples ({runs} runs)…", file=sys.stderr)
        report["sizes"].append(bench_size(size, runs, args.max_shacl, args.max_rdflib_queries, out))
    (out / "results.json").write_text(json.dumps(report, indent=1), encoding="utf-8")
    write_markdown(report, out / "RESULTS.md")
    plot(report, out / "scaling.png")
    print(
        f"wrote {out / 'results.json'}, {out / 'RESULTS.md'}, {out / 'scaling.png'}",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
