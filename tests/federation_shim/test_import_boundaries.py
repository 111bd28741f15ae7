"""The toolkit stands alone: read from the source (ast) of every module, what each imports.

* `federation_shim/` imports nothing of Lectern's (`lectern.*` other than `lectern.federation_shim`, nor the
  repository's `generator`, `publish`, `discovery_index`), and Starlette only in its one ASGI adapter (`asgi.py`);
* Lectern's own modules, the discovery index, the generator and publish import the toolkit only through its public
  API (`from lectern.federation_shim import X`), never from one of its modules;
* the public API is what `__all__` says, every name of it loads, and loading all but the ASGI adapter's names does
  not import Starlette.
"""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import lectern.federation_shim as toolkit
from tests.conftest import PROJECT

TOOLKIT = PROJECT / "federation_shim"
ASGI_ADAPTER = "asgi.py"
APPLICATION_SIDE = ("lectern", "discovery_index", "generator", "publish")
REPOSITORY_PACKAGES = ("generator", "publish", "discovery_index", "federation_shim")

# Imports that item 3 of issue 14 (storage behind protocols, done in another branch) removes: the delivery queue
# still records "what followers were told" (Lectern's delivery plan) and imports `pid_alive` by its old path. The
# test fails once an entry is no longer needed, so it cannot outlive the change that removes it.
PENDING: dict[str, set[str]] = {}  # modules allowed an import across the boundary for now: none


def package_of(path: Path) -> str:
    return "lectern." + ".".join(path.relative_to(PROJECT).parent.parts)


def imported_modules(path: Path, package: str) -> Iterator[str]:
    """Every module `path` imports, at any depth (function bodies and TYPE_CHECKING blocks too), made absolute."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                yield f"{base}.{node.module}" if node.module else base
            elif node.module:
                yield node.module


def toolkit_violations(path: Path, package: str = "lectern.federation_shim") -> set[str]:
    wrong = set()
    for module in imported_modules(path, package):
        top = module.split(".")[0]
        if module == "lectern" or (top == "lectern" and not module.startswith("lectern.federation_shim")):
            wrong.add(module)
        elif top in REPOSITORY_PACKAGES:
            wrong.add(module)
        elif top == "starlette" and path.name != ASGI_ADAPTER:
            wrong.add(module)
    return wrong


def test_the_toolkit_imports_nothing_of_lecterns() -> None:
    found = {path.name: toolkit_violations(path) for path in sorted(TOOLKIT.glob("*.py"))}
    assert len(found) > 30  # every module was read
    unexpected = {name: wrong - PENDING.get(name, set()) for name, wrong in found.items()}
    assert {name: wrong for name, wrong in unexpected.items() if wrong} == {}
    stale = {name: pending - found.get(name, set()) for name, pending in PENDING.items()}
    assert {name: gone for name, gone in stale.items() if gone} == {}, "remove these from PENDING: they are fixed"


def test_only_the_asgi_adapter_imports_starlette() -> None:
    importers = sorted(
        path.name
        for path in TOOLKIT.glob("*.py")
        if any(module.split(".")[0] == "starlette" for module in imported_modules(path, package_of(path)))
    )
    assert importers == [ASGI_ADAPTER]


def test_the_checker_sees_a_forbidden_import(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text(
        "from lectern.federation_shim.vocabulary import PUBLIC\n"
        "def late() -> None:\n    from lectern.settings import Settings\n    from starlette.requests import Request\n"
        "from ..generator import objects\n",
        encoding="utf-8",
    )
    assert toolkit_violations(probe) == {"lectern.settings", "starlette.requests", "lectern.generator"}


def test_the_application_side_uses_only_the_public_api() -> None:
    reaching_in = []
    for folder in APPLICATION_SIDE:
        for path in sorted((PROJECT / folder).rglob("*.py")):
            for module in imported_modules(path, package_of(path)):
                if module.startswith("lectern.federation_shim."):
                    reaching_in.append(f"{path.relative_to(PROJECT)}: {module}")
    assert reaching_in == []


def test_every_public_name_is_the_object_its_module_defines() -> None:
    assert sorted(toolkit.__all__) == sorted(toolkit._EXPORTS)
    for name in toolkit.__all__:
        module, attribute = toolkit._EXPORTS[name]
        assert getattr(toolkit, name) is getattr(importlib.import_module(f"{toolkit.__name__}.{module}"), attribute)
    assert "activity_body" in dir(toolkit)


def test_no_public_name_is_a_module_name() -> None:
    """Python sets `package.<module>` to the module when it is first imported: a public name spelt the same would
    then be the module, not the function."""
    modules = {path.stem for path in TOOLKIT.glob("*.py")}
    assert modules & set(toolkit.__all__) == set()


def test_the_toolkit_without_its_adapter_does_not_load_starlette() -> None:
    script = (
        "import sys, lectern.federation_shim as toolkit\n"
        "for name in toolkit.__all__:\n"
        "    if toolkit._EXPORTS[name][0] != 'asgi':\n"
        "        getattr(toolkit, name)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('starlette', 'pelican')))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=PROJECT, capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == "[]"
