"""The package's shape holds: no import cycle between modules, no module reaching into another
module's private names, and each layer imports only the layers below it (the README's
Architecture section), read from the source with ``ast``, function-level imports included."""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "kzby_kg"
#: lowest first; a module may import from its own layer and the layers before it
LAYERS = [
    {"errors", "languages", "paths"},
    {"rdf"},
    {"querying"},
    {"validation", "remote"},
    {"importing", "views"},
    {"web", "pipeline", "report"},
    {"cli", "__init__", "__main__"},
]
#: the engine registry names every engine, the remote one included (imported when chosen)
ALLOWED_UPWARD = {("kzby_kg.querying.engines", "kzby_kg.remote.endpoint")}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> list[tuple[str, list[str]]]:
    """(imported module, names) for every import of the package in the file."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("kzby_kg"):
            assert node.level == 0, f"{path}: relative import"
            found.append((node.module, [a.name for a in node.names]))
        elif isinstance(node, ast.Import):
            found += [(a.name, []) for a in node.names if a.name.startswith("kzby_kg")]
    return found


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def layer(module: str) -> int:
    parts = module.split(".")
    top = parts[1] if len(parts) > 1 else "__init__"
    return next(i for i, names in enumerate(LAYERS) if top in names)


def test_every_module_has_a_layer() -> None:
    for module in MODULES:
        layer(module)


def test_no_import_cycle() -> None:
    graph = nx.DiGraph()
    for module, path in MODULES.items():
        for target, names in imports(path):
            # "from kzby_kg.rdf import load" may name a submodule
            targets = [f"{target}.{n}" for n in names if f"{target}.{n}" in MODULES] or [target]
            graph.add_edges_from((module, t) for t in targets if t != "kzby_kg")
    cycles = list(nx.simple_cycles(graph))
    assert not cycles, cycles[:5]


def test_no_private_names_cross_modules() -> None:
    for module, path in MODULES.items():
        for target, names in imports(path):
            private = [n for n in names if n.startswith("_")]
            assert not private, f"{module} imports {private} from {target}"


def test_layers_import_downwards() -> None:
    for module, path in MODULES.items():
        for target, _ in imports(path):
            if target == "kzby_kg" or (module, target) in ALLOWED_UPWARD:
                continue
            assert layer(target) <= layer(module), f"{module} imports {target}, a higher layer"
