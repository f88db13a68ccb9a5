"""The public API: every name in ``kzby_kg.__all__`` is what it says, before and after every
submodule has been imported (a lazy attribute once turned into a module that way)."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import subprocess
import sys

import kzby_kg


def test_all_lists_every_public_name() -> None:
    assert set(kzby_kg.__all__) == set(kzby_kg._API)


def test_no_package_or_module_shares_a_public_name() -> None:
    submodules = {m.name for m in pkgutil.iter_modules(kzby_kg.__path__)}
    assert not submodules & set(kzby_kg.__all__)


def test_every_public_name_is_a_function_class_or_constant_after_importing_everything() -> None:
    for info in pkgutil.walk_packages(kzby_kg.__path__, "kzby_kg."):
        if info.name != "kzby_kg.__main__":
            importlib.import_module(info.name)
    for name in kzby_kg.__all__:
        value = getattr(kzby_kg, name)
        assert not inspect.ismodule(value), name
        assert callable(value) or isinstance(value, str), name


def test_importing_the_package_loads_no_heavy_library() -> None:
    code = (
        "import sys, kzby_kg\n"
        "heavy = {'pyshacl', 'networkx', 'matplotlib', 'SPARQLWrapper', 'rdflib'}\n"
        "heavy &= set(sys.modules)\n"
        "print(sorted(heavy))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
